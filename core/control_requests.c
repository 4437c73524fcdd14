// SPDX-License-Identifier: GPL-2.0
/*
 * What each control request does to the VM: info, stop, pause (answered
 * once every vcpu has parked), resume, dump (the registers read while
 * parked; the VM resumes unless `lkvm pause` holds it), sysrq, and
 * snapshot (written while parked, into files the client opened). The
 * request frame has been validated by the time control_dispatch() runs.
 */
#include "control_priv.h"

#include <lkvm/deadline.h>
#include <lkvm/log.h>
#include <lkvm/reg_set.h>
#include <lkvm/snapshot.h>
#include <lkvm/vm.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Clients waiting for the vcpus to park for a dump or a snapshot. */
static unsigned int dump_waiters(const struct control *ctl)
{
	unsigned int n = 0;

	for (struct control_client *c = ctl->clients; c; c = c->next)
		n += c->state == CLIENT_WAIT_PAUSE &&
		     (c->request == IPC_REQ_DUMP ||
		      c->request == IPC_REQ_SNAPSHOT);
	if (ctl->migrate && migrate_source_wants_pause(ctl->migrate))
		n++;
	return n + ctl->self.waiting;
}

/* Ends a pause nobody needs any more (no `lkvm pause`, nobody waiting). */
void control_release_if_unneeded(struct control *ctl)
{
	if (ctl->pausing && !ctl->user_paused && !dump_waiters(ctl)) {
		vm_pause_release(ctl->vm);
		ctl->pausing = false;
		pr_debug("control: the guest was paused for %lld ms (%s)",
			 (long long)(monotonic_ms() - ctl->pause_ms),
			 ctl->user_pause_seen ? "lkvm pause" : "register dump");
	}
}


static enum ipc_vm_state vm_state(const struct control *ctl)
{
	if (atomic_load(&ctl->vm->stopping))
		return IPC_STATE_STOPPING;
	return ctl->user_paused ? IPC_STATE_PAUSED : IPC_STATE_RUNNING;
}

static int append_info(struct control *ctl, struct ipc_buf *b)
{
	struct vm *vm = ctl->vm;
	struct ipc_info info = {
		.pid = (uint32_t)getpid(),
		.nr_vcpus = vm->nr_vcpus,
		.ram_bytes = vm->ram.size,
		.uptime_ms = (uint64_t)(monotonic_ms() - ctl->start_ms),
		.sve_vqs = arch_vm_vector_lengths(vm),
		.state = (uint8_t)vm_state(ctl),
	};

	snprintf(info.name, sizeof(info.name), "%s", vm->cfg->name);
	return ipc_info_append(b, &info);
}

static int append_done(struct control *ctl, struct ipc_buf *b, bool changed)
{
	struct ipc_done done = { .state = (uint8_t)vm_state(ctl),
				 .changed = changed };

	return ipc_done_append(b, &done);
}

/*
 * INFO, every vcpu's registers, END: built once while every vcpu is
 * parked, then copied to each client that asked.
 */
static int build_dump(struct control *ctl, struct ipc_buf *b)
{
	struct vm *vm = ctl->vm;
	int ret = append_info(ctl, b);

	for (unsigned int i = 0; !ret && i < vm->nr_vcpus; i++) {
		struct reg_set set;

		reg_set_init(&set, i);
		ret = arch_vcpu_read_regs(&vm->vcpus[i], &set);
		ret = ret ?: ipc_vcpu_append(b, &set);
		reg_set_free(&set);
	}
	return ret ?: ipc_frame_append(b, IPC_REP_END, 0, NULL, 0);
}

/*
 * A snapshot, with every vcpu parked, into the files the client passed;
 * then the VM goes on, or stops when asked.
 */
static void do_snapshot(struct control *ctl, struct control_client *c)
{
	struct snapshot_files f = { c->fds[0], c->fds[1], c->fds[2] };
	struct snapshot_stats st;
	struct ipc_snapshot_done done;
	bool stop = c->rd.payload[0] & IPC_SNAPSHOT_STOP;
	int ret = snapshot_write(ctl->vm, &f, &st);

	if (ret) {
		client_error(c, ret, "writing the snapshot failed (lkvm's log says where)");
		return;
	}
	done = (struct ipc_snapshot_done){
		.pause_ms = (uint64_t)(monotonic_ms() - ctl->pause_ms),
		.write_ms = st.write_ms,
		.ram_written = st.ram_written,
		.state_bytes = st.state_bytes,
	};
	pr_info("control: snapshot written in %llu ms (%llu MiB of RAM)%s",
		(unsigned long long)st.write_ms,
		(unsigned long long)(st.ram_written >> 20),
		stop ? "; stopping the guest" : "");
	if (stop)
		vm_request_stop(ctl->vm, VM_EXIT_OK);
	if (ipc_snapshot_done_append(&c->out, &done))
		client_drop(c, "out of memory");
	else
		client_reply(c);
}

static void start_pause(struct control *ctl);

/* lkvm's own snapshot, with every vcpu parked. */
static void do_self_snapshot(struct control *ctl)
{
	struct control_self_snapshot *s = &ctl->self;
	struct snapshot_stats st;
	int ret = snapshot_write(ctl->vm, &s->files, &st);

	if (!ret)
		pr_debug("control: lkvm's own snapshot written in %llu ms (%llu MiB of RAM; the guest paused %lld ms)",
			 (unsigned long long)st.write_ms,
			 (unsigned long long)(st.ram_written >> 20),
			 (long long)(monotonic_ms() - ctl->pause_ms));
	s->waiting = false;
	pthread_mutex_lock(&s->lock);
	s->requested = false;
	pthread_mutex_unlock(&s->lock);
	s->done(s->opaque, ret);
}

int control_request_snapshot(struct vm *vm, const struct snapshot_files *f,
			     void (*done)(void *opaque, int ret),
			     void *opaque)
{
	struct control *ctl = vm->control;
	uint64_t one = 1;
	int ret = 0;

	if (!ctl || ctl->self.ev.fd < 0)
		return -ENOTCONN;
	/* A snapshot lets the devices go on: not while they hand over. */
	if (ctl->migrate)
		return -EBUSY;
	pthread_mutex_lock(&ctl->self.lock);
	if (ctl->self.requested) {
		ret = -EBUSY;
	} else {
		ctl->self.requested = true;
		ctl->self.files = *f;
		ctl->self.done = done;
		ctl->self.opaque = opaque;
	}
	pthread_mutex_unlock(&ctl->self.lock);
	if (!ret && write(ctl->self.ev.fd, &one, sizeof(one)) < 0)
		ret = -errno;
	return ret;
}

void control_on_self_snapshot(struct event_handler *h, uint32_t events)
{
	struct control *ctl = container_of(h, struct control, self.ev);
	bool requested;
	uint64_t v;

	(void)events;
	if (read(h->fd, &v, sizeof(v)) < 0)
		return;
	pthread_mutex_lock(&ctl->self.lock);
	requested = ctl->self.requested;
	pthread_mutex_unlock(&ctl->self.lock);
	if (!requested || ctl->self.waiting)
		return;
	ctl->self.waiting = true;
	start_pause(ctl);
	control_pause_progress(ctl);
}

/* Answers pause, dump and snapshot waiters once every vcpu has parked. */
void control_pause_progress(struct control *ctl)
{
	struct control_client *c, *next;
	struct ipc_buf dump;
	int dump_ret = 1;	/* not built yet */
	int64_t t0;

	if (!ctl->pausing || !vm_pause_complete(ctl->vm))
		return;
	if (!ctl->parked_logged) {
		pr_debug("control: all %u vcpus parked %lld ms after the request",
			 ctl->vm->nr_vcpus, (long long)(monotonic_ms() - ctl->pause_ms));
		ctl->parked_logged = true;
	}
	if (ctl->self.waiting)
		do_self_snapshot(ctl);
	ipc_buf_init(&dump, CONTROL_OUTPUT_MAX);
	for (c = ctl->clients; c; c = next) {
		next = c->next;
		if (c->state != CLIENT_WAIT_PAUSE)
			continue;
		if (c->request == IPC_REQ_PAUSE) {
			if (append_done(ctl, &c->out, true))
				client_drop(c, "out of memory");
			else
				client_reply(c);
			continue;
		}
		if (c->request == IPC_REQ_SNAPSHOT) {
			do_snapshot(ctl, c);
			continue;
		}
		if (dump_ret > 0) {
			t0 = monotonic_ms();
			dump_ret = build_dump(ctl, &dump);
			pr_debug("control: register dump of %u vcpus: %zu bytes in %lld ms",
				 ctl->vm->nr_vcpus, dump.len,
				 (long long)(monotonic_ms() - t0));
		}
		if (dump_ret) {
			client_error(c, dump_ret, "reading the registers failed");
			continue;
		}
		if (ipc_buf_put(&c->out, dump.data, dump.len))
			client_error(c, -ENOMEM, "the dump does not fit in memory");
		else
			client_reply(c);
	}
	ipc_buf_free(&dump);
	/* Last: snapshots above have let their devices go on. */
	if (ctl->migrate && migrate_source_wants_pause(ctl->migrate))
		migrate_source_parked(ctl->migrate);
	control_release_if_unneeded(ctl);
}

void control_migrate_pause(struct control *ctl)
{
	start_pause(ctl);
	control_pause_progress(ctl);
}

static void start_pause(struct control *ctl)
{
	if (!ctl->pausing) {
		ctl->pausing = true;
		ctl->parked_logged = false;
		ctl->user_pause_seen = false;
		ctl->pause_ms = monotonic_ms();
		vm_pause_request(ctl->vm);
	}
}

/* The files a snapshot is written to: regular files, writable. */
static bool all_regular(const struct control_client *c)
{
	for (unsigned int i = 0; i < c->nr_fds; i++) {
		struct stat st;
		int mode = fcntl(c->fds[i], F_GETFL);

		if (fstat(c->fds[i], &st) || !S_ISREG(st.st_mode) || mode < 0 ||
		    (mode & O_ACCMODE) == O_RDONLY)
			return false;
	}
	return true;
}

void control_start_paused(struct vm *vm)
{
	struct control *ctl = vm->control;

	pr_info("control: the guest stays paused until lkvm resume -n %s",
		vm->cfg->name);
	ctl->user_paused = true;
	start_pause(ctl);
}

static void wait_for_pause(struct control_client *c)
{
	c->state = CLIENT_WAIT_PAUSE;
	c->deadline = monotonic_ms() + CONTROL_PAUSE_TIMEOUT_MS;
	client_set_events(c, 0);	/* only hang-ups from now on */
	start_pause(c->ctl);
	control_pause_progress(c->ctl);
}

static void do_resume(struct control_client *c)
{
	struct control *ctl = c->ctl;
	bool was_paused = ctl->user_paused;

	if (was_paused) {
		ctl->user_paused = false;
		/* Pauses still on their way were overtaken by this resume. */
		struct control_client *w, *next;

		for (w = ctl->clients; w; w = next) {
			next = w->next;
			if (w != c && w->state == CLIENT_WAIT_PAUSE &&
			    w->request == IPC_REQ_PAUSE)
				client_error(w, -ECANCELED,
					     "a resume arrived before every vcpu had stopped");
		}
		control_release_if_unneeded(ctl);
		pr_info("control: resumed (lkvm resume)");
	}
	if (append_done(ctl, &c->out, was_paused))
		client_drop(c, "out of memory");
	else
		client_reply(c);
}

static void do_sysrq(struct control_client *c, uint8_t key)
{
	struct control *ctl = c->ctl;
	int ret;

	if (key < 0x21 || key > 0x7e) {
		client_error(c, -EINVAL,
			     "the sysrq key must be one printable character");
		return;
	}
	ret = console_sysrq(&ctl->vm->console, key);
	if (ret) {
		client_error(c, ret,
			     "the guest console cannot send a break (sysrq needs a serial console)");
		return;
	}
	pr_info("control: sysrq '%c' sent to the guest console", key);
	if (append_done(ctl, &c->out, true))
		client_drop(c, "out of memory");
	else
		client_reply(c);
}

/* A connected stream socket, as lkvm migrate makes one. */
static const struct migrate_source_pausing migrate_pausing = {
	.pause = control_migrate_pause,
	.release_if_unneeded = control_release_if_unneeded,
};

static bool stream_socket(int fd)
{
	int type = 0;
	socklen_t len = sizeof(type);
	struct stat st;

	return !fstat(fd, &st) && S_ISSOCK(st.st_mode) &&
	       !getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) &&
	       type == SOCK_STREAM;
}

static void do_migrate(struct control_client *c)
{
	struct control *ctl = c->ctl;
	int ret;

	if (c->nr_fds != 1 || !stream_socket(c->fds[0])) {
		client_error(c, -EINVAL,
			     "a migrate request comes with one stream socket");
		return;
	}
	if (ctl->migrate) {
		client_error(c, -EBUSY, "a migration is already in progress");
		return;
	}
	if (ctl->vm->cfg->sandbox.state) {
		client_error(c, -EOPNOTSUPP,
			     "a sandbox's guest cannot be migrated (it runs one command)");
		return;
	}
	ret = migrate_source_start(ctl, c->fds[0], &migrate_pausing);
	if (ret) {
		client_error(c, ret, "cannot start a migration: out of resources");
		return;
	}
	/* The migration has the socket now. */
	c->nr_fds = 0;
	if (append_done(ctl, &c->out, true))
		client_drop(c, "out of memory");
	else
		client_reply(c);
}

/* A complete, validated request frame: act on it. */
void control_dispatch(struct control_client *c)
{
	struct control *ctl = c->ctl;
	int ret = 0;

	c->request = c->rd.hdr.type;
	switch (c->request) {
	case IPC_REQ_INFO:
		ret = append_info(ctl, &c->out);
		break;
	case IPC_REQ_STOP:
		pr_info("control: stop requested (lkvm stop): stopping the guest");
		vm_request_stop(ctl->vm, VM_EXIT_OK);
		ret = append_done(ctl, &c->out, true);
		break;
	case IPC_REQ_PAUSE:
		if (ctl->user_paused && ctl->pausing &&
		    vm_pause_complete(ctl->vm)) {
			ret = append_done(ctl, &c->out, false);
			break;
		}
		if (!ctl->user_paused)
			pr_info("control: pausing (lkvm pause)");
		ctl->user_paused = true;
		wait_for_pause(c);
		ctl->user_pause_seen = true;
		return;
	case IPC_REQ_RESUME:
		do_resume(c);
		return;
	case IPC_REQ_DUMP:
		wait_for_pause(c);
		return;
	case IPC_REQ_SYSRQ:
		do_sysrq(c, c->rd.payload[0]);
		return;
	case IPC_REQ_MIGRATE:
		do_migrate(c);
		return;
	case IPC_REQ_SNAPSHOT:
		if (ctl->migrate) {
			client_error(c, -EBUSY,
				     "a migration is in progress: no snapshot now");
			return;
		}
		if (c->nr_fds != IPC_SNAPSHOT_FDS || !all_regular(c)) {
			client_error(c, -EINVAL,
				     "a snapshot request comes with its three files, open for writing");
			return;
		}
		pr_info("control: snapshot requested (lkvm snapshot): pausing the guest");
		wait_for_pause(c);
		return;
	}
	if (ret)
		client_drop(c, strerror(-ret));
	else
		client_reply(c);
}


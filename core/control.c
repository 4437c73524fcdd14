// SPDX-License-Identifier: GPL-2.0
/*
 * The VM side of the control socket, on the main thread's event loop.
 *
 * Threat model: any process of the same user (the directory is 0700)
 * may connect and send anything, slowly, or vanish at any point. So every
 * socket is non-blocking, a request is at most IPC_HDR_SIZE +
 * IPC_REQ_PAYLOAD_MAX bytes and must arrive within
 * CONTROL_REQUEST_TIMEOUT_MS, a reply must make progress every
 * CONTROL_WRITE_TIMEOUT_MS, at most CONTROL_MAX_CLIENTS are served at
 * once, and nothing a client does blocks the loop or another client.
 * One request per connection.
 */
#include <lkvm/control.h>

#include <lkvm/event_loop.h>
#include <lkvm/ipc.h>
#include <lkvm/ipc_path.h>
#include <lkvm/log.h>
#include <lkvm/reg_set.h>
#include <lkvm/vm.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define CONTROL_TICK_MS 250

enum client_state {
	CLIENT_READ,		/* collecting the request */
	CLIENT_WAIT_PAUSE,	/* pause or dump: until every vcpu has parked */
	CLIENT_WRITE,		/* sending the reply, then closing */
	CLIENT_WAIT_EXIT,	/* stop: held open until the VM has gone */
};

struct control_client {
	struct control *ctl;
	struct event_handler ev;
	enum client_state state;
	uint32_t events;
	struct ipc_reader rd;
	uint16_t request;
	struct ipc_buf out;
	size_t out_off;
	int64_t deadline;	/* ms; 0: none */
	struct control_client *next;
};

struct control {
	struct vm *vm;
	struct event_loop *loop;
	int listen_fd;
	char path[IPC_PATH_MAX];
	dev_t dev;
	ino_t ino;
	struct event_handler listen_ev;
	struct event_handler pause_ev;
	struct event_handler timer_ev;
	bool timer_armed;
	struct control_client *clients;
	unsigned int nr_clients;
	bool user_paused;	/* `lkvm pause` without a `resume` since */
	bool pausing;		/* vm_pause_request() is in force */
	bool parked_logged;
	bool user_pause_seen;	/* this pause served `lkvm pause` */
	int64_t pause_ms;	/* when the current pause was requested */
	int64_t start_ms;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void arm_timer(struct control *ctl, bool on)
{
	struct itimerspec its = { 0 };

	if (ctl->timer_armed == on)
		return;
	if (on) {
		its.it_interval.tv_nsec = CONTROL_TICK_MS * 1000000L;
		its.it_value = its.it_interval;
	}
	if (!timerfd_settime(ctl->timer_ev.fd, 0, &its, NULL))
		ctl->timer_armed = on;
}

static void set_events(struct control_client *c, uint32_t events)
{
	if (c->events == events)
		return;
	if (!event_loop_mod(c->ctl->loop, &c->ev, events))
		c->events = events;
}

static unsigned int dump_waiters(const struct control *ctl)
{
	unsigned int n = 0;

	for (struct control_client *c = ctl->clients; c; c = c->next)
		n += c->state == CLIENT_WAIT_PAUSE &&
		     c->request == IPC_REQ_DUMP;
	return n;
}

/* Ends a pause nobody needs any more (no `lkvm pause`, no dump waiting). */
static void release_if_unneeded(struct control *ctl)
{
	if (ctl->pausing && !ctl->user_paused && !dump_waiters(ctl)) {
		vm_pause_release(ctl->vm);
		ctl->pausing = false;
		pr_debug("control: the guest was paused for %lld ms (%s)",
			 (long long)(now_ms() - ctl->pause_ms),
			 ctl->user_pause_seen ? "lkvm pause" : "register dump");
	}
}

static void client_free(struct control_client *c)
{
	struct control *ctl = c->ctl;
	struct control_client **p;

	for (p = &ctl->clients; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	ctl->nr_clients--;
	event_loop_del(ctl->loop, &c->ev);
	close(c->ev.fd);
	ipc_reader_fini(&c->rd);
	ipc_buf_free(&c->out);
	free(c);
	if (!ctl->clients)
		arm_timer(ctl, false);
}

/* A client that went away or misbehaved; whatever it waited for is moot. */
static void client_drop(struct control_client *c, const char *why)
{
	struct control *ctl = c->ctl;

	pr_debug("control: dropping a %s client: %s",
		 c->request ? ipc_type_name(c->request) : "new", why);
	client_free(c);
	release_if_unneeded(ctl);
}

/*
 * Sends what is queued without blocking. Returns false when the client
 * was freed (done, or the peer is gone).
 */
static bool client_flush(struct control_client *c)
{
	while (c->out_off < c->out.len) {
		ssize_t n = send(c->ev.fd, c->out.data + c->out_off,
				 c->out.len - c->out_off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			set_events(c, EPOLLOUT);
			return true;
		}
		if (n <= 0) {
			client_drop(c, n < 0 ? strerror(errno) : "short write");
			return false;
		}
		c->out_off += (size_t)n;
		c->deadline = now_ms() + CONTROL_WRITE_TIMEOUT_MS;
	}
	if (c->request == IPC_REQ_STOP) {
		/* Held open: the peer sees EOF when the VM has gone. */
		c->state = CLIENT_WAIT_EXIT;
		c->deadline = 0;
		set_events(c, 0);
		return true;
	}
	client_free(c);
	return false;
}

static void client_reply(struct control_client *c)
{
	c->state = CLIENT_WRITE;
	c->deadline = now_ms() + CONTROL_WRITE_TIMEOUT_MS;
	/* Whatever else the client sends is not read (one request each). */
	set_events(c, 0);
	client_flush(c);
}

/* Queues an ERROR frame (or at least closes) and sends it. */
static void client_error(struct control_client *c, int err, const char *msg)
{
	c->out.len = c->out_off = 0;
	if (ipc_error_append(&c->out, err, "%s", msg))
		c->out.len = 0;
	client_reply(c);
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
		.uptime_ms = (uint64_t)(now_ms() - ctl->start_ms),
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

/* Answers pause and dump waiters once every vcpu has parked. */
static void pause_progress(struct control *ctl)
{
	struct control_client *c, *next;
	struct ipc_buf dump;
	int dump_ret = 1;	/* not built yet */
	int64_t t0;

	if (!ctl->pausing || !vm_pause_complete(ctl->vm))
		return;
	if (!ctl->parked_logged) {
		pr_debug("control: all %u vcpus parked %lld ms after the request",
			 ctl->vm->nr_vcpus, (long long)(now_ms() - ctl->pause_ms));
		ctl->parked_logged = true;
	}
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
		if (dump_ret > 0) {
			t0 = now_ms();
			dump_ret = build_dump(ctl, &dump);
			pr_debug("control: register dump of %u vcpus: %zu bytes in %lld ms",
				 ctl->vm->nr_vcpus, dump.len,
				 (long long)(now_ms() - t0));
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
	release_if_unneeded(ctl);
}

static void start_pause(struct control *ctl)
{
	if (!ctl->pausing) {
		ctl->pausing = true;
		ctl->parked_logged = false;
		ctl->user_pause_seen = false;
		ctl->pause_ms = now_ms();
		vm_pause_request(ctl->vm);
	}
}

static void wait_for_pause(struct control_client *c)
{
	c->state = CLIENT_WAIT_PAUSE;
	c->deadline = now_ms() + CONTROL_PAUSE_TIMEOUT_MS;
	set_events(c, 0);	/* only hang-ups from now on */
	start_pause(c->ctl);
	pause_progress(c->ctl);
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
		release_if_unneeded(ctl);
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

/* A complete, validated request frame: act on it. */
static void dispatch(struct control_client *c)
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
	}
	if (ret)
		client_drop(c, strerror(-ret));
	else
		client_reply(c);
}

static void protocol_error(struct control_client *c, int err)
{
	const struct ipc_hdr *h = &c->rd.hdr;
	char msg[160];

	switch (err) {
	case -EPROTONOSUPPORT:
		snprintf(msg, sizeof(msg),
			 "protocol version %u is not supported: this VM's lkvm speaks version %u",
			 h->version, IPC_VERSION);
		break;
	case -EPROTO:
		snprintf(msg, sizeof(msg), "request type 0x%x is unknown",
			 h->type);
		break;
	case -EMSGSIZE:
		snprintf(msg, sizeof(msg),
			 "a %s request cannot carry %u bytes",
			 ipc_type_name(h->type), h->len);
		break;
	default:
		snprintf(msg, sizeof(msg),
			 "not an lkvm control request (bad header)");
		break;
	}
	pr_debug("control: refusing a client: %s", msg);
	client_error(c, err, msg);
}

/*
 * Reads the request. The client controls every byte and their timing:
 * at most the header's and then the validated payload length are read
 * (ipc_reader never asks for more), EOF before a whole frame drops the
 * client, a bad header gets an ERROR frame and the connection closed.
 */
static void client_read(struct control_client *c)
{
	for (;;) {
		uint8_t *dst;
		size_t want = ipc_reader_want(&c->rd, &dst);
		ssize_t n;
		int ret;

		n = read(c->ev.fd, dst, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			client_drop(c, n ? strerror(errno) :
					   "disconnected mid-request");
			return;
		}
		ret = ipc_reader_advance(&c->rd, (size_t)n);
		if (ret < 0) {
			protocol_error(c, ret);
			return;
		}
		if (ret == 1) {
			dispatch(c);
			return;
		}
	}
}

static void on_client(struct event_handler *h, uint32_t events)
{
	struct control_client *c = container_of(h, struct control_client, ev);

	switch (c->state) {
	case CLIENT_READ:
		/* Data first: a request may come with the hang-up. */
		client_read(c);
		return;
	case CLIENT_WRITE:
		if (events & (EPOLLERR | EPOLLHUP))
			client_drop(c, "hung up before the reply");
		else if (events & EPOLLOUT)
			client_flush(c);
		return;
	case CLIENT_WAIT_PAUSE:
	case CLIENT_WAIT_EXIT:
		if (events & (EPOLLERR | EPOLLHUP))
			client_drop(c, "hung up while waiting");
		return;
	}
}

/* Peers of another user are refused; root may always connect. */
static bool peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return false;
	return cred.uid == geteuid() || cred.uid == 0;
}

/* Best effort, never blocking: a short ERROR frame for a refused peer. */
static void refuse(int fd, int err, const char *msg)
{
	struct ipc_buf b;

	ipc_buf_init(&b, 512);
	if (!ipc_error_append(&b, err, "%s", msg) &&
	    send(fd, b.data, b.len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		pr_debug("control: could not tell a refused client why");
	ipc_buf_free(&b);
	close(fd);
}

static void on_listen(struct event_handler *h, uint32_t events)
{
	struct control *ctl = container_of(h, struct control, listen_ev);

	(void)events;
	/* A bounded number per wake-up, so a flood cannot starve the loop. */
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		struct control_client *c;
		int fd = accept4(ctl->listen_fd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				pr_debug("control: accept: %s", strerror(errno));
			return;
		}
		if (!peer_allowed(fd)) {
			refuse(fd, -EACCES, "permission denied");
			continue;
		}
		if (ctl->nr_clients >= CONTROL_MAX_CLIENTS) {
			refuse(fd, -EBUSY,
			       "too many control clients at once; try again");
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->ctl = ctl;
		c->ev = (struct event_handler){ .fn = on_client, .fd = fd };
		c->state = CLIENT_READ;
		c->events = EPOLLIN;
		c->deadline = now_ms() + CONTROL_REQUEST_TIMEOUT_MS;
		ipc_reader_init(&c->rd, IPC_FROM_CLIENT);
		ipc_buf_init(&c->out, CONTROL_OUTPUT_MAX);
		if (event_loop_add(ctl->loop, &c->ev, EPOLLIN)) {
			ipc_reader_fini(&c->rd);
			free(c);
			close(fd);
			continue;
		}
		c->next = ctl->clients;
		ctl->clients = c;
		ctl->nr_clients++;
		arm_timer(ctl, true);
	}
}

static void on_pause_event(struct event_handler *h, uint32_t events)
{
	struct control *ctl = container_of(h, struct control, pause_ev);
	uint64_t v;

	(void)events;
	if (read(h->fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		pr_debug("control: pause eventfd: %s", strerror(errno));
	pause_progress(ctl);
}

static void on_timer(struct event_handler *h, uint32_t events)
{
	struct control *ctl = container_of(h, struct control, timer_ev);
	struct control_client *c, *next;
	int64_t now = now_ms();
	uint64_t ticks;

	(void)events;
	if (read(h->fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return;
	for (c = ctl->clients; c; c = next) {
		next = c->next;
		if (!c->deadline || now < c->deadline)
			continue;
		if (c->state == CLIENT_WAIT_PAUSE)
			client_error(c, -ETIMEDOUT,
				     "the vcpus did not all stop in time");
		else
			client_drop(c, c->state == CLIENT_READ ?
					       "no whole request in time" :
					       "not reading its reply");
	}
}

/*
 * Puts a listening socket at @ctl->path without ever replacing one: it
 * is bound under a temporary name and hard-linked into place, which
 * fails if the name exists. So the socket file exists only while
 * something listens on it, and "connection refused" means stale.
 */
static int create_socket(struct control *ctl, const char *dir)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, n, ret;

	n = snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/.tmp-%d.sock",
		     dir, (int)getpid());
	if (n < 0 || (size_t)n >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A leftover of a killed process that had our pid. */
	unlink(addr.sun_path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(fd, CONTROL_MAX_CLIENTS) < 0 ||
	    link(addr.sun_path, ctl->path) < 0 || stat(ctl->path, &st) < 0) {
		ret = -errno;
		unlink(addr.sun_path);
		close(fd);
		return ret;
	}
	unlink(addr.sun_path);
	ctl->listen_fd = fd;
	ctl->dev = st.st_dev;
	ctl->ino = st.st_ino;
	return 0;
}

/*
 * What is at @path, for a VM about to take @name: 0 when nothing, 1 when
 * a stale socket; a live VM or anything else is an error (logged).
 */
static int probe_name(const char *name, const char *path)
{
	uint32_t pid;
	int ret = ipc_probe(path, &pid);

	switch (ret) {
	case IPC_PROBE_ABSENT:
		return 0;
	case IPC_PROBE_STALE:
		return 1;
	case IPC_PROBE_LIVE:
		pr_err("--name %s: a VM with that name is already running (pid %u); stop it with 'lkvm stop -n %s' or choose another name",
		       name, pid, name);
		return -EADDRINUSE;
	case -ENOTSOCK:
		pr_err("%s exists and is not a socket: remove it or choose another --name",
		       path);
		return ret;
	default:
		pr_err("%s: %s", path, strerror(-ret));
		return ret;
	}
}

/* $HOME/.lkvm prepared, and the socket path for @name in @path. */
static int socket_path(const char *name, char *dir, char *path)
{
	int ret = ipc_dir_prepare(dir, IPC_PATH_MAX);

	if (ret)
		return ret;
	ret = ipc_sock_path(name, path, IPC_PATH_MAX);
	if (ret)
		pr_err("--name %s: the control socket path under %s is longer than a socket address allows",
		       name, dir);
	return ret;
}

int control_check_name(const char *name)
{
	char dir[IPC_PATH_MAX], path[IPC_PATH_MAX];
	int ret = socket_path(name, dir, path);

	if (!ret)
		ret = probe_name(name, path);
	return ret < 0 ? ret : 0;
}

/* Claims the name under the directory lock: live is an error, stale goes. */
static int claim_name(struct control *ctl, const char *dir, const char *name)
{
	int lock = ipc_dir_lock(dir), ret;

	if (lock < 0) {
		pr_err("cannot lock %s/.lock: %s", dir, strerror(-lock));
		return lock;
	}
	ret = probe_name(name, ctl->path);
	if (ret == 1) {
		pr_info("removed the stale control socket %s (its VM is gone)",
			ctl->path);
		ret = unlink(ctl->path) < 0 ? -errno : 0;
	}
	if (!ret) {
		ret = create_socket(ctl, dir);
		if (ret)
			pr_err("cannot create the control socket %s: %s",
			       ctl->path, strerror(-ret));
	}
	ipc_dir_unlock(lock);
	return ret;
}

static int add_handlers(struct control *ctl)
{
	int ret;

	ctl->listen_ev = (struct event_handler){ .fn = on_listen,
						 .fd = ctl->listen_fd };
	ctl->pause_ev = (struct event_handler){ .fn = on_pause_event,
						.fd = ctl->vm->pause.efd };
	ctl->timer_ev.fn = on_timer;
	ctl->timer_ev.fd = timerfd_create(CLOCK_MONOTONIC,
					  TFD_NONBLOCK | TFD_CLOEXEC);
	if (ctl->timer_ev.fd < 0)
		return -errno;
	ret = event_loop_add(ctl->loop, &ctl->listen_ev, EPOLLIN);
	ret = ret ?: event_loop_add(ctl->loop, &ctl->pause_ev, EPOLLIN);
	return ret ?: event_loop_add(ctl->loop, &ctl->timer_ev, EPOLLIN);
}

int control_start(struct vm *vm, struct event_loop *loop)
{
	struct control *ctl = calloc(1, sizeof(*ctl));
	char dir[IPC_PATH_MAX];
	int ret;

	if (!ctl)
		return -ENOMEM;
	ctl->vm = vm;
	ctl->loop = loop;
	ctl->listen_fd = -1;
	ctl->timer_ev.fd = -1;
	ctl->start_ms = now_ms();
	vm->control = ctl;

	ret = socket_path(vm->cfg->name, dir, ctl->path);
	ret = ret ?: claim_name(ctl, dir, vm->cfg->name);
	if (ret) {
		ctl->path[0] = '\0';	/* not ours: never remove it */
		return ret;
	}
	ret = add_handlers(ctl);
	if (ret)
		pr_err("control socket: cannot watch it: %s", strerror(-ret));
	else
		pr_debug("control: listening on %s", ctl->path);
	return ret;
}

void control_close_listener(struct control *ctl)
{
	struct stat st;

	if (!ctl)
		return;
	/* Only our own socket: someone may have replaced the file. */
	if (ctl->path[0] && !lstat(ctl->path, &st) && st.st_dev == ctl->dev &&
	    st.st_ino == ctl->ino)
		unlink(ctl->path);
	ctl->path[0] = '\0';
	if (ctl->listen_fd >= 0) {
		event_loop_del(ctl->loop, &ctl->listen_ev);
		close(ctl->listen_fd);
		ctl->listen_fd = -1;
	}
}

void control_destroy(struct vm *vm)
{
	struct control *ctl = vm->control;

	if (!ctl)
		return;
	control_close_listener(ctl);
	while (ctl->clients) {
		struct control_client *c = ctl->clients;

		/* Whoever still waits learns why, if its socket has room. */
		if (c->state == CLIENT_WAIT_PAUSE || c->state == CLIENT_READ) {
			c->out.len = c->out_off = 0;
			if (!ipc_error_append(&c->out, -ESHUTDOWN,
					      "the VM stopped"))
				send(c->ev.fd, c->out.data, c->out.len,
				     MSG_NOSIGNAL | MSG_DONTWAIT);
		} else if (c->state == CLIENT_WRITE) {
			send(c->ev.fd, c->out.data + c->out_off,
			     c->out.len - c->out_off,
			     MSG_NOSIGNAL | MSG_DONTWAIT);
		}
		client_free(c);
	}
	if (ctl->timer_ev.fd >= 0) {
		event_loop_del(ctl->loop, &ctl->timer_ev);
		close(ctl->timer_ev.fd);
	}
	if (ctl->pause_ev.fd > 0)
		event_loop_del(ctl->loop, &ctl->pause_ev);
	free(ctl);
	vm->control = NULL;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The sandbox channel: what flows between lkvm and the guest init of
 * `lkvm sandbox`, over a virtio-console with four named ports
 * (virtio/ports.c does the port mechanics):
 *
 *	org.lkvm.sandbox.status	from the guest: "ready", then one line,
 *				how the command ended; to the guest: the
 *				command (include/lkvm/sandbox_wire.h), once
 *				it is ready (and a warm template is saved)
 *	org.lkvm.sandbox.stdin	lkvm's standard input; closed at its end
 *	org.lkvm.sandbox.stdout	the command's output, byte for byte
 *	org.lkvm.sandbox.stderr	the command's standard error
 */
#include <lkvm/sandbox.h>

#include <lkvm/console.h>
#include <lkvm/devices.h>
#include <lkvm/fd_io.h>
#include <lkvm/json.h>
#include <lkvm/parse.h>
#include <lkvm/seccomp.h>
#include <lkvm/virtio_ports.h>
#include <lkvm/vm.h>


#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

/* lkvm's standard input, kept until the guest takes it. */
#define STDIN_BUF (64U * 1024U)

struct chan {
	struct vports vp;
	struct sandbox_result *result;
	struct sandbox_state *st;	/* NULL in unit tests */
	int out_fd, err_fd;	/* lkvm's stdout and stderr */

	/* The command: sent once released (any thread releases it). */
	uint8_t *cmd;
	size_t cmd_len, cmd_off;	/* I/O thread */
	atomic_bool cmd_released;
	bool ready_seen;		/* I/O thread */

	/* I/O thread only. */
	char status[SANDBOX_STATUS_LINE_MAX];
	size_t status_len;
	bool status_done;
	bool status_complete;	/* parsed: output drained, VM stopping */
	bool output_gone;
	bool output_seen;	/* for the debug profile */
	struct log_ratelimit rl;

	/* lkvm's stdin: the reader thread fills, the I/O thread drains. */
	pthread_mutex_t in_lock;
	pthread_cond_t in_room;
	uint8_t in_buf[STDIN_BUF];
	size_t in_head, in_count;
	bool in_eof;
	bool in_stopping;
	int in_fd;		/* -1: no input (tty mode) */
	int in_stop_efd;
	pthread_t in_thread;
	bool in_thread_started;
};

/* Unit tests run the device without a VM. */
static void stop_vm(struct chan *c, int status)
{
	if (c->vp.vd.dev.vm)
		vm_request_stop(c->vp.vd.dev.vm, status);
}

/*
 * Writes one buffer of the guest's to lkvm's stdout or stderr, all its
 * parts in one writev() where the file takes them: a 64 KiB buffer the
 * guest spliced from a pipe comes in 16 parts. A reader gone stops the
 * sandbox.
 */
static void emit(struct chan *c, int fd, const struct iovec *iov,
		 unsigned int nr)
{
	int ret;

	if (c->output_gone)
		return;
	ret = fd_writev_all(fd, iov, nr);
	if (ret == -EPIPE) {
		/* As a process writing to a closed pipe would. */
		c->output_gone = true;
		c->result->output_closed = true;
		stop_vm(c, 128 + SIGPIPE);
	} else if (ret && log_ratelimit_ok(&c->rl, 1)) {
		pr_warn("sandbox: cannot write the command's output: %s",
			strerror(-ret));
	}
}

/* The command may go to the guest now: any thread. */
static void release_command(struct chan *c)
{
	atomic_store(&c->cmd_released, true);
	vports_host_changed(&c->vp);
}

/* On the main thread, the warm template written (or not). */
static void template_written(void *opaque, int ret)
{
	struct chan *c = opaque;

	c->st->template_ret = ret ? ret : 1;
	if (ret)
		pr_warn("sandbox: the warm template could not be saved (%s): the next run boots afresh",
			strerror(-ret));
	release_command(c);
}

/*
 * The guest init booted and waits for its command: the moment to save a
 * warm template, if this run builds one, before the command exists.
 */
static void guest_ready(struct chan *c)
{
	struct sandbox_state *st = c->st;
	int ret;

	if (!st || !st->build_template || !st->save_template) {
		release_command(c);
		return;
	}
	ret = st->save_template(c->vp.vd.dev.vm, &st->template_files,
				template_written, c);
	if (ret)
		template_written(c, ret);
}

/*
 * Status lines: guest-controlled, each at most SANDBOX_STATUS_LINE_MAX
 * bytes including its newline. "ready" the first time is the init
 * waiting for its command; the first other line, parsed by
 * sandbox_parse_status(), is how the command ended, and the last.
 */
static void take_status(struct chan *c, const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len && !c->status_done; i++) {
		if (buf[i] != '\n') {
			if (c->status_len == sizeof(c->status)) {
				c->status_done = true;
				pr_warn("sandbox: the guest's status line is longer than %u bytes: ignored",
					SANDBOX_STATUS_LINE_MAX);
				return;
			}
			c->status[c->status_len++] = (char)buf[i];
			continue;
		}
		if (!c->ready_seen && c->status_len == strlen(SBX_WIRE_READY) &&
		    !memcmp(c->status, SBX_WIRE_READY, c->status_len)) {
			c->ready_seen = true;
			c->status_len = 0;
			pr_debug("sandbox: the guest is ready");
			guest_ready(c);
			continue;
		}
		c->status_done = true;
		pr_debug("sandbox: the command's status line");
		if (sandbox_parse_status(c->status, c->status_len, c->result))
			pr_warn("sandbox: the guest sent a malformed status line: ignored");
		else
			c->status_complete = true;
	}
}

/* Guest-controlled: the bytes; what the guest writes to stdin is dropped. */
static void chan_output(void *opaque, unsigned int port,
			const struct iovec *iov, unsigned int nr)
{
	struct chan *c = opaque;

	if (!c->output_seen &&
	    (port == SANDBOX_PORT_STDOUT || port == SANDBOX_PORT_STDERR)) {
		c->output_seen = true;
		pr_debug("sandbox: the command's first output");
	}
	if (port == SANDBOX_PORT_STDOUT)
		emit(c, c->out_fd, iov, nr);
	else if (port == SANDBOX_PORT_STDERR)
		emit(c, c->err_fd, iov, nr);
	else if (port == SANDBOX_PORT_STATUS)
		for (unsigned int i = 0; i < nr; i++)
			take_status(c, iov[i].iov_base, iov[i].iov_len);
}

/* The command has ended: its output first, then lkvm stops the guest. */
static void chan_output_done(void *opaque, unsigned int port)
{
	struct chan *c = opaque;

	if (port != SANDBOX_PORT_STATUS || !c->status_complete)
		return;
	c->status_complete = false;
	vports_drain(&c->vp, SANDBOX_PORT_STDOUT);
	vports_drain(&c->vp, SANDBOX_PORT_STDERR);
	stop_vm(c, VM_EXIT_OK);
}

static bool chan_input_pending(void *opaque, unsigned int port)
{
	struct chan *c = opaque;
	bool pending;

	if (port == SANDBOX_PORT_STATUS)
		return atomic_load(&c->cmd_released) && c->cmd_off < c->cmd_len;
	if (port != SANDBOX_PORT_STDIN)
		return false;
	pthread_mutex_lock(&c->in_lock);
	pending = c->in_count;
	pthread_mutex_unlock(&c->in_lock);
	return pending;
}

/* The command, stamped with the wall clock as its first byte leaves. */
static size_t send_command(struct chan *c, const struct virtq_chain *chain)
{
	size_t done;

	if (!atomic_load(&c->cmd_released) || c->cmd_off >= c->cmd_len)
		return 0;
	if (!c->cmd_off) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		sandbox_command_stamp((uint8_t *)c->cmd,
				      (uint64_t)ts.tv_sec * 1000000000ULL +
					      (uint64_t)ts.tv_nsec);
	}
	done = virtq_copy_to_in(chain, 0, c->cmd + c->cmd_off,
				c->cmd_len - c->cmd_off);
	c->cmd_off += done;
	if (done && c->cmd_off == c->cmd_len)
		pr_debug("sandbox: the command handed over");
	return done;
}

static size_t chan_input(void *opaque, unsigned int port,
			 const struct virtq_chain *chain)
{
	struct chan *c = opaque;
	size_t done;

	if (port == SANDBOX_PORT_STATUS)
		return send_command(c, chain);
	pthread_mutex_lock(&c->in_lock);
	done = virtq_copy_ring_to_in(chain, c->in_buf, STDIN_BUF, &c->in_head,
				     &c->in_count);
	if (done)
		pthread_cond_signal(&c->in_room);
	pthread_mutex_unlock(&c->in_lock);
	return done;
}

/* stdin is connected until its end has been passed to the guest. */
static bool chan_host_connected(void *opaque, unsigned int port)
{
	struct chan *c = opaque;
	bool open = true;

	if (port == SANDBOX_PORT_STDIN) {
		pthread_mutex_lock(&c->in_lock);
		open = !(c->in_eof && !c->in_count);
		pthread_mutex_unlock(&c->in_lock);
	}
	return open;
}

/*
 * Reads lkvm's standard input into in_buf, waiting while it is full:
 * nothing typed or piped is dropped. Any file type works, /dev/null and
 * regular files included (poll() reports them readable).
 */
static void *stdin_thread(void *arg)
{
	struct chan *c = arg;
	uint8_t tmp[4096];

	pthread_setname_np(pthread_self(), "lkvm-sbx-stdin");
	if (seccomp_enter(c->vp.vd.dev.vm, SECCOMP_IO, "lkvm-sbx-stdin",
			  NULL)) {
		vm_request_stop(c->vp.vd.dev.vm, VM_EXIT_ERROR);
		return NULL;
	}

	for (;;) {
		struct pollfd pfd[2] = { { c->in_fd, POLLIN, 0 },
					 { c->in_stop_efd, POLLIN, 0 } };
		bool stopping;
		size_t room;
		ssize_t n;

		pthread_mutex_lock(&c->in_lock);
		while (c->in_count == STDIN_BUF && !c->in_stopping)
			pthread_cond_wait(&c->in_room, &c->in_lock);
		room = STDIN_BUF - c->in_count;
		stopping = c->in_stopping;
		pthread_mutex_unlock(&c->in_lock);
		if (stopping || poll(pfd, 2, -1) < 0 ||
		    (pfd[1].revents & POLLIN))
			break;
		n = read(c->in_fd, tmp, MIN(room, sizeof(tmp)));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		pthread_mutex_lock(&c->in_lock);
		for (ssize_t i = 0; i < n; i++) {
			size_t at = (c->in_head + c->in_count++) % STDIN_BUF;

			c->in_buf[at] = tmp[i];
		}
		if (n <= 0)
			c->in_eof = true;	/* end of input, or an error */
		pthread_mutex_unlock(&c->in_lock);
		vports_host_changed(&c->vp);
		if (n <= 0)
			break;
	}
	return NULL;
}

static int chan_start(void *opaque)
{
	struct chan *c = opaque;
	sigset_t all, old;
	int ret;

	/* A restored guest already waits for its command. */
	if (atomic_load(&c->cmd_released))
		vports_host_changed(&c->vp);
	if (c->in_fd < 0)
		return 0;
	/* Signals belong to the main thread's signalfd. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	ret = -pthread_create(&c->in_thread, NULL, stdin_thread, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		pr_err("sandbox: cannot start the stdin reader: %s",
		       strerror(-ret));
		return ret;
	}
	c->in_thread_started = true;
	return 0;
}

static void chan_stop(void *opaque)
{
	struct chan *c = opaque;
	uint64_t one = 1;

	if (!c->in_thread_started)
		return;
	pthread_mutex_lock(&c->in_lock);
	c->in_stopping = true;
	pthread_cond_broadcast(&c->in_room);
	pthread_mutex_unlock(&c->in_lock);
	if (write(c->in_stop_efd, &one, sizeof(one)) < 0)
		pr_debug("sandbox: cannot signal the stdin reader");
	pthread_join(c->in_thread, NULL);
	c->in_thread_started = false;
}

static void chan_destroy(void *opaque)
{
	struct chan *c = opaque;

	if (c->in_stop_efd >= 0)
		close(c->in_stop_efd);
	pthread_mutex_destroy(&c->in_lock);
	pthread_cond_destroy(&c->in_room);
	free(c);
}

static const struct vports_ops chan_ops = {
	.output = chan_output,
	.output_done = chan_output_done,
	.input_pending = chan_input_pending,
	.input = chan_input,
	.host_connected = chan_host_connected,
	.start = chan_start,
	.stop = chan_stop,
	.destroy = chan_destroy,
};

static struct chan *chan_new(struct sandbox_result *r, int in_fd, int out_fd,
			     int err_fd)
{
	struct chan *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->result = r;
	c->out_fd = out_fd;
	c->err_fd = err_fd;
	c->in_fd = in_fd;
	/* Without input there is nothing to wait for: stdin has ended. */
	c->in_eof = in_fd < 0;
	pthread_mutex_init(&c->in_lock, NULL);
	pthread_cond_init(&c->in_room, NULL);
	c->in_stop_efd = eventfd(0, EFD_CLOEXEC);
	if (c->in_stop_efd < 0) {
		chan_destroy(c);
		return NULL;
	}
	return c;
}

int sandbox_channel_setup(struct virtio_dev **vdp, const struct guest_mem *mem,
			  struct sandbox_result *r, int in_fd, int out_fd,
			  int err_fd)
{
	struct chan *c = chan_new(r, in_fd, out_fd, err_fd);
	int ret;

	if (!c)
		return -ENOMEM;
	ret = vports_setup(&c->vp, mem, SANDBOX_NR_PORTS, sandbox_port_names,
			   &chan_ops, c, "sandbox-channel");
	*vdp = &c->vp.vd;
	return ret;
}

void sandbox_channel_set_command(struct virtio_dev *vd, uint8_t *cmd,
				 size_t len)
{
	struct chan *c = container_of(vd, struct chan, vp.vd);

	c->cmd = cmd;
	c->cmd_len = len;
}

static int chan_instantiate(struct vm *vm)
{
	struct sandbox_state *st = vm->cfg->sandbox.state;
	struct chan *c;

	if (!st)
		return 0;
	/* With a tty the command has the console, input included. */
	c = chan_new(&st->result, st->tty ? -1 : STDIN_FILENO, STDOUT_FILENO,
		     STDERR_FILENO);
	if (!c)
		return -ENOMEM;
	c->st = st;
	c->cmd = st->command;
	c->cmd_len = st->command_len;
	c->ready_seen = st->restored;
	atomic_store(&c->cmd_released, st->restored);
	if (!st->tty) {
		/*
		 * stdin and stdout carry the command's streams; the console
		 * (kernel messages, the init's complaints) goes to stderr.
		 */
		vm->console.in_fd = -1;
		vm->console.out_fd = STDERR_FILENO;
	}
	return vports_create(vm, &c->vp, SANDBOX_NR_PORTS, sandbox_port_names,
			     &chan_ops, c, "sandbox-channel");
}

static void chan_describe_config(const struct vm_config *cfg, FILE *f)
{
	fprintf(f, "    \"sandbox_channel\": %s,\n",
		cfg->sandbox.state ? "true" : "false");
}

/* Only a sandbox run (which set up its state) takes a sandbox's guest. */
static int chan_config_from_manifest(const struct json_value *config,
				     struct vm_config *cfg,
				     const struct restore_options *ro,
				     char *why, size_t why_len)
{
	bool had;
	int ret = json_member_bool(config, "sandbox_channel", &had, why,
				   why_len);

	(void)ro;
	if (ret)
		return ret;
	if (had != (cfg->sandbox.state != NULL))
		return parse_error(why, why_len, had ?
			"the snapshot is of a sandbox, whose guest waits for lkvm sandbox: only lkvm sandbox restores it" :
			"the snapshot is not of a sandbox");
	return 0;
}

const struct device_model sandbox_channel_model = {
	.name = "sandbox-channel",
	.instantiate = chan_instantiate,
	.describe_config = chan_describe_config,
	.config_from_manifest = chan_config_from_manifest,
};

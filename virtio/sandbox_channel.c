// SPDX-License-Identifier: GPL-2.0
/*
 * The sandbox channel: a virtio-console (VIRTIO 1.2 section 5.3) with
 * VIRTIO_CONSOLE_F_MULTIPORT and four named ports, between lkvm and the
 * guest init of `lkvm sandbox`:
 *
 *	org.lkvm.sandbox.status	one line: how the command ended
 *	org.lkvm.sandbox.stdin	lkvm's standard input; closed at its end
 *	org.lkvm.sandbox.stdout	the command's output, byte for byte
 *	org.lkvm.sandbox.stderr	the command's standard error
 *
 * Queues: port 0 receive/transmit are 0 and 1, the control queues 2 (to
 * the guest) and 3 (from it), port N > 0 has 2N + 2 and 2N + 3.
 */
#include <lkvm/virtio.h>

#include <lkvm/console.h>
#include <lkvm/devices.h>
#include <lkvm/sandbox.h>
#include <lkvm/seccomp.h>
#include <lkvm/vm.h>

#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define VIRTIO_CONSOLE_F_MULTIPORT 1
#define CONFIG_SIZE 12U		/* cols, rows, max_nr_ports, emerg_wr */
#define NR_PORTS SANDBOX_NR_PORTS
#define CTRL_RX 2		/* control messages to the guest */
#define CTRL_TX 3		/* control messages from the guest */
#define NR_QUEUES ((NR_PORTS + 1) * 2)

/* Control events (section 5.3.6.2). */
enum {
	DEVICE_READY = 0,
	DEVICE_ADD = 1,
	PORT_READY = 3,
	PORT_OPEN = 6,
	PORT_NAME = 7,
};
#define CTRL_HDR_SIZE 8U	/* id le32, event le16, value le16 */
#define CTRL_PENDING_MAX 16U
#define CTRL_NAME_MAX 32U

/* lkvm's standard input, kept until the guest takes it. */
#define STDIN_BUF (64U * 1024U)

struct ctrl_msg {
	uint32_t id;
	uint16_t event;
	uint16_t value;
	const char *name;	/* PORT_NAME only */
};

struct chan {
	struct virtio_dev vd;
	struct sandbox_result *result;
	int out_fd, err_fd;	/* lkvm's stdout and stderr */

	/* I/O thread only. */
	struct virtq_chain chain;
	struct ctrl_msg pending[CTRL_PENDING_MAX];
	unsigned int pending_head, nr_pending;
	bool port_ready[NR_PORTS];
	bool guest_open[NR_PORTS];
	bool host_open[NR_PORTS];	/* what the guest was last told */
	char status[SANDBOX_STATUS_LINE_MAX];
	size_t status_len;
	bool status_done;
	bool output_gone;
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

static struct chan *to_chan(struct virtio_dev *vd)
{
	return container_of(vd, struct chan, vd);
}

static unsigned int rx_queue(unsigned int port)
{
	return port ? 2 + 2 * port : 0;
}

static unsigned int tx_queue(unsigned int port)
{
	return port ? 3 + 2 * port : 1;
}

static void chan_config_read(struct virtio_dev *vd, uint32_t offset,
			     uint8_t *data, unsigned int len)
{
	uint8_t cfg[CONFIG_SIZE] = { 0 };
	uint32_t ports = htole32(NR_PORTS);

	(void)vd;
	memcpy(cfg + 4, &ports, 4);
	memcpy(data, cfg + offset, len);
}

static bool queue_ready(struct chan *c, unsigned int q)
{
	return c->vd.queues[q].ready;
}

/* stdin is connected until its end has been passed to the guest. */
static bool host_connected(struct chan *c, unsigned int port)
{
	bool open = true;

	if (port == SANDBOX_PORT_STDIN) {
		pthread_mutex_lock(&c->in_lock);
		open = !(c->in_eof && !c->in_count);
		pthread_mutex_unlock(&c->in_lock);
	}
	return open;
}

static void queue_ctrl(struct chan *c, uint32_t id, uint16_t event,
		       uint16_t value, const char *name)
{
	unsigned int slot;

	if (c->nr_pending == CTRL_PENDING_MAX) {
		/* Only a guest repeating DEVICE_READY gets here. */
		virtio_broken(&c->vd, "sandbox channel: too many control requests");
		return;
	}
	slot = (c->pending_head + c->nr_pending++) % CTRL_PENDING_MAX;
	c->pending[slot] = (struct ctrl_msg){ id, event, value, name };
}

/*
 * Sends pending control messages into the guest's control receive
 * buffers. Guest-controlled: the queue (virtq_pop) and the buffers' size;
 * a buffer too small for a message header breaks the device.
 */
static void flush_ctrl(struct chan *c)
{
	struct virtq *vq = &c->vd.queues[CTRL_RX].vq;
	const char *why;
	int r = 1;

	if (!queue_ready(c, CTRL_RX))
		return;
again:
	while (c->nr_pending && (r = virtq_pop(vq, &c->chain, &why)) > 0) {
		struct ctrl_msg *m = &c->pending[c->pending_head];
		uint8_t buf[CTRL_HDR_SIZE + CTRL_NAME_MAX];
		uint32_t id = htole32(m->id);
		uint16_t ev = htole16(m->event), val = htole16(m->value);
		size_t len = CTRL_HDR_SIZE;

		memcpy(buf, &id, 4);
		memcpy(buf + 4, &ev, 2);
		memcpy(buf + 6, &val, 2);
		if (m->name) {
			size_t n = strlen(m->name);

			memcpy(buf + CTRL_HDR_SIZE, m->name, n);
			len += n;
		}
		if (c->chain.in_len < len) {
			virtio_broken(&c->vd,
				      "sandbox channel: control buffer too small");
			return;
		}
		virtq_copy_to_in(&c->chain, 0, buf, len);
		virtq_push(vq, c->chain.head, (uint32_t)len);
		c->pending_head = (c->pending_head + 1) % CTRL_PENDING_MAX;
		c->nr_pending--;
	}
	if (r < 0) {
		virtio_broken(&c->vd, why);
		return;
	}
	/* Messages wait for buffers: ask to hear when some are added. */
	if (c->nr_pending && virtq_enable_notify(vq))
		goto again;
	virtio_queue_interrupt(&c->vd, vq);
}

/* Tells the guest when stdin has ended (after every byte was taken). */
static void update_host_open(struct chan *c, unsigned int port)
{
	bool open = host_connected(c, port);

	if (c->port_ready[port] && open != c->host_open[port]) {
		c->host_open[port] = open;
		queue_ctrl(c, port, PORT_OPEN, open, NULL);
	}
}

/*
 * Moves lkvm's buffered stdin into the stdin port's receive buffers, but
 * only while the guest has the port open: Linux drops data that arrives
 * at a closed port. Guest-controlled: the receive queue.
 */
static void fill_stdin(struct chan *c)
{
	unsigned int q = rx_queue(SANDBOX_PORT_STDIN);
	struct virtq *vq = &c->vd.queues[q].vq;
	unsigned int budget = VIRTIO_QUEUE_BUDGET;
	bool taken = false;
	const char *why;
	size_t left;
	int r = 1;

	if (!queue_ready(c, q) || !c->guest_open[SANDBOX_PORT_STDIN])
		return;
again:
	pthread_mutex_lock(&c->in_lock);
	while (c->in_count && budget &&
	       (r = virtq_pop(vq, &c->chain, &why)) > 0) {
		size_t done = virtq_copy_ring_to_in(&c->chain, c->in_buf,
						    STDIN_BUF, &c->in_head,
						    &c->in_count);

		virtq_push(vq, c->chain.head, (uint32_t)done);
		taken = true;
		budget--;
	}
	if (taken)
		pthread_cond_signal(&c->in_room);
	left = c->in_count;
	pthread_mutex_unlock(&c->in_lock);
	if (r < 0) {
		virtio_broken(&c->vd, why);
		return;
	}
	if (left && !budget)
		virtio_queue_yield(&c->vd, q);
	/* Input waits for buffers: ask to hear when some are added. */
	else if (left && virtq_enable_notify(vq))
		goto again;
	virtio_queue_interrupt(&c->vd, vq);
}

/* Unit tests run the device without a VM. */
static void stop_vm(struct chan *c, int status)
{
	if (c->vd.dev.vm)
		vm_request_stop(c->vd.dev.vm, status);
}

/* Writes to lkvm's stdout or stderr; a reader gone stops the sandbox. */
static void emit(struct chan *c, int fd, const uint8_t *buf, size_t len)
{
	while (len && !c->output_gone) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EPIPE) {
			/* As a process writing to a closed pipe would. */
			c->output_gone = true;
			c->result->output_closed = true;
			stop_vm(c, 128 + SIGPIPE);
			return;
		}
		if (n <= 0) {
			if (log_ratelimit_ok(&c->rl, 1))
				pr_warn("sandbox: cannot write the command's output: %s",
					n ? strerror(errno) : "nothing written");
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

/*
 * One status line: guest-controlled, at most SANDBOX_STATUS_LINE_MAX
 * bytes including its newline, parsed by sandbox_parse_status(). Only
 * the first line counts. Returns true when the status is complete.
 */
static bool take_status(struct chan *c, const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len && !c->status_done; i++) {
		if (buf[i] != '\n') {
			if (c->status_len == sizeof(c->status)) {
				c->status_done = true;
				pr_warn("sandbox: the guest's status line is longer than %u bytes: ignored",
					SANDBOX_STATUS_LINE_MAX);
				return false;
			}
			c->status[c->status_len++] = (char)buf[i];
			continue;
		}
		c->status_done = true;
		if (sandbox_parse_status(c->status, c->status_len, c->result)) {
			pr_warn("sandbox: the guest sent a malformed status line: ignored");
			return false;
		}
		return true;
	}
	return false;
}

static void drain_port(struct chan *c, unsigned int port);

/* The command has ended: its output first, then lkvm stops the guest. */
static void status_complete(struct chan *c)
{
	drain_port(c, SANDBOX_PORT_STDOUT);
	drain_port(c, SANDBOX_PORT_STDERR);
	stop_vm(c, VM_EXIT_OK);
}

/*
 * What the guest transmits on @port. Guest-controlled: the queue and the
 * data; writable descriptors are ignored.
 */
static void drain_port(struct chan *c, unsigned int port)
{
	unsigned int q = tx_queue(port);
	struct virtq *vq = &c->vd.queues[q].vq;
	unsigned int budget = VIRTIO_QUEUE_BUDGET;
	bool complete = false;
	const char *why;
	int r = 0;

	if (!queue_ready(c, q))
		return;
	do {
		virtq_disable_notify(vq);
		while (budget && (r = virtq_pop(vq, &c->chain, &why)) > 0) {
			budget--;
			for (unsigned int i = 0; i < c->chain.nr_out; i++) {
				const uint8_t *b = c->chain.iov[i].iov_base;
				size_t n = c->chain.iov[i].iov_len;

				if (port == SANDBOX_PORT_STDOUT)
					emit(c, c->out_fd, b, n);
				else if (port == SANDBOX_PORT_STDERR)
					emit(c, c->err_fd, b, n);
				else if (port == SANDBOX_PORT_STATUS)
					complete |= take_status(c, b, n);
				/* stdin: what the guest writes is dropped */
			}
			virtq_push(vq, c->chain.head, 0);
		}
		if (r < 0) {
			virtio_broken(&c->vd, why);
			break;
		}
		if (!budget) {
			virtio_queue_yield(&c->vd, q);
			break;
		}
	} while (virtq_enable_notify(vq));
	virtio_queue_interrupt(&c->vd, vq);
	if (complete)
		status_complete(c);
}

/*
 * One control message from the guest. Guest-controlled: all 8 bytes.
 * Port ids at or above NR_PORTS and unknown events are ignored.
 */
static void ctrl_from_guest(struct chan *c, uint32_t id, uint16_t event,
			    uint16_t value)
{
	if (log_get_level() >= LOG_DEBUG && log_ratelimit_ok(&c->rl, 20))
		pr_debug("sandbox: control from the guest: port %u event %u value %u",
			 id, event, value);
	switch (event) {
	case DEVICE_READY:
		if (value != 1)
			break;
		for (unsigned int p = 0; p < NR_PORTS; p++)
			queue_ctrl(c, p, DEVICE_ADD, 1, NULL);
		break;
	case PORT_READY:
		if (id >= NR_PORTS || c->port_ready[id])
			break;
		if (value != 1) {
			pr_warn("sandbox: the guest could not add port %s",
				sandbox_port_names[id]);
			break;
		}
		c->port_ready[id] = true;
		c->host_open[id] = host_connected(c, id);
		queue_ctrl(c, id, PORT_NAME, 0, sandbox_port_names[id]);
		queue_ctrl(c, id, PORT_OPEN, c->host_open[id], NULL);
		break;
	case PORT_OPEN:
		if (id < NR_PORTS)
			c->guest_open[id] = value == 1;
		break;
	default:
		break;
	}
}

static void ctrl_queue(struct chan *c)
{
	struct virtq *vq = &c->vd.queues[CTRL_TX].vq;
	unsigned int budget = VIRTIO_QUEUE_BUDGET;
	const char *why;
	int r = 0;

	do {
		virtq_disable_notify(vq);
		while (budget && (r = virtq_pop(vq, &c->chain, &why)) > 0) {
			uint8_t m[CTRL_HDR_SIZE];
			uint32_t id;
			uint16_t event, value;

			budget--;
			if (virtq_copy_from_out(&c->chain, 0, m, sizeof(m)) ==
			    sizeof(m)) {
				memcpy(&id, m, 4);
				memcpy(&event, m + 4, 2);
				memcpy(&value, m + 6, 2);
				ctrl_from_guest(c, le32toh(id), le16toh(event),
						le16toh(value));
			}
			/* The guest spins until this is back. */
			virtq_push(vq, c->chain.head, 0);
		}
		if (r < 0) {
			virtio_broken(&c->vd, why);
			return;
		}
		if (!budget) {
			virtio_queue_yield(&c->vd, CTRL_TX);
			break;
		}
	} while (virtq_enable_notify(vq));
	virtio_queue_interrupt(&c->vd, vq);
	fill_stdin(c);
	flush_ctrl(c);
}

/*
 * A driver that resets the device starts over with DEVICE_READY: ports
 * it had and messages for the old rings are gone. What the command
 * already reported, and lkvm's input, stay.
 */
static void chan_reset(struct virtio_dev *vd)
{
	struct chan *c = to_chan(vd);

	c->pending_head = 0;
	c->nr_pending = 0;
	memset(c->port_ready, 0, sizeof(c->port_ready));
	memset(c->guest_open, 0, sizeof(c->guest_open));
	memset(c->host_open, 0, sizeof(c->host_open));
}

static void chan_queue_notify(struct virtio_dev *vd, unsigned int q)
{
	struct chan *c = to_chan(vd);

	if (q == CTRL_TX)
		ctrl_queue(c);
	else if (q == CTRL_RX)
		flush_ctrl(c);
	else if (q == rx_queue(SANDBOX_PORT_STDIN))
		fill_stdin(c);
	else if (q & 1)
		drain_port(c, q == 1 ? 0 : (q - 2) / 2);
	update_host_open(c, SANDBOX_PORT_STDIN);
	flush_ctrl(c);
}

/* The stdin reader has news: data, or the end of the input. */
static void chan_wake(struct virtio_dev *vd)
{
	struct chan *c = to_chan(vd);

	fill_stdin(c);
	update_host_open(c, SANDBOX_PORT_STDIN);
	flush_ctrl(c);
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
	if (seccomp_enter(c->vd.dev.vm, SECCOMP_IO, "lkvm-sbx-stdin", NULL)) {
		vm_request_stop(c->vd.dev.vm, VM_EXIT_ERROR);
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
		virtio_wake(&c->vd);
		if (n <= 0)
			break;
	}
	return NULL;
}

static int chan_start(struct virtio_dev *vd)
{
	struct chan *c = to_chan(vd);
	sigset_t all, old;
	int ret;

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

static void chan_stop(struct virtio_dev *vd)
{
	struct chan *c = to_chan(vd);
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

static void chan_destroy(struct virtio_dev *vd)
{
	struct chan *c = to_chan(vd);

	if (c->in_stop_efd >= 0)
		close(c->in_stop_efd);
	pthread_mutex_destroy(&c->in_lock);
	pthread_cond_destroy(&c->in_room);
	free(c);
}

static const struct virtio_dev_ops chan_ops = {
	.device_id = VIRTIO_ID_CONSOLE,
	.nr_queues = NR_QUEUES,
	.config_size = CONFIG_SIZE,
	.config_read = chan_config_read,
	.queue_notify = chan_queue_notify,
	.wake = chan_wake,
	.reset = chan_reset,
	.start = chan_start,
	.stop = chan_stop,
	.destroy = chan_destroy,
};

#define CHAN_FEATURES                                              \
	(BIT_ULL(VIRTIO_CONSOLE_F_MULTIPORT) |                     \
	 BIT_ULL(VIRTIO_RING_F_EVENT_IDX) |                        \
	 BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC))

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
		chan_destroy(&c->vd);
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
	ret = virtio_dev_setup(&c->vd, mem, &chan_ops, CHAN_FEATURES,
			       "sandbox-channel");
	*vdp = &c->vd;
	return ret;
}

static int chan_instantiate(struct vm *vm)
{
	bool tty = vm->cfg->sandbox_tty;
	struct chan *c;

	if (!vm->cfg->sandbox)
		return 0;
	/* With a tty the command has the console, input included. */
	c = chan_new(vm->cfg->sandbox, tty ? -1 : STDIN_FILENO, STDOUT_FILENO,
		     STDERR_FILENO);
	if (!c)
		return -ENOMEM;
	if (!tty) {
		/*
		 * stdin and stdout carry the command's streams; the console
		 * (kernel messages, the init's complaints) goes to stderr.
		 */
		vm->console.in_fd = -1;
		vm->console.out_fd = STDERR_FILENO;
	}
	return virtio_mmio_create(vm, &c->vd, &chan_ops, CHAN_FEATURES,
				  "sandbox-channel");
}

const struct device_model sandbox_channel_model = {
	.name = "sandbox-channel",
	.instantiate = chan_instantiate,
};

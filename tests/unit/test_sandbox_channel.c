/*
 * The sandbox channel against a fake Linux virtio_console driver: the
 * MULTIPORT control protocol, named ports, stdout/stderr/stdin and the
 * status line. The fake driver kicks a queue only when EVENT_IDX says it
 * must, as Linux does, so a device that forgets to ask for notifications
 * stalls here as it would in a guest.
 */
#include "harness.h"
#include "state_check.h"

#include <lkvm/sandbox.h>
#include <lkvm/state.h>
#include <lkvm/virtio.h>
#include <lkvm/vm.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define RAM_BASE 0x80000000ULL
#define RAM_SIZE (1ULL << 20)
#define NQ 10
#define QNUM 16
#define QSPAN 0x10000ULL	/* per queue: rings, then buffers */
#define BUF_SIZE 512U

enum { DEVICE_READY = 0, DEVICE_ADD = 1, PORT_READY = 3, PORT_OPEN = 6,
       PORT_NAME = 7 };

static uint8_t *ram;
static struct guest_mem mem;
static struct virtio_dev *vd;
static struct sandbox_result result;
/* The stdin reader looks at the VM's configuration: seccomp stays off. */
static struct vm_config cfg;
static struct vm vm = { .cfg = &cfg };
static int out_pipe[2], err_pipe[2], in_pipe[2];
/* The device said stdin has ended (PORT_OPEN 0 for the stdin port). */
static bool stdin_closed;

/* The driver's view of one queue. */
struct fq {
	uint64_t desc, avail, used, bufs;
	uint16_t avail_idx, used_seen, next;
};
static struct fq fq[NQ];

static void *host(uint64_t gpa)
{
	return ram + (gpa - RAM_BASE);
}

static uint16_t rd16(uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, host(gpa), 2);
	return v;
}

static void wr16(uint64_t gpa, uint16_t v)
{
	memcpy(host(gpa), &v, 2);
}

static void reg_write(uint64_t off, uint32_t v)
{
	virtio_mmio_access(vd, off, (uint8_t *)&v, 4, true);
}

static uint32_t reg_read(uint64_t off)
{
	uint32_t v = 0;

	virtio_mmio_access(vd, off, (uint8_t *)&v, 4, false);
	return v;
}

/* Kicks queue @q, as the I/O thread would on the eventfd. */
static void notify(unsigned int q)
{
	pthread_mutex_lock(&vd->queue_lock);
	vd->vops->queue_notify(vd, q);
	pthread_mutex_unlock(&vd->queue_lock);
}

/*
 * Adds one buffer of @len bytes (@data copied in when not NULL) and kicks
 * if vring_need_event() says the device asked for it.
 */
static uint64_t fq_add(unsigned int q, const void *data, uint32_t len,
		       bool writable)
{
	struct fq *f = &fq[q];
	uint16_t slot = f->next++ % QNUM, old = f->avail_idx;
	uint64_t buf = f->bufs + (uint64_t)slot * BUF_SIZE;
	struct virtq_desc d = { buf, len, writable ? VIRTQ_DESC_F_WRITE : 0, 0 };
	uint16_t event;

	if (data)
		memcpy(host(buf), data, len);
	memcpy(host(f->desc + 16ULL * slot), &d, sizeof(d));
	wr16(f->avail + 4 + 2ULL * (f->avail_idx % QNUM), slot);
	f->avail_idx++;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	wr16(f->avail + 2, f->avail_idx);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* avail_event, after the used ring. */
	event = rd16(f->used + 4 + 8ULL * QNUM);
	if ((uint16_t)(f->avail_idx - event - 1) < (uint16_t)(f->avail_idx - old))
		notify(q);
	return buf;
}

/* The next used buffer of @q: its address, and @len; 0 when none. */
static uint64_t fq_used(unsigned int q, uint32_t *len)
{
	struct fq *f = &fq[q];
	uint32_t id;

	if (rd16(f->used + 2) == f->used_seen)
		return 0;
	memcpy(&id, host(f->used + 4 + 8ULL * (f->used_seen % QNUM)), 4);
	memcpy(len, host(f->used + 8 + 8ULL * (f->used_seen % QNUM)), 4);
	f->used_seen++;
	/* used_event: interrupt for the next one. */
	wr16(f->avail + 4 + 2ULL * QNUM, f->used_seen);
	return f->bufs + (uint64_t)(id % QNUM) * BUF_SIZE;
}

static void send_ctrl(uint32_t id, uint16_t event, uint16_t value)
{
	uint8_t m[8];

	memcpy(m, &id, 4);
	memcpy(m + 4, &event, 2);
	memcpy(m + 6, &value, 2);
	fq_add(3, m, sizeof(m), false);
}

/* One control message from the device; false when there is none. */
static bool recv_ctrl(uint32_t *id, uint16_t *event, uint16_t *value,
		      char *name)
{
	uint32_t len;
	uint64_t buf = fq_used(2, &len);

	if (!buf)
		return false;
	CHECK(len >= 8 && len < BUF_SIZE);
	memcpy(id, host(buf), 4);
	memcpy(event, host(buf + 4), 2);
	memcpy(value, host(buf + 6), 2);
	memcpy(name, host(buf + 8), len - 8);
	name[len - 8] = '\0';
	/* Linux gives every control buffer back once handled. */
	fq_add(2, NULL, BUF_SIZE, true);
	return true;
}

static unsigned int rx_q(unsigned int port)
{
	return port ? 2 + 2 * port : 0;
}

static unsigned int tx_q(unsigned int port)
{
	return port ? 3 + 2 * port : 1;
}

/* What a driver does at probe: features, fresh rings, DRIVER_OK. */
static void driver_init(void)
{
	uint64_t f = BIT_ULL(VIRTIO_F_VERSION_1) | BIT_ULL(1) |
		     BIT_ULL(VIRTIO_RING_F_EVENT_IDX);

	memset(fq, 0, sizeof(fq));
	memset(ram, 0, RAM_SIZE);
	CHECK_EQ(reg_read(VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_CONSOLE);
	CHECK_EQ(reg_read(VIRTIO_MMIO_CONFIG + 4), SANDBOX_NR_PORTS);
	reg_write(VIRTIO_MMIO_STATUS, 3);
	reg_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	reg_write(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
	reg_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	reg_write(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
	reg_write(VIRTIO_MMIO_STATUS, 0x0b);
	CHECK(reg_read(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
	for (unsigned int q = 0; q < NQ; q++) {
		uint64_t base = RAM_BASE + q * QSPAN;

		fq[q] = (struct fq){ base, base + 0x1000, base + 0x2000,
				     base + 0x4000, 0, 0, 0 };
		reg_write(VIRTIO_MMIO_QUEUE_SEL, q);
		CHECK_EQ(reg_read(VIRTIO_MMIO_QUEUE_NUM_MAX), VIRTQ_MAX_SIZE);
		reg_write(VIRTIO_MMIO_QUEUE_NUM, QNUM);
		reg_write(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)fq[q].desc);
		reg_write(VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(fq[q].desc >> 32));
		reg_write(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)fq[q].avail);
		reg_write(VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(fq[q].avail >> 32));
		reg_write(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)fq[q].used);
		reg_write(VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(fq[q].used >> 32));
		reg_write(VIRTIO_MMIO_QUEUE_READY, 1);
	}
	reg_write(VIRTIO_MMIO_STATUS, 0x0f);
	CHECK(!(reg_read(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET));
}

static void start(bool with_stdin)
{
	memset(&result, 0, sizeof(result));
	ram = calloc(1, RAM_SIZE);
	guest_mem_wrap(&mem, RAM_BASE, ram, RAM_SIZE);
	CHECK_EQ(pipe(out_pipe), 0);
	CHECK_EQ(pipe(err_pipe), 0);
	CHECK_EQ(pipe(in_pipe), 0);
	fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
	fcntl(err_pipe[0], F_SETFL, O_NONBLOCK);
	CHECK_EQ(sandbox_channel_setup(&vd, &mem, &result,
				       with_stdin ? in_pipe[0] : -1,
				       out_pipe[1], err_pipe[1]),
		 0);
	vd->dev.vm = &vm;
	driver_init();
	if (with_stdin)
		CHECK_EQ(vd->vops->start(vd), 0);
}

static void stop(void)
{
	if (vd->vops->stop)
		vd->vops->stop(vd);
	virtio_dev_teardown(vd);
	vd->vops->destroy(vd);
	for (int i = 0; i < 2; i++) {
		close(out_pipe[i]);
		close(err_pipe[i]);
		close(in_pipe[i]);
	}
	free(ram);
}

/* What Linux's driver does at probe and per port, up to open ports. */
static void bring_up(void)
{
	bool added[SANDBOX_NR_PORTS] = { false }, named[SANDBOX_NR_PORTS] = { false },
	     opened[SANDBOX_NR_PORTS] = { false };
	uint16_t event, value;
	char name[BUF_SIZE];
	uint32_t id;

	for (unsigned int i = 0; i < 8; i++)
		fq_add(2, NULL, BUF_SIZE, true);
	send_ctrl(0xffffffff, DEVICE_READY, 1);
	for (unsigned int n = 0; n < 64; n++) {
		if (!recv_ctrl(&id, &event, &value, name))
			break;
		CHECK(id < SANDBOX_NR_PORTS);
		if (id >= SANDBOX_NR_PORTS)
			break;
		if (event == DEVICE_ADD) {
			added[id] = true;
			/* add_port(): receive buffers, then PORT_READY. */
			for (unsigned int i = 0; i < 4; i++)
				fq_add(rx_q(id), NULL, BUF_SIZE, true);
			send_ctrl(id, PORT_READY, 1);
		} else if (event == PORT_NAME) {
			CHECK_STR(name, sandbox_port_names[id]);
			named[id] = true;
		} else if (event == PORT_OPEN && !opened[id]) {
			/* The host side is open: the guest opens its side. */
			opened[id] = value;
			send_ctrl(id, PORT_OPEN, 1);
		} else if (event == PORT_OPEN) {
			/* Only stdin closes, at its end. */
			CHECK_EQ(id, SANDBOX_PORT_STDIN);
			stdin_closed = !value;
		}
	}
	for (unsigned int p = 0; p < SANDBOX_NR_PORTS; p++) {
		CHECK(added[p]);
		CHECK(named[p]);
		if (p != SANDBOX_PORT_STDIN)
			CHECK(opened[p]);
	}
}

static void send_bytes(unsigned int port, const void *data, size_t len)
{
	fq_add(tx_q(port), data, (uint32_t)len, false);
	CHECK(!(reg_read(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET));
}

static void send_on(unsigned int port, const char *text)
{
	fq_add(tx_q(port), text, (uint32_t)strlen(text), false);
	CHECK(!(reg_read(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET));
}

static size_t read_pipe(int fd, char *buf, size_t len)
{
	ssize_t n = read(fd, buf, len - 1);

	buf[n > 0 ? n : 0] = '\0';
	return n > 0 ? (size_t)n : 0;
}

static void test_bring_up_and_output(void)
{
	char buf[256];

	start(false);
	bring_up();
	send_on(SANDBOX_PORT_STDOUT, "to stdout\n");
	send_bytes(SANDBOX_PORT_STDOUT, "bin\0ary\r\n", 9);
	send_on(SANDBOX_PORT_STDERR, "to stderr\n");
	/* Byte for byte: the NUL and the CR arrive as sent. */
	CHECK_EQ(read_pipe(out_pipe[0], buf, sizeof(buf)), 19);
	CHECK(!memcmp(buf, "to stdout\nbin\0ary\r\n", 19));
	CHECK_EQ(read_pipe(err_pipe[0], buf, sizeof(buf)), 10);
	CHECK_STR(buf, "to stderr\n");
	CHECK(!result.reported);
	stop();
}

/* The output queued before the status is out before lkvm acts on it. */
static void test_status_after_output(void)
{
	char buf[256];
	uint64_t b = fq[tx_q(SANDBOX_PORT_STDOUT)].bufs;

	start(false);
	bring_up();
	/* Output made available without a kick, as a racing guest might. */
	memcpy(host(b), "last words", 10);
	{
		struct fq *f = &fq[tx_q(SANDBOX_PORT_STDOUT)];
		struct virtq_desc d = { b, 10, 0, 0 };

		memcpy(host(f->desc), &d, sizeof(d));
		wr16(f->avail + 4, 0);
		f->avail_idx = 1;
		f->next = 1;
		wr16(f->avail + 2, 1);
	}
	send_on(SANDBOX_PORT_STATUS, "exi");
	CHECK(!result.reported);
	send_on(SANDBOX_PORT_STATUS, "t 42\nexit 0\n");
	CHECK(result.reported);
	CHECK_EQ(result.status, 42);
	CHECK_EQ(read_pipe(out_pipe[0], buf, sizeof(buf)), 10);
	CHECK_STR(buf, "last words");
	stop();
}

static void test_bad_status_lines(void)
{
	char line[SANDBOX_STATUS_LINE_MAX + 10];

	start(false);
	bring_up();
	/* A malformed first line: nothing after it counts. */
	send_on(SANDBOX_PORT_STATUS, "exit 4x\n");
	send_on(SANDBOX_PORT_STATUS, "exit 0\n");
	CHECK(!result.reported);
	stop();

	start(false);
	bring_up();
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	send_on(SANDBOX_PORT_STATUS, line);
	send_on(SANDBOX_PORT_STATUS, "\nexit 0\n");
	CHECK(!result.reported);
	stop();

	start(false);
	bring_up();
	send_on(SANDBOX_PORT_STATUS, "error cannot mount /\n");
	CHECK(result.reported && result.init_error);
	CHECK_STR(result.message, "cannot mount /");
	stop();
}

/* stdin: delivered once the guest opened the port, then its end. */
static void test_stdin(void)
{
	struct timespec ms = { 0, 1000000 };
	char got[64] = { 0 }, name[BUF_SIZE];
	size_t have = 0;
	uint16_t event, value;
	uint32_t id, len;

	start(true);
	stdin_closed = false;
	CHECK_EQ(write(in_pipe[1], "typed input", 11), 11);
	close(in_pipe[1]);
	in_pipe[1] = open("/dev/null", O_WRONLY);
	bring_up();
	for (unsigned int i = 0; i < 3000 && (!stdin_closed || have < 11); i++) {
		uint64_t b;

		pthread_mutex_lock(&vd->queue_lock);
		vd->vops->wake(vd);
		pthread_mutex_unlock(&vd->queue_lock);
		while ((b = fq_used(rx_q(SANDBOX_PORT_STDIN), &len))) {
			CHECK(have + len < sizeof(got));
			if (have + len < sizeof(got))
				memcpy(got + have, host(b), len);
			have += len;
			fq_add(rx_q(SANDBOX_PORT_STDIN), NULL, BUF_SIZE, true);
		}
		while (recv_ctrl(&id, &event, &value, name))
			if (id == SANDBOX_PORT_STDIN && event == PORT_OPEN)
				stdin_closed = !value;
		nanosleep(&ms, NULL);
	}
	CHECK(stdin_closed);
	CHECK_EQ(have, 11);
	CHECK_STR(got, "typed input");
	stop();
}

/* Everything the guest has received on @port's receive queue so far. */
static size_t received(unsigned int port, uint8_t *got, size_t room)
{
	struct timespec ms = { 0, 1000000 };
	size_t have = 0;
	uint32_t len;

	for (unsigned int i = 0; i < 200; i++) {
		uint64_t b;

		pthread_mutex_lock(&vd->queue_lock);
		vd->vops->wake(vd);
		pthread_mutex_unlock(&vd->queue_lock);
		while ((b = fq_used(rx_q(port), &len))) {
			CHECK(have + len <= room);
			if (have + len <= room)
				memcpy(got + have, host(b), len);
			have += len;
			fq_add(rx_q(port), NULL, BUF_SIZE, true);
		}
		nanosleep(&ms, NULL);
	}
	return have;
}

/*
 * The command goes to the guest only after its "ready", whole, stamped
 * with the time; "ready" is not the exit status, which comes next.
 */
static void test_command_after_ready(void)
{
	char *argv[] = { "echo", "a b" };
	struct sandbox_run run = { .argv = argv, .argc = 2, .cwd = "/host/x",
				   .hostname = "h" };
	uint8_t *cmd, got[4096];
	size_t len, have;
	uint64_t t = 0;

	memset(run.seed, 7, sizeof(run.seed));
	CHECK_EQ(sandbox_command_build(&run, &cmd, &len), 0);
	start(false);
	sandbox_channel_set_command(vd, cmd, len);
	bring_up();
	CHECK_EQ(received(SANDBOX_PORT_STATUS, got, sizeof(got)), 0);
	send_on(SANDBOX_PORT_STATUS, "rea");
	CHECK_EQ(received(SANDBOX_PORT_STATUS, got, sizeof(got)), 0);
	send_on(SANDBOX_PORT_STATUS, "dy\n");
	have = received(SANDBOX_PORT_STATUS, got, sizeof(got));
	CHECK_EQ(have, len);
	CHECK(!memcmp(got, "LKC1", 4));
	/* The first entry, the wall clock, was filled in on the way. */
	CHECK_EQ(got[8], SBX_WIRE_REALTIME);
	for (int i = 7; i >= 0; i--)
		t = t << 8 | got[13 + i];
	CHECK(t > 1600000000ULL * 1000000000ULL);
	CHECK(!memcmp(got + 21, cmd + 21, len - 21));
	CHECK(!result.reported);
	send_on(SANDBOX_PORT_STATUS, "exit 3\n");
	CHECK(result.reported);
	CHECK_EQ(result.status, 3);
	stop();

	/* A second "ready" is no status: nothing is reported. */
	start(false);
	sandbox_channel_set_command(vd, cmd, len);
	bring_up();
	send_on(SANDBOX_PORT_STATUS, "ready\nready\nexit 0\n");
	CHECK(!result.reported);
	stop();
	free(cmd);
}

/* The message's layout, entry by entry, and its bounds. */
static void test_command_message(void)
{
	char *argv[] = { "sh", "-c", "" };
	struct sandbox_run run = { .argv = argv, .argc = 3, .cwd = "/host",
				   .hostname = "guest-1", .term = "xterm",
				   .tty = true, .path = "/usr/bin/sh" };
	const uint8_t want[] = { SBX_WIRE_REALTIME, SBX_WIRE_SEED,
				 SBX_WIRE_CWD, SBX_WIRE_HOSTNAME, SBX_WIRE_TTY,
				 SBX_WIRE_TERM, SBX_WIRE_PATH, SBX_WIRE_ARG,
				 SBX_WIRE_ARG, SBX_WIRE_ARG };
	uint8_t *cmd;
	size_t len, at = SBX_WIRE_HEADER, n = 0;

	CHECK_EQ(sandbox_command_build(&run, &cmd, &len), 0);
	CHECK(!memcmp(cmd, "LKC1", 4));
	CHECK_EQ(cmd[4] | cmd[5] << 8 | cmd[6] << 16 | (uint32_t)cmd[7] << 24,
		 len - SBX_WIRE_HEADER);
	while (at + SBX_WIRE_ENTRY_HEADER <= len && n < sizeof(want)) {
		uint32_t l = cmd[at + 1] | cmd[at + 2] << 8 |
			     cmd[at + 3] << 16 | (uint32_t)cmd[at + 4] << 24;

		CHECK_EQ(cmd[at], want[n]);
		if (cmd[at] == SBX_WIRE_TTY)
			CHECK(l == 1 && cmd[at + 5] == 1);
		if (cmd[at] == SBX_WIRE_SEED)
			CHECK_EQ(l, SBX_WIRE_SEED_BYTES);
		if (cmd[at] == SBX_WIRE_PATH)
			CHECK(l == 11 && !memcmp(cmd + at + 5, "/usr/bin/sh", 11));
		at += SBX_WIRE_ENTRY_HEADER + l;
		n++;
	}
	CHECK_EQ(n, sizeof(want));
	CHECK_EQ(at, len);	/* the empty last argument included */
	sandbox_command_stamp(cmd, 0x0102030405060708ULL);
	CHECK_EQ(cmd[13], 0x08);
	CHECK_EQ(cmd[20], 0x01);
	free(cmd);

	run.script = malloc(SBX_WIRE_MAX);
	run.script_len = SBX_WIRE_MAX;
	CHECK_EQ(sandbox_command_build(&run, &cmd, &len), -E2BIG);
	free(run.script);
}

/* A guest that breaks the rules breaks only the channel. */
static void test_hostile_driver(void)
{
	start(false);
	/* Port ids past the four, unknown events: ignored. */
	for (unsigned int i = 0; i < 8; i++)
		fq_add(2, NULL, BUF_SIZE, true);
	send_ctrl(77, PORT_READY, 1);
	send_ctrl(1, 99, 1);
	send_ctrl(0xffffffff, PORT_OPEN, 1);
	CHECK(!(reg_read(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET));
	/* A control message shorter than its header: dropped. */
	fq_add(3, "abc", 3, false);
	CHECK(!(reg_read(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET));
	stop();

	/* Control buffers too small for a message: the device resets. */
	start(false);
	for (unsigned int i = 0; i < 4; i++)
		fq_add(2, NULL, 4, true);
	send_ctrl(0xffffffff, DEVICE_READY, 1);
	CHECK(reg_read(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	stop();
}

/* A driver that resets the device and probes again gets its ports again. */
static void test_reset_and_probe_again(void)
{
	char buf[64];

	start(false);
	bring_up();
	reg_write(VIRTIO_MMIO_STATUS, 0);
	CHECK_EQ(reg_read(VIRTIO_MMIO_STATUS), 0);
	driver_init();
	bring_up();
	send_on(SANDBOX_PORT_STDOUT, "again\n");
	CHECK_EQ(read_pipe(out_pipe[0], buf, sizeof(buf)), 6);
	CHECK_STR(buf, "again\n");
	stop();
}

static int load_chan(void *ctx, const void *rec, size_t len, char *why,
		     size_t why_len)
{
	return virtio_dev_load(ctx, rec, len, why, why_len);
}

/*
 * A brought-up channel saved and loaded into a new device: the guest's
 * ports stay set up and open, so output flows without a new probe.
 */
static void test_state_round_trip(void)
{
	struct sandbox_result r2 = { 0 };
	struct virtio_dev *first, *second;
	struct state_writer w, w2;
	char buf[64], why[200];

	start(false);
	bring_up();
	state_writer_init(&w);
	CHECK_EQ(virtio_dev_save(vd, &w), 0);
	first = vd;
	CHECK_EQ(sandbox_channel_setup(&second, &mem, &r2, -1, out_pipe[1],
				       err_pipe[1]),
		 0);
	second->dev.vm = &vm;
	CHECK_EQ(virtio_dev_load(second, w.data, w.len, why, sizeof(why)), 0);
	state_writer_init(&w2);
	CHECK_EQ(virtio_dev_save(second, &w2), 0);
	CHECK(w.len == w2.len && !memcmp(w.data, w2.data, w.len));
	vd = second;
	send_on(SANDBOX_PORT_STDOUT, "after\n");
	CHECK_EQ(read_pipe(out_pipe[0], buf, sizeof(buf)), 6);
	CHECK_STR(buf, "after\n");
	check_record_refused_when_damaged(w.data, w.len, load_chan, second);
	virtio_dev_teardown(second);
	second->vops->destroy(second);
	vd = first;
	state_writer_free(&w);
	state_writer_free(&w2);
	stop();
}

static const struct unit_test tests[] = {
	{ "channel_command_message", test_command_message },
	{ "channel_command_after_ready", test_command_after_ready },
	{ "channel_bring_up_and_output", test_bring_up_and_output },
	{ "channel_status_after_output", test_status_after_output },
	{ "channel_bad_status_lines", test_bad_status_lines },
	{ "channel_stdin", test_stdin },
	{ "channel_hostile_driver", test_hostile_driver },
	{ "channel_reset_and_probe_again", test_reset_and_probe_again },
	{ "channel_state_round_trip", test_state_round_trip },
};

UNIT_MAIN(tests)

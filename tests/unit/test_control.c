/*
 * The VM side of the control socket, driven without KVM: a VM with no
 * vcpus (so a pause completes at once) served on a real event loop and
 * a real socket under a temporary $HOME, with clients that misbehave.
 */
#include "harness.h"

#include <lkvm/arm/arm.h>
#include <lkvm/control.h>
#include <lkvm/event_loop.h>
#include <lkvm/ipc.h>
#include <lkvm/ipc_path.h>
#include <lkvm/vm.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct fixture {
	struct vm vm;
	struct arch_vm arch;
	struct vm_config cfg;
	struct event_loop loop;
	char home[64];
	char sock[IPC_PATH_MAX];
};

static unsigned int breaks;
static uint8_t last_key;

static void fake_input(void *opaque, const uint8_t *buf, size_t len)
{
	(void)opaque;
	if (len)
		last_key = buf[len - 1];
}

static void fake_break(void *opaque)
{
	(void)opaque;
	breaks++;
}

static int setup(struct fixture *f, const char *name)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->home, sizeof(f->home), "/tmp/lkvm-unit-XXXXXX");
	if (!mkdtemp(f->home))
		return -1;
	setenv("HOME", f->home, 1);
	if (vm_config_init(&f->cfg))
		return -1;
	f->cfg.name = name;
	f->vm.cfg = &f->cfg;
	f->vm.ram.size = 256ULL << 20;
	f->arch.sve_vqs = 0x3;
	f->vm.arch = &f->arch;
	pthread_mutex_init(&f->vm.stop_lock, NULL);
	atomic_init(&f->vm.stopping, false);
	f->vm.stop_efd = -1;
	console_init_fds(&f->vm.console, -1, -1);
	f->vm.console.input = fake_input;
	if (vm_pause_init(&f->vm) || event_loop_init(&f->loop))
		return -1;
	ipc_sock_path(name, f->sock, sizeof(f->sock));
	return control_start(&f->vm, &f->loop);
}

static void teardown(struct fixture *f)
{
	char path[128];

	control_destroy(&f->vm);
	event_loop_fini(&f->loop);
	vm_pause_fini(&f->vm);
	vm_config_release(&f->cfg);
	pthread_mutex_destroy(&f->vm.stop_lock);
	snprintf(path, sizeof(path), "%s/.lkvm/.lock", f->home);
	unlink(path);
	snprintf(path, sizeof(path), "%s/.lkvm", f->home);
	rmdir(path);
	rmdir(f->home);
}

/* Runs the VM's event loop for up to @ms. */
static void pump(struct fixture *f, int ms)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		event_loop_run_once(&f->loop, 10);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 +
			 (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

static int connect_to(struct fixture *f)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

	strcpy(addr.sun_path, f->sock);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void send_all(int fd, const void *buf, size_t len)
{
	CHECK_EQ(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
}

static void send_request(int fd, uint16_t type, const void *payload,
			 uint32_t len)
{
	uint8_t frame[IPC_HDR_SIZE + 8];

	ipc_hdr_encode(frame, type, len, 0);
	if (len)
		memcpy(frame + IPC_HDR_SIZE, payload, len);
	send_all(fd, frame, IPC_HDR_SIZE + len);
}

/*
 * Reads one reply frame while pumping the loop. Returns 1 with the frame
 * in @r, 0 on EOF, or a negative errno.
 */
static int recv_frame(struct fixture *f, int fd, struct ipc_reader *r)
{
	ipc_reader_reset(r);
	for (int i = 0; i < 300; i++) {
		uint8_t *dst;
		size_t want = ipc_reader_want(r, &dst);
		ssize_t n = read(fd, dst, want);

		if (n == 0)
			return 0;
		if (n < 0 && errno == ECONNRESET)
			return 0;
		if (n < 0 && errno == EAGAIN) {
			pump(f, 10);
			continue;
		}
		if (n < 0)
			return -errno;
		n = ipc_reader_advance(r, (size_t)n);
		if (n)
			return (int)n;
	}
	return -ETIMEDOUT;
}

static bool closed_by_server(struct fixture *f, int fd)
{
	uint8_t b;

	for (int i = 0; i < 300; i++) {
		ssize_t n = read(fd, &b, 1);

		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return true;
		if (n < 0 && errno != EAGAIN)
			return true;
		pump(f, 10);
	}
	return false;
}

static void expect_error(struct fixture *f, int fd, int status,
			 const char *text)
{
	struct ipc_reader r;
	char msg[IPC_ERROR_MSG_MAX + 1];

	ipc_reader_init(&r, IPC_FROM_SERVER);
	CHECK_EQ(recv_frame(f, fd, &r), 1);
	CHECK_EQ(r.hdr.type, IPC_REP_ERROR);
	CHECK_EQ(r.hdr.status, status);
	ipc_error_text(r.payload, r.hdr.len, msg, sizeof(msg));
	if (!strstr(msg, text))
		CHECK_STR(msg, text);
	CHECK(closed_by_server(f, fd));
	ipc_reader_fini(&r);
}

static uint8_t expect_done(struct fixture *f, int fd, bool changed)
{
	struct ipc_reader r;
	struct ipc_done d = { 0 };

	ipc_reader_init(&r, IPC_FROM_SERVER);
	CHECK_EQ(recv_frame(f, fd, &r), 1);
	CHECK_EQ(r.hdr.type, IPC_REP_DONE);
	CHECK_EQ(ipc_done_decode(r.payload, r.hdr.len, &d), 0);
	CHECK_EQ(d.changed, changed);
	ipc_reader_fini(&r);
	return d.state;
}

static void test_info_and_socket(void)
{
	struct fixture f;
	struct ipc_reader r;
	struct ipc_info info;
	struct stat st;
	int fd;

	CHECK_EQ(setup(&f, "unit-vm"), 0);
	CHECK_EQ(lstat(f.sock, &st), 0);
	CHECK(S_ISSOCK(st.st_mode));
	CHECK_EQ(stat(f.home, &st), 0);
	snprintf(f.home + strlen(f.home), 8, "/.lkvm");
	CHECK_EQ(stat(f.home, &st), 0);
	CHECK_EQ(st.st_mode & 0777, 0700);
	f.home[strlen(f.home) - 6] = '\0';

	fd = connect_to(&f);
	send_request(fd, IPC_REQ_INFO, NULL, 0);
	ipc_reader_init(&r, IPC_FROM_SERVER);
	CHECK_EQ(recv_frame(&f, fd, &r), 1);
	CHECK_EQ(r.hdr.type, IPC_REP_INFO);
	CHECK_EQ(ipc_info_decode(r.payload, r.hdr.len, &info), 0);
	CHECK_STR(info.name, "unit-vm");
	CHECK_EQ(info.pid, (uint32_t)getpid());
	CHECK_EQ(info.ram_bytes, 256ULL << 20);
	CHECK_EQ(info.sve_vqs, 0x3);
	CHECK_EQ(info.state, IPC_STATE_RUNNING);
	/* One request per connection. */
	CHECK(closed_by_server(&f, fd));
	close(fd);
	ipc_reader_fini(&r);

	control_close_listener(f.vm.control);
	CHECK(lstat(f.sock, &st) < 0 && errno == ENOENT);
	teardown(&f);
}

static void test_name_taken_and_stale(void)
{
	struct fixture f, g;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	CHECK_EQ(setup(&f, "dup"), 0);
	/* A second VM with the same name, same $HOME: refused. */
	memset(&g, 0, sizeof(g));
	CHECK_EQ(vm_config_init(&g.cfg), 0);
	g.cfg.name = "dup";
	g.vm.cfg = &g.cfg;
	g.vm.pause.efd = -1;
	event_loop_init(&g.loop);
	CHECK_EQ(control_start(&g.vm, &g.loop), -EADDRINUSE);
	/* ...and its failure did not remove the first VM's socket. */
	control_destroy(&g.vm);
	event_loop_fini(&g.loop);
	vm_config_release(&g.cfg);
	CHECK_EQ(access(f.sock, F_OK), 0);
	control_destroy(&f.vm);

	/* A socket nobody listens on (a VM killed with -9) is replaced. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(addr.sun_path, f.sock);
	CHECK_EQ(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	close(fd);
	CHECK_EQ(control_start(&f.vm, &f.loop), 0);
	fd = connect_to(&f);
	CHECK(fd >= 0);
	send_request(fd, IPC_REQ_RESUME, NULL, 0);
	CHECK_EQ(expect_done(&f, fd, false), IPC_STATE_RUNNING);
	close(fd);
	teardown(&f);
	CHECK(access(f.sock, F_OK) < 0);
}

static void test_garbage_and_bad_headers(void)
{
	struct fixture f;
	uint8_t junk[256], h[IPC_HDR_SIZE];
	int fd;

	CHECK_EQ(setup(&f, "hostile"), 0);
	memset(junk, 'G', sizeof(junk));
	fd = connect_to(&f);
	send_all(fd, junk, sizeof(junk));
	expect_error(&f, fd, -EBADMSG, "not an lkvm control request");
	close(fd);

	fd = connect_to(&f);
	ipc_hdr_encode(h, IPC_REQ_INFO, 0, 0);
	h[4] = 7;	/* version 7 */
	send_all(fd, h, sizeof(h));
	expect_error(&f, fd, -EPROTONOSUPPORT, "protocol version 7");
	close(fd);

	fd = connect_to(&f);
	ipc_hdr_encode(h, IPC_REQ_SYSRQ, 0x7fffffff, 0);
	send_all(fd, h, sizeof(h));
	expect_error(&f, fd, -EMSGSIZE, "cannot carry 2147483647 bytes");
	close(fd);

	fd = connect_to(&f);
	ipc_hdr_encode(h, 0x42, 0, 0);
	send_all(fd, h, sizeof(h));
	expect_error(&f, fd, -EPROTO, "type 0x42");
	close(fd);

	fd = connect_to(&f);
	send_request(fd, IPC_REQ_SYSRQ, "\n", 1);
	expect_error(&f, fd, -EINVAL, "printable");
	close(fd);

	/* The VM is untouched: still running, still answering. */
	CHECK(!atomic_load(&f.vm.stopping));
	fd = connect_to(&f);
	send_request(fd, IPC_REQ_RESUME, NULL, 0);
	CHECK_EQ(expect_done(&f, fd, false), IPC_STATE_RUNNING);
	close(fd);
	teardown(&f);
}

static void test_disconnects_and_client_limit(void)
{
	struct fixture f;
	int fds[CONTROL_MAX_CLIENTS], fd;
	uint8_t h[IPC_HDR_SIZE];

	CHECK_EQ(setup(&f, "limits"), 0);
	ipc_hdr_encode(h, IPC_REQ_INFO, 0, 0);
	/* Half a header, then gone, many times over: nothing leaks. */
	for (int i = 0; i < 3 * CONTROL_MAX_CLIENTS; i++) {
		fd = connect_to(&f);
		send_all(fd, h, 7);
		pump(&f, 5);
		close(fd);
		pump(&f, 5);
	}
	/* Idle clients fill every slot; the next one is told to retry. */
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		fds[i] = connect_to(&f);
		pump(&f, 5);
	}
	fd = connect_to(&f);
	expect_error(&f, fd, -EBUSY, "too many");
	close(fd);
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		close(fds[i]);
	pump(&f, 20);
	fd = connect_to(&f);
	send_request(fd, IPC_REQ_RESUME, NULL, 0);
	CHECK_EQ(expect_done(&f, fd, false), IPC_STATE_RUNNING);
	close(fd);
	teardown(&f);
}

static void test_slow_request_times_out(void)
{
	struct fixture f;
	struct timespec t0, t1;
	uint8_t h[IPC_HDR_SIZE];
	int fd, slow;
	long ms;

	CHECK_EQ(setup(&f, "slow"), 0);
	ipc_hdr_encode(h, IPC_REQ_INFO, 0, 0);
	slow = connect_to(&f);
	send_all(slow, h, 3);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Meanwhile another client is served at once. */
	fd = connect_to(&f);
	send_request(fd, IPC_REQ_RESUME, NULL, 0);
	CHECK_EQ(expect_done(&f, fd, false), IPC_STATE_RUNNING);
	close(fd);
	/* closed_by_server() waits up to 3 s: 9 s in all. */
	for (int i = 0; i < 3 && !closed_by_server(&f, slow); i++)
		;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	     (t1.tv_nsec - t0.tv_nsec) / 1000000;
	CHECK(ms >= CONTROL_REQUEST_TIMEOUT_MS - 100);
	CHECK(ms < CONTROL_REQUEST_TIMEOUT_MS + 2000);
	close(slow);
	teardown(&f);
}

static void test_pause_resume_states(void)
{
	struct fixture f;
	struct ipc_reader r;
	struct ipc_info info;
	int fd;

	CHECK_EQ(setup(&f, "pauser"), 0);
	fd = connect_to(&f);
	send_request(fd, IPC_REQ_PAUSE, NULL, 0);
	CHECK_EQ(expect_done(&f, fd, true), IPC_STATE_PAUSED);
	close(fd);
	CHECK(f.vm.pause.requested);

	fd = connect_to(&f);
	send_request(fd, IPC_REQ_PAUSE, NULL, 0);
	CHECK_EQ(expect_done(&f, fd, false), IPC_STATE_PAUSED);
	close(fd);

	fd = connect_to(&f);
	send_request(fd, IPC_REQ_INFO, NULL, 0);
	ipc_reader_init(&r, IPC_FROM_SERVER);
	CHECK_EQ(recv_frame(&f, fd, &r), 1);
	CHECK_EQ(ipc_info_decode(r.payload, r.hdr.len, &info), 0);
	CHECK_EQ(info.state, IPC_STATE_PAUSED);
	ipc_reader_fini(&r);
	close(fd);

	/* A dump of a paused VM leaves it paused. */
	fd = connect_to(&f);
	send_request(fd, IPC_REQ_DUMP, NULL, 0);
	ipc_reader_init(&r, IPC_FROM_SERVER);
	CHECK_EQ(recv_frame(&f, fd, &r), 1);
	CHECK_EQ(r.hdr.type, IPC_REP_INFO);
	CHECK_EQ(recv_frame(&f, fd, &r), 1);	/* no vcpus: END next */
	CHECK_EQ(r.hdr.type, IPC_REP_END);
	ipc_reader_fini(&r);
	close(fd);
	CHECK(f.vm.pause.requested);

	fd = connect_to(&f);
	send_request(fd, IPC_REQ_RESUME, NULL, 0);
	CHECK_EQ(expect_done(&f, fd, true), IPC_STATE_RUNNING);
	close(fd);
	CHECK(!f.vm.pause.requested);

	/* A dump of a running VM pauses it only while it reads. */
	fd = connect_to(&f);
	send_request(fd, IPC_REQ_DUMP, NULL, 0);
	ipc_reader_init(&r, IPC_FROM_SERVER);
	CHECK_EQ(recv_frame(&f, fd, &r), 1);
	CHECK_EQ(recv_frame(&f, fd, &r), 1);
	CHECK_EQ(r.hdr.type, IPC_REP_END);
	ipc_reader_fini(&r);
	close(fd);
	CHECK(!f.vm.pause.requested);
	teardown(&f);
}

static void test_sysrq(void)
{
	struct fixture f;
	int fd;

	CHECK_EQ(setup(&f, "sysrq"), 0);
	fd = connect_to(&f);
	send_request(fd, IPC_REQ_SYSRQ, "h", 1);
	expect_error(&f, fd, -EOPNOTSUPP, "break");
	close(fd);
	CHECK_EQ(breaks, 0);

	f.vm.console.input_break = fake_break;
	fd = connect_to(&f);
	send_request(fd, IPC_REQ_SYSRQ, "t", 1);
	CHECK_EQ(expect_done(&f, fd, true), IPC_STATE_RUNNING);
	close(fd);
	CHECK_EQ(breaks, 1);
	CHECK_EQ(last_key, 't');
	teardown(&f);
}

static void test_stop_holds_connection(void)
{
	struct fixture f;
	uint8_t b;
	int fd;

	CHECK_EQ(setup(&f, "stopper"), 0);
	f.vm.stop_efd = -1;
	fd = connect_to(&f);
	send_request(fd, IPC_REQ_STOP, NULL, 0);
	CHECK_EQ(expect_done(&f, fd, true), IPC_STATE_STOPPING);
	CHECK(atomic_load(&f.vm.stopping));
	CHECK_EQ(f.vm.exit_status, VM_EXIT_OK);
	/* Held open until the VM has gone, so `lkvm stop` can wait. */
	pump(&f, 50);
	CHECK(read(fd, &b, 1) < 0 && errno == EAGAIN);
	control_close_listener(f.vm.control);
	CHECK(access(f.sock, F_OK) < 0);
	control_destroy(&f.vm);
	CHECK_EQ(read(fd, &b, 1), 0);
	close(fd);
	teardown(&f);
}

/* A home that cannot hold the socket: the VM runs, without one. */
static void test_no_socket_dir(void)
{
	struct vm vm;
	struct vm_config cfg;
	struct event_loop loop;

	memset(&vm, 0, sizeof(vm));
	CHECK_EQ(vm_config_init(&cfg), 0);
	cfg.name = "homeless";
	vm.cfg = &cfg;
	vm.pause.efd = -1;
	CHECK_EQ(event_loop_init(&loop), 0);
	setenv("HOME", "/proc/self/no-such-dir", 1);
	CHECK_EQ(control_start(&vm, &loop), 0);
	CHECK(vm.control != NULL);
	control_destroy(&vm);
	unsetenv("HOME");
	CHECK_EQ(control_start(&vm, &loop), 0);
	control_destroy(&vm);
	CHECK(vm.control == NULL);
	event_loop_fini(&loop);
	vm_config_release(&cfg);
}

static const struct unit_test tests[] = {
	{ "control-info-and-socket", test_info_and_socket },
	{ "control-name-taken-and-stale", test_name_taken_and_stale },
	{ "control-garbage-and-bad-headers", test_garbage_and_bad_headers },
	{ "control-disconnects-and-client-limit",
	  test_disconnects_and_client_limit },
	{ "control-slow-request-times-out", test_slow_request_times_out },
	{ "control-pause-resume-states", test_pause_resume_states },
	{ "control-sysrq", test_sysrq },
	{ "control-stop-holds-connection", test_stop_holds_connection },
	{ "control-no-socket-dir", test_no_socket_dir },
};

UNIT_MAIN(tests)

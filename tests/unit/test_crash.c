/* The crash report: its line, and a real fault in a child process. */
#include "harness.h"

#include <lkvm/crash.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_format_fault(void)
{
	const uintptr_t frames[] = { 0x401234, 0x405678, 0x7f0000001000 };
	struct crash_info ci = {
		.sig = SIGSEGV,
		.si_code = SEGV_MAPERR,
		.fault_addr = 0x10,
		.thread = "lkvm-vcpu0",
		.base = 0x400000,
		.pc = 0x401230,
		.frames = frames,
		.nr_frames = 3,
	};
	char buf[512];
	size_t n = crash_format(buf, sizeof(buf), &ci);

	CHECK_STR(buf, "lkvm: fatal: SIGSEGV at address 0x10 in thread lkvm-vcpu0, pc lkvm+0x1230; backtrace: lkvm+0x1234 lkvm+0x5678 lkvm+0x7effffc01000; this is a bug in lkvm, please report it\n");
	CHECK_EQ(n, strlen(buf));
}

static void test_format_unknown(void)
{
	struct crash_info ci = { .sig = 63, .si_code = SI_TKILL };
	char buf[256];

	crash_format(buf, sizeof(buf), &ci);
	/* No address for a signal nobody faulted into; no name, no pc. */
	CHECK_STR(buf, "lkvm: fatal: signal 63 in thread ?; this is a bug in lkvm, please report it\n");
}

static void test_format_sent(void)
{
	struct crash_info ci = { .sig = SIGBUS, .si_code = SI_USER,
				 .sender = 4242, .thread = "lkvm-main" };
	char buf[256];

	crash_format(buf, sizeof(buf), &ci);
	CHECK_STR(buf, "lkvm: fatal: SIGBUS sent by process 4242 in thread lkvm-main\n");
}

static void test_format_cut(void)
{
	struct crash_info ci = { .sig = SIGABRT, .si_code = SI_TKILL,
				 .thread = "lkvm-virtio-9p0" };
	char buf[24];
	size_t n = crash_format(buf, sizeof(buf), &ci);

	/* Cut to the room, and still one whole line. */
	CHECK_EQ(n, sizeof(buf) - 1);
	CHECK_STR(buf, "lkvm: fatal: SIGABRT i\n");
	CHECK_EQ(crash_format(buf, 0, &ci), 0);
}

static void test_thread_name(void)
{
	crash_set_thread_name("a-name-longer-than-fifteen");
	CHECK_STR(crash_thread_name(), "a-name-longer-t");
	crash_set_thread_name("");
	CHECK(crash_thread_name() == NULL);
}

/* Returns the pointer through memory the compiler cannot see into. */
static volatile int *wild_pointer(void)
{
	static volatile uintptr_t addr = 0x10;

	return (volatile int *)addr;
}

static void test_real_fault(void)
{
	int pipefd[2], status = 0;
	char out[1024] = { 0 };
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	CHECK_EQ(pipe(pipefd), 0);
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], STDERR_FILENO);
		crash_report_install();
		crash_set_thread_name("crash-test");
		*wild_pointer() = 1;
		_exit(0);
	}
	close(pipefd[1]);
	while (len < sizeof(out) - 1 &&
	       (n = read(pipefd[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += (size_t)n;
	close(pipefd[0]);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	/* The report, then death by the same signal: status 139 in a shell. */
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
	CHECK(strstr(out, "lkvm: fatal: SIGSEGV at address 0x10 in thread crash-test, pc lkvm+0x") == out);
	CHECK(strstr(out, "; backtrace: lkvm+0x") != NULL);
	CHECK(len > 0 && out[len - 1] == '\n');
}

static const struct unit_test tests[] = {
	{ "crash_format_fault", test_format_fault },
	{ "crash_format_unknown", test_format_unknown },
	{ "crash_format_sent", test_format_sent },
	{ "crash_format_cut", test_format_cut },
	{ "crash_thread_name", test_thread_name },
	{ "crash_real_fault", test_real_fault },
};

UNIT_MAIN(tests)

/*
 * ptyrun: runs a command on a new pseudo-terminal, the way a user's
 * terminal would, and checks what it does to the terminal settings.
 *
 *   ptyrun WAIT SEND [--then WAIT2 SEND2] [--signal SIG] -- COMMAND...
 *
 * Waits until the command's output contains WAIT, records whether the
 * terminal is in raw mode then, writes SEND to the terminal (or, with
 * --signal, sends SIG to the command instead); with --then, waits until
 * the output also contains WAIT2 and writes SEND2; waits for the command, and
 * prints "raw_while_running=0|1 restored=0|1 status=N" and everything the
 * command printed; "status=hung" if the command had not ended when the
 * hang guard (HANG_SECONDS for the whole run) ran out. Exit status 0
 * unless ptyrun itself failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/*
 * Only a guard against a command that never ends: a sandbox boot on a
 * loaded build machine took more than the 60 s this used to be.
 */
#define HANG_SECONDS 600

static char output[1 << 16];
static size_t output_len;

/* Reads what is available within @ms milliseconds. */
static void drain(int master, int ms)
{
	struct pollfd p = { .fd = master, .events = POLLIN };

	while (poll(&p, 1, ms) > 0) {
		ssize_t n = read(master, output + output_len,
				 sizeof(output) - 1 - output_len);

		if (n <= 0)
			break;
		output_len += (size_t)n;
		output[output_len] = '\0';
		ms = 50;
	}
}

/* Until the output holds @text, or @deadline. */
static void wait_output(int master, const char *text, time_t deadline)
{
	while (!strstr(output, text) && time(NULL) < deadline)
		drain(master, 200);
}

/* One byte at a time, as typed. */
static void type(int master, const char *text)
{
	for (const char *c = text; *c; c++) {
		if (write(master, c, 1) != 1)
			break;
		usleep(20000);
	}
}

static bool is_raw(int fd)
{
	struct termios t;

	return !tcgetattr(fd, &t) && !(t.c_lflag & (ICANON | ECHO));
}

int main(int argc, char **argv)
{
	const char *wait_for, *send, *wait2 = NULL, *send2 = NULL;
	int sig = 0, argi = 3, master, slave, status = 0;
	bool raw_running = false, restored;
	struct termios cooked;
	pid_t pid, done;
	time_t deadline;

	if (argc < 5) {
		printf("ptyrun: usage: ptyrun WAIT SEND [--then WAIT2 SEND2] [--signal SIG] -- COMMAND...\n");
		return 2;
	}
	wait_for = argv[1];
	send = argv[2];
	if (argi + 2 < argc && !strcmp(argv[argi], "--then")) {
		wait2 = argv[argi + 1];
		send2 = argv[argi + 2];
		argi += 3;
	}
	if (argi + 1 < argc && !strcmp(argv[argi], "--signal")) {
		sig = atoi(argv[argi + 1]);
		argi += 2;
	}
	if (strcmp(argv[argi++], "--")) {
		printf("ptyrun: expected -- before the command\n");
		return 2;
	}

	/* Failures are printed on stdout: the test shows only the output. */
	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) || unlockpt(master)) {
		printf("ptyrun: no pseudo-terminal: %s\n", strerror(errno));
		return 1;
	}
	slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	if (slave < 0 || tcgetattr(slave, &cooked)) {
		printf("ptyrun: cannot open the terminal's other side: %s\n",
		       strerror(errno));
		return 1;
	}
	cooked.c_lflag |= ICANON | ECHO | ISIG;
	tcsetattr(slave, TCSANOW, &cooked);

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("ptyrun: fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		setsid();
		ioctl(slave, TIOCSCTTY, 0);
		dup2(slave, 0);
		dup2(slave, 1);
		dup2(slave, 2);
		close(master);
		execvp(argv[argi], argv + argi);
		fprintf(stderr, "ptyrun: %s: %s\n", argv[argi], strerror(errno));
		_exit(127);
	}
	deadline = time(NULL) + HANG_SECONDS;
	wait_output(master, wait_for, deadline);
	raw_running = is_raw(slave);
	if (sig)
		kill(pid, sig);
	else
		type(master, send);
	if (wait2) {
		wait_output(master, wait2, deadline);
		type(master, send2);
	}
	while ((done = waitpid(pid, &status, WNOHANG)) == 0 &&
	       time(NULL) < deadline)
		drain(master, 100);
	drain(master, 100);
	restored = !is_raw(slave);
	printf("raw_while_running=%d restored=%d ", raw_running, restored);
	if (done != pid)
		printf("status=hung\n");
	else
		printf("status=%d\n", WIFEXITED(status) ? WEXITSTATUS(status) :
				       WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1);
	fwrite(output, 1, output_len, stdout);
	return 0;
}

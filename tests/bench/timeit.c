/*
 * timeit [-e FILE] [-u TEXT] [-l SECONDS] RUNS COMMAND [ARGS...] [:: COMMAND [ARGS...]]...
 *
 * Runs each COMMAND RUNS times, interleaved (round i runs every command
 * once, starting with command i modulo their number, so that a slow
 * spell of a shared machine falls on all of them alike), output
 * discarded, and prints one line per command:
 *
 *   wall median MS min MS max MS cpu median MS min MS max MS
 *   maxrss KIB runs N [hung H] status S
 *
 * wall: fork to exit. cpu: user + system time of the command and its
 * threads (and of the children it waited for), from wait4(). maxrss:
 * the largest resident set of any run. A run that fails (status S not
 * 0) ends the measurement; the lines then count the runs made.
 * -e FILE appends the commands' standard error to FILE.
 * -l SECONDS (default RUN_LIMIT_S): a run still going after SECONDS is
 * killed (SIGKILL) and counted as hung, not measured; the measurement
 * goes on. A reference VMM that now and then never exits (kvmtool with
 * 8 vcpus, in the nested test host) must not stall the whole benchmark.
 * -u TEXT ends each run when TEXT first appears on the command's standard
 * output (a guest's first line: how long until it runs): wall is fork to
 * then, cpu the user + system time the command and its threads had used
 * by then (/proc/PID/stat, in clock ticks, 10 ms as a rule); the command
 * is then sent SIGTERM and waited for. A run in which TEXT does not
 * appear within UNTIL_LIMIT_S seconds, or the command exits first, fails.
 * No thresholds: benchmarks print numbers.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CMDS 8
#define UNTIL_LIMIT_S 600
#define RUN_LIMIT_S 600

struct cmd {
	char **argv;
	double *wall, *cpu;
	long maxrss;
	int runs, hung, status;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double tv_ms(struct timeval tv)
{
	return tv.tv_sec * 1e3 + tv.tv_usec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* User + system time of @pid and its live and ended threads, in ms. */
static double proc_cpu_ms(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long utime, stime;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	/* After the command name, which may hold spaces: "pid (comm) S ..." */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &utime, &stime) != 2)
		return -1;
	return (double)(utime + stime) * 1e3 / (double)sysconf(_SC_CLK_TCK);
}

/*
 * Reads @fd until @text shows (0), the command closes it (-1) or the
 * limit passes (-1). @text may arrive split over reads.
 */
static int wait_for_text(int fd, const char *text, double deadline)
{
	size_t tlen = strlen(text), have = 0;
	char buf[8192];

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		double left = deadline - now_ms();
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left + 1) < 0)
			return -1;
		if (!pfd.revents)
			continue;
		n = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (n <= 0)
			return -1;
		have += (size_t)n;
		buf[have] = 0;
		if (memmem(buf, have, text, tlen))
			return 0;
		/* Keep the tail that could start @text. */
		if (have >= tlen) {
			memmove(buf, buf + have - (tlen - 1), tlen - 1);
			have = tlen - 1;
		}
	}
}

/*
 * Waits up to @limit_s seconds for @pid to exit: 0 when it did (reap it
 * with wait4()), -1 when it did not and has been killed and reaped.
 */
static int wait_exit_within(pid_t pid, int limit_s)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0), ready;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (fd < 0)
		return 0;	/* no pidfd: wait4() waits without a limit */
	do {
		ready = poll(&p, 1, limit_s * 1000);
	} while (ready < 0 && errno == EINTR);
	close(fd);
	if (ready)
		return 0;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

/*
 * One run of @c, its stderr to @err_fd; returns its wait status. With
 * @until, the run ends when @until appears on its stdout (see above).
 */
static int run_once(struct cmd *c, int err_fd, const char *until,
		    int limit_s)
{
	double start = now_ms(), end = 0, cpu = 0;
	int out[2] = { -1, -1 };
	struct rusage ru;
	int status = 0;
	pid_t pid;

	if (until && pipe2(out, O_CLOEXEC)) {
		perror("timeit: pipe");
		exit(1);
	}
	pid = fork();
	if (pid < 0) {
		perror("timeit: fork");
		exit(1);
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(until ? out[1] : null, 1);
		dup2(err_fd >= 0 ? err_fd : null, 2);
		execvp(c->argv[0], c->argv);
		_exit(127);
	}
	if (until) {
		bool seen;

		close(out[1]);
		seen = !wait_for_text(out[0], until,
				      start + UNTIL_LIMIT_S * 1e3);
		end = now_ms();
		cpu = proc_cpu_ms(pid);
		kill(pid, SIGTERM);
		close(out[0]);
		if (!seen || cpu < 0) {
			fprintf(stderr, "timeit: %s did not print \"%s\"\n",
				c->argv[0], until);
			c->status = 1 << 8;
			waitpid(pid, NULL, 0);
			return c->status;
		}
	}
	if (!until && wait_exit_within(pid, limit_s)) {
		fprintf(stderr, "timeit: %s still ran after %d s: killed\n",
			c->argv[0], limit_s);
		c->hung++;
		return 0;
	}
	if (wait4(pid, &status, 0, &ru) != pid) {
		perror("timeit: wait4");
		exit(1);
	}
	if (until) {
		/* Ended by the SIGTERM: what counts is that the text came. */
		status = 0;
	} else {
		end = now_ms();
		cpu = tv_ms(ru.ru_utime) + tv_ms(ru.ru_stime);
	}
	c->wall[c->runs] = end - start;
	c->cpu[c->runs] = cpu;
	if (ru.ru_maxrss > c->maxrss)
		c->maxrss = ru.ru_maxrss;
	c->runs++;
	return status;
}

static void print_stats(const char *what, double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	printf("%s median %.2f min %.2f max %.2f ms", what, v[n / 2], v[0],
	       v[n - 1]);
}

int main(int argc, char **argv)
{
	struct cmd cmds[MAX_CMDS] = { 0 };
	int runs, n = 0, first = 2, err_fd = -1, limit_s = RUN_LIMIT_S;
	const char *until = NULL;
	int failed = 0;

	for (; argc > first + 1 && argv[first - 1][0] == '-'; first += 2) {
		if (!strcmp(argv[first - 1], "-u") && argv[first][0]) {
			until = argv[first];
			continue;
		}
		if (!strcmp(argv[first - 1], "-l") && atoi(argv[first]) > 0) {
			limit_s = atoi(argv[first]);
			continue;
		}
		if (strcmp(argv[first - 1], "-e"))
			break;
		err_fd = open(argv[first],
			      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (err_fd < 0) {
			perror(argv[first]);
			return 1;
		}
	}
	runs = argc > first ? atoi(argv[first - 1]) : 0;
	if (runs <= 0) {
		fprintf(stderr,
			"usage: timeit [-e FILE] [-u TEXT] [-l SECONDS] RUNS COMMAND [ARGS...] [:: COMMAND [ARGS...]]...\n");
		return 2;
	}
	for (int i = first; i < argc; i++) {
		/* Each "::" becomes the end of the command before it. */
		if (i == first || !argv[i - 1]) {
			if (n == MAX_CMDS || !strcmp(argv[i], "::")) {
				fprintf(stderr, "timeit: an empty command, or more than %d\n",
					MAX_CMDS);
				return 2;
			}
			cmds[n].argv = argv + i;
			cmds[n].wall = calloc((size_t)runs, sizeof(double));
			cmds[n].cpu = calloc((size_t)runs, sizeof(double));
			if (!cmds[n].wall || !cmds[n].cpu)
				return 1;
			n++;
		}
		if (!strcmp(argv[i], "::"))
			argv[i] = NULL;
	}
	for (int r = 0; r < runs && !failed; r++) {
		for (int k = 0; k < n && !failed; k++) {
			struct cmd *c = &cmds[(r + k) % n];

			c->status = run_once(c, err_fd, until, limit_s);
			failed = !WIFEXITED(c->status) || WEXITSTATUS(c->status);
		}
	}
	for (int k = 0; k < n; k++) {
		struct cmd *c = &cmds[k];
		int s = c->status;

		if (!c->runs) {
			printf("runs 0 hung %d\n", c->hung);
			continue;
		}
		print_stats("wall", c->wall, c->runs);
		print_stats(" cpu", c->cpu, c->runs);
		printf(" maxrss %ld KiB runs %d", c->maxrss, c->runs);
		if (c->hung)
			printf(" hung %d", c->hung);
		printf(" status %d\n",
		       WIFEXITED(s) ? WEXITSTATUS(s) : 128 + WTERMSIG(s));
	}
	return 0;
}

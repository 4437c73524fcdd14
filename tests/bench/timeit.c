/*
 * timeit [-e FILE] RUNS COMMAND [ARGS...] [:: COMMAND [ARGS...]]...
 *
 * Runs each COMMAND RUNS times, interleaved (round i runs every command
 * once, starting with command i modulo their number, so that a slow
 * spell of a shared machine falls on all of them alike), output
 * discarded, and prints one line per command:
 *
 *   wall median MS min MS max MS cpu median MS min MS max MS
 *   maxrss KIB runs N status S
 *
 * wall: fork to exit. cpu: user + system time of the command and its
 * threads (and of the children it waited for), from wait4(). maxrss:
 * the largest resident set of any run. A run that fails (status S not
 * 0) ends the measurement; the lines then count the runs made.
 * -e FILE appends the commands' standard error to FILE.
 * No thresholds: benchmarks print numbers.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CMDS 8

struct cmd {
	char **argv;
	double *wall, *cpu;
	long maxrss;
	int runs, status;
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

/* One run of @c, its stderr to @err_fd; returns its wait status. */
static int run_once(struct cmd *c, int err_fd)
{
	double start = now_ms();
	struct rusage ru;
	int status = 0;
	pid_t pid = fork();

	if (pid < 0) {
		perror("timeit: fork");
		exit(1);
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(err_fd >= 0 ? err_fd : null, 2);
		execvp(c->argv[0], c->argv);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) != pid) {
		perror("timeit: wait4");
		exit(1);
	}
	c->wall[c->runs] = now_ms() - start;
	c->cpu[c->runs] = tv_ms(ru.ru_utime) + tv_ms(ru.ru_stime);
	if (ru.ru_maxrss > c->maxrss)
		c->maxrss = ru.ru_maxrss;
	c->runs++;
	return status;
}

static void print_stats(const char *what, double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	printf("%s median %.1f min %.1f max %.1f ms", what, v[n / 2], v[0],
	       v[n - 1]);
}

int main(int argc, char **argv)
{
	struct cmd cmds[MAX_CMDS] = { 0 };
	int runs, n = 0, first = 2, err_fd = -1;
	int failed = 0;

	if (argc > 2 && !strcmp(argv[1], "-e")) {
		err_fd = open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			      0644);
		if (err_fd < 0) {
			perror(argv[2]);
			return 1;
		}
		first = 4;
	}
	runs = argc > first ? atoi(argv[first - 1]) : 0;
	if (runs <= 0) {
		fprintf(stderr,
			"usage: timeit [-e FILE] RUNS COMMAND [ARGS...] [:: COMMAND [ARGS...]]...\n");
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

			c->status = run_once(c, err_fd);
			failed = !WIFEXITED(c->status) || WEXITSTATUS(c->status);
		}
	}
	for (int k = 0; k < n; k++) {
		struct cmd *c = &cmds[k];
		int s = c->status;

		if (!c->runs) {
			printf("runs 0\n");
			continue;
		}
		print_stats("wall", c->wall, c->runs);
		print_stats(" cpu", c->cpu, c->runs);
		printf(" maxrss %ld KiB runs %d status %d\n", c->maxrss,
		       c->runs, WIFEXITED(s) ? WEXITSTATUS(s) : 128 + WTERMSIG(s));
	}
	return 0;
}

/*
 * timeit N COMMAND [ARGS...]: runs COMMAND N times (output discarded)
 * and prints "median MS min MS max MS runs N status S" with wall-clock
 * times from fork to exit. No thresholds: benchmarks print numbers.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[1]) : 0;
	double *t;
	int status = 0;

	if (n <= 0) {
		fprintf(stderr, "usage: timeit N COMMAND [ARGS...]\n");
		return 2;
	}
	t = calloc((size_t)n, sizeof(*t));
	if (!t)
		return 1;
	for (int i = 0; i < n; i++) {
		double start = now_ms();
		pid_t pid = fork();

		if (pid == 0) {
			int null = open("/dev/null", O_RDWR);

			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			execvp(argv[2], argv + 2);
			_exit(127);
		}
		waitpid(pid, &status, 0);
		t[i] = now_ms() - start;
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			break;
	}
	qsort(t, (size_t)n, sizeof(*t), cmp);
	printf("median %.1f ms min %.1f ms max %.1f ms runs %d status %d\n",
	       t[n / 2], t[0], t[n - 1], n,
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	free(t);
	return 0;
}

/*
 * heartbeat [MS]: runs inside a Linux guest and prints a numbered line
 * every MS milliseconds (10 by default), forever:
 *
 *   @@L2 beat=N
 *
 * The first line after a boot or a restore is the moment the guest is
 * seen to run: tests/bench/snapshot.sh times `lkvm run` and `lkvm
 * restore` to it. The period bounds how late that line can come.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long ms = argc > 1 ? atol(argv[1]) : 10;
	struct timespec period;

	if (ms <= 0 || ms > 10000) {
		fprintf(stderr, "usage: heartbeat [MS (1-10000)]\n");
		return 2;
	}
	period.tv_sec = ms / 1000;
	period.tv_nsec = ms % 1000 * 1000000;
	for (unsigned long n = 0;; n++) {
		char line[40];
		int len = snprintf(line, sizeof(line), "@@L2 beat=%lu\n", n);

		/* One write per line: a line is never split by buffering. */
		if (write(STDOUT_FILENO, line, (size_t)len) != len)
			return 1;
		nanosleep(&period, NULL);
	}
}

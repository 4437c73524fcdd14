// SPDX-License-Identifier: GPL-2.0
#include <lkvm/compiler.h>
#include <lkvm/deadline.h>

#include <errno.h>
#include <poll.h>

int wait_fd_until(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	for (;;) {
		int64_t left = deadline - monotonic_ms();
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		/* A signal (EINTR) only shortens one wait, never the deadline. */
		n = poll(&pfd, 1, (int)MIN(left, 1000000));
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

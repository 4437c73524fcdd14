/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_DEADLINE_H
#define LKVM_DEADLINE_H

#include <stdint.h>
#include <time.h>

/*
 * Milliseconds on the monotonic clock: what every timeout and deadline
 * in lkvm is counted in (a wall clock set back must not stretch one).
 */
static inline int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Waits until @fd has one of @events (poll(2) bits) or @deadline
 * (monotonic_ms()) passes: 0, -ETIMEDOUT, or a negative errno.
 */
int wait_fd_until(int fd, short events, int64_t deadline);

#endif

// SPDX-License-Identifier: GPL-2.0
#include <lkvm/log.h>

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/*
 * The only file-level mutable state outside struct vm: the log threshold
 * is process-wide by nature and written before threads exist.
 */
static atomic_int log_threshold = LOG_INFO;

static const char *const level_names[] = {
	[LOG_ERROR] = "error",
	[LOG_WARNING] = "warning",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};

/* Process start, for the debug timestamps; set with the log level. */
static struct timespec log_start;

/*
 * Where the calling thread keeps its first error line, while it wants
 * it (log_capture_first_error()): each thread's own, like its name.
 */
static __thread char *capture_buf;
static __thread size_t capture_len;

void log_capture_first_error(char *buf, size_t len)
{
	capture_buf = len ? buf : NULL;
	capture_len = len;
	if (capture_buf)
		capture_buf[0] = 0;
}

static double ms_between(const struct timespec *from, const struct timespec *to)
{
	return (double)(to->tv_sec - from->tv_sec) * 1e3 +
	       (double)(to->tv_nsec - from->tv_nsec) / 1e6;
}

void log_set_level(enum log_level level)
{
	atomic_store(&log_threshold, level);
	if (!log_start.tv_sec)
		clock_gettime(CLOCK_MONOTONIC, &log_start);
}

enum log_level log_get_level(void)
{
	return atomic_load(&log_threshold);
}

int log_parse_level(const char *name, enum log_level *level)
{
	for (size_t i = 0; i < ARRAY_SIZE(level_names); i++) {
		if (!strcasecmp(name, level_names[i])) {
			*level = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	if ((int)level > atomic_load(&log_threshold))
		return;

	if (level == LOG_DEBUG) {
		/*
		 * Debug lines carry the wall time since the log level was set
		 * and the CPU time of every thread since exec: a profile of
		 * start-up and tear-down (Documentation/testing.md).
		 */
		struct timespec now, cpu, zero = { 0 };

		clock_gettime(CLOCK_MONOTONIC, &now);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
		n = snprintf(line, sizeof(line),
			     "lkvm: debug: [%8.3f ms, cpu %7.3f ms] ",
			     ms_between(&log_start, &now), ms_between(&zero, &cpu));
	} else {
		n = snprintf(line, sizeof(line), "lkvm: %s: ",
			     level_names[level]);
	}
	va_start(ap, fmt);
	if (level == LOG_ERROR && capture_buf && !capture_buf[0]) {
		va_list copy;

		va_copy(copy, ap);
		vsnprintf(capture_buf, capture_len, fmt, copy);
		va_end(copy);
	}
	n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	/* One write per line so that lines from different threads never mix. */
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

bool log_ratelimit_ok(struct log_ratelimit *rl, unsigned int burst)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (ts.tv_sec != rl->window) {
		rl->window = ts.tv_sec;
		rl->count = 0;
	}
	return rl->count++ < burst;
}

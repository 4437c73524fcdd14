/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_LOG_H
#define LKVM_LOG_H

#include <lkvm/compiler.h>

enum log_level {
	LOG_ERROR,
	LOG_WARNING,
	LOG_INFO,
	LOG_DEBUG,
};

/*
 * The threshold is set once by the builtin before any thread starts;
 * every later call only reads it.
 */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
int log_parse_level(const char *name, enum log_level *level);

/* Writes "lkvm: <level>: <message>\n" to stderr as one write(). */
void log_msg(enum log_level level, const char *fmt, ...) __printf(2, 3);

/*
 * From now on the calling thread's first error line (its message, without
 * "lkvm: error: ") is also kept in @buf, for a caller that must tell it
 * to someone else (a migration's source); @len 0 stops.
 */
void log_capture_first_error(char *buf, size_t len);

#define pr_err(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define pr_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/*
 * True at most @burst times per second for one @rl: guards log lines that
 * a guest can trigger at will, so it cannot flood the host's log. Keep
 * one struct log_ratelimit per message source (in the device's state).
 */
struct log_ratelimit {
	long long window;
	unsigned int count;
};
bool log_ratelimit_ok(struct log_ratelimit *rl, unsigned int burst);

#endif

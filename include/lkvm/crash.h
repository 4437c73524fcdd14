/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_CRASH_H
#define LKVM_CRASH_H

#include <lkvm/compiler.h>

/*
 * What lkvm says when it crashes. A fatal signal (SIGSEGV, SIGBUS,
 * SIGILL, SIGFPE, SIGABRT) prints one line naming the signal, the fault
 * address, the thread and the code addresses of the call chain as
 * offsets into the lkvm binary (`addr2line -e lkvm OFFSET` names them),
 * puts the terminal back, and then dies of the same signal, so the exit
 * status and any core dump are what they would have been.
 */

/* Installs the handlers; call once, early in main(). */
void crash_report_install(void);

/*
 * Names the calling thread in crash and seccomp reports (at most 15
 * characters are kept). Async-signal-safe to read: crash_thread_name().
 */
void crash_set_thread_name(const char *name);
const char *crash_thread_name(void);

#define CRASH_MAX_FRAMES 24

struct crash_info {
	int sig;
	int si_code;
	uintptr_t fault_addr;
	long sender;		 /* another process that sent it, or 0 */
	const char *thread;	 /* NULL: unknown */
	uintptr_t base;		 /* where the lkvm binary is loaded */
	uintptr_t pc;		 /* 0: unknown */
	const uintptr_t *frames; /* return addresses, innermost first */
	unsigned int nr_frames;
};

/*
 * Formats @ci as the report line, newline included, into @buf (always
 * NUL-terminated when @size > 0; a report that does not fit is cut).
 * Pure and async-signal-safe. Returns the length written.
 */
size_t crash_format(char *buf, size_t size, const struct crash_info *ci);

#endif

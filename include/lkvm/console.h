/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_CONSOLE_H
#define LKVM_CONSOLE_H

#include <lkvm/compiler.h>

#include <termios.h>

/*
 * The host side of the guest console: stdin in raw mode when it is a
 * terminal (restored on every exit path), the Ctrl-A x escape, and the
 * device that currently receives typed input.
 */
struct console {
	int in_fd;
	int out_fd;
	bool raw;
	struct termios saved;
	bool escape_pending;
	bool in_eof;
	/* Receives host input for the guest. */
	void (*input)(void *opaque, const uint8_t *buf, size_t len);
	/* Signals a break condition (serial consoles; may be NULL). */
	void (*input_break)(void *opaque);
	void *input_opaque;
};

void console_init_fds(struct console *con, int in_fd, int out_fd);
/* Raw mode when the input is a terminal; a no-op otherwise. */
int console_enter_raw(struct console *con);
void console_restore(struct console *con);
/* Async-signal-safe: puts the terminal back from a fatal-signal handler. */
void console_restore_after_crash(void);

/* Output from the guest; short writes are retried. */
void console_write(struct console *con, const void *buf, size_t len);

enum console_event {
	CONSOLE_NONE,
	CONSOLE_QUIT,		/* the user typed Ctrl-A x */
};

/*
 * Feeds bytes read from the host terminal: passes them to the input
 * device and handles the escape sequence. Pure apart from the callback.
 */
enum console_event console_feed(struct console *con, const uint8_t *buf,
				size_t len);

/*
 * Magic SysRq on a serial console: a break, then @key. Returns 0, or
 * -EOPNOTSUPP when the console device cannot signal a break.
 */
int console_sysrq(struct console *con, uint8_t key);

#endif

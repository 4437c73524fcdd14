// SPDX-License-Identifier: GPL-2.0
#include <lkvm/console.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#define CTRL_A 0x01

/*
 * A copy of the terminal settings for the fatal-signal handlers (the
 * crash report in crash.c, seccomp's SIGSYS), which have no other way to
 * reach them. Written once before raw mode starts.
 */
static struct termios crash_restore_termios;
static volatile sig_atomic_t crash_restore_fd = -1;

void console_restore_after_crash(void)
{
	if (crash_restore_fd >= 0)
		tcsetattr(crash_restore_fd, TCSANOW, &crash_restore_termios);
}

void console_init_fds(struct console *con, int in_fd, int out_fd)
{
	memset(con, 0, sizeof(*con));
	con->in_fd = in_fd;
	con->out_fd = out_fd;
}

int console_enter_raw(struct console *con)
{
	int in_fd = con->in_fd;
	struct termios raw;

	if (!isatty(in_fd) || tcgetattr(in_fd, &con->saved) < 0)
		return 0;

	crash_restore_termios = con->saved;
	crash_restore_fd = in_fd;

	/* Every key goes to the guest; output processing stays as it was. */
	raw = con->saved;
	raw.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR |
				   IGNCR | ICRNL | IXON);
	raw.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(in_fd, TCSANOW, &raw) < 0)
		return -errno;
	con->raw = true;
	return 0;
}

void console_restore(struct console *con)
{
	if (!con->raw)
		return;
	tcsetattr(con->in_fd, TCSANOW, &con->saved);
	con->raw = false;
	crash_restore_fd = -1;
}

void console_write(struct console *con, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(con->out_fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;	/* the reader went away: drop output */
		p += n;
		len -= (size_t)n;
	}
}

static void flush_input(struct console *con, const uint8_t *buf, size_t *n)
{
	if (con->input && *n)
		con->input(con->input_opaque, buf, *n);
	*n = 0;
}

enum console_event console_feed(struct console *con, const uint8_t *buf,
				size_t len)
{
	uint8_t out[256];
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = buf[i];

		if (n + 2 > sizeof(out))
			flush_input(con, out, &n);
		if (!con->escape_pending) {
			if (c == CTRL_A)
				con->escape_pending = true;
			else
				out[n++] = c;
			continue;
		}
		con->escape_pending = false;
		if (c == 'x') {
			flush_input(con, out, &n);
			return CONSOLE_QUIT;
		}
		/* Ctrl-A Ctrl-A sends one Ctrl-A; other pairs pass through. */
		if (c != CTRL_A)
			out[n++] = CTRL_A;
		out[n++] = c;
	}
	flush_input(con, out, &n);
	return CONSOLE_NONE;
}

int console_sysrq(struct console *con, uint8_t key)
{
	if (!con->input || !con->input_break)
		return -EOPNOTSUPP;
	/* Linux treats the next character after a break as the SysRq key. */
	con->input_break(con->input_opaque);
	con->input(con->input_opaque, &key, 1);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The message that hands the guest init its command and this run's
 * settings (include/lkvm/sandbox_wire.h): built before the VM runs,
 * stamped with the wall clock when the channel sends it.
 */
#include <lkvm/sandbox.h>
#include <lkvm/sandbox_wire.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct wire {
	uint8_t *buf;
	size_t len, cap;
	int err;
};

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put(struct wire *w, uint8_t type, const void *v, size_t len)
{
	size_t need = SBX_WIRE_ENTRY_HEADER + len;

	if (w->err)
		return;
	if (len > SBX_WIRE_MAX || w->len + need > SBX_WIRE_MAX) {
		w->err = -E2BIG;
		return;
	}
	if (w->len + need > w->cap) {
		size_t cap = MAX(w->cap * 2, w->len + need);
		uint8_t *nb = realloc(w->buf, cap);

		if (!nb) {
			w->err = -ENOMEM;
			return;
		}
		w->buf = nb;
		w->cap = cap;
	}
	w->buf[w->len] = type;
	put_le32(w->buf + w->len + 1, (uint32_t)len);
	if (len)
		memcpy(w->buf + w->len + SBX_WIRE_ENTRY_HEADER, v, len);
	w->len += need;
}

static void put_str(struct wire *w, uint8_t type, const char *s)
{
	if (s)
		put(w, type, s, strlen(s));
}

int sandbox_command_build(const struct sandbox_run *run, uint8_t **out,
			  size_t *out_len)
{
	struct wire w = { .cap = 4096 };
	uint8_t tty = run->tty, zero[8] = { 0 };

	w.buf = malloc(w.cap);
	if (!w.buf)
		return -ENOMEM;
	/* The header, then the clock first: sandbox_command_stamp() finds it. */
	w.len = SBX_WIRE_HEADER;
	put(&w, SBX_WIRE_REALTIME, zero, sizeof(zero));
	put(&w, SBX_WIRE_SEED, run->seed, sizeof(run->seed));
	put_str(&w, SBX_WIRE_CWD, run->cwd);
	put_str(&w, SBX_WIRE_HOSTNAME, run->hostname);
	put(&w, SBX_WIRE_TTY, &tty, 1);
	put_str(&w, SBX_WIRE_TERM, run->term);
	if (run->script)
		put(&w, SBX_WIRE_SCRIPT, run->script, run->script_len);
	put_str(&w, SBX_WIRE_PATH, run->path);
	for (int i = 0; i < run->argc; i++)
		put_str(&w, SBX_WIRE_ARG, run->argv[i]);
	if (w.err) {
		free(w.buf);
		return w.err;
	}
	memcpy(w.buf, SBX_WIRE_MAGIC, 4);
	put_le32(w.buf + 4, (uint32_t)(w.len - SBX_WIRE_HEADER));
	*out = w.buf;
	*out_len = w.len;
	return 0;
}

void sandbox_command_stamp(uint8_t *msg, uint64_t realtime_ns)
{
	uint8_t *v = msg + SBX_WIRE_HEADER + SBX_WIRE_ENTRY_HEADER;

	for (int i = 0; i < 8; i++)
		v[i] = (uint8_t)(realtime_ns >> (8 * i));
}

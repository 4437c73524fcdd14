/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_P9_WIRE_H
#define LKVM_P9_WIRE_H

#include <lkvm/p9.h>

#include <string.h>

/*
 * 9P wire encoding: little-endian integers, strings as len[2] + bytes
 * (no terminator). A reader never reads past its buffer: a field that
 * does not fit sets @bad and reads as zero, so a handler parses every
 * field first and checks @bad once before acting. A writer never writes
 * past its capacity: what does not fit sets @overflow.
 */

struct p9_in {
	const uint8_t *buf;
	size_t len;
	size_t off;
	bool bad;
};

struct p9_out {
	uint8_t *buf;
	size_t cap;
	size_t off;
	bool overflow;
};

/* A string inside the request: @len bytes at @s, not NUL-terminated. */
struct p9_str {
	const char *s;
	uint16_t len;
};

static inline const uint8_t *p9_take(struct p9_in *in, size_t n)
{
	const uint8_t *p;

	if (in->bad || in->len - in->off < n) {
		in->bad = true;
		return NULL;
	}
	p = in->buf + in->off;
	in->off += n;
	return p;
}

static inline uint64_t p9_get_le(struct p9_in *in, unsigned int n)
{
	const uint8_t *p = p9_take(in, n);
	uint64_t v = 0;

	for (unsigned int i = 0; p && i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static inline uint8_t p9_get8(struct p9_in *in)
{
	return (uint8_t)p9_get_le(in, 1);
}

static inline uint16_t p9_get16(struct p9_in *in)
{
	return (uint16_t)p9_get_le(in, 2);
}

static inline uint32_t p9_get32(struct p9_in *in)
{
	return (uint32_t)p9_get_le(in, 4);
}

static inline uint64_t p9_get64(struct p9_in *in)
{
	return p9_get_le(in, 8);
}

static inline struct p9_str p9_get_str(struct p9_in *in)
{
	struct p9_str str = { "", 0 };
	uint16_t len = p9_get16(in);
	const uint8_t *p = p9_take(in, len);

	if (p) {
		str.s = (const char *)p;
		str.len = len;
	}
	return str;
}

static inline size_t p9_in_left(const struct p9_in *in)
{
	return in->bad ? 0 : in->len - in->off;
}

static inline uint8_t *p9_room(struct p9_out *out, size_t n)
{
	uint8_t *p;

	if (out->overflow || out->cap - out->off < n) {
		out->overflow = true;
		return NULL;
	}
	p = out->buf + out->off;
	out->off += n;
	return p;
}

static inline void p9_put_le(struct p9_out *out, uint64_t v, unsigned int n)
{
	uint8_t *p = p9_room(out, n);

	for (unsigned int i = 0; p && i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void p9_put8(struct p9_out *out, uint8_t v)
{
	p9_put_le(out, v, 1);
}

static inline void p9_put16(struct p9_out *out, uint16_t v)
{
	p9_put_le(out, v, 2);
}

static inline void p9_put32(struct p9_out *out, uint32_t v)
{
	p9_put_le(out, v, 4);
}

static inline void p9_put64(struct p9_out *out, uint64_t v)
{
	p9_put_le(out, v, 8);
}

/* @len must fit 16 bits; callers bound their strings first. */
static inline void p9_put_str(struct p9_out *out, const char *s, size_t len)
{
	uint8_t *p;

	if (len > 0xffff) {
		out->overflow = true;
		return;
	}
	p9_put16(out, (uint16_t)len);
	p = p9_room(out, len);
	if (p)
		memcpy(p, s, len);
}

static inline void p9_put_qid(struct p9_out *out, const struct p9_qid *q)
{
	p9_put8(out, q->type);
	p9_put32(out, q->version);
	p9_put64(out, q->path);
}

#define P9_QID_SIZE 13U

#endif

// SPDX-License-Identifier: GPL-2.0
/* Length-prefixed Ethernet frames on a stream socket (passt's protocol). */
#include <lkvm/net_stream.h>

#include <errno.h>
#include <string.h>

void net_stream_init(struct net_stream *s, uint8_t *buf, size_t cap)
{
	s->buf = buf;
	s->cap = cap;
	s->start = s->end = 0;
}

uint8_t *net_stream_space(struct net_stream *s, size_t *room)
{
	if (s->start) {
		memmove(s->buf, s->buf + s->start, s->end - s->start);
		s->end -= s->start;
		s->start = 0;
	}
	*room = s->cap - s->end;
	return s->buf + s->end;
}

void net_stream_added(struct net_stream *s, size_t n)
{
	s->end += MIN(n, s->cap - s->end);
}

int net_stream_peek(const struct net_stream *s, uint32_t min, uint32_t max,
		    const uint8_t **frame, uint32_t *len)
{
	const uint8_t *p = s->buf + s->start;
	size_t have = s->end - s->start;
	uint32_t n;

	if (have < NET_STREAM_PREFIX)
		return 0;
	n = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
	    p[3];
	if (n < min || n > max || n > s->cap - NET_STREAM_PREFIX)
		return -EPROTO;
	if (have - NET_STREAM_PREFIX < n)
		return 0;
	*frame = p + NET_STREAM_PREFIX;
	*len = n;
	return 1;
}

void net_stream_consume(struct net_stream *s, uint32_t len)
{
	s->start += MIN((size_t)len + NET_STREAM_PREFIX, s->end - s->start);
	if (s->start == s->end)
		s->start = s->end = 0;
}

void net_stream_prefix(uint8_t out[NET_STREAM_PREFIX], uint32_t len)
{
	out[0] = (uint8_t)(len >> 24);
	out[1] = (uint8_t)(len >> 16);
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
}

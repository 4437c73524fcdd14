/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_NET_STREAM_H
#define LKVM_NET_STREAM_H

#include <lkvm/compiler.h>

/*
 * Ethernet frames over a stream socket, as passt (and QEMU's -netdev
 * stream) carry them: each frame is preceded by its length, 32 bits,
 * big-endian. Pure reassembly (net/stream.c): every byte comes from the
 * peer, so nothing here trusts a length before checking it.
 */

#define NET_STREAM_PREFIX 4U

struct net_stream {
	uint8_t *buf;
	size_t cap;		/* at least NET_STREAM_PREFIX + the largest frame */
	size_t start, end;	/* unconsumed bytes: buf[start, end) */
};

/* @buf of @cap bytes, owned by the caller. */
void net_stream_init(struct net_stream *s, uint8_t *buf, size_t cap);

/*
 * Where the next read() goes and how much fits (@room); moves the
 * unconsumed bytes to the front first, so a frame of up to cap - 4
 * bytes always fits once started.
 */
uint8_t *net_stream_space(struct net_stream *s, size_t *room);
/* @n bytes were read into the space net_stream_space() returned. */
void net_stream_added(struct net_stream *s, size_t n);

/*
 * The next whole frame. Peer-controlled: the length prefix. Checked: it
 * lies in [@min, @max] (and @max fits the buffer). Returns 1 with
 * @frame and @len (valid until the buffer changes), 0 when more bytes
 * are needed, or -EPROTO for a length outside the bounds: the stream can
 * no longer be followed.
 */
int net_stream_peek(const struct net_stream *s, uint32_t min, uint32_t max,
		     const uint8_t **frame, uint32_t *len);
/* Drops the frame net_stream_peek() returned. */
void net_stream_consume(struct net_stream *s, uint32_t len);

/* Writes the length prefix for a frame of @len bytes. */
void net_stream_prefix(uint8_t out[NET_STREAM_PREFIX], uint32_t len);

#endif

#include "harness.h"

#include <lkvm/net_stream.h>

#include <errno.h>

#define CAP (4 + 100)

static uint8_t buf[CAP];
static struct net_stream s;

/* Feeds @len bytes as if read() returned them, as far as they fit. */
static size_t feed(const uint8_t *p, size_t len)
{
	size_t room;
	uint8_t *space = net_stream_space(&s, &room);
	size_t n = MIN(room, len);

	memcpy(space, p, n);
	net_stream_added(&s, n);
	return n;
}

static void frame(uint8_t *out, uint32_t len, uint8_t fill)
{
	net_stream_prefix(out, len);
	memset(out + 4, fill, len);
}

static void test_prefix(void)
{
	uint8_t p[4];

	net_stream_prefix(p, 0x01020304);
	CHECK(p[0] == 1 && p[1] == 2 && p[2] == 3 && p[3] == 4);
}

static void test_whole_and_split(void)
{
	uint8_t in[3 * (4 + 60)];
	const uint8_t *f;
	uint32_t len;

	frame(in, 60, 0xaa);
	frame(in + 64, 14, 0xbb);
	frame(in + 64 + 18, 42, 0xcc);
	net_stream_init(&s, buf, CAP);
	CHECK_EQ(net_stream_peek(&s, 14, 100, &f, &len), 0);
	/* One byte at a time: a frame appears only once complete. */
	for (size_t i = 0; i < 63; i++) {
		CHECK_EQ(feed(in + i, 1), 1);
		CHECK_EQ(net_stream_peek(&s, 14, 100, &f, &len), 0);
	}
	feed(in + 63, 1);
	CHECK_EQ(net_stream_peek(&s, 14, 100, &f, &len), 1);
	CHECK_EQ(len, 60);
	CHECK(f[0] == 0xaa && f[59] == 0xaa);
	/* Peeking again gives the same frame. */
	CHECK_EQ(net_stream_peek(&s, 14, 100, &f, &len), 1);
	net_stream_consume(&s, len);
	/* Two frames in one read. */
	CHECK_EQ(feed(in + 64, 18 + 46), 64);
	CHECK_EQ(net_stream_peek(&s, 14, 100, &f, &len), 1);
	CHECK_EQ(len, 14);
	CHECK(f[0] == 0xbb);
	net_stream_consume(&s, len);
	CHECK_EQ(net_stream_peek(&s, 14, 100, &f, &len), 1);
	CHECK_EQ(len, 42);
	CHECK(f[41] == 0xcc);
	net_stream_consume(&s, len);
	CHECK_EQ(net_stream_peek(&s, 14, 100, &f, &len), 0);
}

/* A frame of the largest size still fits after a partial one moved. */
static void test_compaction(void)
{
	uint8_t a[4 + 50], b[4 + 100];
	const uint8_t *f;
	uint32_t len;
	size_t room;

	net_stream_init(&s, buf, CAP);
	frame(a, 50, 1);
	frame(b, 100, 2);
	feed(a, sizeof(a));
	CHECK_EQ(feed(b, 30), 30);
	CHECK_EQ(net_stream_peek(&s, 14, 100, &f, &len), 1);
	net_stream_consume(&s, len);
	CHECK_EQ(net_stream_peek(&s, 14, 100, &f, &len), 0);
	net_stream_space(&s, &room);
	CHECK_EQ(room, CAP - 30);
	CHECK_EQ(feed(b + 30, sizeof(b) - 30), sizeof(b) - 30);
	CHECK_EQ(net_stream_peek(&s, 14, 100, &f, &len), 1);
	CHECK_EQ(len, 100);
	CHECK(f[0] == 2 && f[99] == 2);
}

/* The peer decides every length: out-of-range ones end the stream. */
static void test_bad_lengths(void)
{
	static const uint32_t bad[] = { 0, 1, 13, 101, 0x7fffffff, 0xffffffff };
	const uint8_t *f;
	uint32_t len;
	uint8_t p[4];

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		net_stream_init(&s, buf, CAP);
		net_stream_prefix(p, bad[i]);
		feed(p, 4);
		CHECK_EQ(net_stream_peek(&s, 14, 100, &f, &len), -EPROTO);
	}
	/* A maximum larger than the buffer is capped by the buffer. */
	net_stream_init(&s, buf, CAP);
	net_stream_prefix(p, 101);
	feed(p, 4);
	CHECK_EQ(net_stream_peek(&s, 14, 1000, &f, &len), -EPROTO);
	/* Three bytes of a prefix are not a verdict yet. */
	net_stream_init(&s, buf, CAP);
	feed((const uint8_t[]){ 0xff, 0xff, 0xff }, 3);
	CHECK_EQ(net_stream_peek(&s, 14, 100, &f, &len), 0);
}

static const struct unit_test tests[] = {
	{ "prefix", test_prefix },
	{ "whole-and-split", test_whole_and_split },
	{ "compaction", test_compaction },
	{ "bad-lengths", test_bad_lengths },
};

UNIT_MAIN(tests)

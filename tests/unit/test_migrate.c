#include "harness.h"

#include <lkvm/guest_mem.h>
#include <lkvm/migrate_dest.h>
#include <lkvm/snapshot.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Feeds @len bytes to @r one at a time, as a slow socket would. */
static int feed(struct mig_reader *r, const uint8_t *p, size_t len)
{
	int ret = 0;

	for (size_t i = 0; i < len; i++) {
		uint8_t *dst;

		if (!mig_reader_want(r, &dst))
			return -ENOMEM;
		*dst = p[i];
		ret = mig_reader_advance(r, 1);
		if (ret)
			return ret;
	}
	return ret;
}

static void test_frame_roundtrip(void)
{
	uint8_t buf[64];
	struct mig_reader r;
	size_t n = mig_frame(buf, sizeof(buf), MIG_ZERO,
			     "0123456789abcdef", 16);

	CHECK_EQ(n, MIG_HDR_SIZE + 16);
	mig_reader_init(&r, MIG_FROM_SOURCE);
	CHECK_EQ(feed(&r, buf, n), 1);
	CHECK_EQ(r.hdr.type, MIG_ZERO);
	CHECK_EQ(r.hdr.len, 16);
	CHECK(!memcmp(mig_payload(&r), "0123456789abcdef", 16));
	CHECK_EQ(mig_frame_len(&r), n);
	/* The next frame starts afresh in the same reader. */
	n = mig_frame(buf, sizeof(buf), MIG_COMMIT, NULL, 0);
	CHECK_EQ(feed(&r, buf, n), 1);
	CHECK_EQ(r.hdr.type, MIG_COMMIT);
	mig_reader_fini(&r);
	/* Too small a buffer: nothing. */
	CHECK_EQ(mig_frame(buf, 20, MIG_ZERO, "0123456789abcdef", 16), 0);
}

/* Each header fault is caught from the header alone. */
static void test_header_faults(void)
{
	uint8_t buf[64];
	struct mig_hdr h;
	size_t n = mig_frame(buf, sizeof(buf), MIG_ZERO,
			     "0123456789abcdef", 16);

	CHECK_EQ(mig_hdr_decode(buf, MIG_HDR_SIZE - 1, MIG_FROM_SOURCE, &h),
		 -EAGAIN);
	CHECK_EQ(mig_hdr_decode(buf, n, MIG_FROM_SOURCE, &h), 0);
	/* A destination does not send pages; the VM does. */
	CHECK_EQ(mig_hdr_decode(buf, n, MIG_FROM_DEST, &h), -EPROTO);
	CHECK_EQ(mig_hdr_decode(buf, n, MIG_FROM_VM, &h), 0);
	CHECK_EQ(mig_hdr_decode(buf, n, MIG_FROM_CLIENT, &h), -EPROTO);
	buf[0] ^= 1;
	CHECK_EQ(mig_hdr_decode(buf, n, MIG_FROM_SOURCE, &h), -EBADMSG);
	buf[0] ^= 1;
	buf[4] = 2;
	CHECK_EQ(mig_hdr_decode(buf, n, MIG_FROM_SOURCE, &h), -EPROTONOSUPPORT);
	buf[4] = MIG_VERSION;
	/* ZERO is exactly 16 bytes; a 4 GiB length is refused unread. */
	mig_put_u32(buf + 8, 15);
	CHECK_EQ(mig_hdr_decode(buf, n, MIG_FROM_SOURCE, &h), -EMSGSIZE);
	mig_put_u32(buf + 8, 0xffffffffU);
	CHECK_EQ(mig_hdr_decode(buf, n, MIG_FROM_SOURCE, &h), -EMSGSIZE);
	mig_put_u32(buf + 8, 16);
	buf[6] = 0x7f;
	CHECK_EQ(mig_hdr_decode(buf, n, MIG_FROM_SOURCE, &h), -EPROTO);
}

static void test_crc(void)
{
	uint8_t buf[64];
	struct mig_reader r;
	size_t n = mig_frame(buf, sizeof(buf), MIG_STATE, "records", 7);

	buf[MIG_HDR_SIZE + 3] ^= 0x40;
	mig_reader_init(&r, MIG_FROM_SOURCE);
	CHECK_EQ(feed(&r, buf, n), -EILSEQ);
	mig_reader_fini(&r);
	CHECK(strstr(mig_read_error(-EILSEQ), "checksum"));
}

static void test_text(void)
{
	uint8_t buf[MIG_TEXT_FRAME_MAX];
	char out[8];
	char long_text[MIG_TEXT_MAX + 50];
	struct mig_reader r;

	memset(long_text, 'x', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = 0;
	CHECK_EQ(mig_text_frame(buf, sizeof(buf), MIG_FAILED, "%s", long_text),
		 MIG_HDR_SIZE + MIG_TEXT_MAX);
	mig_reader_init(&r, MIG_FROM_DEST);
	CHECK_EQ(feed(&r, buf, MIG_HDR_SIZE + MIG_TEXT_MAX), 1);
	mig_reader_fini(&r);
	mig_text((const uint8_t *)"a\x1b[2Jbcdefgh", 12, out, sizeof(out));
	CHECK_STR(out, "a?[2Jbc");
}

static void test_le(void)
{
	uint8_t p[8];

	mig_put_u64(p, 0x0102030405060708ULL);
	CHECK_EQ(p[0], 8);
	CHECK_EQ(p[7], 1);
	CHECK_EQ(mig_get_u64(p), 0x0102030405060708ULL);
	CHECK_EQ(mig_get_u32(p + 4), 0x01020304);
}

static void test_expected_ms(void)
{
	CHECK_EQ(mig_expected_ms(0, 100), 0);
	CHECK_EQ(mig_expected_ms(100, 100), 1000);
	CHECK_EQ(mig_expected_ms(1, 1000), 1);	/* rounded up */
	CHECK_EQ(mig_expected_ms(1, 0), UINT64_MAX);
	/* No overflow with huge byte counts. */
	CHECK_EQ(mig_expected_ms(UINT64_MAX / 2, UINT64_MAX / 2), 1000);
}

static void test_policy(void)
{
	struct mig_policy p = { .max_downtime_ms = 300, .max_rounds = 3 };
	uint64_t rate = 100 << 20;

	/* The first round always runs, even with nothing dirty. */
	CHECK_EQ(mig_next_step(&p, 0, 0, 0), MIG_STEP_ROUND);
	/* 30 MiB at 100 MiB/s is 300 ms: fits. */
	CHECK_EQ(mig_next_step(&p, 1, 30 << 20, rate), MIG_STEP_HANDOVER);
	CHECK_EQ(mig_next_step(&p, 1, (30 << 20) + 1 + (1 << 20), rate),
		 MIG_STEP_ROUND);
	CHECK_EQ(mig_next_step(&p, 2, 200 << 20, rate), MIG_STEP_ROUND);
	CHECK_EQ(mig_next_step(&p, 3, 200 << 20, rate), MIG_STEP_GIVE_UP);
	/* A round that measured no rate never fits. */
	CHECK_EQ(mig_next_step(&p, 3, 1, 0), MIG_STEP_GIVE_UP);
	p.force_converge = true;
	CHECK_EQ(mig_next_step(&p, 3, 200 << 20, rate), MIG_STEP_HANDOVER);
}

static void test_addr(void)
{
	struct mig_addr a;
	char why[256];

	setenv("HOME", "/home/u", 1);
	CHECK_EQ(mig_addr_parse("unix:dst", &a, why, sizeof(why)), 0);
	CHECK_EQ(a.kind, MIG_ADDR_UNIX);
	CHECK_STR(a.path, "/home/u/.lkvm/dst" MIG_SOCK_SUFFIX);
	CHECK_EQ(mig_addr_parse("unix:/run/x.sock", &a, why, sizeof(why)), 0);
	CHECK_STR(a.path, "/run/x.sock");
	CHECK_EQ(mig_addr_parse("unix:", &a, why, sizeof(why)), -EINVAL);
	CHECK_EQ(mig_addr_parse("unix:a b", &a, why, sizeof(why)), -EINVAL);
	CHECK_EQ(mig_addr_parse("tcp:127.0.0.1:4444", &a, why, sizeof(why)), 0);
	CHECK_EQ(a.kind, MIG_ADDR_TCP);
	CHECK_STR(a.host, "127.0.0.1");
	CHECK_STR(a.port, "4444");
	CHECK_EQ(a.sa.ss_family, AF_INET);
	CHECK_EQ(mig_addr_parse("tcp:[::1]:4444", &a, why, sizeof(why)), 0);
	CHECK_EQ(a.sa.ss_family, AF_INET6);
	CHECK_EQ(mig_addr_parse("tcp:::1:4444", &a, why, sizeof(why)), -EINVAL);
	CHECK_EQ(mig_addr_parse("tcp:example.org:4444", &a, why, sizeof(why)),
		 -EINVAL);
	CHECK(strstr(why, "not an IP address"));
	CHECK_EQ(mig_addr_parse("tcp:127.0.0.1:0", &a, why, sizeof(why)), -EINVAL);
	CHECK_EQ(mig_addr_parse("tcp:127.0.0.1:65536", &a, why, sizeof(why)),
		 -EINVAL);
	CHECK_EQ(mig_addr_parse("tcp:127.0.0.1:+1", &a, why, sizeof(why)), -EINVAL);
	CHECK_EQ(mig_addr_parse("tcp:127.0.0.1", &a, why, sizeof(why)), -EINVAL);
	CHECK_EQ(mig_addr_parse("udp:1.2.3.4:5", &a, why, sizeof(why)), -EINVAL);
}

static void test_token(void)
{
	char path[] = "/tmp/test_migrate_tokXXXXXX";
	struct mig_token t;
	char why[256];
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "0123456789abcdefXYZ\n", 20), 20);
	close(fd);
	CHECK_EQ(mig_token_read(path, &t, why, sizeof(why)), 0);
	CHECK_EQ(t.len, 19);	/* the newline cut */
	CHECK(mig_token_equal(&t, (const uint8_t *)"0123456789abcdefXYZ", 19));
	CHECK(!mig_token_equal(&t, (const uint8_t *)"0123456789abcdefXYz", 19));
	CHECK(!mig_token_equal(&t, (const uint8_t *)"0123456789abcdefXY", 18));
	CHECK(!mig_token_equal(&t, (const uint8_t *)"0123456789abcdefXYZZ", 20));
	CHECK_EQ(chmod(path, 0644), 0);
	CHECK_EQ(mig_token_read(path, &t, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "chmod 600"));
	CHECK_EQ(chmod(path, 0600), 0);
	CHECK_EQ(truncate(path, 8), 0);
	CHECK_EQ(mig_token_read(path, &t, why, sizeof(why)), -EINVAL);
	unlink(path);
}

static void test_hello(void)
{
	struct mig_token t = { .len = 16 };
	uint8_t hello[MIG_BOOT_ID_LEN + 16], id[MIG_BOOT_ID_LEN];

	memcpy(t.bytes, "0123456789abcdef", 16);
	memset(hello, 7, MIG_BOOT_ID_LEN);
	memcpy(hello + MIG_BOOT_ID_LEN, t.bytes, 16);
	CHECK_EQ(mig_hello_check(hello, sizeof(hello), &t, id), 0);
	CHECK_EQ(id[0], 7);
	hello[sizeof(hello) - 1] ^= 1;
	CHECK_EQ(mig_hello_check(hello, sizeof(hello), &t, id), -EACCES);
	CHECK_EQ(mig_hello_check(hello, MIG_BOOT_ID_LEN, &t, id), -EACCES);
	/* No token asked: any source of this user (unix) is let in. */
	CHECK_EQ(mig_hello_check(hello, MIG_BOOT_ID_LEN, NULL, id), 0);
}

#define PS 4096
#define NPAGES 8

static int frame(struct mig_stream *s, uint16_t type, const void *p,
		 size_t len)
{
	char why[256];

	return mig_stream_frame(s, type, p, len, why, sizeof(why));
}

static void test_stream(void)
{
	static uint8_t ram[NPAGES * PS], pages[8 + 2 * PS];
	uint8_t zero[16], end[16];
	struct mig_stream s;

	memset(ram, 0x55, sizeof(ram));
	mig_stream_init(&s, ram, sizeof(ram), 12);
	mig_put_u64(pages, 6);
	memset(pages + 8, 0xaa, 2 * PS);
	CHECK_EQ(frame(&s, MIG_PAGES, pages, sizeof(pages)), MIG_STREAM_MORE);
	CHECK_EQ(ram[6 * PS], 0xaa);
	CHECK_EQ(ram[8 * PS - 1], 0xaa);
	CHECK_EQ(ram[6 * PS - 1], 0x55);
	/* Past the end of RAM, or not whole pages: refused, RAM untouched. */
	mig_put_u64(pages, 7);
	CHECK_EQ(frame(&s, MIG_PAGES, pages, sizeof(pages)), -EINVAL);
	mig_put_u64(pages, 0);
	CHECK_EQ(frame(&s, MIG_PAGES, pages, 8 + PS - 1), -EINVAL);
	CHECK_EQ(ram[0], 0x55);
	mig_put_u64(zero, 1);
	mig_put_u64(zero + 8, 2);
	CHECK_EQ(frame(&s, MIG_ZERO, zero, 16), MIG_STREAM_MORE);
	CHECK_EQ(ram[PS], 0);
	CHECK_EQ(ram[3 * PS], 0x55);
	mig_put_u64(zero, 0);
	mig_put_u64(zero + 8, UINT64_MAX);
	CHECK_EQ(frame(&s, MIG_ZERO, zero, 16), -EINVAL);
	mig_put_u64(zero + 8, 0);
	CHECK_EQ(frame(&s, MIG_ZERO, zero, 16), -EINVAL);
	CHECK_EQ(s.data_pages, 2);
	CHECK_EQ(s.zero_pages, 2);
	/* State, then no more pages; END must agree on its length. */
	CHECK_EQ(frame(&s, MIG_STATE, "abc", 3), MIG_STREAM_MORE);
	CHECK_EQ(frame(&s, MIG_STATE, "de", 2), MIG_STREAM_MORE);
	mig_put_u64(pages, 0);
	CHECK_EQ(frame(&s, MIG_PAGES, pages, 8 + PS), -EINVAL);
	mig_put_u64(end, 4);
	mig_put_u32(end + 8, 2);
	mig_put_u32(end + 12, 0);
	CHECK_EQ(frame(&s, MIG_END, end, 16), -EINVAL);
	mig_put_u64(end, 5);
	CHECK_EQ(frame(&s, MIG_END, end, 16), MIG_STREAM_END);
	CHECK_EQ(s.state_len, 5);
	CHECK(!memcmp(s.state, "abcde", 5));
	CHECK_EQ(s.nr_records, 2);
	CHECK_EQ(frame(&s, MIG_STATE, "f", 1), -EINVAL);
	mig_stream_fini(&s);

	mig_stream_init(&s, ram, sizeof(ram), 12);
	CHECK_EQ(frame(&s, MIG_ABORT, "gone", 4), MIG_STREAM_ABORT);
	CHECK_EQ(frame(&s, MIG_COMMIT, NULL, 0), -EINVAL);
	mig_stream_fini(&s);
}

/* lkvm's own writes into guest RAM land in the written bitmap. */
static void test_written(void)
{
	static uint8_t buf[70 * PS];
	unsigned long bits[2] = { 0, 0 };
	struct guest_mem mem;

	guest_mem_wrap(&mem, 0x40000000, buf, sizeof(buf));
	guest_mem_wrote(&mem, buf, 1);	/* not tracked yet: nothing */
	CHECK_EQ(guest_mem_track_writes(&mem), 0);
	if (mem.page_shift != 12) {
		/* A 64 KiB-page host: the layout below assumes 4 KiB. */
		guest_mem_free(&mem);
		return;
	}
	guest_mem_wrote(&mem, buf + PS - 1, 2);		/* pages 0 and 1 */
	guest_mem_wrote(&mem, buf + 63 * PS, 2 * PS);	/* 63, 64 */
	guest_mem_wrote(&mem, buf + sizeof(buf), 1);	/* outside */
	guest_mem_wrote(&mem, buf + 69 * PS, 10 * PS);	/* cut at the end */
	guest_mem_take_written(&mem, bits);
	CHECK_EQ(bits[0], 3UL | 1UL << 63);
	CHECK_EQ(bits[1], 1UL | 1UL << 5);
	bits[0] = bits[1] = 0;
	guest_mem_take_written(&mem, bits);	/* taken: empty now */
	CHECK_EQ(bits[0] | bits[1], 0);
	free(mem.written);
	CHECK(guest_mem_is_zero(buf + 2 * PS, PS));
	buf[2 * PS + 100] = 1;
	CHECK(!guest_mem_is_zero(buf + 2 * PS, PS));
}

static const struct unit_test tests[] = {
	{ "migrate_frame_roundtrip", test_frame_roundtrip },
	{ "migrate_header_faults", test_header_faults },
	{ "migrate_crc", test_crc },
	{ "migrate_text", test_text },
	{ "migrate_le", test_le },
	{ "migrate_expected_ms", test_expected_ms },
	{ "migrate_policy", test_policy },
	{ "migrate_addr", test_addr },
	{ "migrate_token", test_token },
	{ "migrate_hello", test_hello },
	{ "migrate_stream", test_stream },
	{ "migrate_written", test_written },
};

UNIT_MAIN(tests)

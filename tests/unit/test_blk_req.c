#include "harness.h"
#include "virtq_builder.h"

#include <lkvm/virtio_blk.h>

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#define W VIRTQ_DESC_F_WRITE
#define N VIRTQ_DESC_F_NEXT

#define HDR (VQB_DATA)
#define DATA (VQB_DATA + 0x1000)
#define STATUS (VQB_DATA + 0x800)

static const struct blk_limits lim = {
	.capacity = 2048,	/* 1 MiB */
	.seg_max = 4,
	.size_max = 4096,
	.discard = true,
	.write_zeroes = true,
	.max_discard_sectors = 1024,
	.max_write_zeroes_sectors = 512,
	.max_write_zeroes_seg = 1,
};

static struct virtq_chain chain;
static struct blk_req req;

static void put_hdr(struct vqb *b, uint32_t type, uint64_t sector)
{
	uint32_t t[2] = { type, 0 };

	memcpy(vqb_host(b, HDR), t, 8);
	memcpy(vqb_host(b, HDR + 8), &sector, 8);
}

/* header, @nr data descriptors of @len bytes each (device-writable if
 * @in), then a status byte. */
static void build(struct vqb *b, uint32_t type, uint64_t sector,
		  unsigned int nr, uint32_t len, bool in)
{
	unsigned int i;

	vqb_init(b, 16);
	put_hdr(b, type, sector);
	vqb_desc(b, 0, HDR, 16, N, 1);
	for (i = 0; i < nr; i++)
		vqb_desc(b, 1 + i, DATA + i * 0x2000ULL, len, N | (in ? W : 0),
			 (uint16_t)(2 + i));
	vqb_desc(b, 1 + i, STATUS, 1, W, 0);
	vqb_offer(b, 0);
}

static int parse(struct vqb *b, const struct blk_limits *l, const char **why)
{
	struct virtq vq;

	*why = NULL;
	CHECK_EQ(vqb_queue(b, &vq, false, false), 0);
	CHECK_EQ(virtq_pop(&vq, &chain, why), 1);
	return blk_req_parse(&chain, l, &req, why);
}

static void test_read(void)
{
	struct vqb b;
	const char *why;

	build(&b, VIRTIO_BLK_T_IN, 8, 2, 4096, true);
	CHECK_EQ(parse(&b, &lim, &why), 0);
	CHECK_EQ(req.status, VIRTIO_BLK_S_OK);
	CHECK_EQ(req.type, VIRTIO_BLK_T_IN);
	CHECK_EQ(req.sector, 8);
	CHECK_EQ(req.data_len, 8192);
	CHECK_EQ(req.nr_iov, 2);
	CHECK(req.iov[1].iov_base == vqb_host(&b, DATA + 0x2000));
	CHECK(req.status_byte == vqb_host(&b, STATUS));
	CHECK_EQ(blk_req_written(&req, 0), 8193);
	vqb_free(&b);
}

static void test_write_and_ro(void)
{
	struct vqb b;
	struct blk_limits ro = lim;
	const char *why;

	build(&b, VIRTIO_BLK_T_OUT, 0, 1, 512, false);
	CHECK_EQ(parse(&b, &lim, &why), 0);
	CHECK_EQ(req.status, VIRTIO_BLK_S_OK);
	CHECK_EQ(req.data_len, 512);
	CHECK(req.iov[0].iov_base == vqb_host(&b, DATA));
	CHECK_EQ(blk_req_written(&req, 0), 1);
	ro.ro = true;
	CHECK_EQ(parse(&b, &ro, &why), 0);
	CHECK_EQ(req.status, VIRTIO_BLK_S_IOERR);
	vqb_free(&b);
}

static void test_any_layout(void)
{
	struct vqb b;
	const char *why;
	uint64_t sector = 3;

	/* Header split 5 + 11 bytes; data in the header's descriptor. */
	vqb_init(&b, 8);
	put_hdr(&b, VIRTIO_BLK_T_OUT, 0);
	memcpy(vqb_host(&b, HDR + 8), &sector, 8);
	vqb_desc(&b, 0, HDR, 5, N, 1);
	vqb_desc(&b, 1, HDR + 5, 11 + 512, N, 2);
	vqb_desc(&b, 2, STATUS, 1, W, 0);
	vqb_offer(&b, 0);
	CHECK_EQ(parse(&b, &lim, &why), 0);
	CHECK_EQ(req.status, VIRTIO_BLK_S_OK);
	CHECK_EQ(req.sector, 3);
	CHECK_EQ(req.nr_iov, 1);
	CHECK(req.iov[0].iov_base == vqb_host(&b, HDR + 16));
	CHECK_EQ(req.iov[0].iov_len, 512);
	vqb_free(&b);
}

static void test_short_header(void)
{
	struct vqb b;
	const char *why;

	vqb_init(&b, 8);
	vqb_desc(&b, 0, HDR, 15, N, 1);
	vqb_desc(&b, 1, STATUS, 1, W, 0);
	vqb_offer(&b, 0);
	CHECK_EQ(parse(&b, &lim, &why), 0);
	CHECK_EQ(req.status, VIRTIO_BLK_S_IOERR);
	CHECK(req.status_byte == vqb_host(&b, STATUS));
	vqb_free(&b);
}

static void test_no_status_byte(void)
{
	struct vqb b;
	const char *why;

	vqb_init(&b, 8);
	put_hdr(&b, VIRTIO_BLK_T_FLUSH, 0);
	vqb_desc(&b, 0, HDR, 16, 0, 0);
	vqb_offer(&b, 0);
	CHECK_EQ(parse(&b, &lim, &why), -EINVAL);
	CHECK(why && strstr(why, "status"));
	/* A zero-length chain has no status byte either. */
	vqb_desc(&b, 0, HDR, 0, W, 0);
	CHECK_EQ(parse(&b, &lim, &why), -EINVAL);
	vqb_free(&b);
}

static void test_bad_type(void)
{
	struct vqb b;
	const char *why;

	build(&b, 99, 0, 1, 512, true);
	CHECK_EQ(parse(&b, &lim, &why), 0);
	CHECK_EQ(req.status, VIRTIO_BLK_S_UNSUPP);
	CHECK_EQ(blk_req_written(&req, 0), 1);
	vqb_free(&b);
}

static void test_sector_overflow(void)
{
	static const struct {
		uint64_t sector;
		uint32_t len;
		uint8_t status;
	} cases[] = {
		{ 2047, 512, VIRTIO_BLK_S_OK },		/* the last sector */
		{ 2047, 1024, VIRTIO_BLK_S_IOERR },	/* one past the end */
		{ 2048, 512, VIRTIO_BLK_S_IOERR },
		{ ~0ULL, 512, VIRTIO_BLK_S_IOERR },	/* sector + n wraps */
		{ ~0ULL - 1, 1024, VIRTIO_BLK_S_IOERR },
		{ 1ULL << 55, 512, VIRTIO_BLK_S_IOERR },	/* sector * 512 wraps */
		{ 0, 100, VIRTIO_BLK_S_IOERR },		/* partial sector */
		{ 0, 0, VIRTIO_BLK_S_OK },		/* no data at all */
	};
	struct vqb b;
	const char *why;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		build(&b, VIRTIO_BLK_T_IN, cases[i].sector, 1, cases[i].len,
		      true);
		CHECK_EQ(parse(&b, &lim, &why), 0);
		CHECK_EQ(req.status, cases[i].status);
		vqb_free(&b);
		build(&b, VIRTIO_BLK_T_OUT, cases[i].sector, 1, cases[i].len,
		      false);
		CHECK_EQ(parse(&b, &lim, &why), 0);
		CHECK_EQ(req.status, cases[i].status);
		vqb_free(&b);
	}
}

static void test_segment_limits(void)
{
	struct vqb b;
	const char *why;

	build(&b, VIRTIO_BLK_T_IN, 0, 4, 4096, true);
	CHECK_EQ(parse(&b, &lim, &why), 0);
	CHECK_EQ(req.status, VIRTIO_BLK_S_OK);
	vqb_free(&b);
	build(&b, VIRTIO_BLK_T_IN, 0, 5, 512, true);	/* > seg_max */
	CHECK_EQ(parse(&b, &lim, &why), 0);
	CHECK_EQ(req.status, VIRTIO_BLK_S_IOERR);
	vqb_free(&b);
	build(&b, VIRTIO_BLK_T_OUT, 0, 1, 8192, false);	/* > size_max */
	CHECK_EQ(parse(&b, &lim, &why), 0);
	CHECK_EQ(req.status, VIRTIO_BLK_S_IOERR);
	vqb_free(&b);
}

static void test_flush_and_get_id(void)
{
	struct vqb b;
	const char *why;

	build(&b, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false);
	CHECK_EQ(parse(&b, &lim, &why), 0);
	CHECK_EQ(req.status, VIRTIO_BLK_S_OK);
	vqb_free(&b);
	build(&b, VIRTIO_BLK_T_GET_ID, 0, 1, 20, true);
	CHECK_EQ(parse(&b, &lim, &why), 0);
	CHECK_EQ(req.status, VIRTIO_BLK_S_OK);
	CHECK_EQ(req.data_len, 20);
	CHECK_EQ(blk_req_written(&req, 20), 21);
	vqb_free(&b);
}

static void put_seg(struct vqb *b, unsigned int i, uint64_t sector,
		    uint32_t n, uint32_t flags)
{
	struct blk_discard_seg s = { sector, n, flags };

	memcpy(vqb_host(b, DATA + 16ULL * i), &s, 16);
}

static void discard(struct vqb *b, uint32_t type, unsigned int nr_seg,
		    uint32_t len)
{
	vqb_init(b, 8);
	put_hdr(b, type, 0);
	vqb_desc(b, 0, HDR, 16, N, 1);
	vqb_desc(b, 1, DATA, len ? len : 16 * nr_seg, N, 2);
	vqb_desc(b, 2, STATUS, 1, W, 0);
	vqb_offer(b, 0);
}

static void test_discard(void)
{
	struct vqb b;
	struct blk_limits ro = lim, none = lim;
	const char *why;

	ro.ro = true;
	none.discard = false;
	none.write_zeroes = false;
	discard(&b, VIRTIO_BLK_T_DISCARD, 2, 0);
	put_seg(&b, 0, 0, 8, 0);
	put_seg(&b, 1, 1024, 1024, 0);
	CHECK_EQ(parse(&b, &lim, &why), 0);
	CHECK_EQ(req.status, VIRTIO_BLK_S_OK);
	CHECK_EQ(req.nr_seg, 2);
	CHECK_EQ(req.seg[1].sector, 1024);
	CHECK_EQ(req.seg[1].nr_sectors, 1024);
	CHECK_EQ(parse(&b, &ro, &why), 0);
	CHECK_EQ(req.status, VIRTIO_BLK_S_IOERR);
	CHECK_EQ(parse(&b, &none, &why), 0);
	CHECK_EQ(req.status, VIRTIO_BLK_S_UNSUPP);
	/* Past the end, too long, wrapping. */
	put_seg(&b, 1, 1025, 1024, 0);
	CHECK_EQ(parse(&b, &lim, &why), 0);
	CHECK_EQ(req.status, VIRTIO_BLK_S_IOERR);
	put_seg(&b, 1, 0, 1025, 0);
	CHECK_EQ(parse(&b, &lim, &why), 0);
	CHECK_EQ(req.status, VIRTIO_BLK_S_IOERR);
	put_seg(&b, 1, ~0ULL, 2, 0);
	CHECK_EQ(parse(&b, &lim, &why), 0);
	CHECK_EQ(req.status, VIRTIO_BLK_S_IOERR);
	/* UNMAP belongs to WRITE_ZEROES only; other flags to nobody. */
	put_seg(&b, 1, 0, 8, VIRTIO_BLK_WZ_F_UNMAP);
	CHECK_EQ(parse(&b, &lim, &why), 0);
	CHECK_EQ(req.status, VIRTIO_BLK_S_UNSUPP);
	vqb_free(&b);

	discard(&b, VIRTIO_BLK_T_WRITE_ZEROES, 1, 0);
	put_seg(&b, 0, 0, 8, VIRTIO_BLK_WZ_F_UNMAP);
	CHECK_EQ(parse(&b, &lim, &why), 0);
	CHECK_EQ(req.status, VIRTIO_BLK_S_OK);
	put_seg(&b, 0, 0, 8, 2);
	CHECK_EQ(parse(&b, &lim, &why), 0);
	CHECK_EQ(req.status, VIRTIO_BLK_S_UNSUPP);
	/* DISCARD negotiated does not make WRITE_ZEROES acceptable. */
	none.discard = true;
	put_seg(&b, 0, 0, 8, 0);
	CHECK_EQ(parse(&b, &none, &why), 0);
	CHECK_EQ(req.status, VIRTIO_BLK_S_UNSUPP);
	/* WRITE_ZEROES has its own, smaller limits: it may write zeroes. */
	put_seg(&b, 0, 0, 512, 0);
	CHECK_EQ(parse(&b, &lim, &why), 0);
	CHECK_EQ(req.status, VIRTIO_BLK_S_OK);
	put_seg(&b, 0, 0, 513, 0);
	CHECK_EQ(parse(&b, &lim, &why), 0);
	CHECK_EQ(req.status, VIRTIO_BLK_S_IOERR);
	vqb_free(&b);
	discard(&b, VIRTIO_BLK_T_WRITE_ZEROES, 2, 0);
	put_seg(&b, 0, 0, 8, 0);
	put_seg(&b, 1, 8, 8, 0);
	CHECK_EQ(parse(&b, &lim, &why), 0);
	CHECK_EQ(req.status, VIRTIO_BLK_S_IOERR);
	vqb_free(&b);

	/* Too many segments; a length that is not whole segments. */
	discard(&b, VIRTIO_BLK_T_DISCARD, BLK_MAX_DISCARD_SEG + 1, 0);
	CHECK_EQ(parse(&b, &lim, &why), 0);
	CHECK_EQ(req.status, VIRTIO_BLK_S_IOERR);
	vqb_free(&b);
	discard(&b, VIRTIO_BLK_T_DISCARD, 1, 20);
	CHECK_EQ(parse(&b, &lim, &why), 0);
	CHECK_EQ(req.status, VIRTIO_BLK_S_IOERR);
	vqb_free(&b);
}

static uint8_t execute(struct vqb *b, const struct blk_backend *be)
{
	const char *why;
	uint32_t id_len = 0;

	CHECK_EQ(parse(b, &lim, &why), 0);
	CHECK_EQ(req.status, VIRTIO_BLK_S_OK);
	return blk_req_execute(be, &req, &id_len);
}

/* Only what may not be on disk yet makes lkvm fdatasync as it stops. */
static void test_unsynced(void)
{
	FILE *f = tmpfile();
	atomic_bool unsynced = false;
	struct log_ratelimit rl = { 0 };
	struct blk_backend be = {
		.fd = f ? fileno(f) : -1,
		.serial = "serial",
		.name = "test",
		.path = "tmpfile",
		.io_rl = &rl,
		.unsynced = &unsynced,
	};
	struct vqb b;

	CHECK(f != NULL);
	CHECK_EQ(ftruncate(be.fd, 1 << 20), 0);
	build(&b, VIRTIO_BLK_T_IN, 0, 1, 4096, true);
	CHECK_EQ(execute(&b, &be), VIRTIO_BLK_S_OK);
	CHECK(!atomic_load(&unsynced));
	vqb_free(&b);
	build(&b, VIRTIO_BLK_T_OUT, 0, 1, 4096, false);
	CHECK_EQ(execute(&b, &be), VIRTIO_BLK_S_OK);
	CHECK(atomic_load(&unsynced));
	vqb_free(&b);
	build(&b, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false);
	CHECK_EQ(execute(&b, &be), VIRTIO_BLK_S_OK);
	CHECK(!atomic_load(&unsynced));
	vqb_free(&b);
	discard(&b, VIRTIO_BLK_T_WRITE_ZEROES, 1, 0);
	put_seg(&b, 0, 0, 8, 0);
	CHECK_EQ(execute(&b, &be), VIRTIO_BLK_S_OK);
	CHECK(atomic_load(&unsynced));
	vqb_free(&b);
	fclose(f);
}

static const struct unit_test tests[] = {
	{ "blk_req_read", test_read },
	{ "blk_req_write_and_ro", test_write_and_ro },
	{ "blk_req_any_layout", test_any_layout },
	{ "blk_req_short_header", test_short_header },
	{ "blk_req_no_status_byte", test_no_status_byte },
	{ "blk_req_bad_type", test_bad_type },
	{ "blk_req_sector_overflow", test_sector_overflow },
	{ "blk_req_segment_limits", test_segment_limits },
	{ "blk_req_flush_and_get_id", test_flush_and_get_id },
	{ "blk_req_discard", test_discard },
	{ "blk_req_unsynced", test_unsynced },
};

UNIT_MAIN(tests)

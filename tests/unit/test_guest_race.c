/*
 * The racing-guest model the fuzz targets rely on (struct guest_mem's
 * before_read hook, tests/fuzz/fuzz_race.h): every read the virtqueue
 * code makes of guest RAM is announced first, with what and where, and
 * a change made there is what the device then sees. If a read stopped
 * being announced, the fuzzers would silently stop racing it.
 */
#include "harness.h"
#include "virtq_builder.h"

#include "../fuzz/fuzz_race.h"

#include <errno.h>

#define W VIRTQ_DESC_F_WRITE
#define N VIRTQ_DESC_F_NEXT
#define I VIRTQ_DESC_F_INDIRECT

static struct virtq_chain chain;

/* The reads announced since the last reset, in order. */
#define MAX_SEEN 16
static struct seen {
	enum guest_read what;
	const void *p;
	size_t len;
} seen[MAX_SEEN];
static unsigned int nr_seen;

static void record(void *ctx, enum guest_read what, const void *p,
		   size_t len)
{
	(void)ctx;
	if (nr_seen < MAX_SEEN)
		seen[nr_seen] = (struct seen){ what, p, len };
	nr_seen++;
}

static void expect_seen(unsigned int i, enum guest_read what, const void *p,
			size_t len)
{
	CHECK(i < nr_seen);
	if (i >= nr_seen || i >= MAX_SEEN)
		return;
	CHECK_EQ(seen[i].what, what);
	CHECK(seen[i].p == p);
	CHECK_EQ(seen[i].len, len);
}

/* Every read of a pop, a copy and the event checks, in order. */
static void test_reads_announced(void)
{
	struct vqb b;
	struct virtq vq;
	const char *why;
	uint8_t out[24];

	vqb_init(&b, 8);
	b.mem.before_read = record;
	vqb_desc(&b, 4, VQB_DATA, 16, N, 6);
	vqb_desc(&b, 6, VQB_DATA + 0x100, 8, N, 1);
	vqb_desc(&b, 1, VQB_INDIRECT, 32, I, 0);
	vqb_desc_at(&b, VQB_INDIRECT, 0, VQB_DATA + 0x200, 8, N | W, 1);
	vqb_desc_at(&b, VQB_INDIRECT, 1, VQB_DATA + 0x300, 8, W, 0);
	vqb_offer(&b, 4);
	CHECK_EQ(vqb_queue(&b, &vq, true, false), 0);
	nr_seen = 0;
	CHECK_EQ(virtq_pop(&vq, &chain, &why), -EINVAL);	/* no INDIRECT */
	CHECK_EQ(vqb_queue(&b, &vq, true, true), 0);
	nr_seen = 0;
	CHECK_EQ(virtq_pop(&vq, &chain, &why), 1);
	CHECK_EQ(nr_seen, 7);
	expect_seen(0, GUEST_READ_AVAIL_IDX, vqb_host(&b, VQB_AVAIL + 2), 2);
	expect_seen(1, GUEST_READ_AVAIL_RING, vqb_host(&b, VQB_AVAIL + 4), 2);
	expect_seen(2, GUEST_READ_DESC, vqb_host(&b, VQB_DESC + 16 * 4), 16);
	expect_seen(3, GUEST_READ_DESC, vqb_host(&b, VQB_DESC + 16 * 6), 16);
	expect_seen(4, GUEST_READ_DESC, vqb_host(&b, VQB_DESC + 16 * 1), 16);
	expect_seen(5, GUEST_READ_INDIRECT, vqb_host(&b, VQB_INDIRECT), 16);
	expect_seen(6, GUEST_READ_INDIRECT, vqb_host(&b, VQB_INDIRECT + 16), 16);

	/* One announcement per piece of each buffer copied. */
	nr_seen = 0;
	CHECK_EQ(virtq_copy_from_out(&chain, 4, out, sizeof(out)), 20);
	CHECK_EQ(nr_seen, 2);
	expect_seen(0, GUEST_READ_BUFFER, vqb_host(&b, VQB_DATA + 4), 12);
	expect_seen(1, GUEST_READ_BUFFER, vqb_host(&b, VQB_DATA + 0x100), 8);
	nr_seen = 0;
	CHECK_EQ(virtq_copy_to_in(&chain, 0, out, 16), 16);
	CHECK_EQ(nr_seen, 0);	/* writes are not reads */

	nr_seen = 0;
	virtq_push(&vq, chain.head, 16);
	CHECK_EQ(nr_seen, 0);
	virtq_should_interrupt(&vq);
	expect_seen(0, GUEST_READ_EVENT,
		    vqb_host(&b, VQB_AVAIL + 4 + 2 * 8), 2);	/* used_event */
	nr_seen = 0;
	CHECK(!virtq_enable_notify(&vq));
	CHECK_EQ(nr_seen, 1);
	expect_seen(0, GUEST_READ_AVAIL_IDX, vqb_host(&b, VQB_AVAIL + 2), 2);
	vqb_free(&b);
}

/* Ops of a script, in fuzz_race.h's encoding. */
static size_t op(uint8_t *s, uint8_t action, enum guest_read kind,
		 unsigned int times, const void *payload, size_t len)
{
	s[0] = (uint8_t)(action | (kind + 1) << 4);
	s[1] = (uint8_t)(times - 1);
	if (len)
		memcpy(s + 2, payload, len);
	return 2 + len;
}

/* The changes a script makes are seen by the very read they precede. */
static void test_walker_sees_changes(void)
{
	static struct race race;
	struct vqb b;
	struct virtq vq;
	const char *why;
	uint8_t script[64], out[4];
	size_t n = 0;
	uint16_t one = 1;
	uint8_t len_100[] = { 8, 2, 100, 0 };	/* at 8, 2 bytes: len 100 */
	uint8_t xyz[] = { 0, 3, 'x', 'y', 'z' };

	vqb_init(&b, 8);
	vqb_desc(&b, 0, VQB_DATA, 4, W, 0);
	vqb_desc(&b, 1, VQB_DATA + 0x100, 4, 0, 0);
	memcpy(vqb_host(&b, VQB_DATA + 0x100), "abcd", 4);
	/* Nothing offered: the guest makes one available as the device looks. */
	n += op(script + n, RACE_ADD, GUEST_READ_AVAIL_IDX, 1, &one, 2);
	n += op(script + n, RACE_HERE, GUEST_READ_DESC, 1, len_100, 4);
	n += op(script + n, RACE_ADD, GUEST_READ_AVAIL_IDX, 1, &one, 2);
	n += op(script + n, RACE_ADD, GUEST_READ_AVAIL_RING, 1, &one, 2);
	n += op(script + n, RACE_HERE, GUEST_READ_BUFFER, 1, xyz, 5);
	race_attach(&race, &b.mem, (struct fuzz_input){ script, n });
	CHECK_EQ(vqb_queue(&b, &vq, false, false), 0);
	CHECK_EQ(virtq_pop(&vq, &chain, &why), 1);
	CHECK_EQ(chain.head, 0);
	CHECK_EQ(chain.in_len, 100);	/* the rewritten length */
	/* Head 1 is made available and chosen while the device reads. */
	CHECK_EQ(virtq_pop(&vq, &chain, &why), 1);
	CHECK_EQ(chain.head, 1);
	CHECK_EQ(virtq_copy_from_out(&chain, 0, out, 4), 4);
	CHECK(!memcmp(out, "xyzd", 4));
	CHECK_EQ(race.changes, 5);
	/* The script is over: the guest is quiet and nothing changes. */
	CHECK_EQ(virtq_copy_from_out(&chain, 0, out, 4), 4);
	CHECK(!memcmp(out, "xyzd", 4));
	CHECK_EQ(virtq_pop(&vq, &chain, &why), 0);
	CHECK_EQ(race.changes, 5);
	CHECK(race.reads > race.changes);
	vqb_free(&b);
}

/* SKIP, a kind filter, times, and AT writes anywhere in RAM. */
static void test_script_ops(void)
{
	static struct race race;
	struct vqb b;
	struct virtq vq;
	const char *why;
	uint8_t script[64];
	size_t n = 0;
	uint16_t two = 2;
	uint8_t at_desc0[] = { 0x08, 0x00, 0x00, 2, 50, 0 };	/* desc 0 len */

	vqb_init(&b, 8);
	vqb_desc(&b, 0, VQB_DATA, 4, W, 0);
	n += op(script + n, RACE_SKIP, GUEST_READ_AVAIL_IDX, 2, NULL, 0);
	n += op(script + n, RACE_ADD, GUEST_READ_AVAIL_IDX, 1, &two, 2);
	/* Ops act in turn: this one waits for the descriptor read. */
	n += op(script + n, RACE_AT, GUEST_READ_DESC, 1, at_desc0, 6);
	n += op(script + n, RACE_ADD, GUEST_READ_AVAIL_IDX, 2, &two, 2);
	race_attach(&race, &b.mem, (struct fuzz_input){ script, n });
	CHECK_EQ(vqb_queue(&b, &vq, false, false), 0);
	/* Two looks at avail->idx unchanged, then it moves by 2 each time. */
	CHECK_EQ(virtq_pop(&vq, &chain, &why), 0);
	CHECK(!virtq_enable_notify(&vq));
	CHECK_EQ(race.changes, 0);
	CHECK_EQ(virtq_pop(&vq, &chain, &why), 1);
	CHECK_EQ(chain.in_len, 50);	/* desc 0, rewritten by AT */
	CHECK_EQ(*(uint16_t *)vqb_host(&b, VQB_AVAIL + 2), 2);
	CHECK_EQ(virtq_pop(&vq, &chain, &why), 1);
	CHECK_EQ(virtq_pop(&vq, &chain, &why), 1);
	CHECK_EQ(*(uint16_t *)vqb_host(&b, VQB_AVAIL + 2), 6);
	CHECK_EQ(race.changes, 4);
	vqb_free(&b);
}

/* lkvm's own RAM has no hook: nothing is announced, nothing changes. */
static void test_production_has_no_hook(void)
{
	struct guest_mem mem;
	uint8_t ram[64];

	memset(&mem, 0xa5, sizeof(mem));
	guest_mem_wrap(&mem, VQB_RAM_BASE, ram, sizeof(ram));
	CHECK(mem.before_read == NULL);
	guest_mem_before_read(&mem, GUEST_READ_AVAIL_IDX, ram, 2);
}

static const struct unit_test tests[] = {
	{ "race_reads_announced", test_reads_announced },
	{ "race_walker_sees_changes", test_walker_sees_changes },
	{ "race_script_ops", test_script_ops },
	{ "race_production_has_no_hook", test_production_has_no_hook },
};

UNIT_MAIN(tests)

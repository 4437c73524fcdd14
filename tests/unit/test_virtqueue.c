#include "harness.h"
#include "virtq_builder.h"

#include <errno.h>

#define W VIRTQ_DESC_F_WRITE
#define N VIRTQ_DESC_F_NEXT
#define I VIRTQ_DESC_F_INDIRECT

static struct virtq_chain chain;

/* Pops once from a fresh queue built by the caller. */
static int pop(struct vqb *b, bool indirect, const char **why)
{
	struct virtq vq;

	*why = NULL;
	CHECK_EQ(vqb_queue(b, &vq, false, indirect), 0);
	return virtq_pop(&vq, &chain, why);
}

static void test_good_chain(void)
{
	struct vqb b;
	struct virtq vq;
	const char *why = NULL;

	vqb_init(&b, 8);
	vqb_desc(&b, 3, VQB_DATA, 16, N, 5);
	vqb_desc(&b, 5, VQB_DATA + 0x100, 100, N | W, 6);
	vqb_desc(&b, 6, VQB_DATA + 0x200, 1, W, 0);
	vqb_offer(&b, 3);
	CHECK_EQ(vqb_queue(&b, &vq, false, false), 0);
	CHECK_EQ(virtq_pop(&vq, &chain, &why), 1);
	CHECK_EQ(chain.head, 3);
	CHECK_EQ(chain.nr_out, 1);
	CHECK_EQ(chain.nr_in, 2);
	CHECK_EQ(chain.out_len, 16);
	CHECK_EQ(chain.in_len, 101);
	CHECK(chain.iov[0].iov_base == vqb_host(&b, VQB_DATA));
	CHECK(chain.iov[2].iov_base == vqb_host(&b, VQB_DATA + 0x200));
	/* Nothing more available. */
	CHECK_EQ(virtq_pop(&vq, &chain, &why), 0);

	virtq_push(&vq, 3, 101);
	CHECK_EQ(vqb_used_idx(&b), 1);
	CHECK_EQ(vqb_used_elem(&b, 0, false), 3);
	CHECK_EQ(vqb_used_elem(&b, 0, true), 101);
	vqb_free(&b);
}

static void test_copy_helpers(void)
{
	struct vqb b;
	struct virtq vq;
	const char *why;
	char out[8] = { 0 };

	vqb_init(&b, 4);
	memcpy(vqb_host(&b, VQB_DATA), "abc", 3);
	memcpy(vqb_host(&b, VQB_DATA + 0x100), "defg", 4);
	vqb_desc(&b, 0, VQB_DATA, 3, N, 1);
	vqb_desc(&b, 1, VQB_DATA + 0x100, 4, N, 2);
	vqb_desc(&b, 2, VQB_DATA + 0x200, 2, W, 0);
	vqb_offer(&b, 0);
	CHECK_EQ(vqb_queue(&b, &vq, false, false), 0);
	CHECK_EQ(virtq_pop(&vq, &chain, &why), 1);
	CHECK_EQ(virtq_copy_from_out(&chain, 2, out, 4), 4);
	CHECK_STR(out, "cdef");
	CHECK_EQ(virtq_copy_from_out(&chain, 5, out, 8), 2);
	CHECK_EQ(virtq_copy_to_in(&chain, 0, "xyz", 3), 2);
	CHECK(!memcmp(vqb_host(&b, VQB_DATA + 0x200), "xy", 2));
	vqb_free(&b);
}

static void test_direct_loop(void)
{
	struct vqb b;
	const char *why;

	vqb_init(&b, 8);
	vqb_desc(&b, 0, VQB_DATA, 16, N | W, 1);
	vqb_desc(&b, 1, VQB_DATA, 16, N | W, 0);
	vqb_offer(&b, 0);
	CHECK_EQ(pop(&b, false, &why), -EINVAL);
	CHECK(why && strstr(why, "loop"));
	/* A descriptor pointing at itself. */
	vqb_desc(&b, 0, VQB_DATA, 16, N, 0);
	CHECK_EQ(pop(&b, false, &why), -EINVAL);
	vqb_free(&b);
}

static void test_indirect_loop(void)
{
	struct vqb b;
	const char *why;

	vqb_init(&b, 8);
	vqb_desc(&b, 0, VQB_INDIRECT, 32, I, 0);
	vqb_desc_at(&b, VQB_INDIRECT, 0, VQB_DATA, 16, N | W, 1);
	vqb_desc_at(&b, VQB_INDIRECT, 1, VQB_DATA, 16, N | W, 0);
	vqb_offer(&b, 0);
	CHECK_EQ(pop(&b, true, &why), -EINVAL);
	CHECK(why && strstr(why, "loop"));
	vqb_free(&b);
}

static void test_indirect_good(void)
{
	struct vqb b;
	const char *why;

	vqb_init(&b, 4);
	vqb_desc(&b, 2, VQB_INDIRECT, 64, I | W, 0);	/* WRITE is ignored */
	for (unsigned int i = 0; i < 4; i++)
		vqb_desc_at(&b, VQB_INDIRECT, i, VQB_DATA + i * 0x100, 8,
			    (i ? W : 0) | (i < 3 ? N : 0), (uint16_t)(i + 1));
	vqb_offer(&b, 2);
	/* A full-size indirect table is allowed: exactly queue size. */
	CHECK_EQ(pop(&b, true, &why), 1);
	CHECK_EQ(chain.head, 2);
	CHECK_EQ(chain.nr_out, 1);
	CHECK_EQ(chain.nr_in, 3);
	CHECK_EQ(chain.in_len, 24);
	/* Without the negotiated feature it is a broken ring. */
	CHECK_EQ(pop(&b, false, &why), -EINVAL);
	CHECK(why && strstr(why, "INDIRECT_DESC"));
	vqb_free(&b);
}

static void test_indirect_rules(void)
{
	struct vqb b;
	const char *why;

	vqb_init(&b, 4);
	vqb_offer(&b, 0);
	/* Nested. */
	vqb_desc(&b, 0, VQB_INDIRECT, 16, I, 0);
	vqb_desc_at(&b, VQB_INDIRECT, 0, VQB_INDIRECT, 16, I, 0);
	CHECK_EQ(pop(&b, true, &why), -EINVAL);
	CHECK(why && strstr(why, "nested"));
	/* INDIRECT together with NEXT. */
	vqb_desc(&b, 0, VQB_INDIRECT, 16, I | N, 1);
	vqb_desc_at(&b, VQB_INDIRECT, 0, VQB_DATA, 16, 0, 0);
	CHECK_EQ(pop(&b, true, &why), -EINVAL);
	/* Lengths: zero, not a multiple of 16, longer than the queue. */
	vqb_desc(&b, 0, VQB_INDIRECT, 0, I, 0);
	CHECK_EQ(pop(&b, true, &why), -EINVAL);
	vqb_desc(&b, 0, VQB_INDIRECT, 24, I, 0);
	CHECK_EQ(pop(&b, true, &why), -EINVAL);
	vqb_desc(&b, 0, VQB_INDIRECT, 16 * 5, I, 0);
	CHECK_EQ(pop(&b, true, &why), -EINVAL);
	/* Table outside RAM, and wrapping around. */
	vqb_desc(&b, 0, VQB_RAM_BASE + VQB_RAM_SIZE - 16, 32, I, 0);
	CHECK_EQ(pop(&b, true, &why), -EINVAL);
	vqb_desc(&b, 0, ~0ULL - 15, 32, I, 0);
	CHECK_EQ(pop(&b, true, &why), -EINVAL);
	/* next inside the table beyond its end. */
	vqb_desc(&b, 0, VQB_INDIRECT, 32, I, 0);
	vqb_desc_at(&b, VQB_INDIRECT, 0, VQB_DATA, 16, N, 2);
	CHECK_EQ(pop(&b, true, &why), -EINVAL);
	CHECK(why && strstr(why, "next"));
	vqb_free(&b);
}

static void test_out_of_range_indices(void)
{
	struct vqb b;
	const char *why;

	vqb_init(&b, 8);
	vqb_offer(&b, 8);	/* head == queue size */
	CHECK_EQ(pop(&b, false, &why), -EINVAL);
	CHECK(why && strstr(why, "head"));
	vqb_free(&b);
	vqb_init(&b, 8);
	vqb_desc(&b, 0, VQB_DATA, 16, N, 0xffff);
	vqb_offer(&b, 0);
	CHECK_EQ(pop(&b, false, &why), -EINVAL);
	CHECK(why && strstr(why, "next"));
	/* The avail index may move by at most the queue size. */
	vqb_desc(&b, 0, VQB_DATA, 16, 0, 0);
	vqb_set_avail_idx(&b, 9);
	CHECK_EQ(pop(&b, false, &why), -EINVAL);
	vqb_set_avail_idx(&b, 8);
	CHECK_EQ(pop(&b, false, &why), 1);
	vqb_free(&b);
}

static void test_address_ranges(void)
{
	static const struct {
		uint64_t addr;
		uint32_t len;
	} bad[] = {
		{ ~0ULL - 0xfff, 0x2000 },			/* wraps */
		{ VQB_RAM_BASE + VQB_RAM_SIZE - 8, 16 },	/* past the end */
		{ VQB_RAM_BASE + VQB_RAM_SIZE, 1 },
		{ VQB_RAM_BASE - 8, 16 },			/* starts below */
		{ 0, 16 },
	};
	struct vqb b;
	const char *why;

	vqb_init(&b, 4);
	vqb_offer(&b, 0);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		vqb_desc(&b, 0, bad[i].addr, bad[i].len, W, 0);
		CHECK_EQ(pop(&b, false, &why), -EINVAL);
		CHECK(why && strstr(why, "outside guest RAM"));
	}
	/* The very last bytes of RAM are fine. */
	vqb_desc(&b, 0, VQB_RAM_BASE + VQB_RAM_SIZE - 8, 8, W, 0);
	CHECK_EQ(pop(&b, false, &why), 1);
	vqb_free(&b);
}

static void test_zero_length_chain(void)
{
	struct vqb b;
	const char *why;

	vqb_init(&b, 4);
	/* Zero-length buffers need no valid address and leave no iovec. */
	vqb_desc(&b, 0, ~0ULL, 0, N, 1);
	vqb_desc(&b, 1, 0, 0, W, 0);
	vqb_offer(&b, 0);
	CHECK_EQ(pop(&b, false, &why), 1);
	CHECK_EQ(chain.nr_out + chain.nr_in, 0);
	CHECK_EQ(chain.out_len + chain.in_len, 0);
	vqb_free(&b);
}

static void test_oversize_chain(void)
{
	struct vqb b;
	const char *why;

	vqb_init(&b, 4);
	/* Four descriptors in a queue of four: allowed. */
	for (unsigned int i = 0; i < 4; i++)
		vqb_desc(&b, i, VQB_DATA, 8, i < 3 ? N : 0, (uint16_t)(i + 1));
	vqb_offer(&b, 0);
	CHECK_EQ(pop(&b, false, &why), 1);
	/* Two direct ones then a four-entry indirect table: six. */
	vqb_desc(&b, 0, VQB_DATA, 8, N, 1);
	vqb_desc(&b, 1, VQB_DATA, 8, N, 2);
	vqb_desc(&b, 2, VQB_INDIRECT, 64, I, 0);
	for (unsigned int i = 0; i < 4; i++)
		vqb_desc_at(&b, VQB_INDIRECT, i, VQB_DATA, 8, i < 3 ? N : 0,
			    (uint16_t)(i + 1));
	CHECK_EQ(pop(&b, true, &why), -EINVAL);
	CHECK(why && strstr(why, "longer than the queue"));
	vqb_free(&b);
}

static void test_readable_after_writable(void)
{
	struct vqb b;
	const char *why;

	vqb_init(&b, 4);
	vqb_desc(&b, 0, VQB_DATA, 8, W | N, 1);
	vqb_desc(&b, 1, VQB_DATA, 8, 0, 0);
	vqb_offer(&b, 0);
	CHECK_EQ(pop(&b, false, &why), -EINVAL);
	vqb_free(&b);
}

static void test_length_overflow(void)
{
	uint8_t *ram = calloc(1, 0x10000);
	struct guest_mem mem;
	struct virtq vq;
	const char *why;
	struct vqb b = { .ram = ram, .num = 4 };

	/*
	 * An 8 GiB "RAM" whose first 64 KiB are real: the walker never
	 * touches buffer contents, so 2 GiB buffers can be described.
	 */
	guest_mem_wrap(&mem, VQB_RAM_BASE, ram, 8ULL << 30);
	b.mem = mem;
	vqb_desc(&b, 0, VQB_RAM_BASE + (1ULL << 30), 0x80000000U, W | N, 1);
	vqb_desc(&b, 1, VQB_RAM_BASE + (4ULL << 30), 0x80000000U, W, 0);
	vqb_offer(&b, 0);
	CHECK_EQ(virtq_init(&vq, &mem, 4, VQB_DESC, VQB_AVAIL, VQB_USED, false,
			    false, &why), 0);
	CHECK_EQ(virtq_pop(&vq, &chain, &why), -EINVAL);
	CHECK(why && strstr(why, "4 GiB"));
	free(ram);
}

static void test_init_checks(void)
{
	struct vqb b;
	struct virtq vq;
	const char *why;

	vqb_init(&b, 8);
	CHECK_EQ(virtq_init(&vq, &b.mem, 0, VQB_DESC, VQB_AVAIL, VQB_USED,
			    false, false, &why), -EINVAL);
	CHECK_EQ(virtq_init(&vq, &b.mem, 6, VQB_DESC, VQB_AVAIL, VQB_USED,
			    false, false, &why), -EINVAL);
	CHECK_EQ(virtq_init(&vq, &b.mem, 512, VQB_DESC, VQB_AVAIL, VQB_USED,
			    false, false, &why), -EINVAL);
	CHECK_EQ(virtq_init(&vq, &b.mem, 256, VQB_DESC, VQB_AVAIL, VQB_USED,
			    false, false, &why), 0);
	/* Misaligned areas. */
	CHECK_EQ(virtq_init(&vq, &b.mem, 8, VQB_DESC + 8, VQB_AVAIL, VQB_USED,
			    false, false, &why), -EINVAL);
	CHECK_EQ(virtq_init(&vq, &b.mem, 8, VQB_DESC, VQB_AVAIL + 1, VQB_USED,
			    false, false, &why), -EINVAL);
	CHECK_EQ(virtq_init(&vq, &b.mem, 8, VQB_DESC, VQB_AVAIL, VQB_USED + 2,
			    false, false, &why), -EINVAL);
	/* A used ring ending exactly at the end of RAM, then with event. */
	CHECK_EQ(virtq_init(&vq, &b.mem, 8, VQB_DESC, VQB_AVAIL,
			    VQB_RAM_BASE + VQB_RAM_SIZE - (4 + 8 * 8), false,
			    false, &why), 0);
	CHECK_EQ(virtq_init(&vq, &b.mem, 8, VQB_DESC, VQB_AVAIL,
			    VQB_RAM_BASE + VQB_RAM_SIZE - (4 + 8 * 8), true,
			    false, &why), -EINVAL);
	CHECK_EQ(virtq_init(&vq, &b.mem, 8, 0x10000000000ULL, VQB_AVAIL,
			    VQB_USED, false, false, &why), -EINVAL);
	CHECK(why && strstr(why, "descriptor table"));
	vqb_free(&b);
}

static void test_event_idx(void)
{
	struct vqb b;
	struct virtq vq;
	const char *why;
	uint16_t *used_event, *avail_event;

	vqb_init(&b, 8);
	used_event = vqb_host(&b, VQB_AVAIL + 4 + 2 * 8);
	avail_event = vqb_host(&b, VQB_USED + 4 + 8 * 8);
	CHECK_EQ(vqb_queue(&b, &vq, true, false), 0);
	for (unsigned int i = 0; i < 4; i++) {
		vqb_desc(&b, i, VQB_DATA, 8, W, 0);
		vqb_offer(&b, (uint16_t)i);
	}
	/* Nothing pushed: no interrupt. */
	CHECK(!virtq_should_interrupt(&vq));
	/* The driver wants an interrupt once entry 1 is used. */
	*used_event = 1;
	CHECK_EQ(virtq_pop(&vq, &chain, &why), 1);
	virtq_push(&vq, chain.head, 8);
	CHECK(!virtq_should_interrupt(&vq));	/* used idx 1: not past 1 */
	CHECK_EQ(virtq_pop(&vq, &chain, &why), 1);
	virtq_push(&vq, chain.head, 8);
	CHECK(virtq_should_interrupt(&vq));	/* used idx 2: passed 1 */
	CHECK_EQ(virtq_pop(&vq, &chain, &why), 1);
	virtq_push(&vq, chain.head, 8);
	CHECK(!virtq_should_interrupt(&vq));	/* event 1 already passed */

	/* enable_notify publishes avail_event and sees new buffers. */
	CHECK(virtq_enable_notify(&vq));	/* entry 3 still pending */
	CHECK_EQ(*avail_event, 3);
	CHECK_EQ(virtq_pop(&vq, &chain, &why), 1);
	CHECK(!virtq_enable_notify(&vq));
	CHECK_EQ(*avail_event, 4);
	vqb_free(&b);
}

static void test_no_interrupt_flag(void)
{
	struct vqb b;
	struct virtq vq;
	const char *why;
	uint16_t *avail_flags, *used_flags;

	vqb_init(&b, 8);
	avail_flags = vqb_host(&b, VQB_AVAIL);
	used_flags = vqb_host(&b, VQB_USED);
	CHECK_EQ(vqb_queue(&b, &vq, false, false), 0);
	vqb_desc(&b, 0, VQB_DATA, 8, W, 0);
	vqb_offer(&b, 0);
	vqb_offer(&b, 0);
	CHECK_EQ(virtq_pop(&vq, &chain, &why), 1);
	virtq_push(&vq, chain.head, 8);
	CHECK(virtq_should_interrupt(&vq));
	*avail_flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	CHECK_EQ(virtq_pop(&vq, &chain, &why), 1);
	virtq_push(&vq, chain.head, 8);
	CHECK(!virtq_should_interrupt(&vq));
	virtq_disable_notify(&vq);
	CHECK_EQ(*used_flags, VIRTQ_USED_F_NO_NOTIFY);
	CHECK(!virtq_enable_notify(&vq));
	CHECK_EQ(*used_flags, 0);
	vqb_free(&b);
}

/* A circular buffer's oldest bytes, across its end, into two buffers. */
static void test_copy_ring(void)
{
	static struct virtq_chain c;
	uint8_t ring[8] = { 'g', 'h', 0, 0, 0, 'c', 'd', 'e' };
	uint8_t a[2], b[2];
	size_t head = 5, count = 5;

	c.nr_out = 0;
	c.nr_in = 2;
	c.in_len = 4;
	c.iov[0] = (struct iovec){ a, sizeof(a) };
	c.iov[1] = (struct iovec){ b, sizeof(b) };
	CHECK_EQ(virtq_copy_ring_to_in(&c, ring, sizeof(ring), &head, &count), 4);
	CHECK(!memcmp(a, "cd", 2) && !memcmp(b, "eg", 2));
	CHECK_EQ(head, 1);
	CHECK_EQ(count, 1);
	CHECK_EQ(virtq_copy_ring_to_in(&c, ring, sizeof(ring), &head, &count), 1);
	CHECK_EQ(a[0], 'h');
	CHECK_EQ(head, 2);
	CHECK_EQ(count, 0);
	CHECK_EQ(virtq_copy_ring_to_in(&c, ring, sizeof(ring), &head, &count), 0);
}

static const struct unit_test tests[] = {
	{ "virtq_good_chain", test_good_chain },
	{ "virtq_copy_helpers", test_copy_helpers },
	{ "virtq_copy_ring", test_copy_ring },
	{ "virtq_direct_loop", test_direct_loop },
	{ "virtq_indirect_loop", test_indirect_loop },
	{ "virtq_indirect_good", test_indirect_good },
	{ "virtq_indirect_rules", test_indirect_rules },
	{ "virtq_out_of_range_indices", test_out_of_range_indices },
	{ "virtq_address_ranges", test_address_ranges },
	{ "virtq_zero_length_chain", test_zero_length_chain },
	{ "virtq_oversize_chain", test_oversize_chain },
	{ "virtq_readable_after_writable", test_readable_after_writable },
	{ "virtq_length_overflow", test_length_overflow },
	{ "virtq_init_checks", test_init_checks },
	{ "virtq_event_idx", test_event_idx },
	{ "virtq_no_interrupt_flag", test_no_interrupt_flag },
};

UNIT_MAIN(tests)

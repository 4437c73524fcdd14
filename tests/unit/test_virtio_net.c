#include "harness.h"
#include "virtq_builder.h"

#include <lkvm/virtio.h>
#include <lkvm/virtio_net.h>

#include <errno.h>
#include <stdlib.h>

#define W VIRTQ_DESC_F_WRITE
#define N VIRTQ_DESC_F_NEXT

static struct virtq_chain chain;
static struct net_rx_scratch scratch;
static uint8_t txbuf[NET_HDR_SIZE + NET_FRAME_MAX];
static uint8_t frame[NET_FRAME_MAX];

static const struct net_offloads no_offloads = { 0 };
static const struct net_offloads all_offloads = { true, true, true };

static void put_hdr(struct vqb *b, uint64_t gpa, const struct net_hdr *h)
{
	net_hdr_encode(h, vqb_host(b, gpa));
}

static void test_hdr_roundtrip(void)
{
	struct net_hdr h = { 1, 4, 0x1234, 1448, 34, 16, 3 }, back;
	uint8_t raw[NET_HDR_SIZE];

	net_hdr_encode(&h, raw);
	/* Little-endian on the wire. */
	CHECK(raw[2] == 0x34 && raw[3] == 0x12 && raw[10] == 3 && raw[11] == 0);
	net_hdr_decode(raw, &back);
	CHECK(!memcmp(&h, &back, sizeof(h)));
}

static void test_features(void)
{
	struct net_offloads o;

	o = net_tx_offloads(BIT_ULL(VIRTIO_NET_F_HOST_TSO4));
	CHECK(!o.csum && !o.tso4);	/* TSO needs checksum offload */
	o = net_tx_offloads(BIT_ULL(VIRTIO_NET_F_CSUM) |
			    BIT_ULL(VIRTIO_NET_F_HOST_TSO6));
	CHECK(o.csum && !o.tso4 && o.tso6);
	o = net_rx_offloads(BIT_ULL(VIRTIO_NET_F_GUEST_CSUM) |
			    BIT_ULL(VIRTIO_NET_F_GUEST_TSO4) |
			    BIT_ULL(VIRTIO_NET_F_CSUM));
	CHECK(o.csum && o.tso4 && !o.tso6);
}

static void test_hdr_check(void)
{
	struct net_hdr h = { 0 };

	CHECK(!net_hdr_check(&h, &no_offloads, 60));
	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h.csum_start = 34;
	h.csum_offset = 16;
	CHECK(net_hdr_check(&h, &no_offloads, 60));
	CHECK(!net_hdr_check(&h, &all_offloads, 60));
	CHECK(!net_hdr_check(&h, &all_offloads, 52));
	CHECK(net_hdr_check(&h, &all_offloads, 51));	/* csum past the end */
	h.csum_start = 0xffff;
	h.csum_offset = 0xffff;
	CHECK(net_hdr_check(&h, &all_offloads, NET_FRAME_MAX));
	h = (struct net_hdr){ .flags = 0x80 };
	CHECK(net_hdr_check(&h, &all_offloads, 60));	/* unknown flag */
	h = (struct net_hdr){ .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
			      .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
			      .hdr_len = 54, .gso_size = 1448, .csum_start = 34,
			      .csum_offset = 16 };
	CHECK(!net_hdr_check(&h, &all_offloads, 9000));
	CHECK(net_hdr_check(&h, &(struct net_offloads){ true, false, true }, 9000));
	CHECK(net_hdr_check(&h, &all_offloads, 50));	/* hdr_len past end */
	h.gso_size = 0;
	CHECK(net_hdr_check(&h, &all_offloads, 9000));
	h.gso_size = 1448;
	h.flags = 0;
	CHECK(net_hdr_check(&h, &all_offloads, 9000));	/* GSO needs csum */
	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h.gso_type = 3;				/* UDP (UFO): not offered */
	CHECK(net_hdr_check(&h, &all_offloads, 9000));
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4 | 0x80;	/* ECN: not offered */
	CHECK(net_hdr_check(&h, &all_offloads, 9000));
}

/* A transmit chain: header in one descriptor, the frame split in two. */
static int tx(struct vqb *b, const struct net_hdr *h, uint32_t len,
	      const struct net_offloads *ok, const char **why)
{
	struct virtq vq;
	uint32_t first = len / 2;

	vqb_init(b, 8);
	put_hdr(b, VQB_DATA, h);
	for (uint32_t i = 0; i < len && i < 0x8000; i++)
		*(uint8_t *)vqb_host(b, VQB_DATA + 0x100 + i) = (uint8_t)i;
	vqb_desc(b, 0, VQB_DATA, NET_HDR_SIZE, N, 1);
	vqb_desc(b, 1, VQB_DATA + 0x100, first, N, 2);
	vqb_desc(b, 2, VQB_DATA + 0x100 + first, len - first, 0, 0);
	vqb_offer(b, 0);
	CHECK_EQ(vqb_queue(b, &vq, false, false), 0);
	CHECK_EQ(virtq_pop(&vq, &chain, why), 1);
	return net_tx_copy(&chain, txbuf, ok, why);
}

static void test_tx_copy(void)
{
	struct net_hdr h = { 0 };
	const char *why;
	struct vqb b;

	CHECK_EQ(tx(&b, &h, 60, &no_offloads, &why), 60);
	CHECK(txbuf[NET_HDR_SIZE] == 0 && txbuf[NET_HDR_SIZE + 59] == 59);
	/* Only the copy counts: changing guest memory later changes nothing. */
	*(uint8_t *)vqb_host(&b, VQB_DATA + 0x100 + 59) = 0xee;
	CHECK(txbuf[NET_HDR_SIZE + 59] == 59);
	vqb_free(&b);

	CHECK_EQ(tx(&b, &h, NET_ETH_HLEN, &no_offloads, &why), NET_ETH_HLEN);
	vqb_free(&b);
	CHECK_EQ(tx(&b, &h, NET_ETH_HLEN - 1, &no_offloads, &why), -EINVAL);
	vqb_free(&b);
	CHECK_EQ(tx(&b, &h, NET_FRAME_MAX, &no_offloads, &why), NET_FRAME_MAX);
	vqb_free(&b);
	CHECK_EQ(tx(&b, &h, NET_FRAME_MAX + 1, &no_offloads, &why), -EMSGSIZE);
	vqb_free(&b);
	/* Offloads the driver did not negotiate, and DATA_VALID. */
	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h.csum_start = 14;
	CHECK_EQ(tx(&b, &h, 60, &no_offloads, &why), -EINVAL);
	vqb_free(&b);
	CHECK_EQ(tx(&b, &h, 60, &all_offloads, &why), 60);
	vqb_free(&b);
	h.flags = VIRTIO_NET_HDR_F_DATA_VALID;
	CHECK_EQ(tx(&b, &h, 60, &all_offloads, &why), -EINVAL);
	vqb_free(&b);
}

static void test_tx_short_chains(void)
{
	struct virtq vq;
	const char *why;
	struct vqb b;

	/* 11 readable bytes: not even a header. */
	vqb_init(&b, 8);
	vqb_desc(&b, 0, VQB_DATA, 11, 0, 0);
	vqb_offer(&b, 0);
	CHECK_EQ(vqb_queue(&b, &vq, false, false), 0);
	CHECK_EQ(virtq_pop(&vq, &chain, &why), 1);
	CHECK_EQ(net_tx_copy(&chain, txbuf, &no_offloads, &why), -EINVAL);
	vqb_free(&b);
	/* Only writable descriptors: nothing to send. */
	vqb_init(&b, 8);
	vqb_desc(&b, 0, VQB_DATA, 100, W, 0);
	vqb_offer(&b, 0);
	CHECK_EQ(vqb_queue(&b, &vq, false, false), 0);
	CHECK_EQ(virtq_pop(&vq, &chain, &why), 1);
	CHECK_EQ(net_tx_copy(&chain, txbuf, &no_offloads, &why), -EINVAL);
	vqb_free(&b);
}

/* Posts @nr receive buffers of @size bytes each, one descriptor each. */
static void post_rx(struct vqb *b, unsigned int nr, uint32_t size)
{
	for (unsigned int i = 0; i < nr; i++) {
		uint16_t d = (uint16_t)(b->avail_idx % b->num);

		vqb_desc(b, d, VQB_DATA + 0x2000ULL * d, size, W, 0);
		vqb_offer(b, d);
	}
}

static void fill_frame(size_t len)
{
	for (size_t i = 0; i < len; i++)
		frame[i] = (uint8_t)(i * 7);
}

static uint16_t num_buffers(struct vqb *b, uint16_t desc)
{
	struct net_hdr h;

	net_hdr_decode(vqb_host(b, VQB_DATA + 0x2000ULL * desc), &h);
	return h.num_buffers;
}

static void test_rx_single(void)
{
	struct net_hdr h = { .flags = VIRTIO_NET_HDR_F_DATA_VALID };
	struct virtq vq;
	const char *why;
	struct vqb b;

	vqb_init(&b, 8);
	CHECK_EQ(vqb_queue(&b, &vq, false, false), 0);
	fill_frame(1514);
	/* No buffers yet: nothing consumed, try later. */
	CHECK_EQ(net_rx_put(&vq, &scratch, false, &h, frame, 1514, &why), 0);
	post_rx(&b, 2, 1526);
	CHECK_EQ(net_rx_put(&vq, &scratch, false, &h, frame, 1514, &why), 1);
	CHECK_EQ(vqb_used_idx(&b), 1);
	CHECK_EQ(vqb_used_elem(&b, 0, false), 0);
	CHECK_EQ(vqb_used_elem(&b, 0, true), NET_HDR_SIZE + 1514);
	CHECK_EQ(num_buffers(&b, 0), 1);
	CHECK(*(uint8_t *)vqb_host(&b, VQB_DATA) == VIRTIO_NET_HDR_F_DATA_VALID);
	CHECK(!memcmp(vqb_host(&b, VQB_DATA + NET_HDR_SIZE), frame, 1514));
	/* Too large for one buffer: dropped, the buffer stays the guest's. */
	CHECK_EQ(net_rx_put(&vq, &scratch, false, &h, frame, 1515, &why),
		 -EMSGSIZE);
	CHECK_EQ(vqb_used_idx(&b), 1);
	CHECK_EQ(net_rx_put(&vq, &scratch, false, &h, frame, 60, &why), 1);
	CHECK_EQ(vqb_used_elem(&b, 1, false), 1);
	CHECK_EQ(vqb_used_elem(&b, 1, true), NET_HDR_SIZE + 60);
	vqb_free(&b);
}

static void test_rx_mergeable(void)
{
	struct net_hdr h = { 0 };
	struct virtq vq;
	const char *why;
	struct vqb b;
	size_t len = 5000, at = 0;

	vqb_init(&b, 8);
	CHECK_EQ(vqb_queue(&b, &vq, true, false), 0);
	fill_frame(len);
	/* 5012 bytes need four 1500-byte buffers; three are not enough. */
	post_rx(&b, 3, 1500);
	CHECK_EQ(net_rx_put(&vq, &scratch, true, &h, frame, len, &why), 0);
	CHECK_EQ(vqb_used_idx(&b), 0);
	post_rx(&b, 1, 1500);
	CHECK_EQ(net_rx_put(&vq, &scratch, true, &h, frame, len, &why), 1);
	CHECK_EQ(vqb_used_idx(&b), 4);
	CHECK_EQ(num_buffers(&b, 0), 4);
	for (unsigned int i = 0; i < 4; i++) {
		uint32_t l = vqb_used_elem(&b, i, true);
		uint32_t skip = i ? 0 : NET_HDR_SIZE;

		CHECK_EQ(vqb_used_elem(&b, i, false), i);
		CHECK_EQ(l, i < 3 ? 1500 : NET_HDR_SIZE + len - 4500);
		CHECK(!memcmp(vqb_host(&b, VQB_DATA + 0x2000ULL * i + skip),
			      frame + at, l - skip));
		at += l - skip;
	}
	CHECK_EQ(at, len);
	vqb_free(&b);
}

/* A ring full of buffers too small for the frame: drop it, no stall. */
static void test_rx_never_fits(void)
{
	struct net_hdr h = { 0 };
	struct virtq vq;
	const char *why;
	struct vqb b;

	vqb_init(&b, 4);
	CHECK_EQ(vqb_queue(&b, &vq, false, false), 0);
	post_rx(&b, 4, 64);
	CHECK_EQ(net_rx_put(&vq, &scratch, true, &h, frame, 1000, &why),
		 -EMSGSIZE);
	CHECK_EQ(vqb_used_idx(&b), 0);
	CHECK_EQ(net_rx_put(&vq, &scratch, true, &h, frame, 200, &why), 1);
	CHECK_EQ(vqb_used_idx(&b), 4);
	vqb_free(&b);
}

static void test_rx_broken(void)
{
	struct net_hdr h = { 0 };
	struct virtq vq;
	const char *why;
	struct vqb b;

	/* A receive buffer the device may not write. */
	vqb_init(&b, 4);
	CHECK_EQ(vqb_queue(&b, &vq, false, false), 0);
	vqb_desc(&b, 0, VQB_DATA, 1500, 0, 0);
	vqb_offer(&b, 0);
	CHECK_EQ(net_rx_put(&vq, &scratch, true, &h, frame, 60, &why), -EINVAL);
	vqb_free(&b);
	/* A first buffer too small for the header. */
	vqb_init(&b, 4);
	CHECK_EQ(vqb_queue(&b, &vq, false, false), 0);
	post_rx(&b, 4, NET_HDR_SIZE - 1);
	CHECK_EQ(net_rx_put(&vq, &scratch, true, &h, frame, 60, &why), -EINVAL);
	vqb_free(&b);
	/* A descriptor loop is the walker's business: still an error. */
	vqb_init(&b, 4);
	CHECK_EQ(vqb_queue(&b, &vq, false, false), 0);
	vqb_desc(&b, 0, VQB_DATA, 100, W | N, 0);
	vqb_offer(&b, 0);
	CHECK_EQ(net_rx_put(&vq, &scratch, true, &h, frame, 60, &why), -EINVAL);
	vqb_free(&b);
}

/* The header may straddle descriptors; num_buffers lands in place. */
static void test_rx_split_header(void)
{
	struct net_hdr h = { 0 }, got;
	uint8_t raw[NET_HDR_SIZE];
	struct virtq vq;
	const char *why;
	struct vqb b;

	vqb_init(&b, 8);
	CHECK_EQ(vqb_queue(&b, &vq, false, false), 0);
	vqb_desc(&b, 4, VQB_DATA + 0x10000, 5, W | N, 5);
	vqb_desc(&b, 5, VQB_DATA + 0x11000, 7, W | N, 6);
	vqb_desc(&b, 6, VQB_DATA + 0x12000, 100, W, 0);
	vqb_offer(&b, 4);
	post_rx(&b, 1, 100);	/* descriptor 1 */
	fill_frame(150);
	CHECK_EQ(net_rx_put(&vq, &scratch, true, &h, frame, 150, &why), 1);
	memcpy(raw, vqb_host(&b, VQB_DATA + 0x10000), 5);
	memcpy(raw + 5, vqb_host(&b, VQB_DATA + 0x11000), 7);
	net_hdr_decode(raw, &got);
	CHECK_EQ(got.num_buffers, 2);
	CHECK(!memcmp(vqb_host(&b, VQB_DATA + 0x12000), frame, 100));
	CHECK(!memcmp(vqb_host(&b, VQB_DATA + 0x2000), frame + 100, 50));
	CHECK_EQ(vqb_used_elem(&b, 0, true), NET_HDR_SIZE + 100);
	CHECK_EQ(vqb_used_elem(&b, 1, true), 50);
	vqb_free(&b);
}

/*
 * Mergeable receive buffers that alias the avail ring: every 2-byte
 * buffer the device fills is avail->idx itself, and the frame's bytes
 * move it on ahead of the device. Before the device refused to hold more
 * than a queue's worth of chains, 600 chains were popped for one frame
 * and their heads and lengths written past the scratch arrays.
 */
static void test_rx_buffers_alias_avail_idx(void)
{
	struct net_rx_scratch *s = malloc(sizeof(*s));
	struct net_hdr h = { 0 };
	unsigned int chains = 600;
	size_t len = 2 * (chains - 1);
	struct virtq vq;
	const char *why = NULL;
	struct vqb b;

	vqb_init(&b, VIRTQ_MAX_SIZE);
	CHECK_EQ(vqb_queue(&b, &vq, false, false), 0);
	vqb_desc(&b, 0, VQB_DATA, NET_HDR_SIZE, W, 0);
	vqb_desc(&b, 1, VQB_AVAIL + 2, 2, W, 0);
	for (unsigned int i = 0; i < VIRTQ_MAX_SIZE; i++)
		vqb_offer(&b, i ? 1 : 0);
	/* Filling chain k (k >= 1) leaves last_avail at k + 1. */
	for (unsigned int k = 1; k < chains; k++) {
		uint16_t idx = (uint16_t)(k + 1 + 100);

		frame[2 * (k - 1)] = (uint8_t)idx;
		frame[2 * (k - 1) + 1] = (uint8_t)(idx >> 8);
	}
	CHECK(s != NULL);
	if (s)
		CHECK_EQ(net_rx_put(&vq, s, true, &h, frame, len, &why), -EINVAL);
	CHECK(why != NULL);
	/* Nothing was given back for a frame that was never placed. */
	CHECK_EQ(vqb_used_idx(&b), 0);
	free(s);
	vqb_free(&b);
}

static const struct unit_test tests[] = {
	{ "hdr-roundtrip", test_hdr_roundtrip },
	{ "features", test_features },
	{ "hdr-check", test_hdr_check },
	{ "tx-copy", test_tx_copy },
	{ "tx-short-chains", test_tx_short_chains },
	{ "rx-single", test_rx_single },
	{ "rx-mergeable", test_rx_mergeable },
	{ "rx-never-fits", test_rx_never_fits },
	{ "rx-broken", test_rx_broken },
	{ "rx-split-header", test_rx_split_header },
	{ "rx-buffers-alias-avail-idx", test_rx_buffers_alias_avail_idx },
};

UNIT_MAIN(tests)

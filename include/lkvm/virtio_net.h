/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_VIRTIO_NET_H
#define LKVM_VIRTIO_NET_H

#include <lkvm/virtqueue.h>

/*
 * virtio-net (VIRTIO 1.2 section 5.1): the frame side of the device,
 * with no backend, no threads and no KVM (virtio/net_queue.c), so that
 * unit tests and fuzzers drive every rule through fake guest memory.
 */

#define VIRTIO_ID_NET 1

#define VIRTIO_NET_F_CSUM 0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MTU 3
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_GUEST_TSO4 7
#define VIRTIO_NET_F_GUEST_TSO6 8
#define VIRTIO_NET_F_HOST_TSO4 11
#define VIRTIO_NET_F_HOST_TSO6 12
#define VIRTIO_NET_F_MRG_RXBUF 15
#define VIRTIO_NET_F_STATUS 16

#define VIRTIO_NET_S_LINK_UP 1U

#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1U
#define VIRTIO_NET_HDR_F_DATA_VALID 2U
#define VIRTIO_NET_HDR_GSO_NONE 0U
#define VIRTIO_NET_HDR_GSO_TCPV4 1U
#define VIRTIO_NET_HDR_GSO_TCPV6 4U

/* With VIRTIO_F_VERSION_1 every frame has this 12-byte header. */
#define NET_HDR_SIZE 12U
#define NET_ETH_HLEN 14U
/*
 * The largest frame either side may pass, header excluded: the largest
 * IP packet (64 KiB, also the largest GSO super-frame) behind an
 * Ethernet header with one VLAN tag.
 */
#define NET_FRAME_MAX (65535U + NET_ETH_HLEN + 4U)

/* struct virtio_net_hdr_v1, decoded (the guest's copy is little-endian). */
struct net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};

void net_hdr_decode(const uint8_t raw[NET_HDR_SIZE], struct net_hdr *h);
void net_hdr_encode(const struct net_hdr *h, uint8_t raw[NET_HDR_SIZE]);

/* Which offloads a header may use: from the negotiated feature bits. */
struct net_offloads {
	bool csum;		/* NEEDS_CSUM (and DATA_VALID, receive side) */
	bool tso4;
	bool tso6;
};

/* Transmit side: what the driver may send (CSUM, HOST_TSO4/6). */
struct net_offloads net_tx_offloads(uint64_t features);
/* Receive side: what the driver accepts (GUEST_CSUM, GUEST_TSO4/6). */
struct net_offloads net_rx_offloads(uint64_t features);

/*
 * Checks a header against the offloads in force for a frame of
 * @frame_len bytes. Checked: only known flag bits, and only those
 * allowed; a GSO type that is allowed, with a non-zero gso_size and
 * NEEDS_CSUM; checksum start and offset inside the frame. Returns NULL
 * when the header is acceptable, else the reason.
 */
const char *net_hdr_check(const struct net_hdr *h,
			  const struct net_offloads *ok, size_t frame_len);

/*
 * Copies one transmit chain out of guest memory into @buf (capacity
 * NET_HDR_SIZE + NET_FRAME_MAX): the header, then the frame. Only the
 * copy is checked and used afterwards, so the guest cannot change what
 * lkvm checked. Guest-controlled: the whole chain (memory-safe already,
 * from virtq_pop()). Checked: the readable part holds a header and a
 * frame of NET_ETH_HLEN to NET_FRAME_MAX bytes; the header passes
 * net_hdr_check() for @ok. Returns the frame length, or -EMSGSIZE /
 * -EINVAL with @why: the frame is dropped, the chain still returned.
 */
int net_tx_copy(const struct virtq_chain *c, uint8_t *buf,
		const struct net_offloads *ok, const char **why);

/* Chains popped for one frame in flight to the guest. */
struct net_rx_scratch {
	struct virtq_chain first;	/* holds the header */
	struct virtq_chain next;
	uint16_t heads[VIRTQ_MAX_SIZE];
	uint32_t lens[VIRTQ_MAX_SIZE];
};

/*
 * Puts one received frame, behind header @hdr (num_buffers is filled in
 * here), into receive queue @vq. Without @mergeable the whole frame must
 * fit one chain; with it (VIRTIO_NET_F_MRG_RXBUF) it is spread over as
 * many chains as it needs. Guest-controlled: the queue and its chains.
 * Checked: each chain has writable space; the first holds the whole
 * header. Returns 1 when delivered; 0 when the guest has not posted
 * enough buffers yet (nothing consumed: try again after its next kick);
 * -EMSGSIZE when the frame cannot fit the buffers the guest gives it
 * (nothing consumed: drop the frame); -EINVAL with @why for a broken
 * ring.
 */
int net_rx_put(struct virtq *vq, struct net_rx_scratch *s, bool mergeable,
	       const struct net_hdr *hdr, const uint8_t *frame, size_t len,
	       const char **why);

#endif

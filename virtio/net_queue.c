// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net frames in and out of the virtqueues: header checks, the
 * transmit copy and receive delivery (mergeable buffers included). Pure
 * code over struct virtq; see include/lkvm/virtio_net.h.
 */
#include <lkvm/virtio_net.h>

#include <lkvm/virtio.h>

#include <endian.h>
#include <errno.h>
#include <string.h>

#define GSO_ECN 0x80U

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return le16toh(v);
}

static void put16(uint8_t *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, 2);
}

void net_hdr_decode(const uint8_t raw[NET_HDR_SIZE], struct net_hdr *h)
{
	h->flags = raw[0];
	h->gso_type = raw[1];
	h->hdr_len = get16(raw + 2);
	h->gso_size = get16(raw + 4);
	h->csum_start = get16(raw + 6);
	h->csum_offset = get16(raw + 8);
	h->num_buffers = get16(raw + 10);
}

void net_hdr_encode(const struct net_hdr *h, uint8_t raw[NET_HDR_SIZE])
{
	raw[0] = h->flags;
	raw[1] = h->gso_type;
	put16(raw + 2, h->hdr_len);
	put16(raw + 4, h->gso_size);
	put16(raw + 6, h->csum_start);
	put16(raw + 8, h->csum_offset);
	put16(raw + 10, h->num_buffers);
}

static bool has(uint64_t features, unsigned int bit)
{
	return features & BIT_ULL(bit);
}

struct net_offloads net_tx_offloads(uint64_t features)
{
	bool csum = has(features, VIRTIO_NET_F_CSUM);

	/* TSO without checksum offload is meaningless (section 5.1.3.1). */
	return (struct net_offloads){
		.csum = csum,
		.tso4 = csum && has(features, VIRTIO_NET_F_HOST_TSO4),
		.tso6 = csum && has(features, VIRTIO_NET_F_HOST_TSO6),
	};
}

struct net_offloads net_rx_offloads(uint64_t features)
{
	bool csum = has(features, VIRTIO_NET_F_GUEST_CSUM);

	return (struct net_offloads){
		.csum = csum,
		.tso4 = csum && has(features, VIRTIO_NET_F_GUEST_TSO4),
		.tso6 = csum && has(features, VIRTIO_NET_F_GUEST_TSO6),
	};
}

const char *net_hdr_check(const struct net_hdr *h,
			  const struct net_offloads *ok, size_t frame_len)
{
	unsigned int known = ok->csum ? VIRTIO_NET_HDR_F_NEEDS_CSUM |
						VIRTIO_NET_HDR_F_DATA_VALID :
					0;

	if (h->flags & ~known)
		return "header flags the negotiated features do not allow";
	switch (h->gso_type) {
	case VIRTIO_NET_HDR_GSO_NONE:
		break;
	case VIRTIO_NET_HDR_GSO_TCPV4:
	case VIRTIO_NET_HDR_GSO_TCPV6:
		if (!(h->gso_type == VIRTIO_NET_HDR_GSO_TCPV4 ? ok->tso4 :
								  ok->tso6))
			return "segmentation offload that was not negotiated";
		if (!h->gso_size || !(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
			return "segmentation offload without a segment size or a partial checksum";
		if (h->hdr_len > frame_len)
			return "header length beyond the frame";
		break;
	default:
		return "unknown or unsupported segmentation type";
	}
	if ((h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
	    (size_t)h->csum_start + h->csum_offset + 2 > frame_len)
		return "checksum position beyond the frame";
	return NULL;
}

int net_tx_copy(const struct virtq_chain *c, uint8_t *buf,
		const struct net_offloads *ok, const char **why)
{
	struct net_hdr h;
	size_t len;

	if (c->out_len < NET_HDR_SIZE) {
		*why = "transmit buffer shorter than the virtio-net header";
		return -EINVAL;
	}
	len = c->out_len - NET_HDR_SIZE;
	if (len < NET_ETH_HLEN) {
		*why = "frame shorter than an Ethernet header";
		return -EINVAL;
	}
	if (len > NET_FRAME_MAX) {
		*why = "frame larger than 64 KiB";
		return -EMSGSIZE;
	}
	if (virtq_copy_from_out(c, 0, buf, NET_HDR_SIZE + len) !=
	    NET_HDR_SIZE + len) {
		*why = "transmit buffer shorter than it claims";
		return -EINVAL;
	}
	net_hdr_decode(buf, &h);
	/* A receive-side flag (section 5.1.6.2). */
	if (h.flags & VIRTIO_NET_HDR_F_DATA_VALID) {
		*why = "DATA_VALID set on a transmitted frame";
		return -EINVAL;
	}
	*why = net_hdr_check(&h, ok, len);
	if (*why)
		return -EINVAL;
	return (int)len;
}

/* Copies [hdr | frame] from byte @from of the whole into chain @c. */
static uint32_t fill_chain(const struct virtq_chain *c, size_t from,
			   const uint8_t raw[NET_HDR_SIZE],
			   const uint8_t *frame, size_t len)
{
	size_t total = NET_HDR_SIZE + len, at = 0;

	while (at < c->in_len && from < total) {
		size_t n;

		if (from < NET_HDR_SIZE)
			n = virtq_copy_to_in(c, at, raw + from,
					     MIN(NET_HDR_SIZE - from,
						 c->in_len - at));
		else
			n = virtq_copy_to_in(c, at, frame + (from - NET_HDR_SIZE),
					     MIN(total - from, c->in_len - at));
		if (!n)
			break;
		at += n;
		from += n;
	}
	return (uint32_t)at;
}

int net_rx_put(struct virtq *vq, struct net_rx_scratch *s, bool mergeable,
	       const struct net_hdr *hdr, const uint8_t *frame, size_t len,
	       const char **why)
{
	size_t total = NET_HDR_SIZE + len, done = 0;
	uint8_t raw[NET_HDR_SIZE], nbuf[2];
	struct net_hdr h = *hdr;
	uint16_t n = 0;

	h.num_buffers = 1;
	net_hdr_encode(&h, raw);
	while (done < total) {
		struct virtq_chain *c = n ? &s->next : &s->first;
		int r;

		/* virtq_pop() already refuses this; the arrays rely on it. */
		if (n == ARRAY_SIZE(s->heads)) {
			virtq_unpop(vq, n);
			*why = "frame spread over more buffers than a queue holds";
			return -EINVAL;
		}
		r = virtq_pop(vq, c, why);

		if (r < 0)
			return r;
		if (r == 0) {
			/* Every buffer the ring can hold is not enough. */
			bool never = n == vq->num;

			virtq_unpop(vq, n);
			return never ? -EMSGSIZE : 0;
		}
		if (!c->in_len) {
			*why = "receive buffer without device-writable space";
			return -EINVAL;
		}
		if (!n && c->in_len < NET_HDR_SIZE) {
			*why = "receive buffer smaller than the virtio-net header";
			return -EINVAL;
		}
		if (!mergeable && c->in_len < total) {
			virtq_unpop(vq, 1);
			return -EMSGSIZE;
		}
		s->heads[n] = c->head;
		s->lens[n] = fill_chain(c, done, raw, frame, len);
		done += s->lens[n];
		n++;
	}
	if (mergeable) {
		put16(nbuf, n);
		virtq_copy_to_in(&s->first, 10, nbuf, 2);
	}
	for (uint16_t i = 0; i < n; i++)
		virtq_push(vq, s->heads[i], s->lens[i]);
	return 1;
}

// SPDX-License-Identifier: GPL-2.0
/* virtio-blk request parsing: pure, so every rule is unit-tested. */
#include <lkvm/virtio_blk.h>

#include <endian.h>
#include <errno.h>
#include <string.h>

struct blk_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

struct blk_discard_raw {
	uint64_t sector;
	uint32_t nr_sectors;
	uint32_t flags;
};

/*
 * Copies the iovecs covering bytes [skip, skip + len) of @src into @dst.
 * The caller knows @src holds at least skip + len bytes.
 */
static unsigned int iov_slice(const struct iovec *src, unsigned int nr,
			      uint64_t skip, uint64_t len, struct iovec *dst)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < nr && len; i++) {
		uint64_t take;

		if (skip >= src[i].iov_len) {
			skip -= src[i].iov_len;
			continue;
		}
		take = MIN(src[i].iov_len - skip, len);
		dst[n++] = (struct iovec){ (uint8_t *)src[i].iov_base + skip,
					   (size_t)take };
		len -= take;
		skip = 0;
	}
	return n;
}

/* Data must be whole sectors inside the disk, in acceptable segments. */
static uint8_t check_rw(const struct blk_req *r, const struct blk_limits *lim)
{
	uint64_t end;

	if (r->data_len % BLK_SECTOR_SIZE)
		return VIRTIO_BLK_S_IOERR;
	if (add_overflows_u64(r->sector, r->data_len / BLK_SECTOR_SIZE, &end) ||
	    end > lim->capacity)
		return VIRTIO_BLK_S_IOERR;
	if (r->nr_iov > lim->seg_max)
		return VIRTIO_BLK_S_IOERR;
	for (unsigned int i = 0; i < r->nr_iov; i++)
		if (r->iov[i].iov_len > lim->size_max)
			return VIRTIO_BLK_S_IOERR;
	return VIRTIO_BLK_S_OK;
}

/* Copies the discard/write-zeroes segments out of the chain, once. */
static uint8_t parse_segments(const struct virtq_chain *c,
			      const struct blk_limits *lim, struct blk_req *r)
{
	bool zeroes = r->type == VIRTIO_BLK_T_WRITE_ZEROES;
	uint32_t max_seg = MIN(zeroes ? lim->max_write_zeroes_seg :
					BLK_MAX_DISCARD_SEG,
			       BLK_MAX_DISCARD_SEG);
	uint32_t max_sectors = zeroes ? lim->max_write_zeroes_sectors :
					lim->max_discard_sectors;

	if (!(zeroes ? lim->write_zeroes : lim->discard))
		return VIRTIO_BLK_S_UNSUPP;
	if (lim->ro)
		return VIRTIO_BLK_S_IOERR;
	if (!r->data_len || r->data_len % sizeof(struct blk_discard_raw) ||
	    r->data_len / sizeof(struct blk_discard_raw) > max_seg)
		return VIRTIO_BLK_S_IOERR;
	r->nr_seg = (unsigned int)(r->data_len / sizeof(struct blk_discard_raw));
	for (unsigned int i = 0; i < r->nr_seg; i++) {
		struct blk_discard_raw raw;
		struct blk_discard_seg *s = &r->seg[i];
		uint64_t end;

		virtq_copy_from_out(c, BLK_HDR_SIZE + i * sizeof(raw), &raw,
				    sizeof(raw));
		s->sector = le64toh(raw.sector);
		s->nr_sectors = le32toh(raw.nr_sectors);
		s->flags = le32toh(raw.flags);
		/* Only WRITE_ZEROES knows a flag, and only UNMAP. */
		if (s->flags & ~(zeroes ? VIRTIO_BLK_WZ_F_UNMAP : 0U))
			return VIRTIO_BLK_S_UNSUPP;
		if (s->nr_sectors > max_sectors ||
		    add_overflows_u64(s->sector, s->nr_sectors, &end) ||
		    end > lim->capacity)
			return VIRTIO_BLK_S_IOERR;
	}
	return VIRTIO_BLK_S_OK;
}

int blk_req_parse(const struct virtq_chain *c, const struct blk_limits *lim,
		  struct blk_req *r, const char **why)
{
	const struct iovec *in = c->iov + c->nr_out;
	struct blk_hdr hdr;

	memset(r, 0, offsetof(struct blk_req, iov));
	r->nr_iov = 0;
	r->nr_seg = 0;
	/* Without a writable byte there is nowhere to put the status. */
	if (!c->nr_in) {
		*why = "virtio-blk request without a status byte";
		return -EINVAL;
	}
	r->status_byte = (uint8_t *)in[c->nr_in - 1].iov_base +
			 in[c->nr_in - 1].iov_len - 1;
	if (c->out_len < BLK_HDR_SIZE) {
		r->status = VIRTIO_BLK_S_IOERR;
		return 0;
	}
	virtq_copy_from_out(c, 0, &hdr, sizeof(hdr));
	r->type = le32toh(hdr.type);
	r->sector = le64toh(hdr.sector);

	switch (r->type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_GET_ID:
		r->data_len = c->in_len - 1U;
		r->nr_iov = iov_slice(in, c->nr_in, 0, r->data_len, r->iov);
		if (r->type == VIRTIO_BLK_T_IN)
			r->status = check_rw(r, lim);
		break;
	case VIRTIO_BLK_T_OUT:
		r->data_len = c->out_len - BLK_HDR_SIZE;
		r->nr_iov = iov_slice(c->iov, c->nr_out, BLK_HDR_SIZE,
				      r->data_len, r->iov);
		r->status = lim->ro ? VIRTIO_BLK_S_IOERR : check_rw(r, lim);
		break;
	case VIRTIO_BLK_T_FLUSH:
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		r->data_len = c->out_len - BLK_HDR_SIZE;
		r->status = parse_segments(c, lim, r);
		break;
	default:
		r->status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
	return 0;
}

uint32_t blk_req_written(const struct blk_req *r, uint32_t id_len)
{
	if (r->status != VIRTIO_BLK_S_OK)
		return 1;
	if (r->type == VIRTIO_BLK_T_IN)
		return (uint32_t)r->data_len + 1U;
	if (r->type == VIRTIO_BLK_T_GET_ID)
		return id_len + 1U;
	return 1;
}

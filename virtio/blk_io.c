// SPDX-License-Identifier: GPL-2.0
/*
 * Carrying out checked virtio-blk requests against the image file:
 * preadv/pwritev, fdatasync, fallocate. Separate from the device so that
 * fuzzers drive the whole request path against a scratch file.
 */
#include <lkvm/virtio_blk.h>

#include <lkvm/log.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <string.h>
#include <unistd.h>

/*
 * lkvm-blk-null, a test build for tests/bench/blk.sh (Makefile): reads,
 * writes and flushes complete without touching the image, and reads
 * leave the guest's buffers as they were, so that the benchmark sees
 * what the transport alone costs. lkvm itself never has it.
 */
#ifdef LKVM_BLK_NULL_TEST
#define NULL_BACKEND true
#else
#define NULL_BACKEND false
#endif

/* Transfers all of @iov at @off, resuming after short transfers. */
int blk_rw_all(int fd, struct iovec *iov, unsigned int nr, uint64_t off,
		  bool write)
{
	while (nr) {
		ssize_t n = write ? pwritev(fd, iov, (int)nr, (off_t)off) :
				    preadv(fd, iov, (int)nr, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;	/* the image shrank under us */
		off += (uint64_t)n;
		while (nr && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			nr--;
		}
		if (nr) {
			iov->iov_base = (uint8_t *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

static int write_zeroes_slow(const struct blk_backend *b, uint64_t off,
			     uint64_t len)
{
	/* Outside .rodata: sandbox/init_blob.S says why. */
	static const uint8_t zeroes[65536]
		__attribute__((section(".lkvm_cold_rodata.zeroes")));

	while (len) {
		size_t n = (size_t)MIN(len, sizeof(zeroes));
		struct iovec iov = { (void *)zeroes, n };
		int ret;

		if (b->cancel && atomic_load(b->cancel))
			return -ECANCELED;
		ret = blk_rw_all(b->fd, &iov, 1, off, true);

		if (ret)
			return ret;
		off += n;
		len -= n;
	}
	return 0;
}

static int punch(int fd, uint64_t off, uint64_t len)
{
	return fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			 (off_t)off, (off_t)len) ? -errno : 0;
}

/* DISCARD frees space where it can; WRITE_ZEROES must read back zeroes. */
static int discard_seg(const struct blk_backend *b, const struct blk_req *r,
		       const struct blk_discard_seg *s)
{
	uint64_t off = s->sector * BLK_SECTOR_SIZE;
	uint64_t len = (uint64_t)s->nr_sectors * BLK_SECTOR_SIZE;
	int ret;

	if (!len)
		return 0;
	if (r->type == VIRTIO_BLK_T_DISCARD)
		return punch(b->fd, off, len);
	if (s->flags & VIRTIO_BLK_WZ_F_UNMAP) {
		ret = punch(b->fd, off, len);
	} else {
		ret = fallocate(b->fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
				(off_t)off, (off_t)len) ? -errno : 0;
		if (ret == -EOPNOTSUPP)
			ret = punch(b->fd, off, len);
	}
	if (ret == -EOPNOTSUPP)
		ret = write_zeroes_slow(b, off, len);
	return ret;
}

static void mark_unsynced(const struct blk_backend *b)
{
	if (b->unsynced)
		atomic_store(b->unsynced, true);
}

uint8_t blk_req_execute(const struct blk_backend *b, struct blk_req *r,
			uint32_t *id_len)
{
	uint64_t off = r->sector * BLK_SECTOR_SIZE;
	int ret = 0;

	switch (r->type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		ret = NULL_BACKEND ? 0 :
				     blk_rw_all(b->fd, r->iov, r->nr_iov, off,
						r->type == VIRTIO_BLK_T_OUT);
		if (r->type == VIRTIO_BLK_T_OUT)
			mark_unsynced(b);
		break;
	case VIRTIO_BLK_T_FLUSH:
		/*
		 * Completed writes reach the disk before the guest hears so.
		 * Writes that complete from here on may miss this fdatasync:
		 * they mark the disk again after it is cleared.
		 */
		if (b->unsynced)
			atomic_store(b->unsynced, false);
		ret = b->ro || NULL_BACKEND ? 0 :
					     (fdatasync(b->fd) ? -errno : 0);
		if (ret)
			mark_unsynced(b);
		break;
	case VIRTIO_BLK_T_GET_ID:
		*id_len = (uint32_t)MIN(r->data_len, VIRTIO_BLK_ID_BYTES);
		for (unsigned int i = 0, done = 0; i < r->nr_iov && done < *id_len;
		     i++) {
			size_t n = MIN(r->iov[i].iov_len, *id_len - done);

			memcpy(r->iov[i].iov_base, b->serial + done, n);
			done += (unsigned int)n;
		}
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		for (unsigned int i = 0; !ret && i < r->nr_seg; i++)
			ret = discard_seg(b, r, &r->seg[i]);
		mark_unsynced(b);
		if (ret == -EOPNOTSUPP)
			return VIRTIO_BLK_S_UNSUPP;
		break;
	default:
		return VIRTIO_BLK_S_UNSUPP;
	}
	if (ret) {
		if (log_ratelimit_ok(b->io_rl, 3))
			pr_warn("%s: %s: request type %u at sector %llu failed: %s",
				b->name, b->path, r->type,
				(unsigned long long)r->sector, strerror(-ret));
		return VIRTIO_BLK_S_IOERR;
	}
	return VIRTIO_BLK_S_OK;
}

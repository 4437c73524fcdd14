/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_VIRTIO_BLK_H
#define LKVM_VIRTIO_BLK_H

#include <lkvm/log.h>
#include <lkvm/virtqueue.h>

#include <stdatomic.h>
#include <stdio.h>

/*
 * virtio-blk requests (VIRTIO 1.2 section 5.2.6): parsing and checking
 * one descriptor chain, with no file and no KVM, so that unit tests and
 * fuzzers exercise every rule.
 */

#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_DISCARD 13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_T_DISCARD 11
#define VIRTIO_BLK_T_WRITE_ZEROES 13

#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTIO_BLK_WZ_F_UNMAP 1U

#define BLK_SECTOR_SIZE 512U
#define BLK_HDR_SIZE 16U
#define VIRTIO_BLK_ID_BYTES 20U
/* Segments per DISCARD / WRITE_ZEROES request that lkvm accepts. */
#define BLK_MAX_DISCARD_SEG 16U
/*
 * WRITE_ZEROES may fall back to writing zeroes (a file system without
 * fallocate modes), which a worker does while a reset waits: one segment
 * of at most 32 MiB per request bounds that work. The guest's block
 * layer splits larger requests.
 */
#define BLK_MAX_WRITE_ZEROES_SEG 1U
#define BLK_MAX_WRITE_ZEROES_SECTORS (1U << 16)

/* What the device advertised, and so enforces. */
struct blk_limits {
	uint64_t capacity;		/* in 512-byte sectors */
	uint32_t seg_max;		/* data segments per request */
	uint32_t size_max;		/* bytes per data segment */
	bool ro;
	bool discard;			/* DISCARD negotiated */
	bool write_zeroes;		/* WRITE_ZEROES negotiated */
	uint32_t max_discard_sectors;		/* per DISCARD segment */
	uint32_t max_write_zeroes_sectors;	/* per WRITE_ZEROES segment */
	uint32_t max_write_zeroes_seg;		/* at most BLK_MAX_DISCARD_SEG */
};

struct blk_discard_seg {
	uint64_t sector;
	uint32_t nr_sectors;
	uint32_t flags;
};

struct blk_req {
	uint32_t type;
	uint64_t sector;
	/*
	 * VIRTIO_BLK_S_OK: carry the request out. Otherwise complete it with
	 * this status without touching the disk.
	 */
	uint8_t status;
	uint8_t *status_byte;		/* in guest RAM: the last writable byte */
	/* The data buffers: header and status byte cut off. */
	struct iovec iov[VIRTQ_MAX_SIZE];
	unsigned int nr_iov;
	uint64_t data_len;
	/* DISCARD and WRITE_ZEROES: the segments, copied out once. */
	struct blk_discard_seg seg[BLK_MAX_DISCARD_SEG];
	unsigned int nr_seg;
};

/*
 * Parses the chain @c against @lim. Guest-controlled: everything in the
 * chain (already checked for memory safety by virtq_pop()). Checked: a
 * status byte exists (else -EINVAL: the request cannot even be answered);
 * a 16-byte header (copied once); known type; data length a multiple of
 * 512 and within the disk, the sector arithmetic overflow-checked; at
 * most seg_max segments of at most size_max bytes; no writes to a
 * read-only disk; discard segments in range. A request that fails a
 * check gets r->status IOERR or UNSUPP. Returns 0 or -EINVAL (@why).
 */
int blk_req_parse(const struct virtq_chain *c, const struct blk_limits *lim,
		  struct blk_req *r, const char **why);

/* What executing a request needs to know about the disk. */
struct blk_backend {
	int fd;
	bool ro;
	const char *serial;		/* VIRTIO_BLK_ID_BYTES, for GET_ID */
	const char *name;		/* for messages: "virtio-blk0" */
	const char *path;
	struct log_ratelimit *io_rl;	/* limits I/O error messages */
	/*
	 * Set while a reset waits for requests in flight (may be NULL): long
	 * work stops early and the request completes with IOERR.
	 */
	const atomic_bool *cancel;
	/*
	 * Set when a write, discard or zeroing may not have reached the
	 * disk, cleared as a flush starts (may be NULL): a disk the guest
	 * never wrote needs no fdatasync when lkvm stops.
	 */
	atomic_bool *unsynced;
};

/*
 * Carries out a request blk_req_parse() accepted (r->status OK): reads,
 * writes, flushes, discards or zeroes on @b->fd. Returns the status for
 * the guest; *@id_len is set for GET_ID.
 */
uint8_t blk_req_execute(const struct blk_backend *b, struct blk_req *r,
			uint32_t *id_len);

/* Transfers all of @iov at @off, resuming after short transfers. */
int blk_rw_all(int fd, struct iovec *iov, unsigned int nr, uint64_t off,
	       bool write);

/* Bytes the device wrote into the chain for a completed request. */
uint32_t blk_req_written(const struct blk_req *r, uint32_t id_len);

/* Snapshots: the disks in the manifest (virtio/blk_snapshot.c). */
struct vm_config;
struct json_value;
struct restore_options;
void blk_describe_config(const struct vm_config *cfg, FILE *f);
int blk_config_from_manifest(const struct json_value *config,
			     struct vm_config *cfg,
			     const struct restore_options *ro, char *why,
			     size_t why_len);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_VIRTQUEUE_H
#define LKVM_VIRTQUEUE_H

#include <lkvm/compiler.h>
#include <lkvm/guest_mem.h>

#include <sys/uio.h>

/*
 * Split virtqueues (VIRTIO 1.2 section 2.7), device side. Pure code over
 * struct guest_mem: no KVM, no threads, so unit tests and fuzzers drive
 * it with fake guest memory.
 *
 * Everything in the rings is written by the guest at any time. The rules
 * (Documentation/virtio.md, "What a guest may not do"): the three ring
 * areas are translated once when the queue is enabled; every descriptor
 * is copied out of guest memory once and only the copy is validated and
 * used; a chain walk visits at
 * most queue-size descriptors, indirect ones included; an indirect table
 * may not contain indirect descriptors; lengths are summed with overflow
 * checks.
 */

#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY 1

/* The largest queue lkvm offers (QueueNumMax); a power of two. */
#define VIRTQ_MAX_SIZE 256U

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq {
	const struct guest_mem *mem;
	uint16_t num;			/* queue size, a power of two */
	bool event_idx;			/* VIRTIO_RING_F_EVENT_IDX */
	bool indirect;			/* VIRTIO_RING_F_INDIRECT_DESC */
	uint8_t *desc;			/* host pointers into guest RAM */
	uint8_t *avail;
	uint8_t *used;
	uint16_t last_avail;		/* next avail entry to take */
	uint16_t used_idx;		/* our copy of used->idx */
	uint16_t signalled_used;	/* used_idx at the last interrupt check */
};

/*
 * One descriptor chain as the device sees it: device-readable buffers
 * ("out", iov[0 .. nr_out)) then device-writable ones ("in",
 * iov[nr_out .. nr_out + nr_in)). Zero-length descriptors are checked
 * and counted but leave no iovec.
 */
struct virtq_chain {
	const struct guest_mem *mem;	/* where the buffers are */
	uint16_t head;
	unsigned int nr_out;
	unsigned int nr_in;
	uint32_t out_len;
	uint32_t in_len;
	struct iovec iov[VIRTQ_MAX_SIZE];
};

/*
 * Enables a queue. The guest controls @num and the three addresses: the
 * size must be a power of two up to VIRTQ_MAX_SIZE, each area aligned as
 * the spec says and lying entirely in guest RAM. Returns 0, or -EINVAL
 * with a reason in @why.
 */
int virtq_init(struct virtq *vq, const struct guest_mem *mem, uint32_t num,
	       uint64_t desc, uint64_t avail, uint64_t used, bool event_idx,
	       bool indirect, const char **why);

/*
 * Takes the next available chain. The guest controls the avail index,
 * the ring entries and every descriptor. Returns 1 with @c filled, 0
 * when nothing is available, or -EINVAL with a reason in @why when the
 * ring is broken (the device must then stop using it). A device never
 * holds more than the queue size of popped chains it has not pushed:
 * the next pop refuses, so per-chain scratch arrays of VIRTQ_MAX_SIZE
 * entries cannot overflow, whatever the guest does to the ring.
 */
int virtq_pop(struct virtq *vq, struct virtq_chain *c, const char **why);

/*
 * Gives back the last @n chains virtq_pop() returned, unused and not
 * pushed: the next pops take them again, read and checked anew. For a
 * device that learns only after popping that it cannot use them yet.
 */
void virtq_unpop(struct virtq *vq, uint16_t n);

/*
 * Records that the device wrote into @c's writable buffers by itself (a
 * disk read straight into them, random bytes) rather than through
 * virtq_copy_to_in(), which records its own writes: see
 * guest_mem_wrote(). Call it after the writes, before virtq_push().
 */
void virtq_chain_wrote(const struct virtq_chain *c);

/* Returns a chain to the guest with @len bytes written into it. */
void virtq_push(struct virtq *vq, uint16_t head, uint32_t len);

/*
 * After pushes: whether the guest asked to be interrupted now (used_event
 * with EVENT_IDX, else the NO_INTERRUPT flag).
 */
bool virtq_should_interrupt(struct virtq *vq);

/* Asks the guest not to notify while the device is busy anyway. */
void virtq_disable_notify(struct virtq *vq);

/*
 * Asks the guest to notify for new buffers; returns true when buffers
 * arrived meanwhile, in which case the caller must look again.
 */
bool virtq_enable_notify(struct virtq *vq);

/*
 * Copies @len bytes from the readable part of chain @c (one virtq_pop()
 * filled), from @offset.
 */
size_t virtq_copy_from_out(const struct virtq_chain *c, size_t offset,
			   void *dst, size_t len);
/* Copies into the chain's writable part at @offset; returns bytes done. */
size_t virtq_copy_to_in(const struct virtq_chain *c, size_t offset,
			const void *src, size_t len);
/*
 * Moves the oldest bytes of a circular buffer (@size bytes; *@count
 * queued from *@head) into the chain's writable part, as many as fit;
 * advances *@head and *@count. Returns the bytes moved.
 */
size_t virtq_copy_ring_to_in(const struct virtq_chain *c, const uint8_t *ring,
			     size_t size, size_t *head, size_t *count);

#endif

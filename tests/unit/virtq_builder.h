/*
 * Fake guest RAM and a builder for split virtqueues in it: what a guest
 * driver would write, including everything a hostile one might.
 */
#ifndef LKVM_TEST_VIRTQ_BUILDER_H
#define LKVM_TEST_VIRTQ_BUILDER_H

#include <lkvm/guest_mem.h>
#include <lkvm/virtqueue.h>

#include <stdlib.h>
#include <string.h>

#define VQB_RAM_BASE 0x80000000ULL
#define VQB_RAM_SIZE (1ULL << 20)
/* Fixed guest addresses inside the fake RAM. */
#define VQB_DESC (VQB_RAM_BASE + 0x0000)
#define VQB_AVAIL (VQB_RAM_BASE + 0x2000)
#define VQB_USED (VQB_RAM_BASE + 0x3000)
#define VQB_INDIRECT (VQB_RAM_BASE + 0x5000)
#define VQB_DATA (VQB_RAM_BASE + 0x10000)

struct vqb {
	struct guest_mem mem;
	uint8_t *ram;
	uint16_t num;
	uint16_t avail_idx;
};

static inline void *vqb_host(struct vqb *b, uint64_t gpa)
{
	return b->ram + (gpa - VQB_RAM_BASE);
}

static inline void vqb_init(struct vqb *b, uint16_t num)
{
	b->ram = calloc(1, VQB_RAM_SIZE);
	guest_mem_wrap(&b->mem, VQB_RAM_BASE, b->ram, VQB_RAM_SIZE);
	b->num = num;
	b->avail_idx = 0;
}

static inline void vqb_free(struct vqb *b)
{
	free(b->ram);
}

/* Descriptor @i of the table at guest address @table. */
static inline void vqb_desc_at(struct vqb *b, uint64_t table, unsigned int i,
			       uint64_t addr, uint32_t len, uint16_t flags,
			       uint16_t next)
{
	struct virtq_desc d = { addr, len, flags, next };

	memcpy(vqb_host(b, table + 16ULL * i), &d, sizeof(d));
}

static inline void vqb_desc(struct vqb *b, unsigned int i, uint64_t addr,
			    uint32_t len, uint16_t flags, uint16_t next)
{
	vqb_desc_at(b, VQB_DESC, i, addr, len, flags, next);
}

/* Makes @head available, as the driver would. */
static inline void vqb_offer(struct vqb *b, uint16_t head)
{
	uint16_t *ring = vqb_host(b, VQB_AVAIL + 4);

	ring[b->avail_idx % b->num] = head;
	b->avail_idx++;
	*(uint16_t *)vqb_host(b, VQB_AVAIL + 2) = b->avail_idx;
}

static inline void vqb_set_avail_idx(struct vqb *b, uint16_t idx)
{
	b->avail_idx = idx;
	*(uint16_t *)vqb_host(b, VQB_AVAIL + 2) = idx;
}

static inline int vqb_queue(struct vqb *b, struct virtq *vq, bool event_idx,
			    bool indirect)
{
	const char *why;

	return virtq_init(vq, &b->mem, b->num, VQB_DESC, VQB_AVAIL, VQB_USED,
			  event_idx, indirect, &why);
}

static inline uint16_t vqb_used_idx(struct vqb *b)
{
	return *(uint16_t *)vqb_host(b, VQB_USED + 2);
}

/* The used element @i: id and len. */
static inline uint32_t vqb_used_elem(struct vqb *b, unsigned int i, bool len)
{
	return *(uint32_t *)vqb_host(b, VQB_USED + 4 + 8ULL * i + (len ? 4 : 0));
}

#endif

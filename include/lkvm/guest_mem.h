/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_GUEST_MEM_H
#define LKVM_GUEST_MEM_H

#include <lkvm/compiler.h>

#include <stdatomic.h>

/* What the device is about to read in guest RAM (see before_read). */
enum guest_read {
	GUEST_READ_AVAIL_IDX,	/* avail->idx */
	GUEST_READ_AVAIL_RING,	/* an avail ring entry: a chain's head */
	GUEST_READ_DESC,	/* a descriptor of the queue's table */
	GUEST_READ_INDIRECT,	/* a descriptor of an indirect table */
	GUEST_READ_EVENT,	/* avail->flags or used_event */
	GUEST_READ_BUFFER,	/* device-readable data, copied out */
	GUEST_READ_KINDS
};

/*
 * Guest RAM: one contiguous range of guest physical addresses backed by
 * one host mapping. Every guest address lkvm dereferences goes through
 * guest_mem_ptr(), which checks the whole range, overflow included.
 */
struct guest_mem {
	uint64_t gpa_base;
	uint64_t size;
	uint8_t *host;		/* host address of gpa_base */
	void *map_base;		/* what to munmap (NULL: not owned) */
	size_t map_len;
	/*
	 * Tests only; NULL in lkvm. Called before each read of guest RAM
	 * the virtqueue code makes (@len bytes at host address @p), so that
	 * a test can change RAM there as a guest's other vcpus may at any
	 * moment: the racing-guest model of tests/fuzz/fuzz_race.h.
	 */
	void (*before_read)(void *ctx, enum guest_read what, const void *p,
			    size_t len);
	void *before_read_ctx;
	/*
	 * The pages lkvm's own threads wrote: what devices put into the
	 * guest's buffers and rings. KVM's dirty log sees only the guest's
	 * writes, so a live migration takes these too (core/dirty_log.c).
	 * One bit per host page (@page_shift), set by guest_mem_wrote()
	 * after the write; NULL where nothing needs them (tests).
	 */
	atomic_ulong *written;
	unsigned int page_shift;
	/*
	 * What a snapshot learns about RAM without reading it (ram_scan.h):
	 * /proc/self/pagemap, opened before the seccomp filter, and the
	 * file RAM is mapped copy-on-write from. -1 when absent; valid only
	 * with @map_base (memory lkvm allocated).
	 */
	int pagemap_fd;
	int file_fd;
};

/* Anonymous, 2 MiB-aligned, transparent-huge-page-advised RAM. */
int guest_mem_alloc(struct guest_mem *mem, uint64_t gpa_base, uint64_t size);
/*
 * RAM whose contents are the file @fd (a snapshot's RAM), mapped
 * copy-on-write: pages are read when the guest first touches them and
 * the guest's writes never reach the file. The file must not shrink
 * while mapped: pages beyond its end would fault (SIGBUS).
 */
int guest_mem_map_file(struct guest_mem *mem, uint64_t gpa_base,
		       uint64_t size, int fd);
void guest_mem_free(struct guest_mem *mem);

/*
 * Asks the host to back the 2 MiB blocks holding [@gpa, @gpa + @len)
 * with small pages: a small blob written alone into a block (the DTB,
 * a bare-metal payload) then costs one 4 KiB page instead of a cleared
 * 2 MiB one. Advice
 * only, for RAM lkvm allocated; the range must lie inside RAM.
 */
void guest_mem_small_pages(const struct guest_mem *mem, uint64_t gpa,
			   uint64_t len);

/*
 * Starts keeping @mem->written (guest_mem_alloc() does it for lkvm's RAM;
 * tests call it on wrapped memory). 0 or -ENOMEM.
 */
int guest_mem_track_writes(struct guest_mem *mem);

/*
 * Records that lkvm wrote [@p, @p + @len) of guest RAM (@p a host
 * pointer into it). Every write lkvm's threads make into guest RAM is
 * followed by this, before the write is published (a used ring index,
 * an interrupt): a migration that reads the page after taking the bit
 * sees the write. Thread-safe; a no-op without @mem or @mem->written.
 */
void guest_mem_wrote(const struct guest_mem *mem, const void *p, size_t len);

/*
 * Moves the bits of pages written since the last call into @bits (ORed
 * in; one bit per page, unsigned long words, as KVM's dirty log).
 */
void guest_mem_take_written(const struct guest_mem *mem, unsigned long *bits);

/* Whether @len bytes (a multiple of 8) at @p, 8-aligned, are all zero. */
bool guest_mem_is_zero(const void *p, size_t len);

/* Pages of RAM, in @mem->page_shift units. */
static inline uint64_t guest_mem_pages(const struct guest_mem *mem)
{
	return mem->size >> mem->page_shift;
}

/* Wraps caller-owned memory (unit tests, fuzzers). */
void guest_mem_wrap(struct guest_mem *mem, uint64_t gpa_base, void *buf,
		    uint64_t size);

/*
 * Host pointer for [gpa, gpa + len) when that whole range lies inside
 * RAM, NULL otherwise (including wrap-around). len may be zero, in which
 * case gpa must still lie inside RAM or at its end.
 */
void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len);

/* Lets a test's racing guest act before the device reads @p (see above). */
static inline void guest_mem_before_read(const struct guest_mem *mem,
					 enum guest_read what, const void *p,
					 size_t len)
{
	if (__builtin_expect(mem->before_read != NULL, 0))
		mem->before_read(mem->before_read_ctx, what, p, len);
}

static inline uint64_t guest_mem_end(const struct guest_mem *mem)
{
	return mem->gpa_base + mem->size;
}

#endif

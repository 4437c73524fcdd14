/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_GUEST_MEM_H
#define LKVM_GUEST_MEM_H

#include <lkvm/compiler.h>

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

/* Wraps caller-owned memory (unit tests, fuzzers). */
void guest_mem_wrap(struct guest_mem *mem, uint64_t gpa_base, void *buf,
		    uint64_t size);

/*
 * Host pointer for [gpa, gpa + len) when that whole range lies inside
 * RAM, NULL otherwise (including wrap-around). len may be zero, in which
 * case gpa must still lie inside RAM or at its end.
 */
void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len);

static inline uint64_t guest_mem_end(const struct guest_mem *mem)
{
	return mem->gpa_base + mem->size;
}

#endif

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_RAM_SCAN_H
#define LKVM_RAM_SCAN_H

#include <lkvm/compiler.h>

struct guest_mem;

/*
 * Which blocks of guest RAM may hold something other than zeros, known
 * without reading them, so that a snapshot's pause follows what the
 * guest touched rather than its RAM size (Documentation/snapshot.md).
 *
 * The kernel's page table says it (/proc/self/pagemap, opened before
 * the seccomp filter and kept in the guest_mem): a page of anonymous
 * private memory that is neither present nor swapped out has never been
 * written and reads as zeros. RAM mapped copy-on-write from a snapshot's
 * file (a restored VM) reads the file where a page is not present, so
 * there the file's data ranges (SEEK_DATA) count too. Without a pagemap
 * every block may hold data: the caller reads them all.
 */

/* Blocks of this size: a snapshot's RAM file has holes of whole blocks. */
#define RAM_BLOCK SZ_64K

#define RAM_PM_PRESENT (1ULL << 63)
#define RAM_PM_SWAPPED (1ULL << 62)
/* The page is the file's (or shared anonymous memory), not a private copy. */
#define RAM_PM_FILE (1ULL << 61)

static inline uint64_t ram_blocks(uint64_t ram_size)
{
	return (ram_size + RAM_BLOCK - 1) / RAM_BLOCK;
}

static inline bool ram_block_test(const unsigned long *bits, uint64_t block)
{
	return (bits[block / BITS_PER_WORD] >> (block % BITS_PER_WORD)) & 1;
}

/*
 * A bitmap of ram_blocks(@mem->size) bits, a bit set for each block
 * that may hold data; every bit when RAM's pages cannot be told apart.
 * Free it with free(); NULL when out of memory. Call it with nothing
 * running that could write RAM (vcpus parked, devices quiet).
 */
unsigned long *ram_scan_blocks(const struct guest_mem *mem);

/*
 * Reads @mem's entries of /proc/self/pagemap in chunks, calling @fn with
 * each: @page is the RAM page (offset >> page_shift) of entries[0].
 * 0 or -errno.
 */
typedef void (*ram_pagemap_fn)(void *ctx, uint64_t page,
			       const uint64_t *entries, size_t n);
int ram_pagemap_walk(const struct guest_mem *mem, ram_pagemap_fn fn,
		     void *ctx);

/* The pure parts, for tests. */

/* Sets the bit of each block [@off, @off + @len) touches, within @size. */
void ram_blocks_mark(unsigned long *bits, uint64_t size, uint64_t off,
		     uint64_t len);

/*
 * Marks the pages among the pagemap @entries that are present or swapped
 * out; entry i is the page at RAM offset @off + (i << @page_shift).
 */
void ram_blocks_mark_pagemap(unsigned long *bits, uint64_t size, uint64_t off,
			     const uint64_t *entries, size_t n,
			     unsigned int page_shift);

#endif

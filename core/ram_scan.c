// SPDX-License-Identifier: GPL-2.0
/*
 * Which blocks of guest RAM may hold data, from the kernel's page table
 * and the file RAM is mapped from (include/lkvm/ram_scan.h).
 */
#include <lkvm/ram_scan.h>

#include <lkvm/guest_mem.h>
#include <lkvm/log.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void ram_blocks_mark(unsigned long *bits, uint64_t size, uint64_t off,
		     uint64_t len)
{
	uint64_t end;

	if (off >= size || !len)
		return;
	end = len > size - off ? size : off + len;
	for (uint64_t b = off / RAM_BLOCK; b <= (end - 1) / RAM_BLOCK; b++)
		bits[b / BITS_PER_WORD] |= 1UL << (b % BITS_PER_WORD);
}

void ram_blocks_mark_pagemap(unsigned long *bits, uint64_t size, uint64_t off,
			     const uint64_t *entries, size_t n,
			     unsigned int page_shift)
{
	for (size_t i = 0; i < n; i++)
		if (entries[i] & (RAM_PM_PRESENT | RAM_PM_SWAPPED))
			ram_blocks_mark(bits, size,
					off + ((uint64_t)i << page_shift),
					1ULL << page_shift);
}

int ram_pagemap_walk(const struct guest_mem *mem, ram_pagemap_fn fn,
		     void *ctx)
{
	uint64_t entries[512];
	uint64_t first = (uintptr_t)mem->host >> mem->page_shift;
	uint64_t pages =
		(mem->size + (1ULL << mem->page_shift) - 1) >> mem->page_shift;

	for (uint64_t i = 0; i < pages;) {
		size_t want = (size_t)MIN(ARRAY_SIZE(entries), pages - i);
		ssize_t got =
			pread(mem->pagemap_fd, entries, want * sizeof(*entries),
			      (off_t)((first + i) * sizeof(*entries)));

		if (got < 0 && errno == EINTR)
			continue;
		if (got < (ssize_t)sizeof(*entries))
			return got < 0 ? -errno : -EIO;
		want = (size_t)got / sizeof(*entries);
		fn(ctx, i, entries, want);
		i += want;
	}
	return 0;
}

struct mark_ctx {
	const struct guest_mem *mem;
	unsigned long *bits;
};

static void mark_entries(void *ctx, uint64_t page, const uint64_t *entries,
			 size_t n)
{
	const struct mark_ctx *m = ctx;

	ram_blocks_mark_pagemap(m->bits, m->mem->size,
				page << m->mem->page_shift, entries, n,
				m->mem->page_shift);
}

/* The pages the kernel has for RAM, present or swapped out. */
static int mark_populated(const struct guest_mem *mem, unsigned long *bits)
{
	struct mark_ctx m = { mem, bits };

	return ram_pagemap_walk(mem, mark_entries, &m);
}

/* The data ranges of the file RAM is mapped from (not its holes). */
static int mark_file_data(const struct guest_mem *mem, unsigned long *bits)
{
	off_t end = (off_t)mem->size;

	for (off_t off = 0; off < end;) {
		off_t data = lseek(mem->file_fd, off, SEEK_DATA), hole;

		if (data < 0)
			return errno == ENXIO ? 0 : -errno;
		if (data >= end)
			return 0;
		hole = lseek(mem->file_fd, data, SEEK_HOLE);
		if (hole <= data)
			return hole < 0 ? -errno : -EIO;
		ram_blocks_mark(bits, mem->size, (uint64_t)data,
				(uint64_t)(hole - data));
		off = hole;
	}
	return 0;
}

unsigned long *ram_scan_blocks(const struct guest_mem *mem)
{
	uint64_t words =
		(ram_blocks(mem->size) + BITS_PER_WORD - 1) / BITS_PER_WORD;
	unsigned long *bits = calloc(words ? words : 1, sizeof(*bits));
	int ret = -ENOENT;

	if (!bits)
		return NULL;
	if (mem->pagemap_fd >= 0) {
		ret = mark_populated(mem, bits);
		if (!ret && mem->file_fd >= 0)
			ret = mark_file_data(mem, bits);
		if (ret)
			pr_debug("snapshot: cannot tell which RAM pages hold data (%s): reading all of RAM",
				 strerror(-ret));
	}
	if (ret)
		ram_blocks_mark(bits, mem->size, 0, mem->size);
	return bits;
}

/*
 * Which RAM blocks a snapshot reads: pagemap entries and file data
 * ranges marking blocks, and the RAM writer fed a fake pagemap (a
 * sparse file at the offsets /proc/self/pagemap would have) and a fake
 * snapshot file, so that what it skips is visible in what it writes.
 */
#include "fake_pagemap.h"
#include "harness.h"

#include <lkvm/guest_mem.h>
#include <lkvm/ram_scan.h>
#include <lkvm/ram_touch.h>
#include <lkvm/snapshot.h>
#include <lkvm/state.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAGE_SHIFT 12
#define PAGE	   (1ULL << PAGE_SHIFT)

/* The set bits of @bits as a list, -1 ended, into @out. */
static unsigned int set_blocks(const unsigned long *bits, uint64_t nblocks,
			       uint64_t *out, unsigned int max)
{
	unsigned int n = 0;

	for (uint64_t b = 0; b < nblocks && n < max; b++)
		if (ram_block_test(bits, b))
			out[n++] = b;
	return n;
}

static void test_mark_range(void)
{
	uint64_t size = 3 * RAM_BLOCK + PAGE; /* a partial last block */
	unsigned long bits[1] = {0};
	uint64_t got[8];

	ram_blocks_mark(bits, size, RAM_BLOCK - 1, 2);
	CHECK_EQ(set_blocks(bits, ram_blocks(size), got, 8), 2);
	CHECK_EQ(got[0], 0);
	CHECK_EQ(got[1], 1);
	bits[0] = 0;
	/* Clamped at the end of RAM, overflow included; nothing past it. */
	ram_blocks_mark(bits, size, 3 * RAM_BLOCK, UINT64_MAX);
	ram_blocks_mark(bits, size, size, RAM_BLOCK);
	ram_blocks_mark(bits, size, 0, 0);
	CHECK_EQ(ram_blocks(size), 4);
	CHECK_EQ(bits[0], 1UL << 3);
}

static void test_mark_pagemap(void)
{
	/* 2 MiB of 4 KiB pages: 512 entries, 32 blocks. */
	uint64_t pm[512] = {0};
	unsigned long bits[1] = {0};
	uint64_t got[8];

	pm[0] = RAM_PM_PRESENT | 0x1234; /* block 0 */
	pm[17] = RAM_PM_SWAPPED;	 /* block 1 */
	pm[40] = 1ULL << 61;		 /* file page, not present */
	pm[511] = RAM_PM_PRESENT;	 /* block 31 */
	ram_blocks_mark_pagemap(bits, SZ_2M, 0, pm, 512, PAGE_SHIFT);
	CHECK_EQ(set_blocks(bits, 32, got, 8), 3);
	CHECK_EQ(got[0], 0);
	CHECK_EQ(got[1], 1);
	CHECK_EQ(got[2], 31);
	/* Entries of a later chunk start at its offset. */
	bits[0] = 0;
	ram_blocks_mark_pagemap(bits, SZ_2M, SZ_1M, pm, 1, PAGE_SHIFT);
	CHECK_EQ(bits[0], 1UL << 16);
	/* 64 KiB pages: an entry per block; 128 KiB: two blocks each. */
	bits[0] = 0;
	ram_blocks_mark_pagemap(bits, SZ_2M, 0, pm + 16, 2, 16);
	CHECK_EQ(bits[0], 1UL << 1);
	bits[0] = 0;
	ram_blocks_mark_pagemap(bits, SZ_2M, 0, pm + 16, 2, 17);
	CHECK_EQ(bits[0], 3UL << 2);
}

/* A temporary file, unlinked. */
/*
 * 1 MiB of RAM, 16 blocks, each with a byte in it. The fake pagemap
 * says blocks 2 and 9 have pages; the file RAM is "mapped from" has
 * data in block 5 only. The writer must read exactly blocks 2, 9 and
 * (when file-backed) 5: the others are zeros however RAM reads.
 */
static void check_writer(bool file_backed)
{
	uint64_t size = SZ_1M, written;
	uint8_t *ram = aligned_alloc(SZ_64K, size);
	uint8_t *want = calloc(1, size), *back = malloc(size);
	int pagemap = unit_temp_fd(), out = unit_temp_fd();
	struct guest_mem mem;
	uint32_t crc;

	CHECK(ram && want && back);
	if (!ram || !want || !back)
		return;
	guest_mem_wrap(&mem, 0, ram, size);
	mem.page_shift = PAGE_SHIFT;
	mem.pagemap_fd = pagemap;
	memset(ram, 0, size);
	for (unsigned int b = 0; b < 16; b++)
		ram[b * RAM_BLOCK + 100] = (uint8_t)(b + 1);
	/* The pagemap covers all of RAM: entries for every page. */
	fake_pagemap_put(pagemap, &mem, size / PAGE - 1, 0);
	fake_pagemap_put(pagemap, &mem, 2 * 16 + 3, RAM_PM_PRESENT);
	fake_pagemap_put(pagemap, &mem, 9 * 16, RAM_PM_SWAPPED);
	want[2 * RAM_BLOCK + 100] = 3;
	want[9 * RAM_BLOCK + 100] = 10;
	if (file_backed) {
		mem.file_fd = unit_temp_fd();
		CHECK_EQ(ftruncate(mem.file_fd, (off_t)size), 0);
		CHECK_EQ(pwrite(mem.file_fd, "x", 1, 5 * RAM_BLOCK + 4096), 1);
		want[5 * RAM_BLOCK + 100] = 6;
	}
	CHECK_EQ(snapshot_write_ram(out, &mem, &written, &crc), 0);
	CHECK_EQ(written, (file_backed ? 3 : 2) * RAM_BLOCK);
	CHECK_EQ(crc, state_crc32(0, want, size));
	CHECK_EQ(pread(out, back, size, 0), (ssize_t)size);
	CHECK(!memcmp(back, want, size));
	/* An unreadable pagemap: every block is read. */
	close(pagemap);
	mem.pagemap_fd = -1;
	CHECK_EQ(snapshot_write_ram(out, &mem, &written, &crc), 0);
	CHECK_EQ(written, 16 * RAM_BLOCK);
	CHECK_EQ(crc, state_crc32(0, ram, size));
	if (file_backed)
		close(mem.file_fd);
	close(out);
	free(ram);
	free(want);
	free(back);
}

static void test_writer_anonymous(void)
{
	check_writer(false);
}

static void test_writer_file_backed(void)
{
	check_writer(true);
}

/*
 * The touched-RAM count of a restored VM: present pages per 2 MiB block,
 * and of those the ones no longer the file's (copied on write); a page
 * only swapped out was not touched in this run.
 */
struct copied_pages {
	unsigned int n;
	uint64_t page[4];
};

static void note_copied(void *ctx, uint64_t page)
{
	struct copied_pages *c = ctx;

	if (c->n < ARRAY_SIZE(c->page))
		c->page[c->n] = page;
	c->n++;
}

static void test_touch_count(void)
{
	uint64_t size = 2 * SZ_2M;
	uint8_t *ram = aligned_alloc(SZ_2M, size);
	int pagemap = unit_temp_fd();
	struct ram_touch_block b[2] = { 0 };
	struct copied_pages copied = { 0 };
	struct guest_mem mem;
	const uint64_t file = 1ULL << 61;

	CHECK(ram != NULL);
	if (!ram)
		return;
	guest_mem_wrap(&mem, 0, ram, size);
	mem.page_shift = PAGE_SHIFT;
	mem.pagemap_fd = pagemap;
	fake_pagemap_put(pagemap, &mem, size / PAGE - 1, 0);
	fake_pagemap_put(pagemap, &mem, 3, RAM_PM_PRESENT | file);
	fake_pagemap_put(pagemap, &mem, 5, RAM_PM_PRESENT);
	fake_pagemap_put(pagemap, &mem, 511, RAM_PM_PRESENT | file);
	fake_pagemap_put(pagemap, &mem, 512, RAM_PM_PRESENT);
	fake_pagemap_put(pagemap, &mem, 700, RAM_PM_SWAPPED);
	CHECK_EQ(ram_touch_count(&mem, b, NULL, NULL), 0);
	CHECK_EQ(b[0].present, 3);
	CHECK_EQ(b[0].copied, 1);
	CHECK_EQ(b[1].present, 1);
	CHECK_EQ(b[1].copied, 1);
	/* The same walk hands over the copied pages, in order. */
	memset(b, 0, sizeof(b));
	CHECK_EQ(ram_touch_count(&mem, b, note_copied, &copied), 0);
	CHECK_EQ(b[0].copied + b[1].copied, 2);
	CHECK_EQ(copied.n, 2);
	CHECK_EQ(copied.page[0], 5);
	CHECK_EQ(copied.page[1], 512);
	close(pagemap);
	free(ram);
}

static const struct unit_test tests[] = {
	{"touch-count", test_touch_count},
	{"mark-range", test_mark_range},
	{"mark-pagemap", test_mark_pagemap},
	{"writer-anonymous", test_writer_anonymous},
	{"writer-file-backed", test_writer_file_backed},
};

UNIT_MAIN(tests)

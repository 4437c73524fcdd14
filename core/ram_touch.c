// SPDX-License-Identifier: GPL-2.0
/*
 * At --loglevel debug, as a VM restored from a file goes: which of its
 * RAM the run touched, from lkvm's page table. KVM maps RAM from a file
 * into the guest a 4 KiB page at a time, on a stage-2 fault, through
 * lkvm's page table; a page no longer the file's was written, and
 * copied (exact), and a page present is one KVM or lkvm's devices
 * touched, or one the host's fault-around mapped next to it (up to 64
 * KiB around a read): an upper bound. Per 2 MiB block, so that the
 * blocks worth backing with huge pages (one fault each) can be told from
 * the rest (testing.md, "Where start-up time goes").
 */
#include <lkvm/ram_touch.h>

#include <lkvm/guest_mem.h>
#include <lkvm/log.h>
#include <lkvm/ram_scan.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUSIEST 8

struct count_ctx {
	struct ram_touch_block *b;
	unsigned int per_block;
	ram_touch_copied_fn copied;
	void *copied_ctx;
};

static void count_entries(void *ctx, uint64_t page, const uint64_t *entries,
			  size_t n)
{
	const struct count_ctx *c = ctx;

	for (size_t k = 0; k < n; k++) {
		struct ram_touch_block *b = &c->b[(page + k) / c->per_block];

		if (!(entries[k] & RAM_PM_PRESENT))
			continue;
		b->present++;
		if (entries[k] & RAM_PM_FILE)
			continue;
		b->copied++;
		if (c->copied)
			c->copied(c->copied_ctx, page + k);
	}
}

int ram_touch_count(const struct guest_mem *mem, struct ram_touch_block *b,
		    ram_touch_copied_fn copied, void *ctx)
{
	struct count_ctx c = { b, (unsigned int)(SZ_2M >> mem->page_shift),
			       copied, ctx };

	return ram_pagemap_walk(mem, count_entries, &c);
}

void ram_touch_log(const struct guest_mem *mem)
{
	/* A partial last block still gets its entry: the walk covers it. */
	size_t nr = (size_t)(ALIGN_UP(mem->size, SZ_2M) / SZ_2M);
	size_t used = 0, at = 0;
	uint32_t present = 0, copied = 0;
	struct ram_touch_block *b;
	char line[BUSIEST * 32] = "";

	if (log_get_level() < LOG_DEBUG || mem->file_fd < 0 ||
	    mem->pagemap_fd < 0 || !nr)
		return;
	b = calloc(nr, sizeof(*b));
	if (!b || ram_touch_count(mem, b, NULL, NULL)) {
		free(b);
		return;
	}
	for (size_t i = 0; i < nr; i++) {
		present += b[i].present;
		copied += b[i].copied;
		used += b[i].present != 0;
	}
	/* The busiest blocks, most pages first (taken out as printed). */
	for (int n = 0; n < BUSIEST; n++) {
		size_t best = 0;

		for (size_t i = 1; i < nr; i++)
			if (b[i].present > b[best].present)
				best = i;
		if (!b[best].present)
			break;
		at += (size_t)snprintf(line + at, sizeof(line) - at,
				       " %zu:%u/%u", best, b[best].present,
				       b[best].copied);
		b[best].present = 0;
		if (at >= sizeof(line))
			break;
	}
	pr_debug("destroy: guest RAM touched: %u pages (%u copied) in %zu of %zu 2 MiB blocks; busiest (block:pages/copied):%s",
		 present, copied, used, nr, line);
	free(b);
}

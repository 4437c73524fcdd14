/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_RAM_TOUCH_H
#define LKVM_RAM_TOUCH_H

#include <stdint.h>

struct guest_mem;

struct ram_touch_block {
	uint32_t present;	/* mapped in lkvm's page table */
	uint32_t copied;	/* of those, written: no longer the file's */
};

/* Called for each copied page, in ascending order (@page: a page number). */
typedef void (*ram_touch_copied_fn)(void *ctx, uint64_t page);

/*
 * Counts @mem's pages into @b (zeroed by the caller), one entry per 2 MiB
 * block, a partial last one included, from /proc/self/pagemap, and
 * hands each copied page to @copied (when not NULL) in the same walk:
 * 0 or -errno.
 */
int ram_touch_count(const struct guest_mem *mem, struct ram_touch_block *b,
		    ram_touch_copied_fn copied, void *ctx);

/*
 * At --loglevel debug, for RAM mapped from a snapshot's file: how many
 * of its pages the run touched and copied, per 2 MiB block, on one
 * "destroy: guest RAM touched" line (core/ram_touch.c).
 */
void ram_touch_log(const struct guest_mem *mem);

#endif

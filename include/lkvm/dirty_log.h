/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_DIRTY_LOG_H
#define LKVM_DIRTY_LOG_H

#include <lkvm/compiler.h>

/*
 * Which pages of guest RAM changed, for a live migration's pre-copy
 * rounds: KVM's dirty log (KVM_MEM_LOG_DIRTY_PAGES on the RAM slot,
 * KVM_GET_DIRTY_LOG, and KVM_CLEAR_DIRTY_LOG where the host has manual
 * dirty-log protection) for what the guest writes, and
 * guest_mem_take_written() for what lkvm's own threads write into it.
 * Bitmaps are one bit per host page in unsigned long words, as KVM's.
 * Main thread only.
 */
struct vm;

struct dirty_log {
	struct vm *vm;
	uint64_t nr_pages;
	size_t words;
	unsigned long *kvm;	/* KVM_GET_DIRTY_LOG's buffer */
	bool on;
};

/* Bytes of a bitmap of @nr_pages pages. */
static inline size_t dirty_bitmap_bytes(uint64_t nr_pages)
{
	return (size_t)((nr_pages + 63) / 64 * 8);
}

/* Turns KVM's dirty logging on for guest RAM. 0 or -errno (logged). */
int dirty_log_start(struct dirty_log *d, struct vm *vm);

/*
 * ORs into @bits every page written since the last sync (since the start
 * for the first): the guest's, which KVM re-protects before this returns,
 * and lkvm's. 0 or -errno (logged).
 */
int dirty_log_sync(struct dirty_log *d, unsigned long *bits);

/* Logging off again (the guest stays, or the migration ended). */
void dirty_log_stop(struct dirty_log *d);

#endif

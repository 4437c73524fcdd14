/*
 * A made-up /proc/self/pagemap for tests of code that reads lkvm's page
 * table: an unlinked temporary file with entries where the kernel's
 * would be, for 4 KiB pages.
 */
#ifndef LKVM_TEST_FAKE_PAGEMAP_H
#define LKVM_TEST_FAKE_PAGEMAP_H

#include "harness.h"

#include <lkvm/guest_mem.h>

#include <stdlib.h>
#include <unistd.h>

/* An unlinked temporary file: a pagemap, or any file a test needs. */
static inline int unit_temp_fd(void)
{
	char path[] = "/tmp/lkvm-test-file-XXXXXX";
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	unlink(path);
	return fd;
}

/* @entry as @pagemap's entry for page @page of @mem's RAM. */
static inline void fake_pagemap_put(int pagemap, const struct guest_mem *mem,
				    uint64_t page, uint64_t entry)
{
	off_t at = (off_t)((((uintptr_t)mem->host >> 12) + page) * 8);

	CHECK_EQ(pwrite(pagemap, &entry, 8, at), 8);
}

#endif

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_RAM_HOT_H
#define LKVM_RAM_HOT_H

#include <lkvm/compiler.h>

struct guest_mem;
struct ram_touch_block;

/*
 * The hot blocks of a sandbox template's RAM: the 2 MiB blocks its warm
 * runs map most and never write (the kernel's text and read-only data).
 * A warm run maps RAM copy-on-write from the template's file, and KVM
 * maps that into the guest a 4 KiB page at a time, each page one
 * stage-2 fault, one guest exit (costly in a nested host). A block the
 * host holds in a huge page, KVM maps whole on the first fault. The
 * first warm run of a template records which blocks are worth it in a
 * file of the template's directory; later runs read it and ask the
 * kernel for huge pages there (Documentation/lkvm-sandbox.txt, WARM
 * START).
 *
 * The same record lists the pages that run wrote. A page the guest
 * writes after reading it costs it up to three exits: KVM maps the
 * file's page read-only, the write faults again, and copying the page
 * for lkvm's mapping invalidates what KVM was about to map, so the
 * guest faults a third time. Later runs copy those pages before the
 * guest runs (MADV_POPULATE_WRITE), and the guest's first touch of
 * each maps it writable at once.
 */
#define RAM_HOT_FILE "hot-blocks"
/* Being written by the run that records; renamed by a later run. */
#define RAM_HOT_NEW   "hot-blocks.new"
#define RAM_HOT_BLOCK SZ_2M
/* Blocks at most: each costs a huge page (2 MiB) of the file's. */
#define RAM_HOT_MAX 8
/* Pages a run had mapped in a block (of 512) for the block to count. */
#define RAM_HOT_MIN_PAGES 128
/*
 * Runs of written pages at most, and pages in all (16 MiB): a recording
 * run that wrote more records none, since every later run would copy
 * them all, whatever it writes itself.
 */
#define RAM_HOT_WRITTEN_MAX 1024
#define RAM_HOT_WRITTEN_PAGES_MAX 4096
/* The pages of the written list: 4 KiB; other page sizes record none. */
#define RAM_HOT_PAGE 4096
/* The file's size at most. */
#define RAM_HOT_FILE_MAX 24576

/* Pages [first, first + pages) of RAM, in RAM_HOT_PAGE units. */
struct ram_hot_run {
	uint32_t first;
	uint32_t pages;
};

struct ram_hot {
	unsigned int nr;
	uint32_t block[RAM_HOT_MAX]; /* block numbers, ascending */
	unsigned int nr_written;
	uint32_t written_pages;      /* in all runs */
	/* Ascending, apart: a gap of at least a page between two runs. */
	struct ram_hot_run written[RAM_HOT_WRITTEN_MAX];
};

/* What one restore does with a template's hot blocks. */
struct ram_hot_plan {
	struct ram_hot hot; /* for huge pages at this restore */
	int record_fd;	    /* RAM_HOT_NEW, locked: this run records; or -1 */
};

/*
 * Before any filter, for a restore from the template in @dir whose RAM
 * has @ram_bytes: publishes a finished record of an earlier run, reads
 * the hot blocks, or (none there, or a damaged file, one info line)
 * makes this run the one that records them. NULL only when out of
 * memory; nothing here can fail the restore.
 */
struct ram_hot_plan *ram_hot_plan_open(const char *dir, uint64_t ram_bytes);
void ram_hot_plan_free(struct ram_hot_plan *p);

/*
 * Asks the kernel to keep @h's blocks of the file @mem is mapped from
 * in huge pages (MADV_COLLAPSE): where the file is in tmpfs, as in
 * $HOME of the nested test host, they stay so for every later run too.
 * Elsewhere the kernel refuses and RAM stays as it was. Advice only.
 */
void ram_hot_collapse(const struct guest_mem *mem, const struct ram_hot *h);

/*
 * Before the guest runs: copies @h's written pages of the file @mem is
 * mapped from into private pages of lkvm's mapping, their contents
 * unchanged (MADV_POPULATE_WRITE, Linux 5.14). Advice only: a kernel
 * without it, or any failure, leaves RAM as it was (one debug line).
 */
void ram_hot_prewrite(const struct guest_mem *mem, const struct ram_hot *h);

/*
 * At the end of the recording run, while RAM is still mapped: chooses
 * the hot blocks from lkvm's page table and writes them to the record.
 * Only pwrite() and fdatasync(): the main thread's filter allows them.
 */
void ram_hot_record(struct ram_hot_plan *p, const struct guest_mem *mem);

/* The pure parts, for tests. */

/*
 * The blocks of @b (@nr 2 MiB blocks) worth a huge page: never written,
 * at least RAM_HOT_MIN_PAGES mapped, the RAM_HOT_MAX with the most.
 */
void ram_hot_choose(const struct ram_touch_block *b, size_t nr,
		    struct ram_hot *h);

/*
 * Adds RAM page @page (RAM_HOT_PAGE units), written, to @h's list; pages
 * come in ascending order. Past RAM_HOT_WRITTEN_MAX runs or
 * RAM_HOT_WRITTEN_PAGES_MAX pages, false and @h as it was.
 */
bool ram_hot_add_written(struct ram_hot *h, uint32_t page);

/* @h as the file's text, into @buf: its length, or -ENOSPC. */
int ram_hot_format(const struct ram_hot *h, uint64_t ram_bytes, char *buf,
		   size_t len);

/*
 * Parses the file's text (@len bytes, any content): 0 with @h, or
 * -EINVAL with @why. Blocks must lie inside @ram_bytes, ascending,
 * at most RAM_HOT_MAX; written runs inside it, ascending and apart, at
 * most RAM_HOT_WRITTEN_MAX of them and RAM_HOT_WRITTEN_PAGES_MAX pages.
 */
int ram_hot_parse(const char *text, size_t len, uint64_t ram_bytes,
		  struct ram_hot *h, char *why, size_t why_len);

#endif

/*
 * A sandbox template's hot RAM blocks: which blocks are chosen, the
 * file's text both ways and what a damaged or hostile one gets, the
 * record's hand-over from the run that wrote it to the next, and RAM
 * put in huge pages keeping its contents, its writes its own.
 */
#include "fake_pagemap.h"
#include "harness.h"

#include <lkvm/guest_mem.h>
#include <lkvm/ram_hot.h>
#include <lkvm/ram_scan.h>
#include <lkvm/ram_touch.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_choose(void)
{
	struct ram_touch_block b[16] = { 0 };
	struct ram_hot h;

	b[0] = (struct ram_touch_block){ 416, 0 };
	b[1] = (struct ram_touch_block){ 400, 0 };
	b[2] = (struct ram_touch_block){ 336, 0 };
	b[6] = (struct ram_touch_block){ 224, 0 };
	b[14] = (struct ram_touch_block){ 343, 10 };	/* written: never */
	b[9] = (struct ram_touch_block){ RAM_HOT_MIN_PAGES - 1, 0 };
	ram_hot_choose(b, 16, &h);
	CHECK_EQ(h.nr, 4);
	CHECK_EQ(h.block[0], 0);
	CHECK_EQ(h.block[1], 1);
	CHECK_EQ(h.block[2], 2);
	CHECK_EQ(h.block[3], 6);
	/* At most RAM_HOT_MAX, the busiest, ties to the lower block. */
	for (unsigned int i = 0; i < 16; i++)
		b[i] = (struct ram_touch_block){ 200 + (i % 4 == 0 ? 100 : 0), 0 };
	ram_hot_choose(b, 16, &h);
	CHECK_EQ(h.nr, RAM_HOT_MAX);
	CHECK_EQ(h.block[0], 0);
	CHECK_EQ(h.block[1], 1);
	CHECK_EQ(h.block[2], 2);
	CHECK_EQ(h.block[3], 3);
	CHECK_EQ(h.block[4], 4);
	CHECK_EQ(h.block[5], 5);
	CHECK_EQ(h.block[6], 8);
	CHECK_EQ(h.block[7], 12);
	ram_hot_choose(b, 0, &h);
	CHECK_EQ(h.nr, 0);
}

static void test_add_written(void)
{
	static struct ram_hot h;

	/* Neighbours join one run; a gap starts the next. */
	CHECK(ram_hot_add_written(&h, 7));
	CHECK(ram_hot_add_written(&h, 8));
	CHECK(ram_hot_add_written(&h, 9));
	CHECK(ram_hot_add_written(&h, 11));
	CHECK_EQ(h.nr_written, 2);
	CHECK_EQ(h.written_pages, 4);
	CHECK_EQ(h.written[0].first, 7);
	CHECK_EQ(h.written[0].pages, 3);
	CHECK_EQ(h.written[1].first, 11);
	CHECK_EQ(h.written[1].pages, 1);
	/* At most RAM_HOT_WRITTEN_MAX runs: the rest left out. */
	memset(&h, 0, sizeof(h));
	for (uint32_t i = 0; i < RAM_HOT_WRITTEN_MAX; i++)
		CHECK(ram_hot_add_written(&h, 2 * i));
	CHECK(!ram_hot_add_written(&h, 2 * RAM_HOT_WRITTEN_MAX));
	/* The last run still grows. */
	CHECK(ram_hot_add_written(&h, 2 * RAM_HOT_WRITTEN_MAX - 1));
	CHECK_EQ(h.nr_written, RAM_HOT_WRITTEN_MAX);
	/* And at most RAM_HOT_WRITTEN_PAGES_MAX pages. */
	memset(&h, 0, sizeof(h));
	for (uint32_t i = 0; i < RAM_HOT_WRITTEN_PAGES_MAX; i++)
		CHECK(ram_hot_add_written(&h, i));
	CHECK(!ram_hot_add_written(&h, RAM_HOT_WRITTEN_PAGES_MAX));
	CHECK_EQ(h.nr_written, 1);
	CHECK_EQ(h.written_pages, RAM_HOT_WRITTEN_PAGES_MAX);
}

static void test_format_parse(void)
{
	static struct ram_hot h = { 4, { 0, 1, 2, 6 }, 2, 4,
				    { { 700, 3 }, { 65535, 1 } } }, got;
	char buf[RAM_HOT_FILE_MAX], why[160];
	int len = ram_hot_format(&h, 256ULL << 20, buf, sizeof(buf));

	CHECK(len > 0);
	CHECK_STR(buf, "lkvm-hot-blocks 2\nram_bytes 0x10000000\nblocks 0 1 2 6\nwritten 700+3 65535+1\n");
	CHECK_EQ(ram_hot_parse(buf, (size_t)len, 256ULL << 20, &got, why,
			       sizeof(why)), 0);
	CHECK_EQ(got.nr, 4);
	CHECK_EQ(got.block[3], 6);
	CHECK_EQ(got.nr_written, 2);
	CHECK_EQ(got.written_pages, 4);
	CHECK_EQ(got.written[0].first, 700);
	CHECK_EQ(got.written[0].pages, 3);
	CHECK_EQ(got.written[1].first, 65535);
	CHECK_EQ(ram_hot_format(&h, 256ULL << 20, buf, 20), -ENOSPC);
	CHECK_EQ(ram_hot_format(&h, 256ULL << 20, buf, 70), -ENOSPC);
	/* Room for the text and its terminating zero, not a byte less. */
	CHECK_EQ(ram_hot_format(&h, 256ULL << 20, buf, (size_t)len + 1), len);
	CHECK_EQ(ram_hot_format(&h, 256ULL << 20, buf, (size_t)len), -ENOSPC);
	/* No blocks and no written pages is a valid file. */
	h.nr = 0;
	h.nr_written = 0;
	len = ram_hot_format(&h, SZ_2M, buf, sizeof(buf));
	CHECK_STR(buf, "lkvm-hot-blocks 2\nram_bytes 0x200000\nblocks\nwritten\n");
	CHECK_EQ(ram_hot_parse(buf, (size_t)len, SZ_2M, &got, why,
			       sizeof(why)), 0);
	CHECK_EQ(got.nr, 0);
	CHECK_EQ(got.nr_written, 0);
}

static void refused(const char *text, const char *reason)
{
	static struct ram_hot h = { 3, { 1, 2, 3 }, 1, 1, { { 5, 1 } } };
	char why[160] = "";

	CHECK_EQ(ram_hot_parse(text, strlen(text), 8 * SZ_2M, &h, why,
			       sizeof(why)), -EINVAL);
	CHECK_EQ(h.nr, 0);
	CHECK_EQ(h.nr_written, 0);
	if (!strstr(why, reason))
		check_failed(__FILE__, __LINE__, "'%s': reason '%s', expected '%s'",
			     text, why, reason);
}

/* A valid head for 16 MiB of RAM, then the line under test. */
#define HOT_HEAD "lkvm-hot-blocks 2\nram_bytes 0x1000000\n"

static void refused_after_head(const char *rest, const char *reason)
{
	char text[256];

	snprintf(text, sizeof(text), "%s%s", HOT_HEAD, rest);
	refused(text, reason);
}

/* RAM_HOT_WRITTEN_MAX + 1 runs, and RAM_HOT_WRITTEN_PAGES_MAX + 1 pages. */
static void test_parse_refuses_written_limits(void)
{
	static char text[RAM_HOT_FILE_MAX];
	static struct ram_hot h;
	uint64_t ram = 4096 * SZ_2M;
	char why[160] = "";
	size_t at;

	at = (size_t)snprintf(text, sizeof(text),
			      "lkvm-hot-blocks 2\nram_bytes 0x%llx\nblocks 0\nwritten",
			      (unsigned long long)ram);
	for (unsigned int i = 0; i <= RAM_HOT_WRITTEN_MAX; i++)
		at += (size_t)snprintf(text + at, sizeof(text) - at, " %u+1",
				       2 * i);
	snprintf(text + at, sizeof(text) - at, "\n");
	CHECK_EQ(ram_hot_parse(text, strlen(text), ram, &h, why, sizeof(why)),
		 -EINVAL);
	CHECK(strstr(why, "written runs") != NULL);
	snprintf(text, sizeof(text),
		 "lkvm-hot-blocks 2\nram_bytes 0x%llx\nblocks 0\nwritten 0+%d\n",
		 (unsigned long long)ram, RAM_HOT_WRITTEN_PAGES_MAX);
	CHECK_EQ(ram_hot_parse(text, strlen(text), ram, &h, why, sizeof(why)),
		 0);
	snprintf(text, sizeof(text),
		 "lkvm-hot-blocks 2\nram_bytes 0x%llx\nblocks 0\nwritten 0+%d 99999+1\n",
		 (unsigned long long)ram, RAM_HOT_WRITTEN_PAGES_MAX);
	CHECK_EQ(ram_hot_parse(text, strlen(text), ram, &h, why, sizeof(why)),
		 -EINVAL);
	CHECK(strstr(why, "written pages") != NULL);
}

static void test_parse_refuses(void)
{
	const char head[] = HOT_HEAD;
	char text[256];

	refused("", "first line");
	/* An earlier lkvm's file, without the written pages. */
	refused("lkvm-hot-blocks 1\nram_bytes 0x1000000\nblocks 1\n", "first line");
	refused("lkvm-hot-blocks 3\n", "first line");
	refused("lkvm-hot-blocks 2\nram_bytes 0x2000000\nblocks 1\nwritten\n", "not 0x1000000");
	refused("lkvm-hot-blocks 2\nram_bytes 0x12345678901234567\nblocks 1\nwritten\n", "ram_bytes");
	refused("lkvm-hot-blocks 2\nram_bytes \nblocks\nwritten\n", "ram_bytes");
	refused_after_head("blocks 8\nwritten\n", "outside RAM");
	refused_after_head("blocks 4294967296\nwritten\n", "outside RAM");
	refused_after_head("blocks 18446744073709551615\nwritten\n", "not a number");
	refused_after_head("blocks 2 1\nwritten\n", "ascending");
	refused_after_head("blocks 1 1\nwritten\n", "ascending");
	refused_after_head("blocks -1\nwritten\n", "not a number");
	/* One spelling per value: no leading zeros, RAM's size in hex. */
	refused_after_head("blocks 01\nwritten\n", "not a number");
	refused("lkvm-hot-blocks 2\nram_bytes 0x01000000\nblocks 1\nwritten\n", "ram_bytes");
	refused("lkvm-hot-blocks 2\nram_bytes 16777216\nblocks 1\nwritten\n", "ram_bytes");
	refused("lkvm-hot-blocks 2\nram_bytes 0x1000000\nblocks  1\nwritten\n", "not a number");
	refused_after_head("blocks 1", "no written line");
	refused_after_head("blocks 1\n", "no written line");
	refused_after_head("blocks 1\nmore\n", "no written line");
	/* The written runs: 16 MiB of RAM is 4096 pages. */
	refused_after_head("blocks 1\nwritten", "text after");
	refused_after_head("blocks 1\nwritten\nmore\n", "text after");
	refused_after_head("blocks 1\nwritten 5\n", "FIRST+PAGES");
	refused_after_head("blocks 1\nwritten 5+\n", "FIRST+PAGES");
	refused_after_head("blocks 1\nwritten 5+0\n", "FIRST+PAGES");
	refused_after_head("blocks 1\nwritten +5\n", "FIRST+PAGES");
	refused_after_head("blocks 1\nwritten 05+1\n", "FIRST+PAGES");
	refused_after_head("blocks 1\nwritten 5+01\n", "FIRST+PAGES");
	refused_after_head("blocks 1\nwritten 5-1\n", "FIRST+PAGES");
	refused_after_head("blocks 1\nwritten  5+1\n", "FIRST+PAGES");
	refused_after_head("blocks 1\nwritten 4096+1\n", "outside RAM");
	refused_after_head("blocks 1\nwritten 4095+2\n", "outside RAM");
	refused_after_head("blocks 1\nwritten 1+18446744073709551615\n", "FIRST+PAGES");
	refused_after_head("blocks 1\nwritten 1+9999999999999999\n", "outside RAM");
	refused_after_head("blocks 1\nwritten 9+1 5+1\n", "ascending and apart");
	refused_after_head("blocks 1\nwritten 5+1 5+1\n", "ascending and apart");
	/* Runs that touch are one run, written once. */
	refused_after_head("blocks 1\nwritten 5+2 7+1\n", "ascending and apart");
	refused_after_head("blocks 1\nwritten 5+4 7+1\n", "ascending and apart");
	snprintf(text, sizeof(text), "%sblocks 1\nwritten\n", head);
	text[strlen(head) + 7] = 0;	/* a NUL inside: the length counts */
	{
		struct ram_hot h;
		char why[160];

		CHECK_EQ(ram_hot_parse(text, strlen(head) + 17, 8 * SZ_2M, &h,
				       why, sizeof(why)), -EINVAL);
	}
	/* RAM_HOT_MAX + 1 blocks. */
	snprintf(text, sizeof(text), "lkvm-hot-blocks 2\nram_bytes 0x%llx\nblocks 0 1 2 3 4 5 6 7 8\nwritten\n",
		 64 * SZ_2M);
	{
		struct ram_hot h;
		char why[160];

		CHECK_EQ(ram_hot_parse(text, strlen(text), 64 * SZ_2M, &h, why,
				       sizeof(why)), -EINVAL);
	}
	test_parse_refuses_written_limits();
}

static char *make_dir(void)
{
	char *dir = strdup("/tmp/lkvm-test-hot-XXXXXX");

	CHECK(dir && mkdtemp(dir));
	return dir;
}

static void put(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static bool exists(const char *dir, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return !access(path, F_OK);
}

static void clean(char *dir)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, RAM_HOT_FILE);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", dir, RAM_HOT_NEW);
	unlink(path);
	rmdir(dir);
	free(dir);
}

static void test_plan(void)
{
	const char good[] = "lkvm-hot-blocks 2\nram_bytes 0x1000000\nblocks 0 5\nwritten 20+2\n";
	char *dir = make_dir();
	struct ram_hot_plan *p;
	char path[256];
	int fd;

	/* None: this run records, and holds the record's lock. */
	p = ram_hot_plan_open(dir, 8 * SZ_2M);
	CHECK(p && p->hot.nr == 0 && p->record_fd >= 0);
	CHECK(exists(dir, RAM_HOT_NEW));
	snprintf(path, sizeof(path), "%s/%s", dir, RAM_HOT_NEW);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) && errno == EWOULDBLOCK);
	/* A run meanwhile leaves a record being written alone. */
	{
		struct ram_hot_plan *q = ram_hot_plan_open(dir, 8 * SZ_2M);

		CHECK(q && q->hot.nr == 0 && q->record_fd < 0);
		CHECK(exists(dir, RAM_HOT_NEW));
		ram_hot_plan_free(q);
	}
	CHECK_EQ(pwrite(p->record_fd, good, strlen(good), 0), strlen(good));
	ram_hot_plan_free(p);
	close(fd);
	/* The writer gone: the next run publishes it and uses it. */
	p = ram_hot_plan_open(dir, 8 * SZ_2M);
	CHECK(p && p->hot.nr == 2 && p->hot.block[1] == 5 && p->record_fd < 0);
	CHECK(p && p->hot.nr_written == 1 && p->hot.written[0].first == 20);
	CHECK(!exists(dir, RAM_HOT_NEW) && exists(dir, RAM_HOT_FILE));
	ram_hot_plan_free(p);
	/* An unfinished record is removed; this run records anew. */
	put(dir, RAM_HOT_NEW, "lkvm-hot-blocks 2\nram_b");
	p = ram_hot_plan_open(dir, 8 * SZ_2M);
	CHECK(p && p->hot.nr == 2 && p->record_fd < 0);
	CHECK(!exists(dir, RAM_HOT_NEW));
	ram_hot_plan_free(p);
	/* A damaged file is ignored and removed; this run records. */
	put(dir, RAM_HOT_FILE, "lkvm-hot-blocks 2\nram_bytes 0x1000000\nblocks 99\nwritten\n");
	p = ram_hot_plan_open(dir, 8 * SZ_2M);
	CHECK(p && p->hot.nr == 0 && p->record_fd >= 0);
	CHECK(!exists(dir, RAM_HOT_FILE));
	ram_hot_plan_free(p);
	/* Not a regular file: a FIFO is not opened for reading and waited on. */
	snprintf(path, sizeof(path), "%s/%s", dir, RAM_HOT_NEW);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", dir, RAM_HOT_FILE);
	CHECK(!mkfifo(path, 0600));
	p = ram_hot_plan_open(dir, 8 * SZ_2M);
	CHECK(p && p->hot.nr == 0 && p->record_fd >= 0);
	ram_hot_plan_free(p);
	/* An oversized file is refused unread. */
	{
		char big[RAM_HOT_FILE_MAX + 64];

		memset(big, ' ', sizeof(big) - 1);
		big[sizeof(big) - 1] = 0;
		memcpy(big, good, strlen(good));
		snprintf(path, sizeof(path), "%s/%s", dir, RAM_HOT_NEW);
		unlink(path);
		put(dir, RAM_HOT_FILE, big);
		p = ram_hot_plan_open(dir, 8 * SZ_2M);
		CHECK(p && p->hot.nr == 0);
		ram_hot_plan_free(p);
	}
	/* No directory: nothing to do, nothing fails. */
	p = ram_hot_plan_open("/nonexistent/lkvm-test", 8 * SZ_2M);
	CHECK(p && p->hot.nr == 0 && p->record_fd < 0);
	ram_hot_plan_free(p);
	clean(dir);
}

/*
 * Guest RAM of @size bytes mapped copy-on-write from a temporary file
 * whose byte i is i * @mul + (i >> @shift); @buf keeps the same bytes.
 */
struct file_ram {
	char path[32];
	uint8_t *buf;
	int fd;
	struct guest_mem mem;
};

static bool file_ram_open(struct file_ram *r, uint64_t size, unsigned int mul,
			  unsigned int shift)
{
	snprintf(r->path, sizeof(r->path), "/tmp/lkvm-test-hot-XXXXXX");
	r->buf = malloc(size);
	r->fd = mkstemp(r->path);
	CHECK(r->fd >= 0 && r->buf);
	if (r->fd < 0 || !r->buf) {
		free(r->buf);
		if (r->fd >= 0)
			close(r->fd);
		return false;
	}
	for (uint64_t i = 0; i < size; i++)
		r->buf[i] = (uint8_t)(i * mul + (i >> shift));
	CHECK_EQ(pwrite(r->fd, r->buf, size, 0), size);
	CHECK_EQ(guest_mem_map_file(&r->mem, 0x80000000, size, r->fd), 0);
	return true;
}

static void file_ram_close(struct file_ram *r)
{
	guest_mem_free(&r->mem);
	close(r->fd);
	unlink(r->path);
	free(r->buf);
}

static void test_collapse(void)
{
	uint64_t size = 4 * SZ_2M;
	static struct ram_hot h = { .nr = 2, .block = { 1, 3 } };
	struct file_ram r;
	uint8_t check[8];

	if (!file_ram_open(&r, size, 7, 21))
		return;
	/* A tmpfs file collapses, another refuses: the same either way. */
	ram_hot_collapse(&r.mem, &h);
	CHECK(!memcmp(r.mem.host, r.buf, size));
	/* Writes to a hot block, and to one that is not, stay private. */
	r.mem.host[SZ_2M + 5] ^= 0xff;
	r.mem.host[2 * SZ_2M + 5] ^= 0xff;
	CHECK_EQ(pread(r.fd, check, 1, SZ_2M + 5), 1);
	CHECK_EQ(check[0], r.buf[SZ_2M + 5]);
	CHECK_EQ(pread(r.fd, check, 1, 2 * SZ_2M + 5), 1);
	CHECK_EQ(check[0], r.buf[2 * SZ_2M + 5]);
	file_ram_close(&r);
}

/*
 * The recording run's file, from a made-up pagemap: block 1 read
 * (200 pages, the file's), pages copied in blocks 0 and 3 (of 8): the written
 * runs are the copied pages, the hot block the one only read.
 */
static void test_record(void)
{
	uint64_t size = 8 * SZ_2M;
	uint8_t *ram = aligned_alloc(SZ_2M, size);
	struct ram_hot_plan plan = { .record_fd = unit_temp_fd() };
	static char text[RAM_HOT_FILE_MAX];
	struct guest_mem mem;
	ssize_t got;

	CHECK(ram != NULL);
	if (!ram)
		return;
	guest_mem_wrap(&mem, 0, ram, size);
	mem.page_shift = 12;
	mem.pagemap_fd = unit_temp_fd();
	mem.file_fd = plan.record_fd;	/* any file: RAM "is mapped from" one */
	fake_pagemap_put(mem.pagemap_fd, &mem, size / 4096 - 1, 0);
	for (uint64_t i = 0; i < 200; i++)
		fake_pagemap_put(mem.pagemap_fd, &mem, 512 + i, RAM_PM_PRESENT | RAM_PM_FILE);
	fake_pagemap_put(mem.pagemap_fd, &mem, 3, RAM_PM_PRESENT);
	fake_pagemap_put(mem.pagemap_fd, &mem, 4, RAM_PM_PRESENT);
	fake_pagemap_put(mem.pagemap_fd, &mem, 9, RAM_PM_PRESENT | RAM_PM_FILE);
	fake_pagemap_put(mem.pagemap_fd, &mem, 1536, RAM_PM_PRESENT);
	fake_pagemap_put(mem.pagemap_fd, &mem, 1600, RAM_PM_SWAPPED);
	ram_hot_record(&plan, &mem);
	got = pread(plan.record_fd, text, sizeof(text) - 1, 0);
	CHECK(got > 0);
	text[got > 0 ? got : 0] = 0;
	CHECK_STR(text, "lkvm-hot-blocks 2\nram_bytes 0x1000000\nblocks 1\nwritten 3+2 1536+1\n");
	/* A run that wrote in more than RAM_HOT_WRITTEN_MAX runs records none. */
	for (uint64_t i = 0; i <= RAM_HOT_WRITTEN_MAX; i++)
		fake_pagemap_put(mem.pagemap_fd, &mem, 1024 + 2 * i, RAM_PM_PRESENT);
	CHECK_EQ(ftruncate(plan.record_fd, 0), 0);	/* a new record's file */
	ram_hot_record(&plan, &mem);
	got = pread(plan.record_fd, text, sizeof(text) - 1, 0);
	CHECK(got > 0);
	text[got > 0 ? got : 0] = 0;
	CHECK_STR(text, "lkvm-hot-blocks 2\nram_bytes 0x1000000\nblocks 1\nwritten\n");
	close(mem.pagemap_fd);
	close(plan.record_fd);
	free(ram);
}

/* Whether pagemap says @p is mapped and the file's (bit 61), or -1. */
static int file_page(int pagemap, const void *p)
{
	uint64_t e;

	if (pread(pagemap, &e, 8, (off_t)((uintptr_t)p >> 12) * 8) != 8)
		return -1;
	if (!(e & RAM_PM_PRESENT))
		return -1;
	return !!(e & RAM_PM_FILE);
}

/*
 * Whether this kernel both honours MADV_POPULATE_WRITE on a private
 * file mapping and says so in pagemap: not under qemu-user, which
 * accepts the advice and ignores it, or before Linux 5.14.
 */
static bool populate_write_visible(int fd, int pagemap)
{
	uint8_t *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	bool seen;

	if (p == MAP_FAILED)
		return false;
	seen = !madvise(p, 4096, 23 /* MADV_POPULATE_WRITE */) &&
	       file_page(pagemap, p) == 0;
	munmap(p, 4096);
	return seen;
}

/*
 * The recorded written pages made private before the guest runs: the
 * contents stay the file's, the file stays as it was, and (where the
 * kernel shows it) those pages, and only those, are private copies.
 */
static void test_prewrite(void)
{
	uint64_t size = 2 * SZ_2M;
	static struct ram_hot h = { 0, { 0 }, 2, 4, { { 5, 3 }, { 600, 1 } } };
	struct file_ram r;
	int pagemap;
	uint8_t check[8];

	if (!file_ram_open(&r, size, 13, 12))
		return;
	ram_hot_prewrite(&r.mem, &h);
	pagemap = open("/proc/self/pagemap", O_RDONLY);
	if (pagemap >= 0 && populate_write_visible(r.fd, pagemap)) {
		for (uint64_t pg = 5; pg < 8; pg++)
			CHECK_EQ(file_page(pagemap, r.mem.host + pg * 4096), 0);
		CHECK_EQ(file_page(pagemap, r.mem.host + 600 * 4096), 0);
		CHECK_EQ(file_page(pagemap, r.mem.host + 8 * 4096), -1);
		CHECK_EQ(file_page(pagemap, r.mem.host + 4 * 4096), -1);
	}
	if (pagemap >= 0)
		close(pagemap);
	CHECK(!memcmp(r.mem.host, r.buf, size));
	/* The guest's writes there stay private too. */
	r.mem.host[5 * 4096 + 1] ^= 0xff;
	CHECK_EQ(pread(r.fd, check, 1, 5 * 4096 + 1), 1);
	CHECK_EQ(check[0], r.buf[5 * 4096 + 1]);
	/* Runs outside RAM (a manifest smaller than the record) are skipped. */
	h.written[1].first = (uint32_t)(size / 4096);
	ram_hot_prewrite(&r.mem, &h);
	file_ram_close(&r);
}

static const struct unit_test tests[] = {
	{ "choose", test_choose },
	{ "add-written", test_add_written },
	{ "record", test_record },
	{ "prewrite", test_prewrite },
	{ "format-parse", test_format_parse },
	{ "parse-refuses", test_parse_refuses },
	{ "plan", test_plan },
	{ "collapse", test_collapse },
};

UNIT_MAIN(tests)

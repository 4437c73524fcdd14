/*
 * A sandbox template's hot RAM blocks: which blocks are chosen, the
 * file's text both ways and what a damaged or hostile one gets, the
 * record's hand-over from the run that wrote it to the next, and RAM
 * put in huge pages keeping its contents, its writes its own.
 */
#include "harness.h"

#include <lkvm/guest_mem.h>
#include <lkvm/ram_hot.h>
#include <lkvm/ram_touch.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
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

static void test_format_parse(void)
{
	struct ram_hot h = { 4, { 0, 1, 2, 6 } }, got;
	char buf[RAM_HOT_FILE_MAX], why[160];
	int len = ram_hot_format(&h, 256ULL << 20, buf, sizeof(buf));

	CHECK(len > 0);
	CHECK_STR(buf, "lkvm-hot-blocks 1\nram_bytes 0x10000000\nblocks 0 1 2 6\n");
	CHECK_EQ(ram_hot_parse(buf, (size_t)len, 256ULL << 20, &got, why,
			       sizeof(why)), 0);
	CHECK_EQ(got.nr, 4);
	CHECK_EQ(got.block[3], 6);
	CHECK_EQ(ram_hot_format(&h, 256ULL << 20, buf, 20), -ENOSPC);
	/* No blocks is a valid file. */
	h.nr = 0;
	len = ram_hot_format(&h, SZ_2M, buf, sizeof(buf));
	CHECK_EQ(ram_hot_parse(buf, (size_t)len, SZ_2M, &got, why,
			       sizeof(why)), 0);
	CHECK_EQ(got.nr, 0);
}

static void refused(const char *text, const char *reason)
{
	struct ram_hot h = { 3, { 1, 2, 3 } };
	char why[160] = "";

	CHECK_EQ(ram_hot_parse(text, strlen(text), 8 * SZ_2M, &h, why,
			       sizeof(why)), -EINVAL);
	CHECK_EQ(h.nr, 0);
	if (!strstr(why, reason))
		check_failed(__FILE__, __LINE__, "'%s': reason '%s', expected '%s'",
			     text, why, reason);
}

/* A valid head for 16 MiB of RAM, then the line under test. */
#define HOT_HEAD "lkvm-hot-blocks 1\nram_bytes 0x1000000\n"

static void refused_after_head(const char *rest, const char *reason)
{
	char text[256];

	snprintf(text, sizeof(text), "%s%s", HOT_HEAD, rest);
	refused(text, reason);
}

static void test_parse_refuses(void)
{
	const char head[] = HOT_HEAD;
	char text[256];

	refused("", "first line");
	refused("lkvm-hot-blocks 2\n", "first line");
	refused("lkvm-hot-blocks 1\nram_bytes 0x2000000\nblocks 1\n", "not 0x1000000");
	refused("lkvm-hot-blocks 1\nram_bytes 0x12345678901234567\nblocks 1\n", "ram_bytes");
	refused("lkvm-hot-blocks 1\nram_bytes \nblocks\n", "ram_bytes");
	refused_after_head("blocks 8\n", "outside RAM");
	refused_after_head("blocks 4294967296\n", "outside RAM");
	refused_after_head("blocks 18446744073709551615\n", "not a number");
	refused_after_head("blocks 2 1\n", "ascending");
	refused_after_head("blocks 1 1\n", "ascending");
	refused_after_head("blocks -1\n", "not a number");
	/* One spelling per value: no leading zeros, RAM's size in hex. */
	refused_after_head("blocks 01\n", "not a number");
	refused("lkvm-hot-blocks 1\nram_bytes 0x01000000\nblocks 1\n", "ram_bytes");
	refused("lkvm-hot-blocks 1\nram_bytes 16777216\nblocks 1\n", "ram_bytes");
	refused("lkvm-hot-blocks 1\nram_bytes 0x1000000\nblocks  1\n", "not a number");
	refused_after_head("blocks 1", "text after");
	refused_after_head("blocks 1\nmore\n", "text after");
	snprintf(text, sizeof(text), "%sblocks 1\n", head);
	text[strlen(text) - 3] = 0;	/* a NUL inside: the length counts */
	{
		struct ram_hot h;
		char why[160];

		CHECK_EQ(ram_hot_parse(text, strlen(head) + 9, 8 * SZ_2M, &h,
				       why, sizeof(why)), -EINVAL);
	}
	/* RAM_HOT_MAX + 1 blocks. */
	snprintf(text, sizeof(text), "lkvm-hot-blocks 1\nram_bytes 0x%llx\nblocks 0 1 2 3 4 5 6 7 8\n",
		 64 * SZ_2M);
	{
		struct ram_hot h;
		char why[160];

		CHECK_EQ(ram_hot_parse(text, strlen(text), 64 * SZ_2M, &h, why,
				       sizeof(why)), -EINVAL);
	}
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
	const char good[] = "lkvm-hot-blocks 1\nram_bytes 0x1000000\nblocks 0 5\n";
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
	CHECK(!exists(dir, RAM_HOT_NEW) && exists(dir, RAM_HOT_FILE));
	ram_hot_plan_free(p);
	/* An unfinished record is removed; this run records anew. */
	put(dir, RAM_HOT_NEW, "lkvm-hot-blocks 1\nram_b");
	p = ram_hot_plan_open(dir, 8 * SZ_2M);
	CHECK(p && p->hot.nr == 2 && p->record_fd < 0);
	CHECK(!exists(dir, RAM_HOT_NEW));
	ram_hot_plan_free(p);
	/* A damaged file is ignored and removed; this run records. */
	put(dir, RAM_HOT_FILE, "lkvm-hot-blocks 1\nram_bytes 0x1000000\nblocks 99\n");
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

static void test_collapse(void)
{
	char path[] = "/tmp/lkvm-test-hot-ram-XXXXXX";
	uint64_t size = 4 * SZ_2M;
	struct ram_hot h = { 2, { 1, 3 } };
	struct guest_mem mem;
	uint8_t *buf = malloc(size), check[8];
	int fd = mkstemp(path);

	CHECK(fd >= 0 && buf);
	for (uint64_t i = 0; i < size; i++)
		buf[i] = (uint8_t)(i * 7 + (i >> 21));
	CHECK_EQ(pwrite(fd, buf, size, 0), size);
	CHECK_EQ(guest_mem_map_file(&mem, 0x80000000, size, fd), 0);
	/* A tmpfs file collapses, another refuses: the same either way. */
	ram_hot_collapse(&mem, &h);
	CHECK(!memcmp(mem.host, buf, size));
	/* Writes to a hot block, and to one that is not, stay private. */
	mem.host[SZ_2M + 5] ^= 0xff;
	mem.host[2 * SZ_2M + 5] ^= 0xff;
	CHECK_EQ(pread(fd, check, 1, SZ_2M + 5), 1);
	CHECK_EQ(check[0], buf[SZ_2M + 5]);
	CHECK_EQ(pread(fd, check, 1, 2 * SZ_2M + 5), 1);
	CHECK_EQ(check[0], buf[2 * SZ_2M + 5]);
	guest_mem_free(&mem);
	close(fd);
	unlink(path);
	free(buf);
}

static const struct unit_test tests[] = {
	{ "choose", test_choose },
	{ "format-parse", test_format_parse },
	{ "parse-refuses", test_parse_refuses },
	{ "plan", test_plan },
	{ "collapse", test_collapse },
};

UNIT_MAIN(tests)

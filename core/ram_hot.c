// SPDX-License-Identifier: GPL-2.0
/*
 * A sandbox template's hot RAM blocks (include/lkvm/ram_hot.h): chosen
 * from lkvm's page table at the end of a warm run, kept in a small text
 * file of the template's directory, put in huge pages at later
 * restores. The file is input anyone may have edited: read bounded,
 * parsed strictly, every block checked against RAM's size.
 *
 * The main thread's filter forbids creating and renaming files, so the
 * recording run creates and locks RAM_HOT_NEW before its filters, and
 * writes it at its end; a later run, holding that lock (the writer has
 * gone), renames a complete one over RAM_HOT_FILE, or removes a broken
 * one. Readers only ever see a whole file.
 */
#include <lkvm/ram_hot.h>

#include <lkvm/guest_mem.h>
#include <lkvm/log.h>
#include <lkvm/parse.h>
#include <lkvm/ram_touch.h>
#include <lkvm/small_file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <unistd.h>

#define HOT_HEADER "lkvm-hot-blocks 2\n"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

void ram_hot_choose(const struct ram_touch_block *b, size_t nr,
		    struct ram_hot *h)
{
	uint32_t last_pages = UINT32_MAX;
	size_t last = SIZE_MAX;

	h->nr = 0;
	/* The busiest first: each pass takes the next below the last. */
	while (h->nr < RAM_HOT_MAX) {
		size_t best = SIZE_MAX;

		for (size_t i = 0; i < nr && i <= UINT32_MAX; i++) {
			uint32_t pages = b[i].present;

			if (b[i].copied || pages < RAM_HOT_MIN_PAGES)
				continue;
			/* Order: pages down, then block number up. */
			if (pages > last_pages ||
			    (pages == last_pages && i <= last))
				continue;
			if (best == SIZE_MAX || pages > b[best].present)
				best = i;
		}
		if (best == SIZE_MAX)
			break;
		h->block[h->nr++] = (uint32_t)best;
		last = best;
		last_pages = b[best].present;
	}
	/* Ascending, as the file keeps them. */
	for (unsigned int i = 1; i < h->nr; i++)
		for (unsigned int j = i; j && h->block[j - 1] > h->block[j];
		     j--) {
			uint32_t t = h->block[j];

			h->block[j] = h->block[j - 1];
			h->block[j - 1] = t;
		}
}

bool ram_hot_add_written(struct ram_hot *h, uint32_t page)
{
	struct ram_hot_run *last =
		h->nr_written ? &h->written[h->nr_written - 1] : NULL;

	if (h->written_pages >= RAM_HOT_WRITTEN_PAGES_MAX)
		return false;
	if (last && page == last->first + last->pages) {
		last->pages++;
	} else {
		if (h->nr_written >= RAM_HOT_WRITTEN_MAX)
			return false;
		h->written[h->nr_written++] =
			(struct ram_hot_run){ .first = page, .pages = 1 };
	}
	h->written_pages++;
	return true;
}

/* printf() at @at of @buf: false, and @buf unusable, when it does not fit. */
static bool __attribute__((format(printf, 4, 5)))
append(char *buf, size_t len, size_t *at, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *at, len - *at, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *at)
		return false;
	*at += (size_t)n;
	return true;
}

int ram_hot_format(const struct ram_hot *h, uint64_t ram_bytes, char *buf,
		   size_t len)
{
	size_t at = 0;
	bool ok = append(buf, len, &at, HOT_HEADER "ram_bytes 0x%llx\nblocks",
			 (unsigned long long)ram_bytes);

	for (unsigned int i = 0; ok && i < h->nr && i < RAM_HOT_MAX; i++)
		ok = append(buf, len, &at, " %u", h->block[i]);
	ok = ok && append(buf, len, &at, "\nwritten");
	for (unsigned int i = 0;
	     ok && i < h->nr_written && i < RAM_HOT_WRITTEN_MAX; i++)
		ok = append(buf, len, &at, " %u+%u", h->written[i].first,
			    h->written[i].pages);
	ok = ok && append(buf, len, &at, "\n");
	return ok ? (int)at : -ENOSPC;
}

/*
 * A number in @base (10, or 16 in lower case) of at most 16 digits and
 * no leading zeros at *@p, then *@p past it: one spelling per value, as
 * ram_hot_format() writes it.
 */
static bool take_number(const char **p, const char *end, unsigned int base,
			uint64_t *out)
{
	const char *s = *p;
	unsigned int digits = 0;
	uint64_t v = 0;

	for (; s < end && digits < 17; s++, digits++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned int)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned int)(*s - 'a' + 10);
		else
			break;
		v = v * base + d;
	}
	if (!digits || digits > 16 || (digits > 1 && **p == '0'))
		return false;
	*out = v;
	*p = s;
	return true;
}

/* Whether [*@p, @end) starts with @word, then *@p past it. */
static bool take(const char **p, const char *end, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(end - *p) < n || memcmp(*p, word, n))
		return false;
	*p += n;
	return true;
}

/* The written line's runs, " FIRST+PAGES" each, after "written". */
static int parse_written(const char **p, const char *end, uint64_t ram_pages,
			 struct ram_hot *h, char *why, size_t why_len)
{
	uint64_t first, pages, next = 0;

	while (take(p, end, " ")) {
		if (!take_number(p, end, 10, &first) || !take(p, end, "+") ||
		    !take_number(p, end, 10, &pages) || !pages)
			return parse_error(why, why_len,
					   "a written run is not FIRST+PAGES");
		if (h->nr_written == RAM_HOT_WRITTEN_MAX)
			return parse_error(why, why_len,
					   "more than %d written runs",
					   RAM_HOT_WRITTEN_MAX);
		if (first > ram_pages || pages > ram_pages - first)
			return parse_error(why, why_len,
					   "written run %llu+%llu is outside RAM's %llu pages",
					   (unsigned long long)first,
					   (unsigned long long)pages,
					   (unsigned long long)ram_pages);
		/* Apart: two runs that touch would be one. */
		if (h->nr_written && first <= next)
			return parse_error(why, why_len,
					   "written runs not ascending and apart");
		if (pages > RAM_HOT_WRITTEN_PAGES_MAX - h->written_pages)
			return parse_error(why, why_len,
					   "more than %d written pages",
					   RAM_HOT_WRITTEN_PAGES_MAX);
		h->written[h->nr_written++] = (struct ram_hot_run){
			.first = (uint32_t)first, .pages = (uint32_t)pages };
		h->written_pages += (uint32_t)pages;
		next = first + pages;
	}
	if (!take(p, end, "\n") || *p != end)
		return parse_error(why, why_len, "text after the written runs");
	return 0;
}

static int parse(const char *text, size_t len, uint64_t ram_bytes,
		 struct ram_hot *h, char *why, size_t why_len)
{
	const char *p = text, *end = text + len;
	uint64_t v, blocks = ram_bytes / RAM_HOT_BLOCK;

	if (!take(&p, end, HOT_HEADER))
		return parse_error(why, why_len,
				   "not \"%.*s\" on its first line",
				   (int)strlen(HOT_HEADER) - 1, HOT_HEADER);
	if (!take(&p, end, "ram_bytes 0x") || !take_number(&p, end, 16, &v) ||
	    !take(&p, end, "\n"))
		return parse_error(why, why_len, "no ram_bytes line");
	if (v != ram_bytes)
		return parse_error(why, why_len,
				   "made for 0x%llx bytes of RAM, not 0x%llx",
				   (unsigned long long)v,
				   (unsigned long long)ram_bytes);
	if (!take(&p, end, "blocks"))
		return parse_error(why, why_len, "no blocks line");
	while (take(&p, end, " ")) {
		if (!take_number(&p, end, 10, &v))
			return parse_error(why, why_len,
					   "a block is not a number");
		if (h->nr == RAM_HOT_MAX)
			return parse_error(why, why_len, "more than %d blocks",
					   RAM_HOT_MAX);
		if (v >= blocks)
			return parse_error(why, why_len,
					   "block %llu is outside RAM's %llu",
					   (unsigned long long)v,
					   (unsigned long long)blocks);
		if (h->nr && v <= h->block[h->nr - 1])
			return parse_error(why, why_len,
					   "blocks not in ascending order");
		h->block[h->nr++] = (uint32_t)v;
	}
	if (!take(&p, end, "\n") || !take(&p, end, "written"))
		return parse_error(why, why_len, "no written line after the blocks");
	/* A run's pages are counted in 32 bits. */
	return parse_written(&p, end, MIN(ram_bytes / RAM_HOT_PAGE, UINT32_MAX),
			     h, why, why_len);
}

int ram_hot_parse(const char *text, size_t len, uint64_t ram_bytes,
		  struct ram_hot *h, char *why, size_t why_len)
{
	struct ram_hot got = {0};
	int ret = parse(text, len, ram_bytes, &got, why, why_len);

	/* Nothing of a refused file is used. */
	*h = ret ? (struct ram_hot){0} : got;
	return ret;
}

/*
 * At most RAM_HOT_FILE_MAX - 1 bytes: all ram_hot_format() writes into
 * its RAM_HOT_FILE_MAX with the NUL.
 */
static int load(int dir_fd, const char *name, uint64_t ram_bytes,
		struct ram_hot *h, char *why, size_t why_len)
{
	size_t len = 0;
	char *text;
	int ret = small_file_read_at(dir_fd, name, RAM_HOT_FILE_MAX - 1, &text,
				     &len);

	if (ret == -EFBIG || ret == -EINVAL)
		return parse_error(why, why_len,
				   "not a regular file of at most %d bytes",
				   RAM_HOT_FILE_MAX - 1);
	if (ret) {
		snprintf(why, why_len, "%s", strerror(-ret));
		return ret;
	}
	ret = ram_hot_parse(text, len, ram_bytes, h, why, why_len);
	free(text);
	return ret;
}

/*
 * An earlier run's record: renamed into place when complete, removed
 * when its writer ended without finishing it; left while it writes.
 */
static void publish(int dir_fd, const char *dir, uint64_t ram_bytes)
{
	int fd = openat(dir_fd, RAM_HOT_NEW,
			O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct ram_hot h;
	char why[160];

	if (fd < 0)
		return;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		close(fd);
		return;
	}
	if (load(dir_fd, RAM_HOT_NEW, ram_bytes, &h, why, sizeof(why))) {
		pr_debug("restore: %s/%s: %s: removed", dir, RAM_HOT_NEW, why);
		unlinkat(dir_fd, RAM_HOT_NEW, 0);
	} else if (renameat(dir_fd, RAM_HOT_NEW, dir_fd, RAM_HOT_FILE)) {
		pr_debug("restore: %s/%s: cannot rename it: %s", dir,
			 RAM_HOT_NEW, strerror(errno));
	}
	close(fd);
}

/* This run records, unless another run already does. */
static int start_record(int dir_fd, const char *dir)
{
	int fd = openat(dir_fd, RAM_HOT_NEW,
			O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
			0600);

	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		close(fd);
		return -1;
	}
	pr_debug("restore: this run records the hot RAM blocks in %s/%s", dir,
		 RAM_HOT_NEW);
	return fd;
}

struct ram_hot_plan *ram_hot_plan_open(const char *dir, uint64_t ram_bytes)
{
	struct ram_hot_plan *p = calloc(1, sizeof(*p));
	char why[160];
	int dir_fd, ret;

	if (!p)
		return NULL;
	p->record_fd = -1;
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return p;
	publish(dir_fd, dir, ram_bytes);
	ret = load(dir_fd, RAM_HOT_FILE, ram_bytes, &p->hot, why, sizeof(why));
	if (ret && ret != -ENOENT) {
		pr_info("restore: %s/%s ignored (%s): this run records the hot RAM blocks again",
			dir, RAM_HOT_FILE, why);
		unlinkat(dir_fd, RAM_HOT_FILE, 0);
	}
	if (ret) {
		p->hot.nr = 0;
		p->record_fd = start_record(dir_fd, dir);
	}
	close(dir_fd);
	return p;
}

void ram_hot_plan_free(struct ram_hot_plan *p)
{
	if (!p)
		return;
	if (p->record_fd >= 0)
		close(p->record_fd);
	free(p);
}

/*
 * Done once, MADV_COLLAPSE puts a block of a tmpfs file's page cache in
 * one huge page, where it stays as long as the file; every later run's
 * read fault there then maps the whole block, and KVM maps it whole at
 * stage 2. What it returns says little of that: Linux 6.1 collapses the
 * file's pages and still fails with EINVAL when this process has no
 * page table there yet to map the huge page into (the restore has
 * touched nothing), and also fails with EINVAL where it cannot collapse
 * at all (another file system). So every block is asked for, whatever
 * the one before got; asking again for a block already huge costs
 * little. EAGAIN (pages still on their way to an LRU list, or locked)
 * gets a second try.
 */
static int collapse(uint8_t *p)
{
	int ret = madvise(p, RAM_HOT_BLOCK, MADV_COLLAPSE) ? -errno : 0;

	if (ret == -EAGAIN)
		ret = madvise(p, RAM_HOT_BLOCK, MADV_COLLAPSE) ? -errno : 0;
	return ret;
}

void ram_hot_collapse(const struct guest_mem *mem, const struct ram_hot *h)
{
	char list[RAM_HOT_MAX * 12] = "";
	unsigned int done = 0;
	size_t at = 0;
	int ret = 0;

	/* With other than 4 KiB pages a huge page is not 2 MiB. */
	if (!h->nr || mem->page_shift != 12)
		return;
	for (unsigned int i = 0; i < h->nr && i < RAM_HOT_MAX; i++)
		at += (size_t)snprintf(list + at, sizeof(list) - at, " %u",
				       h->block[i]);
	pr_debug("restore: asking for the hot RAM blocks%s in huge pages",
		 list);
	for (unsigned int i = 0; i < h->nr && i < RAM_HOT_MAX; i++) {
		uint64_t off = (uint64_t)h->block[i] * RAM_HOT_BLOCK;
		int r;

		/* Checked when read; RAM's size comes from the manifest. */
		if (off >= mem->size || mem->size - off < RAM_HOT_BLOCK)
			continue;
		r = collapse(mem->host + off);
		if (r)
			ret = r;
		else
			done++;
	}
	pr_debug("restore: asked for %u hot RAM blocks in huge pages: %u done%s%s",
		 h->nr, done, ret ? ", the last refusal: " : "",
		 ret ? strerror(-ret) : "");
}

void ram_hot_prewrite(const struct guest_mem *mem, const struct ram_hot *h)
{
	uint64_t ram_pages = mem->size / RAM_HOT_PAGE;
	unsigned int done = 0;
	uint32_t pages = 0;
	int ret = 0;

	if (!h->nr_written || mem->page_shift != 12)
		return;
	for (unsigned int i = 0; i < h->nr_written && i < RAM_HOT_WRITTEN_MAX;
	     i++) {
		const struct ram_hot_run *r = &h->written[i];

		/* Checked when read; RAM's size comes from the manifest. */
		if (r->first > ram_pages || r->pages > ram_pages - r->first)
			continue;
		if (madvise(mem->host + (uint64_t)r->first * RAM_HOT_PAGE,
			    (size_t)r->pages * RAM_HOT_PAGE,
			    MADV_POPULATE_WRITE)) {
			ret = -errno;
			break;
		}
		done++;
		pages += r->pages;
	}
	pr_debug("restore: made %u written pages private in %u of %u runs%s%s",
		 pages, done, h->nr_written, ret ? ", then: " : "",
		 ret ? strerror(-ret) : "");
}

struct written_ctx {
	struct ram_hot *h;
	bool too_many;
};

static void add_written(void *ctx, uint64_t page)
{
	struct written_ctx *c = ctx;

	if (!c->too_many &&
	    (page > UINT32_MAX || !ram_hot_add_written(c->h, (uint32_t)page)))
		c->too_many = true;
}

void ram_hot_record(struct ram_hot_plan *p, const struct guest_mem *mem)
{
	size_t nr = (size_t)(ALIGN_UP(mem->size, SZ_2M) / SZ_2M);
	struct ram_touch_block *b;
	struct written_ctx wc;
	struct ram_hot *h;
	char *buf;
	int len;

	if (!p || p->record_fd < 0 || mem->pagemap_fd < 0 || mem->file_fd < 0 ||
	    !nr)
		return;
	b = calloc(nr, sizeof(*b));
	h = calloc(1, sizeof(*h));
	buf = malloc(RAM_HOT_FILE_MAX);
	wc = (struct written_ctx){ .h = h };
	/* 4 KiB pages only: the written list's unit. */
	if (b && h && buf &&
	    !ram_touch_count(mem, b, mem->page_shift == 12 ? add_written : NULL,
			     &wc)) {
		ram_hot_choose(b, nr, h);
		if (wc.too_many)
			h->nr_written = h->written_pages = 0;
		len = ram_hot_format(h, mem->size, buf, RAM_HOT_FILE_MAX);
		/*
		 * No block worth it (a run that hardly ran): no record, so
		 * that the next run records instead.
		 */
		if (h->nr && len > 0 &&
		    pwrite(p->record_fd, buf, (size_t)len, 0) == len &&
		    !fdatasync(p->record_fd))
			pr_debug("destroy: recorded %u hot RAM blocks and %u written pages in %u runs",
				 h->nr, h->written_pages, h->nr_written);
	}
	free(buf);
	free(h);
	free(b);
}

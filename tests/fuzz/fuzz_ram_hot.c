/*
 * A sandbox template's hot-blocks file (core/ram_hot.c), read on every
 * warm run whatever wrote it. Input: the first byte picks RAM's size
 * (2 MiB to 4 TiB), the rest is the file. Checked beyond ASan: a file
 * that parses has at most RAM_HOT_MAX blocks, ascending, each inside
 * RAM; at most RAM_HOT_WRITTEN_MAX written runs, ascending and apart,
 * inside RAM, their pages counted right and at most
 * RAM_HOT_WRITTEN_PAGES_MAX; and is canonical (written back, it is the
 * same bytes).
 */
#include "fuzz.h"

#include <lkvm/ram_hot.h>

#include <string.h>

FUZZ_LOG_ERRORS_ONLY()

static void check_written(const struct ram_hot *h, uint64_t ram)
{
	uint64_t pages = 0, next = 0;

	if (h->nr_written > RAM_HOT_WRITTEN_MAX)
		fuzz_fail("more written runs than RAM_HOT_WRITTEN_MAX");
	for (unsigned int i = 0; i < h->nr_written; i++) {
		const struct ram_hot_run *r = &h->written[i];

		if (!r->pages ||
		    (uint64_t)r->first + r->pages > ram / RAM_HOT_PAGE)
			fuzz_fail("a written run empty or outside RAM");
		if (i && r->first <= next)
			fuzz_fail("written runs out of order or touching");
		next = (uint64_t)r->first + r->pages;
		pages += r->pages;
	}
	if (pages != h->written_pages || pages > RAM_HOT_WRITTEN_PAGES_MAX)
		fuzz_fail("written pages miscounted or too many");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char back[RAM_HOT_FILE_MAX];
	static struct ram_hot h;
	char why[160];
	uint64_t ram;
	int len;

	if (!size)
		return 0;
	ram = RAM_HOT_BLOCK << (data[0] % 22);
	if (ram_hot_parse((const char *)data + 1, size - 1, ram, &h, why,
			  sizeof(why)))
		return 0;
	if (h.nr > RAM_HOT_MAX)
		fuzz_fail("more blocks than RAM_HOT_MAX");
	for (unsigned int i = 0; i < h.nr; i++)
		if ((uint64_t)h.block[i] >= ram / RAM_HOT_BLOCK ||
		    (i && h.block[i] <= h.block[i - 1]))
			fuzz_fail("a block outside RAM or out of order");
	check_written(&h, ram);
	len = ram_hot_format(&h, ram, back, sizeof(back));
	if (len < 0 || (size_t)len != size - 1 || memcmp(back, data + 1, size - 1))
		fuzz_fail("a parsed file is not written back as it was");
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
#include <lkvm/guest_mem.h>

#include <lkvm/log.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int guest_mem_alloc(struct guest_mem *mem, uint64_t gpa_base, uint64_t size)
{
	size_t len;
	uint8_t *map, *aligned;

	memset(mem, 0, sizeof(*mem));
	if (size > SIZE_MAX - SZ_2M)
		return -ENOMEM;
	len = (size_t)size + SZ_2M;
	map = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (map == MAP_FAILED) {
		int err = errno;

		pr_err("cannot allocate %llu MiB of guest RAM: %s",
		       (unsigned long long)(size >> 20), strerror(err));
		return -err;
	}
	/*
	 * 2 MiB alignment lets the host back RAM with huge pages. The
	 * slack around the aligned range stays mapped, never touched and
	 * never committed (MAP_NORESERVE): trimming it took two munmap()
	 * calls that split the mapping, about 0.03 M instructions of every
	 * start in the nested test host (testing.md), and advising the
	 * whole mapping splits nothing.
	 */
	aligned = (uint8_t *)ALIGN_UP((uintptr_t)map, SZ_2M);
	madvise(map, len, MADV_HUGEPAGE);

	mem->gpa_base = gpa_base;
	mem->size = size;
	mem->host = aligned;
	mem->map_base = map;
	mem->map_len = len;
	mem->file_fd = -1;
	/* Not an error: a snapshot then reads all of RAM. */
	mem->pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (mem->pagemap_fd < 0)
		pr_debug("no /proc/self/pagemap (%s): a snapshot reads all of RAM",
			 strerror(errno));
	if (guest_mem_track_writes(mem)) {
		guest_mem_free(mem);
		return -ENOMEM;
	}
	return 0;
}

int guest_mem_map_file(struct guest_mem *mem, uint64_t gpa_base,
		       uint64_t size, int fd)
{
	uint8_t *map;
	int ret = guest_mem_alloc(mem, gpa_base, size);

	if (ret)
		return ret;
	/* Over the aligned reservation, so that RAM stays 2 MiB-aligned. */
	map = mmap(mem->host, (size_t)size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_FIXED | MAP_NORESERVE, fd, 0);
	if (map == MAP_FAILED) {
		ret = -errno;
		pr_err("cannot map the snapshot's RAM file (%llu MiB): %s",
		       (unsigned long long)(size >> 20), strerror(-ret));
		guest_mem_free(mem);
		return ret;
	}
	/*
	 * A page not yet copied reads the file: a snapshot of this RAM
	 * asks the file where its holes are, or else reads every page.
	 */
	mem->file_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (mem->file_fd < 0 && mem->pagemap_fd >= 0) {
		close(mem->pagemap_fd);
		mem->pagemap_fd = -1;
	}
	return 0;
}

void guest_mem_free(struct guest_mem *mem)
{
	if (mem->map_base) {
		munmap(mem->map_base, mem->map_len);
		if (mem->pagemap_fd >= 0)
			close(mem->pagemap_fd);
		if (mem->file_fd >= 0)
			close(mem->file_fd);
	}
	free(mem->written);
	memset(mem, 0, sizeof(*mem));
}

void guest_mem_small_pages(const struct guest_mem *mem, uint64_t gpa,
			   uint64_t len)
{
	uint8_t *p = guest_mem_ptr(mem, gpa, len);
	uintptr_t start, end;

	/* A file's pages are the file's: no huge page to avoid there. */
	if (!p || !len || !mem->map_base || mem->file_fd >= 0)
		return;
	/* RAM is 2 MiB-aligned and sized, so whole blocks lie inside it. */
	start = ALIGN_DOWN((uintptr_t)p, SZ_2M);
	end = ALIGN_UP((uintptr_t)p + len, SZ_2M);
	madvise((void *)start, end - start, MADV_NOHUGEPAGE);
}

int guest_mem_track_writes(struct guest_mem *mem)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t words;

	mem->page_shift = (unsigned int)__builtin_ctzl(page > 0 ? (unsigned long)page : 4096);
	words = (guest_mem_pages(mem) + BITS_PER_WORD - 1) / BITS_PER_WORD;
	mem->written = calloc(words ? words : 1, sizeof(*mem->written));
	return mem->written ? 0 : -ENOMEM;
}

void guest_mem_wrote(const struct guest_mem *mem, const void *p, size_t len)
{
	uint64_t off, first, last;

	if (!mem || !mem->written || !len || (const uint8_t *)p < mem->host)
		return;
	off = (uint64_t)((const uint8_t *)p - mem->host);
	if (off >= mem->size)
		return;
	first = off >> mem->page_shift;
	last = (MIN(off + len, mem->size) - 1) >> mem->page_shift;
	while (first <= last) {
		uint64_t word = first / BITS_PER_WORD;
		unsigned int bit = (unsigned int)(first % BITS_PER_WORD);
		uint64_t n = MIN(last - first + 1, BITS_PER_WORD - bit);
		unsigned long mask = n == BITS_PER_WORD ? ~0UL :
						       ((1UL << n) - 1) << bit;

		/* Release: whoever takes the bit sees the write it marks. */
		atomic_fetch_or_explicit(&mem->written[word], mask,
					 memory_order_release);
		first += n;
	}
}

void guest_mem_take_written(const struct guest_mem *mem, unsigned long *bits)
{
	uint64_t words = (guest_mem_pages(mem) + BITS_PER_WORD - 1) /
			 BITS_PER_WORD;

	if (!mem->written)
		return;
	for (uint64_t i = 0; i < words; i++)
		bits[i] |= atomic_exchange_explicit(&mem->written[i], 0,
						    memory_order_acquire);
}

void guest_mem_wrap(struct guest_mem *mem, uint64_t gpa_base, void *buf,
		    uint64_t size)
{
	memset(mem, 0, sizeof(*mem));
	mem->gpa_base = gpa_base;
	mem->size = size;
	mem->host = buf;
	mem->pagemap_fd = -1;
	mem->file_fd = -1;
}

void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	uint64_t offset, end;

	if (gpa < mem->gpa_base)
		return NULL;
	offset = gpa - mem->gpa_base;
	if (add_overflows_u64(offset, len, &end) || end > mem->size)
		return NULL;
	return mem->host + offset;
}

bool guest_mem_is_zero(const void *p, size_t len)
{
	const uint64_t *w = p;

	for (size_t i = 0; i < len / 8; i++)
		if (w[i])
			return false;
	return true;
}

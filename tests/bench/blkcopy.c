/*
 * blkcopy FILE ROUNDS: what one 1 MiB virtio-blk read costs the host
 * with no VMM around it, as a measuring stick for tests/bench/blk.sh:
 * FILE's 1 MiB blocks, in order, read into one 1 MiB buffer in a
 * 2 MiB-aligned anonymous mapping (as guest RAM is mapped, and as the
 * guest's O_DIRECT buffer stays put), each request's thread CPU time
 * and wall time measured. The methods take turns request by request, so
 * that the load of the machine falls on all of them alike:
 *
 *   preadv-1      one iovec (a guest buffer in one piece)
 *   preadv-32     32 iovecs of 32 KiB (what the benchmark's guest sends:
 *                 34 to 131 segments a request, boot to boot)
 *   preadv-256    256 iovecs of 4 KiB (a guest buffer in single pages)
 *   preadv-small  one iovec into memory without huge pages
 *   mmap-memcpy   the file mapped, memcpy() (kvmtool's read-only disks)
 *   mmap-populate the same after MADV_POPULATE_READ of the block: one
 *                 system call maps it instead of one fault per 64 KiB
 *   syscalls      an eventfd written and read: two system calls, what a
 *                 request's notification and interrupt cost at least
 *
 * Prints, per method, the median and least CPU and wall time in us, for
 * the first pass over the file (the mappings' pages fault in) and for the
 * later ones; each figure includes the two clock reads around it.
 * Numbers only, no thresholds.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define MIB (1UL << 20)
#define SZ_2M (2UL << 20)
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

enum method { PREADV_1, PREADV_32, PREADV_256, PREADV_SMALL, MMAP_MEMCPY,
	      MMAP_POPULATE, SYSCALLS, NR_METHODS };

static const char *const names[NR_METHODS] = {
	"preadv-1", "preadv-32", "preadv-256", "preadv-small", "mmap-memcpy",
	"mmap-populate", "syscalls",
};

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* A 1 MiB buffer at the start of a 2 MiB-aligned, touched mapping. */
static uint8_t *buffer(int advice)
{
	uint8_t *map = mmap(NULL, 2 * SZ_2M, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uint8_t *p;

	if (map == MAP_FAILED)
		die("mmap");
	p = (uint8_t *)(((uintptr_t)map + SZ_2M - 1) & ~(SZ_2M - 1));
	madvise(p, SZ_2M, advice);
	memset(p, 1, SZ_2M);
	return p;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void report(int m, const char *pass, uint64_t *cpu, uint64_t *wall,
		   unsigned int n)
{
	qsort(cpu, n, sizeof(uint64_t), cmp_u64);
	qsort(wall, n, sizeof(uint64_t), cmp_u64);
	printf("%s, %s: cpu_us median %.1f min %.1f, wall_us median %.1f min %.1f (%u requests)\n",
	       names[m], pass, cpu[n / 2] / 1e3, cpu[0] / 1e3, wall[n / 2] / 1e3,
	       wall[0] / 1e3, n);
}

static void read_iov(int fd, uint8_t *buf, unsigned int nr, off_t off)
{
	struct iovec iov[256];
	size_t each = MIB / nr;
	ssize_t n;

	for (unsigned int i = 0; i < nr; i++)
		iov[i] = (struct iovec){ buf + i * each, each };
	n = preadv(fd, iov, (int)nr, off);
	if (n != (ssize_t)MIB)
		die("preadv");
}

int main(int argc, char **argv)
{
	uint64_t *cpu[NR_METHODS], *wall[NR_METHODS];
	uint8_t *huge, *small, *image, *image2;
	unsigned int rounds, blocks, n = 0;
	struct stat st;
	int fd, efd;

	if (argc != 3) {
		fprintf(stderr, "usage: blkcopy FILE ROUNDS\n");
		return 2;
	}
	rounds = (unsigned int)atoi(argv[2]);
	fd = open(argv[1], O_RDONLY);
	efd = eventfd(0, EFD_NONBLOCK);
	if (fd < 0 || efd < 0 || fstat(fd, &st))
		die(argv[1]);
	blocks = (unsigned int)(st.st_size / (off_t)MIB);
	if (!blocks || !rounds)
		return 2;
	/* Two mappings, so that each method faults its own pages in. */
	image = mmap(NULL, (size_t)blocks * MIB, PROT_READ, MAP_SHARED, fd, 0);
	image2 = mmap(NULL, (size_t)blocks * MIB, PROT_READ, MAP_SHARED, fd, 0);
	if (image == MAP_FAILED || image2 == MAP_FAILED)
		die("mmap FILE");
	huge = buffer(MADV_HUGEPAGE);
	small = buffer(MADV_NOHUGEPAGE);
	for (int m = 0; m < NR_METHODS; m++) {
		cpu[m] = calloc((size_t)rounds * blocks, sizeof(uint64_t));
		wall[m] = calloc((size_t)rounds * blocks, sizeof(uint64_t));
		if (!cpu[m] || !wall[m])
			die("calloc");
	}
	for (unsigned int r = 0; r < rounds; r++) {
		for (unsigned int b = 0; b < blocks; b++, n++) {
			off_t off = (off_t)b * (off_t)MIB;

			/* Rotate the order so no method always runs first. */
			for (int k = 0; k < NR_METHODS; k++) {
				int m = (int)((k + n) % NR_METHODS);
				uint64_t c0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
				uint64_t w0 = now_ns(CLOCK_MONOTONIC);
				uint64_t one = 1;

				switch (m) {
				case PREADV_1: read_iov(fd, huge, 1, off); break;
				case PREADV_32: read_iov(fd, huge, 32, off); break;
				case PREADV_256: read_iov(fd, huge, 256, off); break;
				case PREADV_SMALL: read_iov(fd, small, 1, off); break;
				case MMAP_MEMCPY:
					memcpy(huge, image + off, MIB);
					break;
				case MMAP_POPULATE:
					if (madvise(image2 + off, MIB,
						    MADV_POPULATE_READ))
						die("MADV_POPULATE_READ");
					memcpy(huge, image2 + off, MIB);
					break;
				case SYSCALLS:
					if (write(efd, &one, 8) != 8 ||
					    read(efd, &one, 8) != 8)
						die("eventfd");
					break;
				}
				cpu[m][n] = now_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
				wall[m][n] = now_ns(CLOCK_MONOTONIC) - w0;
			}
		}
	}
	for (int m = 0; m < NR_METHODS; m++) {
		report(m, "first pass", cpu[m], wall[m], blocks);
		if (n > blocks)
			report(m, "later passes", cpu[m] + blocks, wall[m] + blocks,
			       n - blocks);
	}
	return 0;
}

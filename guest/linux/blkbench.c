/*
 * Block-device tool for test and benchmark guests (static, arm64 Linux):
 *
 *   blkbench read DEV MIB [direct]  sequential 1 MiB reads: MB/s
 *   blkbench write DEV MIB          sequential 1 MiB writes then fsync: MB/s
 *   blkbench randread DEV SECONDS   4 KiB O_DIRECT random reads, one at a
 *                                   time: IOPS
 *   blkbench zeroout DEV OFF LEN    BLKZEROOUT (virtio-blk WRITE_ZEROES)
 *
 * Results are printed as "@@L2 KEY=VALUE" for the test scripts.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024 * 1024)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int open_dev(const char *path, int flags)
{
	int fd = open(path, flags);

	if (fd < 0) {
		fprintf(stderr, "blkbench: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

static void *buffer(size_t len)
{
	void *p;

	if (posix_memalign(&p, 4096, len)) {
		fprintf(stderr, "blkbench: out of memory\n");
		exit(1);
	}
	memset(p, 0x5a, len);
	return p;
}

static int seq(const char *dev, long mib, int write, int direct)
{
	int fd = open_dev(dev, (write ? O_WRONLY : O_RDONLY) |
				       (direct ? O_DIRECT : 0));
	char *buf = buffer(MIB);
	double t0 = now(), t;

	for (long i = 0; i < mib; i++) {
		ssize_t n = write ? pwrite(fd, buf, MIB, (off_t)i * MIB) :
				    pread(fd, buf, MIB, (off_t)i * MIB);

		if (n != MIB) {
			fprintf(stderr, "blkbench: %s at %ld MiB: %s\n", dev, i,
				n < 0 ? strerror(errno) : "short transfer");
			return 1;
		}
	}
	if (write && fsync(fd)) {
		fprintf(stderr, "blkbench: fsync: %s\n", strerror(errno));
		return 1;
	}
	t = now() - t0;
	printf("@@L2 %s%s_mbps=%.1f\n", write ? "write" : "read",
	       write ? "" : (direct ? "_direct" : "_buffered"),
	       (double)mib * MIB / 1e6 / t);
	close(fd);
	return 0;
}

static int randread(const char *dev, double seconds)
{
	int fd = open_dev(dev, O_RDONLY | O_DIRECT);
	char *buf = buffer(4096);
	uint64_t size, blocks, x = 88172645463325252ULL, n = 0;
	double t0, t;

	if (ioctl(fd, BLKGETSIZE64, &size) || size < 4096) {
		fprintf(stderr, "blkbench: %s: no size\n", dev);
		return 1;
	}
	blocks = size / 4096;
	t0 = now();
	do {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (pread(fd, buf, 4096, (off_t)(x % blocks) * 4096) != 4096) {
			fprintf(stderr, "blkbench: read: %s\n", strerror(errno));
			return 1;
		}
		n++;
		t = now() - t0;
	} while (t < seconds);
	printf("@@L2 randread_iops=%.0f\n", (double)n / t);
	close(fd);
	return 0;
}

static int zeroout(const char *dev, uint64_t off, uint64_t len)
{
	int fd = open_dev(dev, O_WRONLY);
	uint64_t range[2] = { off, len };

	if (ioctl(fd, BLKZEROOUT, range)) {
		fprintf(stderr, "blkbench: BLKZEROOUT: %s\n", strerror(errno));
		return 1;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "read"))
		return seq(argv[2], atol(argv[3]), 0,
			   argc > 4 && !strcmp(argv[4], "direct"));
	if (argc == 4 && !strcmp(argv[1], "write"))
		return seq(argv[2], atol(argv[3]), 1, 0);
	if (argc == 4 && !strcmp(argv[1], "randread"))
		return randread(argv[2], atof(argv[3]));
	if (argc == 5 && !strcmp(argv[1], "zeroout"))
		return zeroout(argv[2], strtoull(argv[3], NULL, 0),
			       strtoull(argv[4], NULL, 0));
	fprintf(stderr, "usage: blkbench read|write|randread|zeroout DEV ...\n");
	return 2;
}

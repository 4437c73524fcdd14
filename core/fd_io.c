// SPDX-License-Identifier: GPL-2.0
#include <lkvm/fd_io.h>

#include <errno.h>
#include <stdbool.h>
#include <unistd.h>

static int write_loop(int fd, const void *buf, size_t len, bool at,
		      uint64_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = at ? pwrite(fd, p, len, (off_t)off) :
				 write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int fd_write_all(int fd, const void *buf, size_t len)
{
	return write_loop(fd, buf, len, false, 0);
}

int fd_pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	return write_loop(fd, buf, len, true, off);
}

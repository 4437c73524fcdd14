// SPDX-License-Identifier: GPL-2.0
#include <lkvm/fd_io.h>

#include <errno.h>
#include <stdbool.h>
#include <sys/uio.h>
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

/* Entries per writev(), well under IOV_MAX (1024 on Linux). */
#define WRITEV_PARTS 64U

/* A short write resumes mid-entry; empty entries are skipped. */
int fd_writev_all(int fd, const struct iovec *iov, unsigned int nr)
{
	struct iovec part[WRITEV_PARTS];
	unsigned int i = 0;
	size_t skip = 0;	/* bytes of iov[i] already written */

	while (i < nr) {
		unsigned int n = 0;
		ssize_t w;

		for (unsigned int j = i; j < nr && n < WRITEV_PARTS; j++) {
			size_t off = j == i ? skip : 0;

			if (iov[j].iov_len == off)
				continue;
			part[n].iov_base = (uint8_t *)iov[j].iov_base + off;
			part[n++].iov_len = iov[j].iov_len - off;
		}
		if (!n)
			return 0;
		w = writev(fd, part, (int)n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		/* Skip what was written: whole entries, then part of one. */
		while (i < nr && (size_t)w >= iov[i].iov_len - skip) {
			w -= (ssize_t)(iov[i].iov_len - skip);
			skip = 0;
			i++;
		}
		skip += (size_t)w;
	}
	return 0;
}

void efd_signal(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) < 0)
		return;	/* saturated: already signalled */
}

void efd_drain(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0)
		return;	/* empty (EAGAIN): nothing to reset */
}

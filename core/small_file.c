// SPDX-License-Identifier: GPL-2.0
#include <lkvm/small_file.h>

#include <lkvm/fd_io.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* All of @fd, at most @max bytes; the callers' contract, @fd closed. */
static int read_whole(int fd, size_t max, char **text, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf;
	int ret = 0;

	buf = malloc(cap);
	if (!buf)
		ret = -ENOMEM;
	while (!ret) {
		ssize_t r;

		if (n + 1 >= cap) {
			char *bigger = cap > max ? NULL : realloc(buf, cap * 2);

			if (!bigger) {
				ret = cap > max ? -EFBIG : -ENOMEM;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
		} else if (!r) {
			if (n > max) {
				ret = -EFBIG;
				break;
			}
			buf[n] = '\0';
			*len = n;
			*text = buf;
			break;
		}
		n += (size_t)(r > 0 ? r : 0);
	}
	close(fd);
	if (ret)
		free(buf);
	return ret;
}

int small_file_read(const char *path, size_t max, char **text, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*text = NULL;
	if (fd < 0)
		return -errno;
	return read_whole(fd, max, text, len);
}

int small_file_read_at(int dir_fd, const char *name, size_t max, char **text,
		       size_t *len)
{
	int fd = openat(dir_fd, name,
			O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;

	*text = NULL;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return -EFBIG;
	}
	return read_whole(fd, max, text, len);
}

int small_file_write_atomic(const char *path, const char *text, size_t len)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	char tmp[4096];
	int fd, ret;

	if (!*name)
		return -EISDIR;
	/* A name of its own, so that two writers never share one. */
	if (snprintf(tmp, sizeof(tmp), "%.*s.%s.XXXXXX", (int)(name - path),
		     path, name) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* mkostemp() makes it 0600; readers such as NFD need to read it. */
	ret = fchmod(fd, 0644) ? -errno : fd_write_all(fd, text, len);
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

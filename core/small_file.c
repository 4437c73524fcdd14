// SPDX-License-Identifier: GPL-2.0
#include <lkvm/small_file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int small_file_read(const char *path, size_t max, char **text, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, n = 0;
	char *buf;
	int ret = 0;

	*text = NULL;
	if (fd < 0)
		return -errno;
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

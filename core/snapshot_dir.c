// SPDX-License-Identifier: GPL-2.0
/* A snapshot's directory: private, complete, then in place. */
#include <lkvm/snapshot_dir.h>

#include <lkvm/log.h>
#include <lkvm/ram_hot.h>
#include <lkvm/snapshot.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const snapshot_files[] = {
	SNAPSHOT_RAM, SNAPSHOT_STATE, SNAPSHOT_MANIFEST,
};

void snapshot_dir_remove(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(snapshot_files); i++)
		unlinkat(fd, snapshot_files[i], 0);
	/* A sandbox template's record of its hot RAM blocks (ram_hot.h). */
	unlinkat(fd, RAM_HOT_FILE, 0);
	unlinkat(fd, RAM_HOT_NEW, 0);
	close(fd);
	if (rmdir(dir))
		pr_warn("%s: not removed: %s", dir, strerror(errno));
}

int snapshot_dir_fill(int dir_fd, const char *dir, int fds[3])
{
	for (size_t i = 0; i < ARRAY_SIZE(snapshot_files); i++)
		fds[i] = -1;
	for (size_t i = 0; i < ARRAY_SIZE(snapshot_files); i++) {
		fds[i] = openat(dir_fd, snapshot_files[i],
				O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fds[i] < 0) {
			int err = errno;

			pr_err("cannot create %s/%s: %s", dir,
			       snapshot_files[i], strerror(err));
			return -err;
		}
	}
	return 0;
}

int snapshot_dir_create(const char *tmp, int fds[3])
{
	int dir_fd, ret;

	for (size_t i = 0; i < ARRAY_SIZE(snapshot_files); i++)
		fds[i] = -1;
	if (mkdir(tmp, 0700)) {
		pr_err("cannot create %s: %s", tmp, strerror(errno));
		return -errno;
	}
	dir_fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return -errno;
	ret = snapshot_dir_fill(dir_fd, tmp, fds);
	close(dir_fd);
	return ret;
}

static int sync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0 || fsync(fd))
		ret = -errno;
	if (fd >= 0)
		close(fd);
	return ret;
}

/*
 * For file systems without renameat2's flags (9p, some FUSE): the old
 * snapshot moves aside first, so DIR is briefly absent, never partial.
 */
static int rename_plain(const char *tmp, const char *dir, bool replace)
{
	char old[PATH_MAX];

	if (!replace) {
		if (!access(dir, F_OK))
			return -EEXIST;
		return rename(tmp, dir) ? -errno : 0;
	}
	if ((size_t)snprintf(old, sizeof(old), "%s.old", tmp) >= sizeof(old))
		return -ENAMETOOLONG;
	if (rename(dir, old))
		return -errno;
	if (rename(tmp, dir)) {
		int err = -errno;

		rename(old, dir);
		return err;
	}
	/* Where the exchange would have left it. */
	return rename(old, tmp) ? -errno : 0;
}

int snapshot_dir_publish(const char *tmp, const char *dir, bool replace)
{
	char parent[PATH_MAX];
	char *slash;
	int ret = sync_dir(tmp);

	if (ret)
		return ret;
	ret = renameat2(AT_FDCWD, tmp, AT_FDCWD, dir,
			replace ? RENAME_EXCHANGE : RENAME_NOREPLACE) ? -errno :
									 0;
	if (ret == -EINVAL || ret == -ENOSYS)
		ret = rename_plain(tmp, dir, replace);
	if (ret) {
		if (ret != -EEXIST)
			pr_err("cannot rename %s to %s: %s", tmp, dir,
			       strerror(-ret));
		return ret;
	}
	/* After an exchange, tmp holds the old snapshot. */
	if (replace)
		snapshot_dir_remove(tmp);
	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (!slash)
		snprintf(parent, sizeof(parent), ".");
	else if (slash == parent)
		parent[1] = 0;
	else
		*slash = 0;
	return sync_dir(parent);
}

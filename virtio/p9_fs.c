// SPDX-License-Identifier: GPL-2.0
/*
 * The 9P server's file-system calls: every path the guest names is
 * resolved beneath the share's root descriptor, never through a symlink,
 * and never onto a kernel pseudo file system; files are opened only after
 * their type was checked without opening them.
 */
#include <lkvm/p9_fs.h>

#include <lkvm/log.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Not in <linux/magic.h>: fs/configfs and fs/fuse/control.c. */
#define CONFIGFS_MAGIC 0x62656570
#define FUSE_CTL_SUPER_MAGIC 0x65735543

/*
 * File systems whose files act on processes or on the kernel: a guest
 * that could open /proc/<lkvm's pid>/mem through a share of the host's
 * "/" would own lkvm. Shares never enter them.
 */
static const unsigned long blocked_fs[] = {
	PROC_SUPER_MAGIC,   SYSFS_MAGIC,	 DEBUGFS_MAGIC,
	TRACEFS_MAGIC,	    SECURITYFS_MAGIC,	 SELINUX_MAGIC,
	SMACK_MAGIC,	    CGROUP_SUPER_MAGIC,	 CGROUP2_SUPER_MAGIC,
	BPF_FS_MAGIC,	    BINFMTFS_MAGIC,	 EFIVARFS_MAGIC,
	PSTOREFS_MAGIC,	    DEVPTS_SUPER_MAGIC,	 NSFS_MAGIC,
	CONFIGFS_MAGIC,	    FUSE_CTL_SUPER_MAGIC,
};

int p9_check_name(const struct p9_str *name, char out[NAME_MAX + 1])
{
	if (!name->len)
		return -EINVAL;
	if (name->len > NAME_MAX)
		return -ENAMETOOLONG;
	if (memchr(name->s, '/', name->len) || memchr(name->s, '\0', name->len))
		return -EINVAL;
	if ((name->len == 1 && name->s[0] == '.') ||
	    (name->len == 2 && name->s[0] == '.' && name->s[1] == '.'))
		return -EINVAL;
	memcpy(out, name->s, name->len);
	out[name->len] = '\0';
	return 0;
}

int p9_path_join(const char *dir, const char *name, char **out)
{
	size_t dl = strlen(dir), nl = strlen(name);
	char *p;

	if (dl + 1 + nl >= PATH_MAX)
		return -ENAMETOOLONG;
	p = malloc(dl + 1 + nl + 1);
	if (!p)
		return -ENOMEM;
	if (dl) {
		memcpy(p, dir, dl);
		p[dl++] = '/';
	}
	memcpy(p + dl, name, nl + 1);
	*out = p;
	return 0;
}

char *p9_path_parent(const char *path)
{
	const char *slash = strrchr(path, '/');

	return strndup(path, slash ? (size_t)(slash - path) : 0);
}

const char *p9_path_base(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static bool fs_type_blocked(unsigned long type)
{
	for (size_t i = 0; i < ARRAY_SIZE(blocked_fs); i++)
		if (blocked_fs[i] == type)
			return true;
	return false;
}

static struct p9_dev_info *dev_info(struct p9_server *s, dev_t dev)
{
	for (unsigned int i = 0; i < s->nr_devs; i++)
		if (s->devs[i].dev == dev)
			return &s->devs[i];
	return NULL;
}

int p9_fs_allowed(struct p9_server *s, int fd, const struct stat *st)
{
	struct p9_dev_info *d = dev_info(s, st->st_dev);
	struct statfs sfs;
	bool blocked;

	if (d)
		return d->blocked ? -EACCES : 0;
	if (fstatfs(fd, &sfs) < 0)
		return -errno;
	blocked = fs_type_blocked((unsigned long)sfs.f_type);
	/* A full table only costs an fstatfs() per lookup. */
	if (s->nr_devs < P9_MAX_DEVS)
		s->devs[s->nr_devs++] =
			(struct p9_dev_info){ st->st_dev, blocked };
	return blocked ? -EACCES : 0;
}

void p9_qid_from_stat(struct p9_server *s, const struct stat *st,
		      struct p9_qid *q)
{
	struct p9_dev_info *d = dev_info(s, st->st_dev);
	/*
	 * Inode numbers repeat across the file systems mounted under a
	 * share; the device's index in the table keeps qid paths apart
	 * (the root's device has index 0 and keeps plain inode numbers).
	 */
	uint64_t idx = d ? (uint64_t)(d - s->devs) : P9_MAX_DEVS;

	q->type = S_ISDIR(st->st_mode) ? P9_QTDIR :
		  S_ISLNK(st->st_mode) ? P9_QTSYMLINK :
					 P9_QTFILE;
	q->version = 0;
	q->path = (uint64_t)st->st_ino ^ (idx << 48);
}

/* openat2() beneath the root: no symlinks, no magic links, no escape. */
static int resolve_openat2(struct p9_server *s, const char *path, int flags,
			   mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, s->root_fd, *path ? path : ".", &how,
			  sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

/*
 * Without openat2 (Linux before 5.6, and qemu-user): one name at a time,
 * each opened O_PATH | O_NOFOLLOW | O_DIRECTORY relative to the previous
 * directory. A symlink is never followed (it is not a directory), and no
 * component may be "." or "..", so the walk stays beneath the root.
 */
static int resolve_walk(struct p9_server *s, const char *path, int flags,
			mode_t mode)
{
	int dirfd = s->root_fd, fd;
	const char *p = path;

	if (!*path)
		return (fd = openat(s->root_fd, ".",
				    flags | O_NOFOLLOW | O_CLOEXEC)) < 0 ?
			       -errno :
			       fd;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		char name[NAME_MAX + 1];
		struct p9_str str = { p, (uint16_t)MIN(len, 0xffffU) };
		int ret = len > NAME_MAX ? -ENAMETOOLONG :
					   p9_check_name(&str, name);

		if (ret) {
			fd = ret;
			break;
		}
		if (!slash) {
			fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC,
				    mode);
			fd = fd < 0 ? -errno : fd;
			break;
		}
		fd = openat(dirfd, name,
			    O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			struct stat st;

			/* Say ELOOP for a symlink, as openat2 would. */
			fd = -errno;
			if (fd == -ENOTDIR &&
			    !fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) &&
			    S_ISLNK(st.st_mode))
				fd = -ELOOP;
			break;
		}
		if (dirfd != s->root_fd)
			close(dirfd);
		dirfd = fd;
		p = slash + 1;
	}
	if (dirfd != s->root_fd)
		close(dirfd);
	return fd;
}

int p9_resolve(struct p9_server *s, const char *path, int flags, mode_t mode,
	       struct stat *st)
{
	struct stat tmp;
	int fd, ret;

	fd = s->use_openat2 ? resolve_openat2(s, path, flags, mode) :
			      resolve_walk(s, path, flags, mode);
	if (fd < 0)
		return fd;
	if (!st)
		st = &tmp;
	ret = fstat(fd, st) < 0 ? -errno : p9_fs_allowed(s, fd, st);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

int p9_lookup(struct p9_server *s, const char *path, struct stat *st)
{
	return p9_resolve(s, path, O_PATH, 0, st);
}

int p9_open_dirfd(struct p9_server *s, const char *path)
{
	return p9_resolve(s, path, O_PATH | O_DIRECTORY, 0, NULL);
}

int p9_open_parent(struct p9_server *s, const char *path)
{
	char *parent = p9_path_parent(path);
	int fd;

	if (!parent)
		return -ENOMEM;
	fd = p9_open_dirfd(s, parent);
	free(parent);
	return fd;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

int p9_open_file(struct p9_server *s, const char *path, int flags,
		 struct stat *st)
{
	struct stat seen, opened;
	int fd = p9_lookup(s, path, &seen);

	if (fd < 0)
		return fd;
	close(fd);
	if (S_ISLNK(seen.st_mode))
		return -ELOOP;
	if (!S_ISREG(seen.st_mode) && !S_ISDIR(seen.st_mode))
		return -EACCES;	/* devices, FIFOs, sockets: not opened */
	if (S_ISDIR(seen.st_mode) && (flags & O_ACCMODE) != O_RDONLY)
		return -EISDIR;
	/*
	 * O_NONBLOCK: should the file have been swapped for a FIFO since
	 * the check, the open must not hang; it is refused below anyway.
	 */
	fd = p9_resolve(s, path, flags | O_NONBLOCK | O_NOCTTY, 0, &opened);
	if (fd < 0)
		return fd;
	if (!same_file(&seen, &opened) ||
	    (!S_ISREG(opened.st_mode) && !S_ISDIR(opened.st_mode))) {
		close(fd);
		return -EAGAIN;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		close(fd);
		return -errno;
	}
	if (st)
		*st = opened;
	return fd;
}

int p9_chmod(struct p9_server *s, int pathfd, const char *path,
	     const struct stat *st, mode_t mode)
{
	char proc[64];
	int fd, ret;

	if (S_ISLNK(st->st_mode))
		return -EOPNOTSUPP;	/* Linux has no symlink modes */
	/* chmod() through the descriptor's /proc link follows nothing else. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pathfd);
	if (!chmod(proc, mode))
		return 0;
	if (errno != ENOENT)
		return -errno;
	/* No /proc on this host: open the checked file for reading. */
	fd = p9_open_file(s, path, O_RDONLY, NULL);
	if (fd < 0)
		return fd;
	ret = fchmod(fd, mode) ? -errno : 0;
	close(fd);
	return ret;
}

int p9_open_flags(uint32_t dotl, int *flags)
{
	static const int acc[] = { O_RDONLY, O_WRONLY, O_RDWR };
	uint32_t mode = dotl & P9_DOTL_ACCMODE;
	int f;

	if (mode == P9_DOTL_NOACCESS)
		return -EINVAL;
	f = acc[mode];
	/*
	 * The rest is translated flag by flag (arm64's own values differ);
	 * O_DIRECT, O_NOATIME and O_NONBLOCK are the guest's business.
	 */
	if (dotl & P9_DOTL_TRUNC)
		f |= O_TRUNC;
	if (dotl & P9_DOTL_APPEND)
		f |= O_APPEND;
	if (dotl & P9_DOTL_DSYNC)
		f |= O_DSYNC;
	if (dotl & P9_DOTL_SYNC)
		f |= O_SYNC;
	if (dotl & P9_DOTL_DIRECTORY)
		f |= O_DIRECTORY;
	*flags = f;
	return 0;
}

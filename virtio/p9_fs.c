// SPDX-License-Identifier: GPL-2.0
/*
 * The 9P server's file-system calls: every path the guest names is
 * resolved beneath the share's root descriptor, never through a symlink,
 * and never onto a kernel pseudo file system; files are opened only after
 * their type was checked without opening them, by reopening the very
 * inode that was checked (through /proc/self/fd), never the path again.
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

/*
 * Asks the file system of @fd itself, every time: a device number is
 * reused once its file system is unmounted, so a verdict cached by
 * st_dev could let a proc mounted later under the share pass.
 */
int p9_fs_allowed(struct p9_server *s, int fd, const struct stat *st)
{
	struct statfs sfs;

	if (fstatfs(fd, &sfs) < 0)
		return -errno;
	if (fs_type_blocked((unsigned long)sfs.f_type))
		return -EACCES;
	/* Only for qid paths; a full table costs uniqueness, not safety. */
	if (!dev_info(s, st->st_dev) && s->nr_devs < P9_MAX_DEVS)
		s->devs[s->nr_devs++] = (struct p9_dev_info){ st->st_dev };
	return 0;
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

/* The name of descriptor @fd in /proc/self/fd. */
static void fd_name(int fd, char name[16])
{
	snprintf(name, 16, "%d", fd);
}

/*
 * Opens the inode behind O_PATH descriptor @pathfd itself: its /proc
 * link leads to that inode and nowhere else, whatever was renamed into
 * its place since it was checked.
 */
static int reopen(struct p9_server *s, int pathfd, int flags)
{
	char name[16];
	int fd;

	fd_name(pathfd, name);
	fd = openat(s->proc_fd, name, (flags & ~O_NOFOLLOW) | O_NOCTTY |
					      O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int p9_open_file(struct p9_server *s, const char *path, int flags,
		 struct stat *st)
{
	struct stat seen;
	int pathfd = p9_lookup(s, path, &seen), fd;

	if (pathfd < 0)
		return pathfd;
	if (S_ISLNK(seen.st_mode))
		fd = -ELOOP;
	else if (!S_ISREG(seen.st_mode) && !S_ISDIR(seen.st_mode))
		fd = -EACCES;	/* devices, FIFOs, sockets: never opened */
	else if (S_ISDIR(seen.st_mode) && (flags & O_ACCMODE) != O_RDONLY)
		fd = -EISDIR;
	else
		fd = 0;
	if (!fd && s->after_check)
		s->after_check(s->after_check_arg);
	if (!fd)
		fd = reopen(s, pathfd, flags & ~O_CREAT);
	close(pathfd);
	if (fd >= 0 && (flags & O_TRUNC))
		p9_kill_privs(fd);
	if (fd >= 0 && st && fstat(fd, st) < 0) {
		close(fd);
		fd = -errno;
	}
	return fd;
}

int p9_chmod(struct p9_server *s, int pathfd, const struct stat *st,
	     mode_t mode)
{
	char name[16];

	if (S_ISLNK(st->st_mode))
		return -EOPNOTSUPP;	/* Linux has no symlink modes */
	fd_name(pathfd, name);
	return fchmodat(s->proc_fd, name, mode, 0) ? -errno : 0;
}

void p9_kill_privs(int fd)
{
	struct stat st;

	/* As the kernel does for writers without CAP_FSETID. */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    !((st.st_mode & S_ISUID) ||
	      (st.st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP)))
		return;
	if (fchmod(fd, st.st_mode & 07777 & ~(S_ISUID | S_ISGID)))
		pr_debug("9p: cannot clear set-user-ID/set-group-ID: %s",
			 strerror(errno));
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

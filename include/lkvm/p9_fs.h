/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_P9_FS_H
#define LKVM_P9_FS_H

#include <lkvm/p9.h>
#include <lkvm/p9_wire.h>

#include <limits.h>
#include <sys/stat.h>

/*
 * The 9P server's host side: the fid table (virtio/p9_fids.c), and names,
 * paths and every file-system call (virtio/p9_fs.c). A fid names a place
 * by its path relative to the share's root, built only from names that
 * p9_check_name() accepted: no "", ".", ".." or "/" inside a component.
 * Every use resolves that path again beneath the root, so a fid never
 * outlives the rules; renames rewrite the paths of the fids below.
 */

/* Fid table. Paths are owned by the table once added. */
int p9_fids_init(struct p9_fid_table *t);
void p9_fids_fini(struct p9_fid_table *t);
/* Forgets every fid, closing open files. */
void p9_fids_clear(struct p9_fid_table *t);
struct p9_fid *p9_fid_find(const struct p9_fid_table *t, uint32_t fid);
/*
 * Adds @fid for @path (taken over on success, freed on failure).
 * -EEXIST when @fid is in use, -ENFILE past P9_MAX_FIDS fids or
 * P9_MAX_PATH_BYTES of paths, -ENOMEM.
 */
int p9_fid_add(struct p9_fid_table *t, uint32_t fid, char *path,
	       struct p9_fid **out);
/* Replaces @f's path with @path (taken over on success, freed on failure). */
int p9_fid_set_path(struct p9_fid_table *t, struct p9_fid *f, char *path);
/* @f, not open yet, now holds the open file @fd (a directory: @dir). */
void p9_fid_set_fd(struct p9_fid_table *t, struct p9_fid *f, int fd,
		   bool dir);
/* Forgets @f, closing its file. */
void p9_fid_remove(struct p9_fid_table *t, struct p9_fid *f);
/*
 * After a rename of @from to @to: every fid at @from or below it now
 * names the same file under @to. Returns 0 or -ENOMEM/-ENFILE (some
 * fids then keep their old, now stale, paths).
 */
int p9_fids_renamed(struct p9_fid_table *t, const char *from, const char *to);

/*
 * One path component from the guest: 1 to NAME_MAX bytes, no '/' or NUL,
 * not "." or "..". Copies it, terminated, to @out. 0, -EINVAL or
 * -ENAMETOOLONG.
 */
int p9_check_name(const struct p9_str *name, char out[NAME_MAX + 1]);

/* "dir/name" (or "name" at the root), at most PATH_MAX - 1 bytes. */
int p9_path_join(const char *dir, const char *name, char **out);
/* The parent of @path ("" for the root and for top-level names). */
char *p9_path_parent(const char *path);
/* The last component of @path; "" for the root. */
const char *p9_path_base(const char *path);

/*
 * Opens @path beneath the share's root without following any symlink
 * (the last component included) with @flags (O_NOFOLLOW and O_CLOEXEC
 * added), refusing what lies on a kernel pseudo file system. Fills @st
 * when not NULL. Returns the fd or -errno.
 */
int p9_resolve(struct p9_server *s, const char *path, int flags, mode_t mode,
	       struct stat *st);
/* An O_PATH descriptor of @path (any type); @st filled. */
int p9_lookup(struct p9_server *s, const char *path, struct stat *st);
/* An O_PATH descriptor of directory @path, for the *at() calls. */
int p9_open_dirfd(struct p9_server *s, const char *path);
/* p9_open_dirfd() of @path's parent, to act on p9_path_base(@path). */
int p9_open_parent(struct p9_server *s, const char *path);
/*
 * Opens @path with @flags for I/O, only when it is a regular file or a
 * directory: the type is checked on an O_PATH descriptor, and then that
 * same inode is reopened through /proc/self/fd, so device nodes, FIFOs
 * and sockets are never opened, not even for a moment. -EACCES for other
 * types, -ELOOP for symlinks. O_TRUNC clears set-user-ID and
 * set-group-ID (p9_kill_privs()).
 */
int p9_open_file(struct p9_server *s, const char *path, int flags,
		 struct stat *st);
/* chmod() of the file behind O_PATH descriptor @pathfd (@st its stat). */
int p9_chmod(struct p9_server *s, int pathfd, const struct stat *st,
	     mode_t mode);

/*
 * The permission bits the guest may give a file: never set-user-ID or
 * set-group-ID, which would make a file that runs as lkvm's user for
 * whoever on the host can run it.
 */
static inline mode_t p9_guest_mode(uint32_t mode)
{
	return (mode_t)(mode & 07777 & ~(uint32_t)(S_ISUID | S_ISGID));
}

/*
 * Before the guest changes a file's contents (write, truncate): clears
 * set-user-ID, and set-group-ID with group execute, as the kernel does
 * for writers without CAP_FSETID. lkvm may have that capability.
 */
void p9_kill_privs(int fd);

void p9_qid_from_stat(struct p9_server *s, const struct stat *st,
		      struct p9_qid *q);
/* The file system of @fd may be served (not proc, sysfs, ...): 0 or -EACCES. */
int p9_fs_allowed(struct p9_server *s, int fd, const struct stat *st);

/* Linux open flags for Tlopen/Tlcreate's @dotl; -EINVAL for NOACCESS. */
int p9_open_flags(uint32_t dotl, int *flags);

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * 9P2000.L names and attributes: Tgetattr, Tsetattr, Tstatfs, Treadlink,
 * Tmkdir, Tsymlink, Tmknod, Tlink, Tunlinkat, Trenameat, Trename and
 * Tremove. Every change goes through a directory descriptor resolved
 * beneath the root and a name p9_check_name() accepted.
 */
#include <lkvm/p9_ops.h>

#include <lkvm/log.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

/*
 * Guest-controlled: fid, request mask. The file is looked up again beneath
 * the root (an open fid answers from its open file, even unlinked).
 * Answers every basic field, whatever the mask asked.
 */
int t_getattr(struct p9_req *r)
{
	uint32_t fid = p9_get32(&r->in);
	struct p9_fid *f;
	struct stat st;
	int ret;

	p9_get64(&r->in);	/* request mask: everything basic is sent */
	if ((ret = FIELDS_OK(r)))
		return ret;
	f = p9_req_fid(r, fid);
	if (!f)
		return -EBADF;
	if (f->fd >= 0) {
		/* Open files answer even once unlinked. */
		if (fstat(f->fd, &st) < 0)
			return -errno;
	} else {
		int fd = p9_lookup(r->s, f->path, &st);

		if (fd < 0)
			return fd;
		close(fd);
	}
	p9_put64(&r->out, P9_STATS_BASIC);
	p9_put_qid_of(r, &st);
	p9_put32(&r->out, st.st_mode);
	p9_put32(&r->out, st.st_uid);
	p9_put32(&r->out, st.st_gid);
	p9_put64(&r->out, st.st_nlink);
	p9_put64(&r->out, st.st_rdev);
	p9_put64(&r->out, (uint64_t)st.st_size);
	p9_put64(&r->out, (uint64_t)st.st_blksize);
	p9_put64(&r->out, (uint64_t)st.st_blocks);
	p9_put64(&r->out, (uint64_t)st.st_atim.tv_sec);
	p9_put64(&r->out, (uint64_t)st.st_atim.tv_nsec);
	p9_put64(&r->out, (uint64_t)st.st_mtim.tv_sec);
	p9_put64(&r->out, (uint64_t)st.st_mtim.tv_nsec);
	p9_put64(&r->out, (uint64_t)st.st_ctim.tv_sec);
	p9_put64(&r->out, (uint64_t)st.st_ctim.tv_nsec);
	for (unsigned int i = 0; i < 4; i++)
		p9_put64(&r->out, 0);	/* btime, gen, data_version */
	return 0;
}

static struct timespec attr_time(uint32_t valid, uint32_t change,
				 uint32_t set, uint64_t sec, uint64_t nsec)
{
	if (!(valid & change))
		return (struct timespec){ .tv_nsec = UTIME_OMIT };
	if (!(valid & set))
		return (struct timespec){ .tv_nsec = UTIME_NOW };
	return (struct timespec){ .tv_sec = (time_t)sec,
				  .tv_nsec = (long)(nsec % 1000000000U) };
}

/* Truncates through the fid's open file, else opens the checked file. */
static int set_size(struct p9_req *r, struct p9_fid *f, uint64_t size)
{
	int fd = f->fd, ret;

	if (size > INT64_MAX)
		return -EINVAL;
	if (fd < 0 || f->open_dir) {
		fd = p9_open_file(r->s, f->path, O_WRONLY, NULL);
		if (fd < 0)
			return fd;
	}
	p9_kill_privs(fd);
	ret = ftruncate(fd, (off_t)size) ? -errno : 0;
	if (fd != f->fd)
		close(fd);
	return ret;
}

/* Times without following a symlink: through the parent directory. */
static int set_times(struct p9_req *r, struct p9_fid *f,
		     const struct timespec ts[2])
{
	int dirfd, ret;

	if (f->fd >= 0)
		return futimens(f->fd, ts) ? -errno : 0;
	if (!*f->path)
		return utimensat(r->s->root_fd, ".", ts, 0) ? -errno : 0;
	dirfd = p9_open_parent(r->s, f->path);
	if (dirfd < 0)
		return dirfd;
	ret = utimensat(dirfd, p9_path_base(f->path), ts, AT_SYMLINK_NOFOLLOW) ?
		      -errno :
		      0;
	close(dirfd);
	return ret;
}

/*
 * Guest-controlled: fid, which attributes, and their values. Refused on a
 * read-only share. Mode through the open file or the checked inode
 * (never through a symlink), owner with AT_EMPTY_PATH, size only for
 * regular files (opened like Tlopen would), times without following a
 * symlink; nanoseconds are taken modulo a second.
 */
int t_setattr(struct p9_req *r)
{
	uint32_t fid = p9_get32(&r->in), valid = p9_get32(&r->in);
	uint32_t mode = p9_get32(&r->in), uid = p9_get32(&r->in);
	uint32_t gid = p9_get32(&r->in);
	uint64_t size = p9_get64(&r->in);
	uint64_t as = p9_get64(&r->in), ans = p9_get64(&r->in);
	uint64_t ms = p9_get64(&r->in), mns = p9_get64(&r->in);
	struct timespec ts[2];
	struct p9_fid *f;
	struct stat st;
	int fd, ret;

	if ((ret = FIELDS_OK(r)))
		return ret;
	f = p9_req_fid(r, fid);
	if (!f)
		return -EBADF;
	if (r->s->ro)
		return -EROFS;
	fd = p9_lookup(r->s, f->path, &st);
	if (fd < 0 && f->fd < 0)
		return fd;
	if (fd < 0) {
		/* Unlinked but open: only the open file is left. */
		if (fstat(f->fd, &st) < 0)
			return -errno;
	}
	ret = 0;
	if (valid & P9_ATTR_MODE) {
		if (f->fd >= 0)
			ret = fchmod(f->fd, p9_guest_mode(mode)) ? -errno : 0;
		else
			ret = p9_chmod(r->s, fd, &st, p9_guest_mode(mode));
	}
	if (!ret && (valid & (P9_ATTR_UID | P9_ATTR_GID))) {
		uid_t u = (valid & P9_ATTR_UID) ? uid : (uid_t)-1;
		gid_t g = (valid & P9_ATTR_GID) ? gid : (gid_t)-1;

		ret = fchownat(f->fd >= 0 ? f->fd : fd, "", u, g,
			       AT_EMPTY_PATH) ?
			      -errno :
			      0;
	}
	if (fd >= 0)
		close(fd);
	if (!ret && (valid & P9_ATTR_SIZE))
		ret = S_ISREG(st.st_mode) ? set_size(r, f, size) :
		      S_ISDIR(st.st_mode) ? -EISDIR :
					    -EINVAL;
	if (!ret && (valid & (P9_ATTR_ATIME | P9_ATTR_MTIME))) {
		ts[0] = attr_time(valid, P9_ATTR_ATIME, P9_ATTR_ATIME_SET, as,
				  ans);
		ts[1] = attr_time(valid, P9_ATTR_MTIME, P9_ATTR_MTIME_SET, ms,
				  mns);
		ret = set_times(r, f, ts);
	}
	return ret;
}

/* A directory fid's O_PATH descriptor, and the checked name inside it. */
static int dir_and_name(struct p9_req *r, uint32_t dfid,
			const struct p9_str *nm, char name[NAME_MAX + 1],
			struct p9_fid **df)
{
	struct p9_fid *f = p9_req_fid(r, dfid);
	int ret;

	if (!f)
		return -EBADF;
	ret = p9_check_name(nm, name);
	if (ret)
		return ret;
	if (r->s->ro)
		return -EROFS;
	if (df)
		*df = f;
	return p9_open_dirfd(r->s, f->path);
}

static int put_qid_at(struct p9_req *r, struct p9_fid *df, const char *name)
{
	char *path;
	int ret = p9_path_join(df->path, name, &path);

	if (ret)
		return ret;
	ret = p9_put_qid_of_path(r, path);
	free(path);
	return ret;
}

int t_symlink(struct p9_req *r)
{
	uint32_t dfid = p9_get32(&r->in);
	struct p9_str nm = p9_get_str(&r->in), tgt = p9_get_str(&r->in);
	char name[NAME_MAX + 1], target[PATH_MAX];
	struct p9_fid *df;
	int dirfd, ret;

	p9_get32(&r->in);	/* gid */
	if ((ret = FIELDS_OK(r)))
		return ret;
	/* The target is only stored: lkvm never follows a symlink. */
	if (!tgt.len || tgt.len >= PATH_MAX || memchr(tgt.s, '\0', tgt.len))
		return -EINVAL;
	memcpy(target, tgt.s, tgt.len);
	target[tgt.len] = '\0';
	dirfd = dir_and_name(r, dfid, &nm, name, &df);
	if (dirfd < 0)
		return dirfd;
	ret = symlinkat(target, dirfd, name) ? -errno : 0;
	close(dirfd);
	return ret ?: put_qid_at(r, df, name);
}

/* Regular files only: device nodes, FIFOs and sockets are refused. */
int t_mknod(struct p9_req *r)
{
	uint32_t dfid = p9_get32(&r->in);
	struct p9_str nm = p9_get_str(&r->in);
	uint32_t mode = p9_get32(&r->in);
	char name[NAME_MAX + 1];
	struct p9_fid *df;
	int dirfd, fd, ret;

	p9_get32(&r->in);	/* major */
	p9_get32(&r->in);	/* minor */
	p9_get32(&r->in);	/* gid */
	if ((ret = FIELDS_OK(r)))
		return ret;
	if ((mode & S_IFMT) && !S_ISREG(mode))
		return -EPERM;
	dirfd = dir_and_name(r, dfid, &nm, name, &df);
	if (dirfd < 0)
		return dirfd;
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
					 O_CLOEXEC,
		    p9_guest_mode(mode));
	ret = fd < 0 ? -errno : 0;
	if (fd >= 0) {
		if (p9_guest_mode(mode) & r->s->umask)
			fchmod(fd, p9_guest_mode(mode));
		close(fd);
	}
	close(dirfd);
	return ret ?: put_qid_at(r, df, name);
}

/*
 * Guest-controlled: directory fid, name (p9_check_name()), mode (only the
 * permission bits are used, exactly, less set-user-ID and set-group-ID:
 * p9_guest_mode()). Refused on a read-only share.
 */
int t_mkdir(struct p9_req *r)
{
	uint32_t dfid = p9_get32(&r->in);
	struct p9_str nm = p9_get_str(&r->in);
	uint32_t mode = p9_get32(&r->in);
	char name[NAME_MAX + 1], *path;
	struct p9_fid *df;
	struct stat st;
	int dirfd, fd, ret;

	p9_get32(&r->in);	/* gid */
	if ((ret = FIELDS_OK(r)))
		return ret;
	dirfd = dir_and_name(r, dfid, &nm, name, &df);
	if (dirfd < 0)
		return dirfd;
	ret = mkdirat(dirfd, name, p9_guest_mode(mode)) ? -errno : 0;
	close(dirfd);
	if (ret)
		return ret;
	ret = p9_path_join(df->path, name, &path);
	if (ret)
		return ret;
	fd = p9_lookup(r->s, path, &st);
	if (fd >= 0 && (p9_guest_mode(mode) & r->s->umask))
		p9_chmod(r->s, fd, &st, p9_guest_mode(mode));
	free(path);
	if (fd < 0)
		return fd;
	close(fd);
	p9_put_qid_of(r, &st);
	return 0;
}

/* renameat() of two (directory fid, name) pairs, and the fids below. */
static int do_rename(struct p9_req *r, struct p9_fid *odf, const char *oname,
		     struct p9_fid *ndf, const char *nname)
{
	char *from = NULL, *to = NULL;
	int odir = -1, ndir = -1, ret;

	if (r->s->ro)
		return -EROFS;
	ret = p9_path_join(odf->path, oname, &from);
	ret = ret ?: p9_path_join(ndf->path, nname, &to);
	if (!ret) {
		odir = p9_open_dirfd(r->s, odf->path);
		ret = odir < 0 ? odir : 0;
	}
	if (!ret) {
		ndir = p9_open_dirfd(r->s, ndf->path);
		ret = ndir < 0 ? ndir : 0;
	}
	if (!ret)
		ret = renameat(odir, oname, ndir, nname) ? -errno : 0;
	/* A fid table that could not follow costs stale fids, not data. */
	if (!ret && p9_fids_renamed(&r->s->fids, from, to))
		pr_debug("9p: some fids below '%s' keep their old path", from);
	if (odir >= 0)
		close(odir);
	if (ndir >= 0)
		close(ndir);
	free(from);
	free(to);
	return ret;
}

/*
 * Guest-controlled: two directory fids and two names, each checked; the
 * fids below the old name follow it. Refused on a read-only share.
 */
int t_renameat(struct p9_req *r)
{
	uint32_t ofid = p9_get32(&r->in);
	struct p9_str onm = p9_get_str(&r->in);
	uint32_t nfid = p9_get32(&r->in);
	struct p9_str nnm = p9_get_str(&r->in);
	char oname[NAME_MAX + 1], nname[NAME_MAX + 1];
	struct p9_fid *odf, *ndf;
	int ret;

	if ((ret = FIELDS_OK(r)))
		return ret;
	odf = p9_req_fid(r, ofid);
	ndf = p9_req_fid(r, nfid);
	if (!odf || !ndf)
		return -EBADF;
	ret = p9_check_name(&onm, oname);
	ret = ret ?: p9_check_name(&nnm, nname);
	return ret ?: do_rename(r, odf, oname, ndf, nname);
}

/* 9P2000.L's older rename: fid itself moves into dfid as name. */
int t_rename(struct p9_req *r)
{
	uint32_t fid = p9_get32(&r->in), dfid = p9_get32(&r->in);
	struct p9_str nm = p9_get_str(&r->in);
	char name[NAME_MAX + 1];
	struct p9_fid *f, *ndf, parent = { .fd = -1 };
	int ret;

	if ((ret = FIELDS_OK(r)))
		return ret;
	f = p9_req_fid(r, fid);
	ndf = p9_req_fid(r, dfid);
	if (!f || !ndf)
		return -EBADF;
	if (!*f->path)
		return -EBUSY;	/* the root stays where it is */
	ret = p9_check_name(&nm, name);
	if (ret)
		return ret;
	parent.path = p9_path_parent(f->path);
	if (!parent.path)
		return -ENOMEM;
	ret = do_rename(r, &parent, p9_path_base(f->path), ndf, name);
	free(parent.path);
	return ret;
}

/* Guest-controlled: fid, which must name a symlink; its target is sent. */
int t_readlink(struct p9_req *r)
{
	uint32_t fid = p9_get32(&r->in);
	char target[PATH_MAX];
	struct p9_fid *f;
	struct stat st;
	ssize_t n;
	int fd, ret;

	if ((ret = FIELDS_OK(r)))
		return ret;
	f = p9_req_fid(r, fid);
	if (!f)
		return -EBADF;
	fd = p9_lookup(r->s, f->path, &st);
	if (fd < 0)
		return fd;
	n = S_ISLNK(st.st_mode) ? readlinkat(fd, "", target, sizeof(target)) :
				  (errno = EINVAL, -1);
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	if ((size_t)n >= sizeof(target))
		return -ENAMETOOLONG;
	p9_put_str(&r->out, target, (size_t)n);
	return 0;
}

/* Guest-controlled: fid; answers the host file system's statfs. */
int t_statfs(struct p9_req *r)
{
	uint32_t fid = p9_get32(&r->in);
	struct p9_fid *f;
	struct statfs sfs;
	uint64_t fsid;
	int fd, ret;

	if ((ret = FIELDS_OK(r)))
		return ret;
	f = p9_req_fid(r, fid);
	if (!f)
		return -EBADF;
	fd = p9_lookup(r->s, f->path, NULL);
	if (fd < 0)
		return fd;
	ret = fstatfs(fd, &sfs) ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	memcpy(&fsid, &sfs.f_fsid, sizeof(fsid));
	p9_put32(&r->out, (uint32_t)sfs.f_type);
	p9_put32(&r->out, (uint32_t)sfs.f_bsize);
	p9_put64(&r->out, sfs.f_blocks);
	p9_put64(&r->out, sfs.f_bfree);
	p9_put64(&r->out, sfs.f_bavail);
	p9_put64(&r->out, sfs.f_files);
	p9_put64(&r->out, sfs.f_ffree);
	p9_put64(&r->out, fsid);
	p9_put32(&r->out, (uint32_t)sfs.f_namelen);
	return 0;
}

/*
 * Guest-controlled: directory fid, fid of the file, name. The link is
 * made between two names beneath the root; a symlink is linked itself.
 */
int t_link(struct p9_req *r)
{
	uint32_t dfid = p9_get32(&r->in), fid = p9_get32(&r->in);
	struct p9_str nm = p9_get_str(&r->in);
	char name[NAME_MAX + 1];
	struct p9_fid *f;
	int dirfd, odir, ret;

	if ((ret = FIELDS_OK(r)))
		return ret;
	f = p9_req_fid(r, fid);
	if (!f)
		return -EBADF;
	if (!*f->path)
		return -EPERM;	/* no hard links to directories */
	dirfd = dir_and_name(r, dfid, &nm, name, NULL);
	if (dirfd < 0)
		return dirfd;
	odir = p9_open_parent(r->s, f->path);
	ret = odir;
	if (odir >= 0) {
		/* No AT_SYMLINK_FOLLOW: a symlink is linked, not its target. */
		ret = linkat(odir, p9_path_base(f->path), dirfd, name, 0) ?
			      -errno :
			      0;
		close(odir);
	}
	close(dirfd);
	return ret;
}

/*
 * Guest-controlled: directory fid, name, flags (only AT_REMOVEDIR).
 * Refused on a read-only share.
 */
int t_unlinkat(struct p9_req *r)
{
	uint32_t dfid = p9_get32(&r->in);
	struct p9_str nm = p9_get_str(&r->in);
	uint32_t flags = p9_get32(&r->in);
	char name[NAME_MAX + 1];
	int dirfd, ret;

	if ((ret = FIELDS_OK(r)))
		return ret;
	if (flags & ~P9_DOTL_AT_REMOVEDIR)
		return -EINVAL;
	dirfd = dir_and_name(r, dfid, &nm, name, NULL);
	if (dirfd < 0)
		return dirfd;
	ret = unlinkat(dirfd, name,
		       (flags & P9_DOTL_AT_REMOVEDIR) ? AT_REMOVEDIR : 0) ?
		      -errno :
		      0;
	close(dirfd);
	return ret;
}

static int remove_path(struct p9_req *r, const char *path)
{
	struct stat st;
	int fd, dirfd, ret;

	if (r->s->ro)
		return -EROFS;
	if (!*path)
		return -EBUSY;	/* the root stays */
	fd = p9_lookup(r->s, path, &st);
	if (fd < 0)
		return fd;
	close(fd);
	dirfd = p9_open_parent(r->s, path);
	if (dirfd < 0)
		return dirfd;
	ret = unlinkat(dirfd, p9_path_base(path),
		       S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) ?
		      -errno :
		      0;
	close(dirfd);
	return ret;
}

/* Removes the file of fid, then clunks fid whatever the outcome. */
int t_remove(struct p9_req *r)
{
	uint32_t fid = p9_get32(&r->in);
	struct p9_fid *f;
	int ret;

	if ((ret = FIELDS_OK(r)))
		return ret;
	f = p9_req_fid(r, fid);
	if (!f)
		return -EBADF;
	ret = remove_path(r, f->path);
	p9_fid_remove(&r->s->fids, f);
	return ret;
}

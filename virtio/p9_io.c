// SPDX-License-Identifier: GPL-2.0
/*
 * 9P2000.L file I/O: Tlopen, Tlcreate, Tread, Twrite, Treaddir, Tfsync,
 * Tlock and Tgetlock. Files are opened through p9_open_file(), which
 * opens nothing but regular files and directories.
 */
#include <lkvm/p9_ops.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool wants_write(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
}

/*
 * Guest-controlled: fid, flags. The fid must exist and not be open; the
 * flags are translated one by one (NOACCESS refused), writes and
 * truncation refused on a read-only share, open files bounded; only a
 * regular file or a directory is opened. Answers qid and iounit.
 */
int t_lopen(struct p9_req *r)
{
	uint32_t fid = p9_get32(&r->in), dotl = p9_get32(&r->in);
	struct p9_fid *f;
	struct stat st;
	int flags, fd, ret;

	if ((ret = FIELDS_OK(r)))
		return ret;
	f = p9_req_fid(r, fid);
	if (!f)
		return -EBADF;
	if (f->fd >= 0)
		return -EBADF;	/* already open */
	ret = p9_open_flags(dotl, &flags);
	if (ret)
		return ret;
	if (r->s->ro && wants_write(flags))
		return -EROFS;
	if (r->s->fids.nr_open >= P9_MAX_OPEN_FILES)
		return -EMFILE;
	fd = p9_open_file(r->s, f->path, flags, &st);
	if (fd < 0)
		return fd;
	p9_fid_set_fd(&r->s->fids, f, fd, S_ISDIR(st.st_mode));
	p9_put_qid_of(r, &st);
	p9_put32(&r->out, p9_iounit(r->s));
	return 0;
}

/*
 * Creates name in the directory of fid and opens it; fid then names the
 * new file. O_EXCL creation never opens anything that already exists;
 * without P9_DOTL_EXCL an existing file is opened like Tlopen would.
 */
int t_lcreate(struct p9_req *r)
{
	uint32_t fid = p9_get32(&r->in);
	struct p9_str nm = p9_get_str(&r->in);
	uint32_t dotl = p9_get32(&r->in), mode = p9_get32(&r->in);
	char name[NAME_MAX + 1], *path;
	struct p9_fid *f;
	struct stat st;
	bool created = true;
	int flags, fd, ret;

	p9_get32(&r->in);	/* gid: files belong to lkvm's user */
	if ((ret = FIELDS_OK(r)))
		return ret;
	f = p9_req_fid(r, fid);
	if (!f)
		return -EBADF;
	if (f->fd >= 0)
		return -EBADF;
	ret = p9_check_name(&nm, name);
	ret = ret ?: p9_open_flags(dotl, &flags);
	if (ret)
		return ret;
	if (r->s->ro)
		return -EROFS;
	if (r->s->fids.nr_open >= P9_MAX_OPEN_FILES)
		return -EMFILE;
	flags &= ~O_DIRECTORY;
	ret = p9_path_join(f->path, name, &path);
	if (ret)
		return ret;
	fd = p9_resolve(r->s, path, flags | O_CREAT | O_EXCL,
			p9_guest_mode(mode), &st);
	if (fd == -EEXIST && !(dotl & P9_DOTL_EXCL)) {
		created = false;
		fd = p9_open_file(r->s, path, flags, &st);
	}
	if (fd < 0) {
		free(path);
		return fd;
	}
	/* The guest applied its umask already; lkvm's must not apply twice. */
	if (created && (p9_guest_mode(mode) & r->s->umask))
		fchmod(fd, p9_guest_mode(mode));
	ret = p9_fid_set_path(&r->s->fids, f, path);
	if (ret) {
		close(fd);
		return ret;
	}
	p9_fid_set_fd(&r->s->fids, f, fd, false);
	p9_put_qid_of(r, &st);
	p9_put32(&r->out, p9_iounit(r->s));
	return 0;
}

static uint8_t dtype_to_qid(unsigned char d_type)
{
	return d_type == DT_DIR ? P9_QTDIR :
	       d_type == DT_LNK ? P9_QTSYMLINK :
				  P9_QTFILE;
}

/*
 * Guest-controlled: fid, offset (a cookie from an earlier answer, or 0)
 * and count (bounded by msize and the reply buffer). Entries are read
 * with getdents64 at the offset and sent while whole entries fit.
 */
int t_readdir(struct p9_req *r)
{
	uint32_t fid = p9_get32(&r->in);
	uint64_t offset = p9_get64(&r->in);
	uint32_t count = p9_get32(&r->in);
	struct p9_fid *f;
	struct stat dst;
	uint8_t *countp, *buf;
	size_t room, start;
	ssize_t n;
	int ret;

	if ((ret = FIELDS_OK(r)))
		return ret;
	f = p9_req_fid(r, fid);
	if (!f || f->fd < 0 || !f->open_dir)
		return -EBADF;
	if (offset > INT64_MAX)
		return -EINVAL;
	if (fstat(f->fd, &dst) < 0)
		return -errno;
	countp = p9_room(&r->out, 4);
	room = MIN((size_t)count, r->out.cap - r->out.off);
	if (!countp || !room)
		return -ERANGE;
	buf = malloc(room);
	if (!buf)
		return -ENOMEM;
	if (lseek(f->fd, (off_t)offset, SEEK_SET) < 0) {
		free(buf);
		return -errno;
	}
	/*
	 * Entries that do not fit once converted are read again by the
	 * next Treaddir, which starts at the last offset sent.
	 */
	n = getdents64(f->fd, buf, room);
	if (n < 0) {
		ret = -errno;
		free(buf);
		return ret;
	}
	start = r->out.off;
	for (ssize_t pos = 0; pos < n;) {
		struct dirent64 *d = (struct dirent64 *)(buf + pos);
		size_t nl = strlen(d->d_name);
		struct p9_qid q = {
			.type = dtype_to_qid(d->d_type),
			.path = (uint64_t)d->d_ino,
		};

		if (r->out.off - start + P9_QID_SIZE + 8 + 1 + 2 + nl > room)
			break;
		p9_put_qid(&r->out, &q);
		p9_put64(&r->out, (uint64_t)d->d_off);
		p9_put8(&r->out, d->d_type);
		p9_put_str(&r->out, d->d_name, nl);
		pos += d->d_reclen;
	}
	free(buf);
	if (n > 0 && r->out.off == start)
		return -EINVAL;	/* count cannot hold a single entry */
	countp[0] = (uint8_t)(r->out.off - start);
	countp[1] = (uint8_t)((r->out.off - start) >> 8);
	countp[2] = (uint8_t)((r->out.off - start) >> 16);
	countp[3] = (uint8_t)((r->out.off - start) >> 24);
	return 0;
}

/* Guest-controlled: fid (must be open) and an optional datasync flag. */
int t_fsync(struct p9_req *r)
{
	uint32_t fid = p9_get32(&r->in), datasync = 0;
	struct p9_fid *f;
	int ret;

	/* Linux sends datasync[4] since 4.x; older clients do not. */
	if (p9_in_left(&r->in) >= 4)
		datasync = p9_get32(&r->in);
	if ((ret = FIELDS_OK(r)))
		return ret;
	f = p9_req_fid(r, fid);
	if (!f || f->fd < 0)
		return -EBADF;
	return (datasync ? fdatasync(f->fd) : fsync(f->fd)) ? -errno : 0;
}

/*
 * POSIX locks are kept by the guest's kernel, which asks here only after
 * taking them locally; with one guest per share there is nobody to
 * conflict with, so every lock is granted (as QEMU and kvmtool do).
 */
int t_lock(struct p9_req *r)
{
	uint32_t fid = p9_get32(&r->in);
	int ret;

	p9_get8(&r->in);	/* type */
	p9_get32(&r->in);	/* flags */
	p9_get64(&r->in);	/* start */
	p9_get64(&r->in);	/* length */
	p9_get32(&r->in);	/* proc_id */
	p9_get_str(&r->in);	/* client_id */
	if ((ret = FIELDS_OK(r)))
		return ret;
	if (!p9_req_fid(r, fid))
		return -EBADF;
	p9_put8(&r->out, P9_LOCK_SUCCESS);
	return 0;
}

/* Guest-controlled: every field; echoed with type F_UNLCK (no conflict). */
int t_getlock(struct p9_req *r)
{
	uint32_t fid = p9_get32(&r->in), pid;
	uint64_t start, len;
	struct p9_str client;
	int ret;

	p9_get8(&r->in);	/* type */
	start = p9_get64(&r->in);
	len = p9_get64(&r->in);
	pid = p9_get32(&r->in);
	client = p9_get_str(&r->in);
	if ((ret = FIELDS_OK(r)))
		return ret;
	if (!p9_req_fid(r, fid))
		return -EBADF;
	p9_put8(&r->out, P9_LOCK_TYPE_UNLCK);
	p9_put64(&r->out, start);
	p9_put64(&r->out, len);
	p9_put32(&r->out, pid);
	p9_put_str(&r->out, client.s, client.len);
	return 0;
}

/*
 * Guest-controlled: fid, offset, count. The fid must be an open file;
 * count is cut to the room left in the answer (msize and the guest's
 * buffers); offset must fit off_t. Answers the bytes read.
 */
int t_read(struct p9_req *r)
{
	uint32_t fid = p9_get32(&r->in);
	uint64_t offset = p9_get64(&r->in);
	uint32_t count = p9_get32(&r->in);
	struct p9_fid *f;
	uint8_t *countp, *data;
	size_t room;
	ssize_t n;
	int ret;

	if ((ret = FIELDS_OK(r)))
		return ret;
	f = p9_req_fid(r, fid);
	if (!f || f->fd < 0)
		return -EBADF;
	if (f->open_dir)
		return -EISDIR;
	if (offset > INT64_MAX)
		return -EINVAL;
	countp = p9_room(&r->out, 4);
	if (!countp)
		return -ERANGE;
	room = MIN((size_t)count, r->out.cap - r->out.off);
	data = r->out.buf + r->out.off;
	do
		n = pread(f->fd, data, room, (off_t)offset);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	r->out.off += (size_t)n;
	countp[0] = (uint8_t)n;
	countp[1] = (uint8_t)(n >> 8);
	countp[2] = (uint8_t)(n >> 16);
	countp[3] = (uint8_t)(n >> 24);
	return 0;
}

/* Guest-controlled: count, which must not exceed the bytes that follow. */
int t_write(struct p9_req *r)
{
	uint32_t fid = p9_get32(&r->in);
	uint64_t offset = p9_get64(&r->in);
	uint32_t count = p9_get32(&r->in);
	const uint8_t *data = p9_take(&r->in, count);
	struct p9_fid *f;
	size_t done = 0;
	int ret;

	if ((ret = FIELDS_OK(r)))
		return ret;
	f = p9_req_fid(r, fid);
	if (!f || f->fd < 0)
		return -EBADF;
	if (f->open_dir)
		return -EISDIR;
	if (offset > INT64_MAX || count > INT64_MAX - offset)
		return -EFBIG;
	p9_kill_privs(f->fd);
	while (done < count) {
		ssize_t n = pwrite(f->fd, data + done, count - done,
				   (off_t)(offset + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (!done)
				return -errno;
			break;	/* report what was written */
		}
		if (!n)
			break;
		done += (size_t)n;
	}
	p9_put32(&r->out, (uint32_t)done);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The 9P2000.L server: frames one T-message, dispatches it to its
 * handler (include/lkvm/p9_ops.h) and writes the R-message; sessions and
 * fids: Tversion, Tattach, Twalk, Tclunk, Tflush. See include/lkvm/p9.h
 * for the rules every handler keeps.
 */
#include <lkvm/p9.h>
#include <lkvm/p9_ops.h>

#include <lkvm/log.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Guest-controlled: msize and the version string. msize below
 * P9_MSIZE_MIN is refused, above P9_MSIZE_MAX cut down; only "9P2000.L"
 * starts a session (else "unknown", as 9P says). Every fid is forgotten.
 */
static int t_version(struct p9_req *r)
{
	uint32_t msize = p9_get32(&r->in);
	struct p9_str v = p9_get_str(&r->in);

	if (r->in.bad)
		return -EPROTO;
	if (msize < P9_MSIZE_MIN)
		return -EINVAL;
	/* A new session: every fid of the old one is gone. */
	p9_fids_clear(&r->s->fids);
	msize = MIN(msize, P9_MSIZE_MAX);
	p9_put32(&r->out, msize);
	if (v.len == 8 && !memcmp(v.s, "9P2000.L", 8)) {
		r->s->msize = msize;
		p9_put_str(&r->out, "9P2000.L", 8);
	} else {
		r->s->msize = 0;
		p9_put_str(&r->out, "unknown", 7);
	}
	return 0;
}

/*
 * Guest-controlled: fid, afid, user and tree names. No authentication:
 * afid must be NOFID; the names are read and ignored (one tree per share).
 */
static int t_attach(struct p9_req *r)
{
	uint32_t fid = p9_get32(&r->in), afid = p9_get32(&r->in);
	struct stat st;
	char *root;
	int fd, ret;

	p9_get_str(&r->in);	/* uname */
	p9_get_str(&r->in);	/* aname: there is one tree per share */
	p9_get32(&r->in);	/* n_uname */
	if ((ret = FIELDS_OK(r)))
		return ret;
	if (afid != P9_NOFID)
		return -EINVAL;	/* no authentication */
	fd = p9_lookup(r->s, "", &st);
	if (fd < 0)
		return fd;
	close(fd);
	root = strdup("");
	if (!root)
		return -ENOMEM;
	ret = p9_fid_add(&r->s->fids, fid, root, NULL);
	if (ret)
		return ret;
	p9_put_qid_of(r, &st);
	return 0;
}

/*
 * Guest-controlled: fid, newfid and up to P9_MAXWELEM names. Each name
 * must pass p9_check_name(), or be ".." (the parent, never above the
 * root) or "."; each step is looked up beneath the root. A walk that
 * fails after its first step answers with the qids of the steps done
 * and leaves newfid unused, as 9P says.
 */
static int t_walk(struct p9_req *r)
{
	uint32_t fid = p9_get32(&r->in), newfid = p9_get32(&r->in);
	uint16_t n = p9_get16(&r->in);
	struct p9_str names[P9_MAXWELEM];
	struct p9_qid qids[P9_MAXWELEM];
	struct p9_fid *f;
	unsigned int done = 0;
	char *path;
	int ret = 0;

	if (n > P9_MAXWELEM)
		return r->in.bad ? -EPROTO : -EINVAL;
	for (unsigned int i = 0; i < n; i++)
		names[i] = p9_get_str(&r->in);
	if ((ret = FIELDS_OK(r)))
		return ret;
	f = p9_req_fid(r, fid);
	if (!f)
		return -EBADF;
	if (newfid != fid && p9_req_fid(r, newfid))
		return -EEXIST;
	/* An open fid keeps the file it opened; it cannot move. */
	if (newfid == fid && n && f->fd >= 0)
		return -EBADF;
	path = strdup(f->path);
	if (!path)
		return -ENOMEM;
	for (; done < n; done++) {
		const struct p9_str *w = &names[done];
		char name[NAME_MAX + 1], *next;
		struct stat st;
		int fd;

		if (w->len == 2 && !memcmp(w->s, "..", 2)) {
			next = p9_path_parent(path);
			ret = next ? 0 : -ENOMEM;
		} else if (w->len == 1 && w->s[0] == '.') {
			next = strdup(path);
			ret = next ? 0 : -ENOMEM;
		} else {
			ret = p9_check_name(w, name);
			ret = ret ?: p9_path_join(path, name, &next);
		}
		if (ret)
			break;
		fd = p9_lookup(r->s, next, &st);
		if (fd < 0) {
			free(next);
			ret = fd;
			break;
		}
		close(fd);
		p9_qid_from_stat(r->s, &st, &qids[done]);
		free(path);
		path = next;
	}
	if (done < n) {
		free(path);
		if (!done)
			return ret;
		p9_put16(&r->out, (uint16_t)done);
		for (unsigned int i = 0; i < done; i++)
			p9_put_qid(&r->out, &qids[i]);
		return 0;
	}
	ret = newfid == fid ? p9_fid_set_path(&r->s->fids, f, path) :
			      p9_fid_add(&r->s->fids, newfid, path, NULL);
	if (ret)
		return ret;
	p9_put16(&r->out, n);
	for (unsigned int i = 0; i < n; i++)
		p9_put_qid(&r->out, &qids[i]);
	return 0;
}

/* Guest-controlled: fid, which must exist; its open file is closed. */
static int t_clunk(struct p9_req *r)
{
	uint32_t fid = p9_get32(&r->in);
	struct p9_fid *f;
	int ret;

	if ((ret = FIELDS_OK(r)))
		return ret;
	f = p9_req_fid(r, fid);
	if (!f)
		return -EBADF;
	p9_fid_remove(&r->s->fids, f);
	return 0;
}

/* Guest-controlled: oldtag. Requests are answered in order: nothing to do. */
static int t_flush(struct p9_req *r)
{
	p9_get16(&r->in);	/* oldtag: requests are answered in order */
	return FIELDS_OK(r);
}

/* Guest-controlled: the fid field; extended attributes are not offered. */
static int t_xattr(struct p9_req *r)
{
	/* Txattrwalk fid[4] newfid[4] name[s]; Txattrcreate alike. */
	p9_get32(&r->in);
	return FIELDS_OK(r) ?: -EOPNOTSUPP;
}

static int dispatch(struct p9_req *r, uint8_t type)
{
	if (type == P9_TVERSION)
		return t_version(r);
	if (!r->s->msize)
		return -EPROTO;	/* no session before Tversion */
	switch (type) {
	case P9_TATTACH:
		return t_attach(r);
	case P9_TWALK:
		return t_walk(r);
	case P9_TGETATTR:
		return t_getattr(r);
	case P9_TSETATTR:
		return t_setattr(r);
	case P9_TLOPEN:
		return t_lopen(r);
	case P9_TLCREATE:
		return t_lcreate(r);
	case P9_TREAD:
		return t_read(r);
	case P9_TWRITE:
		return t_write(r);
	case P9_TREADDIR:
		return t_readdir(r);
	case P9_TMKDIR:
		return t_mkdir(r);
	case P9_TSYMLINK:
		return t_symlink(r);
	case P9_TMKNOD:
		return t_mknod(r);
	case P9_TREADLINK:
		return t_readlink(r);
	case P9_TLINK:
		return t_link(r);
	case P9_TUNLINKAT:
		return t_unlinkat(r);
	case P9_TRENAMEAT:
		return t_renameat(r);
	case P9_TRENAME:
		return t_rename(r);
	case P9_TSTATFS:
		return t_statfs(r);
	case P9_TFSYNC:
		return t_fsync(r);
	case P9_TLOCK:
		return t_lock(r);
	case P9_TGETLOCK:
		return t_getlock(r);
	case P9_TCLUNK:
		return t_clunk(r);
	case P9_TREMOVE:
		return t_remove(r);
	case P9_TFLUSH:
		return t_flush(r);
	case P9_TXATTRWALK:
	case P9_TXATTRCREATE:
		return t_xattr(r);
	default:
		/* Tauth (no authentication), 9P2000 and .u, R-messages. */
		return -EOPNOTSUPP;
	}
}

static void put_header(uint8_t *buf, uint32_t size, uint8_t type, uint16_t tag)
{
	struct p9_out h = { buf, P9_HDR_SIZE, 0, false };

	p9_put32(&h, size);
	p9_put8(&h, type);
	p9_put16(&h, tag);
}

ssize_t p9_handle(struct p9_server *s, const uint8_t *req, size_t req_len,
		  uint8_t *resp, size_t resp_max)
{
	struct p9_req r = { .s = s, .in = { req, req_len, 0, false } };
	uint32_t size;
	uint8_t type;
	uint16_t tag;
	int err;

	if (req_len < P9_HDR_SIZE || resp_max < P9_RLERROR_SIZE)
		return -EPROTO;
	size = p9_get32(&r.in);
	type = p9_get8(&r.in);
	tag = p9_get16(&r.in);
	r.out = (struct p9_out){ resp, MIN(resp_max, (size_t)p9_msize(s)),
				 P9_HDR_SIZE, false };
	if (size > p9_msize(s))
		err = -EMSGSIZE;
	else if (size < P9_HDR_SIZE || size > req_len)
		err = -EPROTO;	/* the size field lies */
	else {
		r.in.len = size;
		err = dispatch(&r, type);
		if (!err && r.out.overflow)
			err = -ERANGE;
	}
	if (err) {
		r.out.off = P9_HDR_SIZE;
		r.out.overflow = false;
		p9_put32(&r.out, (uint32_t)-err);
		type = P9_RLERROR - 1;
	}
	put_header(resp, (uint32_t)r.out.off, (uint8_t)(type + 1), tag);
	return (ssize_t)r.out.off;
}

int p9_check_tag(const char *tag, size_t len)
{
	if (!len || len > P9_TAG_MAX)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		char c = tag[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      c == '.' || c == '/'))
			return -EINVAL;
	}
	return 0;
}

int p9_server_init(struct p9_server *s, int root_fd, bool ro)
{
	struct stat st;
	mode_t mask;
	int fd, ret;

	memset(s, 0, sizeof(*s));
	s->root_fd = root_fd;
	s->proc_fd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	s->ro = ro;
	s->use_openat2 = true;
	/* Read without changing it: set it back at once, no threads yet. */
	mask = umask(0);
	umask(mask);
	s->umask = mask;
	if (s->proc_fd < 0) {
		ret = -errno;
		pr_err("9p: cannot open /proc/self/fd: %s (files are opened through it, so that only the file that was checked is ever opened)",
		       strerror(-ret));
		goto fail_proc;
	}
	ret = p9_fids_init(&s->fids);
	if (ret)
		goto fail;
	if (fstat(root_fd, &st) < 0) {
		ret = -errno;
		goto fail;
	}
	if (!S_ISDIR(st.st_mode)) {
		ret = -ENOTDIR;
		goto fail;
	}
	/* The root's device first: its inode numbers stay qid paths. */
	ret = p9_fs_allowed(s, root_fd, &st);
	if (ret)
		goto fail;
	fd = p9_lookup(s, "", NULL);
	if (fd == -ENOSYS) {
		pr_debug("9p: no openat2 on this host: resolving one name at a time");
		s->use_openat2 = false;
		fd = p9_lookup(s, "", NULL);
	}
	if (fd < 0) {
		ret = fd;
		goto fail;
	}
	close(fd);
	return 0;
fail:
	p9_fids_fini(&s->fids);
	close(s->proc_fd);
fail_proc:
	s->proc_fd = -1;
	s->root_fd = -1;
	close(root_fd);
	return ret;
}

void p9_server_force_walk(struct p9_server *s)
{
	s->use_openat2 = false;
}

void p9_server_fini(struct p9_server *s)
{
	p9_fids_fini(&s->fids);
	if (s->root_fd >= 0)
		close(s->root_fd);
	if (s->proc_fd >= 0)
		close(s->proc_fd);
	s->root_fd = -1;
	s->proc_fd = -1;
}

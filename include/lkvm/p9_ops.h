/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_P9_OPS_H
#define LKVM_P9_OPS_H

#include <lkvm/p9_fs.h>
#include <lkvm/p9_wire.h>

#include <unistd.h>

/*
 * The 9P server's message handlers, by concern: sessions and fids
 * (virtio/p9_server.c), opening, reading and writing (virtio/p9_io.c),
 * names and attributes (virtio/p9_meta.c). Each reads every field of
 * its T-message first and returns -EPROTO when one did not fit, then
 * acts; it returns 0 with the R-message body written to @r->out, or
 * -errno for Rlerror.
 */
struct p9_req {
	struct p9_server *s;
	struct p9_in in;
	struct p9_out out;
};

#define FIELDS_OK(r) ((r)->in.bad ? -EPROTO : 0)

static inline struct p9_fid *p9_req_fid(struct p9_req *r, uint32_t fid)
{
	return p9_fid_find(&r->s->fids, fid);
}

static inline void p9_put_qid_of(struct p9_req *r, const struct stat *st)
{
	struct p9_qid q;

	p9_qid_from_stat(r->s, st, &q);
	p9_put_qid(&r->out, &q);
}

/* The qid of @path, looked up again after a change. */
static inline int p9_put_qid_of_path(struct p9_req *r, const char *path)
{
	struct stat st;
	int fd = p9_lookup(r->s, path, &st);

	if (fd < 0)
		return fd;
	close(fd);
	p9_put_qid_of(r, &st);
	return 0;
}

/* An answer larger than msize never leaves: the iounit says so. */
static inline uint32_t p9_iounit(const struct p9_server *s)
{
	return s->msize - P9_IOHDR_SIZE;
}

int t_lopen(struct p9_req *r);
int t_lcreate(struct p9_req *r);
int t_read(struct p9_req *r);
int t_write(struct p9_req *r);
int t_readdir(struct p9_req *r);
int t_fsync(struct p9_req *r);
int t_lock(struct p9_req *r);
int t_getlock(struct p9_req *r);

int t_getattr(struct p9_req *r);
int t_setattr(struct p9_req *r);
int t_symlink(struct p9_req *r);
int t_mknod(struct p9_req *r);
int t_mkdir(struct p9_req *r);
int t_renameat(struct p9_req *r);
int t_rename(struct p9_req *r);
int t_readlink(struct p9_req *r);
int t_statfs(struct p9_req *r);
int t_link(struct p9_req *r);
int t_unlinkat(struct p9_req *r);
int t_remove(struct p9_req *r);

#endif

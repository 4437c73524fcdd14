// SPDX-License-Identifier: GPL-2.0
/*
 * A 9P server's session as a "virtio-9p" record: msize, the device
 * numbers behind qid paths (so that qids stay the same), and every fid
 * with its path and, when open, how it was opened. Loading resolves and
 * opens each fid again beneath the share, with the same checks a guest's
 * walk and open get: a record is a file, and the share may have changed.
 */
#include <lkvm/p9.h>
#include <lkvm/p9_fs.h>

#include <lkvm/parse.h>
#include <lkvm/state.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define P9_STATE "virtio-9p"
#define P9_STATE_VERSION 1

/* One fid in the "fids" bytes: fid, flags, open flags, path length, path. */
#define FID_HDR 13U
#define FID_OPEN 1U
#define FID_OPEN_DIR 2U
/* How a file was opened that can be repeated: never create or truncate. */
#define REOPEN_FLAGS (O_ACCMODE | O_APPEND | O_DSYNC | O_SYNC)

static void put_le(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The fids, packed; NULL when out of memory. */
static uint8_t *pack_fids(const struct p9_fid_table *t, size_t *len)
{
	size_t n = (size_t)t->count * FID_HDR + t->path_bytes, at = 0;
	uint8_t *buf = malloc(n ? n : 1);

	if (!buf)
		return NULL;
	for (uint32_t b = 0; b < t->nr_buckets; b++) {
		for (const struct p9_fid *f = t->buckets[b]; f; f = f->next) {
			size_t plen = strlen(f->path);
			int fl = f->fd >= 0 ? fcntl(f->fd, F_GETFL) : 0;

			put_le(buf + at, f->fid);
			buf[at + 4] = (uint8_t)((f->fd >= 0 ? FID_OPEN : 0) |
						(f->open_dir ? FID_OPEN_DIR : 0));
			put_le(buf + at + 5, fl < 0 ? 0 : (uint32_t)fl & REOPEN_FLAGS);
			put_le(buf + at + 9, (uint32_t)plen);
			memcpy(buf + at + FID_HDR, f->path, plen);
			at += FID_HDR + plen;
		}
	}
	*len = at;
	return buf;
}

int p9_server_save(struct p9_server *s, struct state_writer *w)
{
	uint64_t devs[P9_MAX_DEVS];
	size_t len;
	uint8_t *fids = pack_fids(&s->fids, &len);

	if (!fids)
		return -ENOMEM;
	for (unsigned int i = 0; i < s->nr_devs; i++)
		devs[i] = (uint64_t)s->devs[i].dev;
	state_begin(w, P9_STATE, P9_STATE_VERSION);
	state_put_u64(w, "msize", s->msize);
	state_put_bytes(w, "devs", devs, s->nr_devs * sizeof(devs[0]));
	state_put_bytes(w, "fids", fids, len);
	free(fids);
	return state_end(w);
}

/* A path as the server keeps them: "" or names joined by '/'. */
static int check_path(const char *path, size_t len)
{
	const char *p = path, *end = path + len;

	if (!len)
		return 0;
	if (len >= PATH_MAX)
		return -ENAMETOOLONG;
	for (;;) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		struct p9_str name = { p, (uint16_t)MIN((size_t)((slash ? slash : end) - p),
						       NAME_MAX + 1U) };
		char out[NAME_MAX + 1];
		int ret = p9_check_name(&name, out);

		if (ret)
			return ret;
		if (!slash)
			return 0;
		p = slash + 1;
	}
}

/* Adds one fid: its file looked up, and opened as it was. */
static int load_fid(struct p9_server *s, uint32_t fid, uint8_t flags,
		    uint32_t oflags, const char *path, char *why,
		    size_t why_len)
{
	struct p9_fid *f;
	struct stat st;
	char *copy;
	int fd, ret;

	fd = p9_lookup(s, path, &st);
	if (fd < 0)
		return parse_error(why, why_len,
				   "9p: fid %u: '%s' cannot be found beneath the share now: %s",
				   fid, path, strerror(-fd));
	close(fd);
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	ret = p9_fid_add(&s->fids, fid, copy, &f);
	if (ret)
		return parse_error(why, why_len, "9p: fid %u: %s", fid,
				   ret == -EEXIST ? "saved twice" : strerror(-ret));
	if (!(flags & FID_OPEN))
		return 0;
	if (s->fids.nr_open >= P9_MAX_OPEN_FILES)
		return parse_error(why, why_len,
				   "9p: more than %u open files", P9_MAX_OPEN_FILES);
	if (s->ro && (oflags & O_ACCMODE) != O_RDONLY)
		return parse_error(why, why_len,
				   "9p: fid %u: '%s' was open for writing, but the share is read-only now",
				   fid, path);
	fd = p9_open_file(s, path, (int)(oflags & REOPEN_FLAGS) |
				       ((flags & FID_OPEN_DIR) ? O_DIRECTORY : 0),
			  &st);
	if (fd < 0)
		return parse_error(why, why_len,
				   "9p: fid %u: '%s' cannot be opened again: %s",
				   fid, path, strerror(-fd));
	p9_fid_set_fd(&s->fids, f, fd, S_ISDIR(st.st_mode));
	return 0;
}

static int load_fids(struct p9_server *s, const uint8_t *p, size_t len,
		     char *why, size_t why_len)
{
	size_t at = 0;

	while (at < len) {
		uint32_t fid, oflags, plen;
		char path[PATH_MAX];
		uint8_t flags;
		int ret;

		if (len - at < FID_HDR)
			return parse_error(why, why_len,
					   "virtio-9p record: a fid is cut short");
		fid = get_le(p + at);
		flags = p[at + 4];
		oflags = get_le(p + at + 5);
		plen = get_le(p + at + 9);
		at += FID_HDR;
		if ((flags & ~(FID_OPEN | FID_OPEN_DIR)) ||
		    (oflags & ~REOPEN_FLAGS) || plen > len - at ||
		    check_path((const char *)p + at, plen))
			return parse_error(why, why_len,
					   "virtio-9p record: fid %u is malformed",
					   fid);
		memcpy(path, p + at, plen);
		path[plen] = '\0';
		at += plen;
		ret = load_fid(s, fid, flags, oflags, path, why, why_len);
		if (ret)
			return ret;
	}
	return 0;
}

int p9_server_load(struct p9_server *s, const void *rec, size_t len,
		   char *why, size_t why_len)
{
	const void *devs, *fids;
	size_t devs_len, fids_len;
	struct state_reader r;
	uint64_t msize;
	int ret;

	ret = state_open(&r, rec, len, P9_STATE, P9_STATE_VERSION, why,
			 why_len);
	ret = ret ?: state_get_uint(&r, "msize", P9_MSIZE_MAX, &msize);
	ret = ret ?: state_get_bytes(&r, "devs", &devs, &devs_len);
	ret = ret ?: state_get_bytes(&r, "fids", &fids, &fids_len);
	if (ret)
		return ret;
	if ((msize && msize < P9_MSIZE_MIN) ||
	    devs_len % sizeof(uint64_t) ||
	    devs_len / sizeof(uint64_t) > P9_MAX_DEVS)
		return parse_error(why, why_len,
				   "virtio-9p record: msize %llu or %zu bytes of device numbers",
				   (unsigned long long)msize, devs_len);
	p9_fids_clear(&s->fids);
	s->msize = (uint32_t)msize;
	/* The same order gives the same qid paths (p9_qid_from_stat()). */
	s->nr_devs = (unsigned int)(devs_len / sizeof(uint64_t));
	for (unsigned int i = 0; i < s->nr_devs; i++) {
		uint64_t d;

		memcpy(&d, (const uint8_t *)devs + i * sizeof(d), sizeof(d));
		s->devs[i].dev = (dev_t)d;
	}
	ret = load_fids(s, fids, fids_len, why, why_len);
	if (ret)
		p9_fids_clear(&s->fids);
	return ret;
}

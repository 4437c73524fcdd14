// SPDX-License-Identifier: GPL-2.0
/*
 * The 9P fid table: a hash table the guest fills with numbers of its
 * choosing, bounded in count and in the bytes of path it holds.
 */
#include <lkvm/p9_fs.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define INITIAL_BUCKETS 256U

static uint32_t bucket_of(const struct p9_fid_table *t, uint32_t fid)
{
	/* Fibonacci hashing: guests use small consecutive numbers. */
	return (uint32_t)((fid * 2654435769U) & (t->nr_buckets - 1));
}

int p9_fids_init(struct p9_fid_table *t)
{
	memset(t, 0, sizeof(*t));
	t->buckets = calloc(INITIAL_BUCKETS, sizeof(*t->buckets));
	if (!t->buckets)
		return -ENOMEM;
	t->nr_buckets = INITIAL_BUCKETS;
	return 0;
}

static void free_fid(struct p9_fid_table *t, struct p9_fid *f)
{
	if (f->fd >= 0) {
		close(f->fd);
		t->nr_open--;
	}
	t->count--;
	t->path_bytes -= strlen(f->path) + 1;
	free(f->path);
	free(f);
}

void p9_fids_clear(struct p9_fid_table *t)
{
	for (uint32_t b = 0; b < t->nr_buckets; b++) {
		while (t->buckets[b]) {
			struct p9_fid *f = t->buckets[b];

			t->buckets[b] = f->next;
			free_fid(t, f);
		}
	}
}

void p9_fids_fini(struct p9_fid_table *t)
{
	if (!t->buckets)
		return;
	p9_fids_clear(t);
	free(t->buckets);
	t->buckets = NULL;
}

struct p9_fid *p9_fid_find(const struct p9_fid_table *t, uint32_t fid)
{
	struct p9_fid *f = t->buckets[bucket_of(t, fid)];

	while (f && f->fid != fid)
		f = f->next;
	return f;
}

/* Doubles the buckets when chains get long; failure only costs speed. */
static void maybe_grow(struct p9_fid_table *t)
{
	uint32_t n = t->nr_buckets * 2;
	struct p9_fid **nb;
	struct p9_fid_table nt;

	if (t->count < t->nr_buckets * 2 || n > P9_MAX_FIDS)
		return;
	nb = calloc(n, sizeof(*nb));
	if (!nb)
		return;
	nt = *t;
	nt.buckets = nb;
	nt.nr_buckets = n;
	for (uint32_t b = 0; b < t->nr_buckets; b++) {
		while (t->buckets[b]) {
			struct p9_fid *f = t->buckets[b];
			uint32_t nbk = bucket_of(&nt, f->fid);

			t->buckets[b] = f->next;
			f->next = nb[nbk];
			nb[nbk] = f;
		}
	}
	free(t->buckets);
	t->buckets = nb;
	t->nr_buckets = n;
}

static bool path_budget_ok(const struct p9_fid_table *t, size_t add)
{
	return t->path_bytes + add <= P9_MAX_PATH_BYTES;
}

int p9_fid_add(struct p9_fid_table *t, uint32_t fid, char *path,
	       struct p9_fid **out)
{
	size_t bytes = strlen(path) + 1;
	struct p9_fid *f;
	uint32_t b;

	if (p9_fid_find(t, fid)) {
		free(path);
		return -EEXIST;
	}
	if (t->count >= P9_MAX_FIDS || !path_budget_ok(t, bytes)) {
		free(path);
		return -ENFILE;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		free(path);
		return -ENOMEM;
	}
	f->fid = fid;
	f->path = path;
	f->fd = -1;
	maybe_grow(t);
	b = bucket_of(t, fid);
	f->next = t->buckets[b];
	t->buckets[b] = f;
	t->count++;
	t->path_bytes += bytes;
	if (out)
		*out = f;
	return 0;
}

int p9_fid_set_path(struct p9_fid_table *t, struct p9_fid *f, char *path)
{
	size_t old = strlen(f->path) + 1, bytes = strlen(path) + 1;

	if (bytes > old && !path_budget_ok(t, bytes - old)) {
		free(path);
		return -ENFILE;
	}
	t->path_bytes = t->path_bytes - old + bytes;
	free(f->path);
	f->path = path;
	return 0;
}

void p9_fid_set_fd(struct p9_fid_table *t, struct p9_fid *f, int fd,
		   bool dir)
{
	f->fd = fd;
	f->open_dir = dir;
	t->nr_open++;
}

void p9_fid_remove(struct p9_fid_table *t, struct p9_fid *f)
{
	struct p9_fid **pp = &t->buckets[bucket_of(t, f->fid)];

	while (*pp && *pp != f)
		pp = &(*pp)->next;
	if (!*pp)
		return;
	*pp = f->next;
	free_fid(t, f);
}

/* @path is @from itself or lies below it. */
static bool under(const char *path, const char *from, size_t from_len)
{
	if (strncmp(path, from, from_len))
		return false;
	return path[from_len] == '\0' || path[from_len] == '/';
}

int p9_fids_renamed(struct p9_fid_table *t, const char *from, const char *to)
{
	size_t from_len = strlen(from), to_len = strlen(to);
	int ret = 0;

	/* The root cannot be renamed; "" would match every path. */
	if (!from_len)
		return -EINVAL;
	for (uint32_t b = 0; b < t->nr_buckets; b++) {
		for (struct p9_fid *f = t->buckets[b]; f; f = f->next) {
			size_t rest;
			char *np;

			if (!under(f->path, from, from_len))
				continue;
			rest = strlen(f->path + from_len);
			if (to_len + rest >= PATH_MAX) {
				ret = -ENAMETOOLONG;
				continue;
			}
			np = malloc(to_len + rest + 1);
			if (!np) {
				ret = -ENOMEM;
				continue;
			}
			memcpy(np, to, to_len);
			memcpy(np + to_len, f->path + from_len, rest + 1);
			if (p9_fid_set_path(t, f, np))
				ret = -ENFILE;
		}
	}
	return ret;
}

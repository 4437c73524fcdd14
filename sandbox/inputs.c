// SPDX-License-Identifier: GPL-2.0
/*
 * The inputs of a sandbox's initramfs, by identity (include/lkvm/
 * sandbox_inputs.h): a warm run whose inputs are all what they were
 * takes the template KEY from the cache entry instead of reading the
 * kernel and its modules again. The entry is a file anyone with the
 * user's rights may have written: it is parsed strictly, and a bad one
 * only costs a rebuild.
 */
#include <lkvm/sandbox_inputs.h>

#include <lkvm/log.h>
#include <lkvm/small_file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEADER "lkvm-sandbox-inputs 1\n"
#define NR_MODULES_MAX 4096U

void sandbox_inputs_init(struct sandbox_inputs *in)
{
	memset(in, 0, sizeof(*in));
}

void sandbox_inputs_free(struct sandbox_inputs *in)
{
	for (unsigned int i = 0; i < in->nr; i++)
		free(in->files[i].path);
	free(in->modules_dir);
	sandbox_inputs_init(in);
}

void file_identity_of(const struct stat *st, struct file_identity *id)
{
	*id = (struct file_identity){
		.present = true,
		.dev = (uint64_t)st->st_dev,
		.ino = (uint64_t)st->st_ino,
		.size = (int64_t)st->st_size,
		.mtime_s = (int64_t)st->st_mtim.tv_sec,
		.mtime_ns = st->st_mtim.tv_nsec,
		.ctime_s = (int64_t)st->st_ctim.tv_sec,
		.ctime_ns = st->st_ctim.tv_nsec,
	};
}

bool file_identity_same(const struct file_identity *a,
			const struct file_identity *b)
{
	if (!a->present || !b->present)
		return a->present == b->present;
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_s == b->mtime_s && a->mtime_ns == b->mtime_ns &&
	       a->ctime_s == b->ctime_s && a->ctime_ns == b->ctime_ns;
}

void file_identity_now(const char *path, struct file_identity *id)
{
	struct stat st;

	if (stat(path, &st))
		*id = (struct file_identity){ .present = false };
	else
		file_identity_of(&st, id);
}

void sandbox_inputs_note(struct sandbox_inputs *in, const char *path)
{
	struct sandbox_input *f;

	if (in->err)
		return;
	for (unsigned int i = 0; i < in->nr; i++)
		if (!strcmp(in->files[i].path, path))
			return;
	if (in->nr == SANDBOX_INPUTS_MAX || !path[0] || strchr(path, '\n')) {
		in->err = -E2BIG;
		return;
	}
	f = &in->files[in->nr];
	f->path = strdup(path);
	if (!f->path) {
		in->err = -ENOMEM;
		return;
	}
	file_identity_now(path, &f->id);
	in->nr++;
}

int sandbox_inputs_format(const struct sandbox_inputs *in, char **text,
			  size_t *len)
{
	FILE *f;

	*text = NULL;
	if (in->err)
		return in->err;
	if (strlen(in->key) != SANDBOX_INPUTS_KEY_LEN ||
	    (in->modules_dir &&
	     (!in->modules_dir[0] || strchr(in->modules_dir, '\n'))))
		return -EINVAL;
	f = open_memstream(text, len);
	if (!f)
		return -ENOMEM;
	fprintf(f, HEADER "key %s\n", in->key);
	if (in->modules_dir)
		fprintf(f, "modules %u %s\n", in->nr_modules, in->modules_dir);
	else
		fprintf(f, "nomodules\n");
	for (unsigned int i = 0; i < in->nr; i++) {
		const struct file_identity *id = &in->files[i].id;

		if (!id->present) {
			fprintf(f, "missing %s\n", in->files[i].path);
			continue;
		}
		fprintf(f, "file %llu %llu %lld %lld %ld %lld %ld %s\n",
			(unsigned long long)id->dev,
			(unsigned long long)id->ino, (long long)id->size,
			(long long)id->mtime_s, id->mtime_ns,
			(long long)id->ctime_s, id->ctime_ns,
			in->files[i].path);
	}
	if (fclose(f) || !*text) {
		free(*text);
		*text = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* A cursor over one line, its newline excluded. */
struct line {
	const char *p, *end;
};

static bool take_word(struct line *l, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(l->end - l->p) < n || memcmp(l->p, word, n))
		return false;
	l->p += n;
	return true;
}

/* Decimal, no sign, no leading zeros, at most @max; then a space or the end. */
static bool take_u64(struct line *l, uint64_t max, uint64_t *v)
{
	const char *s = l->p;
	uint64_t x = 0;

	if (s == l->end || *s < '0' || *s > '9' ||
	    (*s == '0' && s + 1 < l->end && s[1] >= '0' && s[1] <= '9'))
		return false;
	for (; s < l->end && *s >= '0' && *s <= '9'; s++) {
		unsigned int d = (unsigned int)(*s - '0');

		if (x > (max - d) / 10)
			return false;
		x = x * 10 + d;
	}
	if (s < l->end && *s++ != ' ')
		return false;
	l->p = s;
	*v = x;
	return true;
}

/* The same with an optional '-' (not "-0"). */
static bool take_s64(struct line *l, int64_t *v)
{
	bool neg = l->p < l->end && *l->p == '-';
	uint64_t x;

	l->p += neg;
	if (!take_u64(l, INT64_MAX, &x) || (neg && !x))
		return false;
	*v = neg ? -(int64_t)x : (int64_t)x;
	return true;
}

static bool take_ns(struct line *l, long *ns)
{
	uint64_t x;

	if (!take_u64(l, 999999999, &x))
		return false;
	*ns = (long)x;
	return true;
}

/* The rest of the line as a path: not empty (NULL if so), no NUL. */
static char *take_path(struct line *l)
{
	size_t n = (size_t)(l->end - l->p);
	char *path;

	if (!n || memchr(l->p, '\0', n))
		return NULL;
	path = strndup(l->p, n);
	l->p = l->end;
	return path;
}

static bool parse_file(struct line *l, struct sandbox_input *f)
{
	struct file_identity *id = &f->id;
	uint64_t dev, ino;

	if (take_word(l, "missing ")) {
		*id = (struct file_identity){ .present = false };
	} else {
		if (!take_word(l, "file ") || !take_u64(l, UINT64_MAX, &dev) ||
		    !take_u64(l, UINT64_MAX, &ino) || !take_s64(l, &id->size) ||
		    id->size < 0 || !take_s64(l, &id->mtime_s) ||
		    !take_ns(l, &id->mtime_ns) || !take_s64(l, &id->ctime_s) ||
		    !take_ns(l, &id->ctime_ns))
			return false;
		id->present = true;
		id->dev = dev;
		id->ino = ino;
	}
	f->path = take_path(l);
	return f->path;
}

static bool parse_modules(struct line *l, struct sandbox_inputs *in)
{
	uint64_t n;

	if (take_word(l, "nomodules"))
		return l->p == l->end;
	if (!take_word(l, "modules ") || !take_u64(l, NR_MODULES_MAX, &n))
		return false;
	in->nr_modules = (unsigned int)n;
	in->modules_dir = take_path(l);
	return in->modules_dir;
}

static bool parse_key(struct line *l, struct sandbox_inputs *in)
{
	if (!take_word(l, "key ") || l->end - l->p != SANDBOX_INPUTS_KEY_LEN)
		return false;
	for (unsigned int i = 0; i < SANDBOX_INPUTS_KEY_LEN; i++) {
		char c = l->p[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
		in->key[i] = c;
	}
	in->key[SANDBOX_INPUTS_KEY_LEN] = '\0';
	return true;
}

int sandbox_inputs_parse(const char *text, size_t len,
			 struct sandbox_inputs *in)
{
	const char *p = text, *end = text + len;
	unsigned int nr_lines = 0;
	bool ok = true;

	sandbox_inputs_init(in);
	if (len < strlen(HEADER) || memcmp(text, HEADER, strlen(HEADER)))
		return -EINVAL;
	p += strlen(HEADER);
	while (ok && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct line l = { p, nl };

		if (!nl)
			break;
		if (nr_lines == 0)
			ok = parse_key(&l, in);
		else if (nr_lines == 1)
			ok = parse_modules(&l, in);
		else if (in->nr == SANDBOX_INPUTS_MAX)
			ok = false;
		else if ((ok = parse_file(&l, &in->files[in->nr])))
			in->nr++;
		p = nl + 1;
		nr_lines++;
	}
	/* Every line whole, and the key and modules lines there. */
	if (!ok || p != end || nr_lines < 2) {
		sandbox_inputs_free(in);
		return -EINVAL;
	}
	return 0;
}

const char *sandbox_inputs_changed(const struct sandbox_inputs *in)
{
	for (unsigned int i = 0; i < in->nr; i++) {
		struct file_identity now;

		file_identity_now(in->files[i].path, &now);
		if (!file_identity_same(&now, &in->files[i].id))
			return in->files[i].path;
	}
	return NULL;
}

int sandbox_inputs_load(const char *path, struct sandbox_inputs *in)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;
	struct stat st = { .st_size = 0 };
	char *buf = NULL;
	ssize_t n = -1;

	sandbox_inputs_init(in);
	if (fd < 0)
		return -errno;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) &&
	    st.st_size <= SANDBOX_INPUTS_FILE_MAX) {
		buf = malloc((size_t)st.st_size + 1);
		if (buf)
			n = read(fd, buf, (size_t)st.st_size + 1);
	}
	close(fd);
	/* One more byte than fstat said: it grew meanwhile if it came. */
	ret = n == st.st_size ? sandbox_inputs_parse(buf, (size_t)n, in) :
				-EINVAL;
	free(buf);
	return ret;
}

int sandbox_inputs_save(const char *path, const struct sandbox_inputs *in)
{
	char *text;
	size_t len;
	int ret;

	ret = sandbox_inputs_format(in, &text, &len);
	if (ret)
		return ret;
	ret = small_file_write_atomic(path, text, len);
	if (ret)
		pr_debug("sandbox: cannot save %s: %s", path, strerror(-ret));
	free(text);
	return ret;
}

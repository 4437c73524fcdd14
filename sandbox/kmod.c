// SPDX-License-Identifier: GPL-2.0
/*
 * Finding a sandbox guest's kernel modules in an installed module tree.
 * The files are the user's, not the guest's, but they are still parsed
 * with every offset checked: a broken module must give an error line,
 * never a crash.
 */
#include <lkvm/kmod.h>

#include <lkvm/log.h>

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Largest module and largest index file read. */
#define KMOD_FILE_MAX (64U << 20)

static const char *const exts[] = { ".ko", ".ko.xz", ".ko.zst", ".ko.gz" };

static bool release_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
	       c == '+' || c == '~';
}

int kmod_release_scan(const uint8_t *buf, size_t len,
		      char out[KMOD_RELEASE_MAX])
{
	static const char banner[] = "Linux version ";
	const size_t bl = sizeof(banner) - 1;
	const uint8_t *p = buf, *end = buf + len;

	while ((p = memmem(p, (size_t)(end - p), banner, bl))) {
		const uint8_t *r = p + bl;
		size_t n = 0;

		while (r + n < end && n < KMOD_RELEASE_MAX &&
		       release_char((char)r[n]))
			n++;
		/* A release starts with a digit and ends at a space. */
		if (n && n < KMOD_RELEASE_MAX && r + n < end && r[n] == ' ' &&
		    r[0] >= '0' && r[0] <= '9') {
			memcpy(out, r, n);
			out[n] = '\0';
			return 0;
		}
		p += bl;
	}
	return -ENOENT;
}

int kmod_release_of_image(const char *path, char out[KMOD_RELEASE_MAX])
{
	struct stat st;
	void *map;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !st.st_size) {
		close(fd);
		return -ENOENT;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -errno;
	ret = kmod_release_scan(map, (size_t)st.st_size, out);
	munmap(map, (size_t)st.st_size);
	return ret;
}

/* [off, off + size) lies inside [0, len). */
static bool in_file(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

int kmod_modinfo(const uint8_t *elf, size_t len, const char *key, char *out,
		 size_t outlen)
{
	size_t kl = strlen(key);
	Elf64_Ehdr eh;
	Elf64_Shdr strtab;

	if (len < sizeof(eh) || memcmp(elf, ELFMAG, SELFMAG) ||
	    elf[EI_CLASS] != ELFCLASS64 || elf[EI_DATA] != ELFDATA2LSB)
		return -ENOEXEC;
	memcpy(&eh, elf, sizeof(eh));
	if (eh.e_shentsize != sizeof(Elf64_Shdr) ||
	    eh.e_shstrndx >= eh.e_shnum ||
	    !in_file(eh.e_shoff, (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr),
		     len))
		return -ENOEXEC;
	memcpy(&strtab, elf + eh.e_shoff + eh.e_shstrndx * sizeof(Elf64_Shdr),
	       sizeof(strtab));
	if (!in_file(strtab.sh_offset, strtab.sh_size, len))
		return -ENOEXEC;
	for (unsigned int i = 0; i < eh.e_shnum; i++) {
		const char *names = (const char *)elf + strtab.sh_offset;
		const char *data, *end;
		Elf64_Shdr sh;

		memcpy(&sh, elf + eh.e_shoff + i * sizeof(Elf64_Shdr),
		       sizeof(sh));
		if (sh.sh_name >= strtab.sh_size ||
		    !memchr(names + sh.sh_name, '\0',
			    strtab.sh_size - sh.sh_name) ||
		    strcmp(names + sh.sh_name, ".modinfo"))
			continue;
		if (!in_file(sh.sh_offset, sh.sh_size, len))
			return -ENOEXEC;
		data = (const char *)elf + sh.sh_offset;
		end = data + sh.sh_size;
		/* NUL-separated "key=value" strings, maybe padded with NULs. */
		while (data < end) {
			size_t left = (size_t)(end - data);
			const char *nul = memchr(data, '\0', left);
			size_t n = nul ? (size_t)(nul - data) : left;

			if (n > kl && !memcmp(data, key, kl) &&
			    data[kl] == '=') {
				if (n - kl - 1 >= outlen)
					return -ENAMETOOLONG;
				memcpy(out, data + kl + 1, n - kl - 1);
				out[n - kl - 1] = '\0';
				return 0;
			}
			data += n + 1;
		}
		return -ENOENT;
	}
	return -ENOENT;
}

/* Reads a whole file (at most KMOD_FILE_MAX); NULL with errno set. */
static uint8_t *slurp(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	size_t done = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > KMOD_FILE_MAX) {
		close(fd);
		errno = EFBIG;
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	while (buf && done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);

		if (n <= 0) {
			free(buf);
			buf = NULL;
			errno = n ? errno : EIO;
			break;
		}
		done += (size_t)n;
	}
	close(fd);
	if (buf) {
		buf[done] = 0;
		*len = done;
	}
	return buf;
}

/* "kernel/fs/9p/9p.ko.xz" -> "9p"; "virtio-mmio" -> "virtio_mmio". */
static void module_name(const char *path, size_t len, char *out, size_t outlen)
{
	const char *base = path, *slash;
	size_t n;

	while ((slash = memchr(base, '/', len - (size_t)(base - path))))
		base = slash + 1;
	n = len - (size_t)(base - path);
	for (size_t i = 0; i < n; i++) {
		if (base[i] == '.') {
			n = i;
			break;
		}
	}
	n = MIN(n, outlen - 1);
	for (size_t i = 0; i < n; i++)
		out[i] = base[i] == '-' ? '_' : base[i];
	out[n] = '\0';
}

struct index {
	const char *dir;
	char *builtin;		/* modules.builtin, or NULL */
	char *dep;		/* modules.dep, or NULL */
	char *order;		/* modules.order, or NULL */
};

/* The line of @text whose module (first word) is @name, or NULL. */
static const char *find_line(const char *text, const char *name, bool dep)
{
	for (const char *l = text; l && *l;) {
		const char *eol = strchr(l, '\n');
		size_t len = eol ? (size_t)(eol - l) : strlen(l);
		size_t word = dep ? strcspn(l, ":\n") : len;
		char got[64];

		if (word < len + 1 && word) {
			module_name(l, word, got, sizeof(got));
			if (!strcmp(got, name))
				return l;
		}
		l = eol ? eol + 1 : NULL;
	}
	return NULL;
}

static bool is_builtin(const struct index *ix, const char *name)
{
	return ix->builtin && find_line(ix->builtin, name, false);
}

static struct kmod *find_loaded(struct kmod_set *set, const char *name)
{
	for (unsigned int i = 0; i < set->nr; i++)
		if (!strcmp(set->mods[i].name, name))
			return &set->mods[i];
	return NULL;
}

/* The module file for @name: from modules.dep, else modules.order. */
static char *module_path(const struct index *ix, const char *name)
{
	const char *line = NULL;
	char rel[PATH_MAX], *path;
	bool from_dep = false;
	size_t len;

	if (ix->dep && (line = find_line(ix->dep, name, true))) {
		len = strcspn(line, ":\n");
		from_dep = true;
	} else if (ix->order && (line = find_line(ix->order, name, false))) {
		len = strcspn(line, "\n");
		/* modules.order says .ko; the file may be compressed. */
		if (len > 3 && !memcmp(line + len - 3, ".ko", 3))
			len -= 3;
	}
	if (!line || len >= sizeof(rel))
		return NULL;
	memcpy(rel, line, len);
	rel[len] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(exts); i++) {
		bool has_ext = len > strlen(exts[i]) &&
			       !strcmp(rel + len - strlen(exts[i]), exts[i]);

		if (asprintf(&path, "%s/%s%s", ix->dir, rel,
			     has_ext || from_dep ? "" : exts[i]) < 0)
			return NULL;
		if (!access(path, R_OK))
			return path;
		free(path);
		if (from_dep || has_ext)
			break;
	}
	return NULL;
}

static const char *ext_of(const char *path)
{
	for (size_t i = ARRAY_SIZE(exts); i-- > 0;) {
		size_t pl = strlen(path), el = strlen(exts[i]);

		if (pl > el && !strcmp(path + pl - el, exts[i]))
			return exts[i];
	}
	return exts[0];
}

/* Comma-separated names (depends=) or space-separated paths (modules.dep). */
static int dependencies(const struct index *ix, const struct kmod *m,
			char *out, size_t outlen)
{
	const char *line;
	size_t len;
	int ret;

	if (ix->dep) {
		line = find_line(ix->dep, m->name, true);
		line = line ? strchr(line, ':') : NULL;
		if (!line) {
			out[0] = '\0';
			return 0;
		}
		len = strcspn(line + 1, "\n");
		if (len >= outlen)
			return -ENAMETOOLONG;
		memcpy(out, line + 1, len);
		out[len] = '\0';
		return 0;
	}
	if (strcmp(m->ext, ".ko")) {
		pr_err("modules %s: %s is compressed and there is no modules.dep to give its dependencies (run depmod)",
		       ix->dir, m->path);
		return -ENOEXEC;
	}
	ret = kmod_modinfo(m->data, m->size, "depends", out, outlen);
	if (ret == -ENOENT) {
		out[0] = '\0';
		return 0;
	}
	if (ret)
		pr_err("modules %s: %s is not a kernel module ELF file", ix->dir,
		       m->path);
	return ret;
}

static int check_vermagic(const struct index *ix, const struct kmod *m,
			  const char *release)
{
	char vermagic[256];
	size_t n;

	if (!release || strcmp(m->ext, ".ko") ||
	    kmod_modinfo(m->data, m->size, "vermagic", vermagic,
			 sizeof(vermagic)))
		return 0;
	n = strcspn(vermagic, " ");
	if (n == strlen(release) && !memcmp(vermagic, release, n))
		return 0;
	pr_err("modules %s: %s is for Linux %.*s, the kernel is %s", ix->dir,
	       m->path, (int)n, vermagic, release);
	return -EINVAL;
}

static int add_module(const struct index *ix, const char *release,
		      struct kmod_set *set, const char *name,
		      unsigned int depth);

#define KMOD_DEPS_MAX 32

static int add_dependencies(const struct index *ix, const char *release,
			    struct kmod_set *set, const struct kmod *m,
			    unsigned int depth)
{
	char deps[4096], names[KMOD_DEPS_MAX][64], *save = NULL;
	unsigned int n = 0;
	int ret = dependencies(ix, m, deps, sizeof(deps));

	if (ret)
		return ret;
	for (char *tok = strtok_r(deps, ", \t", &save); tok;
	     tok = strtok_r(NULL, ", \t", &save)) {
		if (n == KMOD_DEPS_MAX) {
			pr_err("modules %s: %s has more than %u dependencies",
			       ix->dir, m->path, KMOD_DEPS_MAX);
			return -E2BIG;
		}
		module_name(tok, strlen(tok), names[n++], sizeof(names[0]));
	}
	for (unsigned int i = 0; i < n; i++) {
		ret = add_module(ix, release, set, names[i], depth + 1);
		if (ret)
			return ret;
	}
	return 0;
}

static int add_module(const struct index *ix, const char *release,
		      struct kmod_set *set, const char *name,
		      unsigned int depth)
{
	struct kmod m = { 0 };
	int ret;

	if (find_loaded(set, name) || is_builtin(ix, name))
		return 0;
	if (depth > KMOD_MAX) {
		pr_err("modules %s: the dependencies of %s go round in a loop",
		       ix->dir, name);
		return -E2BIG;
	}
	if (set->nr == KMOD_MAX) {
		pr_err("modules %s: more than %u modules needed", ix->dir,
		       KMOD_MAX);
		return -E2BIG;
	}
	snprintf(m.name, sizeof(m.name), "%s", name);
	m.path = module_path(ix, name);
	if (!m.path) {
		pr_err("modules %s: no module %s (nor is it built into the kernel)",
		       ix->dir, name);
		return -ENOENT;
	}
	m.ext = ext_of(m.path);
	m.data = slurp(m.path, &m.size);
	if (!m.data) {
		ret = -errno;
		pr_err("modules %s: cannot read %s: %s", ix->dir, m.path,
		       strerror(errno));
		free(m.path);
		return ret;
	}
	ret = check_vermagic(ix, &m, release);
	ret = ret ?: add_dependencies(ix, release, set, &m, depth);
	if (ret) {
		free(m.path);
		free(m.data);
		return ret;
	}
	/* After its dependencies: the guest loads in this order. */
	set->mods[set->nr++] = m;
	return 0;
}

static char *read_index(const char *dir, const char *file)
{
	char path[PATH_MAX];
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return (char *)slurp(path, &len);
}

bool kmod_dir_ok(const char *dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/modules.dep", dir);
	if (!access(path, R_OK))
		return true;
	snprintf(path, sizeof(path), "%s/modules.order", dir);
	return !access(path, R_OK);
}

int kmod_resolve(const char *dir, const char *release,
		 const char *const *wanted, unsigned int nr_wanted,
		 struct kmod_set *set)
{
	struct index ix = { .dir = dir };
	int ret = 0;

	memset(set, 0, sizeof(*set));
	ix.builtin = read_index(dir, "modules.builtin");
	ix.dep = read_index(dir, "modules.dep");
	ix.order = read_index(dir, "modules.order");
	if (!ix.dep && !ix.order) {
		pr_err("modules %s: neither modules.dep nor modules.order: not an installed module tree",
		       dir);
		ret = -ENOENT;
	}
	for (unsigned int i = 0; !ret && i < nr_wanted; i++) {
		if (is_builtin(&ix, wanted[i]))
			set->nr_builtin++;
		else
			ret = add_module(&ix, release, set, wanted[i], 0);
	}
	free(ix.builtin);
	free(ix.dep);
	free(ix.order);
	if (ret)
		kmod_set_free(set);
	return ret;
}

void kmod_set_free(struct kmod_set *set)
{
	for (unsigned int i = 0; i < set->nr; i++) {
		free(set->mods[i].path);
		free(set->mods[i].data);
	}
	set->nr = 0;
}

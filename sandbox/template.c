// SPDX-License-Identifier: GPL-2.0
/*
 * Warm templates for `lkvm sandbox`: a snapshot of a sandbox guest that
 * has booted and waits for its command, in $HOME/.lkvm/.templates/KEY.
 * KEY hashes everything the waiting guest depends on: lkvm itself, the
 * kernel, the initramfs (guest init, modules, settings), the machine
 * (vcpus, memory, devices, shares, the arch options: the SVE set), the
 * kernel command line and the host. Anything else, the command included,
 * is handed over after the restore, so one template serves every run
 * with the same KEY. A template is built in place by a run that found
 * none (its manifest, written last, marks it complete; a lock on its
 * directory, that it is being built); a broken one is removed.
 */
#include <lkvm/sandbox.h>

#include <lkvm/arch.h>
#include <lkvm/ipc_path.h>
#include <lkvm/log.h>
#include <lkvm/snapshot.h>
#include <lkvm/snapshot_dir.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#define TEMPLATES ".templates"
/* Inputs cache entries (sandbox_inputs.h), beside the templates. */
#define INPUTS ".inputs"
/* 2: the initramfs last, file identities with their ctime. */
#define KEY_FORMAT_VERSION 2
#define FNV_BASIS 0xcbf29ce484222325ULL

/* FNV-1a, 64 bits: a cache key, not a defence against anyone. */
static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/*
 * A file's identity: a new build of it, even of the same size and mtime,
 * differs (a new inode, or a new ctime when rewritten in place).
 */
static void put_file_identity(FILE *f, const char *what, const char *path)
{
	struct file_identity id;

	file_identity_now(path, &id);
	if (!id.present) {
		fprintf(f, "%s %s missing\n", what, path);
		return;
	}
	fprintf(f, "%s %s %llx:%llx %lld %lld.%09ld %lld.%09ld\n", what, path,
		(unsigned long long)id.dev, (unsigned long long)id.ino,
		(long long)id.size, (long long)id.mtime_s, id.mtime_ns,
		(long long)id.ctime_s, id.ctime_ns);
}

/* Everything KEY hashes but the initramfs, as text (allocated). */
static char *config_text(const struct vm_config *cfg, size_t *len)
{
	unsigned int nr_cpus = cfg->nr_cpus;
	uint64_t ram = cfg->ram_size;
	struct utsname u;
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	if (!f)
		return NULL;
	if (!nr_cpus) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		nr_cpus = n > 0 ? (unsigned int)n : 1;
	}
	if (!ram)
		ram = (uint64_t)(nr_cpus + 3) * 64 * SZ_1M;
	fprintf(f, "lkvm-template %d %s\n", KEY_FORMAT_VERSION, LKVM_VERSION);
	put_file_identity(f, "lkvm", "/proc/self/exe");
	put_file_identity(f, "kernel", cfg->kernel);
	if (!uname(&u))
		fprintf(f, "host %s %s\n", u.nodename, u.release);
	fprintf(f, "params %s\n", cfg->params ? cfg->params : "");
	snapshot_write_config(f, cfg, nr_cpus, ram);
	arch_config_describe(cfg->arch, f);
	if (fclose(f) || !text) {
		free(text);
		return NULL;
	}
	return text;
}

static void hex_key(uint64_t h, char key[SANDBOX_INPUTS_KEY_LEN + 1])
{
	snprintf(key, SANDBOX_INPUTS_KEY_LEN + 1, "%016llx",
		 (unsigned long long)h);
}

/* KEY: the configuration and the initramfs built from it. */
static void template_key(const char *text, size_t len, const struct cpio *c,
			 char key[SANDBOX_INPUTS_KEY_LEN + 1])
{
	uint64_t h = fnv1a(FNV_BASIS, text, len);

	h = fnv1a(h, &c->len, sizeof(c->len));
	hex_key(fnv1a(h, c->buf, c->len), key);
	pr_debug("sandbox: template key %s of:\n%sinitrd %zu bytes", key, text,
		 c->len);
}

/*
 * The inputs cache entry of a configuration: the modules option is the
 * one part of it that KEY hashes only through the initramfs.
 */
static int inputs_path(const struct sandbox_template *t,
		       const struct vm_config *cfg, const char *text,
		       size_t len, char *path, size_t path_len)
{
	const char *modules = cfg->sandbox.modules_dir;
	uint64_t h = fnv1a(FNV_BASIS, text, len);
	char name[SANDBOX_INPUTS_KEY_LEN + 1];

	h = fnv1a(h, "modules ", 8);
	if (modules)
		h = fnv1a(h, modules, strlen(modules) + 1);
	hex_key(h, name);
	if ((size_t)snprintf(path, path_len, "%s/%s/%s", t->root, INPUTS,
			     name) >= path_len)
		return -ENAMETOOLONG;
	return 0;
}

/* KEY from the inputs cache entry at @path, when nothing changed. */
static bool cached_key(const char *path, struct sandbox_state *st,
		       char key[SANDBOX_INPUTS_KEY_LEN + 1])
{
	struct sandbox_inputs in;
	const char *changed = NULL;
	int ret = sandbox_inputs_load(path, &in);

	if (!ret)
		changed = sandbox_inputs_changed(&in);
	if (!ret && !changed) {
		pr_debug("sandbox: the initramfs's %u inputs are unchanged: key %s",
			 in.nr, in.key);
		memcpy(key, in.key, sizeof(in.key));
		st->modules_dir = in.modules_dir;
		st->nr_modules = in.nr_modules;
		in.modules_dir = NULL;
	} else if (changed) {
		pr_info("sandbox: %s changed since the last run: building the initramfs again",
			changed);
	} else if (ret != -ENOENT) {
		pr_info("sandbox: %s cannot be read (%s): building the initramfs again",
			path, strerror(-ret));
	}
	sandbox_inputs_free(&in);
	return !ret && !changed;
}

/* Records what the initramfs just built was made from, and its KEY. */
static void save_inputs(const struct sandbox_template *t, const char *path,
			struct sandbox_state *st, const char *key)
{
	struct sandbox_inputs *in = &st->inputs;
	char dir[sizeof(t->root) + sizeof(INPUTS)];

	memcpy(in->key, key, sizeof(in->key));
	free(in->modules_dir);
	in->modules_dir = st->modules_dir ? strdup(st->modules_dir) : NULL;
	in->nr_modules = st->nr_modules;
	if (st->modules_dir && !in->modules_dir)
		return;
	snprintf(dir, sizeof(dir), "%s/%s", t->root, INPUTS);
	if ((mkdir(t->root, 0700) && errno != EEXIST) ||
	    (mkdir(dir, 0700) && errno != EEXIST)) {
		pr_debug("sandbox: cannot create %s: %s", dir, strerror(errno));
		return;
	}
	sandbox_inputs_save(path, in);
}

int sandbox_template_locate(struct sandbox_template *t, struct vm_config *cfg,
			    struct sandbox_state *st)
{
	char dir[sizeof(t->dir)], why[160], key[SANDBOX_INPUTS_KEY_LEN + 1];
	char inputs[sizeof(t->root) + sizeof(INPUTS) + 32];
	bool have_inputs;
	size_t len = 0;
	char *text;
	int ret;

	memset(t, 0, sizeof(*t));
	t->lock_fd = -1;
	for (int i = 0; i < 3; i++)
		t->fds[i] = -1;
	ret = ipc_dir_prepare(dir, sizeof(dir), why, sizeof(why));
	if (ret) {
		pr_debug("sandbox: no warm templates: %s", why);
		return ret;
	}
	if ((size_t)snprintf(t->root, sizeof(t->root), "%s/%s", dir,
			     TEMPLATES) >= sizeof(t->root))
		return -ENAMETOOLONG;
	text = config_text(cfg, &len);
	if (!text)
		return -ENOMEM;
	have_inputs = !inputs_path(t, cfg, text, len, inputs, sizeof(inputs));
	if (!have_inputs || !cached_key(inputs, st, key)) {
		ret = sandbox_initrd(cfg, st);
		if (!ret)
			template_key(text, len, &st->initrd, key);
		if (!ret && have_inputs)
			save_inputs(t, inputs, st, key);
	}
	free(text);
	if (ret)
		return ret;
	if ((size_t)snprintf(t->dir, sizeof(t->dir), "%s/%s", t->root, key) >=
	    sizeof(t->dir))
		return -ENAMETOOLONG;
	return 0;
}

/* Whether a run holds @dir's lock: it is building that template. */
static bool being_built(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool busy;

	if (fd < 0)
		return false;
	busy = flock(fd, LOCK_SH | LOCK_NB) && errno == EWOULDBLOCK;
	close(fd);
	return busy;
}

static bool has_manifest(const char *dir)
{
	char path[PATH_MAX + 32];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, SNAPSHOT_MANIFEST);
	return !stat(path, &st) && st.st_size > 0;
}

enum sandbox_template_state sandbox_template_state(const struct sandbox_template *t)
{
	if (access(t->dir, F_OK))
		return TEMPLATE_NONE;
	if (being_built(t->dir))
		return TEMPLATE_BUILDING;
	if (has_manifest(t->dir))
		return TEMPLATE_READY;
	/* A run that built it ended before the guest was ready: start over. */
	snapshot_dir_remove(t->dir);
	return TEMPLATE_NONE;
}

/*
 * The template is built in place: the VM writes it after its threads
 * are filtered, when nothing may be renamed or removed any more. The
 * directory's lock says it is being built; the manifest, written last,
 * that it is complete.
 */
int sandbox_template_begin(struct sandbox_template *t,
			   struct sandbox_state *st)
{
	int ret;

	if (mkdir(t->root, 0700) && errno != EEXIST) {
		pr_warn("sandbox: cannot create %s: %s (no warm template)",
			t->root, strerror(errno));
		return -errno;
	}
	if (mkdir(t->dir, 0700))
		return -errno;	/* another run builds it: this one boots */
	t->lock_fd = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->lock_fd < 0 || flock(t->lock_fd, LOCK_EX | LOCK_NB)) {
		ret = -errno;
		snapshot_dir_remove(t->dir);
		return ret;
	}
	ret = snapshot_dir_fill(t->lock_fd, t->dir, t->fds);
	if (ret) {
		snapshot_dir_remove(t->dir);
		return ret;
	}
	st->template_files = (struct snapshot_files){ t->fds[0], t->fds[1],
						      t->fds[2] };
	st->build_template = true;
	return 0;
}

void sandbox_template_finish(struct sandbox_template *t,
			     const struct sandbox_state *st)
{
	for (int i = 0; i < 3; i++) {
		if (t->fds[i] >= 0)
			close(t->fds[i]);
		t->fds[i] = -1;
	}
	/* Closing the directory drops its lock: the template is there. */
	if (t->lock_fd >= 0)
		close(t->lock_fd);
	t->lock_fd = -1;
	if (st->template_ret == 1)
		pr_info("sandbox: saved a warm template in %s: later runs start from it",
			t->dir);
}

void sandbox_template_forget(const struct sandbox_template *t)
{
	snapshot_dir_remove(t->dir);
}

/*
 * The inputs cache entries and the kept host-check verdicts
 * (sandbox/host_check.c): without templates they save little.
 */
static void clean_entries(const char *root, const char *name)
{
	char dir[PATH_MAX + 32];
	struct dirent *e;
	int fd;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%s", root, name);
	d = opendir(dir);
	if (!d)
		return;
	fd = dirfd(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			unlinkat(fd, e->d_name, 0);
	closedir(d);
}

int sandbox_template_clean(unsigned int *removed)
{
	char dir[PATH_MAX], root[PATH_MAX + 16], why[160];
	struct dirent *e;
	DIR *d;

	*removed = 0;
	if (ipc_dir_prepare(dir, sizeof(dir), why, sizeof(why))) {
		pr_err("cannot find the template cache: %s", why);
		return -ENOENT;
	}
	snprintf(root, sizeof(root), "%s/%s", dir, TEMPLATES);
	clean_entries(root, INPUTS);
	clean_entries(root, HOST_CHECKS_DIR);
	d = opendir(root);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		char path[sizeof(root) + 300];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", root, e->d_name);
		/* A run still building this one keeps it until it ends. */
		if (being_built(path))
			continue;
		snapshot_dir_remove(path);
		*removed += access(path, F_OK) != 0;
	}
	closedir(d);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Turning a `lkvm sandbox` request into a VM configuration: the root
 * directory (-d DIR, or the "default" root made on first use) as 9p tag
 * /dev/root, the host's "/" as tag hostfs, the channel, an initramfs in
 * memory (the guest init, the modules the kernel lacks), the command and
 * the kernel command line; and, afterwards, the exit status.
 */
#include <lkvm/sandbox.h>

#include <lkvm/kmod.h>
#include <lkvm/log.h>
#include <lkvm/virtio_9p.h>
#include <lkvm/vm.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define HOST_TAG "hostfs"
/* What the guest sees on /host: the host's "/". */
#define HOST_DIR "/"
/* Kernel messages: only errors; a panic reboots at once (no report). */
#define SANDBOX_PARAMS "quiet panic=-1"
/* The largest --sandbox script copied into the initramfs. */
#define SCRIPT_MAX (16U << 20)

/* What the guest init needs that a kernel may have as modules. */
static const char *const needed_modules[] = {
	"virtio_mmio",
	"virtio_console",
	"9pnet_virtio",
	"9p",
};

/* Appends "key=value\0" to @buf. */
static int put_kv(char **buf, size_t *len, const char *key, const char *value)
{
	size_t kl = strlen(key), vl = strlen(value);
	char *nb = realloc(*buf, *len + kl + vl + 2);

	if (!nb)
		return -ENOMEM;
	memcpy(nb + *len, key, kl);
	nb[*len + kl] = '=';
	memcpy(nb + *len + kl + 1, value, vl + 1);
	*buf = nb;
	*len += kl + vl + 2;
	return 0;
}

/* The guest starts where lkvm was started, seen through /host. */
static char *guest_cwd(void)
{
	char cwd[PATH_MAX], *out;

	if (!getcwd(cwd, sizeof(cwd)))
		return strdup("/");
	if (asprintf(&out, "/host%s", strcmp(cwd, "/") ? cwd : "") < 0)
		return NULL;
	return out;
}

/* How the guest is set up: the same for every run of a warm template. */
static int add_config(struct cpio *c, const struct vm_config *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	int ret;

	ret = put_kv(&buf, &len, "root", VIRTIO_9P_ROOT_TAG);
	ret = ret ?: put_kv(&buf, &len, "root_ro",
			    cfg->p9.shares[cfg->p9.root].ro ? "1" : "0");
	ret = ret ?: put_kv(&buf, &len, "host", HOST_TAG);
	if (!ret)
		cpio_add_file(c, "lkvm/config", 0644, buf, len);
	free(buf);
	return ret;
}

static int read_script(const char *path, struct sandbox_run *run)
{
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = 0;

	if (fd < 0 || fstat(fd, &st) < 0) {
		ret = -errno;
		pr_err("--sandbox %s: cannot open: %s", path, strerror(errno));
	} else if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > SCRIPT_MAX) {
		ret = -EINVAL;
		pr_err("--sandbox %s: not a regular file of at most %u MiB", path,
		       SCRIPT_MAX >> 20);
	}
	if (ret) {
		if (fd >= 0)
			close(fd);
		return ret;
	}
	run->script = malloc((size_t)st.st_size + 1);
	n = run->script ? read(fd, run->script, (size_t)st.st_size) : -1;
	close(fd);
	if (n != st.st_size) {
		pr_err("--sandbox %s: cannot read it whole", path);
		return -EIO;
	}
	run->script_len = (size_t)n;
	return 0;
}

/* This run's part: the command and where and how it runs. */
static int prepare_run(const struct vm_config *cfg,
		       const struct sandbox_request *req,
		       struct sandbox_state *st)
{
	struct sandbox_run *run = &st->run;
	const char *term = getenv("TERM");
	int ret = 0;

	run->argv = req->argv;
	run->argc = req->argc;
	run->tty = req->tty;
	run->term = req->tty && term ? term : NULL;
	run->hostname = cfg->name;
	run->cwd = guest_cwd();
	if (!run->cwd)
		return -ENOMEM;
	if (getrandom(run->seed, sizeof(run->seed), 0) !=
	    (ssize_t)sizeof(run->seed)) {
		pr_err("sandbox: cannot get entropy for the guest: %s",
		       strerror(errno));
		return -EIO;
	}
	if (req->script) {
		ret = read_script(req->script, run);
	} else if (req->argc) {
		const struct vm_9p *root = &cfg->p9.shares[cfg->p9.root];
		char *dir = strndup(root->path, root->path_len);

		run->path = dir ? sandbox_command_path(dir, HOST_DIR,
						       req->argv[0]) : NULL;
		free(dir);
	}
	ret = ret ?: sandbox_command_build(run, &st->command,
					   &st->command_len);
	if (ret == -E2BIG || ret == -ENOMEM)
		pr_err("sandbox: the command does not fit in %u MiB: %s",
		       SBX_WIRE_MAX >> 20, strerror(-ret));
	return ret;
}

/*
 * Whether @dir is an installed module tree; what says so (or not) is an
 * input of the initramfs.
 */
static bool tree_ok(struct sandbox_state *st, const char *dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/modules.dep", dir);
	sandbox_inputs_note(&st->inputs, path);
	snprintf(path, sizeof(path), "%s/modules.order", dir);
	sandbox_inputs_note(&st->inputs, path);
	return kmod_dir_ok(dir);
}

/*
 * The module tree for the kernel: --modules DIR (DIR itself or
 * DIR/<release>), else <kernel's directory>/lib/modules/<release>, else
 * /lib/modules/<release>. *@dir stays NULL when none is found: the
 * kernel is taken to have what the guest needs built in.
 */
static int find_modules_dir(const struct vm_config *cfg,
			    struct sandbox_state *st, const char *release,
			    char **dir)
{
	char *kdir, *cand[2] = { NULL, NULL };

	*dir = NULL;
	if (cfg->sandbox.modules_dir) {
		if (release && asprintf(dir, "%s/%s", cfg->sandbox.modules_dir,
					release) >= 0 && tree_ok(st, *dir))
			return 0;
		free(*dir);
		*dir = NULL;
		if (tree_ok(st, cfg->sandbox.modules_dir)) {
			*dir = strdup(cfg->sandbox.modules_dir);
			return *dir ? 0 : -ENOMEM;
		}
		pr_err("--modules %s: no modules.dep or modules.order there%s%s",
		       cfg->sandbox.modules_dir, release ? " nor in its " : "",
		       release ? release : "");
		return -ENOENT;
	}
	if (!release)
		return 0;
	kdir = strdup(cfg->kernel);
	if (!kdir)
		return -ENOMEM;
	if (asprintf(&cand[0], "%s/lib/modules/%s", dirname(kdir), release) < 0)
		cand[0] = NULL;
	if (asprintf(&cand[1], "/lib/modules/%s", release) < 0)
		cand[1] = NULL;
	free(kdir);
	for (int i = 0; i < 2; i++) {
		if (!*dir && cand[i] && tree_ok(st, cand[i])) {
			*dir = cand[i];
			cand[i] = NULL;
		}
		free(cand[i]);
	}
	if (!*dir)
		pr_info("no modules for Linux %s next to %s nor in /lib/modules: taking virtio-mmio, virtio-console and 9p to be built in",
			release, cfg->kernel);
	return 0;
}

/*
 * What the modules were made of: the tree's index files and each
 * module's file and directory (where another compression of it, added
 * later, would be chosen instead).
 */
static void note_modules(struct sandbox_state *st, const char *dir,
			 const struct kmod_set *set)
{
	char path[PATH_MAX];

	sandbox_inputs_note(&st->inputs, dir);
	snprintf(path, sizeof(path), "%s/modules.builtin", dir);
	sandbox_inputs_note(&st->inputs, path);
	for (unsigned int i = 0; i < set->nr; i++) {
		char *copy = strdup(set->mods[i].path);

		sandbox_inputs_note(&st->inputs, set->mods[i].path);
		if (!copy) {
			st->inputs.err = -ENOMEM;
			return;
		}
		sandbox_inputs_note(&st->inputs, dirname(copy));
		free(copy);
	}
}

static int add_modules(struct cpio *c, const struct vm_config *cfg,
		       struct sandbox_state *st)
{
	char release[KMOD_RELEASE_MAX], *dir = NULL;
	bool have_release;
	struct kmod_set set;
	int ret;

	sandbox_inputs_note(&st->inputs, cfg->kernel);
	have_release = !kmod_release_of_image(cfg->kernel, release);
	ret = find_modules_dir(cfg, st, have_release ? release : NULL, &dir);
	if (ret || !dir)
		return ret;
	ret = kmod_resolve(dir, have_release ? release : NULL, needed_modules,
			   ARRAY_SIZE(needed_modules), &set);
	if (ret) {
		free(dir);
		return ret;
	}
	note_modules(st, dir, &set);
	for (unsigned int i = 0; i < set.nr; i++) {
		const struct kmod *m = &set.mods[i];
		char name[128];

		snprintf(name, sizeof(name), "lkvm/modules/%02u-%s%s", i,
			 m->name, m->ext);
		cpio_add_file(c, name, 0644, m->data, m->size);
	}
	pr_debug("sandbox: %u modules from %s (%u needed ones built in)",
		 set.nr, dir, set.nr_builtin);
	st->nr_modules = set.nr;
	st->modules_dir = dir;
	kmod_set_free(&set);
	return 0;
}

static int build_initrd(const struct vm_config *cfg, struct sandbox_state *st)
{
	struct cpio *c = &st->initrd;
	int ret;

	cpio_init(c);
	cpio_add_dir(c, "dev", 0755);
	/* The kernel opens it for init's standard streams. */
	cpio_add_chardev(c, "dev/console", 0600, 5, 1);
	cpio_add_dir(c, "lkvm", 0755);
	cpio_add_dir(c, "lkvm/modules", 0755);
	cpio_add_file(c, "init", 0755, lkvm_guest_init,
		      (size_t)(lkvm_guest_init_end - lkvm_guest_init));
	ret = add_modules(c, cfg, st);
	ret = ret ?: add_config(c, cfg);
	ret = ret ?: cpio_finish(c);
	if (ret == -ENOMEM || ret == -E2BIG)
		pr_err("sandbox: cannot build the initramfs: %s", strerror(-ret));
	return ret;
}

int sandbox_initrd(struct vm_config *cfg, struct sandbox_state *st)
{
	if (st->initrd_built)
		return st->initrd_ret;
	pr_debug("sandbox: initramfs");
	st->initrd_built = true;
	/* A warm start from the inputs cache knew where the modules were. */
	free(st->modules_dir);
	st->modules_dir = NULL;
	st->initrd_ret = build_initrd(cfg, st);
	if (!st->initrd_ret) {
		cfg->initrd_data = st->initrd.buf;
		cfg->initrd_data_size = st->initrd.len;
	}
	return st->initrd_ret;
}

static int set_params(struct vm_config *cfg, struct sandbox_state *st)
{
	if (cfg->nodefaults)
		return 0;
	if (asprintf(&st->params, "%s%s%s", SANDBOX_PARAMS,
		     cfg->params ? " " : "", cfg->params ? cfg->params : "") < 0)
		return -ENOMEM;
	cfg->params = st->params;
	return 0;
}

int sandbox_prepare(struct vm_config *cfg, const struct sandbox_request *req,
		    struct sandbox_state *st)
{
	int ret;

	memset(st, 0, sizeof(*st));
	cpio_init(&st->initrd);
	sandbox_inputs_init(&st->inputs);
	if (cfg->initrd) {
		pr_err("--initrd %s: a sandbox boots its own initramfs (the guest init and the kernel's modules)",
		       cfg->initrd);
		return -EINVAL;
	}
	if (cfg->p9.root < 0) {
		st->root = sandbox_root_path("default", true);
		if (!st->root)
			return -ENOENT;
		ret = virtio_9p_set_root(cfg, st->root, strlen(st->root),
					 false);
		if (ret)
			return ret;
	}
	ret = virtio_9p_add_share(cfg, "lkvm sandbox", HOST_DIR, 1, HOST_TAG,
				  strlen(HOST_TAG), false);
	if (ret < 0)
		return ret;
	ret = prepare_run(cfg, req, st);
	ret = ret ?: set_params(cfg, st);
	if (ret)
		return ret;
	st->tty = req->tty;
	cfg->sandbox.state = st;
	return 0;
}

void sandbox_release(struct sandbox_state *st)
{
	cpio_free(&st->initrd);
	sandbox_inputs_free(&st->inputs);
	free(st->root);
	free(st->params);
	free(st->modules_dir);
	free(st->run.script);
	free(st->run.cwd);
	free(st->run.path);
	free(st->command);
	st->root = st->params = st->modules_dir = NULL;
	st->run.script = st->run.cwd = st->run.path = NULL;
	st->command = NULL;
}

int sandbox_exit_status(const struct sandbox_state *st, int vm_status)
{
	const struct sandbox_result *r = &st->result;
	const char *why;

	if (r->output_closed)
		return 128 + SIGPIPE;
	if (r->reported && r->init_error) {
		pr_err("sandbox: the guest could not run the command: %s",
		       r->message);
		return SANDBOX_EXIT_SETUP;
	}
	if (r->reported)
		return r->status;
	if (vm_status > 128)
		return vm_status;	/* lkvm itself got a signal */
	why = vm_status == VM_EXIT_GUEST_CRASH ? "the guest crashed" :
	      vm_status == VM_EXIT_ERROR ?
			       "lkvm stopped it after the error above" :
			       "it powered off or rebooted: a kernel panic (see the console above), or the command turned it off";
	pr_err("sandbox: the guest ended without reporting the command's exit status: %s%s",
	       why,
	       st->modules_dir ? "" :
				 " (no kernel modules were packed: if the kernel has virtio_mmio, virtio_console, 9pnet_virtio or 9p as modules, give --modules DIR)");
	return SANDBOX_EXIT_NO_STATUS;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * `lkvm sandbox [options] -- COMMAND [ARGS...]` and `lkvm run --sandbox
 * SCRIPT`: boot the kernel with a 9p root, run the command in the guest,
 * exit with its status (or 125, or 255; see Documentation/lkvm-sandbox.txt).
 */
#include <lkvm/builtin.h>

#include <lkvm/control.h>
#include <lkvm/log.h>
#include <lkvm/restore.h>
#include <lkvm/run_options.h>
#include <lkvm/sandbox.h>
#include <lkvm/vm.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static const char sandbox_usage_line[] =
	"lkvm sandbox [<options>] -- <command> [<args>...]";

static void print_usage(FILE *out)
{
	const struct opt *tables[RUN_OPTION_TABLES_MAX];

	run_option_tables(tables, ARRAY_SIZE(tables));
	opt_usage(out, sandbox_usage_line, tables);
	fprintf(out,
		" Runs the command in a guest whose root is -d DIR or $HOME/.lkvm/default,\n"
		" with the host's / on /host, and exits with the command's status:\n"
		" 128+N when signal N killed it, 125 when it could not be started,\n"
		" 255 when the guest ended without a status (a kernel panic).\n\n");
}

void sandbox_usage(void)
{
	print_usage(stdout);
}

/* kvmtool: without -k, the host's own kernel. */
static char *host_kernel(void)
{
	static const char *const names[] = { "vmlinuz", "Image" };
	struct utsname u;
	char *path;

	if (uname(&u))
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (asprintf(&path, "/boot/%s-%s", names[i], u.release) < 0)
			return NULL;
		if (!access(path, R_OK))
			return path;
		free(path);
	}
	return NULL;
}

static int dump_dtb(struct vm *vm, const struct vm_config *cfg)
{
	int fd = open(cfg->dump_dtb, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		      0644);
	int ret = fd < 0 ? -errno : vm_write_dtb(vm, fd, cfg->dump_dtb);

	if (fd < 0)
		pr_err("--dump-dtb %s: %s", cfg->dump_dtb, strerror(errno));
	else
		close(fd);
	return ret ? SANDBOX_EXIT_SETUP : 0;
}

/*
 * Builds the template's machine and restores its guest, which waits for
 * the command. Returns 0 with *@vmp ready to run, or -errno with @why
 * when the template cannot be used here (before anything ran).
 */
static int restore_template(const struct sandbox_template *t,
			    const struct vm_config *cfg,
			    struct snapshot_source *s, struct vm_config *wcfg,
			    struct vm **vmp, char *why, size_t why_len)
{
	int ret;

	pr_debug("sandbox: warm template: manifest and state");
	ret = snapshot_open(s, t->dir, why, why_len);
	wcfg->sandbox = cfg->sandbox;
	wcfg->seccomp = cfg->seccomp;
	wcfg->debug = cfg->debug;
	wcfg->loglevel = cfg->loglevel;
	ret = ret ?: snapshot_config(s, wcfg, NULL, why, why_len);
	wcfg->name = cfg->name;
	wcfg->notify_on_vcpu = cfg->notify_on_vcpu;
	if (!ret)
		snapshot_use_hot_blocks(s);
	if (!ret) {
		pr_debug("sandbox: warm template: host check");
		ret = sandbox_host_check(t, s, why, why_len);
		if (ret == 1)
			ret = -EPERM;
	}
	if (!ret) {
		ret = vm_create(vmp, wcfg);
		if (ret)
			snprintf(why, why_len,
				 "building its machine failed (see above)");
	}
	return ret;
}

/*
 * A warm start: the guest restored from the template, already waiting.
 * Returns the exit status, or -1 when the template could not be used.
 */
static int run_warm(const struct sandbox_template *t, struct vm_config *cfg,
		    struct sandbox_state *st)
{
	struct snapshot_source s = { .ram_fd = -1 };
	struct vm_config wcfg;
	struct vm *vm = NULL;
	char why[SVE_WHY_MAX] = "";
	int ret, status = -1;

	if (vm_config_init(&wcfg))
		return -1;
	st->restored = true;
	ret = restore_template(t, cfg, &s, &wcfg, &vm, why, sizeof(why));
	if (!ret) {
		pr_info("sandbox: started from the warm template %s", t->dir);
		status = vm_run(vm);
	}
	vm_destroy(vm);
	snapshot_close(&s);
	vm_config_release(&wcfg);
	if (ret) {
		st->restored = false;
		pr_info("sandbox: the warm template %s cannot be used (%s): booting afresh and saving a new one",
			t->dir, why[0] ? why : strerror(-ret));
		sandbox_template_forget(t);
		sandbox_host_check_forget(t);
	}
	return status;
}

int sandbox_main(struct vm_config *cfg, struct sandbox_request *req)
{
	struct sandbox_template t = { .fds = { -1, -1, -1 }, .lock_fd = -1 };
	struct sandbox_state st;
	char *default_kernel = NULL;
	struct vm *vm = NULL;
	bool warm;
	int ret, status = -1;

	if (!cfg->kernel) {
		cfg->kernel = default_kernel = host_kernel();
		if (!cfg->kernel) {
			pr_err("no kernel to boot: give one with -k/--kernel (the host's /boot/vmlinuz-$(uname -r) is not there)");
			return SANDBOX_EXIT_SETUP;
		}
		pr_info("sandbox: booting the host's kernel %s", cfg->kernel);
	}
	if (!builtin_kernel_readable(cfg->kernel)) {
		free(default_kernel);
		return SANDBOX_EXIT_SETUP;
	}
	/* A terminal on both ends: the command gets the console as its tty. */
	req->tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	pr_debug("sandbox: root and command");
	ret = sandbox_prepare(cfg, req, &st);
	/* LKVM_SANDBOX_COLD=1: --cold for every run (CI, debugging). */
	if (getenv("LKVM_SANDBOX_COLD") &&
	    strcmp(getenv("LKVM_SANDBOX_COLD"), "0"))
		cfg->sandbox.cold = true;
	if (!ret && !cfg->sandbox.cold && !cfg->dump_dtb)
		pr_debug("sandbox: template key");
	warm = !ret && !cfg->sandbox.cold && !cfg->dump_dtb &&
	       !sandbox_template_locate(&t, cfg, &st);
	if (warm && sandbox_template_state(&t) == TEMPLATE_READY)
		status = run_warm(&t, cfg, &st);
	if (status < 0) {
		/* Booting afresh; saving the template at "ready" if warm. */
		ret = ret ?: sandbox_initrd(cfg, &st);
		if (!ret && warm &&
		    sandbox_template_state(&t) == TEMPLATE_NONE &&
		    !sandbox_template_begin(&t, &st))
			st.save_template = control_request_snapshot;
		ret = ret ?: vm_create(&vm, cfg);
		if (!ret && cfg->dump_dtb)
			status = dump_dtb(vm, cfg);
		else if (ret)
			status = SANDBOX_EXIT_SETUP;
		else
			status = vm_run(vm);
		vm_destroy(vm);
		if (!cfg->dump_dtb && !ret)
			status = sandbox_exit_status(&st, status);
		sandbox_template_finish(&t, &st);
	} else {
		status = sandbox_exit_status(&st, status);
	}
	sandbox_release(&st);
	free(default_kernel);
	pr_debug("sandbox: exit with status %d", status);
	return status;
}

static int sandbox(struct vm_config *cfg, int argc, char **argv)
{
	struct sandbox_request req = { 0 };
	struct opt_args args;
	int ret;

	/* The command's output is what matters: lkvm speaks up on trouble. */
	cfg->loglevel = LOG_WARNING;
	ret = run_options_parse(cfg, argc - 1, argv + 1, &args);
	if (ret == OPT_UNKNOWN) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	if (ret != OPT_OK)
		return SANDBOX_EXIT_SETUP;
	log_set_level(cfg->loglevel);
	pr_debug("sandbox: options parsed");
	req.argv = args.rest;
	req.argc = args.nr_rest;
	req.script = cfg->sandbox.script;
	opt_args_free(&args);
	if (!req.script && !req.argc) {
		fprintf(stderr, "  Error: no command: lkvm sandbox [<options>] -- <command> [<args>...]\n");
		print_usage(stderr);
		return EXIT_USAGE;
	}
	if (req.script && req.argc) {
		pr_err("--sandbox %s and a command after --: give one of the two",
		       req.script);
		return SANDBOX_EXIT_SETUP;
	}
	return sandbox_main(cfg, &req);
}

int cmd_sandbox(int argc, char **argv)
{
	struct vm_config cfg;
	int status;

	if (builtin_wants_help(argc, argv)) {
		sandbox_usage();
		return 0;
	}
	if (vm_config_init(&cfg)) {
		pr_err("out of memory");
		return SANDBOX_EXIT_SETUP;
	}
	/*
	 * The guest waits for each 9p reply and console buffer: handing
	 * the work to an I/O thread and the guest's halt and wake-up cost
	 * 10 to 18% of a warm run in the nested test host (testing.md,
	 * issue 17). The guest already reaches the host's files through
	 * the shares, so the vcpu thread's wider filter opens nothing it
	 * could not (security.md).
	 */
	cfg.notify_on_vcpu = true;
	status = sandbox(&cfg, argc, argv);
	vm_config_release(&cfg);
	return status;
}

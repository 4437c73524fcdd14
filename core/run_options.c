// SPDX-License-Identifier: GPL-2.0
/* The generic `lkvm run` options and the parser that merges every table. */
#include <lkvm/run_options.h>

#include <lkvm/arch.h>

#include <lkvm/device.h>
#include <lkvm/ipc_path.h>
#include <lkvm/log.h>
#include <lkvm/parse.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CFG(ctx) ((struct vm_config *)(ctx))

/* kvmtool's and KVM's practical upper bound; KVM may allow fewer. */
#define MAX_CPUS_OPTION 4096

int vm_config_init(struct vm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->default_name, sizeof(cfg->default_name), "guest-%d",
		 (int)getpid());
	cfg->name = cfg->default_name;
	cfg->loglevel = LOG_INFO;
	cfg->console = CONSOLE_SERIAL;
	cfg->seccomp = true;
	cfg->rtc = true;
	cfg->p9.root = -1;
	cfg->arch = arch_config_create();
	return cfg->arch ? 0 : -ENOMEM;
}

void vm_config_release(struct vm_config *cfg)
{
	arch_config_destroy(cfg->arch);
	cfg->arch = NULL;
}

static int set_kernel(void *ctx, const char *arg)
{
	CFG(ctx)->kernel = arg;
	return 0;
}

static int set_initrd(void *ctx, const char *arg)
{
	CFG(ctx)->initrd = arg;
	return 0;
}

static int set_params(void *ctx, const char *arg)
{
	CFG(ctx)->params = arg;
	return 0;
}

static int set_cpus(void *ctx, const char *arg)
{
	int ret = parse_uint(arg, MAX_CPUS_OPTION, &CFG(ctx)->nr_cpus);

	if (ret || !CFG(ctx)->nr_cpus) {
		pr_err("--cpus '%s': expected a number of vcpus from 1 to %d",
		       arg, MAX_CPUS_OPTION);
		return -EINVAL;
	}
	return 0;
}

static int set_mem(void *ctx, const char *arg)
{
	int ret = parse_size(arg, SZ_1M, &CFG(ctx)->ram_size);

	if (ret == -ERANGE || (!ret && CFG(ctx)->ram_size > (1ULL << 47))) {
		pr_err("--mem '%s': too large", arg);
		return -ERANGE;
	}
	if (ret) {
		pr_err("--mem '%s': expected a size in MiB, or with a K, M, G or T suffix",
		       arg);
		return ret;
	}
	if (CFG(ctx)->ram_size < SZ_2M ||
	    !IS_ALIGNED(CFG(ctx)->ram_size, SZ_2M)) {
		pr_err("--mem '%s': guest RAM must be a non-zero multiple of 2 MiB",
		       arg);
		return -EINVAL;
	}
	return 0;
}

static int set_name(void *ctx, const char *arg)
{
	/* The name is also the control socket's file name. */
	if (!vm_name_valid(arg)) {
		pr_err("--name '%s': use 1 to %d letters, digits, '.', '_' or '-', not starting with '.'",
		       arg, VM_NAME_MAX - 1);
		return -EINVAL;
	}
	CFG(ctx)->name = arg;
	return 0;
}

static int set_nodefaults(void *ctx, const char *arg)
{
	(void)arg;
	CFG(ctx)->nodefaults = true;
	return 0;
}

static int set_loglevel(void *ctx, const char *arg)
{
	if (log_parse_level(arg, &CFG(ctx)->loglevel)) {
		pr_err("--loglevel '%s': expected error, warning, info or debug",
		       arg);
		return -EINVAL;
	}
	return 0;
}

static int set_debug(void *ctx, const char *arg)
{
	(void)arg;
	CFG(ctx)->debug = true;
	CFG(ctx)->loglevel = LOG_DEBUG;
	return 0;
}

static int set_seccomp(void *ctx, const char *arg)
{
	if (parse_bool(arg, &CFG(ctx)->seccomp)) {
		pr_err("--seccomp '%s': expected on or off", arg);
		return -EINVAL;
	}
	return 0;
}

static int set_dump_dtb(void *ctx, const char *arg)
{
	CFG(ctx)->dump_dtb = arg;
	return 0;
}

static int set_console(void *ctx, const char *arg)
{
	if (!strcmp(arg, "serial")) {
		CFG(ctx)->console = CONSOLE_SERIAL;
		return 0;
	}
	if (!strcmp(arg, "virtio")) {
		CFG(ctx)->console = CONSOLE_VIRTIO;
		return 0;
	}
	pr_err("--console '%s': expected serial or virtio", arg);
	return -EINVAL;
}

const struct opt core_run_options[] = {
	OPT_GROUP_HEADING(" Basic options:"),
	{ OPT_VALUE, 0, "name", "guest name", "A name for the guest (default guest-PID)", set_name },
	{ OPT_VALUE, 'c', "cpus", "n", "Number of vcpus (default: one per online host CPU)", set_cpus },
	{ OPT_VALUE, 'm', "mem", "size", "Guest RAM in MiB, or with K/M/G suffix (default 64M x (cpus+3))", set_mem },
	{ OPT_VALUE, 0, "console", "serial|virtio", "Console device: ttyS0 (default) or hvc0", set_console },
	OPT_GROUP_HEADING(" Kernel options:"),
	{ OPT_VALUE, 'k', "kernel", "kernel", "Kernel to boot: arm64 Image or flat binary", set_kernel },
	{ OPT_VALUE, 'i', "initrd", "initrd", "Initial RAM disk image", set_initrd },
	{ OPT_VALUE, 'p', "params", "params", "Kernel command-line arguments", set_params },
	{ OPT_FLAG, 0, "nodefaults", NULL, "Leave the kernel command line exactly as given", set_nodefaults },
	OPT_GROUP_HEADING(" Debug options:"),
	{ OPT_VALUE, 0, "loglevel", "level", "error, warning, info (default) or debug", set_loglevel },
	{ OPT_FLAG, 0, "debug", NULL, "Debug messages and register dumps", set_debug },
	{ OPT_VALUE, 0, "dump-dtb", "file", "Write the guest's device tree to FILE and exit", set_dump_dtb },
	{ OPT_VALUE, 0, "seccomp", "on|off", "Per-thread system-call filters (default on; off only to debug)", set_seccomp },
	OPT_TABLE_END,
};

/* What `lkvm restore` takes of them: the machine itself is the snapshot's. */
const struct opt core_restore_options[] = {
	{ OPT_VALUE, 0, "name", "guest name", "A name for the restored guest (default: the snapshot's)", set_name },
	{ OPT_VALUE, 0, "loglevel", "level", "error, warning, info (default) or debug", set_loglevel },
	{ OPT_FLAG, 0, "debug", NULL, "Debug messages and register dumps", set_debug },
	{ OPT_VALUE, 0, "seccomp", "on|off", "Per-thread system-call filters (default on; off only to debug)", set_seccomp },
	OPT_TABLE_END,
};

void run_option_tables(const struct opt **tables, size_t max)
{
	size_t n = 0;

	tables[n++] = core_run_options;
	tables[n++] = arch_run_options;
	tables[n++] = sandbox_run_options;
	for (const struct device_model *const *m = device_models;
	     *m && n < max - 1; m++)
		if ((*m)->options)
			tables[n++] = (*m)->options;
	tables[n] = NULL;
}

int run_options_parse(struct vm_config *cfg, int argc, char **argv,
		      struct opt_args *args)
{
	const struct opt *tables[RUN_OPTION_TABLES_MAX];
	enum opt_status st;
	int used = 0;

	run_option_tables(tables, ARRAY_SIZE(tables));
	st = opt_parse(tables, cfg, argc, argv, args);
	if (st != OPT_OK)
		return st;
	/* kvmtool: `lkvm run [options] [kernel]`. */
	if (args->nr_positional && !cfg->kernel)
		cfg->kernel = args->positional[used++];
	if (args->nr_positional > used) {
		fprintf(stderr, "  Error: unexpected argument '%s'\n",
			args->positional[used]);
		opt_args_free(args);
		return OPT_UNKNOWN;
	}
	return OPT_OK;
}

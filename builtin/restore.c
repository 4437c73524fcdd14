// SPDX-License-Identifier: GPL-2.0
/*
 * `lkvm restore DIR`: rebuild the machine a snapshot was taken of and go
 * on running its guest. Everything that can refuse does so before a VM
 * exists: the snapshot's files, the host's ability to give the guest
 * exactly what it had, the disks.
 */
#include "restore_incoming.h"

#include <lkvm/builtin.h>
#include <lkvm/deadline.h>

#include <lkvm/arch.h>
#include <lkvm/control.h>
#include <lkvm/log.h>
#include <lkvm/restore.h>
#include <lkvm/run_options.h>
#include <lkvm/vm.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char restore_usage_line[] =
	"lkvm restore [<options>] <snapshot directory>\n"
	"   or: lkvm restore --incoming ADDR [--token-file FILE] [<options>]";

/*
 * The options' context. The generic handlers (core_restore_options)
 * take it as the vm_config that is its first member.
 */
struct restore_args {
	struct vm_config cfg;
	struct restore_options ro;
	struct disk_remap remaps[RESTORE_MAX_REMAPS];
	bool verify;
	const char *incoming;
	const char *token_file;
};

#define ARGS(ctx) ((struct restore_args *)(ctx))

static int set_disk_path(void *ctx, const char *arg)
{
	struct restore_args *a = ARGS(ctx);
	const char *eq = strchr(arg, '=');

	if (!eq || eq == arg || !eq[1]) {
		pr_err("--disk-path '%s': expected OLD=NEW, the disk's path in the snapshot and where it is now",
		       arg);
		return -EINVAL;
	}
	if (a->ro.nr_remaps == RESTORE_MAX_REMAPS) {
		pr_err("--disk-path %s: at most %u", arg, RESTORE_MAX_REMAPS);
		return -E2BIG;
	}
	a->remaps[a->ro.nr_remaps++] = (struct disk_remap){
		.old_path = arg,
		.old_len = (size_t)(eq - arg),
		.new_path = eq + 1,
	};
	return 0;
}

static int set_allow_changed(void *ctx, const char *arg)
{
	(void)arg;
	ARGS(ctx)->ro.allow_changed_disks = true;
	return 0;
}

static int set_paused(void *ctx, const char *arg)
{
	(void)arg;
	ARGS(ctx)->cfg.start_paused = true;
	return 0;
}

static int set_verify(void *ctx, const char *arg)
{
	(void)arg;
	ARGS(ctx)->verify = true;
	return 0;
}

static int set_incoming(void *ctx, const char *arg)
{
	ARGS(ctx)->incoming = arg;
	return 0;
}

static int set_token_file(void *ctx, const char *arg)
{
	ARGS(ctx)->token_file = arg;
	return 0;
}

static const struct opt restore_options[] = {
	OPT_GROUP_HEADING(" Restore options:"),
	{ OPT_VALUE, 0, "disk-path", "old=new", "The disk that was at OLD is now at NEW (repeatable)", set_disk_path },
	{ OPT_FLAG, 0, "allow-changed-disks", NULL, "Restore even over disks changed since the snapshot (only when they hold what they held then)", set_allow_changed },
	{ OPT_FLAG, 0, "paused", NULL, "Keep the guest paused until lkvm resume", set_paused },
	{ OPT_FLAG, 0, "verify", NULL, "Read all of the RAM file and check its CRC-32 first", set_verify },
	OPT_GROUP_HEADING(" Live migration (lkvm help migrate):"),
	{ OPT_VALUE, 0, "incoming", "addr", "Wait for one live migration at unix:PATH or tcp:HOST:PORT instead of reading a snapshot", set_incoming },
	{ OPT_VALUE, 0, "token-file", "file", "The secret the source must give (needed for tcp:)", set_token_file },
	OPT_TABLE_END,
};

static void print_usage(FILE *out)
{
	const struct opt *tables[] = { core_restore_options, restore_options,
				       NULL };

	opt_usage(out, restore_usage_line, tables);
}

void restore_usage(void)
{
	print_usage(stdout);
}

/* Everything that can refuse before a VM exists. */
static int prepare(struct restore_args *a, struct snapshot_source *s,
		   const char *dir, const char *name)
{
	char why[SVE_WHY_MAX];
	int ret;

	ret = snapshot_open(s, dir, why, sizeof(why));
	if (ret) {
		pr_err("lkvm restore %s: %s", dir,
		       why[0] ? why : strerror(-ret));
		return 1;
	}
	if (a->verify && snapshot_verify_ram(s, why, sizeof(why))) {
		pr_err("lkvm restore %s: %s", dir, why);
		return 1;
	}
	if (snapshot_config(s, &a->cfg, &a->ro, why, sizeof(why))) {
		pr_err("lkvm restore %s: %s", dir, why);
		return 1;
	}
	if (name)
		a->cfg.name = name;
	ret = snapshot_check_host(s, why, sizeof(why));
	if (ret) {
		pr_err("lkvm restore %s: %s%s", dir,
		       ret == 1 ? "this host cannot run the guest as it was: " :
				  "",
		       why);
		return 1;
	}
	return control_check_name(a->cfg.name) ? 1 : 0;
}

static int incoming(struct restore_args *a, const char *name)
{
	const struct incoming_args ia = {
		.cfg = &a->cfg,
		.ro = &a->ro,
		.addr = a->incoming,
		.token_file = a->token_file,
		.name = name,
	};

	if (!a->incoming) {
		pr_err("--token-file is for --incoming");
		return 1;
	}
	if (a->verify) {
		pr_err("--verify checks a snapshot's RAM file; a migration's pages are checked as they come");
		return 1;
	}
	return restore_incoming(&ia);
}

static int restore(struct restore_args *a, int argc, char **argv)
{
	const struct opt *tables[] = { core_restore_options, restore_options,
				       NULL };
	struct snapshot_source s = { .ram_fd = -1 };
	struct opt_args args;
	struct vm *vm = NULL;
	const char *name;
	int64_t t0 = monotonic_ms();
	int ret, status;

	a->ro.remaps = a->remaps;
	ret = opt_parse(tables, a, argc - 1, argv + 1, &args);
	if (ret == OPT_BAD_VALUE)
		return 1;
	if (ret == OPT_OK && args.nr_positional != !a->incoming) {
		fprintf(stderr, "  Error: %s\n",
			a->incoming ? "--incoming takes no snapshot directory" :
			args.nr_positional ? "one snapshot directory, please" :
					     "which snapshot? give its directory");
		opt_args_free(&args);
		ret = OPT_UNKNOWN;
	}
	if (ret == OPT_UNKNOWN) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	log_set_level(a->cfg.loglevel);
	/* --name, if given, replaces the snapshot's once that is read. */
	name = a->cfg.name == a->cfg.default_name ? NULL : a->cfg.name;
	if (a->incoming || a->token_file) {
		status = incoming(a, name);
		opt_args_free(&args);
		return status;
	}
	status = prepare(a, &s, args.positional[0], name);
	if (!status) {
		ret = vm_create(&vm, &a->cfg);
		status = ret ? 1 : 0;
	}
	if (!status) {
		pr_info("# lkvm restore %s: %s, %u vcpus, %llu MiB, rebuilt in %lld ms",
			s.dir, a->cfg.name, vm->nr_vcpus,
			(unsigned long long)(vm->ram.size >> 20),
			(long long)(monotonic_ms() - t0));
		arch_log_summary(vm);
		status = vm_run(vm);
	}
	vm_destroy(vm);
	snapshot_close(&s);
	opt_args_free(&args);
	return status;
}

int cmd_restore(int argc, char **argv)
{
	struct restore_args a = { 0 };
	int status;

	if (builtin_wants_help(argc, argv)) {
		restore_usage();
		return 0;
	}
	if (vm_config_init(&a.cfg)) {
		pr_err("out of memory");
		return 1;
	}
	status = restore(&a, argc, argv);
	vm_config_release(&a.cfg);
	return status;
}

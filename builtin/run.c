// SPDX-License-Identifier: GPL-2.0
/* `lkvm run`: parse, build the VM, run it, exit with its status. */
#include <lkvm/builtin.h>

#include <lkvm/control.h>
#include <lkvm/log.h>
#include <lkvm/run_options.h>
#include <lkvm/sandbox.h>
#include <lkvm/vm.h>

#include <fcntl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char run_usage_line[] = "lkvm run [<options>] [<kernel image>]";

static void print_usage(FILE *out)
{
	const struct opt *tables[RUN_OPTION_TABLES_MAX];

	run_option_tables(tables, ARRAY_SIZE(tables));
	opt_usage(out, run_usage_line, tables);
}

void run_usage(void)
{
	print_usage(stdout);
}

/* Opened before the VM is built so that a bad path fails fast. */
static int open_dtb_output(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		pr_err("--dump-dtb %s: %s", path, strerror(errno));
	return fd;
}

static int run(struct vm_config *cfg, int argc, char **argv)
{
	struct opt_args args;
	struct vm *vm = NULL;
	int ret, status, dtb_fd = -1;

	ret = run_options_parse(cfg, argc - 1, argv + 1, &args);
	if (ret == OPT_UNKNOWN) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	if (ret != OPT_OK)
		return 1;
	opt_args_free(&args);
	log_set_level(cfg->loglevel);
	pr_debug("run: options parsed");
	if (cfg->sandbox.script)
		return sandbox_main(cfg, &(struct sandbox_request){
						  .script = cfg->sandbox.script });
	if (cfg->sandbox.modules_dir) {
		pr_err("--modules %s: only sandboxes load modules (lkvm sandbox, lkvm run --sandbox)",
		       cfg->sandbox.modules_dir);
		return 1;
	}

	if (!cfg->kernel) {
		pr_err("no kernel to boot: give one with -k/--kernel (or as the first argument)");
		return 1;
	}
	if (!builtin_kernel_readable(cfg->kernel))
		return 1;
	/*
	 * Before the VM is built, so that these fail fast: the --dump-dtb
	 * file, or a name the user chose that another VM has. The default
	 * name holds this process's ID, and control_start() still refuses
	 * it if someone took it: not worth a look-up at every start.
	 */
	if (cfg->dump_dtb) {
		dtb_fd = open_dtb_output(cfg->dump_dtb);
		if (dtb_fd < 0)
			return 1;
	} else if (cfg->name != cfg->default_name &&
		   control_check_name(cfg->name)) {
		return 1;
	}

	ret = vm_create(&vm, cfg);
	if (!ret && cfg->dump_dtb)
		ret = vm_write_dtb(vm, dtb_fd, cfg->dump_dtb);
	if (dtb_fd >= 0)
		close(dtb_fd);
	if (ret || cfg->dump_dtb) {
		vm_destroy(vm);
		return ret ? 1 : 0;
	}
	pr_info("# lkvm run -k %s -m %llu -c %u --name %s", cfg->kernel,
		(unsigned long long)(vm->ram.size >> 20), vm->nr_vcpus,
		cfg->name);
	arch_log_summary(vm);
	vm->exit_follows_run = true;
	status = vm_run(vm);
	/*
	 * Not vm_destroy(): the process ends here, and its exit closes the
	 * VM's descriptors and unmaps guest RAM in fewer instructions than
	 * undoing them one by one (testing.md, "Where start-up time goes").
	 * vm_run() has stopped every thread (or, after the guest's
	 * power-off, left vcpu threads that KVM stopped in KVM_RUN for
	 * this exit), restored the terminal and removed the control
	 * socket; every write is already in the files.
	 */
	pr_debug("exit with status %d: the VM is left to the process's exit",
		 status);
	return status;
}

int cmd_run(int argc, char **argv)
{
	struct vm_config cfg;
	int status;

	if (builtin_wants_help(argc, argv)) {
		run_usage();
		return 0;
	}
	if (vm_config_init(&cfg)) {
		pr_err("out of memory");
		return 1;
	}
	status = run(&cfg, argc, argv);
	vm_config_release(&cfg);
	return status;
}

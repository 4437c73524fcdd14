// SPDX-License-Identifier: GPL-2.0
/* `lkvm COMMAND [ARGS]`: the one table of subcommands and the dispatcher. */
#include <lkvm/builtin.h>

#include <lkvm/crash.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const struct builtin_cmd builtin_cmds[] = {
	{ "debug", "Print the registers of a running VM, or send it a SysRq",
	  cmd_debug, debug_usage },
	/* No function: main() gives `help` this table. */
	{ "help", "Display help information about lkvm", NULL, help_usage },
	{ "list", "Print a list of running VMs", cmd_list, list_usage },
	{ "migrate", "Move a running guest to lkvm restore --incoming, live",
	  cmd_migrate, migrate_usage },
	{ "pause", "Pause running VMs", cmd_pause, pause_usage },
	{ "restore", "Run a snapshot's guest on from where it was",
	  cmd_restore, restore_usage },
	{ "resume", "Resume paused VMs", cmd_resume, resume_usage },
	{ "run", "Start the virtual machine", cmd_run, run_usage },
	{ "sandbox", "Run a command in a guest and exit with its status",
	  cmd_sandbox, sandbox_usage },
	{ "setup", "Create a root directory for sandboxes in $HOME/.lkvm",
	  cmd_setup, setup_usage },
	{ "snapshot", "Save a running VM to a directory",
	  cmd_snapshot, snapshot_usage },
	{ "stop", "Stop running VMs", cmd_stop, stop_usage },
	{ "sve", "Show the SVE vector lengths guests can have; agree on a set across hosts",
	  cmd_sve, sve_usage },
	{ "version", "Print the version of the kernel tree lkvm was built from",
	  cmd_version, version_usage },
	{ NULL, NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "help";
	char *help_argv[] = { "help", NULL };
	int cmd_argc = argc > 1 ? argc - 1 : 1;
	char **cmd_argv = argc > 1 ? argv + 1 : help_argv;

	crash_report_install();
	crash_set_thread_name("lkvm-main");

	if (!strcmp(name, "--help") || !strcmp(name, "-h"))
		name = "help";
	else if (!strcmp(name, "--version"))
		name = "version";

	for (const struct builtin_cmd *c = builtin_cmds; c->name; c++) {
		if (strcmp(c->name, name))
			continue;
		if (!c->fn)
			return cmd_help(cmd_argc, cmd_argv, builtin_cmds);
		return c->fn(cmd_argc, cmd_argv);
	}
	fprintf(stderr, "lkvm: '%s' is not a lkvm-command. See 'lkvm help'.\n",
		name);
	return 1;
}

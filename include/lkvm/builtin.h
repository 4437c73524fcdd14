/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_BUILTIN_H
#define LKVM_BUILTIN_H

#include <stdbool.h>

/*
 * Subcommands. Each gets argv without "lkvm" (argv[0] is its name) and
 * returns the process exit status; only builtins decide to exit.
 */
struct builtin_cmd {
	const char *name;
	const char *summary;
	int (*fn)(int argc, char **argv);
	void (*usage)(void);	/* full help for `lkvm help NAME` */
};

int cmd_run(int argc, char **argv);
/* `lkvm help`, given the table of commands by main(). */
int cmd_help(int argc, char **argv, const struct builtin_cmd *cmds);
int cmd_version(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_pause(int argc, char **argv);
int cmd_resume(int argc, char **argv);
int cmd_debug(int argc, char **argv);
int cmd_sve(int argc, char **argv);
/* `lkvm sve sweep`, dispatched by cmd_sve(). */
int cmd_sve_sweep(int argc, char **argv);
int cmd_sandbox(int argc, char **argv);
int cmd_setup(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_migrate(int argc, char **argv);

void run_usage(void);
void help_usage(void);
void version_usage(void);
void list_usage(void);
void stop_usage(void);
void pause_usage(void);
void resume_usage(void);
void debug_usage(void);
void sve_usage(void);
void sve_sweep_usage(void);
void sandbox_usage(void);
void setup_usage(void);
void snapshot_usage(void);
void restore_usage(void);
void migrate_usage(void);

/* -h or --help among the arguments before any "--". */
bool builtin_wants_help(int argc, char **argv);

/* Prints kvm-unit-tests' "  Fatal: Unable to open kernel" when not. */
bool builtin_kernel_readable(const char *path);

struct vm_config;
struct sandbox_request;
/* Runs a sandbox from parsed options; returns lkvm sandbox's exit status. */
int sandbox_main(struct vm_config *cfg, struct sandbox_request *req);

/* Exit status for a command line lkvm cannot parse (as git and kvmtool). */
#define EXIT_USAGE 129

#endif

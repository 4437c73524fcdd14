/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_BUILTIN_CONTROL_ARGS_H
#define LKVM_BUILTIN_CONTROL_ARGS_H

#include <lkvm/compiler.h>
#include <lkvm/options.h>

/*
 * What the commands that talk to running VMs (list, stop, pause,
 * resume, debug) take: kvmtool's -n NAME / -a, and their own flags.
 */
struct control_args {
	const char *name;	/* -n NAME */
	bool all;		/* -a */
	bool json;
	bool dump;
	const char *sysrq;
};

/* Option handlers; ctx is a struct control_args. */
int control_opt_name(void *ctx, const char *arg);
int control_opt_all(void *ctx, const char *arg);
int control_opt_json(void *ctx, const char *arg);
int control_opt_dump(void *ctx, const char *arg);
int control_opt_sysrq(void *ctx, const char *arg);

#define CONTROL_OPT_NAME                                                  \
	{ OPT_VALUE, 'n', "name", "name", "The VM to act on",             \
	  control_opt_name }
#define CONTROL_OPT_ALL                                                   \
	{ OPT_FLAG, 'a', "all", NULL, "Act on every running VM",          \
	  control_opt_all }

/*
 * Parses argv (argv[0] is the command) into @a with @table; prints the
 * usage for -h/--help and for errors. Returns -1 to go on, or the exit
 * status to return now. With @need_target exactly one of -n and -a must
 * be given.
 */
int control_args_parse(const struct opt *table, const char *usage_line,
		       int argc, char **argv, struct control_args *a,
		       bool need_target);

struct ipc_client;
/*
 * Connects to the VM @name. Returns 0; 1 when -a came across a stale
 * socket (removed; the VM is skipped quietly); -1 after printing the
 * error line.
 */
int control_connect(struct ipc_client *c, const char *name,
		    const struct control_args *a);

/*
 * One request answered by a DONE frame (pause, resume), for one VM:
 * prints "NAME: @changed" or "NAME: @unchanged". Returns 0, or 1 after
 * printing the error line.
 */
int control_simple_request(const char *name, const struct control_args *a,
			   uint16_t type, int timeout_ms, const char *changed,
			   const char *unchanged);

/*
 * Runs @fn for the VM named by -n, or for every running VM with -a
 * (stale sockets are cleaned up and skipped). Returns 0 when every call
 * returned 0, else 1.
 */
int control_for_each(const struct control_args *a,
		     int (*fn)(const char *name, void *ctx), void *ctx);

#endif

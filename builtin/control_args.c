// SPDX-License-Identifier: GPL-2.0
/* -n NAME / -a and the loop over target VMs shared by the control commands. */
#include "control_args.h"

#include <lkvm/builtin.h>
#include <lkvm/ipc_client.h>
#include <lkvm/ipc_path.h>
#include <lkvm/log.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define ARGS(ctx) ((struct control_args *)(ctx))

int control_opt_name(void *ctx, const char *arg)
{
	if (!vm_name_valid(arg)) {
		pr_err("--name '%s': not a VM name (1 to 63 letters, digits, '.', '_' or '-', not starting with '.')",
		       arg);
		return -EINVAL;
	}
	ARGS(ctx)->name = arg;
	return 0;
}

int control_opt_all(void *ctx, const char *arg)
{
	(void)arg;
	ARGS(ctx)->all = true;
	return 0;
}

int control_opt_json(void *ctx, const char *arg)
{
	(void)arg;
	ARGS(ctx)->json = true;
	return 0;
}

int control_opt_dump(void *ctx, const char *arg)
{
	(void)arg;
	ARGS(ctx)->dump = true;
	return 0;
}

int control_opt_sysrq(void *ctx, const char *arg)
{
	unsigned char c = (unsigned char)arg[0];

	if (strlen(arg) != 1 || c < 0x21 || c > 0x7e) {
		pr_err("--sysrq '%s': expected one printable character, the SysRq key (e.g. h for help)",
		       arg);
		return -EINVAL;
	}
	ARGS(ctx)->sysrq = arg;
	return 0;
}

int control_args_parse(const struct opt *table, const char *usage_line,
		       int argc, char **argv, struct control_args *a,
		       bool need_target)
{
	const struct opt *tables[] = { table, NULL };
	struct opt_args args;
	enum opt_status st;
	const char *why = NULL;

	memset(a, 0, sizeof(*a));
	if (builtin_wants_help(argc, argv)) {
		opt_usage(stdout, usage_line, tables);
		return 0;
	}
	st = opt_parse(tables, a, argc - 1, argv + 1, &args);
	if (st == OPT_BAD_VALUE)
		return 1;
	if (st == OPT_OK) {
		if (args.nr_positional || args.saw_dashdash)
			why = "unexpected argument";
		else if (need_target && !a->name && !a->all)
			why = "say which VM: -n NAME, or -a for all";
		else if (a->name && a->all)
			why = "-n and -a exclude each other";
		if (why)
			fprintf(stderr, "  Error: %s%s%s\n", why,
				args.nr_positional ? ": " : "",
				args.nr_positional ? args.positional[0] : "");
		opt_args_free(&args);
	}
	if (st == OPT_UNKNOWN || why) {
		opt_usage(stderr, usage_line, tables);
		return EXIT_USAGE;
	}
	return -1;
}

int control_for_each(const struct control_args *a,
		     int (*fn)(const char *name, void *ctx), void *ctx)
{
	struct ipc_names names;
	int status = 0, ret;

	if (!a->all)
		return fn(a->name, ctx) ? 1 : 0;
	ret = ipc_list_names(&names);
	if (ret) {
		pr_err("cannot list $HOME/.lkvm: %s", strerror(-ret));
		return 1;
	}
	for (size_t i = 0; i < names.nr; i++)
		if (fn(names.names[i], ctx))
			status = 1;
	ipc_names_free(&names);
	return status;
}

int control_connect(struct ipc_client *c, const char *name,
		    const struct control_args *a)
{
	int ret = ipc_client_open(c, name);

	if (!ret)
		return 0;
	if (a->all && (ret == -ECONNREFUSED || ret == -ENOENT)) {
		/* It went away between the directory scan and now. */
		if (ret == -ECONNREFUSED)
			pr_info("%s", c->err);
		ipc_client_close(c);
		return 1;
	}
	pr_err("%s", c->err);
	ipc_client_close(c);
	return -1;
}

int control_simple_request(const char *name, const struct control_args *a,
			   uint16_t type, int timeout_ms, const char *changed,
			   const char *unchanged)
{
	struct ipc_done done;
	struct ipc_client c;
	int ret = control_connect(&c, name, a);

	if (ret)
		return ret < 0;
	ret = ipc_client_call(&c, type, NULL, 0, IPC_REP_DONE, timeout_ms);
	if (!ret && ipc_done_decode(c.rd.payload, c.rd.hdr.len, &done)) {
		snprintf(c.err, sizeof(c.err), "VM '%s' sent a malformed reply",
			 name);
		ret = -EPROTO;
	}
	if (ret)
		pr_err("%s %s: %s", ipc_type_name(type), name, c.err);
	else
		printf("%s: %s\n", name, done.changed ? changed : unchanged);
	ipc_client_close(&c);
	return ret != 0;
}

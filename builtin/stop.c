// SPDX-License-Identifier: GPL-2.0
/* `lkvm stop -n NAME | -a`: stop running VMs as a guest power-off would. */
#include "control_args.h"

#include <lkvm/builtin.h>
#include <lkvm/ipc_client.h>
#include <lkvm/log.h>

#include <stdio.h>

static const char stop_usage_line[] = "lkvm stop [--all] [-n name]";

static const struct opt stop_options[] = {
	CONTROL_OPT_NAME,
	CONTROL_OPT_ALL,
	OPT_TABLE_END,
};

void stop_usage(void)
{
	const struct opt *tables[] = { stop_options, NULL };

	opt_usage(stdout, stop_usage_line, tables);
}

/* Returns once the VM has exited (its end of the connection closed). */
static int stop_one(const char *name, void *ctx)
{
	const struct control_args *a = ctx;
	struct ipc_client c;
	int ret = control_connect(&c, name, a);

	if (ret)
		return ret < 0;
	ret = ipc_client_call(&c, IPC_REQ_STOP, NULL, 0, IPC_REP_DONE,
			      IPC_TIMEOUT_MS);
	ret = ret ?: ipc_client_wait_closed(&c, IPC_EXIT_TIMEOUT_MS);
	if (ret)
		pr_err("stop %s: %s", name, c.err);
	else
		printf("%s: stopped\n", name);
	ipc_client_close(&c);
	return ret != 0;
}

int cmd_stop(int argc, char **argv)
{
	struct control_args a;
	int ret = control_args_parse(stop_options, stop_usage_line, argc, argv,
				     &a, true);

	if (ret >= 0)
		return ret;
	return control_for_each(&a, stop_one, &a);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * `lkvm pause -n NAME | -a`: every vcpu of the VM leaves the guest and
 * waits; the command returns once all of them have.
 */
#include "control_args.h"

#include <lkvm/builtin.h>
#include <lkvm/ipc_client.h>

static const char pause_usage_line[] = "lkvm pause [--all] [-n name]";

static const struct opt pause_options[] = {
	CONTROL_OPT_NAME,
	CONTROL_OPT_ALL,
	OPT_TABLE_END,
};

void pause_usage(void)
{
	const struct opt *tables[] = { pause_options, NULL };

	opt_usage(stdout, pause_usage_line, tables);
}

static int pause_one(const char *name, void *ctx)
{
	return control_simple_request(name, ctx, IPC_REQ_PAUSE, IPC_PAUSE_TIMEOUT_MS, "paused",
				      "already paused");
}

int cmd_pause(int argc, char **argv)
{
	struct control_args a;
	int ret = control_args_parse(pause_options, pause_usage_line, argc,
				     argv, &a, true);

	if (ret >= 0)
		return ret;
	return control_for_each(&a, pause_one, &a);
}

// SPDX-License-Identifier: GPL-2.0
/* `lkvm resume -n NAME | -a`: let the vcpus of paused VMs run again. */
#include "control_args.h"

#include <lkvm/builtin.h>
#include <lkvm/ipc_client.h>

static const char resume_usage_line[] = "lkvm resume [--all] [-n name]";

static const struct opt resume_options[] = {
	CONTROL_OPT_NAME,
	CONTROL_OPT_ALL,
	OPT_TABLE_END,
};

void resume_usage(void)
{
	const struct opt *tables[] = { resume_options, NULL };

	opt_usage(stdout, resume_usage_line, tables);
}

static int resume_one(const char *name, void *ctx)
{
	return control_simple_request(name, ctx, IPC_REQ_RESUME, IPC_TIMEOUT_MS, "resumed",
				      "was not paused");
}

int cmd_resume(int argc, char **argv)
{
	struct control_args a;
	int ret = control_args_parse(resume_options, resume_usage_line, argc,
				     argv, &a, true);

	if (ret >= 0)
		return ret;
	return control_for_each(&a, resume_one, &a);
}

// SPDX-License-Identifier: GPL-2.0
/* The sandbox's options, shared by `lkvm sandbox` and `lkvm run`. */
#include <lkvm/run_options.h>

#define CFG(ctx) ((struct vm_config *)(ctx))

static int set_script(void *ctx, const char *arg)
{
	CFG(ctx)->sandbox.script = arg;
	return 0;
}

static int set_modules(void *ctx, const char *arg)
{
	CFG(ctx)->sandbox.modules_dir = arg;
	return 0;
}

static int set_cold(void *ctx, const char *arg)
{
	(void)arg;
	CFG(ctx)->sandbox.cold = true;
	return 0;
}

const struct opt sandbox_run_options[] = {
	OPT_GROUP_HEADING(" Sandbox options:"),
	{ OPT_VALUE, 0, "sandbox", "script", "Run SCRIPT in the guest and exit with its status (see lkvm sandbox)", set_script },
	{ OPT_VALUE, 0, "modules", "dir", "Kernel modules for a sandbox guest: an installed tree, lib/modules/<release> (default: next to the kernel, then /lib/modules)", set_modules },
	{ OPT_FLAG, 0, "cold", NULL, "Boot the sandbox afresh: no warm template is used or saved", set_cold },
	OPT_TABLE_END,
};

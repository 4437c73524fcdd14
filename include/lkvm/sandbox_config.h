/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_SANDBOX_CONFIG_H
#define LKVM_SANDBOX_CONFIG_H

/*
 * lkvm sandbox's part of the configuration (sandbox/options.c fills the
 * options, sandbox_prepare() the state); all zero for a plain lkvm run.
 */
#include <stdbool.h>

struct sandbox_state;

struct sandbox_config {
	const char *script;		/* lkvm run --sandbox SCRIPT */
	const char *modules_dir;	/* --modules DIR */
	bool cold;			/* --cold: no warm template */
	/* What the sandbox run holds; the channel device reports into it. */
	struct sandbox_state *state;
};

#endif

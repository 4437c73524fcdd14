/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_BUILTIN_RESTORE_INCOMING_H
#define LKVM_BUILTIN_RESTORE_INCOMING_H

#include <lkvm/config.h>
#include <lkvm/restore.h>

/* What `lkvm restore --incoming` was given. */
struct incoming_args {
	struct vm_config *cfg;		/* options; the manifest fills it */
	const struct restore_options *ro;
	const char *addr;		/* --incoming */
	const char *token_file;		/* --token-file, or NULL */
	const char *name;		/* --name, or NULL: the source's */
};

/* Waits for one migration and runs its guest: the exit status. */
int restore_incoming(const struct incoming_args *a);

#endif

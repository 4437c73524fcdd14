/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_CMDLINE_H
#define LKVM_CMDLINE_H

#include <lkvm/compiler.h>

/* The arm64 kernel's COMMAND_LINE_SIZE, terminator included. */
#define GUEST_CMDLINE_MAX 2048

/*
 * Builds the guest kernel command line: lkvm's defaults first (unless
 * --nodefaults), then the user's -p text, so that a user's console= or
 * root= wins. Returns a malloc'ed string or NULL with errno set
 * (E2BIG when it would not fit the kernel's limit).
 */
char *cmdline_build(const char *const *defaults, unsigned int nr_defaults,
		    const char *user);

#endif

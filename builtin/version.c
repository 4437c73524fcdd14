// SPDX-License-Identifier: GPL-2.0
#include <lkvm/builtin.h>

#include <stdio.h>

#ifndef LKVM_VERSION
#define LKVM_VERSION "unknown"
#endif

void version_usage(void)
{
	printf("\n usage: lkvm version\n\n");
}

int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("lkvm version %s\n", LKVM_VERSION);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
#include <lkvm/arch.h>
#include <lkvm/builtin.h>
#include <lkvm/json.h>

#include <stdio.h>
#include <string.h>

#ifndef LKVM_VERSION
#define LKVM_VERSION "unknown"
#endif

void version_usage(void)
{
	printf("\n usage: lkvm version [--json]\n\n"
	       "  --json  the version and what this host's KVM offers guests\n"
	       "          (nested virtualisation), as JSON\n\n");
}

int cmd_version(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--json") && argc == 2) {
		printf("{\n  \"version\": ");
		json_print_string(stdout, LKVM_VERSION);
		arch_host_json(stdout);
		printf("\n}\n");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "lkvm: error: version: unknown argument '%s' (lkvm version [--json])\n",
			argv[1]);
		return 129;
	}
	printf("lkvm version %s\n", LKVM_VERSION);
	return 0;
}

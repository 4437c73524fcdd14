// SPDX-License-Identifier: GPL-2.0
/* `lkvm setup NAME`: a root directory for sandboxes, $HOME/.lkvm/NAME. */
#include <lkvm/builtin.h>

#include <lkvm/sandbox.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void setup_usage(void)
{
	printf("\n usage: lkvm setup <name>\n"
	       "        lkvm setup --clean-cache\n\n"
	       " Creates $HOME/.lkvm/<name>, a root directory for lkvm sandbox -d: the\n"
	       " directories a Linux system needs, /bin, /lib, /usr, ... pointing into\n"
	       " /host (where the guest sees the host's /), and the guest init in\n"
	       " /lkvm/init. lkvm sandbox makes \"default\" by itself when first used.\n\n"
	       " --clean-cache removes lkvm sandbox's warm templates\n"
	       " ($HOME/.lkvm/.templates); the next run of each boots afresh.\n\n");
}

int cmd_setup(int argc, char **argv)
{
	char *path;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		setup_usage();
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--clean-cache")) {
		unsigned int n;

		if (sandbox_template_clean(&n))
			return 1;
		printf("Removed %u warm template%s.\n", n, n == 1 ? "" : "s");
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "  Error: expected one name: lkvm setup <name>\n");
		return EXIT_USAGE;
	}
	if (sandbox_setup_root(argv[1], &path))
		return 1;
	printf("A new root for sandboxes, '%s', is in %s.\n"
	       "Run a command in it with:\n\n"
	       "  lkvm sandbox -k <kernel> -d %s -- <command>\n\n",
	       argv[1], path, path);
	free(path);
	return 0;
}

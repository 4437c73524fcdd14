// SPDX-License-Identifier: GPL-2.0
#include <lkvm/builtin.h>

#include <stdio.h>
#include <string.h>

void help_usage(void)
{
	printf("\n usage: lkvm help [COMMAND]\n\n"
	       " Without COMMAND, lists the commands; with it, shows its options.\n\n");
}

static void list_commands(const struct builtin_cmd *cmds)
{
	printf("\n usage: lkvm [--version] [--help] COMMAND [ARGS]\n\n");
	/* kvm-unit-tests looks for this exact line. */
	printf(" The most commonly used lkvm commands are:\n");
	for (const struct builtin_cmd *c = cmds; c->name; c++)
		printf("   %-11s %s\n", c->name, c->summary);
	printf("\n See 'lkvm help COMMAND' for more information on a specific command.\n\n");
}

int cmd_help(int argc, char **argv, const struct builtin_cmd *cmds)
{
	if (argc < 2) {
		list_commands(cmds);
		return 0;
	}
	for (const struct builtin_cmd *c = cmds; c->name; c++) {
		if (!strcmp(c->name, argv[1])) {
			c->usage();
			return 0;
		}
	}
	fprintf(stderr, "lkvm: error: no such command '%s'. See 'lkvm help'.\n",
		argv[1]);
	return 1;
}

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_OPTIONS_H
#define LKVM_OPTIONS_H

#include <stdio.h>

/*
 * A small table-driven command-line parser in the style of kvmtool's
 * (git's) parse-options: "--opt=v", "--opt v", "-o v" and "-ov" all work,
 * options and positional arguments may be mixed, and "--" ends option
 * parsing. Each module declares its own table; a builtin parses a list of
 * tables so every module owns its options and usage text.
 */

enum opt_kind {
	OPT_END = 0,
	OPT_GROUP,	/* a heading in the usage text */
	OPT_FLAG,	/* takes no argument */
	OPT_VALUE,	/* takes exactly one argument */
};

/*
 * Returns 0, or a negative errno after logging one line that names the
 * option, the value and why it is wrong.
 */
typedef int (*opt_handler)(void *ctx, const char *arg);

struct opt {
	enum opt_kind kind;
	char short_name;
	const char *long_name;
	const char *arg_name;
	const char *help;
	opt_handler handle;
};

#define OPT_GROUP_HEADING(title) { .kind = OPT_GROUP, .help = (title) }
#define OPT_TABLE_END { .kind = OPT_END }

enum opt_status {
	OPT_OK = 0,
	OPT_UNKNOWN = -1,	/* unknown option or missing argument: usage */
	OPT_BAD_VALUE = -2,	/* a handler refused a value (already logged) */
};

struct opt_args {
	int nr_positional;
	char **positional;	/* non-option arguments before "--" */
	int nr_rest;
	char **rest;		/* everything after "--" */
	int saw_dashdash;
};

/*
 * @tables: NULL-terminated list of option tables. @args receives pointers
 * into @argv (its arrays are allocated; free with opt_args_free()).
 * Messages about unknown options go to stderr.
 */
enum opt_status opt_parse(const struct opt *const *tables, void *ctx,
			  int argc, char **argv, struct opt_args *args);
void opt_args_free(struct opt_args *args);

/*
 * The option of @tables that argv[i] names ("--name", "--name=value",
 * "-x", "-xvalue"), or NULL when argv[i] is not one (a positional
 * argument, "--" or an unknown option). *@span is how many entries of
 * @argv it takes as opt_parse() reads them: 2 when its value is the next
 * entry, else 1. For a builtin that passes some options on to another.
 */
const struct opt *opt_lookup(const struct opt *const *tables, int argc,
			     char **argv, int i, int *span);

void opt_usage(FILE *out, const char *usage_line,
	       const struct opt *const *tables);

#endif

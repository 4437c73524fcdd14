// SPDX-License-Identifier: GPL-2.0
#include <lkvm/options.h>

#include <lkvm/log.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const struct opt *find_long(const struct opt *const *tables,
				   const char *name, size_t len)
{
	for (; *tables; tables++) {
		for (const struct opt *o = *tables; o->kind != OPT_END; o++) {
			if (o->kind == OPT_GROUP || !o->long_name)
				continue;
			if (strlen(o->long_name) == len &&
			    !strncmp(o->long_name, name, len))
				return o;
		}
	}
	return NULL;
}

static const struct opt *find_short(const struct opt *const *tables, char c)
{
	for (; *tables; tables++) {
		for (const struct opt *o = *tables; o->kind != OPT_END; o++) {
			if (o->kind != OPT_GROUP && o->short_name == c)
				return o;
		}
	}
	return NULL;
}

static enum opt_status apply(const struct opt *o, void *ctx, const char *arg)
{
	return o->handle(ctx, arg) ? OPT_BAD_VALUE : OPT_OK;
}

/* Parses one "--name[=value]" at argv[*i]; may consume argv[*i + 1]. */
static enum opt_status parse_long(const struct opt *const *tables, void *ctx,
				  int argc, char **argv, int *i)
{
	const char *name = argv[*i] + 2;
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct opt *o = find_long(tables, name, len);

	if (!o) {
		fprintf(stderr, "  Error: Unknown option: %.*s\n", (int)len,
			name);
		return OPT_UNKNOWN;
	}
	if (o->kind == OPT_FLAG) {
		if (eq) {
			fprintf(stderr, "  Error: option `%s' takes no value\n",
				o->long_name);
			return OPT_UNKNOWN;
		}
		return apply(o, ctx, NULL);
	}
	if (eq)
		return apply(o, ctx, eq + 1);
	if (*i + 1 >= argc) {
		fprintf(stderr, "  Error: option `%s' requires a value\n",
			o->long_name);
		return OPT_UNKNOWN;
	}
	return apply(o, ctx, argv[++*i]);
}

/* Parses "-x", "-xVALUE" or "-x VALUE" at argv[*i]. */
static enum opt_status parse_short(const struct opt *const *tables, void *ctx,
				   int argc, char **argv, int *i)
{
	const char *s = argv[*i] + 1;
	const struct opt *o = find_short(tables, s[0]);

	if (!o) {
		fprintf(stderr, "  Error: Unknown switch `%c'\n", s[0]);
		return OPT_UNKNOWN;
	}
	if (o->kind == OPT_FLAG) {
		if (s[1]) {
			fprintf(stderr, "  Error: switch `%c' takes no value\n",
				s[0]);
			return OPT_UNKNOWN;
		}
		return apply(o, ctx, NULL);
	}
	if (s[1])
		return apply(o, ctx, s + 1);
	if (*i + 1 >= argc) {
		fprintf(stderr, "  Error: switch `%c' requires a value\n",
			s[0]);
		return OPT_UNKNOWN;
	}
	return apply(o, ctx, argv[++*i]);
}

const struct opt *opt_lookup(const struct opt *const *tables, int argc,
			     char **argv, int i, int *span)
{
	const char *a = argv[i];
	const struct opt *o = NULL;
	bool attached = false;

	if (a[0] == '-' && a[1] == '-' && a[2]) {
		const char *eq = strchr(a + 2, '=');

		o = find_long(tables, a + 2,
			      eq ? (size_t)(eq - a - 2) : strlen(a + 2));
		attached = eq != NULL;
	} else if (a[0] == '-' && a[1]) {
		o = find_short(tables, a[1]);
		attached = a[2] != '\0';
	}
	*span = o && o->kind == OPT_VALUE && !attached && i + 1 < argc ? 2 : 1;
	return o;
}

enum opt_status opt_parse(const struct opt *const *tables, void *ctx,
			  int argc, char **argv, struct opt_args *args)
{
	enum opt_status st = OPT_OK;

	memset(args, 0, sizeof(*args));
	args->positional = calloc((size_t)argc + 1, sizeof(char *));
	if (!args->positional)
		return OPT_BAD_VALUE;

	for (int i = 0; i < argc && st == OPT_OK; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			args->saw_dashdash = 1;
			args->rest = argv + i + 1;
			args->nr_rest = argc - i - 1;
			break;
		}
		if (a[0] == '-' && a[1] == '-')
			st = parse_long(tables, ctx, argc, argv, &i);
		else if (a[0] == '-' && a[1])
			st = parse_short(tables, ctx, argc, argv, &i);
		else
			args->positional[args->nr_positional++] = argv[i];
	}
	if (st != OPT_OK)
		opt_args_free(args);
	return st;
}

void opt_args_free(struct opt_args *args)
{
	free(args->positional);
	args->positional = NULL;
	args->nr_positional = 0;
}

void opt_usage(FILE *out, const char *usage_line,
	       const struct opt *const *tables)
{
	fprintf(out, "\n usage: %s\n\n", usage_line);
	for (; *tables; tables++) {
		for (const struct opt *o = *tables; o->kind != OPT_END; o++) {
			char left[64];
			int n = 0;

			if (o->kind == OPT_GROUP) {
				fprintf(out, "\n%s\n", o->help);
				continue;
			}
			if (o->short_name)
				n += snprintf(left + n, sizeof(left) - (size_t)n,
					      "-%c%s", o->short_name,
					      o->long_name ? ", " : "");
			else
				n += snprintf(left + n, sizeof(left) - (size_t)n,
					      "    ");
			if (o->long_name)
				n += snprintf(left + n, sizeof(left) - (size_t)n,
					      "--%s", o->long_name);
			if (o->kind == OPT_VALUE && n < (int)sizeof(left))
				snprintf(left + n, sizeof(left) - (size_t)n,
					 " <%s>", o->arg_name ? o->arg_name : "n");
			if (strlen(left) > 24)
				fprintf(out, "    %s\n%30s%s\n", left, "", o->help);
			else
				fprintf(out, "    %-26s%s\n", left, o->help);
		}
	}
	fputc('\n', out);
}

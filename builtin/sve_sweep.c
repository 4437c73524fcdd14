// SPDX-License-Identifier: GPL-2.0
/*
 * `lkvm sve sweep [<sandbox options>] [--sets ...] -- <command> [<args>]`:
 * runs the command in a sandbox once per SVE vector-length set and says
 * at which sets it fails (Documentation/lkvm-sve.txt).
 *
 * Each run is a child `lkvm sandbox --sve-vls=SET` (sve_sweep_run.c):
 * the same isolation and exit statuses as a user's own sandbox run, and
 * nothing here depends on how a sandbox is built. This file reads the
 * command line, checks every argument and every set before the first
 * run, and reports.
 */
#include <lkvm/builtin.h>

#include "sve_sweep_run.h"

#include <lkvm/arch.h>
#include <lkvm/log.h>
#include <lkvm/run_options.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char sweep_usage_line[] =
	"lkvm sve sweep [<sandbox options>] [<sweep options>] -- <command> [<args>...]";

#define OPTS(ctx) ((struct sweep_opts *)(ctx))

static int set_sets(void *ctx, const char *arg)
{
	OPTS(ctx)->sets = arg;
	return 0;
}

static int set_logs(void *ctx, const char *arg)
{
	OPTS(ctx)->logs = arg;
	return 0;
}

static int set_json(void *ctx, const char *arg)
{
	(void)arg;
	OPTS(ctx)->json = true;
	return 0;
}

static int set_keep_going(void *ctx, const char *arg)
{
	(void)arg;
	OPTS(ctx)->fail_fast = false;
	return 0;
}

static int set_fail_fast(void *ctx, const char *arg)
{
	(void)arg;
	OPTS(ctx)->fail_fast = true;
	return 0;
}

static int set_verbose(void *ctx, const char *arg)
{
	(void)arg;
	OPTS(ctx)->verbose = true;
	return 0;
}

static const struct opt sweep_options[] = {
	OPT_GROUP_HEADING(" Sweep options:"),
	{ OPT_VALUE, 0, "sets", "all|max-only|list;list...", "all (default): every set this host can give; max-only: its own; or --sve-vls values separated by ';' (quote them)", set_sets },
	{ OPT_FLAG, 0, "json", NULL, "Print the report as one JSON document", set_json },
	{ OPT_FLAG, 0, "keep-going", NULL, "Run every set whatever fails (default)", set_keep_going },
	{ OPT_FLAG, 0, "fail-fast", NULL, "Stop at the first run that fails", set_fail_fast },
	{ OPT_VALUE, 0, "logs", "dir", "Each run's output in DIR/NN-SET.log (default: a new directory in $TMPDIR or /tmp)", set_logs },
	{ OPT_FLAG, 0, "verbose", NULL, "Also show each run's output on standard error", set_verbose },
	OPT_TABLE_END,
};

static void print_usage(FILE *out)
{
	const struct opt *const tables[] = { sweep_options, NULL };

	opt_usage(out, sweep_usage_line, tables);
	fprintf(out,
		" Runs the command in an `lkvm sandbox` guest once per SVE vector-length\n"
		" set, each with its own --sve-vls, standard input /dev/null and its\n"
		" output in a log file; then prints one row per set and exits 0 when\n"
		" every run exited 0, 1 when one did not, 2 when nothing could be run.\n"
		" Every option of lkvm sandbox but the SVE ones applies to each run.\n\n");
}

void sve_sweep_usage(void)
{
	print_usage(stdout);
}

static bool is_sweep_option(const struct opt *o)
{
	for (const struct opt *s = sweep_options; s->kind != OPT_END; s++)
		if (o == s)
			return true;
	return false;
}

/*
 * Splits the arguments before "--" between the sweep's options (@own)
 * and lkvm sandbox's (@pass), each option with its value. Returns the
 * index of "--", or @argc.
 */
static int split_args(int argc, char **argv, char **own, int *nr_own,
		      char **pass, int *nr_pass)
{
	const struct opt *tables[RUN_OPTION_TABLES_MAX + 1] = { sweep_options };
	int i = 0;

	run_option_tables(tables + 1, RUN_OPTION_TABLES_MAX);
	*nr_own = *nr_pass = 0;
	while (i < argc && strcmp(argv[i], "--")) {
		int span;
		const struct opt *o = opt_lookup(tables, argc, argv, i, &span);
		char **to = o && is_sweep_option(o) ? own : pass;
		int *nr = to == own ? nr_own : nr_pass;

		while (span--)
			to[(*nr)++] = argv[i++];
	}
	return i;
}

/* --logs DIR (made if missing), or a new directory; NULL after an error. */
static char *make_log_dir(const char *want)
{
	const char *tmp = getenv("TMPDIR");
	char *path;

	if (want) {
		if (mkdir(want, 0777) && errno != EEXIST) {
			pr_err("--logs %s: %s", want, strerror(errno));
			return NULL;
		}
		path = strdup(want);
	} else if (asprintf(&path, "%s/lkvm-sweep-XXXXXX",
			    tmp && tmp[0] ? tmp : "/tmp") < 0) {
		path = NULL;
	} else if (!mkdtemp(path)) {
		pr_err("sve sweep: cannot make a log directory %s: %s", path,
		       strerror(errno));
		free(path);
		return NULL;
	}
	if (!path)
		pr_err("sve sweep: out of memory");
	return path;
}

/*
 * lkvm sandbox's arguments checked as it would check them, so that a bad
 * one stops the sweep before any run. Returns 0 or the exit status.
 */
static int check_sandbox_args(int argc, char **argv, int nr_cmd,
			      enum log_level *level)
{
	struct vm_config cfg;
	struct opt_args args;
	const char *vl_option;
	int ret;

	if (vm_config_init(&cfg)) {
		pr_err("sve sweep: out of memory");
		return EXIT_SWEEP_USAGE;
	}
	cfg.loglevel = LOG_WARNING;
	ret = run_options_parse(&cfg, argc, argv, &args);
	if (ret == OPT_UNKNOWN)
		print_usage(stderr);
	if (ret == OPT_OK)
		opt_args_free(&args);
	*level = cfg.loglevel;
	vl_option = arch_config_vl_option(cfg.arch);
	if (ret != OPT_OK) {
		ret = EXIT_SWEEP_USAGE;
	} else if (vl_option) {
		pr_err("sve sweep: %s: each run gets its own --sve-vls; choose them with --sets",
		       vl_option);
		ret = EXIT_SWEEP_USAGE;
	} else if (!nr_cmd && !cfg.sandbox.script) {
		fprintf(stderr, "  Error: no command: %s\n", sweep_usage_line);
		ret = EXIT_SWEEP_USAGE;
	} else if (nr_cmd && cfg.sandbox.script) {
		pr_err("--sandbox %s and a command after --: give one of the two",
		       cfg.sandbox.script);
		ret = EXIT_SWEEP_USAGE;
	}
	vm_config_release(&cfg);
	return ret;
}

/* The sets to run: --sets resolved against this host. Returns 0 or 2. */
static int plan_sets(const char *text, sve_vqset *host,
		     sve_vqset sets[SWEEP_MAX_SETS], unsigned int *nr)
{
	struct sve_host_info info;
	struct sweep_sets parsed;
	char err[SVE_WHY_MAX + SWEEP_ITEM_MAX + 32];
	int ret;

	if (sweep_sets_parse(text, &parsed, err, sizeof(err))) {
		pr_err("--sets=%s: %s", text, err);
		return EXIT_SWEEP_USAGE;
	}
	if (arch_sve_probe_host(&info))
		return EXIT_SWEEP_USAGE;
	if (!info.vqs) {
		pr_err("sve sweep: this host has no SVE for guests (%s): there are no vector lengths to sweep",
		       info.kvm_has_sve ? "KVM reports no vector lengths" :
					  "KVM has no KVM_CAP_ARM_SVE");
		return EXIT_SWEEP_USAGE;
	}
	ret = sweep_sets_resolve(&parsed, info.vqs, sets, err, sizeof(err));
	if (ret < 0) {
		pr_err("%s", err);
		return EXIT_SWEEP_USAGE;
	}
	*host = info.vqs;
	*nr = (unsigned int)ret;
	return 0;
}

/* lkvm sandbox --sve-vls=(each set) PASS... -- CMD...; NULL-terminated. */
static char **child_args(char **pass, int nr_pass, char **cmd, int nr_cmd)
{
	char **argv = calloc((size_t)(nr_pass + nr_cmd) + 5, sizeof(*argv));
	int n = 0;

	if (!argv)
		return NULL;
	argv[n++] = "lkvm";
	argv[n++] = "sandbox";
	n++;	/* SWEEP_CHILD_VLS_ARG */
	for (int i = 0; i < nr_pass; i++)
		argv[n++] = pass[i];
	argv[n++] = "--";
	for (int i = 0; i < nr_cmd; i++)
		argv[n++] = cmd[i];
	return argv;
}

/*
 * The command line: the sweep's options into @sw, lkvm sandbox's into
 * sw->child_argv, both checked. Returns 0 or the exit status.
 */
static int parse_command_line(struct sweep *sw, int argc, char **argv)
{
	const struct opt *const tables[] = { sweep_options, NULL };
	char **own = calloc((size_t)argc, sizeof(*own));
	char **pass = calloc((size_t)argc, sizeof(*pass));
	enum log_level level = LOG_WARNING;
	int nr_own, nr_pass, dashdash, nr_cmd, ret = EXIT_SWEEP_USAGE;
	struct opt_args args;

	if (!own || !pass)
		goto out;
	dashdash = 1 + split_args(argc - 1, argv + 1, own, &nr_own, pass,
				  &nr_pass);
	nr_cmd = dashdash < argc ? argc - dashdash - 1 : 0;
	ret = opt_parse(tables, &sw->opts, nr_own, own, &args);
	if (ret == OPT_UNKNOWN)
		print_usage(stderr);
	if (ret != OPT_OK) {
		ret = EXIT_SWEEP_USAGE;
		goto out;
	}
	opt_args_free(&args);
	ret = check_sandbox_args(nr_pass, pass, nr_cmd, &level);
	if (ret)
		goto out;
	log_set_level(level);
	sw->child_argv = child_args(pass, nr_pass, argv + dashdash + 1, nr_cmd);
	if (!sw->child_argv) {
		pr_err("sve sweep: out of memory");
		ret = EXIT_SWEEP_USAGE;
	}
out:
	free(own);
	free(pass);
	return ret;
}

static int open_logs(struct sweep *sw)
{
	sw->logs = make_log_dir(sw->opts.logs);
	if (!sw->logs)
		return EXIT_SWEEP_USAGE;
	sw->logs_fd = open(sw->logs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sw->logs_fd < 0) {
		pr_err("--logs %s: %s", sw->logs, strerror(errno));
		return EXIT_SWEEP_USAGE;
	}
	return 0;
}

/* Runs every set, then reports; returns the sweep's exit status. */
static int run_and_report(struct sweep *sw, sve_vqset host,
			  const sve_vqset *sets, unsigned int nr)
{
	struct sweep_run *runs = calloc(nr, sizeof(*runs));
	struct sweep_report report = {
		.host = host, .logs = sw->logs, .runs = runs, .nr = nr,
	};
	int status;

	if (!runs) {
		pr_err("sve sweep: out of memory");
		return EXIT_SWEEP_USAGE;
	}
	for (unsigned int i = 0; i < nr; i++)
		runs[i].set = sets[i];
	sw->tty = isatty(STDERR_FILENO);
	report.interrupted = sweep_run_all(sw, runs, nr);
	if (sw->opts.json)
		sweep_print_json(stdout, &report);
	else
		sweep_print_table(stdout, &report);
	status = sweep_exit_status(&report);
	free(runs);
	return status;
}

int cmd_sve_sweep(int argc, char **argv)
{
	struct sweep sw = { .opts.sets = "all", .logs_fd = -1, .sigfd = -1 };
	sve_vqset host, sets[SWEEP_MAX_SETS];
	unsigned int nr = 0;
	int ret;

	if (builtin_wants_help(argc, argv)) {
		sve_sweep_usage();
		return 0;
	}
	ret = parse_command_line(&sw, argc, argv);
	if (!ret)
		ret = plan_sets(sw.opts.sets, &host, sets, &nr);
	if (!ret)
		ret = open_logs(&sw);
	if (!ret)
		ret = sweep_take_over_signals(&sw);
	if (!ret)
		ret = run_and_report(&sw, host, sets, nr);
	if (sw.sigfd >= 0)
		close(sw.sigfd);
	if (sw.logs_fd >= 0)
		close(sw.logs_fd);
	free(sw.logs);
	free(sw.child_argv);
	return ret;
}

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_SVE_SWEEP_H
#define LKVM_SVE_SWEEP_H

#include <lkvm/sve_vls.h>

#include <stdio.h>

/*
 * `lkvm sve sweep`: one `lkvm sandbox` run per SVE vector-length set.
 * The pure parts live here: which sets (--sets), what a run's wait
 * status means, the last line of its output, and the report (table or
 * JSON). builtin/sve_sweep.c starts the runs.
 */

/* Bounds on --sets: items in one list, characters in one item. */
#define SWEEP_MAX_SETS 32
#define SWEEP_ITEM_MAX 128

enum sweep_sets_kind {
	SWEEP_SETS_ALL,		/* every set the host can give, lowest first */
	SWEEP_SETS_MAX_ONLY,	/* the host's own set */
	SWEEP_SETS_LIST,	/* --sve-vls values separated by ';' */
};

struct sweep_sets {
	enum sweep_sets_kind kind;
	unsigned int nr;			/* SWEEP_SETS_LIST */
	struct sve_spec specs[SWEEP_MAX_SETS];
	char items[SWEEP_MAX_SETS][SWEEP_ITEM_MAX];	/* as written */
};

/*
 * Parses "all", "max-only" or "LIST;LIST...", each LIST parsed as
 * --sve-vls parses it. Returns 0, or -EINVAL with @err naming the wrong
 * item and why (sve_spec_parse()'s words for a bad LIST).
 */
int sweep_sets_parse(const char *text, struct sweep_sets *s, char *err,
		     size_t err_len);

/*
 * The sets to run on a host offering @host (not 0), in order; 0 in @out
 * is "off". Returns how many, or -EINVAL with @why: sve_spec_resolve()'s
 * refusal of the first item the host cannot give.
 */
int sweep_sets_resolve(const struct sweep_sets *s, sve_vqset host,
		       sve_vqset out[SWEEP_MAX_SETS], char *why,
		       size_t why_len);

/* The last non-blank line of a run's output, kept as it streams past. */
#define SWEEP_LINE_MAX 200

struct sweep_last_line {
	char last[SWEEP_LINE_MAX + 1];	/* the last complete non-blank line */
	char cur[SWEEP_LINE_MAX + 1];	/* the line being written */
	size_t cur_len;
};

/*
 * Feeds @len bytes of output. Lines end at '\n' or '\r'; each keeps its
 * first SWEEP_LINE_MAX bytes, with anything but printable ASCII shown as
 * '?' (a tab as a space), so it is safe on a terminal and in JSON.
 */
void sweep_last_line_feed(struct sweep_last_line *l, const char *buf,
			  size_t len);
/* The unfinished line if it is not blank, else the last complete one. */
const char *sweep_last_line(const struct sweep_last_line *l);

enum sweep_result {
	SWEEP_NOT_RUN,
	SWEEP_PASS,
	SWEEP_FAIL,
};

struct sweep_run {
	sve_vqset set;			/* 0: --sve-vls=off */
	enum sweep_result result;
	int exit_status;		/* lkvm sandbox's; -1 when it was killed */
	int signal;			/* that killed it, or that 128 + N names */
	double seconds;
	struct sweep_last_line output;
};

/*
 * Fills @run's result from how lkvm sandbox ended: with exit status @code,
 * or @killed by signal @code. (Callers decode the wait status: here,
 * <sys/wait.h> would bring the kernel's own SVE_NR_VQS through
 * <signal.h>.)
 */
void sweep_run_classify(struct sweep_run *run, bool killed, int code);
/* "exit 0", "exit 137 (SIGKILL)", "exit 125 (not started)", "not run"... */
void sweep_run_status_text(const struct sweep_run *run, char *buf,
			   size_t len);
/* @set as a --sve-vls value: "128,256", or "off" for 0. */
const char *sweep_set_text(sve_vqset set, char *buf, size_t len);
/* The run's log file name in the log directory: "01-128,256.log". */
void sweep_log_name(unsigned int index, sve_vqset set, char *buf, size_t len);
/* "SIGKILL", or "signal 40" for one without a name. */
void sweep_signal_name(int sig, char *buf, size_t len);

#define SWEEP_FORMAT "lkvm-sve-sweep"
#define SWEEP_VERSION 1

struct sweep_report {
	sve_vqset host;
	const char *logs;		/* the log directory */
	const struct sweep_run *runs;
	unsigned int nr;
	int interrupted;		/* the signal that stopped the sweep */
};

/* One row per run, then a summary (Documentation/lkvm-sve.txt). */
void sweep_print_table(FILE *f, const struct sweep_report *r);
/* The same as one JSON document (Documentation/sve.md). */
void sweep_print_json(FILE *f, const struct sweep_report *r);
/* 0 when every run passed, 1 when not, 128 + N when signal N stopped it. */
int sweep_exit_status(const struct sweep_report *r);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_BUILTIN_SVE_SWEEP_RUN_H
#define LKVM_BUILTIN_SVE_SWEEP_RUN_H

#include <lkvm/sve_sweep.h>

#include <signal.h>

/*
 * `lkvm sve sweep`: sve_sweep.c reads the command line and reports;
 * sve_sweep_run.c runs the sets, each as a child `lkvm sandbox`.
 */

/* Bad usage, impossible sets, a host without SVE: nothing was run. */
#define EXIT_SWEEP_USAGE 2

struct sweep_opts {
	const char *sets;
	const char *logs;
	bool json;
	bool fail_fast;
	bool verbose;
};

/* What every run shares. */
struct sweep {
	struct sweep_opts opts;
	char **child_argv;	/* lkvm sandbox --sve-vls=SET OPTIONS -- CMD */
	char *logs;		/* the log directory */
	int logs_fd;
	int sigfd;		/* SIGINT, SIGTERM, SIGHUP and SIGCHLD */
	sigset_t old_mask;	/* what the children get back */
	bool tty;		/* standard error is a terminal */
};

/* The slot of child_argv that each run fills with its --sve-vls=SET. */
#define SWEEP_CHILD_VLS_ARG 2

/*
 * Blocks the signals the sweep handles itself and opens sw->sigfd.
 * Returns 0, or EXIT_SWEEP_USAGE after an error line.
 */
int sweep_take_over_signals(struct sweep *sw);

/*
 * Runs runs[0..@nr) in order, each at its set, filling in its outcome.
 * Returns the signal that stopped the sweep (passed on to the run in
 * progress), or 0.
 */
int sweep_run_all(struct sweep *sw, struct sweep_run *runs, unsigned int nr);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_RUN_OPTIONS_H
#define LKVM_RUN_OPTIONS_H

#include <lkvm/config.h>
#include <lkvm/options.h>

/*
 * `lkvm run`'s options come from several owners: the generic ones
 * (core/run_options.c), the architecture's vcpu and interrupt
 * controller options (arm/options.c) and each device model's.
 * Handlers take a struct vm_config *.
 */
extern const struct opt core_run_options[];
/* The generic options that also apply to `lkvm restore`. */
extern const struct opt core_restore_options[];
extern const struct opt arch_run_options[];
extern const struct opt sandbox_run_options[];

#define RUN_OPTION_TABLES_MAX 32

/* Fills @tables with every table `lkvm run` accepts, NULL-terminated. */
void run_option_tables(const struct opt **tables, size_t max);

/*
 * Parses `lkvm run` arguments (without "run") into @cfg: options, then
 * the first positional argument as the kernel when -k is absent; other
 * positional arguments are refused. Returns OPT_OK, OPT_UNKNOWN (print
 * usage) or OPT_BAD_VALUE (already explained).
 */
int run_options_parse(struct vm_config *cfg, int argc, char **argv,
		      struct opt_args *args);

#endif

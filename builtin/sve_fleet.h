/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_BUILTIN_SVE_FLEET_H
#define LKVM_BUILTIN_SVE_FLEET_H

#include <lkvm/sve_features.h>

/* `lkvm sve` for fleets (sve_fleet.c); sve.c reads the command lines. */

/* probe --nfd: the labels into @target, a directory or a file; 0 or -errno. */
int sve_probe_nfd(const struct sve_host_info *info, const char *target);

/* check --profile: exit status 0 (possible), 1 (not, why) or 2 (bad file, no KVM). */
int sve_check_profile(const char *path);

/*
 * common --profile: the profile of hosts @probes (@paths, for messages)
 * whose common set is @set, written to @out. 0 or -errno after saying why.
 */
int sve_write_fleet_profile(const char *out, char **paths,
			    const struct sve_probe_result *probes, int nr,
			    sve_vqset set);

#endif

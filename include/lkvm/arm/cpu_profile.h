/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_ARM_CPU_PROFILE_H
#define LKVM_ARM_CPU_PROFILE_H

#include <lkvm/sve_features.h>

/*
 * CPU profiles on a vcpu (arm/cpu_profile.c): reading the SVE/SME ID
 * registers KVM shows a guest, and lowering them to a profile's floor
 * through KVM's writable ID registers (Linux 6.7 and later) before the
 * first KVM_RUN. KVM keeps these registers per VM: lowering them on one
 * vcpu lowers them for all.
 */

/* The registers of an initialised vcpu: 0 or -errno after logging. */
int arm_sve_id_regs_read(int vcpu_fd, uint64_t regs[SVE_NR_ID_REGS]);

/*
 * Shows the guest @floor: 0, 1 when this host cannot (@why names the
 * field, the value wanted and the value possible), or -errno with @why.
 */
int arm_cpu_profile_apply(int vm_fd, int vcpu_fd,
			  const struct sve_features *floor, char *why,
			  size_t why_len);

#endif

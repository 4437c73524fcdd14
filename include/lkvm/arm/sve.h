/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_ARM_SVE_H
#define LKVM_ARM_SVE_H

#include <lkvm/arm/arm.h>
#include <lkvm/sve_vls.h>

struct vcpu;
struct vm;

/* Whether vcpus get the SVE feature bit, from --sve-vls/--sve-max-vl. */
enum feature_choice sve_feature_choice(const struct arch_config *cfg);

/* Logs why the configured SVE set is impossible on a host without SVE. */
void sve_explain_unavailable(const struct arch_config *cfg);

/*
 * After KVM_ARM_VCPU_INIT with SVE. On vcpu 0, before any other vcpu
 * exists: read the host's set from KVM_REG_ARM64_SVE_VLS and resolve the
 * configuration against it (refusing impossible sets with the
 * explanation). On every vcpu: write the set, KVM_ARM_VCPU_FINALIZE(SVE),
 * read it back and check KVM kept it.
 */
int sve_vcpu_configure(struct vcpu *vcpu);

/* Says at info level which set the guest got and what the host offered. */
void sve_log_choice(const struct vm *vm);


#endif

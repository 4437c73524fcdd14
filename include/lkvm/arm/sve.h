/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_ARM_SVE_H
#define LKVM_ARM_SVE_H

#include <lkvm/config.h>

struct vcpu;

/* Whether vcpus get the SVE feature bit, from the configuration. */
enum feature_choice sve_feature_choice(const struct vm_config *cfg);

/*
 * After KVM_ARM_VCPU_INIT with SVE: write the vector-length set and
 * finalize (KVM_ARM_VCPU_FINALIZE(KVM_ARM_VCPU_SVE)).
 */
int sve_vcpu_configure(struct vcpu *vcpu);

#endif

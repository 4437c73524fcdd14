/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_ARM_ARM_H
#define LKVM_ARM_ARM_H

#include <lkvm/compiler.h>

/* Interfaces shared between the files of arm/. */

struct vm;
struct vcpu;

#define ARM_MAX_VCPUS_GICV2 8U
/* GIC interrupt IDs 0-31 are SGIs and PPIs; SPIs start at 32. */
#define GIC_SPI_BASE 32U

/* Interrupt controller (arm/gic.c). */
int gic_create(struct vm *vm);
int gic_finalize(struct vm *vm);
unsigned int arm_gic_nr_irqs(const struct vm *vm);
const char *gic_name(int kind);

/* vcpu features (arm/vcpu.c). */
int vcpu_features_resolve(struct vm *vm);
int vcpu_features_finalize(struct vm *vm);
/* "psci-0.2, sve, pmu" for messages. */
void vcpu_features_describe(const uint32_t *features, char *buf, size_t len);
bool vcpu_has_feature(const struct vm *vm, unsigned int bit);
int vcpu_set_boot_regs(struct vcpu *vcpu, uint64_t pc, uint64_t x0);

/* One-register access (arm/regs.c); return 0 or -errno. */
int vcpu_get_reg(struct vcpu *vcpu, uint64_t id, void *val);
int vcpu_set_reg(struct vcpu *vcpu, uint64_t id, const void *val);
int vcpu_get_reg64(struct vcpu *vcpu, uint64_t id, uint64_t *val);
int vcpu_set_reg64(struct vcpu *vcpu, uint64_t id, uint64_t val);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_ARM_ID_REGS_H
#define LKVM_ARM_ID_REGS_H

#include <lkvm/compiler.h>

#include <linux/ioctl.h>

/*
 * Feature ID registers (op0 3, CRn 0, op1 0, 1 or 3): what a guest sees
 * of the CPU's features. KVM 6.7 and later let userspace lower the
 * writable fields before the first KVM_RUN (KVM_ARM_GET_REG_WRITABLE_MASKS
 * says which); older KVMs take only the value they already have.
 */

/* Not in Debian 12's 6.1 headers: the values from KVM's uapi. */
#ifndef KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES
#define KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES 230
#endif
#define ARM_FEATURE_ID_SPACE_SIZE (3 * 8 * 8)
struct arm_reg_mask_range {
	uint64_t addr;		/* user address of ARM_FEATURE_ID_SPACE_SIZE u64 */
	uint32_t range;		/* 0: the feature ID registers */
	uint32_t reserved[13];
};
#define ARM_KVM_GET_REG_WRITABLE_MASKS \
	_IOR(0xAE, 0xb6, struct arm_reg_mask_range)

/* A feature ID register KVM lists (MPIDR_EL1, per vcpu, is not one). */
bool arm_is_id_reg(uint64_t id);
/*
 * One that names the CPU rather than its features (CRm 0: MIDR_EL1,
 * REVIDR_EL1, CTR_EL0, CLIDR_EL1, AIDR_EL1, ...): its fields have no
 * order, a guest either sees the host's value or one KVM lets be set.
 */
bool arm_id_reg_names_cpu(uint64_t id);
/* Its place in KVM's array of writable masks, or -1. */
int arm_id_reg_mask_index(uint64_t id);

/*
 * Whether a host whose register reads @host, with @writable the bits KVM
 * lets userspace write, can show the guest @guest: every 4-bit field that
 * differs must be writable and lower in @guest. Returns 0, -EPERM (a
 * differing field KVM does not let be written) or -ERANGE (the guest saw
 * more than the host has), with the field's lowest bit in @field.
 */
int arm_id_reg_lowerable(uint64_t guest, uint64_t host, uint64_t writable,
			 unsigned int *field);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_ARM_REG_ID_H
#define LKVM_ARM_REG_ID_H

#include <lkvm/compiler.h>

/*
 * arm64 KVM register IDs (Documentation/virt/kvm/api.rst, "KVM_SET_ONE_REG"
 * and the arm64 part of KVM_GET_REG_LIST), decoded by pure functions:
 *
 *   63..56 arch (KVM_REG_ARM64)   55..52 size: 1 << n bytes
 *   31..16 coprocessor group      15..0  group-specific index
 *
 * Groups: core (struct kvm_regs, index in 32-bit words), demultiplexed
 * (CCSIDR), system registers (op0 op1 CRn CRm op2), firmware
 * pseudo-registers, SVE (Z, P, FFR in slices, and the VLS
 * pseudo-register), firmware feature bitmaps.
 */
enum arm_reg_group {
	ARM_REG_CORE,
	ARM_REG_DEMUX,
	ARM_REG_SYSREG,
	ARM_REG_FW,
	ARM_REG_SVE,
	ARM_REG_FW_BMAP,
	ARM_REG_UNKNOWN,
};

enum arm_sve_kind {
	ARM_SVE_Z,
	ARM_SVE_P,
	ARM_SVE_FFR,
	ARM_SVE_VLS,
};

struct arm_reg_id {
	enum arm_reg_group group;
	unsigned int size;		/* bytes, from the size field */
	unsigned int index;		/* the low 16 bits */
	/* ARM_REG_SYSREG */
	uint8_t op0, op1, crn, crm, op2;
	/* ARM_REG_SVE */
	enum arm_sve_kind sve;
	unsigned int sve_n;		/* Zn / Pn */
	unsigned int sve_slice;
};

/*
 * Decodes @id. Returns 0, or -EINVAL for an ID that is not a well-formed
 * arm64 register ID (other architecture, or a size or index its group
 * cannot have); @r is filled as far as it could be.
 */
int arm_reg_id_decode(uint64_t id, struct arm_reg_id *r);

/* The size field: bytes of the value KVM_GET_ONE_REG writes. */
unsigned int arm_reg_id_size(uint64_t id);

/*
 * How many of an SVE register's bytes hold state for a vcpu whose
 * longest vector is @max_vq x 128 bits: Z 16 * max_vq, P and FFR
 * 2 * max_vq, the VLS register all of it. @max_vq 0 (unknown) or
 * non-SVE registers: the ID's size.
 */
unsigned int arm_reg_shown_size(const struct arm_reg_id *r,
				unsigned int max_vq);

/*
 * The name a register is known by ("X0", "SCTLR_EL1", "Z3", "CCSIDR[2]",
 * "PSCI_VERSION"), or "" when lkvm has none. Always fills @encoding for
 * system registers ("S3_0_C1_C0_0").
 */
void arm_reg_name(uint64_t id, char *name, size_t name_len, char *encoding,
		  size_t enc_len);

#endif

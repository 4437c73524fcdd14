// SPDX-License-Identifier: GPL-2.0
/*
 * The feature ID registers a guest sees (ID_AA64PFR0_EL1, ID_AA64ZFR0_EL1,
 * ...), as pure functions: which KVM register IDs they are, and whether a
 * host whose registers read @host can show a guest @guest instead, by
 * writing them (KVM 6.7+ lets userspace lower writable fields before the
 * first KVM_RUN; it never lets them rise above what the host has).
 */
#include <lkvm/arm/id_regs.h>

#include <lkvm/arm/reg_id.h>

#include <asm/kvm.h>
#include <errno.h>

bool arm_is_id_reg(uint64_t id)
{
	struct arm_reg_id r;

	if (arm_reg_id_decode(id, &r) || r.group != ARM_REG_SYSREG)
		return false;
	if (r.op0 != 3 || r.crn != 0 || (r.op1 != 0 && r.op1 != 1 &&
					  r.op1 != 3))
		return false;
	/* MPIDR_EL1 is each vcpu's own, not a feature of the machine. */
	return !(r.op1 == 0 && r.crm == 0 && r.op2 == 5);
}

bool arm_id_reg_names_cpu(uint64_t id)
{
	struct arm_reg_id r;

	return arm_is_id_reg(id) && !arm_reg_id_decode(id, &r) && r.crm == 0;
}

int arm_id_reg_mask_index(uint64_t id)
{
	struct arm_reg_id r;
	unsigned int op1;

	if (!arm_is_id_reg(id) || arm_reg_id_decode(id, &r))
		return -1;
	op1 = r.op1 == 3 ? 2 : r.op1;
	return (int)(op1 << 6 | (r.crm & 7U) << 3 | (r.op2 & 7U));
}

int arm_id_reg_lowerable(uint64_t guest, uint64_t host, uint64_t writable,
			 unsigned int *field)
{
	uint64_t diff = guest ^ host;

	for (unsigned int shift = 0; shift < 64; shift += 4) {
		uint64_t m = 0xfULL << shift;

		if (!(diff & m))
			continue;
		*field = shift;
		if ((m & writable) != m)
			return -EPERM;	/* KVM does not let it be written */
		if ((guest & m) > (host & m))
			return -ERANGE;	/* more than the host has */
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/* KVM_{GET,SET}_ONE_REG and the register dump after an unexpected exit. */
#include <lkvm/arm/arm.h>

#include <lkvm/kvm.h>
#include <lkvm/vm.h>

#include <asm/kvm.h>
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>

#define CORE_REG(field)                                         \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
	 (offsetof(struct kvm_regs, field) / sizeof(__u32)))

int vcpu_get_reg(struct vcpu *vcpu, uint64_t id, void *val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)val };
	int ret = kvm_ioctl(vcpu->fd, KVM_GET_ONE_REG, &reg);

	return ret < 0 ? ret : 0;
}

int vcpu_set_reg(struct vcpu *vcpu, uint64_t id, const void *val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)val };
	int ret = kvm_ioctl(vcpu->fd, KVM_SET_ONE_REG, &reg);

	return ret < 0 ? ret : 0;
}

int vcpu_get_reg64(struct vcpu *vcpu, uint64_t id, uint64_t *val)
{
	return vcpu_get_reg(vcpu, id, val);
}

int vcpu_set_reg64(struct vcpu *vcpu, uint64_t id, uint64_t val)
{
	return vcpu_set_reg(vcpu, id, &val);
}

/* PSTATE for entry: EL1h with D, A, I and F masked (the boot protocol). */
#define BOOT_PSTATE (PSR_MODE_EL1h | PSR_D_BIT | PSR_A_BIT | PSR_I_BIT | \
		     PSR_F_BIT)

int vcpu_set_boot_regs(struct vcpu *vcpu, uint64_t pc, uint64_t x0)
{
	const struct {
		uint64_t id;
		uint64_t val;
		const char *name;
	} regs[] = {
		{ CORE_REG(regs.pstate), BOOT_PSTATE, "PSTATE" },
		{ CORE_REG(regs.regs[0]), x0, "X0" },
		{ CORE_REG(regs.regs[1]), 0, "X1" },
		{ CORE_REG(regs.regs[2]), 0, "X2" },
		{ CORE_REG(regs.regs[3]), 0, "X3" },
		{ CORE_REG(regs.pc), pc, "PC" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(regs); i++) {
		int ret = vcpu_set_reg64(vcpu, regs[i].id, regs[i].val);

		if (ret) {
			pr_err("vcpu %u: setting %s (KVM_SET_ONE_REG) failed: %s",
			       vcpu->id, regs[i].name, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static const struct {
	const char *name;
	uint64_t id;
} dump_sysregs[] = {
	{ "SCTLR_EL1", ARM64_SYS_REG(3, 0, 1, 0, 0) },
	{ "TCR_EL1", ARM64_SYS_REG(3, 0, 2, 0, 2) },
	{ "TTBR0_EL1", ARM64_SYS_REG(3, 0, 2, 0, 0) },
	{ "TTBR1_EL1", ARM64_SYS_REG(3, 0, 2, 0, 1) },
	{ "ESR_EL1", ARM64_SYS_REG(3, 0, 5, 2, 0) },
	{ "FAR_EL1", ARM64_SYS_REG(3, 0, 6, 0, 0) },
	{ "VBAR_EL1", ARM64_SYS_REG(3, 0, 12, 0, 0) },
	{ "MPIDR_EL1", ARM64_SYS_REG(3, 0, 0, 0, 5) },
};

void arch_vcpu_dump(struct vcpu *vcpu, int fd)
{
	uint64_t v, pc = 0, pstate = 0, sp = 0, sp_el1 = 0, elr = 0;

	dprintf(fd, "\n  vcpu %u registers:\n", vcpu->id);
	vcpu_get_reg64(vcpu, CORE_REG(regs.pc), &pc);
	vcpu_get_reg64(vcpu, CORE_REG(regs.pstate), &pstate);
	vcpu_get_reg64(vcpu, CORE_REG(regs.sp), &sp);
	vcpu_get_reg64(vcpu, CORE_REG(sp_el1), &sp_el1);
	vcpu_get_reg64(vcpu, CORE_REG(elr_el1), &elr);
	dprintf(fd, "  PC     0x%016llx  PSTATE  0x%016llx\n",
		(unsigned long long)pc, (unsigned long long)pstate);
	dprintf(fd, "  SP_EL0 0x%016llx  SP_EL1  0x%016llx  ELR_EL1 0x%016llx\n",
		(unsigned long long)sp, (unsigned long long)sp_el1,
		(unsigned long long)elr);
	for (int i = 0; i < 31; i++) {
		v = 0;
		vcpu_get_reg64(vcpu, CORE_REG(regs.regs[i]), &v);
		dprintf(fd, "  X%-2d 0x%016llx%s", i, (unsigned long long)v,
			i % 3 == 2 || i == 30 ? "\n" : "");
	}
	for (size_t i = 0; i < ARRAY_SIZE(dump_sysregs); i++) {
		v = 0;
		if (!vcpu_get_reg64(vcpu, dump_sysregs[i].id, &v))
			dprintf(fd, "  %-9s 0x%016llx%s", dump_sysregs[i].name,
				(unsigned long long)v, i % 2 ? "\n" : "");
	}
	dprintf(fd, "\n");
}

// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_{GET,SET}_ONE_REG, the boot registers, and reading the whole
 * register file (KVM_GET_REG_LIST) for the dumps.
 */
#include <lkvm/arm/arm.h>

#include <lkvm/arm/nested.h>
#include <lkvm/arm/reg_id.h>

#include <lkvm/kvm.h>
#include <lkvm/reg_set.h>
#include <lkvm/vm.h>

#include <asm/kvm.h>
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
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

/*
 * PSTATE for entry: D, A, I and F masked, at EL1h, or at EL2h for a vcpu
 * with EL2 (the boot protocol prefers EL2 where there is one: the kernel
 * then owns the hypervisor level).
 */
#define BOOT_DAIF (PSR_D_BIT | PSR_A_BIT | PSR_I_BIT | PSR_F_BIT)

int vcpu_set_boot_regs(struct vcpu *vcpu, uint64_t pc, uint64_t x0)
{
	const struct {
		uint64_t id;
		uint64_t val;
		const char *name;
	} regs[] = {
		{ CORE_REG(regs.pstate),
		  BOOT_DAIF | (vcpu_has_feature(vcpu->vm, KVM_ARM_VCPU_HAS_EL2) ?
				       PSR_MODE_EL2h :
				       PSR_MODE_EL1h),
		  "PSTATE" },
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

/* KVM_GET_REG_LIST: asks for the count first, then the IDs. */
int vcpu_reg_list(struct vcpu *vcpu, struct kvm_reg_list **out)
{
	struct kvm_reg_list probe = { .n = 0 }, *list = NULL;
	int ret = kvm_ioctl(vcpu->fd, KVM_GET_REG_LIST, &probe);

	/* The list can only grow between calls if KVM changes under us. */
	for (int tries = 0; ret == -E2BIG && tries < 3; tries++) {
		struct kvm_reg_list *l;

		l = realloc(list, sizeof(*l) + probe.n * sizeof(l->reg[0]));
		if (!l) {
			ret = -ENOMEM;
			break;
		}
		list = l;
		list->n = probe.n;
		ret = kvm_ioctl(vcpu->fd, KVM_GET_REG_LIST, list);
		probe.n = list->n;
	}
	if (ret < 0) {
		free(list);
		pr_err("vcpu %u: KVM_GET_REG_LIST failed: %s", vcpu->id,
		       strerror(-ret));
		return ret;
	}
	if (!list)	/* no registers at all: an empty list */
		list = calloc(1, sizeof(*list));
	*out = list;
	return list ? 0 : -ENOMEM;
}

/*
 * The longest vector this vcpu has, from its own VLS pseudo-register
 * (0 without SVE): SVE registers are shown at that length, not at the
 * 2048 bits their IDs can hold.
 */
static unsigned int vcpu_max_vq(struct vcpu *vcpu,
				const struct kvm_reg_list *list)
{
	uint64_t vls[KVM_ARM64_SVE_VLS_WORDS] = { 0 };

	for (uint64_t i = 0; i < list->n; i++) {
		if (list->reg[i] != KVM_REG_ARM64_SVE_VLS)
			continue;
		if (vcpu_get_reg(vcpu, KVM_REG_ARM64_SVE_VLS, vls))
			return 0;
		return sve_vqset_max_vq((sve_vqset)(vls[0] & SVE_VQSET_ALL));
	}
	return 0;
}

int arch_vcpu_read_regs(struct vcpu *vcpu, struct reg_set *set)
{
	struct kvm_reg_list *list;
	unsigned int max_vq;
	int ret = vcpu_reg_list(vcpu, &list);

	if (ret)
		return ret;
	max_vq = vcpu_max_vq(vcpu, list);
	for (uint64_t i = 0; !ret && i < list->n; i++) {
		uint8_t val[REG_VALUE_MAX] __attribute__((aligned(16)));
		struct arm_reg_id r;
		int err;

		/* An ID lkvm cannot size is listed as unreadable, not read. */
		if (arm_reg_id_decode(list->reg[i], &r) ||
		    r.size > sizeof(val)) {
			ret = reg_set_add(set, list->reg[i], NULL, 0, EINVAL);
			continue;
		}
		err = vcpu_get_reg(vcpu, list->reg[i], val);
		if (err)
			ret = reg_set_add(set, list->reg[i], NULL, 0,
					  (uint16_t)-err);
		else
			ret = reg_set_add(set, list->reg[i], val,
					  (uint16_t)arm_reg_shown_size(&r,
								       max_vq),
					  0);
	}
	free(list);
	if (ret)
		pr_err("vcpu %u: reading registers: %s", vcpu->id,
		       strerror(-ret));
	return ret;
}

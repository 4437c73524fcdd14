// SPDX-License-Identifier: GPL-2.0
/*
 * CPU profiles on arm64: the SVE/SME ID register fields a vcpu shows,
 * lowered to a fleet's floor before the guest first runs, and `lkvm sve
 * check --profile` on a scratch VM.
 */
#include <lkvm/arm/cpu_profile.h>

#include <lkvm/arch.h>
#include <lkvm/arm/arm.h>
#include <lkvm/arm/id_regs.h>
#include <lkvm/kvm.h>
#include <lkvm/log.h>

#include <asm/kvm.h>
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static uint64_t reg_id(enum sve_id_reg r)
{
	return ARM64_SYS_REG(3, 0, 0, sve_id_regs[r].crm, sve_id_regs[r].op2);
}

int arm_sve_id_regs_read(int vcpu_fd, uint64_t regs[SVE_NR_ID_REGS])
{
	for (unsigned int r = 0; r < SVE_NR_ID_REGS; r++) {
		struct kvm_one_reg reg = { .id = reg_id(r),
					   .addr = (uintptr_t)&regs[r] };
		int ret = kvm_ioctl(vcpu_fd, KVM_GET_ONE_REG, &reg);

		if (ret < 0) {
			pr_err("reading %s (KVM_GET_ONE_REG) failed: %s",
			       sve_id_regs[r].name, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* KVM's writable bits of the feature ID registers; false before 6.7. */
static bool writable_masks(int vm_fd, uint64_t masks[ARM_FEATURE_ID_SPACE_SIZE])
{
	struct arm_reg_mask_range range = { .addr = (uintptr_t)masks };

	return kvm_ioctl(vm_fd, KVM_CHECK_EXTENSION,
			 (void *)KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES) > 0 &&
	       kvm_ioctl(vm_fd, ARM_KVM_GET_REG_WRITABLE_MASKS, &range) >= 0;
}

/* Why field @i cannot go from @have down to @floor, or 0. */
static int check_lowerable(unsigned int i, const struct sve_features *have,
			   const struct sve_features *floor, bool have_masks,
			   const uint64_t *masks, char *why, size_t why_len)
{
	const struct sve_feature_field *d = &sve_feature_fields[i];
	const char *reg = sve_id_regs[d->reg].name;
	uint64_t m = 0xfULL << d->shift;
	int idx = arm_id_reg_mask_index(reg_id(d->reg));

	if (have->level[i] < floor->level[i])
		return arm_refuse(why, why_len,
			      "the profile wants %s=%u (%s bits [%u:%u]); this host can give a guest at most %s=%u",
			      d->name, floor->level[i], reg, d->shift + 3,
			      d->shift, d->name, have->level[i]);
	if (!have_masks)
		return arm_refuse(why, why_len,
			      "the profile wants %s=%u; this host can only give %s=%u: KVM here cannot lower ID registers (writable ID registers need Linux 6.7)",
			      d->name, floor->level[i], d->name, have->level[i]);
	if (idx < 0 || (masks[idx] & m) != m)
		return arm_refuse(why, why_len,
			      "the profile wants %s=%u; this host can only give %s=%u: KVM does not let userspace lower %s bits [%u:%u]",
			      d->name, floor->level[i], d->name, have->level[i],
			      reg, d->shift + 3, d->shift);
	return 0;
}

int arm_cpu_profile_apply(int vm_fd, int vcpu_fd,
			  const struct sve_features *floor, char *why,
			  size_t why_len)
{
	uint64_t regs[SVE_NR_ID_REGS], masks[ARM_FEATURE_ID_SPACE_SIZE] = { 0 };
	struct sve_features have;
	bool have_masks;
	int ret = arm_sve_id_regs_read(vcpu_fd, regs);

	if (ret) {
		snprintf(why, why_len, "reading the ID registers failed: %s",
			 strerror(-ret));
		return ret;
	}
	sve_features_from_regs(regs, &have);
	if (!memcmp(&have, floor, sizeof(have)))
		return 0;
	have_masks = writable_masks(vm_fd, masks);
	for (unsigned int i = 0; i < SVE_NR_FEATURES; i++) {
		if (have.level[i] == floor->level[i])
			continue;
		ret = check_lowerable(i, &have, floor, have_masks, masks, why,
				      why_len);
		if (ret)
			return ret;
	}
	for (unsigned int r = 0; r < SVE_NR_ID_REGS; r++) {
		uint64_t want = sve_features_to_reg(regs[r], r, floor);
		struct kvm_one_reg reg = { .id = reg_id(r),
					   .addr = (uintptr_t)&want };

		if (want == regs[r])
			continue;
		/* KVM has the last word (fields depend on one another). */
		ret = kvm_ioctl(vcpu_fd, KVM_SET_ONE_REG, &reg);
		if (ret < 0)
			return arm_refuse(why, why_len,
				      "KVM refuses to show the guest %s = 0x%llx (this host's is 0x%llx): %s",
				      sve_id_regs[r].name,
				      (unsigned long long)want,
				      (unsigned long long)regs[r],
				      strerror(-ret));
	}
	return 0;
}

/* A scratch VM and vcpu, with SVE at the profile's set if it has one. */
static int scratch_check(int vm_fd, int *vcpu_fd, const struct cpu_profile *p,
			 char *why, size_t why_len)
{
	struct kvm_vcpu_init init;
	uint64_t vls[KVM_ARM64_SVE_VLS_WORDS] = { 0 };
	struct kvm_one_reg reg = { .id = KVM_REG_ARM64_SVE_VLS,
				   .addr = (uintptr_t)vls };
	struct sve_spec spec = { .kind = SVE_SPEC_SET, .set = p->sve_vqs };
	char reason[SVE_WHY_MAX], s[SVE_VQSET_STR_MAX];
	int what = KVM_ARM_VCPU_SVE, ret;
	sve_vqset out;

	if (p->sve_vqs && kvm_ioctl(vm_fd, KVM_CHECK_EXTENSION,
				    (void *)KVM_CAP_ARM_SVE) <= 0)
		return arm_refuse(why, why_len,
			      "the profile has SVE (%s bits); this host has none for guests",
			      sve_vqset_format(p->sve_vqs, s, sizeof(s)));
	ret = kvm_ioctl(vm_fd, KVM_ARM_PREFERRED_TARGET, &init);
	if (ret >= 0)
		ret = kvm_ioctl(vm_fd, KVM_CREATE_VCPU, 0);
	if (ret < 0) {
		snprintf(why, why_len, "a scratch vcpu: %s", strerror(-ret));
		return ret;
	}
	*vcpu_fd = ret;
	memset(init.features, 0, sizeof(init.features));
	init.features[0] = 1U << KVM_ARM_VCPU_PSCI_0_2;
	if (p->sve_vqs)
		init.features[0] |= 1U << KVM_ARM_VCPU_SVE;
	ret = kvm_ioctl(*vcpu_fd, KVM_ARM_VCPU_INIT, &init);
	if (ret < 0) {
		snprintf(why, why_len, "KVM_ARM_VCPU_INIT: %s", strerror(-ret));
		return ret;
	}
	if (p->sve_vqs) {
		ret = kvm_ioctl(*vcpu_fd, KVM_GET_ONE_REG, &reg);
		if (ret < 0) {
			snprintf(why, why_len, "reading KVM_REG_ARM64_SVE_VLS: %s",
				 strerror(-ret));
			return ret;
		}
		if (sve_spec_resolve(&spec, (sve_vqset)(vls[0] & SVE_VQSET_ALL),
				     &out, reason, sizeof(reason)))
			return arm_refuse(why, why_len,
				      "the profile's SVE vector lengths %s bits are %s",
				      sve_vqset_format(p->sve_vqs, s, sizeof(s)),
				      reason);
		vls[0] = p->sve_vqs;
		ret = kvm_ioctl(*vcpu_fd, KVM_SET_ONE_REG, &reg);
		if (ret >= 0)
			ret = kvm_ioctl(*vcpu_fd, KVM_ARM_VCPU_FINALIZE, &what);
		if (ret < 0)
			return arm_refuse(why, why_len,
				      "KVM refused the profile's SVE set: %s",
				      strerror(-ret));
	}
	return arm_cpu_profile_apply(vm_fd, *vcpu_fd, &p->floor, why, why_len);
}

int arch_cpu_profile_check(const struct cpu_profile *p, char *why,
			   size_t why_len)
{
	int kvm_fd = -1, vm_fd = -1, vcpu_fd = -1, ret;

	ret = kvm_open(&kvm_fd);
	if (ret) {
		snprintf(why, why_len, "cannot use /dev/kvm: %s",
			 strerror(-ret));
		return ret;
	}
	ret = arm_scratch_vm_create(kvm_fd, 0, why, why_len);
	if (ret >= 0) {
		vm_fd = ret;
		ret = scratch_check(vm_fd, &vcpu_fd, p, why, why_len);
	}
	if (vcpu_fd >= 0)
		close(vcpu_fd);
	if (vm_fd >= 0)
		close(vm_fd);
	close(kvm_fd);
	return ret;
}

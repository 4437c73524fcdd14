// SPDX-License-Identifier: GPL-2.0
/*
 * The vcpu builder. Per vcpu, in the order KVM requires:
 *   KVM_CREATE_VCPU (core) -> KVM_ARM_VCPU_INIT with the feature bits ->
 *   SVE vector lengths and KVM_ARM_VCPU_FINALIZE -> PMU interrupt ->
 *   MPIDR read back for the device tree.
 * After the GIC is initialised: PMU init; last, the boot registers.
 */
#include <lkvm/arm/arm.h>
#include <lkvm/arm/fdt.h>
#include <lkvm/arm/cpu_profile.h>
#include <lkvm/arm/nested.h>
#include <lkvm/arm/sve.h>

#include <lkvm/kvm.h>
#include <lkvm/log.h>
#include <lkvm/vm.h>

#include <asm/kvm.h>
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum feature_choice always(const struct arch_config *cfg)
{
	(void)cfg;
	return FEATURE_ON;
}

static enum feature_choice choose_pmu(const struct arch_config *cfg)
{
	return cfg->pmu ? FEATURE_ON : FEATURE_OFF;
}

static enum feature_choice choose_sve(const struct arch_config *cfg)
{
	return sve_feature_choice(cfg);
}

static enum feature_choice choose_ptrauth(const struct arch_config *cfg)
{
	return cfg->ptrauth;
}

static enum feature_choice choose_el2(const struct arch_config *cfg)
{
	return cfg->nested ? FEATURE_ON : FEATURE_OFF;
}

static enum feature_choice choose_e2h0(const struct arch_config *cfg)
{
	return cfg->nested && cfg->e2h0 ? FEATURE_ON : FEATURE_OFF;
}

/*
 * Every optional vcpu feature in one table: its KVM_ARM_VCPU_* bits
 * (pointer authentication is only accepted as a pair), the capabilities
 * that say KVM has it, and who decides whether a vcpu gets it.
 */
static const struct vcpu_feature {
	const char *name;
	const char *option;	/* the option that asks for it */
	unsigned int bits[2];
	unsigned int nr_bits;
	long caps[2];
	const char *cap_names;
	enum feature_choice (*choice)(const struct arch_config *cfg);
	/* Says why a required feature cannot be had (NULL: generic text). */
	void (*explain_unavailable)(const struct arch_config *cfg);
	/* Said at info level when a default-on feature is not there. */
	const char *absent_note;
} vcpu_features[] = {
	{
		.name = "psci-0.2",
		.bits = { KVM_ARM_VCPU_PSCI_0_2 },
		.nr_bits = 1,
		.caps = { KVM_CAP_ARM_PSCI_0_2 },
		.cap_names = "KVM_CAP_ARM_PSCI_0_2",
		.choice = always,
	},
	{
		.name = "pmu",
		.option = "--pmu",
		.bits = { KVM_ARM_VCPU_PMU_V3 },
		.nr_bits = 1,
		.caps = { KVM_CAP_ARM_PMU_V3 },
		.cap_names = "KVM_CAP_ARM_PMU_V3",
		.choice = choose_pmu,
	},
	{
		.name = "sve",
		.option = "--sve-vls",
		.bits = { KVM_ARM_VCPU_SVE },
		.nr_bits = 1,
		.caps = { KVM_CAP_ARM_SVE },
		.cap_names = "KVM_CAP_ARM_SVE",
		.choice = choose_sve,
		.explain_unavailable = sve_explain_unavailable,
		.absent_note = "SVE: this host has none for guests (no KVM_CAP_ARM_SVE): the guest gets no SVE",
	},
	{
		.name = "ptrauth",
		.option = "--ptrauth on",
		.bits = { KVM_ARM_VCPU_PTRAUTH_ADDRESS,
			  KVM_ARM_VCPU_PTRAUTH_GENERIC },
		.nr_bits = 2,
		.caps = { KVM_CAP_ARM_PTRAUTH_ADDRESS,
			  KVM_CAP_ARM_PTRAUTH_GENERIC },
		.cap_names = "KVM_CAP_ARM_PTRAUTH_ADDRESS and _GENERIC",
		.choice = choose_ptrauth,
	},
	{
		.name = "el2",
		.option = "--nested",
		.bits = { KVM_ARM_VCPU_HAS_EL2 },
		.nr_bits = 1,
		.caps = { KVM_CAP_ARM_EL2 },
		.cap_names = "KVM_CAP_ARM_EL2",
		.choice = choose_el2,
		.explain_unavailable = nested_explain_unavailable,
	},
	{
		.name = "el2-e2h0",
		.option = "--e2h0",
		.bits = { KVM_ARM_VCPU_HAS_EL2_E2H0 },
		.nr_bits = 1,
		.caps = { KVM_CAP_ARM_EL2_E2H0 },
		.cap_names = "KVM_CAP_ARM_EL2_E2H0: EL2 without VHE",
		.choice = choose_e2h0,
	},
};

static bool has_bit(const uint32_t *features, unsigned int bit)
{
	return features[bit / 32] & (1U << (bit % 32));
}

static void set_bit(uint32_t *features, unsigned int bit)
{
	features[bit / 32] |= 1U << (bit % 32);
}

void vcpu_features_describe(const uint32_t *features, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	if (has_bit(features, KVM_ARM_VCPU_POWER_OFF))
		n += (size_t)snprintf(buf, len, "power-off");
	for (size_t i = 0; i < ARRAY_SIZE(vcpu_features) && n < len; i++) {
		if (has_bit(features, vcpu_features[i].bits[0]))
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
					      n ? ", " : "",
					      vcpu_features[i].name);
	}
}

static bool feature_supported(struct vm *vm, const struct vcpu_feature *f)
{
	for (unsigned int i = 0; i < f->nr_bits; i++)
		if (kvm_vm_check_extension(vm, f->caps[i]) <= 0)
			return false;
	return true;
}

int vcpu_features_resolve(struct vm *vm)
{
	struct kvm_vcpu_init preferred;
	int ret = kvm_ioctl(vm->vm_fd, KVM_ARM_PREFERRED_TARGET, &preferred);

	if (ret < 0) {
		pr_err("KVM_ARM_PREFERRED_TARGET failed: %s: KVM cannot tell which CPU type to give the guest",
		       strerror(-ret));
		return ret;
	}
	vm->arch->target = preferred.target;
	memset(vm->arch->features, 0, sizeof(vm->arch->features));

	for (size_t i = 0; i < ARRAY_SIZE(vcpu_features); i++) {
		const struct vcpu_feature *f = &vcpu_features[i];
		enum feature_choice c = f->choice(vm->cfg->arch);
		bool supported = feature_supported(vm, f);

		if (c == FEATURE_DEFAULT && !supported && f->absent_note)
			pr_info("%s", f->absent_note);
		if (c == FEATURE_OFF || (c == FEATURE_DEFAULT && !supported))
			continue;
		if (!supported) {
			if (f->explain_unavailable)
				f->explain_unavailable(vm->cfg->arch);
			else if (f->option)
				pr_err("%s: KVM on this host cannot give guests %s (no %s)",
				       f->option, f->name, f->cap_names);
			else
				pr_err("KVM on this host lacks %s, which every lkvm guest needs",
				       f->cap_names);
			return -EOPNOTSUPP;
		}
		for (unsigned int b = 0; b < f->nr_bits; b++)
			set_bit(vm->arch->features, f->bits[b]);
	}
	/* KVM nests only with a GICv3 (its maintenance interrupt). */
	if (has_bit(vm->arch->features, KVM_ARM_VCPU_HAS_EL2) &&
	    vm->arch->gic != GIC_V3) {
		pr_err("--nested: a guest hypervisor needs a GICv3, and this VM has a %s%s",
		       gic_name(vm->arch->gic),
		       vm->cfg->arch->irqchip == IRQCHIP_GICV2 ?
			       " (--irqchip gicv2)" : "");
		return -EOPNOTSUPP;
	}
	return 0;
}

static int vcpu_init_pmu_irq(struct vcpu *vcpu)
{
	int irq = 16 + PPI_PMU;	/* PPIs are interrupt IDs 16-31 */
	struct kvm_device_attr attr = {
		.group = KVM_ARM_VCPU_PMU_V3_CTRL,
		.attr = KVM_ARM_VCPU_PMU_V3_IRQ,
		.addr = (uintptr_t)&irq,
	};
	int ret = kvm_ioctl(vcpu->fd, KVM_SET_DEVICE_ATTR, &attr);

	if (ret < 0)
		pr_err("vcpu %u: setting the PMU interrupt (KVM_ARM_VCPU_PMU_V3_IRQ) failed: %s",
		       vcpu->id, strerror(-ret));
	return ret < 0 ? ret : 0;
}

void arch_vcpu_destroy(struct vcpu *vcpu)
{
	free(vcpu->arch);
	vcpu->arch = NULL;
}

/* The profile's feature floor, before the guest first runs. */
static int apply_profile(struct vcpu *vcpu)
{
	const struct arch_config *cfg = vcpu->vm->cfg->arch;
	char why[512];
	int ret = arm_cpu_profile_apply(vcpu->vm->vm_fd, vcpu->fd,
					&cfg->profile.floor, why, sizeof(why));

	/* From --cpu-profile, or from the snapshot being restored. */
	if (ret && cfg->sve_option && !strcmp(cfg->sve_option, "--cpu-profile"))
		pr_err("--cpu-profile=%s is not possible on this host: %s",
		       cfg->sve_arg, why);
	else if (ret)
		pr_err("the snapshot's CPU profile is not possible on this host: %s",
		       why);
	return ret > 0 ? -EINVAL : ret;
}

int arch_vcpu_init(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	struct kvm_vcpu_init init = { .target = vm->arch->target };
	char desc[128];
	int ret;

	vcpu->arch = calloc(1, sizeof(*vcpu->arch));
	if (!vcpu->arch)
		return -ENOMEM;
	memcpy(init.features, vm->arch->features, sizeof(init.features));
	/* Secondaries wait for PSCI CPU_ON. */
	if (vcpu->id)
		set_bit(init.features, KVM_ARM_VCPU_POWER_OFF);

	ret = kvm_ioctl(vcpu->fd, KVM_ARM_VCPU_INIT, &init);
	if (ret < 0) {
		vcpu_features_describe(init.features, desc, sizeof(desc));
		pr_err("vcpu %u: KVM_ARM_VCPU_INIT (target %u, features: %s) failed: %s",
		       vcpu->id, init.target, desc, strerror(-ret));
		return ret;
	}
	if (has_bit(init.features, KVM_ARM_VCPU_SVE)) {
		ret = sve_vcpu_configure(vcpu);
		if (ret)
			return ret;
	}
	if (vm->cfg->arch->has_profile) {
		ret = apply_profile(vcpu);
		if (ret)
			return ret;
	}
	if (has_bit(init.features, KVM_ARM_VCPU_PMU_V3)) {
		ret = vcpu_init_pmu_irq(vcpu);
		if (ret)
			return ret;
	}
	ret = vcpu_get_reg64(vcpu, ARM64_SYS_REG(3, 0, 0, 0, 5),
			     &vcpu->arch->mpidr);
	if (ret)
		pr_err("vcpu %u: reading MPIDR_EL1 failed: %s", vcpu->id,
		       strerror(-ret));
	return ret;
}

/* Steps that need the initialised GIC. */
int vcpu_features_finalize(struct vm *vm)
{
	if (!vcpu_has_feature(vm, KVM_ARM_VCPU_PMU_V3))
		return 0;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct kvm_device_attr attr = {
			.group = KVM_ARM_VCPU_PMU_V3_CTRL,
			.attr = KVM_ARM_VCPU_PMU_V3_INIT,
		};
		int ret = kvm_ioctl(vm->vcpus[i].fd, KVM_SET_DEVICE_ATTR, &attr);

		if (ret < 0) {
			pr_err("vcpu %u: PMU initialisation (KVM_ARM_VCPU_PMU_V3_INIT) failed: %s",
			       i, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

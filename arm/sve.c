// SPDX-License-Identifier: GPL-2.0
/*
 * SVE vcpu configuration through KVM_REG_ARM64_SVE_VLS: read the host's
 * set, write the chosen one before KVM_ARM_VCPU_FINALIZE, check it stuck.
 * The set arithmetic and its explanations live in core/sve_vls.c.
 */
#include <lkvm/arm/sve.h>

#include <lkvm/arm/arm.h>
#include <lkvm/arm/cpu_profile.h>
#include <lkvm/arm/id_regs.h>
#include <lkvm/kvm.h>
#include <lkvm/log.h>
#include <lkvm/vm.h>

#include <asm/kvm.h>
#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <unistd.h>

enum feature_choice sve_feature_choice(const struct arch_config *cfg)
{
	switch (cfg->sve.kind) {
	case SVE_SPEC_OFF:
		return FEATURE_OFF;
	case SVE_SPEC_HOST:
		return FEATURE_DEFAULT;
	default:
		return FEATURE_ON;
	}
}

/* Logs why @cfg's request is refused, as the user wrote the request. */
static void refuse(const struct arch_config *cfg, const char *why)
{
	const char *option = cfg->sve_option ? cfg->sve_option : "--sve-vls";
	const char *arg = cfg->sve_option ? cfg->sve_arg : "host";

	pr_err("%s%s%s is %s", option, arg ? "=" : "", arg ? arg : "", why);
}

void sve_explain_unavailable(const struct arch_config *cfg)
{
	char why[SVE_WHY_MAX];
	sve_vqset none;

	sve_spec_resolve(&cfg->sve, 0, &none, why, sizeof(why));
	refuse(cfg, why);
}

/* The register holds KVM_ARM64_SVE_VLS_WORDS u64; lengths > 2048 cannot exist. */
static int read_vls(struct vcpu *vcpu, sve_vqset *set)
{
	uint64_t vls[KVM_ARM64_SVE_VLS_WORDS] = { 0 };
	int ret = vcpu_get_reg(vcpu, KVM_REG_ARM64_SVE_VLS, vls);

	if (!ret)
		*set = (sve_vqset)(vls[0] & SVE_VQSET_ALL);
	return ret;
}

static int write_vls(struct vcpu *vcpu, sve_vqset set)
{
	uint64_t vls[KVM_ARM64_SVE_VLS_WORDS] = { set };

	return vcpu_set_reg(vcpu, KVM_REG_ARM64_SVE_VLS, vls);
}

/* vcpu 0 only: the host's set, and the guest's set resolved against it. */
static int choose_set(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	char why[SVE_WHY_MAX];
	int ret = read_vls(vcpu, &vm->arch->sve_host_vqs);

	if (ret) {
		pr_err("vcpu 0: reading the host's SVE vector lengths (KVM_GET_ONE_REG KVM_REG_ARM64_SVE_VLS) failed: %s",
		       strerror(-ret));
		return ret;
	}
	if (sve_spec_resolve(&vm->cfg->arch->sve, vm->arch->sve_host_vqs,
			     &vm->arch->sve_vqs, why, sizeof(why))) {
		refuse(vm->cfg->arch, why);
		return -EINVAL;
	}
	return 0;
}

void sve_log_choice(const struct vm *vm)
{
	char host_s[SVE_VQSET_STR_MAX], guest_s[SVE_VQSET_STR_MAX];

	if (!vm->arch->sve_vqs)
		return;
	pr_info("SVE: guest vector lengths %s bits (host offers %s)",
		sve_vqset_format(vm->arch->sve_vqs, guest_s, sizeof(guest_s)),
		sve_vqset_format(vm->arch->sve_host_vqs, host_s, sizeof(host_s)));
}

int sve_vcpu_configure(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	int what = KVM_ARM_VCPU_SVE;
	char want_s[SVE_VQSET_STR_MAX], got_s[SVE_VQSET_STR_MAX];
	sve_vqset got = 0;
	int ret;

	if (vcpu->id == 0) {
		ret = choose_set(vcpu);
		if (ret)
			return ret;
	}
	sve_vqset_format(vm->arch->sve_vqs, want_s, sizeof(want_s));
	ret = write_vls(vcpu, vm->arch->sve_vqs);
	if (ret) {
		pr_err("vcpu %u: setting SVE vector lengths %s (KVM_SET_ONE_REG KVM_REG_ARM64_SVE_VLS) failed: %s",
		       vcpu->id, want_s, strerror(-ret));
		return ret;
	}
	ret = kvm_ioctl(vcpu->fd, KVM_ARM_VCPU_FINALIZE, &what);
	if (ret < 0) {
		pr_err("vcpu %u: KVM_ARM_VCPU_FINALIZE(SVE) failed: %s",
		       vcpu->id, strerror(-ret));
		return ret;
	}
	ret = read_vls(vcpu, &got);
	if (ret || got != vm->arch->sve_vqs) {
		pr_err("vcpu %u: after finalize KVM reports SVE vector lengths %s, not the %s requested",
		       vcpu->id,
		       ret ? strerror(-ret) : sve_vqset_format(got, got_s, sizeof(got_s)),
		       want_s);
		return ret ?: -EIO;
	}
	return 0;
}

int arch_sve_probe_host(struct sve_host_info *info)
{
	struct kvm_vcpu_init init;
	struct vcpu vcpu = { .fd = -1 };
	int kvm_fd = -1, vm_fd = -1, ret;
	char why[128];

	memset(info, 0, sizeof(*info));
	ret = kvm_open(&kvm_fd);
	if (ret)
		return ret;
	ret = arm_scratch_vm_create(kvm_fd, 0, why, sizeof(why));
	if (ret < 0) {
		pr_err("%s", why);
		goto out;
	}
	vm_fd = ret;
	info->kvm_has_sve = kvm_ioctl(vm_fd, KVM_CHECK_EXTENSION,
				      (void *)KVM_CAP_ARM_SVE) > 0;
	info->id_regs_writable =
		kvm_ioctl(vm_fd, KVM_CHECK_EXTENSION,
			  (void *)KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES) > 0;
	ret = 0;
	if (!info->kvm_has_sve)
		goto out;

	ret = kvm_ioctl(vm_fd, KVM_ARM_PREFERRED_TARGET, &init);
	if (ret < 0) {
		pr_err("KVM_ARM_PREFERRED_TARGET failed: %s", strerror(-ret));
		goto out;
	}
	ret = kvm_ioctl(vm_fd, KVM_CREATE_VCPU, 0);
	if (ret < 0) {
		pr_err("KVM_CREATE_VCPU failed: %s", strerror(-ret));
		goto out;
	}
	vcpu.fd = ret;
	memset(init.features, 0, sizeof(init.features));
	init.features[0] = 1U << KVM_ARM_VCPU_SVE;
	ret = kvm_ioctl(vcpu.fd, KVM_ARM_VCPU_INIT, &init);
	if (ret < 0) {
		pr_err("KVM_ARM_VCPU_INIT with SVE failed: %s", strerror(-ret));
		goto out;
	}
	ret = read_vls(&vcpu, &info->vqs);
	if (ret) {
		pr_err("reading KVM_REG_ARM64_SVE_VLS failed: %s",
		       strerror(-ret));
		goto out;
	}
	ret = arm_sve_id_regs_read(vcpu.fd, info->id_regs);
out:
	if (vcpu.fd >= 0)
		close(vcpu.fd);
	if (vm_fd >= 0)
		close(vm_fd);
	close(kvm_fd);
	return ret < 0 ? ret : 0;
}

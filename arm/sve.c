// SPDX-License-Identifier: GPL-2.0
#include <lkvm/arm/sve.h>

#include <lkvm/kvm.h>
#include <lkvm/log.h>
#include <lkvm/vm.h>

#include <asm/kvm.h>
#include <errno.h>
#include <linux/kvm.h>
#include <string.h>

enum feature_choice sve_feature_choice(const struct vm_config *cfg)
{
	(void)cfg;
	return FEATURE_DEFAULT;
}

int sve_vcpu_configure(struct vcpu *vcpu)
{
	int what = KVM_ARM_VCPU_SVE;
	int ret = kvm_ioctl(vcpu->fd, KVM_ARM_VCPU_FINALIZE, &what);

	if (ret < 0)
		pr_err("vcpu %u: KVM_ARM_VCPU_FINALIZE(SVE) failed: %s",
		       vcpu->id, strerror(-ret));
	return ret < 0 ? ret : 0;
}

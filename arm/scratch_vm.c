// SPDX-License-Identifier: GPL-2.0
/*
 * Scratch VMs: a VM that is never run, only asked what KVM would do (the
 * SVE probe, a snapshot's host check, a CPU profile check).
 */
#include <lkvm/arm/arm.h>

#include <lkvm/kvm.h>

#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int arm_host_ipa_limit(int kvm_fd)
{
	int limit = kvm_ioctl(kvm_fd, KVM_CHECK_EXTENSION,
			      (void *)KVM_CAP_ARM_VM_IPA_SIZE);

	return limit > 0 ? limit : 40;
}

int arm_scratch_vm_create(int kvm_fd, unsigned int ipa_bits, char *why,
			  size_t why_len)
{
	int reported = kvm_ioctl(kvm_fd, KVM_CHECK_EXTENSION,
				 (void *)KVM_CAP_ARM_VM_IPA_SIZE);
	unsigned long type = 0;
	int ret;

	/*
	 * Type 0 asks for a 40-bit IPA space, which a host with a smaller
	 * limit refuses; the host's own limit is always accepted.
	 */
	if (!ipa_bits && reported > 0)
		ipa_bits = (unsigned int)reported;
	if (ipa_bits && reported > 0)
		type = KVM_VM_TYPE_ARM_IPA_SIZE(ipa_bits);
	ret = kvm_ioctl(kvm_fd, KVM_CREATE_VM, (void *)type);
	if (ret < 0)
		snprintf(why, why_len, "KVM_CREATE_VM (IPA size %u bits): %s",
			 ipa_bits ? ipa_bits : 40, strerror(-ret));
	return ret;
}

int arm_refuse(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
	return 1;
}

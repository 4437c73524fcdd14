/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_ARM_NESTED_H
#define LKVM_ARM_NESTED_H

#include <lkvm/compiler.h>

#include <linux/ioctl.h>

/*
 * Guests that are hypervisors themselves (--nested): their vcpus have
 * EL2 (KVM_ARM_VCPU_HAS_EL2, Linux 6.16), and KVM offers that only when
 * the host kernel is new enough, was booted with kvm-arm.mode=nested and
 * runs on a CPU with FEAT_NV2.
 */

/* Not in Debian 12's 6.1 headers: the values from KVM's uapi. */
#ifndef KVM_ARM_VCPU_HAS_EL2
#define KVM_ARM_VCPU_HAS_EL2 7		/* asm/kvm.h, Linux 6.16 */
#endif
#ifndef KVM_ARM_VCPU_HAS_EL2_E2H0
#define KVM_ARM_VCPU_HAS_EL2_E2H0 8	/* EL2 without VHE (E2H RES0) */
#endif
#ifndef KVM_CAP_ARM_EL2
#define KVM_CAP_ARM_EL2 240		/* linux/kvm.h, Linux 6.16 */
#endif
#ifndef KVM_CAP_ARM_EL2_E2H0
#define KVM_CAP_ARM_EL2_E2H0 241
#endif
#ifndef KVM_DEV_ARM_VGIC_GRP_MAINT_IRQ
#define KVM_DEV_ARM_VGIC_GRP_MAINT_IRQ 9	/* asm/kvm.h, Linux 6.8 */
#endif
#ifndef KVM_CAP_COUNTER_OFFSET
#define KVM_CAP_COUNTER_OFFSET 227	/* linux/kvm.h, Linux 6.4 */
#endif
struct arm_counter_offset {		/* struct kvm_arm_counter_offset */
	uint64_t counter_offset;
	uint64_t reserved;
};
#define ARM_KVM_SET_COUNTER_OFFSET \
	_IOW(0xAE, 0xb5, struct arm_counter_offset)

/* The first Linux release with KVM_CAP_ARM_EL2. */
#define NESTED_MIN_MAJOR 6U
#define NESTED_MIN_MINOR 16U

/*
 * Why a host without KVM_CAP_ARM_EL2 has none, from its kernel release
 * (uname -r) and command line (/proc/cmdline): a kernel before 6.16, KVM
 * not booted with kvm-arm.mode=nested, or else a CPU without FEAT_NV2
 * (the one cause userspace cannot see directly: KVM hides the CPU's NV
 * field from it). Pure; the sentence goes in @buf.
 */
void nested_unavailable_reason(const char *release, const char *cmdline,
			       char *buf, size_t len);

/* nested_unavailable_reason() for this host (uname, /proc/cmdline). */
void nested_host_reason(char *buf, size_t len);

struct arch_config;
struct vm;
/* The one-line refusal of --nested on this host. */
void nested_explain_unavailable(const struct arch_config *cfg);
/*
 * One counter offset for the virtual and the physical counter: both start
 * near 0 (nested_counter_start(), at the build; with --e2h0 both are the
 * host's instead), or the physical counter goes on from @saved
 * (nested_counter_continue(), at a restore).
 */
int nested_counter_start(struct vm *vm);
int nested_counter_continue(struct vm *vm, uint64_t saved);

#endif

// SPDX-License-Identifier: GPL-2.0
/* The arm64 side of building a VM: IPA size, GIC, vcpu features. */
#include <lkvm/arch.h>

#include <lkvm/arm/arm.h>
#include <lkvm/arm/memmap.h>
#include <lkvm/arm/nested.h>
#include <lkvm/arm/sve.h>

#include <lkvm/kvm.h>
#include <lkvm/log.h>
#include <lkvm/vm.h>

#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <unistd.h>

/* What KVM gives a VM created with type 0. */
#define DEFAULT_IPA_BITS 40

uint64_t arch_ram_base(void)
{
	return memmap[MM_RAM].base;
}

int arch_vm_type(struct vm *vm, unsigned long *type)
{
	unsigned int bits = memmap_ipa_bits(vm->ram_size);
	int max = kvm_check_extension(vm, KVM_CAP_ARM_VM_IPA_SIZE);

	if (max <= 0) {
		/* Old KVM: only the default 40-bit space exists. */
		if (bits > DEFAULT_IPA_BITS) {
			pr_err("--mem %llu MiB needs %u-bit guest physical addresses, but this KVM offers only %d bits",
			       (unsigned long long)(vm->ram_size >> 20), bits,
			       DEFAULT_IPA_BITS);
			return -E2BIG;
		}
		*type = 0;
		vm->arch->ipa_bits = DEFAULT_IPA_BITS;
		return 0;
	}
	if (bits > (unsigned int)max) {
		pr_err("--mem %llu MiB needs %u-bit guest physical addresses, but KVM on this host supports at most %d bits",
		       (unsigned long long)(vm->ram_size >> 20), bits, max);
		return -E2BIG;
	}
	*type = KVM_VM_TYPE_ARM_IPA_SIZE(bits);
	vm->arch->ipa_bits = bits;
	return 0;
}

int arch_vm_init(struct vm *vm)
{
	int ret;

	if (vm->nr_vcpus > MEMMAP_GICV3_MAX_VCPUS) {
		pr_warn("the memory map has room for %u vcpus: using %u instead of %u",
			MEMMAP_GICV3_MAX_VCPUS, MEMMAP_GICV3_MAX_VCPUS,
			vm->nr_vcpus);
		vm->nr_vcpus = MEMMAP_GICV3_MAX_VCPUS;
	}
	ret = gic_create(vm);
	return ret ?: vcpu_features_resolve(vm);
}

int arch_vm_finalize(struct vm *vm)
{
	int ret = gic_finalize(vm);

	ret = ret ?: vcpu_features_finalize(vm);
	if (!ret && vcpu_has_feature(vm, KVM_ARM_VCPU_HAS_EL2))
		ret = nested_counter_start(vm);
	return ret;
}

void arch_log_summary(const struct vm *vm)
{
	sve_log_choice(vm);
}

int arch_vm_create(struct vm *vm)
{
	struct utsname u;

	vm->arch = calloc(1, sizeof(*vm->arch));
	if (!vm->arch)
		return -ENOMEM;
	vm->arch->gic_fd = -1;
	if (!uname(&u))
		snprintf(vm->arch->host_kernel, sizeof(vm->arch->host_kernel),
			 "%s", u.release);
	return 0;
}

void arch_vm_dtb(const struct vm *vm, const void **dtb, size_t *size)
{
	*dtb = vm->arch->fdt;
	*size = vm->arch->fdt_size;
}

void arch_vm_destroy(struct vm *vm)
{
	if (!vm->arch)
		return;
	if (vm->arch->gic_fd >= 0)
		close(vm->arch->gic_fd);
	free(vm->arch->fdt);
	free(vm->arch->cmdline);
	free(vm->arch);
	vm->arch = NULL;
}

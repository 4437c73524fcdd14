// SPDX-License-Identifier: GPL-2.0
/* What the arch-neutral core may report about an arm64 VM (lkvm list). */
#include <lkvm/arm/arm.h>
#include <lkvm/vm.h>

sve_vqset arch_vm_vector_lengths(const struct vm *vm)
{
	return vm->arch->sve_vqs;
}

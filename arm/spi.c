// SPDX-License-Identifier: GPL-2.0
/*
 * The GIC size that the interrupt lines devices were given imply: an
 * interrupt line N is shared peripheral interrupt N (interrupt ID
 * 32 + N). No KVM here.
 */
#include <lkvm/arm/arm.h>
#include <lkvm/vm.h>

unsigned int arm_gic_nr_irqs(const struct vm *vm)
{
	unsigned int n = ALIGN_UP(GIC_SPI_BASE + vm->res.irqs_used, 32U);

	return MAX(n, 64U);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Shared peripheral interrupt numbers for devices, and the GIC size they
 * imply. No KVM here: devices get their numbers while the VM is built.
 */
#include <lkvm/irq.h>

#include <lkvm/arm/arm.h>
#include <lkvm/log.h>
#include <lkvm/vm.h>

#include <errno.h>

/* Plenty for the devices lkvm can create; keeps NR_IRQS small. */
#define MAX_SPIS 256

int vm_alloc_spi(struct vm *vm, unsigned int *spi)
{
	if (vm->nr_spis >= MAX_SPIS) {
		pr_err("out of interrupt lines: at most %d devices with interrupts",
		       MAX_SPIS);
		return -ENOSPC;
	}
	*spi = vm->nr_spis++;
	return 0;
}

unsigned int arm_gic_nr_irqs(const struct vm *vm)
{
	unsigned int n = ALIGN_UP(GIC_SPI_BASE + vm->nr_spis, 32U);

	return MAX(n, 64U);
}

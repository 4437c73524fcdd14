/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_IRQ_H
#define LKVM_IRQ_H

#include <lkvm/compiler.h>

struct vm;

/*
 * Interrupt lines from devices to the in-kernel interrupt controller.
 * Devices only know the line core/resources.c gave them; the
 * architecture code turns it into what KVM and the device tree want.
 */
int vm_irq_line(struct vm *vm, unsigned int spi, int level);

/*
 * Routes eventfd @fd to @spi with KVM_IRQFD (each write is one edge).
 * The route lasts as long as the VM or @fd: lkvm never removes one, as
 * removing waits for a KVM SRCU grace period. On arm64 the in-kernel GIC
 * must be initialised.
 */
int vm_irqfd(struct vm *vm, unsigned int spi, int fd);

/* Appends an "interrupts" property for @spi to the open FDT node. */
int fdt_prop_spi(void *fdt, unsigned int spi, bool edge);

#endif

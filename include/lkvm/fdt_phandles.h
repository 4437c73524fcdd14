/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_FDT_PHANDLES_H
#define LKVM_FDT_PHANDLES_H

/*
 * Every phandle in the device tree, in one list so that they stay
 * distinct: the arch's interrupt controller, and the fixed clock the
 * PrimeCell devices name as their bus clock.
 */
#define FDT_GIC_PHANDLE 1
#define FDT_APB_PCLK_PHANDLE 2

#endif

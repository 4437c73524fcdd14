/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_ARM_FDT_H
#define LKVM_ARM_FDT_H

#include <lkvm/arm/arm.h>
#include <lkvm/compiler.h>

struct device;

/* Everything the device tree describes; built from the live VM. */
struct fdt_machine {
	unsigned int nr_cpus;
	const uint64_t *mpidr;		/* one per vcpu */
	enum gic_kind gic;
	uint64_t gic_dist_base;
	uint64_t gic_dist_size;
	uint64_t gic_redist_base;	/* GICv2: CPU interface */
	uint64_t gic_redist_size;
	uint64_t ram_base;
	uint64_t ram_size;
	const char *bootargs;
	uint64_t initrd_start;		/* initrd_end == 0: no initrd */
	uint64_t initrd_end;
	bool pmu;
	/*
	 * The guest has EL2: PSCI over SMC (HVC is the guest hypervisor's
	 * own), the EL2 virtual timer's interrupt, the GIC's maintenance
	 * interrupt.
	 */
	bool nested;
	const char *stdout_path;	/* NULL: none */
	const char *serial0;		/* path for the serial0 alias, or NULL */
	const struct device *devices;	/* each adds its own node */
	const uint8_t *rng_seed;	/* 32 bytes for rng-seed, or NULL */
	uint64_t kaslr_seed;
};

#include <lkvm/fdt_phandles.h>
#define FDT_RNG_SEED_SIZE 32

/* GIC interrupt specifier cells. */
#define GIC_FDT_IRQ_TYPE_SPI 0
#define GIC_FDT_IRQ_TYPE_PPI 1
#define IRQ_TYPE_EDGE_RISING 1
#define IRQ_TYPE_LEVEL_HIGH 4
#define IRQ_TYPE_LEVEL_LOW 8

/* PPIs, numbered from 16 as interrupt IDs. */
#define PPI_VIRT_TIMER 11
#define PPI_HYP_TIMER 10
#define PPI_HYP_VIRT_TIMER 12
#define PPI_GIC_MAINT 9
#define PPI_SEC_PHYS_TIMER 13
#define PPI_NONSEC_PHYS_TIMER 14
#define PPI_PMU 7

/*
 * Builds the DTB into a new buffer (*out, *out_size; free() it).
 * Returns 0 or -errno after logging.
 */
int fdt_build(const struct fdt_machine *m, void **out, size_t *out_size);

#endif

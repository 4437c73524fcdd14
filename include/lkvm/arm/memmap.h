/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_ARM_MEMMAP_H
#define LKVM_ARM_MEMMAP_H

#include <lkvm/compiler.h>

/*
 * The guest physical memory map, kvmtool-compatible so that scripts,
 * kvm-unit-tests (early UART hard-wired at 0x1000000) and device trees
 * written for kvmtool's arm64 `lkvm` keep working.
 *
 *   0x0000_0000  +---------------------------+
 *                | PCI I/O space      64 KiB | reserved, not created
 *   0x0100_0000  | 8250 UART          64 KiB | ttyS0, 8 registers used
 *   0x0101_0000  | PL031 RTC          64 KiB | 4 KiB used; --no-rtc: none
 *   0x0102_0000  | pvtime             64 KiB | reserved, not created
 *   0x0200_0000  | flash              16 MiB | reserved, not created
 *   0x0300_0000  | virtio-mmio        16 MiB | 512 bytes per device
 *                |        ...                |
 *   dist - N*128K| GICv3 redistributors      | 128 KiB per vcpu
 *                | (GICv2: CPU interface,    |  8 KiB at dist - 128K)
 *   0x3fff_0000  | GIC distributor    64 KiB |
 *   0x4000_0000  | PCI config (ECAM) 256 MiB | reserved, not created
 *   0x5000_0000  | PCI MMIO          768 MiB | reserved, not created
 *   0x8000_0000  | RAM                --mem  |
 *                +---------------------------+
 */

enum memmap_id {
	MM_PCI_IO,
	MM_UART,
	MM_RTC,
	MM_PVTIME,
	MM_FLASH,
	MM_VIRTIO_MMIO,
	MM_GIC_REDIST,	/* the area redistributors may take, top-down */
	MM_GIC_DIST,
	MM_PCI_CFG,
	MM_PCI_MMIO,
	MM_RAM,		/* size here is the largest RAM the map allows */
	MM_NR,
};

struct memmap_entry {
	const char *name;
	uint64_t base;
	uint64_t size;
};

extern const struct memmap_entry memmap[MM_NR];

#define MEMMAP_UART_SIZE 8ULL			/* registers actually decoded */
#define MEMMAP_RTC_SIZE SZ_4K			/* a PL031's registers */
#define MEMMAP_VIRTIO_MMIO_SLOT 0x200ULL
/* Interrupt lines for devices: plenty, and keeps the GIC's NR_IRQS small. */
#define MEMMAP_MAX_SPIS 256U
#define MEMMAP_GIC_DIST_SIZE SZ_64K
#define MEMMAP_GICV3_REDIST_SIZE_PER_CPU SZ_128K
#define MEMMAP_GICV2_CPU_IF_SIZE 0x2000ULL
#define MEMMAP_GICV2_CPU_IF_OFFSET SZ_128K	/* below the distributor */
/* KVM's GICv3 limit; the redistributor area is sized for it. */
#define MEMMAP_GICV3_MAX_VCPUS 512U

/* Base of the GICv3 redistributor region for @nr_vcpus vcpus. */
uint64_t memmap_gicv3_redist_base(unsigned int nr_vcpus);

/* The IPA width a VM with @ram_size bytes of RAM needs (at least 32). */
unsigned int memmap_ipa_bits(uint64_t ram_size);

#endif

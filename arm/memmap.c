// SPDX-License-Identifier: GPL-2.0
#include <lkvm/arm/memmap.h>

#include <lkvm/arch.h>
#include <lkvm/resources.h>

/* The one table every base address and the device tree come from. */
const struct memmap_entry memmap[MM_NR] = {
	[MM_PCI_IO] = { "pci-io", 0x00000000ULL, SZ_64K },
	[MM_UART] = { "uart", 0x01000000ULL, SZ_64K },
	[MM_RTC] = { "rtc", 0x01010000ULL, SZ_64K },
	[MM_PVTIME] = { "pvtime", 0x01020000ULL, SZ_64K },
	[MM_FLASH] = { "flash", 0x02000000ULL, SZ_16M },
	[MM_VIRTIO_MMIO] = { "virtio-mmio", 0x03000000ULL, SZ_16M },
	[MM_GIC_REDIST] = { "gic-redist", 0x3fff0000ULL - SZ_64M, SZ_64M },
	[MM_GIC_DIST] = { "gic-dist", 0x3fff0000ULL, SZ_64K },
	[MM_PCI_CFG] = { "pci-cfg", 0x40000000ULL, SZ_256M },
	[MM_PCI_MMIO] = { "pci-mmio", 0x50000000ULL, 0x30000000ULL },
	[MM_RAM] = { "ram", 0x80000000ULL, (1ULL << 48) - 0x80000000ULL },
};

uint64_t memmap_gicv3_redist_base(unsigned int nr_vcpus)
{
	return memmap[MM_GIC_DIST].base -
	       (uint64_t)nr_vcpus * MEMMAP_GICV3_REDIST_SIZE_PER_CPU;
}

void arch_declare_resources(struct resources *r)
{
	res_declare_window(r, RES_UART, memmap[MM_UART].base,
			   memmap[MM_UART].size, MEMMAP_UART_SIZE);
	res_declare_window(r, RES_RTC, memmap[MM_RTC].base,
			   memmap[MM_RTC].size, MEMMAP_RTC_SIZE);
	res_declare_window(r, RES_VIRTIO_MMIO, memmap[MM_VIRTIO_MMIO].base,
			   memmap[MM_VIRTIO_MMIO].size, MEMMAP_VIRTIO_MMIO_SLOT);
	res_declare_irqs(r, MEMMAP_MAX_SPIS);
}

unsigned int memmap_ipa_bits(uint64_t ram_size)
{
	uint64_t top = memmap[MM_RAM].base + ram_size;
	unsigned int bits = 32;

	while (bits < 64 && (top - 1) >> bits)
		bits++;
	return bits;
}

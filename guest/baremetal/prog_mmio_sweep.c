/*
 * A hostile guest's MMIO: every access size at every naturally aligned
 * offset of every device window, read and written with all-zeroes and
 * all-ones, including queue sizes of 0 and 0xffffffff, queues enabled on
 * garbage rings and notifications of queues that do not exist; then the
 * reserved holes of the memory map. lkvm must stay up; afterwards every
 * virtio device must still answer and accept a reset.
 */
#include "baremetal.h"

#include <stdbool.h>

#define VIRTIO_BASE 0x03000000UL
#define VIRTIO_SLOT 0x200UL
#define VIRTIO_SLOTS 8
#define VIRTIO_MAGIC 0x74726976U
#define REG_STATUS 0x70
#define UART_THR 0
#define RTC_BASE 0x01010000UL
#define RTC_SIZE 0x1000UL

static inline void write_sized(u64 addr, unsigned int size, u64 v)
{
	switch (size) {
	case 1: *(volatile u8 *)addr = (u8)v; break;
	case 2: *(volatile unsigned short *)addr = (unsigned short)v; break;
	case 4: *(volatile u32 *)addr = (u32)v; break;
	default: *(volatile u64 *)addr = v; break;
	}
}

static inline u64 read_sized(u64 addr, unsigned int size)
{
	switch (size) {
	case 1: return *(volatile u8 *)addr;
	case 2: return *(volatile unsigned short *)addr;
	case 4: return *(volatile u32 *)addr;
	default: return *(volatile u64 *)addr;
	}
}

/* Reads, then writes @pattern, at every size and aligned offset. */
static u64 sweep(u64 base, u64 len, bool writes, u64 pattern, u64 skip_off)
{
	u64 n = 0;

	for (unsigned int size = 1; size <= 8; size *= 2) {
		for (u64 off = 0; off + size <= len; off += size) {
			(void)read_sized(base + off, size);
			if (writes && off != skip_off)
				write_sized(base + off, size, pattern);
			n++;
		}
	}
	return n;
}

void payload_main(u64 dtb)
{
	u64 accesses = 0;
	unsigned int devices = 0;

	(void)dtb;
	puts("sweep: start\n");
	for (unsigned int i = 0; i < VIRTIO_SLOTS; i++) {
		u64 base = VIRTIO_BASE + i * VIRTIO_SLOT;

		if (mmio_read32(base) != VIRTIO_MAGIC)
			continue;
		devices++;
		accesses += sweep(base, VIRTIO_SLOT, true, 0, ~0UL);
		accesses += sweep(base, VIRTIO_SLOT, true, ~0UL, ~0UL);
		accesses += sweep(base, VIRTIO_SLOT, true, 0x80000001UL, ~0UL);
	}
	/* The UART: everything but THR (it would print the pattern). */
	accesses += sweep(UART_BASE, 64, true, 0, UART_THR);
	mmio_write8(UART_BASE + 3, 0x03);	/* back to 8N1, DLAB off */
	mmio_write8(UART_BASE + 1, 0);
	/* The PL031: its 4 KiB, setting the time and the match to garbage. */
	accesses += sweep(RTC_BASE, RTC_SIZE, true, 0, ~0UL);
	accesses += sweep(RTC_BASE, RTC_SIZE, true, ~0UL, ~0UL);
	if (mmio_read32(RTC_BASE + 0xfe0) != 0x31 || mmio_read32(RTC_BASE + 0xc) != 1)
		puts("sweep: FAIL the RTC stopped answering\n");
	/* Holes of the memory map nobody claims: reads 0, writes vanish. */
	accesses += sweep(RTC_BASE + RTC_SIZE, 64, true, ~0UL, ~0UL);
	accesses += sweep(0x01020000UL, 64, true, ~0UL, ~0UL);	/* pvtime */
	accesses += sweep(0x02000000UL, 64, true, ~0UL, ~0UL);	/* flash */
	accesses += sweep(0x40000000UL, 64, true, ~0UL, ~0UL);	/* PCI */
	accesses += sweep(VIRTIO_BASE + VIRTIO_SLOTS * VIRTIO_SLOT, 64, true,
			  ~0UL, ~0UL);
	if (mmio_read32(0x01020000UL) != 0 || mmio_read32(RTC_BASE + RTC_SIZE) != 0)
		puts("sweep: FAIL unclaimed MMIO did not read as zero\n");

	/* Every device still there, and a reset brings it back. */
	for (unsigned int i = 0; i < VIRTIO_SLOTS; i++) {
		u64 base = VIRTIO_BASE + i * VIRTIO_SLOT;

		if (mmio_read32(base) != VIRTIO_MAGIC)
			continue;
		mmio_write32(base + REG_STATUS, 0);
		if (mmio_read32(base + REG_STATUS) != 0)
			puts("sweep: FAIL a device did not reset\n");
		devices--;
	}
	if (devices)
		puts("sweep: FAIL a device stopped answering\n");
	puts("sweep: ");
	put_dec(accesses);
	puts(" accesses done\n");
}

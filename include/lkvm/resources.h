/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_RESOURCES_H
#define LKVM_RESOURCES_H

#include <lkvm/compiler.h>

/*
 * The machine's resources: guest-physical MMIO windows and interrupt
 * lines. The architecture declares them once (for arm64, from the memory
 * map in arm/memmap.c); devices ask for a window of a kind and for a
 * line and get them in the order they ask, so the same configuration
 * always gives the same addresses and lines (a snapshot relies on it).
 * Devices never see the memory map itself.
 */

/* The kinds of window a device may ask for. */
enum res_window {
	RES_UART,		/* the 8250 */
	RES_RTC,		/* the real-time clock */
	RES_VIRTIO_MMIO,	/* virtio-mmio transports, one slot each */
	RES_NR_WINDOWS,
};

struct res_window_decl {
	uint64_t base;
	uint64_t size;		/* the whole window */
	uint64_t slot;		/* what one device gets of it */
};

struct resources {
	struct res_window_decl win[RES_NR_WINDOWS];
	unsigned int used[RES_NR_WINDOWS];	/* slots handed out */
	unsigned int nr_irqs;			/* lines that exist */
	unsigned int irqs_used;
};

/* The architecture's part: what exists (a window of size 0 does not). */
void res_declare_window(struct resources *r, enum res_window w, uint64_t base,
			uint64_t size, uint64_t slot);
void res_declare_irqs(struct resources *r, unsigned int nr);

/*
 * The next slot of window @w for device @owner (named in errors): its
 * base and size. Returns 0, or -ENOSPC after logging when the window is
 * full or does not exist on this machine.
 */
int res_alloc_mmio(struct resources *r, enum res_window w, const char *owner,
		   uint64_t *base, uint64_t *size);

/*
 * The next interrupt line for @owner: 0, 1, 2, ... (the architecture
 * turns a line into its interrupt number). -ENOSPC after logging.
 */
int res_alloc_irq(struct resources *r, const char *owner, unsigned int *line);

#endif

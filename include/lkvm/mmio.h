/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_MMIO_H
#define LKVM_MMIO_H

#include <lkvm/compiler.h>

/*
 * Called on a vcpu thread for an access of @len bytes (1, 2, 4 or 8) at
 * @offset inside the region. For reads the handler fills @data; for
 * writes @data holds the value, little-endian. Both @offset and @len are
 * guest-controlled: the bus guarantees only offset + len <= region size.
 */
typedef void (*mmio_handler)(void *opaque, uint64_t offset, uint8_t *data,
			     unsigned int len, bool is_write);

struct mmio_region {
	uint64_t base;
	uint64_t size;
	mmio_handler handler;
	void *opaque;
	const char *name;
};

/*
 * Regions are registered while the VM is built and never change once a
 * vcpu runs, so lookups need no lock.
 */
struct mmio_bus {
	struct mmio_region *regions;	/* sorted by base, disjoint */
	unsigned int nr;
	unsigned int cap;
};

int mmio_bus_register(struct mmio_bus *bus, uint64_t base, uint64_t size,
		      mmio_handler handler, void *opaque, const char *name);
void mmio_bus_free(struct mmio_bus *bus);

/* The region holding all of [addr, addr + len), or NULL. */
const struct mmio_region *mmio_bus_find(const struct mmio_bus *bus,
					uint64_t addr, uint64_t len);

/*
 * Dispatches one access. Unclaimed reads return zeroes and unclaimed
 * writes are dropped; both are logged at debug level. Returns true when
 * a region claimed the access.
 */
bool mmio_bus_access(const struct mmio_bus *bus, uint64_t addr, uint8_t *data,
		     unsigned int len, bool is_write);

#endif

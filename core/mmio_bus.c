// SPDX-License-Identifier: GPL-2.0
#include <lkvm/mmio.h>

#include <lkvm/log.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int mmio_bus_register(struct mmio_bus *bus, uint64_t base, uint64_t size,
		      mmio_handler handler, void *opaque, const char *name)
{
	unsigned int pos = 0;
	uint64_t end;

	if (!size || add_overflows_u64(base, size, &end))
		return -EINVAL;
	for (unsigned int i = 0; i < bus->nr; i++) {
		const struct mmio_region *r = &bus->regions[i];

		if (ranges_overlap(base, size, r->base, r->size)) {
			pr_err("MMIO region %s [0x%llx+0x%llx] overlaps %s",
			       name, (unsigned long long)base,
			       (unsigned long long)size, r->name);
			return -EBUSY;
		}
		if (r->base < base)
			pos = i + 1;
	}
	if (bus->nr == bus->cap) {
		unsigned int cap = bus->cap ? bus->cap * 2 : 16;
		struct mmio_region *n = realloc(bus->regions, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		bus->regions = n;
		bus->cap = cap;
	}
	memmove(&bus->regions[pos + 1], &bus->regions[pos],
		(bus->nr - pos) * sizeof(*bus->regions));
	bus->regions[pos] = (struct mmio_region){
		.base = base,
		.size = size,
		.handler = handler,
		.opaque = opaque,
		.name = name,
	};
	bus->nr++;
	return 0;
}

void mmio_bus_free(struct mmio_bus *bus)
{
	free(bus->regions);
	memset(bus, 0, sizeof(*bus));
}

const struct mmio_region *mmio_bus_find(const struct mmio_bus *bus,
					uint64_t addr, uint64_t len)
{
	unsigned int lo = 0, hi = bus->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct mmio_region *r = &bus->regions[mid];

		if (addr < r->base) {
			hi = mid;
		} else if (addr - r->base >= r->size) {
			lo = mid + 1;
		} else {
			/* addr is inside r: the whole access must be too. */
			if (len > r->size - (addr - r->base))
				return NULL;
			return r;
		}
	}
	return NULL;
}

bool mmio_bus_access(const struct mmio_bus *bus, uint64_t addr, uint8_t *data,
		     unsigned int len, bool is_write)
{
	const struct mmio_region *r = mmio_bus_find(bus, addr, len);

	if (!r) {
		if (!is_write)
			memset(data, 0, len);
		pr_debug("unclaimed MMIO %s of %u bytes at 0x%llx",
			 is_write ? "write" : "read", len,
			 (unsigned long long)addr);
		return false;
	}
	r->handler(r->opaque, addr - r->base, data, len, is_write);
	return true;
}

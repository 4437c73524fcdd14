// SPDX-License-Identifier: GPL-2.0
/*
 * Handing out MMIO windows and interrupt lines, in request order: the
 * same devices asking in the same order get the same resources.
 */
#include <lkvm/resources.h>

#include <lkvm/log.h>

#include <errno.h>

static const char *const window_names[RES_NR_WINDOWS] = {
	[RES_UART] = "UART",
	[RES_RTC] = "RTC",
	[RES_VIRTIO_MMIO] = "virtio-mmio",
};

void res_declare_window(struct resources *r, enum res_window w, uint64_t base,
			uint64_t size, uint64_t slot)
{
	r->win[w] = (struct res_window_decl){ base, size, slot };
	r->used[w] = 0;
}

void res_declare_irqs(struct resources *r, unsigned int nr)
{
	r->nr_irqs = nr;
	r->irqs_used = 0;
}

int res_alloc_mmio(struct resources *r, enum res_window w, const char *owner,
		   uint64_t *base, uint64_t *size)
{
	const struct res_window_decl *d = &r->win[w];
	uint64_t offset;

	if (!d->size || !d->slot) {
		pr_err("%s: this machine has no %s window", owner,
		       window_names[w]);
		return -ENOSPC;
	}
	offset = (uint64_t)r->used[w] * d->slot;
	if (offset >= d->size || d->size - offset < d->slot) {
		pr_err("%s: the %s window is full (%u devices)", owner,
		       window_names[w], r->used[w]);
		return -ENOSPC;
	}
	r->used[w]++;
	*base = d->base + offset;
	*size = d->slot;
	return 0;
}

int res_alloc_irq(struct resources *r, const char *owner, unsigned int *line)
{
	if (r->irqs_used >= r->nr_irqs) {
		pr_err("%s: out of interrupt lines (%u, all in use)", owner,
		       r->nr_irqs);
		return -ENOSPC;
	}
	*line = r->irqs_used++;
	return 0;
}

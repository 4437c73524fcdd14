// SPDX-License-Identifier: GPL-2.0
/*
 * The device tree: generated for exactly the machine that was built,
 * from the memory map table and the devices that exist.
 */
#include <lkvm/arm/fdt.h>

#include <lkvm/arm/image.h>
#include <lkvm/device.h>
#include <lkvm/irq.h>
#include <lkvm/log.h>

#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int prop_reg64(void *fdt, const char *name, uint64_t base, uint64_t size)
{
	fdt64_t reg[2] = { cpu_to_fdt64(base), cpu_to_fdt64(size) };

	return fdt_property(fdt, name, reg, sizeof(reg));
}

int fdt_prop_spi(void *fdt, unsigned int spi, bool edge)
{
	fdt32_t irq[3] = {
		cpu_to_fdt32(GIC_FDT_IRQ_TYPE_SPI),
		cpu_to_fdt32(spi),
		cpu_to_fdt32(edge ? IRQ_TYPE_EDGE_RISING : IRQ_TYPE_LEVEL_HIGH),
	};

	return fdt_property(fdt, "interrupts", irq, sizeof(irq));
}

/* PPI flags: GICv2 also names the CPUs the PPI is wired to. */
static uint32_t ppi_flags(const struct fdt_machine *m, uint32_t type)
{
	if (m->gic == GIC_V2)
		type |= (((1U << MIN(m->nr_cpus, 8U)) - 1) & 0xff) << 8;
	return type;
}

static int add_cpus(void *fdt, const struct fdt_machine *m)
{
	int ret = fdt_begin_node(fdt, "cpus");

	ret = ret ?: fdt_property_u32(fdt, "#address-cells", 1);
	ret = ret ?: fdt_property_u32(fdt, "#size-cells", 0);
	for (unsigned int i = 0; !ret && i < m->nr_cpus; i++) {
		uint32_t aff = (uint32_t)(m->mpidr[i] & 0xffffff);
		char name[24];

		snprintf(name, sizeof(name), "cpu@%x", aff);
		ret = fdt_begin_node(fdt, name);
		ret = ret ?: fdt_property_string(fdt, "device_type", "cpu");
		ret = ret ?: fdt_property_string(fdt, "compatible", "arm,arm-v8");
		ret = ret ?: fdt_property_string(fdt, "enable-method", "psci");
		ret = ret ?: fdt_property_u32(fdt, "reg", aff);
		ret = ret ?: fdt_end_node(fdt);
	}
	return ret ?: fdt_end_node(fdt);
}

static int add_psci(void *fdt, const struct fdt_machine *m)
{
	static const char compat[] = "arm,psci-1.0\0arm,psci-0.2";
	int ret = fdt_begin_node(fdt, "psci");

	ret = ret ?: fdt_property(fdt, "compatible", compat, sizeof(compat));
	ret = ret ?: fdt_property_string(fdt, "method",
					 m->nested ? "smc" : "hvc");
	return ret ?: fdt_end_node(fdt);
}

/* The most PPIs one property lists: the timer's five with EL2. */
#define FDT_MAX_PPIS 5

static int add_ppis(void *fdt, const struct fdt_machine *m, const char *prop,
		    const uint32_t *ppis, unsigned int nr, uint32_t type)
{
	fdt32_t cells[FDT_MAX_PPIS * 3];

	if (nr > FDT_MAX_PPIS)
		return -FDT_ERR_INTERNAL;
	for (unsigned int i = 0; i < nr; i++) {
		cells[i * 3] = cpu_to_fdt32(GIC_FDT_IRQ_TYPE_PPI);
		cells[i * 3 + 1] = cpu_to_fdt32(ppis[i]);
		cells[i * 3 + 2] = cpu_to_fdt32(ppi_flags(m, type));
	}
	return fdt_property(fdt, prop, cells, nr * 3 * sizeof(cells[0]));
}

static int add_timer(void *fdt, const struct fdt_machine *m)
{
	/*
	 * Order fixed by the binding: secure, non-secure, virtual, hyp,
	 * and the hyp virtual timer, which only a guest with EL2 has.
	 */
	static const uint32_t ppis[] = { PPI_SEC_PHYS_TIMER, PPI_NONSEC_PHYS_TIMER,
					 PPI_VIRT_TIMER, PPI_HYP_TIMER,
					 PPI_HYP_VIRT_TIMER };
	int ret = fdt_begin_node(fdt, "timer");

	ret = ret ?: fdt_property_string(fdt, "compatible", "arm,armv8-timer");
	ret = ret ?: add_ppis(fdt, m, "interrupts", ppis, m->nested ? 5 : 4,
			      IRQ_TYPE_LEVEL_LOW);
	ret = ret ?: fdt_property(fdt, "always-on", NULL, 0);
	return ret ?: fdt_end_node(fdt);
}

static int add_pmu(void *fdt, const struct fdt_machine *m)
{
	static const uint32_t ppi = PPI_PMU;
	int ret = fdt_begin_node(fdt, "pmu");

	ret = ret ?: fdt_property_string(fdt, "compatible", "arm,armv8-pmuv3");
	ret = ret ?: add_ppis(fdt, m, "interrupts", &ppi, 1, IRQ_TYPE_LEVEL_HIGH);
	return ret ?: fdt_end_node(fdt);
}

static int add_gic(void *fdt, const struct fdt_machine *m)
{
	fdt64_t reg[4] = {
		cpu_to_fdt64(m->gic_dist_base), cpu_to_fdt64(m->gic_dist_size),
		cpu_to_fdt64(m->gic_redist_base), cpu_to_fdt64(m->gic_redist_size),
	};
	char name[32];
	int ret;

	snprintf(name, sizeof(name), "intc@%llx",
		 (unsigned long long)m->gic_dist_base);
	ret = fdt_begin_node(fdt, name);
	ret = ret ?: fdt_property_string(fdt, "compatible",
					 m->gic == GIC_V3 ? "arm,gic-v3" :
							    "arm,cortex-a15-gic");
	ret = ret ?: fdt_property_u32(fdt, "#interrupt-cells", 3);
	ret = ret ?: fdt_property(fdt, "interrupt-controller", NULL, 0);
	ret = ret ?: fdt_property_u32(fdt, "#address-cells", 2);
	ret = ret ?: fdt_property_u32(fdt, "#size-cells", 2);
	ret = ret ?: fdt_property(fdt, "reg", reg, sizeof(reg));
	if (m->nested) {
		static const uint32_t maint = PPI_GIC_MAINT;

		ret = ret ?: add_ppis(fdt, m, "interrupts", &maint, 1,
				      IRQ_TYPE_LEVEL_HIGH);
	}
	ret = ret ?: fdt_property_u32(fdt, "phandle", FDT_GIC_PHANDLE);
	return ret ?: fdt_end_node(fdt);
}

static int add_memory(void *fdt, const struct fdt_machine *m)
{
	char name[32];
	int ret;

	snprintf(name, sizeof(name), "memory@%llx",
		 (unsigned long long)m->ram_base);
	ret = fdt_begin_node(fdt, name);
	ret = ret ?: fdt_property_string(fdt, "device_type", "memory");
	ret = ret ?: prop_reg64(fdt, "reg", m->ram_base, m->ram_size);
	return ret ?: fdt_end_node(fdt);
}

static int add_chosen(void *fdt, const struct fdt_machine *m)
{
	int ret = fdt_begin_node(fdt, "chosen");

	ret = ret ?: fdt_property_string(fdt, "bootargs",
					 m->bootargs ? m->bootargs : "");
	if (m->initrd_end) {
		ret = ret ?: fdt_property_u64(fdt, "linux,initrd-start",
					      m->initrd_start);
		ret = ret ?: fdt_property_u64(fdt, "linux,initrd-end",
					      m->initrd_end);
	}
	if (m->stdout_path)
		ret = ret ?: fdt_property_string(fdt, "stdout-path",
						 m->stdout_path);
	if (m->rng_seed) {
		ret = ret ?: fdt_property(fdt, "rng-seed", m->rng_seed,
					  FDT_RNG_SEED_SIZE);
		ret = ret ?: fdt_property_u64(fdt, "kaslr-seed", m->kaslr_seed);
	}
	return ret ?: fdt_end_node(fdt);
}

static int add_aliases(void *fdt, const struct fdt_machine *m)
{
	int ret;

	if (!m->serial0)
		return 0;
	ret = fdt_begin_node(fdt, "aliases");
	ret = ret ?: fdt_property_string(fdt, "serial0", m->serial0);
	return ret ?: fdt_end_node(fdt);
}

/*
 * Without de-duplicating property names: libfdt looks for each new
 * name at every byte offset of the strings block, which cost more than
 * the rest of building the tree (0.2 M instructions of a start's 2.8 M
 * in the nested test host). Each property then brings its own name, a
 * tree of about 1 KiB more.
 */
static int build_into(void *fdt, size_t size, const struct fdt_machine *m)
{
	int ret = fdt_create_with_flags(fdt, (int)size,
					FDT_CREATE_FLAG_NO_NAME_DEDUP);

	ret = ret ?: fdt_finish_reservemap(fdt);
	ret = ret ?: fdt_begin_node(fdt, "");
	ret = ret ?: fdt_property_string(fdt, "compatible", "linux,dummy-virt");
	ret = ret ?: fdt_property_string(fdt, "model", "lkvm virt");
	ret = ret ?: fdt_property_u32(fdt, "#address-cells", 2);
	ret = ret ?: fdt_property_u32(fdt, "#size-cells", 2);
	ret = ret ?: fdt_property_u32(fdt, "interrupt-parent", FDT_GIC_PHANDLE);
	ret = ret ?: add_chosen(fdt, m);
	ret = ret ?: add_aliases(fdt, m);
	ret = ret ?: add_memory(fdt, m);
	ret = ret ?: add_cpus(fdt, m);
	ret = ret ?: add_psci(fdt, m);
	ret = ret ?: add_timer(fdt, m);
	ret = ret ?: add_gic(fdt, m);
	if (m->pmu)
		ret = ret ?: add_pmu(fdt, m);
	for (const struct device *d = m->devices; !ret && d; d = d->next)
		if (d->ops->fdt_node)
			ret = d->ops->fdt_node(d, fdt);
	ret = ret ?: fdt_end_node(fdt);
	ret = ret ?: fdt_finish(fdt);
	return ret;
}

int fdt_build(const struct fdt_machine *m, void **out, size_t *out_size)
{
	/*
	 * Small first: the buffer is zeroed, and every page of it touched
	 * costs a page fault; most trees fit in 8 KiB.
	 */
	for (size_t size = SZ_8K; size <= DTB_MAX_SIZE; size *= 2) {
		void *fdt = calloc(1, size);
		int ret;

		if (!fdt)
			return -ENOMEM;
		ret = build_into(fdt, size, m);
		if (!ret) {
			*out = fdt;
			*out_size = fdt_totalsize(fdt);
			return 0;
		}
		free(fdt);
		if (ret != -FDT_ERR_NOSPACE) {
			pr_err("building the device tree failed: %s",
			       fdt_strerror(ret));
			return -EINVAL;
		}
	}
	pr_err("the device tree does not fit in %llu KiB",
	       (unsigned long long)(DTB_MAX_SIZE >> 10));
	return -E2BIG;
}

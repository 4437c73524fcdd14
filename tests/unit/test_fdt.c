#include "harness.h"

#include <lkvm/arm/fdt.h>
#include <lkvm/arm/memmap.h>
#include <lkvm/devices.h>
#include <lkvm/vm.h>

#include <libfdt.h>
#include <stdlib.h>

static const void *prop(const void *fdt, const char *path, const char *name,
			int *len)
{
	int node = fdt_path_offset(fdt, path);

	if (node < 0)
		return NULL;
	return fdt_getprop(fdt, node, name, len);
}

/* Property values are only 4-byte aligned: read them byte-wise. */
static uint32_t cell(const void *p, int i)
{
	return fdt32_ld((const fdt32_t *)p + i);
}

static uint64_t cell64(const void *p, int i)
{
	return fdt64_ld((const fdt64_t *)p + i);
}

struct built {
	struct vm_config cfg;
	struct vm vm;
	void *fdt;
	size_t size;
};

static void build_full(struct built *b, unsigned int nr_cpus,
		       enum gic_kind gic, bool pmu, bool initrd, bool rtc,
		       bool nested)
{
	static const uint64_t mpidr[] = { 0x80000000, 0x80000001, 0x80000002 };
	static const uint8_t seed[FDT_RNG_SEED_SIZE] = { 1, 2, 3 };
	struct fdt_machine m;

	memset(b, 0, sizeof(*b));
	CHECK_EQ(vm_config_init(&b->cfg), 0);
	b->cfg.rtc = rtc;
	b->vm.cfg = &b->cfg;
	arch_declare_resources(&b->vm.res);
	CHECK_EQ(uart8250_model.instantiate(&b->vm), 0);
	CHECK_EQ(pl031_model.instantiate(&b->vm), 0);
	m = (struct fdt_machine){
		.nr_cpus = nr_cpus,
		.mpidr = mpidr,
		.gic = gic,
		.gic_dist_base = 0x3fff0000,
		.gic_dist_size = 0x10000,
		.gic_redist_base = 0x3fff0000 - nr_cpus * 0x20000ULL,
		.gic_redist_size = nr_cpus * 0x20000ULL,
		.ram_base = 0x80000000,
		.ram_size = 256ULL << 20,
		.bootargs = "console=ttyS0 quiet",
		.initrd_start = initrd ? 0x82400000 : 0,
		.initrd_end = initrd ? 0x82500000 : 0,
		.pmu = pmu,
		.nested = nested,
		.stdout_path = "/uart@1000000",
		.serial0 = "/uart@1000000",
		.devices = b->vm.devices,
		.rng_seed = seed,
		.kaslr_seed = 42,
	};
	CHECK_EQ(fdt_build(&m, &b->fdt, &b->size), 0);
}

static void build_rtc(struct built *b, unsigned int nr_cpus, enum gic_kind gic,
		      bool pmu, bool initrd, bool rtc)
{
	build_full(b, nr_cpus, gic, pmu, initrd, rtc, false);
}

static void build(struct built *b, unsigned int nr_cpus, enum gic_kind gic,
		  bool pmu, bool initrd)
{
	build_rtc(b, nr_cpus, gic, pmu, initrd, true);
}

static void destroy(struct built *b)
{
	for (struct device *d = b->vm.devices, *n; d; d = n) {
		n = d->next;
		d->ops->destroy(d);
	}
	mmio_bus_free(&b->vm.mmio);
	free(b->fdt);
	vm_config_release(&b->cfg);
}

static void test_root_and_chosen(void)
{
	struct built b;
	const void *p;
	int len;

	build(&b, 2, GIC_V3, false, true);
	CHECK_EQ(fdt_check_header(b.fdt), 0);
	CHECK_EQ(fdt_totalsize(b.fdt), b.size);
	CHECK_STR(prop(b.fdt, "/", "compatible", &len), "linux,dummy-virt");
	p = prop(b.fdt, "/", "interrupt-parent", &len);
	CHECK(p && cell(p, 0) == FDT_GIC_PHANDLE);
	CHECK_STR(prop(b.fdt, "/chosen", "bootargs", &len), "console=ttyS0 quiet");
	CHECK_STR(prop(b.fdt, "/chosen", "stdout-path", &len), "/uart@1000000");
	p = prop(b.fdt, "/chosen", "linux,initrd-start", &len);
	CHECK(p && len == 8 && cell64(p, 0) == 0x82400000);
	p = prop(b.fdt, "/chosen", "linux,initrd-end", &len);
	CHECK(p && len == 8 && cell64(p, 0) == 0x82500000);
	p = prop(b.fdt, "/chosen", "rng-seed", &len);
	CHECK(p && len == FDT_RNG_SEED_SIZE);
	CHECK_STR(prop(b.fdt, "/aliases", "serial0", &len), "/uart@1000000");
	p = prop(b.fdt, "/memory@80000000", "reg", &len);
	CHECK(p && len == 16 && cell64(p, 0) == 0x80000000 &&
	      cell64(p, 1) == 256ULL << 20);
	destroy(&b);
}

static void test_cpus_psci_timer(void)
{
	struct built b;
	const void *p;
	int len;

	build(&b, 3, GIC_V3, false, false);
	p = prop(b.fdt, "/cpus/cpu@2", "reg", &len);
	CHECK(p && len == 4 && cell(p, 0) == 2);
	CHECK_STR(prop(b.fdt, "/cpus/cpu@0", "enable-method", &len), "psci");
	CHECK(fdt_path_offset(b.fdt, "/cpus/cpu@3") < 0);
	CHECK_STR(prop(b.fdt, "/psci", "method", &len), "hvc");
	CHECK_STR(prop(b.fdt, "/psci", "compatible", &len), "arm,psci-1.0");
	p = prop(b.fdt, "/timer", "interrupts", &len);
	CHECK(p && len == 48);
	/* Secure, non-secure, virtual, hyp: PPIs 13, 14, 11, 10. */
	CHECK(p && cell(p, 1) == 13 && cell(p, 4) == 14 && cell(p, 7) == 11 &&
	      cell(p, 10) == 10);
	CHECK(p && cell(p, 0) == 1 && cell(p, 2) == 8);	/* PPI, level-low */
	CHECK(prop(b.fdt, "/chosen", "linux,initrd-start", &len) == NULL);
	CHECK(fdt_path_offset(b.fdt, "/pmu") < 0);
	/* No EL2: no maintenance interrupt on the GIC. */
	CHECK(prop(b.fdt, "/intc@3fff0000", "interrupts", &len) == NULL);
	destroy(&b);
}

/* --nested: PSCI over SMC, the EL2 virtual timer, the maintenance PPI. */
static void test_nested(void)
{
	struct built b;
	const void *p;
	int len;

	build_full(&b, 2, GIC_V3, false, false, true, true);
	CHECK_STR(prop(b.fdt, "/psci", "method", &len), "smc");
	p = prop(b.fdt, "/timer", "interrupts", &len);
	CHECK(p && len == 60);
	/* Secure, non-secure, virtual, hyp, hyp virtual: 13, 14, 11, 10, 12. */
	CHECK(p && cell(p, 1) == 13 && cell(p, 4) == 14 && cell(p, 7) == 11 &&
	      cell(p, 10) == 10 && cell(p, 13) == 12);
	p = prop(b.fdt, "/intc@3fff0000", "interrupts", &len);
	/* PPI 9, level-high (4). */
	CHECK(p && len == 12 && cell(p, 0) == 1 && cell(p, 1) == 9 &&
	      cell(p, 2) == 4);
	destroy(&b);
}

static void test_gic_v3(void)
{
	struct built b;
	const void *p;
	int len;

	build(&b, 2, GIC_V3, true, false);
	CHECK_STR(prop(b.fdt, "/intc@3fff0000", "compatible", &len), "arm,gic-v3");
	p = prop(b.fdt, "/intc@3fff0000", "reg", &len);
	CHECK(p && len == 32 && cell64(p, 0) == 0x3fff0000 &&
	      cell64(p, 1) == 0x10000 && cell64(p, 2) == 0x3ffb0000 &&
	      cell64(p, 3) == 0x40000);
	CHECK(prop(b.fdt, "/intc@3fff0000", "interrupt-controller", &len) != NULL);
	p = prop(b.fdt, "/pmu", "interrupts", &len);
	CHECK(p && len == 12 && cell(p, 0) == 1 && cell(p, 1) == 7);
	destroy(&b);
}

static void test_gic_v2_cpu_masks(void)
{
	struct built b;
	const void *p;
	int len;

	build(&b, 3, GIC_V2, false, false);
	CHECK_STR(prop(b.fdt, "/intc@3fff0000", "compatible", &len),
		  "arm,cortex-a15-gic");
	p = prop(b.fdt, "/timer", "interrupts", &len);
	/* GICv2 PPIs name their CPUs: mask 0b111 in bits 8-15. */
	CHECK(p && cell(p, 2) == (8 | (7 << 8)));
	destroy(&b);
}

static void test_uart_node(void)
{
	struct built b;
	const void *p;
	int len;

	build(&b, 1, GIC_V3, false, false);
	CHECK_STR(prop(b.fdt, "/uart@1000000", "compatible", &len), "ns16550a");
	p = prop(b.fdt, "/uart@1000000", "reg", &len);
	CHECK(p && len == 16 && cell64(p, 0) == memmap[MM_UART].base &&
	      cell64(p, 1) == 8);
	p = prop(b.fdt, "/uart@1000000", "interrupts", &len);
	CHECK(p && len == 12 && cell(p, 0) == 0 && cell(p, 1) == 0 &&
	      cell(p, 2) == 4);
	p = prop(b.fdt, "/uart@1000000", "clock-frequency", &len);
	CHECK(p && cell(p, 0) == 1843200);
	/* The device's MMIO window is on the bus where the DTB says. */
	CHECK(mmio_bus_find(&b.vm.mmio, 0x1000000, 1) != NULL);
	CHECK(mmio_bus_find(&b.vm.mmio, 0x1000008, 1) == NULL);
	destroy(&b);
}

static void test_rtc_node(void)
{
	const char *rtc = "/rtc@1010000";
	struct built b;
	const void *p;
	int len;

	build(&b, 1, GIC_V3, false, false);
	p = prop(b.fdt, rtc, "compatible", &len);
	CHECK(p && len == sizeof("arm,pl031\0arm,primecell") &&
	      !memcmp(p, "arm,pl031\0arm,primecell", (size_t)len));
	p = prop(b.fdt, rtc, "reg", &len);
	CHECK(p && len == 16 && cell64(p, 0) == memmap[MM_RTC].base &&
	      cell64(p, 1) == 0x1000);
	/* SPI 1, after the UART's; level-triggered (RTCINTR). */
	p = prop(b.fdt, rtc, "interrupts", &len);
	CHECK(p && len == 12 && cell(p, 0) == 0 && cell(p, 1) == 1 &&
	      cell(p, 2) == 4);
	/* The AMBA bus wants the apb_pclk clock before it reads the IDs. */
	p = prop(b.fdt, rtc, "clocks", &len);
	CHECK(p && len == 4 && cell(p, 0) == FDT_APB_PCLK_PHANDLE);
	CHECK_STR(prop(b.fdt, rtc, "clock-names", &len), "apb_pclk");
	CHECK_STR(prop(b.fdt, "/apb-pclk", "compatible", &len), "fixed-clock");
	p = prop(b.fdt, "/apb-pclk", "phandle", &len);
	CHECK(p && cell(p, 0) == FDT_APB_PCLK_PHANDLE);
	p = prop(b.fdt, "/apb-pclk", "#clock-cells", &len);
	CHECK(p && cell(p, 0) == 0);
	CHECK(mmio_bus_find(&b.vm.mmio, 0x1010ffc, 4) != NULL);
	CHECK(mmio_bus_find(&b.vm.mmio, 0x1011000, 1) == NULL);
	destroy(&b);

	/* --no-rtc: neither node, nor the window. */
	build_rtc(&b, 1, GIC_V3, false, false, false);
	CHECK(fdt_path_offset(b.fdt, rtc) < 0);
	CHECK(fdt_path_offset(b.fdt, "/apb-pclk") < 0);
	CHECK(mmio_bus_find(&b.vm.mmio, 0x1010000, 4) == NULL);
	destroy(&b);
}

static const struct unit_test tests[] = {
	{ "root-and-chosen", test_root_and_chosen },
	{ "cpus-psci-timer", test_cpus_psci_timer },
	{ "nested", test_nested },
	{ "gic-v3", test_gic_v3 },
	{ "gic-v2-cpu-masks", test_gic_v2_cpu_masks },
	{ "uart-node", test_uart_node },
	{ "rtc-node", test_rtc_node },
};

UNIT_MAIN(tests)

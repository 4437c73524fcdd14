/*
 * The resource allocator with the arm64 machine's declaration: kvmtool's
 * addresses, one slot per request in request order, exhaustion.
 */
#include "harness.h"

#include <lkvm/arch.h>
#include <lkvm/resources.h>

#include <errno.h>

static void test_arm_windows(void)
{
	struct resources r = { 0 };
	uint64_t base, size;

	arch_declare_resources(&r);
	CHECK_EQ(res_alloc_mmio(&r, RES_UART, "uart", &base, &size), 0);
	CHECK_EQ(base, 0x1000000);
	CHECK_EQ(size, 8);
	CHECK_EQ(res_alloc_mmio(&r, RES_RTC, "rtc", &base, &size), 0);
	CHECK_EQ(base, 0x1010000);
	CHECK_EQ(res_alloc_mmio(&r, RES_VIRTIO_MMIO, "a", &base, &size), 0);
	CHECK_EQ(base, 0x3000000);
	CHECK_EQ(size, 0x200);
	CHECK_EQ(res_alloc_mmio(&r, RES_VIRTIO_MMIO, "b", &base, &size), 0);
	CHECK_EQ(base, 0x3000200);
}

static void test_virtio_window_fills(void)
{
	struct resources r = { 0 };
	uint64_t base = 0, size;
	unsigned int n = 0;

	arch_declare_resources(&r);
	while (!res_alloc_mmio(&r, RES_VIRTIO_MMIO, "v", &base, &size))
		n++;
	/* 16 MiB of 512-byte slots; the last one ends at the window's end. */
	CHECK_EQ(n, 32768);
	CHECK_EQ(base, 0x3fffe00);
	CHECK_EQ(res_alloc_mmio(&r, RES_VIRTIO_MMIO, "v", &base, &size),
		 -ENOSPC);
}

static void test_irqs(void)
{
	struct resources r = { 0 };
	unsigned int line = 99, n = 0;

	arch_declare_resources(&r);
	CHECK_EQ(res_alloc_irq(&r, "a", &line), 0);
	CHECK_EQ(line, 0);
	CHECK_EQ(res_alloc_irq(&r, "b", &line), 0);
	CHECK_EQ(line, 1);
	while (!res_alloc_irq(&r, "c", &line))
		n++;
	CHECK_EQ(n + 2, 256);
	CHECK_EQ(r.irqs_used, 256);
}

/* The same requests in the same order: the same answers (restore). */
static void test_deterministic(void)
{
	struct resources a = { 0 }, b = { 0 };
	enum res_window order[] = { RES_UART, RES_VIRTIO_MMIO, RES_RTC,
				    RES_VIRTIO_MMIO, RES_VIRTIO_MMIO };

	arch_declare_resources(&a);
	arch_declare_resources(&b);
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		uint64_t ba, sa, bb, sb;
		unsigned int la, lb;

		CHECK_EQ(res_alloc_mmio(&a, order[i], "x", &ba, &sa), 0);
		CHECK_EQ(res_alloc_mmio(&b, order[i], "x", &bb, &sb), 0);
		CHECK_EQ(res_alloc_irq(&a, "x", &la), 0);
		CHECK_EQ(res_alloc_irq(&b, "x", &lb), 0);
		CHECK(ba == bb && sa == sb && la == lb);
	}
}

static void test_undeclared(void)
{
	struct resources r = { 0 };
	uint64_t base, size;
	unsigned int line;

	CHECK_EQ(res_alloc_mmio(&r, RES_RTC, "rtc", &base, &size), -ENOSPC);
	CHECK_EQ(res_alloc_irq(&r, "x", &line), -ENOSPC);
}

static const struct unit_test tests[] = {
	{ "resources_arm_windows", test_arm_windows },
	{ "resources_virtio_window_fills", test_virtio_window_fills },
	{ "resources_irqs", test_irqs },
	{ "resources_deterministic", test_deterministic },
	{ "resources_undeclared", test_undeclared },
};

UNIT_MAIN(tests)

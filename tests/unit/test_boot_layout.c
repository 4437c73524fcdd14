#include "harness.h"

#include <lkvm/arm/image.h>
#include <lkvm/arm/memmap.h>

#include <errno.h>

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void make_header(uint8_t *h, uint64_t text_offset, uint64_t image_size,
			uint64_t flags)
{
	memset(h, 0, ARM64_IMAGE_HEADER_SIZE);
	put64(h + 8, text_offset);
	put64(h + 16, image_size);
	put64(h + 24, flags);
	memcpy(h + 56, "ARM\x64", 4);
}

static void test_image_header(void)
{
	uint8_t h[ARM64_IMAGE_HEADER_SIZE];
	struct kernel_image img;
	const char *why;

	/* Debian 6.1: text_offset 0, image_size larger than the file. */
	make_header(h, 0, 0x2010000, 0xa);
	CHECK_EQ(kernel_image_parse(h, sizeof(h), 32956352, &img, &why), 0);
	CHECK(img.is_image);
	CHECK_EQ(img.text_offset, 0);
	CHECK_EQ(img.image_size, 0x2010000);
	CHECK_EQ(img.flags, 0xa);
}

static void test_image_old_kernel(void)
{
	uint8_t h[ARM64_IMAGE_HEADER_SIZE];
	struct kernel_image img;
	const char *why;

	/* image_size 0: pre-3.17, text_offset is 0x80000 whatever it says. */
	make_header(h, 0x12345, 0, 0);
	CHECK_EQ(kernel_image_parse(h, sizeof(h), 1000000, &img, &why), 0);
	CHECK_EQ(img.text_offset, 0x80000);
	CHECK_EQ(img.image_size, 1000000);
}

static void test_image_refusals(void)
{
	uint8_t h[ARM64_IMAGE_HEADER_SIZE];
	struct kernel_image img;
	const char *why = NULL;

	make_header(h, 0, 0x100000, ARM64_IMAGE_FLAG_BE);
	CHECK_EQ(kernel_image_parse(h, sizeof(h), 4096, &img, &why), -EINVAL);
	CHECK(why && strstr(why, "big-endian"));
	make_header(h, 0x123, 0x100000, 0);
	CHECK_EQ(kernel_image_parse(h, sizeof(h), 4096, &img, &why), -EINVAL);
	CHECK(why && strstr(why, "text_offset"));
	make_header(h, SZ_2M, 0x100000, 0);
	CHECK_EQ(kernel_image_parse(h, sizeof(h), 4096, &img, &why), -EINVAL);
	CHECK_EQ(kernel_image_parse(h, 0, 0, &img, &why), -EINVAL);
	CHECK(why && strstr(why, "empty"));
}

static void test_flat_binary(void)
{
	uint8_t h[ARM64_IMAGE_HEADER_SIZE] = { 0x14 };
	struct kernel_image img;
	const char *why;

	CHECK_EQ(kernel_image_parse(h, sizeof(h), 1193, &img, &why), 0);
	CHECK(!img.is_image);
	CHECK_EQ(img.text_offset, 0x80000);
	CHECK_EQ(img.image_size, 1193);
	/* Shorter than a header: still a flat binary. */
	CHECK_EQ(kernel_image_parse(h, 12, 12, &img, &why), 0);
	CHECK(!img.is_image);
}

static void test_layout_linux(void)
{
	struct kernel_image img = { .is_image = true, .text_offset = 0,
				    .image_size = 0x2010000,
				    .file_size = 32956352 };
	struct boot_layout l;
	char why[160];

	CHECK_EQ(boot_layout_compute(&img, 0x80000000, 512ULL << 20, 987000, &l,
				     why, sizeof(why)),
		 0);
	CHECK_EQ(l.kernel_base, 0x80000000);
	CHECK_EQ(l.kernel_end, 0x82010000);
	CHECK_EQ(l.fdt_base, 0x82200000);	/* next 2 MiB boundary */
	CHECK_EQ(l.initrd_base, 0x82400000);
	CHECK_EQ(l.initrd_end, 0x82400000 + 987000);
	/* Nothing overlaps. */
	CHECK(l.kernel_end <= l.fdt_base);
	CHECK(l.fdt_base + DTB_MAX_SIZE <= l.initrd_base);
}

static void test_layout_flat(void)
{
	struct kernel_image img = { .text_offset = 0x80000, .image_size = 1193,
				    .file_size = 1193 };
	struct boot_layout l;
	char why[160];

	CHECK_EQ(boot_layout_compute(&img, 0x80000000, 128ULL << 20, 0, &l, why,
				     sizeof(why)),
		 0);
	CHECK_EQ(l.kernel_base, 0x80080000);
	CHECK_EQ(l.fdt_base, 0x80200000);
	CHECK_EQ(l.initrd_base, 0);
}

static void test_layout_too_small(void)
{
	struct kernel_image img = { .is_image = true, .image_size = 0x2010000,
				    .file_size = 32956352 };
	struct boot_layout l;
	char why[160];

	CHECK_EQ(boot_layout_compute(&img, 0x80000000, 16ULL << 20, 0, &l, why,
				     sizeof(why)),
		 -ENOSPC);
	CHECK(strstr(why, "kernel") && strstr(why, "16 MiB"));
	/* Kernel fits, DTB does not. */
	CHECK_EQ(boot_layout_compute(&img, 0x80000000, 34ULL << 20, 0, &l, why,
				     sizeof(why)),
		 -ENOSPC);
	CHECK(strstr(why, "device tree"));
	/* Kernel and DTB fit, initrd does not. */
	CHECK_EQ(boot_layout_compute(&img, 0x80000000, 64ULL << 20,
				     40ULL << 20, &l, why, sizeof(why)),
		 -ENOSPC);
	CHECK(strstr(why, "initrd") && strstr(why, "64 MiB"));
	/* Exactly enough. */
	CHECK_EQ(boot_layout_compute(&img, 0x80000000, 36ULL << 20, 0, &l, why,
				     sizeof(why)),
		 0);
}

static void test_memmap_table(void)
{
	/* Sorted, disjoint, and the kvmtool addresses scripts rely on. */
	for (int i = 1; i < MM_NR; i++)
		CHECK(memmap[i - 1].base + memmap[i - 1].size <= memmap[i].base);
	CHECK_EQ(memmap[MM_UART].base, 0x1000000);
	CHECK_EQ(memmap[MM_VIRTIO_MMIO].base, 0x3000000);
	CHECK_EQ(memmap[MM_GIC_DIST].base, 0x3fff0000);
	CHECK_EQ(memmap[MM_PCI_CFG].base, 0x40000000);
	CHECK_EQ(memmap[MM_RAM].base, 0x80000000);
}

static void test_memmap_gic(void)
{
	CHECK_EQ(memmap_gicv3_redist_base(1), 0x3ffd0000);
	CHECK_EQ(memmap_gicv3_redist_base(2), 0x3ffb0000);
	/* The largest redistributor region stays above the virtio window. */
	CHECK(memmap_gicv3_redist_base(MEMMAP_GICV3_MAX_VCPUS) >=
	      memmap[MM_GIC_REDIST].base);
	CHECK(memmap[MM_GIC_REDIST].base >=
	      memmap[MM_VIRTIO_MMIO].base + memmap[MM_VIRTIO_MMIO].size);
}

static void test_ipa_bits(void)
{
	CHECK_EQ(memmap_ipa_bits(512ULL << 20), 32);
	CHECK_EQ(memmap_ipa_bits(2ULL << 30), 32);	/* ends at 4 GiB */
	CHECK_EQ(memmap_ipa_bits((2ULL << 30) + SZ_2M), 33);
	CHECK_EQ(memmap_ipa_bits(1ULL << 40), 41);
	CHECK_EQ(memmap_ipa_bits((1ULL << 40) - (2ULL << 30)), 40);
}

static const struct unit_test tests[] = {
	{ "image-header", test_image_header },
	{ "image-old-kernel", test_image_old_kernel },
	{ "image-refusals", test_image_refusals },
	{ "flat-binary", test_flat_binary },
	{ "layout-linux", test_layout_linux },
	{ "layout-flat", test_layout_flat },
	{ "layout-too-small", test_layout_too_small },
	{ "memmap-table", test_memmap_table },
	{ "memmap-gic", test_memmap_gic },
	{ "ipa-bits", test_ipa_bits },
};

UNIT_MAIN(tests)

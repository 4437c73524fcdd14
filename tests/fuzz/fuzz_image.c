/*
 * The arm64 Image / flat-binary loader's decisions: header parsing and
 * placement of kernel, DTB and initrd. Whatever the file says, the
 * layout must stay inside RAM and nothing may overlap.
 */
#include "fuzz.h"

#include <lkvm/arm/image.h>

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t head[ARM64_IMAGE_HEADER_SIZE + 16] = { 0 };
	struct kernel_image img;
	struct boot_layout l;
	const char *why;
	char reason[160];
	uint64_t ram_size, initrd_size, file_size;

	if (size < 16)
		return 0;
	/* 16 bytes choose RAM, initrd and file sizes; the rest is the file. */
	memcpy(&ram_size, data, 8);
	memcpy(&initrd_size, data + 8, 8);
	ram_size = ALIGN_UP((ram_size % (4ULL << 30)) + SZ_2M, SZ_2M);
	initrd_size %= 1ULL << 32;
	data += 16;
	size -= 16;
	memcpy(head, data, MIN(size, sizeof(head)));
	file_size = size ? size : 1;
	if (kernel_image_parse(head, MIN(size, ARM64_IMAGE_HEADER_SIZE),
			       file_size, &img, &why))
		return 0;
	if (boot_layout_compute(&img, 0x80000000ULL, ram_size, initrd_size,
				&l, reason, sizeof(reason)))
		return 0;
	/* The contract the loader relies on. */
	if (l.kernel_base < 0x80000000ULL || l.kernel_end > 0x80000000ULL + ram_size ||
	    l.kernel_end - l.kernel_base < file_size ||
	    l.fdt_base < l.kernel_end || !IS_ALIGNED(l.fdt_base, SZ_2M) ||
	    l.fdt_base + DTB_MAX_SIZE > 0x80000000ULL + ram_size ||
	    (initrd_size && (l.initrd_base < l.fdt_base + DTB_MAX_SIZE ||
			     l.initrd_end - l.initrd_base != initrd_size ||
			     l.initrd_end > 0x80000000ULL + ram_size)))
		abort();
	return 0;
}

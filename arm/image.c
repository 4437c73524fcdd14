// SPDX-License-Identifier: GPL-2.0
#include <lkvm/arm/image.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

int kernel_image_parse(const uint8_t *head, size_t len, uint64_t file_size,
		       struct kernel_image *img, const char **why)
{
	memset(img, 0, sizeof(*img));
	img->file_size = file_size;
	*why = NULL;

	if (!file_size) {
		*why = "the file is empty";
		return -EINVAL;
	}
	if (len < ARM64_IMAGE_HEADER_SIZE || file_size < ARM64_IMAGE_HEADER_SIZE ||
	    le32(head + 56) != ARM64_IMAGE_MAGIC) {
		/* No header: a flat binary entered at its first byte. */
		img->text_offset = FLAT_LOAD_OFFSET;
		img->image_size = file_size;
		return 0;
	}

	img->is_image = true;
	img->text_offset = le64(head + 8);
	img->image_size = le64(head + 16);
	img->flags = le64(head + 24);
	if (!img->image_size) {
		/* Pre-3.17 kernels: text_offset is then 0x80000 by definition. */
		img->text_offset = ARM64_IMAGE_DEFAULT_TEXT_OFFSET;
		img->image_size = file_size;
	}
	if (img->flags & ARM64_IMAGE_FLAG_BE) {
		*why = "it is a big-endian kernel; lkvm boots little-endian guests only";
		return -EINVAL;
	}
	if (img->text_offset >= SZ_2M || !IS_ALIGNED(img->text_offset, SZ_4K)) {
		*why = "its header has an impossible text_offset";
		return -EINVAL;
	}
	if (img->image_size < file_size) {
		/* Trailing data (signatures) is not part of the image proper. */
		img->image_size = file_size;
	}
	return 0;
}

static void explain(char *why, size_t len, const char *what, uint64_t need,
		    uint64_t ram_size)
{
	snprintf(why, len,
		 "%s does not fit: it needs RAM up to %llu MiB, but --mem is %llu MiB",
		 what, (unsigned long long)((need + SZ_1M - 1) >> 20),
		 (unsigned long long)(ram_size >> 20));
}

int boot_layout_compute(const struct kernel_image *img, uint64_t ram_base,
			uint64_t ram_size, uint64_t initrd_size,
			struct boot_layout *out, char *why, size_t why_len)
{
	uint64_t ram_end = ram_base + ram_size;
	uint64_t end;

	memset(out, 0, sizeof(*out));
	/*
	 * The kernel goes at the bottom of RAM (2 MiB aligned plus
	 * text_offset), as the boot protocol prefers whatever the
	 * "anywhere" flag says; the DTB follows on the next 2 MiB boundary
	 * so that its block mapping shares nothing, and the initrd follows
	 * the DTB's reserved 2 MiB.
	 */
	out->kernel_base = ram_base + img->text_offset;
	if (add_overflows_u64(out->kernel_base, img->image_size, &end) ||
	    end > ram_end) {
		explain(why, why_len, "the kernel", end - ram_base, ram_size);
		return -ENOSPC;
	}
	out->kernel_end = end;

	out->fdt_base = ALIGN_UP(out->kernel_end, SZ_2M);
	if (out->fdt_base + DTB_MAX_SIZE > ram_end ||
	    out->fdt_base + DTB_MAX_SIZE - out->kernel_base > SZ_512M) {
		explain(why, why_len, "the device tree after the kernel",
			out->fdt_base + DTB_MAX_SIZE - ram_base, ram_size);
		return -ENOSPC;
	}

	if (initrd_size) {
		out->initrd_base = out->fdt_base + DTB_MAX_SIZE;
		if (add_overflows_u64(out->initrd_base, initrd_size, &end) ||
		    end > ram_end) {
			explain(why, why_len, "the initrd after kernel and DTB",
				end - ram_base, ram_size);
			return -ENOSPC;
		}
		out->initrd_end = end;
	}
	return 0;
}

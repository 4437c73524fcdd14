/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_ARM_IMAGE_H
#define LKVM_ARM_IMAGE_H

#include <lkvm/compiler.h>

/*
 * The arm64 Linux Image header (Documentation/arch/arm64/booting.rst)
 * and where kernel, DTB and initrd go in guest RAM. Pure functions.
 */

#define ARM64_IMAGE_MAGIC 0x644d5241U	/* "ARM\x64" */
#define ARM64_IMAGE_HEADER_SIZE 64
#define ARM64_IMAGE_FLAG_BE (1ULL << 0)
#define ARM64_IMAGE_FLAG_PAGE_SIZE_SHIFT 1
#define ARM64_IMAGE_FLAG_ANYWHERE (1ULL << 3)

/* Images without image_size predate text_offset being meaningful. */
#define ARM64_IMAGE_DEFAULT_TEXT_OFFSET 0x80000ULL
/* Headerless binaries (kvm-unit-tests .flat) load here, like kvmtool. */
#define FLAT_LOAD_OFFSET 0x80000ULL

#define DTB_MAX_SIZE SZ_2M

struct kernel_image {
	bool is_image;		/* has the arm64 Image header */
	uint64_t text_offset;
	uint64_t image_size;	/* effective: file size when header says 0 */
	uint64_t flags;
	uint64_t file_size;
};

/*
 * Parses the first @len bytes of a kernel file of @file_size bytes.
 * A file without the magic is a flat binary. Returns 0, or -EINVAL with
 * a reason in @why for an Image lkvm cannot boot (big-endian, bad sizes).
 */
int kernel_image_parse(const uint8_t *head, size_t len, uint64_t file_size,
		       struct kernel_image *img, const char **why);

struct boot_layout {
	uint64_t kernel_base;	/* where the file's first byte goes = entry */
	uint64_t kernel_end;	/* kernel_base + image_size: must stay free */
	uint64_t fdt_base;	/* 2 MiB aligned, DTB_MAX_SIZE reserved */
	uint64_t initrd_base;
	uint64_t initrd_end;
};

/*
 * Places an image, a DTB and an initrd of @initrd_size bytes (0: none)
 * in RAM [ram_base, ram_base + ram_size). ram_base must be 2 MiB
 * aligned. Returns 0, or -ENOSPC with @why filled when they do not fit.
 */
int boot_layout_compute(const struct kernel_image *img, uint64_t ram_base,
			uint64_t ram_size, uint64_t initrd_size,
			struct boot_layout *out, char *why, size_t why_len);

#endif

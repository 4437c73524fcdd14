/*
 * Fake guest RAM for fuzz targets: exactly as large as the input asks, in
 * its own allocation, so AddressSanitizer catches any access past it.
 */
#ifndef LKVM_FUZZ_RAM_H
#define LKVM_FUZZ_RAM_H

#include <lkvm/guest_mem.h>

#include <stdlib.h>
#include <string.h>

#define FUZZ_RAM_BASE 0x80000000ULL

struct fuzz_input {
	const uint8_t *data;
	size_t len;
};

/* Takes @n bytes from the input (zeroes once it runs out). */
static inline uint64_t fuzz_take(struct fuzz_input *in, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++) {
		uint8_t b = 0;

		if (in->len) {
			b = *in->data++;
			in->len--;
		}
		v |= (uint64_t)b << (8 * i);
	}
	return v;
}

/* The rest of the input becomes guest RAM of at least @min bytes. */
static inline uint8_t *fuzz_ram(struct fuzz_input *in, struct guest_mem *mem,
				size_t min)
{
	size_t size = in->len > min ? in->len : min;
	uint8_t *ram = calloc(1, size);

	if (!ram)
		abort();
	memcpy(ram, in->data, in->len);
	guest_mem_wrap(mem, FUZZ_RAM_BASE, ram, size);
	return ram;
}

/* Where a queue's rings lie: guest addresses, and the RAM offset after. */
struct fuzz_rings {
	uint64_t desc, avail, used;
	size_t end;
};

/*
 * The rings of a queue of @num entries back to back from RAM offset @at
 * (16-aligned), event fields included: avail ring, used ring, then the
 * descriptors, so that the indices come first in the input and a small
 * queue takes few input bytes.
 */
static inline struct fuzz_rings fuzz_rings(size_t at, uint32_t num)
{
	size_t used = ALIGN_UP(at + 6U + 2U * num, (size_t)4);
	size_t desc = ALIGN_UP(used + 6U + 8U * num, (size_t)16);

	return (struct fuzz_rings){
		.desc = FUZZ_RAM_BASE + desc,
		.avail = FUZZ_RAM_BASE + at,
		.used = FUZZ_RAM_BASE + used,
		.end = desc + 16U * num,
	};
}

#endif

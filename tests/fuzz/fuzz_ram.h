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

#endif

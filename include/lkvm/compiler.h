/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_COMPILER_H
#define LKVM_COMPILER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define SZ_4K 0x1000ULL
#define SZ_8K 0x2000ULL
#define SZ_64K 0x10000ULL
#define SZ_128K 0x20000ULL
#define SZ_1M 0x100000ULL
#define SZ_2M 0x200000ULL
#define SZ_16M 0x1000000ULL
#define SZ_64M 0x4000000ULL
#define SZ_256M 0x10000000ULL
#define SZ_512M 0x20000000ULL
#define SZ_1G 0x40000000ULL

/* @a must be a power of two. */
#define ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define MIN(a, b) ((a) < (b) ? (a) : (b))

/* Bits in one word of a bitmap (unsigned long, as KVM's dirty log). */
#define BITS_PER_WORD (8 * sizeof(unsigned long))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __unused __attribute__((unused))
#define __must_check __attribute__((warn_unused_result))

/* Checked arithmetic: true when the result did not fit. */
static inline bool add_overflows_u64(uint64_t a, uint64_t b, uint64_t *sum)
{
	return __builtin_add_overflow(a, b, sum);
}

static inline bool mul_overflows_u64(uint64_t a, uint64_t b, uint64_t *prod)
{
	return __builtin_mul_overflow(a, b, prod);
}

/* [base, base + size) and [obase, obase + osize) share a byte. */
static inline bool ranges_overlap(uint64_t base, uint64_t size, uint64_t obase,
				  uint64_t osize)
{
	if (!size || !osize)
		return false;
	return base < obase + osize && obase < base + size;
}

#endif

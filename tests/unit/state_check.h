/*
 * For the device state round-trip tests: a record must come back as the
 * same bytes, and every truncated or corrupted copy must be refused with
 * a reason, never crash or be half taken.
 */
#ifndef LKVM_TEST_STATE_CHECK_H
#define LKVM_TEST_STATE_CHECK_H

#include "harness.h"

#include <stdlib.h>
#include <string.h>

typedef int (*state_load_fn)(void *ctx, const void *rec, size_t len,
			     char *why, size_t why_len);

/* Every prefix and every byte flipped: refused, with a reason. */
static inline void check_record_refused_when_damaged(const void *rec,
						     size_t len,
						     state_load_fn load,
						     void *ctx)
{
	uint8_t *copy = malloc(len);
	char why[256];

	if (!copy)
		return;
	for (size_t n = 0; n < len; n++) {
		memcpy(copy, rec, n);
		why[0] = '\0';
		CHECK(load(ctx, copy, n, why, sizeof(why)) != 0);
		CHECK(why[0] != '\0');
	}
	for (size_t i = 0; i < len; i++) {
		memcpy(copy, rec, len);
		copy[i] ^= 0x5a;
		why[0] = '\0';
		CHECK(load(ctx, copy, len, why, sizeof(why)) != 0);
		CHECK(why[0] != '\0');
	}
	free(copy);
}

#endif

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_PARSE_H
#define LKVM_PARSE_H

#include <lkvm/compiler.h>

/*
 * Pure string parsers shared by the option handlers. They return 0 or
 * -EINVAL / -ERANGE and never log: the caller knows which option it was.
 */

/* Decimal (or 0x-prefixed hex) unsigned integer, the whole string. */
int parse_u64(const char *s, uint64_t *out);
int parse_uint(const char *s, unsigned int max, unsigned int *out);

/*
 * A memory size: a number with an optional K, M, G or T suffix (binary
 * units, optionally followed by "B" or "iB"); a bare number is in
 * @default_unit bytes. Zero is refused.
 */
int parse_size(const char *s, uint64_t default_unit, uint64_t *bytes);

/*
 * Formats a reason into @err (for parsers that explain refusals to their
 * caller) and returns -EINVAL, so that `return parse_error(...)` reads
 * as what it does.
 */
int parse_error(char *err, size_t err_len, const char *fmt, ...) __printf(3, 4);

/* "on"/"off"/"yes"/"no"/"true"/"false"/"1"/"0". */
int parse_bool(const char *s, bool *out);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_REG_SET_H
#define LKVM_REG_SET_H

#include <lkvm/compiler.h>

#include <stdio.h>

/*
 * One vcpu's registers as KVM_GET_REG_LIST and KVM_GET_ONE_REG gave
 * them: an ID (the architecture's encoding, opaque here) and the value's
 * bytes in KVM's little-endian layout. Filled by arch_vcpu_read_regs()
 * in `lkvm run`, or by the IPC decoder in `lkvm debug`, and printed by
 * the same formatter in both.
 */
/* The largest register value: a 2048-bit SVE Z register. */
#define REG_VALUE_MAX 256

struct reg_entry {
	uint64_t id;
	uint16_t len;		/* value bytes (0 when the read failed) */
	uint16_t err;		/* errno of a failed read, else 0 */
	uint32_t off;		/* of the value in reg_set.vals */
};

struct reg_set {
	uint32_t vcpu;
	struct reg_entry *regs;
	unsigned int nr;
	unsigned int cap;
	uint8_t *vals;
	size_t vals_len;
	size_t vals_cap;
};

void reg_set_init(struct reg_set *set, uint32_t vcpu);
void reg_set_free(struct reg_set *set);
/* Adds a value of @len bytes, or a failed read (@err > 0, @len 0). */
int reg_set_add(struct reg_set *set, uint64_t id, const void *val,
		uint16_t len, uint16_t err);
static inline const uint8_t *reg_value(const struct reg_set *set,
				       const struct reg_entry *r)
{
	return set->vals + r->off;
}

/* How the formatter shows a register (filled by arch_reg_describe()). */
enum reg_show {
	REG_SHOW_HEX,		/* one hex number, most significant first */
	REG_SHOW_VQSET,		/* a vector-length bitmap: "128,256" */
};

struct reg_desc {
	char name[32];		/* "" when the architecture has no name for it */
	char encoding[24];	/* e.g. "S3_0_C1_C0_0" for system registers */
	uint64_t rank;		/* display order: lower first, then by ID */
	bool key;		/* part of the short dump */
	enum reg_show show;
};

enum reg_format {
	REG_FORMAT_TEXT,
	REG_FORMAT_JSON,
};

/* Sorts into display order (arch_reg_describe()'s rank, then ID). */
void reg_set_sort(struct reg_set *set);

/*
 * Prints the registers: every one, or with @key_only the short set (core
 * registers and the key system registers). Text: a heading line, then
 * "  NAME  0xVALUE" per register; JSON: {"id":N,"registers":[...]}.
 */
void reg_set_print(FILE *out, const struct reg_set *set, enum reg_format fmt,
		   bool key_only);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_SVE_VLS_H
#define LKVM_SVE_VLS_H

#include <lkvm/compiler.h>

#include <stdio.h>

/*
 * SVE vector-length sets and KVM's rule about them, as pure functions.
 *
 * A set holds bit (vq - 1) for a vector length of 128 * vq bits, vq 1 to
 * 16 (128 to 2048 bits, the architecture's range).
 *
 * KVM's rule (arch/arm64/kvm/guest.c, set_sve_vls()): lengths the host
 * supports cannot be hidden one by one, only cut off above a maximum. So
 * a guest can be given exactly the host's set truncated at one of the
 * host's lengths, and nothing else.
 */
typedef uint32_t sve_vqset;

/*
 * How many vector lengths the architecture allows (128 to 2048 bits).
 * Not SVE_VQ_MAX: <asm/sigcontext.h> defines that (512, its own
 * notion), and <signal.h> brings it in.
 */
#define SVE_NR_VQS 16U
#define SVE_VL_BITS_MIN 128U
#define SVE_VL_BITS_MAX (128U * SVE_NR_VQS)
#define SVE_VQSET_ALL ((sve_vqset)((1U << SVE_NR_VQS) - 1))
#define SVE_VQ_BIT(vq) ((sve_vqset)1 << ((vq) - 1))
/* Longest "128,256,...,2048" plus room. */
#define SVE_VQSET_STR_MAX 96

enum sve_spec_kind {
	SVE_SPEC_HOST,		/* every length the host offers (default) */
	SVE_SPEC_OFF,		/* no SVE feature at all */
	SVE_SPEC_SET,		/* exactly these lengths */
	SVE_SPEC_MAX_VL,	/* the host's set up to this length */
};

struct sve_spec {
	enum sve_spec_kind kind;
	sve_vqset set;		/* SVE_SPEC_SET */
	unsigned int max_vq;	/* SVE_SPEC_MAX_VL */
};

/*
 * Parses `host`, `off`, or a comma-separated list of lengths in bits and
 * ranges ("128,256", "128-512", "384"). Lengths must be multiples of 128
 * from 128 to 2048; order and repeats do not matter. On error returns
 * -EINVAL with @err saying which token is wrong and why.
 */
int sve_spec_parse(const char *text, struct sve_spec *spec, char *err,
		   size_t err_len);

/* Parses one length in bits for --sve-max-vl (same rules as a list item). */
int sve_vl_parse(const char *text, unsigned int *vq, char *err, size_t err_len);

unsigned int sve_vqset_max_vq(sve_vqset set);
unsigned int sve_vqset_count(sve_vqset set);
/* The lengths in @set up to and including @max_vq. */
sve_vqset sve_vqset_truncate(sve_vqset set, unsigned int max_vq);

/* "128,256,384" (bits, ascending); "none" for the empty set. */
char *sve_vqset_format(sve_vqset set, char *buf, size_t len);

/*
 * Every set a guest can be given on a host offering @host: one per host
 * length, smallest first. Returns how many were written to @sets.
 */
unsigned int sve_possible_sets(sve_vqset host, sve_vqset sets[SVE_NR_VQS]);

/* Whether KVM accepts @set on a host offering @host. */
bool sve_vqset_allowed(sve_vqset set, sve_vqset host);

/*
 * Room for any explanation sve_spec_resolve() writes, whole: 16 possible
 * sets of up to 16 lengths each, and the clauses around them (a unit
 * test checks the longest one).
 */
#define SVE_WHY_MAX 2048

/*
 * Resolves @spec against the host's set. Returns 0 with *@out (0 = no
 * SVE), or -EINVAL with @why explaining, in words, why not and what is
 * possible: "not possible on this host: ...", to follow how the user
 * wrote the request (e.g. "--sve-vls=128,512 ").
 */
int sve_spec_resolve(const struct sve_spec *spec, sve_vqset host,
		     sve_vqset *out, char *why, size_t why_len);

/*
 * The largest set every host can give, i.e. the longest truncation that
 * all of @hosts have in common; 0 when there is none.
 */
sve_vqset sve_common_set(const sve_vqset *hosts, unsigned int nr);

/* @set as a JSON list of lengths in bits: [128, 256]. */
void sve_vqset_write_json(FILE *f, sve_vqset set);
/* Reads such a list (member @what, for messages): 0 or -EINVAL with @err. */
struct json_value;
int sve_vqset_read_json(const struct json_value *vls, const char *what,
			sve_vqset *set, char *err, size_t err_len);

#endif

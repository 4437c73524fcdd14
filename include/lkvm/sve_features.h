/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_SVE_FEATURES_H
#define LKVM_SVE_FEATURES_H

#include <lkvm/compiler.h>
#include <lkvm/sve_vls.h>

#include <stdio.h>

/*
 * The SVE- and SME-related fields of the feature ID registers, as KVM
 * shows them to a guest, and CPU profiles (a vector-length set and a
 * floor of those fields) for fleets of hosts, as pure functions.
 *
 * Every field here is an "unsigned" ID field in the architecture's
 * sense (Arm ARM, D19.1.3 "Principles of the ID scheme"): 0 means
 * absent, and a higher value includes everything a lower one means
 * (SVEver 0 SVE, 1 SVE2, 2 SVE2p1; BF16 1 BFloat16, 2 also EBF16). So
 * what every host of a fleet can show a guest is the minimum, field by
 * field.
 */
enum sve_id_reg {
	SVE_REG_PFR0,		/* ID_AA64PFR0_EL1 */
	SVE_REG_PFR1,		/* ID_AA64PFR1_EL1 */
	SVE_REG_ZFR0,		/* ID_AA64ZFR0_EL1 */
	SVE_NR_ID_REGS,
};

struct sve_id_reg_desc {
	const char *name;
	unsigned int crm, op2;	/* op0 3, op1 0, CRn 0 */
};
extern const struct sve_id_reg_desc sve_id_regs[SVE_NR_ID_REGS];

struct sve_feature_field {
	const char *name;	/* the architecture's field name */
	enum sve_id_reg reg;
	unsigned int shift;	/* lowest bit of the 4-bit field */
	const char *meaning;	/* what its values say, for people */
};

#define SVE_NR_FEATURES 12U
extern const struct sve_feature_field sve_feature_fields[SVE_NR_FEATURES];

/* One level (0..15) per field of sve_feature_fields. */
struct sve_features {
	uint8_t level[SVE_NR_FEATURES];
};

void sve_features_from_regs(const uint64_t regs[SVE_NR_ID_REGS],
			    struct sve_features *f);
/* @value of register @reg with each of its fields replaced by @f's. */
uint64_t sve_features_to_reg(uint64_t value, enum sve_id_reg reg,
			     const struct sve_features *f);
/* The floor of @nr hosts: each field's minimum (@nr >= 1). */
void sve_features_floor(const struct sve_features *hosts, unsigned int nr,
			struct sve_features *out);
/* The first field where @have is below @want, or -1 if none is. */
int sve_features_first_missing(const struct sve_features *have,
			       const struct sve_features *want);
/* "SVE=1 SME=0 SVEver=1 ..." */
char *sve_features_format(const struct sve_features *f, char *buf,
			  size_t len);
#define SVE_FEATURES_STR_MAX 160

/* As a JSON object {"SVE": 1, ...}, and read back strictly. */
void sve_features_write_json(FILE *f, const struct sve_features *feat);
struct json_value;
int sve_features_read_json(const struct json_value *obj, const char *what,
			   struct sve_features *feat, char *err,
			   size_t err_len);

/*
 * A CPU profile: what every guest of a fleet is given, whichever host
 * it runs on (`lkvm sve common --profile`, `lkvm run --cpu-profile`).
 * A guest without SVE (an empty set) has every field 0 but SME.
 */
#define CPU_PROFILE_FORMAT "lkvm-cpu-profile"
#define CPU_PROFILE_VERSION 1

struct cpu_profile {
	sve_vqset sve_vqs;
	struct sve_features floor;
};

/* The profile document, and its body alone (for a snapshot manifest). */
void cpu_profile_write_json(FILE *f, const struct cpu_profile *p);
void cpu_profile_write_body(FILE *f, const struct cpu_profile *p);
/* Reads a document of @len bytes: 0, or -EINVAL with @err. */
int cpu_profile_parse(const char *text, size_t len, struct cpu_profile *p,
		      char *err, size_t err_len);
int cpu_profile_read_body(const struct json_value *obj,
			  struct cpu_profile *p, char *err, size_t err_len);

/*
 * What `lkvm sve probe` reports of this host (arch_sve_probe_host()):
 * the set, and the SVE/SME ID register fields a guest given the whole
 * set sees (all 0 but SME without SVE).
 */
struct sve_host_info {
	bool kvm_has_sve;	/* KVM_CAP_ARM_SVE */
	sve_vqset vqs;		/* the host's set (0 without SVE) */
	uint64_t id_regs[SVE_NR_ID_REGS];
	/* KVM lets userspace lower ID register fields (Linux 6.7+). */
	bool id_regs_writable;
};

/*
 * The stable `lkvm sve probe --json` document (Documentation/sve.md):
 * written by the probe, read back by `lkvm sve common`.
 */
#define SVE_PROBE_FORMAT "lkvm-sve-probe"
/* Version 2 added "id_regs" and "features"; version 1 is still read. */
#define SVE_PROBE_VERSION 2

struct sve_probe_doc {
	bool kvm_sve;		/* KVM_CAP_ARM_SVE */
	sve_vqset host_vqs;
	const uint64_t *id_regs;	/* SVE_NR_ID_REGS values */
	const char *host;	/* node name, for people reading the file */
	const char *kernel;
};

void sve_probe_write_json(FILE *f, const struct sve_probe_doc *doc);
/* What a probe document says; @features only from version 2 on. */
struct sve_probe_result {
	sve_vqset host_vqs;
	bool has_features;
	struct sve_features features;
};

/*
 * Reads a probe document of @len bytes, strictly (the format name and
 * version must match, every length and field must be valid). Returns 0,
 * or -EINVAL with @err saying what is wrong.
 */
int sve_probe_read_json(const char *text, size_t len,
			struct sve_probe_result *out, char *err,
			size_t err_len);

#endif

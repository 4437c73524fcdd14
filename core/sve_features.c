// SPDX-License-Identifier: GPL-2.0
/* SVE/SME ID register fields, their floor, and CPU profile documents. */
#include <lkvm/sve_features.h>

#include <lkvm/json.h>
#include <lkvm/parse.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

const struct sve_id_reg_desc sve_id_regs[SVE_NR_ID_REGS] = {
	[SVE_REG_PFR0] = { "ID_AA64PFR0_EL1", 4, 0 },
	[SVE_REG_PFR1] = { "ID_AA64PFR1_EL1", 4, 1 },
	[SVE_REG_ZFR0] = { "ID_AA64ZFR0_EL1", 4, 4 },
};

const struct sve_feature_field sve_feature_fields[SVE_NR_FEATURES] = {
	{ "SVE", SVE_REG_PFR0, 32, "1 SVE" },
	{ "SME", SVE_REG_PFR1, 24, "1 SME, 2 SME2" },
	{ "SVEver", SVE_REG_ZFR0, 0, "0 SVE, 1 SVE2, 2 SVE2p1" },
	{ "AES", SVE_REG_ZFR0, 4, "1 AES, 2 also PMULL128" },
	{ "BitPerm", SVE_REG_ZFR0, 16, "1 BDEP/BEXT/BGRP" },
	{ "BF16", SVE_REG_ZFR0, 20, "1 BFloat16, 2 also EBF16" },
	{ "B16B16", SVE_REG_ZFR0, 24, "1 BFloat16 arithmetic" },
	{ "SHA3", SVE_REG_ZFR0, 32, "1 SHA-3" },
	{ "SM4", SVE_REG_ZFR0, 40, "1 SM4" },
	{ "I8MM", SVE_REG_ZFR0, 44, "1 Int8 matrix multiply" },
	{ "F32MM", SVE_REG_ZFR0, 52, "1 FP32 matrix multiply" },
	{ "F64MM", SVE_REG_ZFR0, 56, "1 FP64 matrix multiply" },
};

void sve_features_from_regs(const uint64_t regs[SVE_NR_ID_REGS],
			    struct sve_features *f)
{
	for (unsigned int i = 0; i < SVE_NR_FEATURES; i++) {
		const struct sve_feature_field *d = &sve_feature_fields[i];

		f->level[i] = (uint8_t)(regs[d->reg] >> d->shift & 0xf);
	}
}

uint64_t sve_features_to_reg(uint64_t value, enum sve_id_reg reg,
			     const struct sve_features *f)
{
	for (unsigned int i = 0; i < SVE_NR_FEATURES; i++) {
		const struct sve_feature_field *d = &sve_feature_fields[i];

		if (d->reg != reg)
			continue;
		value &= ~(0xfULL << d->shift);
		value |= (uint64_t)(f->level[i] & 0xf) << d->shift;
	}
	return value;
}

void sve_features_floor(const struct sve_features *hosts, unsigned int nr,
			struct sve_features *out)
{
	*out = hosts[0];
	for (unsigned int h = 1; h < nr; h++)
		for (unsigned int i = 0; i < SVE_NR_FEATURES; i++)
			if (hosts[h].level[i] < out->level[i])
				out->level[i] = hosts[h].level[i];
}

int sve_features_first_missing(const struct sve_features *have,
			       const struct sve_features *want)
{
	for (unsigned int i = 0; i < SVE_NR_FEATURES; i++)
		if (have->level[i] < want->level[i])
			return (int)i;
	return -1;
}

char *sve_features_format(const struct sve_features *f, char *buf,
			  size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < SVE_NR_FEATURES && n < len; i++) {
		int w = snprintf(buf + n, len - n, "%s%s=%u", i ? " " : "",
				 sve_feature_fields[i].name, f->level[i]);

		if (w < 0)
			break;
		n += (size_t)w;
	}
	return buf;
}

void sve_features_write_json(FILE *f, const struct sve_features *feat)
{
	fputc('{', f);
	for (unsigned int i = 0; i < SVE_NR_FEATURES; i++)
		fprintf(f, "%s\"%s\": %u", i ? ", " : "",
			sve_feature_fields[i].name, feat->level[i]);
	fputc('}', f);
}

int sve_features_read_json(const struct json_value *obj, const char *what,
			   struct sve_features *feat, char *err,
			   size_t err_len)
{
	char why[160];

	if (!obj || obj->type != JSON_OBJECT)
		return parse_error(err, err_len,
				   "\"%s\" is missing or not an object", what);
	/* Every field, and nothing else: a field we do not know is a newer lkvm's. */
	if (obj->count != SVE_NR_FEATURES)
		return parse_error(err, err_len,
				   "\"%s\" has %zu members; this lkvm knows %u fields (%s ... %s)",
				   what, obj->count, SVE_NR_FEATURES,
				   sve_feature_fields[0].name,
				   sve_feature_fields[SVE_NR_FEATURES - 1].name);
	for (unsigned int i = 0; i < SVE_NR_FEATURES; i++) {
		uint64_t v;

		if (json_member_uint(obj, sve_feature_fields[i].name, 15, &v,
				     why, sizeof(why)))
			return parse_error(err, err_len, "\"%s\": %s", what,
					   why);
		feat->level[i] = (uint8_t)v;
	}
	return 0;
}

void cpu_profile_write_body(FILE *f, const struct cpu_profile *p)
{
	fprintf(f, "\"sve_vls\": ");
	sve_vqset_write_json(f, p->sve_vqs);
	fprintf(f, ", \"features\": ");
	sve_features_write_json(f, &p->floor);
}

void cpu_profile_write_json(FILE *f, const struct cpu_profile *p)
{
	fprintf(f, "{\"format\": \"%s\", \"version\": %d, ",
		CPU_PROFILE_FORMAT, CPU_PROFILE_VERSION);
	cpu_profile_write_body(f, p);
	fprintf(f, "}\n");
}

/* The SVE fields say what the set says: SVE, or none at all. */
static int check_consistent(const struct cpu_profile *p, char *err,
			    size_t err_len)
{
	if (p->sve_vqs && !p->floor.level[0])
		return parse_error(err, err_len,
				   "\"sve_vls\" lists lengths but \"features\" has SVE=0");
	if (p->sve_vqs)
		return 0;
	for (unsigned int i = 0; i < SVE_NR_FEATURES; i++)
		if (sve_feature_fields[i].reg != SVE_REG_PFR1 &&
		    p->floor.level[i])
			return parse_error(err, err_len,
					   "\"sve_vls\" is empty (no SVE) but \"features\" has %s=%u",
					   sve_feature_fields[i].name,
					   p->floor.level[i]);
	return 0;
}

int cpu_profile_read_body(const struct json_value *obj,
			  struct cpu_profile *p, char *err, size_t err_len)
{
	int ret = sve_vqset_read_json(json_get(obj, "sve_vls"), "sve_vls",
				      &p->sve_vqs, err, err_len);

	ret = ret ?: sve_features_read_json(json_get(obj, "features"),
					    "features", &p->floor, err,
					    err_len);
	return ret ?: check_consistent(p, err, err_len);
}

int cpu_profile_parse(const char *text, size_t len, struct cpu_profile *p,
		      char *err, size_t err_len)
{
	const struct json_value *fmt, *ver;
	struct json_value *doc = NULL;
	char why[160];
	int ret;

	memset(p, 0, sizeof(*p));
	if (json_parse(text, len, &doc, why, sizeof(why)))
		return parse_error(err, err_len, "not valid JSON: %s", why);
	fmt = json_get(doc, "format");
	ver = json_get(doc, "version");
	if (!fmt || fmt->type != JSON_STRING ||
	    strcmp(fmt->string, CPU_PROFILE_FORMAT))
		ret = parse_error(err, err_len,
				  "not a CPU profile (no \"format\": \"%s\")",
				  CPU_PROFILE_FORMAT);
	else if (!ver || ver->type != JSON_NUMBER ||
		 ver->number != CPU_PROFILE_VERSION)
		ret = parse_error(err, err_len,
				  "profile version %g; this lkvm reads version %d",
				  ver && ver->type == JSON_NUMBER ? ver->number : 0.0,
				  CPU_PROFILE_VERSION);
	else
		ret = cpu_profile_read_body(doc, p, err, err_len);
	json_free(doc);
	return ret;
}

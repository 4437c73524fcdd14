// SPDX-License-Identifier: GPL-2.0
/*
 * A vcpu's registers as raw (ID, bytes) pairs, and the one formatter that
 * `lkvm run --debug` and `lkvm debug --dump` share. Names and order come
 * from the architecture (arch_reg_describe()); nothing here knows what an
 * ID means.
 */
#include <lkvm/reg_set.h>

#include <lkvm/arch.h>
#include <lkvm/grow.h>
#include <lkvm/json.h>
#include <lkvm/sve_vls.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void reg_set_init(struct reg_set *set, uint32_t vcpu)
{
	memset(set, 0, sizeof(*set));
	set->vcpu = vcpu;
}

void reg_set_free(struct reg_set *set)
{
	free(set->regs);
	free(set->vals);
	reg_set_init(set, set->vcpu);
}

int reg_set_add(struct reg_set *set, uint64_t id, const void *val,
		uint16_t len, uint16_t err)
{
	size_t cap = set->cap;
	struct reg_entry *r;
	int ret;

	ret = grow_array((void **)&set->regs, &cap, (size_t)set->nr + 1,
			 sizeof(*set->regs), 64);
	set->cap = (unsigned int)cap;
	ret = ret ?: grow_array((void **)&set->vals, &set->vals_cap,
				set->vals_len + len, 1, 64);
	if (ret)
		return ret;
	r = &set->regs[set->nr++];
	r->id = id;
	r->len = len;
	r->err = err;
	r->off = (uint32_t)set->vals_len;
	if (len)
		memcpy(set->vals + set->vals_len, val, len);
	set->vals_len += len;
	return 0;
}

static int compare_regs(const void *a, const void *b)
{
	const struct reg_entry *ra = a, *rb = b;
	struct reg_desc da, db;

	arch_reg_describe(ra->id, &da);
	arch_reg_describe(rb->id, &db);
	if (da.rank != db.rank)
		return da.rank < db.rank ? -1 : 1;
	if (ra->id != rb->id)
		return ra->id < rb->id ? -1 : 1;
	return 0;
}

void reg_set_sort(struct reg_set *set)
{
	if (set->nr)
		qsort(set->regs, set->nr, sizeof(*set->regs), compare_regs);
}

/* "0x" and the value's bytes, most significant (last) first. */
static void print_hex(FILE *out, const uint8_t *v, unsigned int len)
{
	fputs("0x", out);
	for (unsigned int i = len; i > 0; i--)
		fprintf(out, "%02x", v[i - 1]);
}

/* The lengths a KVM_REG_ARM64_SVE_VLS-style bitmap holds, 128-2048 bits. */
static void format_vqset(const uint8_t *v, unsigned int len, char *buf,
			 size_t buf_len, bool *beyond)
{
	sve_vqset set = 0;

	*beyond = false;
	for (unsigned int i = 0; i < len; i++) {
		if (i < 2)
			set |= (sve_vqset)v[i] << (8 * i);
		else if (v[i])
			*beyond = true;
	}
	sve_vqset_format(set, buf, buf_len);
}

static void print_text_reg(FILE *out, const struct reg_set *set,
			   const struct reg_entry *r, const struct reg_desc *d)
{
	char id[24], vqs[SVE_VQSET_STR_MAX];
	bool beyond;

	snprintf(id, sizeof(id), "0x%016llx", (unsigned long long)r->id);
	fprintf(out, "  %-18s ",
		d->name[0] ? d->name : d->encoding[0] ? d->encoding : id);
	if (r->err) {
		fprintf(out, "(not readable: %s)", strerror(r->err));
	} else if (d->show == REG_SHOW_VQSET) {
		format_vqset(reg_value(set, r), r->len, vqs, sizeof(vqs),
			     &beyond);
		fprintf(out, "%s%s", vqs,
			beyond ? " and lengths above 2048 bits" : "");
	} else {
		print_hex(out, reg_value(set, r), r->len);
	}
	if (!d->name[0] && d->encoding[0])
		fprintf(out, "  (id %s)", id);
	if (r->len > 8 && d->show == REG_SHOW_HEX)
		fprintf(out, "  (%u bits)", r->len * 8U);
	fputc('\n', out);
}

static void print_json_reg(FILE *out, const struct reg_set *set,
			   const struct reg_entry *r, const struct reg_desc *d)
{
	char vqs[SVE_VQSET_STR_MAX];
	bool beyond;

	fputs("{\"name\":", out);
	if (d->name[0])
		json_print_string(out, d->name);
	else
		fputs("null", out);
	fprintf(out, ",\"id\":\"0x%016llx\"", (unsigned long long)r->id);
	if (d->encoding[0]) {
		fputs(",\"encoding\":", out);
		json_print_string(out, d->encoding);
	}
	if (r->err) {
		fputs(",\"error\":", out);
		json_print_string(out, strerror(r->err));
		fputc('}', out);
		return;
	}
	fprintf(out, ",\"bits\":%u,\"value\":\"", r->len * 8U);
	print_hex(out, reg_value(set, r), r->len);
	fputc('"', out);
	if (d->show == REG_SHOW_VQSET) {
		format_vqset(reg_value(set, r), r->len, vqs, sizeof(vqs),
			     &beyond);
		fprintf(out, ",\"vector_lengths\":[%s]",
			strcmp(vqs, "none") ? vqs : "");
	}
	fputc('}', out);
}

void reg_set_print(FILE *out, const struct reg_set *set, enum reg_format fmt,
		   bool key_only)
{
	bool first = true;

	if (fmt == REG_FORMAT_JSON)
		fprintf(out, "{\"id\":%u,\"registers\":[", set->vcpu);
	else if (key_only)
		fprintf(out, "vcpu %u registers:\n", set->vcpu);
	else
		fprintf(out, "vcpu %u registers (all %u from KVM_GET_REG_LIST):\n",
			set->vcpu, set->nr);
	for (unsigned int i = 0; i < set->nr; i++) {
		const struct reg_entry *r = &set->regs[i];
		struct reg_desc d;

		arch_reg_describe(r->id, &d);
		if (key_only && !d.key)
			continue;
		if (fmt == REG_FORMAT_JSON) {
			if (!first)
				fputc(',', out);
			print_json_reg(out, set, r, &d);
		} else {
			print_text_reg(out, set, r, &d);
		}
		first = false;
	}
	if (fmt == REG_FORMAT_JSON)
		fputs("]}", out);
}

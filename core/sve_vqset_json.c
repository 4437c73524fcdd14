// SPDX-License-Identifier: GPL-2.0
/*
 * A vector-length set as a JSON list of lengths in bits, for every
 * document that carries one (the probe, profiles, snapshot manifests).
 */
#include <lkvm/json.h>
#include <lkvm/parse.h>
#include <lkvm/sve_vls.h>

#include <stdio.h>

void sve_vqset_write_json(FILE *f, sve_vqset set)
{
	bool first = true;

	fputc('[', f);
	for (unsigned int vq = 1; vq <= SVE_NR_VQS; vq++) {
		if (set & SVE_VQ_BIT(vq)) {
			fprintf(f, "%s%u", first ? "" : ", ", vq * 128);
			first = false;
		}
	}
	fputc(']', f);
}

int sve_vqset_read_json(const struct json_value *vls, const char *what,
			sve_vqset *set, char *err, size_t err_len)
{
	*set = 0;
	if (!vls || vls->type != JSON_ARRAY)
		return parse_error(err, err_len, "\"%s\" is missing or not a list", what);
	for (size_t i = 0; i < vls->count; i++) {
		const struct json_value *v = &vls->items[i];
		unsigned int bits;

		if (v->type != JSON_NUMBER || v->number < SVE_VL_BITS_MIN ||
		    v->number > SVE_VL_BITS_MAX)
			return parse_error(err, err_len,
				    "\"%s\" item %zu is not a vector length in bits",
				    what, i);
		bits = (unsigned int)v->number;
		if ((double)bits != v->number || bits % 128)
			return parse_error(err, err_len,
				    "\"%s\" item %zu is not a multiple of 128 bits",
				    what, i);
		*set |= SVE_VQ_BIT(bits / 128);
	}
	return 0;
}

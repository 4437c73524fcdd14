/*
 * SVE: the --sve-vls SPEC parser, resolution against a host set and its
 * explanations, and the probe document reader (with the JSON parser).
 */
#include "fuzz.h"

#include <lkvm/sve_vls.h>

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;
	struct sve_spec spec;
	sve_vqset host, out, sets[SVE_VQ_MAX];
	char err[SVE_WHY_MAX], s[SVE_VQSET_STR_MAX];

	if (size < 2)
		return 0;
	host = (sve_vqset)(data[0] | data[1] << 8);
	text = malloc(size - 1);
	if (!text)
		return 0;
	memcpy(text, data + 2, size - 2);
	text[size - 2] = '\0';
	if (!sve_spec_parse(text, &spec, err, sizeof(err))) {
		if (!sve_spec_resolve(&spec, host, &out, err, sizeof(err))) {
			/* What resolves is what KVM accepts, or no SVE. */
			if (out && !sve_vqset_allowed(out, host))
				abort();
			sve_vqset_format(out, s, sizeof(s));
		} else if (strlen(err) >= sizeof(err) - 1) {
			abort();	/* an explanation was cut short */
		}
	}
	sve_possible_sets(host, sets);
	sve_probe_read_json(text, size - 2, &out, err, sizeof(err));
	free(text);
	return 0;
}

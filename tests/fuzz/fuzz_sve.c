/*
 * SVE: the --sve-vls SPEC parser, resolution against a host set and its
 * explanations, the probe document reader (with the JSON parser), and
 * lkvm sve sweep's --sets and the last line it keeps of a run's output
 * (the guest's bytes).
 */
#include "fuzz.h"

#include <lkvm/sve_features.h>
#include <lkvm/sve_sweep.h>
#include <lkvm/sve_vls.h>

#include <stdlib.h>
#include <string.h>

static void fuzz_sweep(const char *text, sve_vqset host, const char *bytes,
		       size_t len)
{
	struct sweep_sets parsed;
	sve_vqset sets[SWEEP_MAX_SETS];
	struct sweep_last_line l = { 0 };
	const char *line;
	char err[2048];
	int nr;

	if (!sweep_sets_parse(text, &parsed, err, sizeof(err)) &&
	    (host & SVE_VQSET_ALL)) {
		nr = sweep_sets_resolve(&parsed, host, sets, err, sizeof(err));
		/* Every set a sweep runs is one KVM accepts, or off. */
		for (int i = 0; i < nr; i++)
			if (sets[i] && !sve_vqset_allowed(sets[i], host))
				abort();
	}
	/* Output in two writes; the line kept is bounded, printable ASCII. */
	sweep_last_line_feed(&l, bytes, len / 2);
	sweep_last_line_feed(&l, bytes + len / 2, len - len / 2);
	line = sweep_last_line(&l);
	if (strlen(line) > SWEEP_LINE_MAX)
		abort();
	for (; *line; line++)
		if (*line < 0x20 || *line > 0x7e)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;
	struct sve_spec spec;
	sve_vqset host, out, sets[SVE_NR_VQS];
	struct sve_probe_result probe;
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
	sve_probe_read_json(text, size - 2, &probe, err, sizeof(err));
	fuzz_sweep(text, host, (const char *)data + 2, size - 2);
	free(text);
	return 0;
}

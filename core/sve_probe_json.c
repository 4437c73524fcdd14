// SPDX-License-Identifier: GPL-2.0
/* The `lkvm sve probe --json` document, written and read back. */
#include <lkvm/json.h>
#include <lkvm/parse.h>
#include <lkvm/sve_features.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

void sve_probe_write_json(FILE *f, const struct sve_probe_doc *doc)
{
	sve_vqset sets[SVE_NR_VQS];
	unsigned int nr = sve_possible_sets(doc->host_vqs, sets);
	struct sve_features feat;

	fprintf(f, "{\n  \"format\": \"%s\",\n  \"version\": %d,\n  \"host\": ",
		SVE_PROBE_FORMAT, SVE_PROBE_VERSION);
	json_print_string(f, doc->host ? doc->host : "");
	fprintf(f, ",\n  \"kernel\": ");
	json_print_string(f, doc->kernel ? doc->kernel : "");
	fprintf(f, ",\n  \"kvm_sve\": %s,\n  \"host_vls\": ",
		doc->kvm_sve ? "true" : "false");
	sve_vqset_write_json(f, doc->host_vqs);
	fprintf(f, ",\n  \"max_vl\": %u,\n  \"possible_sets\": [",
		sve_vqset_max_vq(doc->host_vqs) * 128);
	for (unsigned int i = 0; i < nr; i++) {
		char s[SVE_VQSET_STR_MAX];

		fprintf(f, "%s\"%s\"", i ? ", " : "",
			sve_vqset_format(sets[i], s, sizeof(s)));
	}
	fprintf(f, "],\n  \"id_regs\": {");
	for (unsigned int i = 0; i < SVE_NR_ID_REGS; i++)
		fprintf(f, "%s\"%s\": \"0x%llx\"", i ? ", " : "",
			sve_id_regs[i].name,
			(unsigned long long)doc->id_regs[i]);
	sve_features_from_regs(doc->id_regs, &feat);
	fprintf(f, "},\n  \"features\": ");
	sve_features_write_json(f, &feat);
	fprintf(f, "\n}\n");
}

int sve_probe_read_json(const char *text, size_t len,
			struct sve_probe_result *out, char *err,
			size_t err_len)
{
	const struct json_value *fmt, *ver, *sve;
	struct json_value *doc = NULL;
	char why[160];
	int ret;

	memset(out, 0, sizeof(*out));
	if (json_parse(text, len, &doc, why, sizeof(why)))
		return parse_error(err, err_len, "not valid JSON: %s", why);
	fmt = json_get(doc, "format");
	ver = json_get(doc, "version");
	sve = json_get(doc, "kvm_sve");
	if (!fmt || fmt->type != JSON_STRING || strcmp(fmt->string, SVE_PROBE_FORMAT))
		ret = parse_error(err, err_len,
			   "not an `lkvm sve probe --json` document (no \"format\": \"%s\")",
			   SVE_PROBE_FORMAT);
	else if (!ver || ver->type != JSON_NUMBER ||
		 (ver->number != 1 && ver->number != SVE_PROBE_VERSION))
		ret = parse_error(err, err_len,
			   "probe document version %g; this lkvm reads versions 1 and %d",
			   ver && ver->type == JSON_NUMBER ? ver->number : 0.0,
			   SVE_PROBE_VERSION);
	else if (!sve || sve->type != JSON_BOOL)
		ret = parse_error(err, err_len, "\"kvm_sve\" is missing or not true/false");
	else
		ret = sve_vqset_read_json(json_get(doc, "host_vls"), "host_vls",
					  &out->host_vqs, err, err_len);
	if (!ret && !sve->boolean && out->host_vqs)
		ret = parse_error(err, err_len,
			   "\"kvm_sve\" is false but \"host_vls\" lists lengths");
	/* Version 1 predates the feature fields. */
	if (!ret && ver->number != 1) {
		ret = sve_features_read_json(json_get(doc, "features"),
					     "features", &out->features, err,
					     err_len);
		out->has_features = !ret;
	}
	json_free(doc);
	return ret;
}

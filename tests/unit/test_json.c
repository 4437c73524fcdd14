#include "harness.h"

#include <lkvm/json.h>
#include <lkvm/sve_features.h>
#include <lkvm/sve_vls.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct json_value *parse(const char *text)
{
	struct json_value *v = NULL;
	char err[160];

	if (json_parse(text, strlen(text), &v, err, sizeof(err)))
		return NULL;
	return v;
}

static void refuse(const char *text)
{
	struct json_value *v = NULL;
	char err[160] = "";

	if (json_parse(text, strlen(text), &v, err, sizeof(err)) != -EINVAL)
		check_failed(__FILE__, __LINE__, "accepted '%s'", text);
	else if (!strstr(err, "at byte"))
		check_failed(__FILE__, __LINE__, "no position in '%s'", err);
	json_free(v);
}

static void test_probe_document(void)
{
	struct json_value *v = parse(
		"{\n  \"format\": \"lkvm-sve-probe\",\n  \"version\": 1,\n"
		"  \"kvm_sve\": true,\n  \"host_vls\": [128, 256, 384, 512],\n"
		"  \"max_vl\": 512,\n  \"possible_sets\": [\"128\", \"128,256\"]\n}\n");
	const struct json_value *vls;

	CHECK(v != NULL);
	if (!v)
		return;
	CHECK_STR(json_get(v, "format")->string, "lkvm-sve-probe");
	CHECK_EQ(json_get(v, "version")->number, 1);
	CHECK(json_get(v, "kvm_sve")->boolean);
	vls = json_get(v, "host_vls");
	CHECK(vls && vls->type == JSON_ARRAY && vls->count == 4);
	CHECK_EQ(vls->items[2].number, 384);
	CHECK_STR(json_get(v, "possible_sets")->items[1].string, "128,256");
	CHECK(json_get(v, "missing") == NULL);
	CHECK(json_get(vls, "format") == NULL);	/* not an object */
	json_free(v);
}

static void test_values(void)
{
	struct json_value *v = parse("[null, false, -1.5e2, 0, \"a\\u00e9\\n\\\"\", {}, []]");

	CHECK(v && v->count == 7);
	if (!v)
		return;
	CHECK_EQ(v->items[0].type, JSON_NULL);
	CHECK(!v->items[1].boolean && v->items[1].type == JSON_BOOL);
	CHECK(v->items[2].number == -150.0);
	CHECK_STR(v->items[4].string, "a\xc3\xa9\n\"");
	CHECK_EQ(v->items[5].type, JSON_OBJECT);
	CHECK_EQ(v->items[6].count, 0);
	json_free(v);
	v = parse("\"\\ud83d\\ude00\"");	/* a surrogate pair */
	CHECK(v && !strcmp(v->string, "\xf0\x9f\x98\x80"));
	json_free(v);
}

static void test_refusals(void)
{
	refuse("");
	refuse("{");
	refuse("[1,]");
	refuse("{\"a\" 1}");
	refuse("{\"a\": 1,}");
	refuse("{a: 1}");
	refuse("[1] x");
	refuse("01");
	refuse("1.");
	refuse("-");
	refuse("1e");
	refuse("tru");
	refuse("\"abc");
	refuse("\"a\\q\"");
	refuse("\"\\u12\"");
	refuse("\"\\ud83d\"");
	refuse("\"\\u0000\"");
	refuse("\"tab\there\"");
	refuse("1e999");
	refuse("\"\\");
}

static void test_depth_limit(void)
{
	char deep[JSON_MAX_DEPTH * 2 + 8];
	size_t n = 0;

	for (unsigned int i = 0; i <= JSON_MAX_DEPTH; i++)
		deep[n++] = '[';
	for (unsigned int i = 0; i <= JSON_MAX_DEPTH; i++)
		deep[n++] = ']';
	deep[n] = '\0';
	refuse(deep);
	/* One level less is fine. */
	deep[0] = ' ';
	deep[n - 1] = ' ';
	{
		struct json_value *v = parse(deep);

		CHECK(v != NULL);
		json_free(v);
	}
}

static void test_print_string_round_trip(void)
{
	char buf[128];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	struct json_value *v;

	json_print_string(f, "q\"b\\s\x01 host");
	fclose(f);
	v = parse(buf);
	CHECK(v && v->type == JSON_STRING);
	if (v)
		CHECK_STR(v->string, "q\"b\\s\x01 host");
	json_free(v);
}

/* What `lkvm sve probe --json` writes, `lkvm sve common` reads back. */
static void test_probe_round_trip(void)
{
	static const sve_vqset hosts[] = { 0xf, 0xb, 0, SVE_VQSET_ALL, 0x10 };
	/* An a64fx-like host: SVE, nothing of ZFR0; and a max-like one. */
	static const uint64_t regs[][SVE_NR_ID_REGS] = {
		{ 1ULL << 32, 0, 0 },
		{ 0x1100000011111111ULL, 2ULL << 24, 0x0110110100110021ULL },
	};

	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		const uint64_t *r = regs[i % 2];
		struct sve_probe_doc doc = { .kvm_sve = hosts[i] != 0,
					     .host_vqs = hosts[i],
					     .id_regs = r,
					     .host = "node \"1\"", .kernel = "6.1" };
		char buf[2048], err[256];
		FILE *f = fmemopen(buf, sizeof(buf), "w");
		struct sve_probe_result back = { .host_vqs = 0x12345 };
		struct sve_features want;

		sve_probe_write_json(f, &doc);
		fclose(f);
		CHECK_EQ(sve_probe_read_json(buf, strlen(buf), &back, err,
					     sizeof(err)),
			 0);
		CHECK_EQ(back.host_vqs, hosts[i]);
		CHECK(back.has_features);
		sve_features_from_regs(r, &want);
		CHECK(!memcmp(&back.features, &want, sizeof(want)));
	}
}

static void probe_refused(const char *text, const char *mention)
{
	char err[256] = "";
	struct sve_probe_result probe;

	if (!sve_probe_read_json(text, strlen(text), &probe, err, sizeof(err)))
		check_failed(__FILE__, __LINE__, "accepted %s", text);
	else if (!strstr(err, mention))
		check_failed(__FILE__, __LINE__, "'%s' lacks '%s'", err, mention);
}

/* Version 1 files (before the feature fields) are still read. */
static void test_probe_version1(void)
{
	static const char v1[] = "{\"format\": \"lkvm-sve-probe\", \"version\": 1, \"kvm_sve\": true, \"host_vls\": [128, 256]}";
	struct sve_probe_result probe;
	char err[256];

	CHECK_EQ(sve_probe_read_json(v1, strlen(v1), &probe, err, sizeof(err)), 0);
	CHECK_EQ(probe.host_vqs, 3);
	CHECK(!probe.has_features);
}

static void test_probe_refusals(void)
{
	probe_refused("[]", "not an `lkvm sve probe");
	probe_refused("{\"format\": \"other\"}", "not an `lkvm sve probe");
	probe_refused("{\"format\": \"lkvm-sve-probe\", \"version\": 3}", "version 3");
	probe_refused("{\"format\": \"lkvm-sve-probe\", \"version\": 2, \"kvm_sve\": true, \"host_vls\": [128]}",
		      "\"features\" is missing");
	probe_refused("{\"format\": \"lkvm-sve-probe\", \"version\": 2, \"kvm_sve\": true, \"host_vls\": [128], \"features\": {\"SVE\": 1}}",
		      "knows 12 fields");
	probe_refused("{\"format\": \"lkvm-sve-probe\", \"version\": 1, \"kvm_sve\": true}",
		      "host_vls");
	probe_refused("{\"format\": \"lkvm-sve-probe\", \"version\": 1, \"kvm_sve\": true, \"host_vls\": [128, 300]}",
		      "item 1");
	probe_refused("{\"format\": \"lkvm-sve-probe\", \"version\": 1, \"kvm_sve\": true, \"host_vls\": [4096]}",
		      "item 0");
	probe_refused("{\"format\": \"lkvm-sve-probe\", \"version\": 1, \"kvm_sve\": true, \"host_vls\": [\"128\"]}",
		      "item 0");
	probe_refused("{\"format\": \"lkvm-sve-probe\", \"version\": 1, \"kvm_sve\": false, \"host_vls\": [128]}",
		      "false but");
	probe_refused("{\"format\": \"lkvm-sve-probe\"", "not valid JSON");
}

/* Whole numbers: out of range is refused, never converted (UBSan). */
static void test_member_uint(void)
{
	struct json_value *v = parse("{\"a\": 7, \"b\": 2e21, \"c\": 18446744073709551616, \"d\": -1, \"e\": 1.5}");
	char err[160];
	uint64_t n = 0;

	CHECK(v != NULL);
	CHECK(!json_member_uint(v, "a", 10, &n, err, sizeof(err)) && n == 7);
	CHECK(json_member_uint(v, "a", 6, &n, err, sizeof(err)) == -EINVAL);
	CHECK(json_member_uint(v, "b", UINT64_MAX, &n, err, sizeof(err)) == -EINVAL);
	CHECK(json_member_uint(v, "c", UINT64_MAX, &n, err, sizeof(err)) == -EINVAL);
	CHECK(json_member_uint(v, "d", UINT64_MAX, &n, err, sizeof(err)) == -EINVAL);
	CHECK(json_member_uint(v, "e", UINT64_MAX, &n, err, sizeof(err)) == -EINVAL);
	json_free(v);
}

static const struct unit_test tests[] = {
	{ "member-uint", test_member_uint },
	{ "probe-round-trip", test_probe_round_trip },
	{ "probe-refusals", test_probe_refusals },
	{ "probe-version-1", test_probe_version1 },
	{ "probe-document", test_probe_document },
	{ "values", test_values },
	{ "refusals", test_refusals },
	{ "depth-limit", test_depth_limit },
	{ "print-string-round-trip", test_print_string_round_trip },
};

UNIT_MAIN(tests)

#include "harness.h"

#include <lkvm/json.h>
#include <lkvm/sve_vls.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

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

	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		struct sve_probe_doc doc = { .kvm_sve = hosts[i] != 0,
					     .host_vqs = hosts[i],
					     .host = "node \"1\"", .kernel = "6.1" };
		char buf[1024], err[256];
		FILE *f = fmemopen(buf, sizeof(buf), "w");
		sve_vqset back = 0x12345;

		sve_probe_write_json(f, &doc);
		fclose(f);
		CHECK_EQ(sve_probe_read_json(buf, strlen(buf), &back, err,
					     sizeof(err)),
			 0);
		CHECK_EQ(back, hosts[i]);
	}
}

static void probe_refused(const char *text, const char *mention)
{
	char err[256] = "";
	sve_vqset set;

	if (!sve_probe_read_json(text, strlen(text), &set, err, sizeof(err)))
		check_failed(__FILE__, __LINE__, "accepted %s", text);
	else if (!strstr(err, mention))
		check_failed(__FILE__, __LINE__, "'%s' lacks '%s'", err, mention);
}

static void test_probe_refusals(void)
{
	probe_refused("[]", "not an `lkvm sve probe");
	probe_refused("{\"format\": \"other\"}", "not an `lkvm sve probe");
	probe_refused("{\"format\": \"lkvm-sve-probe\", \"version\": 2}", "version 2");
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

static const struct unit_test tests[] = {
	{ "probe-round-trip", test_probe_round_trip },
	{ "probe-refusals", test_probe_refusals },
	{ "probe-document", test_probe_document },
	{ "values", test_values },
	{ "refusals", test_refusals },
	{ "depth-limit", test_depth_limit },
	{ "print-string-round-trip", test_print_string_round_trip },
};

UNIT_MAIN(tests)

#include "harness.h"

#include <lkvm/sve_vls.h>

#include <errno.h>
#include <stdio.h>

#define VQ(v) SVE_VQ_BIT(v)
/* Hosts the tests use: {128,256,384,512}, {128,256,512}, none, all 16. */
#define H_VQ4 (VQ(1) | VQ(2) | VQ(3) | VQ(4))
#define H_POW2 (VQ(1) | VQ(2) | VQ(4))
#define H_ALL SVE_VQSET_ALL

static sve_vqset parse_set(const char *text)
{
	struct sve_spec spec;
	char err[160];

	if (sve_spec_parse(text, &spec, err, sizeof(err)) || spec.kind != SVE_SPEC_SET)
		return 0xdead0000;
	return spec.set;
}

static void test_parse_lists(void)
{
	CHECK_EQ(parse_set("128"), VQ(1));
	CHECK_EQ(parse_set("128,256"), VQ(1) | VQ(2));
	CHECK_EQ(parse_set("256,128"), VQ(1) | VQ(2));	/* order is free */
	CHECK_EQ(parse_set("128,128,256"), VQ(1) | VQ(2));	/* repeats too */
	CHECK_EQ(parse_set("128-512"), H_VQ4);
	CHECK_EQ(parse_set("384"), VQ(3));
	CHECK_EQ(parse_set("128-256,512"), H_POW2);
	CHECK_EQ(parse_set("2048"), VQ(16));
	CHECK_EQ(parse_set("128-2048"), H_ALL);
	CHECK_EQ(parse_set("640-640"), VQ(5));
}

static void test_parse_words(void)
{
	struct sve_spec spec;
	char err[160];

	CHECK(!sve_spec_parse("host", &spec, err, sizeof(err)));
	CHECK_EQ(spec.kind, SVE_SPEC_HOST);
	CHECK(!sve_spec_parse("off", &spec, err, sizeof(err)));
	CHECK_EQ(spec.kind, SVE_SPEC_OFF);
}

static void bad(const char *text, const char *mention)
{
	struct sve_spec spec;
	char err[160] = "";

	CHECK_EQ(sve_spec_parse(text, &spec, err, sizeof(err)), -EINVAL);
	if (!strstr(err, mention))
		check_failed(__FILE__, __LINE__, "error for '%s' is '%s', lacks '%s'",
			     text, err, mention);
}

static void test_parse_errors(void)
{
	bad("", "empty");
	bad("100", "'100'");
	bad("0", "'0'");
	bad("0128", "'0128'");
	bad("2176", "'2176'");
	bad("127", "'127'");
	bad("128,", "empty");
	bad(",128", "empty");
	bad("128,,256", "empty");
	bad("512-128", "runs downwards");
	bad("128-", "empty");
	bad("-256", "empty");
	bad("128-256-384", "'256-384'");
	bad("HOST", "'HOST'");
	bad("128 ", "'128 '");
	bad("0x80", "'0x80'");
	bad("99999999999999999999999", "'99999999999999999999999'");
	bad("128,abc", "'abc'");
}

static void test_max_vl_parse(void)
{
	unsigned int vq;
	char err[160];

	CHECK(!sve_vl_parse("384", &vq, err, sizeof(err)));
	CHECK_EQ(vq, 3);
	CHECK(sve_vl_parse("300", &vq, err, sizeof(err)));
	CHECK(sve_vl_parse("", &vq, err, sizeof(err)));
}

static void test_format(void)
{
	char s[SVE_VQSET_STR_MAX];

	CHECK_STR(sve_vqset_format(H_VQ4, s, sizeof(s)), "128,256,384,512");
	CHECK_STR(sve_vqset_format(0, s, sizeof(s)), "none");
	CHECK_STR(sve_vqset_format(H_ALL, s, sizeof(s)),
		  "128,256,384,512,640,768,896,1024,1152,1280,1408,1536,1664,1792,1920,2048");
	/* The format parses back to the same set. */
	for (sve_vqset set = 1; set < (1U << 10); set += 37)
		CHECK_EQ(parse_set(sve_vqset_format(set, s, sizeof(s))), set);
}

static void test_truncate_and_allowed(void)
{
	CHECK_EQ(sve_vqset_truncate(H_VQ4, 2), VQ(1) | VQ(2));
	CHECK_EQ(sve_vqset_truncate(H_VQ4, 16), H_VQ4);
	CHECK_EQ(sve_vqset_truncate(H_ALL, 20), H_ALL);
	CHECK_EQ(sve_vqset_max_vq(H_POW2), 4);
	CHECK_EQ(sve_vqset_max_vq(0), 0);
	CHECK(sve_vqset_allowed(VQ(1) | VQ(2), H_VQ4));
	CHECK(sve_vqset_allowed(H_VQ4, H_VQ4));
	CHECK(!sve_vqset_allowed(VQ(1) | VQ(4), H_VQ4));	/* hides 256, 384 */
	CHECK(!sve_vqset_allowed(VQ(2), H_VQ4));		/* hides 128 */
	CHECK(!sve_vqset_allowed(VQ(1) | VQ(2) | VQ(3), H_POW2)); /* no 384 */
	CHECK(sve_vqset_allowed(H_POW2, H_POW2));		/* 384 absent: fine */
	CHECK(!sve_vqset_allowed(0, H_VQ4));			/* empty */
	CHECK(!sve_vqset_allowed(VQ(1), 0));
}

static void test_possible_sets(void)
{
	sve_vqset sets[SVE_NR_VQS];

	CHECK_EQ(sve_possible_sets(H_VQ4, sets), 4);
	CHECK_EQ(sets[0], VQ(1));
	CHECK_EQ(sets[2], VQ(1) | VQ(2) | VQ(3));
	CHECK_EQ(sets[3], H_VQ4);
	CHECK_EQ(sve_possible_sets(H_POW2, sets), 3);
	CHECK_EQ(sets[2], H_POW2);
	CHECK_EQ(sve_possible_sets(0, sets), 0);
	CHECK_EQ(sve_possible_sets(H_ALL, sets), 16);
	/* Every possible set is allowed, and nothing else is. */
	for (sve_vqset s = 1; s <= H_VQ4; s++) {
		bool listed = false;

		sve_possible_sets(H_VQ4, sets);
		for (unsigned int i = 0; i < 4; i++)
			listed |= sets[i] == s;
		CHECK_EQ(sve_vqset_allowed(s, H_VQ4), listed);
	}
}

static int resolve(const char *text, sve_vqset host, sve_vqset *out, char *why,
		   size_t len)
{
	struct sve_spec spec;
	char err[160], reason[SVE_WHY_MAX];
	int ret;

	if (sve_spec_parse(text, &spec, err, sizeof(err)))
		return -100;
	ret = sve_spec_resolve(&spec, host, out, reason, sizeof(reason));
	snprintf(why, len, "--sve-vls=%s is %s", text, ret ? reason : "");
	return ret;
}

static void test_resolve(void)
{
	char why[SVE_WHY_MAX + 64];
	sve_vqset out;

	CHECK(!resolve("host", H_VQ4, &out, why, sizeof(why)));
	CHECK_EQ(out, H_VQ4);
	CHECK(!resolve("host", 0, &out, why, sizeof(why)));
	CHECK_EQ(out, 0);
	CHECK(!resolve("off", H_VQ4, &out, why, sizeof(why)));
	CHECK_EQ(out, 0);
	CHECK(!resolve("128,256,384", H_VQ4, &out, why, sizeof(why)));
	CHECK_EQ(out, VQ(1) | VQ(2) | VQ(3));
	CHECK(!resolve("128-512", H_POW2 | VQ(3), &out, why, sizeof(why)));
}

static void test_explanations(void)
{
	char why[SVE_WHY_MAX + 64];
	sve_vqset out;

	CHECK_EQ(resolve("128,512", H_VQ4, &out, why, sizeof(why)), -EINVAL);
	CHECK_STR(why, "--sve-vls=128,512 is not possible on this host: KVM cannot hide 256 and 384 below 512 (host offers 128,256,384,512). Possible sets: 128 | 128,256 | 128,256,384 | 128,256,384,512");
	CHECK_EQ(resolve("384", H_POW2, &out, why, sizeof(why)), -EINVAL);
	CHECK_STR(why, "--sve-vls=384 is not possible on this host: the host has no 384-bit vectors (host offers 128,256,512). Possible sets: 128 | 128,256 | 128,256,512");
	CHECK_EQ(resolve("128,1024", H_ALL, &out, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "KVM cannot hide 256, 384, 512, 640, 768 and 896 below 1024"));
	CHECK_EQ(resolve("128-640,1024", H_VQ4, &out, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "the host has no vectors of 640 or 1024 bits"));
	CHECK_EQ(resolve("128", 0, &out, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "--sve-vls=128 is not possible on this host: it has no SVE"));
}

static void test_max_vl_spec(void)
{
	struct sve_spec spec = { .kind = SVE_SPEC_MAX_VL, .max_vq = 2 };
	char why[SVE_WHY_MAX + 64];
	sve_vqset out;

	CHECK(!sve_spec_resolve(&spec, H_VQ4, &out, why, sizeof(why)));
	CHECK_EQ(out, VQ(1) | VQ(2));
	spec.max_vq = 3;	/* 384 exists on this host: a valid maximum */
	CHECK(!sve_spec_resolve(&spec, H_VQ4, &out, why, sizeof(why)));
	CHECK_EQ(out, VQ(1) | VQ(2) | VQ(3));
	CHECK_EQ(sve_spec_resolve(&spec, H_POW2, &out, why, sizeof(why)),
		 -EINVAL);
	CHECK(strstr(why, "not possible on this host: the host has no 384-bit vectors"));
	spec.max_vq = 8;
	CHECK_EQ(sve_spec_resolve(&spec, H_VQ4, &out, why, sizeof(why)),
		 -EINVAL);
}

/*
 * The longest explanation: a host with all 16 lengths and a request that
 * hides 14 of them. It must come out whole, every possible set in it.
 */
static void test_explanation_whole(void)
{
	char why[SVE_WHY_MAX], last[SVE_VQSET_STR_MAX + 4];
	struct sve_spec spec = { .kind = SVE_SPEC_SET,
				 .set = VQ(1) | VQ(SVE_NR_VQS) };
	sve_vqset out;
	size_t n;

	CHECK_EQ(sve_spec_resolve(&spec, H_ALL, &out, why, sizeof(why)),
		 -EINVAL);
	n = strlen(why);
	CHECK(n < sizeof(why) - 1);
	snprintf(last, sizeof(last), "| %s",
		 sve_vqset_format(H_ALL, (char[SVE_VQSET_STR_MAX]){ 0 },
				  SVE_VQSET_STR_MAX));
	CHECK(n >= strlen(last) && !strcmp(why + n - strlen(last), last));
	CHECK(strstr(why, "KVM cannot hide 256, 384, 512, 640, 768, 896, 1024, 1152, 1280, 1408, 1536, 1664, 1792 and 1920 below 2048"));
}

static void test_common(void)
{
	sve_vqset a[] = { H_VQ4, H_POW2 };
	sve_vqset b[] = { H_VQ4, H_POW2, 0 };
	sve_vqset c[] = { H_ALL, H_VQ4 };
	sve_vqset d[] = { VQ(2) | VQ(3), VQ(2) };	/* no 128: still a rule */
	sve_vqset e[] = { VQ(1), VQ(2) };

	CHECK_EQ(sve_common_set(a, 2), VQ(1) | VQ(2));
	CHECK_EQ(sve_common_set(a + 1, 1), H_POW2);
	CHECK_EQ(sve_common_set(b, 3), 0);
	CHECK_EQ(sve_common_set(c, 2), H_VQ4);
	CHECK_EQ(sve_common_set(d, 2), VQ(2));
	CHECK_EQ(sve_common_set(e, 2), 0);
	CHECK_EQ(sve_common_set(a, 0), 0);
	/* The answer is allowed on every host: the migration property. */
	for (unsigned int i = 0; i < 2; i++)
		CHECK(sve_vqset_allowed(sve_common_set(a, 2), a[i]));
}

static const struct unit_test tests[] = {
	{ "parse-lists", test_parse_lists },
	{ "parse-words", test_parse_words },
	{ "parse-errors", test_parse_errors },
	{ "explanation-whole", test_explanation_whole },
	{ "max-vl-parse", test_max_vl_parse },
	{ "format", test_format },
	{ "truncate-and-allowed", test_truncate_and_allowed },
	{ "possible-sets", test_possible_sets },
	{ "resolve", test_resolve },
	{ "explanations", test_explanations },
	{ "max-vl-spec", test_max_vl_spec },
	{ "common", test_common },
};

UNIT_MAIN(tests)

/*
 * SVE/SME ID register fields: reading them out of register values,
 * writing a floor back into them, a fleet's floor, and the CPU profile
 * document.
 */
#include "harness.h"

#include <lkvm/sve_features.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { F_SVE, F_SME, F_SVEVER, F_AES, F_BITPERM, F_BF16, F_B16B16, F_SHA3,
       F_SM4, F_I8MM, F_F32MM, F_F64MM };

/* What KVM showed guests on the test bed's hosts (QEMU a64fx and max). */
static const uint64_t A64FX[SVE_NR_ID_REGS] = { 0x0000000101111111ULL, 0, 0 };
static const uint64_t MAX[SVE_NR_ID_REGS] = {
	0x1101000111111111ULL, 0x0000000000000020ULL, 0x0110110100110021ULL,
};

static struct sve_features feats(const uint64_t regs[SVE_NR_ID_REGS])
{
	struct sve_features f;

	sve_features_from_regs(regs, &f);
	return f;
}

static void test_fields(void)
{
	struct sve_features a = feats(A64FX), m = feats(MAX);

	/* The table and the enum above agree. */
	CHECK_STR(sve_feature_fields[F_SVEVER].name, "SVEver");
	CHECK_STR(sve_feature_fields[F_I8MM].name, "I8MM");
	CHECK_STR(sve_feature_fields[F_F64MM].name, "F64MM");
	CHECK_EQ(a.level[F_SVE], 1);
	for (unsigned int i = F_SVEVER; i < SVE_NR_FEATURES; i++)
		CHECK_EQ(a.level[i], 0);
	CHECK_EQ(m.level[F_SVE], 1);
	CHECK_EQ(m.level[F_SVEVER], 1);
	CHECK_EQ(m.level[F_AES], 2);
	CHECK_EQ(m.level[F_BITPERM], 1);
	CHECK_EQ(m.level[F_BF16], 1);
	CHECK_EQ(m.level[F_B16B16], 0);
	CHECK_EQ(m.level[F_SHA3], 1);
	CHECK_EQ(m.level[F_SM4], 1);
	CHECK_EQ(m.level[F_I8MM], 1);
	CHECK_EQ(m.level[F_F32MM], 1);
	CHECK_EQ(m.level[F_F64MM], 1);
	CHECK_EQ(m.level[F_SME], 0);	/* PFR1 bits [27:24] */
}

/* Writing a floor changes the fields named and no other bit. */
static void test_to_reg(void)
{
	struct sve_features a = feats(A64FX), back;
	uint64_t lowered[SVE_NR_ID_REGS];

	for (unsigned int r = 0; r < SVE_NR_ID_REGS; r++)
		lowered[r] = sve_features_to_reg(MAX[r], r, &a);
	CHECK_EQ(lowered[SVE_REG_PFR0], MAX[SVE_REG_PFR0]);	/* SVE=1 both */
	CHECK_EQ(lowered[SVE_REG_PFR1], MAX[SVE_REG_PFR1]);
	/* ZFR0: all the fields known are 0; its RES0 bits were 0 too. */
	CHECK_EQ(lowered[SVE_REG_ZFR0], 0);
	back = feats(lowered);
	CHECK(!memcmp(&back, &a, sizeof(a)));
	/* Bits outside the known fields stay; BitPerm [19:16] goes. */
	CHECK_EQ(sve_features_to_reg(0xf0000000000f0f00ULL, SVE_REG_ZFR0, &a),
		 0xf000000000000f00ULL);
}

static void test_floor(void)
{
	struct sve_features hosts[3], floor;

	hosts[0] = feats(MAX);
	hosts[1] = feats(A64FX);
	sve_features_floor(hosts, 2, &floor);
	CHECK(!memcmp(&floor, &hosts[1], sizeof(floor)));
	sve_features_floor(hosts, 1, &floor);	/* one host: itself */
	CHECK(!memcmp(&floor, &hosts[0], sizeof(floor)));

	/* Field by field, not host by host. */
	memset(hosts, 0, sizeof(hosts));
	hosts[0].level[F_SVEVER] = 2, hosts[0].level[F_BF16] = 1;
	hosts[1].level[F_SVEVER] = 1, hosts[1].level[F_BF16] = 2;
	hosts[2].level[F_SVEVER] = 1, hosts[2].level[F_BF16] = 2;
	hosts[2].level[F_I8MM] = 1;
	sve_features_floor(hosts, 3, &floor);
	CHECK_EQ(floor.level[F_SVEVER], 1);
	CHECK_EQ(floor.level[F_BF16], 1);
	CHECK_EQ(floor.level[F_I8MM], 0);
}

/* Random fleets: the floor is below every host and reached by one. */
static void test_floor_property(void)
{
	srand(16);
	for (int round = 0; round < 2000; round++) {
		struct sve_features hosts[6], floor;
		unsigned int nr = 1 + (unsigned int)rand() % 6;

		for (unsigned int h = 0; h < nr; h++)
			for (unsigned int i = 0; i < SVE_NR_FEATURES; i++)
				hosts[h].level[i] = (uint8_t)(rand() % 4);
		sve_features_floor(hosts, nr, &floor);
		for (unsigned int h = 0; h < nr; h++)
			CHECK_EQ(sve_features_first_missing(&hosts[h], &floor), -1);
		for (unsigned int i = 0; i < SVE_NR_FEATURES; i++) {
			bool reached = false;

			for (unsigned int h = 0; h < nr; h++)
				reached |= hosts[h].level[i] == floor.level[i];
			CHECK(reached);
		}
	}
}

static void test_first_missing(void)
{
	struct sve_features a = feats(A64FX), m = feats(MAX);

	CHECK_EQ(sve_features_first_missing(&m, &a), -1);
	CHECK_EQ(sve_features_first_missing(&a, &m), F_SVEVER);
	CHECK_EQ(sve_features_first_missing(&a, &a), -1);
}

static void test_format(void)
{
	struct sve_features m = feats(MAX);
	char buf[SVE_FEATURES_STR_MAX];

	CHECK_STR(sve_features_format(&m, buf, sizeof(buf)),
		  "SVE=1 SME=0 SVEver=1 AES=2 BitPerm=1 BF16=1 B16B16=0 SHA3=1 SM4=1 I8MM=1 F32MM=1 F64MM=1");
	memset(&m, 15, sizeof(m));
	CHECK(strlen(sve_features_format(&m, buf, sizeof(buf))) < sizeof(buf) - 1);
}

static void test_profile_round_trip(void)
{
	struct cpu_profile p = { .sve_vqs = 0xb, .floor = feats(MAX) }, back;
	char buf[1024], err[256];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	cpu_profile_write_json(f, &p);
	fclose(f);
	CHECK_EQ(cpu_profile_parse(buf, strlen(buf), &back, err, sizeof(err)), 0);
	CHECK_EQ(back.sve_vqs, 0xb);
	CHECK(!memcmp(&back.floor, &p.floor, sizeof(p.floor)));
}

#define FEAT(sve, ver) "{\"SVE\": " #sve ", \"SME\": 0, \"SVEver\": " #ver ", \"AES\": 0, \"BitPerm\": 0, \"BF16\": 0, \"B16B16\": 0, \"SHA3\": 0, \"SM4\": 0, \"I8MM\": 0, \"F32MM\": 0, \"F64MM\": 0}"
#define DOC(vls, feat) "{\"format\": \"lkvm-cpu-profile\", \"version\": 1, \"sve_vls\": " vls ", \"features\": " feat "}"

static void refused(const char *text, const char *mention)
{
	struct cpu_profile p;
	char err[256] = "";

	if (!cpu_profile_parse(text, strlen(text), &p, err, sizeof(err)))
		check_failed(__FILE__, __LINE__, "accepted %s", text);
	else if (!strstr(err, mention))
		check_failed(__FILE__, __LINE__, "'%s' lacks '%s'", err, mention);
}

static void test_profile_parse(void)
{
	static const char off[] = DOC("[]", FEAT(0, 0));
	static const char sve2[] = DOC("[128, 256]", FEAT(1, 1));
	struct cpu_profile p;
	char err[256];

	CHECK_EQ(cpu_profile_parse(off, strlen(off), &p, err, sizeof(err)), 0);
	CHECK_EQ(p.sve_vqs, 0);
	CHECK_EQ(cpu_profile_parse(sve2, strlen(sve2), &p, err, sizeof(err)), 0);
	CHECK_EQ(p.sve_vqs, 3);
	CHECK_EQ(p.floor.level[F_SVEVER], 1);

	refused("", "not valid JSON");
	refused("[]", "not a CPU profile");
	refused("{\"format\": \"lkvm-sve-probe\", \"version\": 2}", "not a CPU profile");
	refused("{\"format\": \"lkvm-cpu-profile\", \"version\": 2}", "version 2");
	refused("{\"format\": \"lkvm-cpu-profile\", \"version\": 1, \"features\": " FEAT(1, 0) "}",
		"\"sve_vls\" is missing");
	refused(DOC("[128, 200]", FEAT(1, 0)), "item 1");
	refused("{\"format\": \"lkvm-cpu-profile\", \"version\": 1, \"sve_vls\": [128]}",
		"\"features\" is missing");
	refused(DOC("[128]", "[]"), "not an object");
	refused(DOC("[128]", FEAT(1, 16)), "SVEver");
	refused(DOC("[128]", FEAT(1, -1)), "SVEver");
	refused(DOC("[128]", FEAT(1, 1.5)), "SVEver");
	refused(DOC("[128]", "{\"SVE\": 1}"), "knows 12 fields");
	refused(DOC("[128]", "{\"SVE\": 1, \"SME\": 0, \"SVEver\": 0, \"AES\": 0, \"BitPerm\": 0, \"BF16\": 0, \"B16B16\": 0, \"SHA3\": 0, \"SM4\": 0, \"I8MM\": 0, \"F32MM\": 0, \"FP64MM\": 0}"),
		"F64MM");
	refused(DOC("[128]", FEAT(0, 0)), "SVE=0");
	refused(DOC("[]", FEAT(0, 1)), "SVEver=1");
	refused(DOC("[]", FEAT(1, 0)), "SVE=1");
}

static const struct unit_test tests[] = {
	{ "fields", test_fields },
	{ "to-reg", test_to_reg },
	{ "floor", test_floor },
	{ "floor-property", test_floor_property },
	{ "first-missing", test_first_missing },
	{ "format", test_format },
	{ "profile-round-trip", test_profile_round_trip },
	{ "profile-parse", test_profile_parse },
};

UNIT_MAIN(tests)

#include "harness.h"

#include <lkvm/cmdline.h>
#include <lkvm/parse.h>

#include <errno.h>
#include <stdlib.h>

static void test_size_units(void)
{
	uint64_t v;

	CHECK(!parse_size("512", 1ULL << 20, &v));
	CHECK_EQ(v, 512ULL << 20);
	CHECK(!parse_size("2G", 1ULL << 20, &v));
	CHECK_EQ(v, 2ULL << 30);
	CHECK(!parse_size("2g", 1ULL << 20, &v));
	CHECK_EQ(v, 2ULL << 30);
	CHECK(!parse_size("768M", 1ULL << 20, &v));
	CHECK_EQ(v, 768ULL << 20);
	CHECK(!parse_size("4096K", 1ULL << 20, &v));
	CHECK_EQ(v, 4ULL << 20);
	CHECK(!parse_size("1T", 1ULL << 20, &v));
	CHECK_EQ(v, 1ULL << 40);
	CHECK(!parse_size("1GiB", 1ULL << 20, &v));
	CHECK_EQ(v, 1ULL << 30);
	CHECK(!parse_size("64MB", 1ULL << 20, &v));
	CHECK_EQ(v, 64ULL << 20);
	CHECK(!parse_size("0x100", 1ULL << 20, &v));
	CHECK_EQ(v, 256ULL << 20);
}

static void test_size_errors(void)
{
	uint64_t v;

	CHECK_EQ(parse_size("", 1, &v), -EINVAL);
	CHECK_EQ(parse_size("0", 1, &v), -EINVAL);
	CHECK_EQ(parse_size("12X", 1, &v), -EINVAL);
	CHECK_EQ(parse_size("12MX", 1, &v), -EINVAL);
	CHECK_EQ(parse_size("-1", 1, &v), -EINVAL);
	CHECK_EQ(parse_size(" 1", 1, &v), -EINVAL);
	CHECK_EQ(parse_size("M", 1, &v), -EINVAL);
	CHECK_EQ(parse_size("99999999999999999999", 1, &v), -ERANGE);
	CHECK_EQ(parse_size("17179869184G", 1ULL << 20, &v), -ERANGE);
}

static void test_uint(void)
{
	unsigned int v;

	CHECK(!parse_uint("8", 4096, &v));
	CHECK_EQ(v, 8);
	CHECK_EQ(parse_uint("4097", 4096, &v), -ERANGE);
	CHECK_EQ(parse_uint("8x", 4096, &v), -EINVAL);
	CHECK_EQ(parse_uint("", 4096, &v), -EINVAL);
	CHECK_EQ(parse_uint("4294967296", 0xffffffff, &v), -ERANGE);
}

static void test_bool(void)
{
	bool b;

	CHECK(!parse_bool("on", &b) && b);
	CHECK(!parse_bool("OFF", &b) && !b);
	CHECK(!parse_bool("yes", &b) && b);
	CHECK(!parse_bool("0", &b) && !b);
	CHECK_EQ(parse_bool("maybe", &b), -EINVAL);
}

static void test_cmdline_order(void)
{
	const char *defaults[] = { "console=ttyS0", "root=/dev/vda rw" };
	char *s = cmdline_build(defaults, 2, "console=hvc0 quiet");

	/* The user's arguments come last so that they win. */
	CHECK_STR(s, "console=ttyS0 root=/dev/vda rw console=hvc0 quiet");
	free(s);
	s = cmdline_build(defaults, 0, "exactly");
	CHECK_STR(s, "exactly");
	free(s);
	s = cmdline_build(defaults, 1, NULL);
	CHECK_STR(s, "console=ttyS0");
	free(s);
	s = cmdline_build(NULL, 0, NULL);
	CHECK_STR(s, "");
	free(s);
}

static void test_cmdline_too_long(void)
{
	char big[GUEST_CMDLINE_MAX + 1];
	char *s;

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	errno = 0;
	CHECK(cmdline_build(NULL, 0, big) == NULL);
	CHECK_EQ(errno, E2BIG);
	/* Exactly at the limit (terminator included) still fits. */
	big[GUEST_CMDLINE_MAX - 1] = '\0';
	s = cmdline_build(NULL, 0, big);
	CHECK(s != NULL);
	free(s);
}

static const struct unit_test tests[] = {
	{ "size-units", test_size_units },
	{ "size-errors", test_size_errors },
	{ "uint", test_uint },
	{ "bool", test_bool },
	{ "cmdline-order", test_cmdline_order },
	{ "cmdline-too-long", test_cmdline_too_long },
};

UNIT_MAIN(tests)

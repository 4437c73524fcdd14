#include "harness.h"

#include <lkvm/arm/nested.h>

#include <string.h>

static const char *reason(const char *release, const char *cmdline)
{
	static char buf[200];

	nested_unavailable_reason(release, cmdline, buf, sizeof(buf));
	return buf;
}

static bool says(const char *release, const char *cmdline, const char *what)
{
	return strstr(reason(release, cmdline), what) != NULL;
}

static void test_old_kernel(void)
{
	/* Before 6.16 the kernel is the reason, whatever the command line. */
	CHECK(says("6.1.0-28-arm64", "kvm-arm.mode=nested", "older than Linux 6.16"));
	CHECK(says("6.15.9", "", "older than Linux 6.16"));
	CHECK(says("5.10.0-arm64", "", "5.10.0-arm64"));
	CHECK(!says("6.16.0", "", "older"));
	CHECK(!says("7.3.4+deb13-arm64", "", "older"));
	CHECK(!says("6.100.1", "", "older"));
}

static void test_not_booted_nested(void)
{
	static const char *const not_nested[] = {
		"",
		"console=ttyAMA0 quiet",
		"kvm-arm.mode=nvhe",
		"kvm-arm.mode=nestedx",
		"xkvm-arm.mode=nested",
		"kvm-arm.mode=nested kvm-arm.mode=protected",
		"kvm-arm.mode=",
	};

	for (size_t i = 0; i < sizeof(not_nested) / sizeof(not_nested[0]); i++)
		CHECK(says("7.3.4+deb13-arm64", not_nested[i],
			   "not booted with kvm-arm.mode=nested"));
}

static void test_booted_nested(void)
{
	static const char *const nested[] = {
		"kvm-arm.mode=nested",
		"console=ttyAMA0 kvm-arm.mode=nested quiet\n",
		"kvm_arm.mode=nested",
		"kvm-arm.mode=nvhe\tkvm-arm.mode=nested",
	};

	for (size_t i = 0; i < sizeof(nested) / sizeof(nested[0]); i++)
		CHECK(says("6.16.0", nested[i], "lacks FEAT_NV2"));
	/* A release lkvm cannot read is not blamed. */
	CHECK(says("custom", "kvm-arm.mode=nested", "lacks FEAT_NV2"));
}

static void test_truncates(void)
{
	char buf[16];

	nested_unavailable_reason("6.1.0", "", buf, sizeof(buf));
	CHECK_EQ(strlen(buf), sizeof(buf) - 1);
}

static const struct unit_test tests[] = {
	{ "old-kernel", test_old_kernel },
	{ "not-booted-nested", test_not_booted_nested },
	{ "booted-nested", test_booted_nested },
	{ "truncates", test_truncates },
};

UNIT_MAIN(tests)

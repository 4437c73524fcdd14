// SPDX-License-Identifier: GPL-2.0
/*
 * Why a host offers no EL2 to guests, told apart from what userspace can
 * see (pure, so unit-tested without KVM).
 */
#include <lkvm/arm/nested.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "6.1.0-28-arm64" -> 6, 1; false if it does not start so. */
static bool release_version(const char *release, unsigned long *major,
			    unsigned long *minor)
{
	char *end;

	if (release[0] < '0' || release[0] > '9')
		return false;
	*major = strtoul(release, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		return false;
	*minor = strtoul(end + 1, NULL, 10);
	return true;
}

/*
 * Whether @cmdline holds the word kvm-arm.mode=nested: the kernel treats
 * '-' and '_' in parameter names alike, and a later mode= overrides an
 * earlier one.
 */
static bool booted_nested(const char *cmdline)
{
	static const char want[] = "kvm-arm.mode=";
	bool nested = false;
	const char *p = cmdline;

	while (*p) {
		size_t n = strcspn(p, " \t\n"), i;

		for (i = 0; i < sizeof(want) - 1 && i < n; i++) {
			char c = p[i] == '_' ? '-' : p[i];

			if (c != want[i])
				break;
		}
		if (i == sizeof(want) - 1)
			nested = n - i == 6 && !strncmp(p + i, "nested", 6);
		p += n;
		p += strspn(p, " \t\n");
	}
	return nested;
}

void nested_unavailable_reason(const char *release, const char *cmdline,
			       char *buf, size_t len)
{
	unsigned long major, minor;

	if (release_version(release, &major, &minor) &&
	    (major < NESTED_MIN_MAJOR ||
	     (major == NESTED_MIN_MAJOR && minor < NESTED_MIN_MINOR)))
		snprintf(buf, len,
			 "the host kernel %s is older than Linux %u.%u, the first with nested virtualisation for arm64 guests (no KVM_CAP_ARM_EL2)",
			 release, NESTED_MIN_MAJOR, NESTED_MIN_MINOR);
	else if (!booted_nested(cmdline))
		snprintf(buf, len,
			 "KVM was not booted with kvm-arm.mode=nested on the host kernel's command line (no KVM_CAP_ARM_EL2)");
	else
		snprintf(buf, len,
			 "the host CPU lacks FEAT_NV2: the kernel was booted with kvm-arm.mode=nested, yet KVM offers no KVM_CAP_ARM_EL2");
}

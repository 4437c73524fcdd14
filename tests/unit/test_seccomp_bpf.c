/*
 * The seccomp filters compiled when lkvm was built (build/gen/
 * seccomp_bpf.c) must be, once a process ID is patched in, exactly what
 * libseccomp makes of the same rules at run time: as strict, no more, no
 * less. And the build must hold a program for every thread kind and
 * device extra lkvm loads, with libseccomp's system-call names.
 * arm64 only: the tables are arm64 BPF (the native build has none).
 */
#include "harness.h"

#include <lkvm/seccomp.h>
#include <lkvm/virtio_9p.h>

#include <linux/filter.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct seccomp_extra *const extras[] = {
	&virtio_9p_seccomp,
};

static const struct seccomp_extra *extra_named(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(extras); i++)
		if (!strcmp(extras[i]->name, name))
			return extras[i];
	check_failed(__FILE__, __LINE__, "unknown extra %s", name);
	return NULL;
}

static const struct seccomp_precompiled *find(enum seccomp_thread kind,
					      const char *extra)
{
	const struct seccomp_precompiled *found = NULL;

	for (unsigned int i = 0; i < seccomp_nr_precompiled; i++) {
		const struct seccomp_precompiled *p = &seccomp_precompiled[i];

		if (p->kind != kind ||
		    (p->extra && extra ? strcmp(p->extra, extra) : p->extra != extra))
			continue;
		CHECK(!found);	/* one program per filter */
		found = p;
	}
	return found;
}

/* Every filter lkvm's threads load is there, and nothing else. */
static void test_complete(void)
{
	CHECK(find(SECCOMP_MAIN, NULL));
	CHECK(find(SECCOMP_VCPU, NULL));
	CHECK(find(SECCOMP_IO, NULL));
	CHECK(find(SECCOMP_VCPU_IO, NULL));
	for (size_t i = 0; i < ARRAY_SIZE(extras); i++) {
		CHECK(find(SECCOMP_IO, extras[i]->name));
		CHECK(find(SECCOMP_VCPU_IO, extras[i]->name));
	}
	CHECK_EQ(seccomp_nr_precompiled, 4 + 2 * ARRAY_SIZE(extras));
}

/* Patched with @pid, each program equals libseccomp's for @pid. */
static void check_equal(uint32_t pid)
{
	for (unsigned int i = 0; i < seccomp_nr_precompiled; i++) {
		const struct seccomp_precompiled *p = &seccomp_precompiled[i];
		size_t size = p->len * sizeof(*p->insns);
		struct sock_filter *built, *patched = malloc(size);
		unsigned short len = 0;

		CHECK_EQ(seccomp_compile(p->kind, extra_named(p->extra), pid,
					 &built, &len),
			 0);
		if (!patched || !built) {
			CHECK(0);
			free(patched);
			free(built);
			continue;
		}
		memcpy(patched, p->insns, size);
		CHECK_EQ(seccomp_patch_constant(patched, p->len,
						SECCOMP_PID_PLACEHOLDER, pid),
			 1);
		CHECK_EQ(len, p->len);
		CHECK(len == p->len && !memcmp(built, patched, size));
		free(built);
		free(patched);
	}
}

static void test_equal_to_libseccomp(void)
{
	check_equal((uint32_t)getpid());
	check_equal(1);
	check_equal(4194304);	/* PID_MAX_LIMIT */
}

static void test_syscall_names(void)
{
	unsigned int named = 0;

	CHECK(seccomp_nr_syscall_names >= 400);
	for (unsigned int nr = 0; nr < seccomp_nr_syscall_names; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE,
							       (int)nr);

		CHECK_STR(seccomp_syscall_names[nr], name ? name : "");
		named += !!name;
		free(name);
	}
	CHECK(named > 200);
}

static const struct unit_test tests[] = {
	{ "seccomp_bpf_complete", test_complete },
	{ "seccomp_bpf_equal_to_libseccomp", test_equal_to_libseccomp },
	{ "seccomp_bpf_syscall_names", test_syscall_names },
};

UNIT_MAIN(tests)

/*
 * The main thread's filter is compiled before the control socket's
 * directory is open and patched when it is installed: the placeholder
 * must come out of libseccomp as a comparison that the patch finds, and
 * nothing else may look like it.
 */
#include "harness.h"

#include <lkvm/config.h>
#include <lkvm/seccomp.h>
#include <lkvm/vm.h>

#include <errno.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* libseccomp's BPF for one unlinkat rule like the main thread's. */
static struct sock_filter *compile_rule(unsigned int *len)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
	struct sock_filter *insns = NULL;
	struct stat st;
	int fd = memfd_create("test-seccomp", MFD_CLOEXEC);

	CHECK(ctx && fd >= 0);
	CHECK_EQ(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(unlinkat), 2,
				  SCMP_A0(SCMP_CMP_EQ,
					  SECCOMP_CONTROL_DIRFD_PLACEHOLDER, 0),
				  SCMP_A2(SCMP_CMP_EQ, 0, 0)),
		 0);
	CHECK_EQ(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(read), 0), 0);
	CHECK_EQ(seccomp_export_bpf(ctx, fd), 0);
	CHECK_EQ(fstat(fd, &st), 0);
	insns = malloc((size_t)st.st_size);
	CHECK(insns && pread(fd, insns, (size_t)st.st_size, 0) == st.st_size);
	*len = (unsigned int)(st.st_size / sizeof(*insns));
	close(fd);
	seccomp_release(ctx);
	return insns;
}

static unsigned int count_k(const struct sock_filter *insns, unsigned int len,
			    uint32_t k)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < len; i++)
		n += insns[i].k == k;
	return n;
}

static void test_patch_placeholder(void)
{
	unsigned int len = 0;
	struct sock_filter *insns = compile_rule(&len);

	if (!insns)
		return;
	CHECK_EQ(count_k(insns, len, SECCOMP_CONTROL_DIRFD_PLACEHOLDER), 1);
	CHECK_EQ(count_k(insns, len, 1234), 0);
	CHECK_EQ(seccomp_patch_constant(insns, len,
					SECCOMP_CONTROL_DIRFD_PLACEHOLDER, 1234),
		 1);
	CHECK_EQ(count_k(insns, len, SECCOMP_CONTROL_DIRFD_PLACEHOLDER), 0);
	CHECK_EQ(count_k(insns, len, 1234), 1);
	/* A second patch finds nothing: the caller treats 0 as an error. */
	CHECK_EQ(seccomp_patch_constant(insns, len,
					SECCOMP_CONTROL_DIRFD_PLACEHOLDER, 5),
		 0);
	free(insns);
}

/* Only jump comparisons change: a load of the same value stays. */
static void test_patch_only_comparisons(void)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 SECCOMP_CONTROL_DIRFD_PLACEHOLDER),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
			 SECCOMP_CONTROL_DIRFD_PLACEHOLDER, 0, 1),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_X,
			 SECCOMP_CONTROL_DIRFD_PLACEHOLDER, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_CONTROL_DIRFD_PLACEHOLDER),
	};

	CHECK_EQ(seccomp_patch_constant(insns, 4,
					SECCOMP_CONTROL_DIRFD_PLACEHOLDER, 7),
		 1);
	CHECK_EQ(insns[0].k, SECCOMP_CONTROL_DIRFD_PLACEHOLDER);
	CHECK_EQ(insns[1].k, 7);
	CHECK_EQ(insns[2].k, SECCOMP_CONTROL_DIRFD_PLACEHOLDER);
	CHECK_EQ(insns[3].k, SECCOMP_CONTROL_DIRFD_PLACEHOLDER);
}

/*
 * A filter the build did not compile, in a program that does not link
 * the compiler (as lkvm does not): refused with -ENOSYS, nothing
 * installed. In a child, so that a filter installed by mistake cannot
 * reach the other tests.
 */
static void test_unlisted_filter_refused(void)
{
	static const struct seccomp_extra unlisted = { .name = "not-listed" };
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		struct vm_config cfg = { .seccomp = true };
		struct vm vm = { .cfg = &cfg, .vcpu_filter = SECCOMP_VCPU };
		/* The build for the build host compiles none: prepare refuses. */
		int ret = seccomp_prepare(&vm);

		ret = ret ?: seccomp_enter(&vm, SECCOMP_IO, "test", &unlisted);
		_exit(ret == -ENOSYS ? 0 : 1);
	}
	CHECK(pid > 0);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static const struct unit_test tests[] = {
	{ "seccomp_patch_placeholder", test_patch_placeholder },
	{ "seccomp_patch_only_comparisons", test_patch_only_comparisons },
	{ "seccomp_unlisted_filter_refused", test_unlisted_filter_refused },
};

UNIT_MAIN(tests)

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_SECCOMP_H
#define LKVM_SECCOMP_H

#include <lkvm/compiler.h>

struct vm;
struct sock_filter;

/*
 * Per-thread system-call filters (libseccomp's BPF, compiled when lkvm
 * is built: see seccomp_precompiled). Each thread installs its
 * own filter before it first handles guest-driven work; a call outside
 * the allowlist kills lkvm with SIGSYS after one log line naming the
 * thread and the call. Nothing may ever map memory executable.
 * Documentation/security.md lists what each kind may do.
 */
enum seccomp_thread {
	SECCOMP_MAIN,	/* event loop, control socket, teardown */
	SECCOMP_VCPU,	/* KVM_RUN and the MMIO handlers it calls */
	SECCOMP_IO,	/* device I/O threads and workers */
	/*
	 * A vcpu thread that also does its devices' queue work when the
	 * guest notifies them (lkvm sandbox: virtio.md, "Notifications on
	 * the vcpu thread"): SECCOMP_VCPU and SECCOMP_IO together.
	 */
	SECCOMP_VCPU_IO,
};

static inline bool seccomp_is_vcpu_kind(enum seccomp_thread kind)
{
	return kind == SECCOMP_VCPU || kind == SECCOMP_VCPU_IO;
}

/*
 * Before the first filter: the SIGSYS handler, and @vm's cache of the
 * filters its threads load (each made once, however many threads load
 * it). Returns 0 or -ENOMEM.
 */
int seccomp_prepare(struct vm *vm);
void seccomp_release_cache(struct vm *vm);

/*
 * A call allowed only on file descriptors: each argument in @fd_args
 * (bit i: argument i) must be a non-negative descriptor, so never
 * AT_FDCWD, and no path is resolved from lkvm's working directory.
 */
struct seccomp_fd_call {
	int nr;				/* SCMP_SYS(name) */
	unsigned int fd_args;
};

/*
 * What a device's threads need beyond their kind's allowlist. Each one
 * is listed in scripts/seccomp_gen.c, which compiles its filter when
 * lkvm is built, and found again at run time by @name.
 */
struct seccomp_extra {
	const char *name;
	const int *syscalls;		/* by number: SCMP_SYS(name) */
	unsigned int nr_syscalls;
	const struct seccomp_fd_call *fd_calls;
	unsigned int nr_fd_calls;
	const unsigned long *ioctls;	/* request numbers */
	unsigned int nr_ioctls;
};

/*
 * The main thread's filter is compiled before the VM runs, but lets
 * unlinkat() act only in the control socket's directory, whose
 * descriptor exists only later: the filter holds this placeholder,
 * replaced by the real descriptor when the main thread installs it.
 */
#define SECCOMP_CONTROL_DIRFD_PLACEHOLDER 0x4c4b5601U
/*
 * Every filter lets tgkill() reach only this process's threads; filters
 * are compiled when lkvm is built with this in place of the process ID
 * (larger than any PID), replaced when a thread installs its filter.
 */
#define SECCOMP_PID_PLACEHOLDER 0x4c4b5602U

/*
 * Replaces every comparison with @placeholder in the @len instructions
 * of @insns by @value. Returns how many were replaced.
 */
unsigned int seccomp_patch_constant(struct sock_filter *insns,
				    unsigned int len, uint32_t placeholder,
				    uint32_t value);

/*
 * Compiles the filter of @kind plus @extra (may be NULL) with libseccomp,
 * letting tgkill() signal only @pid's threads and unlinkat() act only in
 * SECCOMP_CONTROL_DIRFD_PLACEHOLDER. For scripts/seccomp_gen.c, the tests,
 * and builds without precompiled filters (core/seccomp_compile.c, which
 * lkvm's own binary does not link). Returns 0 and a malloc()ed program
 * in @insns, or -errno.
 */
int seccomp_compile(enum seccomp_thread kind, const struct seccomp_extra *extra,
		    uint32_t pid, struct sock_filter **insns, unsigned short *len);

/*
 * The filters compiled when lkvm was built (build/gen/seccomp_bpf.c,
 * written by scripts/seccomp_gen.c with seccomp_compile() and
 * SECCOMP_PID_PLACEHOLDER), and libseccomp's names of system calls by
 * number, for the SIGSYS report. A build for the build host (tests)
 * has none of either.
 */
struct seccomp_precompiled {
	enum seccomp_thread kind;
	const char *extra;		/* seccomp_extra.name, NULL: none */
	const struct sock_filter *insns;
	unsigned short len;
};
extern const struct seccomp_precompiled seccomp_precompiled[];
extern const unsigned int seccomp_nr_precompiled;
#define SECCOMP_NAME_LEN 24
extern const char seccomp_syscall_names[][SECCOMP_NAME_LEN];
extern const unsigned int seccomp_nr_syscall_names;

/*
 * Installs the filter of @kind on the calling thread, plus @extra (may be
 * NULL). A no-op with --seccomp=off. Returns 0 or -errno after logging.
 */
int seccomp_enter(const struct vm *vm, enum seccomp_thread kind,
		  const char *thread_name, const struct seccomp_extra *extra);

/*
 * For a thread started by one that had installed the filter of @kind
 * (the vcpu threads after the first): it runs under that filter from its
 * first instruction; this only names it for the SIGSYS report.
 */
void seccomp_inherited(const struct vm *vm, enum seccomp_thread kind,
		       const char *thread_name);

#endif

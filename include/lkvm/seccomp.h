/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_SECCOMP_H
#define LKVM_SECCOMP_H

#include <lkvm/compiler.h>

struct vm;

/*
 * Per-thread system-call filters (libseccomp). Each thread installs its
 * own filter before it first handles guest-driven work; a call outside
 * the allowlist kills lkvm with SIGSYS after one log line naming the
 * thread and the call. Nothing may ever map memory executable.
 * Documentation/security.md lists what each kind may do.
 */
enum seccomp_thread {
	SECCOMP_MAIN,	/* event loop, control socket, teardown */
	SECCOMP_VCPU,	/* KVM_RUN and the MMIO handlers it calls */
	SECCOMP_IO,	/* device I/O threads and workers */
};

/*
 * Before the first filter: the SIGSYS handler and its table of syscall
 * names (so the handler itself makes no calls), and @vm's cache of
 * compiled filters (each kind is compiled once, however many threads
 * load it). Returns 0 or -ENOMEM.
 */
int seccomp_prepare(struct vm *vm);
/*
 * Optional, as the VM's build starts: reads the names and compiles the
 * main and vcpu filters on a thread of its own, off the start-up path;
 * seccomp_prepare() waits for it.
 */
void seccomp_warm_up(struct vm *vm);
/* Frees the cache (waiting for seccomp_warm_up()'s thread). */
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

/* What a device's threads need beyond their kind's allowlist. */
struct seccomp_extra {
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
 * Replaces every comparison with @placeholder in the @len instructions
 * of @insns by @value. Returns how many were replaced.
 */
struct sock_filter;
unsigned int seccomp_patch_constant(struct sock_filter *insns,
				    unsigned int len, uint32_t placeholder,
				    uint32_t value);

/*
 * Installs the filter of @kind on the calling thread, plus @extra (may be
 * NULL). A no-op with --seccomp=off. Returns 0 or -errno after logging.
 */
int seccomp_enter(const struct vm *vm, enum seccomp_thread kind,
		  const char *thread_name, const struct seccomp_extra *extra);

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * System-call allowlists per thread kind, in the manner of Firecracker:
 * a vcpu thread may do little more than KVM_RUN; I/O threads may do
 * their device's I/O; the main thread runs the event loop and tears the
 * VM down. Filters are per thread (no TSYNC) and stack: a thread created
 * after its parent installed a filter also obeys the parent's, which is
 * why the main thread installs its own only after starting every other,
 * and how the vcpu threads after the first get theirs (vm_run.c).
 */
#include <lkvm/seccomp.h>

#include <lkvm/console.h>
#include <lkvm/crash.h>
#include <lkvm/log.h>
#include <lkvm/vm.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <unistd.h>

/*
 * Every thread: memory, locks, signals, time, exit, and plain fd I/O.
 * tgkill() has a rule of its own: this process's threads only.
 */
static const int base_syscalls[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(close), SCMP_SYS(futex), SCMP_SYS(set_robust_list),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigaction),
	SCMP_SYS(getpid), SCMP_SYS(gettid),
	SCMP_SYS(sched_yield), SCMP_SYS(restart_syscall),
	SCMP_SYS(clock_gettime), SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep),
	SCMP_SYS(getrandom), SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(madvise),
	SCMP_SYS(mremap), SCMP_SYS(exit), SCMP_SYS(exit_group),
	SCMP_SYS(sysinfo),	/* glibc's qsort() asks how much RAM there is */
};

/*
 * The event loop, the control socket, reaping passt, teardown. Nothing
 * signals another process (passt is killed only while it starts, before
 * any filter), and unlinkat() has a rule of its own: the control
 * socket's directory only.
 */
static const int main_syscalls[] = {
	SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl), SCMP_SYS(accept4),
	SCMP_SYS(sendto), SCMP_SYS(recvfrom), SCMP_SYS(sendmsg),
	SCMP_SYS(recvmsg), SCMP_SYS(getsockopt), SCMP_SYS(shutdown),
	SCMP_SYS(fstat), SCMP_SYS(fcntl), SCMP_SYS(wait4), SCMP_SYS(ppoll),
	SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(fsync),
	SCMP_SYS(fdatasync), SCMP_SYS(lseek), SCMP_SYS(ftruncate),
	SCMP_SYS(timerfd_create), SCMP_SYS(timerfd_settime), SCMP_SYS(eventfd2),
	SCMP_SYS(getuid), SCMP_SYS(geteuid),
};

/* Device threads: waiting for work, and the I/O devices commonly do. */
static const int io_syscalls[] = {
	SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl), SCMP_SYS(ppoll),
	SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(preadv),
	SCMP_SYS(pwritev), SCMP_SYS(fdatasync), SCMP_SYS(fsync),
	SCMP_SYS(fallocate), SCMP_SYS(fstat), SCMP_SYS(lseek),
};

/* stat() of a descriptor (glibc's fstat) or beneath one, never a path. */
static const struct seccomp_fd_call stat_fd_calls[] = {
	{ SCMP_SYS(newfstatat), 1U << 0 },
};

/*
 * A guest's write to the RTC's match or load register re-arms its timer;
 * rseq is what glibc registers in every thread it starts (vcpu 0's
 * thread starts the others, which inherit its filter: launch_vcpus()
 * in vm_run.c).
 */
static const int vcpu_syscalls[] = { SCMP_SYS(timerfd_settime),
				     SCMP_SYS(rseq) };

/* ioctls by thread kind: KVM calls, and TCSETS for terminal restore. */
static const unsigned long vcpu_ioctls[] = {
	KVM_RUN, KVM_GET_ONE_REG, KVM_SET_ONE_REG, KVM_GET_REG_LIST,
	KVM_IRQ_LINE, TCSETS,
};
static const unsigned long main_ioctls[] = {
	KVM_GET_ONE_REG, KVM_SET_ONE_REG, KVM_GET_REG_LIST, KVM_IRQ_LINE,
	KVM_GET_MP_STATE, KVM_GET_DEVICE_ATTR,	/* snapshots */
	/* Live migration: dirty logging on guest RAM's slot, and its log. */
	KVM_SET_USER_MEMORY_REGION, KVM_GET_DIRTY_LOG, KVM_CLEAR_DIRTY_LOG,
	/*
	 * No KVM_IRQFD or KVM_IOEVENTFD: devices bind them before this
	 * filter, and the final stop leaves them to the VM's close.
	 */
	TCGETS, TCSETS, TCSETSW, TCSETSF,
	FIONBIO,
	TUNSETOFFLOAD,	/* a tap NIC's offloads follow its guest's driver */
};
static const unsigned long io_ioctls[] = { TCSETS, TCGETS };
/* A vcpu thread doing queue work: io_ioctls less what vcpu_ioctls has. */
static const unsigned long vcpu_io_ioctls[] = { TCGETS };

static const char *const kind_names[] = { "main", "vcpu", "io", "vcpu-io" };

static bool is_vcpu_kind(enum seccomp_thread kind)
{
	return kind == SECCOMP_VCPU || kind == SECCOMP_VCPU_IO;
}

static void sigsys_handler(int sig, siginfo_t *si, void *uctx)
{
	char line[160];
	int nr = si->si_syscall;
	const char *name = nr >= 0 && (unsigned int)nr < seccomp_nr_syscall_names &&
				   seccomp_syscall_names[nr][0] ?
				   seccomp_syscall_names[nr] : "?";
	int n;

	(void)sig;
	(void)uctx;
	n = snprintf(line, sizeof(line),
		     "lkvm: error: seccomp: thread %s made a forbidden system call: %s (%d); stopping (--seccomp=off turns filters off for debugging)\n",
		     crash_thread_name() ?: "?", name, nr);
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		n = 0;
	console_restore_after_crash();
	/*
	 * SIGSYS is blocked inside its own handler, so repeating the
	 * forbidden call makes the kernel kill the process with SIGSYS.
	 */
	syscall(nr, 0, 0, 0, 0, 0, 0);
	_exit(128 + SIGSYS);
}

/* One filter ready to load: BPF with this process's values in place. */
struct seccomp_prog {
	enum seccomp_thread kind;
	const struct seccomp_extra *extra;
	struct sock_filter *insns;
	unsigned short len;
};

#define SECCOMP_CACHE_MAX 16

struct seccomp_cache {
	pthread_mutex_t lock;
	struct seccomp_prog progs[SECCOMP_CACHE_MAX];
	unsigned int nr;
};

static int cached_prog(struct seccomp_cache *c, enum seccomp_thread kind,
		       const struct seccomp_extra *extra, struct sock_fprog *fp);

int seccomp_prepare(struct vm *vm)
{
	struct sigaction sa = { .sa_sigaction = sigsys_handler,
				.sa_flags = SA_SIGINFO };
	struct sock_fprog fp;
	int ret;

	if (!vm->cfg->seccomp)
		return 0;
	if (!vm->seccomp) {
		vm->seccomp = calloc(1, sizeof(*vm->seccomp));
		if (!vm->seccomp)
			return -ENOMEM;
		pthread_mutex_init(&vm->seccomp->lock, NULL);
	}
	sigaction(SIGSYS, &sa, NULL);
	/*
	 * The vcpu filter is made here, on the main thread: made by vcpu
	 * 0's thread, its malloc() was that thread's first, for which
	 * glibc sets up an arena of the thread's own (mapping and trimming
	 * 128 MiB of address space), about 0.05 M instructions of every
	 * start in the nested test host, and the vcpu threads allocate
	 * nothing else (testing.md, "Where start-up time goes").
	 */
	ret = cached_prog(vm->seccomp, vm->vcpu_filter, vm->vcpu_filter_extra,
			  &fp);
	if (ret)
		pr_err("seccomp: cannot make the vcpu filter: %s",
		       strerror(-ret));
	return ret;
}

void seccomp_release_cache(struct vm *vm)
{
	if (!vm->seccomp)
		return;
	for (unsigned int i = 0; i < vm->seccomp->nr; i++)
		free(vm->seccomp->progs[i].insns);
	pthread_mutex_destroy(&vm->seccomp->lock);
	free(vm->seccomp);
	vm->seccomp = NULL;
}

static int allow_all(scmp_filter_ctx ctx, const int *nrs, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		int ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nrs[i], 0);

		/* A call this architecture lacks needs no rule. */
		if (ret && ret != -EDOM)
			return ret;
	}
	return 0;
}

/* A descriptor argument: a non-negative int, so never AT_FDCWD. */
static struct scmp_arg_cmp fd_arg(unsigned int arg)
{
	return (struct scmp_arg_cmp){ .arg = arg, .op = SCMP_CMP_LE,
				      .datum_a = INT_MAX };
}

static int allow_fd_calls(scmp_filter_ctx ctx,
			  const struct seccomp_fd_call *calls, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		struct scmp_arg_cmp cmp[6];
		unsigned int nr_cmp = 0;
		int ret;

		for (unsigned int a = 0; a < 6; a++)
			if (calls[i].fd_args & (1U << a))
				cmp[nr_cmp++] = fd_arg(a);
		ret = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, calls[i].nr,
					     nr_cmp, cmp);
		if (ret && ret != -EDOM)
			return ret;
	}
	return 0;
}

/* Signals only to this process's own threads (vcpu kicks, raise()). */
static int allow_own_tgkill(scmp_filter_ctx ctx, uint32_t pid)
{
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
				SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)pid, 0));
}

/* Removing the control socket: in its directory, never a directory. */
static int allow_control_unlink(scmp_filter_ctx ctx)
{
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(unlinkat), 2,
				SCMP_A0(SCMP_CMP_EQ,
					SECCOMP_CONTROL_DIRFD_PLACEHOLDER, 0),
				SCMP_A2(SCMP_CMP_EQ, 0, 0));
}

static int allow_ioctls(scmp_filter_ctx ctx, const unsigned long *reqs,
			unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		int ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
					   SCMP_A1(SCMP_CMP_EQ, reqs[i], 0));

		if (ret)
			return ret;
	}
	return 0;
}

/* Anonymous or file mappings, never executable. */
static int allow_memory(scmp_filter_ctx ctx)
{
	int ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
				   SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));

	return ret ?: seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
				       SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
}

/*
 * Starting a thread of this process, and nothing else: clone() only with
 * the flags of glibc's pthread_create() (the new thread shares the
 * process's memory, files and signal handlers, and inherits the filter),
 * never a process or a new namespace; clone3(), whose flags sit in memory
 * a filter cannot read, fails with ENOSYS, on which glibc falls back to
 * clone(). A thread names itself with prctl(PR_SET_NAME), nothing else.
 */
#define THREAD_CLONE_FLAGS                                                   \
	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SYSVSEM | CLONE_SIGHAND | \
	 CLONE_THREAD | CLONE_SETTLS | CLONE_PARENT_SETTID |                 \
	 CLONE_CHILD_CLEARTID)

static int allow_thread_start(scmp_filter_ctx ctx)
{
	int ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				   SCMP_A0(SCMP_CMP_EQ, THREAD_CLONE_FLAGS, 0));

	ret = ret ?: seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
				      SCMP_SYS(clone3), 0);
	return ret ?: seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
				       SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME, 0));
}

static int build(scmp_filter_ctx ctx, enum seccomp_thread kind,
		 const struct seccomp_extra *extra, uint32_t pid)
{
	int ret = allow_all(ctx, base_syscalls, ARRAY_SIZE(base_syscalls));

	ret = ret ?: allow_own_tgkill(ctx, pid);
	ret = ret ?: allow_memory(ctx);
	if (extra) {
		ret = ret ?: allow_all(ctx, extra->syscalls, extra->nr_syscalls);
		ret = ret ?: allow_fd_calls(ctx, extra->fd_calls,
					    extra->nr_fd_calls);
		ret = ret ?: allow_ioctls(ctx, extra->ioctls, extra->nr_ioctls);
	}
	switch (kind) {
	case SECCOMP_MAIN:
		ret = ret ?: allow_all(ctx, main_syscalls, ARRAY_SIZE(main_syscalls));
		ret = ret ?: allow_fd_calls(ctx, stat_fd_calls,
					    ARRAY_SIZE(stat_fd_calls));
		ret = ret ?: allow_control_unlink(ctx);
		ret = ret ?: allow_ioctls(ctx, main_ioctls, ARRAY_SIZE(main_ioctls));
		break;
	case SECCOMP_VCPU:
	case SECCOMP_VCPU_IO:
		ret = ret ?: allow_all(ctx, vcpu_syscalls, ARRAY_SIZE(vcpu_syscalls));
		ret = ret ?: allow_thread_start(ctx);
		ret = ret ?: allow_ioctls(ctx, vcpu_ioctls, ARRAY_SIZE(vcpu_ioctls));
		if (kind == SECCOMP_VCPU)
			break;
		ret = ret ?: allow_all(ctx, io_syscalls, ARRAY_SIZE(io_syscalls));
		ret = ret ?: allow_fd_calls(ctx, stat_fd_calls,
					    ARRAY_SIZE(stat_fd_calls));
		ret = ret ?: allow_ioctls(ctx, vcpu_io_ioctls,
					  ARRAY_SIZE(vcpu_io_ioctls));
		break;
	case SECCOMP_IO:
		ret = ret ?: allow_all(ctx, io_syscalls, ARRAY_SIZE(io_syscalls));
		ret = ret ?: allow_fd_calls(ctx, stat_fd_calls,
					    ARRAY_SIZE(stat_fd_calls));
		ret = ret ?: allow_ioctls(ctx, io_ioctls, ARRAY_SIZE(io_ioctls));
		break;
	}
	return ret;
}

/*
 * The calls each kind of thread makes for every guest exit, request or
 * frame, to be compared first: KVM_RUN on a vcpu thread, the event loop
 * and its reads and writes elsewhere. vcpu 0's thread starts the other
 * vcpus' threads, which start and end under its filter: their calls
 * for that come next.
 */
static const int vcpu_hot[] = {
	SCMP_SYS(ioctl), SCMP_SYS(futex), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(mmap), SCMP_SYS(mprotect), SCMP_SYS(clone),
	SCMP_SYS(set_robust_list), SCMP_SYS(rseq), SCMP_SYS(prctl),
	SCMP_SYS(madvise), SCMP_SYS(exit), SCMP_SYS(munmap),
};
static const int main_hot[] = {
	SCMP_SYS(epoll_pwait), SCMP_SYS(read), SCMP_SYS(write),
	SCMP_SYS(ioctl), SCMP_SYS(sendto), SCMP_SYS(recvfrom),
};
static const int io_hot[] = {
	SCMP_SYS(epoll_pwait), SCMP_SYS(read), SCMP_SYS(write),
	SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(preadv),
	SCMP_SYS(pwritev), SCMP_SYS(readv), SCMP_SYS(writev),
};

/* libseccomp puts a call of higher priority earlier in the list. */
static int put_hot_first(scmp_filter_ctx ctx, enum seccomp_thread kind)
{
	const int *hot = is_vcpu_kind(kind) ? vcpu_hot :
			 kind == SECCOMP_MAIN ? main_hot : io_hot;
	unsigned int n = is_vcpu_kind(kind) ? ARRAY_SIZE(vcpu_hot) :
			 kind == SECCOMP_MAIN ? ARRAY_SIZE(main_hot) :
						ARRAY_SIZE(io_hot);

	for (unsigned int i = 0; i < n; i++) {
		int ret = seccomp_syscall_priority(ctx, hot[i],
						   (uint8_t)(255 - i));

		if (ret && ret != -EDOM)
			return ret;
	}
	return 0;
}

#ifdef LKVM_SECCOMP_TEST
/*
 * Test builds only (build/tools/lkvm-seccomp-test): LKVM_SECCOMP_TEST=vcpu,
 * io or main makes the first thread of that kind call socket(); the
 * others make a call its filter allows only with other arguments.
 */
static void test_violation(enum seccomp_thread kind,
			   const struct seccomp_extra *extra)
{
	const char *want = getenv("LKVM_SECCOMP_TEST");

	if (!want)
		return;
	if (!strcmp(want, kind_names[kind]))
		syscall(SYS_socket, 1, 1, 0);
	else if (!strcmp(want, "io-cwd") && kind == SECCOMP_IO && extra &&
		 extra->nr_fd_calls)
		syscall(SYS_openat, AT_FDCWD, "/", O_PATH);
	else if (!strcmp(want, "vcpu-io-cwd") && kind == SECCOMP_VCPU_IO &&
		 extra && extra->nr_fd_calls)
		syscall(SYS_openat, AT_FDCWD, "/", O_PATH);
	else if (!strcmp(want, "main-unlink") && kind == SECCOMP_MAIN)
		syscall(SYS_unlinkat, AT_FDCWD, "/nonexistent", 0);
	else if (!strcmp(want, "main-kill") && kind == SECCOMP_MAIN)
		syscall(SYS_kill, 1, 0);
	else if (!strcmp(want, "vcpu-tgkill") && is_vcpu_kind(kind))
		syscall(SYS_tgkill, 1, 1, 0);
	else if (!strcmp(want, "vcpu-fork") && is_vcpu_kind(kind) &&
		 syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0) == 0)
		_exit(0);	/* a child: only if the filter let it be made */
}

/* LKVM_SECCOMP_TEST=vcpu-inherited: a thread that inherited its filter. */
static void test_inherited_violation(enum seccomp_thread kind)
{
	const char *want = getenv("LKVM_SECCOMP_TEST");
	char inherited[16];

	snprintf(inherited, sizeof(inherited), "%s-inherited", kind_names[kind]);
	if (want && !strcmp(want, inherited))
		syscall(SYS_socket, 1, 1, 0);
}
#else
static void test_violation(enum seccomp_thread kind,
			   const struct seccomp_extra *extra)
{
	(void)kind;
	(void)extra;
}

static void test_inherited_violation(enum seccomp_thread kind)
{
	(void)kind;
}
#endif

/*
 * Every program begins by loading the instruction pointer, which it never
 * uses (the next instruction loads the architecture over it). When a
 * thread loads a filter, the kernel runs it for every system-call number
 * to learn which calls it always allows, and stops at the first load of
 * anything but the number or the architecture: one step per number
 * instead of a walk down the tree. Loading the vcpu filter cost 0.11 M
 * instructions instead of 0.21 M in the nested test host (testing.md,
 * "Where start-up time goes"). The price: the calls the filter allows
 * unconditionally run it too, a few instructions of JITed BPF each.
 */
static const struct sock_filter cache_stop =
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		 offsetof(struct seccomp_data, instruction_pointer));

int seccomp_compile(enum seccomp_thread kind, const struct seccomp_extra *extra,
		    uint32_t pid, struct sock_filter **insns, unsigned short *len)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
	int fd = -1, ret;
	struct stat st;

	*insns = NULL;
	if (!ctx)
		return -ENOMEM;
	/*
	 * The allowed calls as a list (libseccomp's default), the hot ones
	 * first, not as a binary tree of numbers: a tree is 13 comparisons
	 * longer in the main filter and 8 in the vcpu one, and the kernel
	 * spends about a thousand instructions per BPF instruction loading
	 * a filter (checking, translating and compiling it; testing.md,
	 * "Where start-up time goes"). The tree was for the kernel's walk
	 * of the program for every system-call number at load time, which
	 * cache_stop now ends at once; a call the thread makes often is
	 * found in a few comparisons either way.
	 */
	ret = build(ctx, kind, extra, pid);
	ret = ret ?: put_hot_first(ctx, kind);
	if (!ret) {
		fd = memfd_create("lkvm-seccomp", MFD_CLOEXEC);
		ret = fd < 0 ? -errno : seccomp_export_bpf(ctx, fd);
	}
	if (!ret && fstat(fd, &st))
		ret = -errno;
	if (!ret && (st.st_size <= 0 ||
		     st.st_size >= (off_t)(BPF_MAXINSNS * sizeof(struct sock_filter))))
		ret = -E2BIG;
	if (!ret) {
		*insns = malloc((size_t)st.st_size + sizeof(**insns));
		if (!*insns ||
		    pread(fd, *insns + 1, (size_t)st.st_size, 0) != st.st_size)
			ret = -EIO;
		else
			(*insns)[0] = cache_stop;
		*len = (unsigned short)(st.st_size / sizeof(struct sock_filter) + 1);
	}
	if (ret) {
		free(*insns);
		*insns = NULL;
	}
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
	return ret;
}

static const struct seccomp_precompiled *
find_precompiled(enum seccomp_thread kind, const struct seccomp_extra *extra)
{
	const char *name = extra ? extra->name : NULL;

	for (unsigned int i = 0; i < seccomp_nr_precompiled; i++) {
		const struct seccomp_precompiled *p = &seccomp_precompiled[i];

		if (p->kind == kind && (p->extra && name ? !strcmp(p->extra, name) :
							   p->extra == name))
			return p;
	}
	return NULL;
}

/*
 * The filter of (@kind, @extra) for this process: the program compiled
 * when lkvm was built, with this process's ID in place of its
 * placeholder; compiled now only when the build has none (the native
 * test build, or an extra scripts/seccomp_gen.c does not list).
 */
static int make_prog(enum seccomp_thread kind,
		     const struct seccomp_extra *extra, struct seccomp_prog *out)
{
	const struct seccomp_precompiled *pre = find_precompiled(kind, extra);
	uint32_t pid = (uint32_t)getpid();
	size_t size;
	int ret;

	out->kind = kind;
	out->extra = extra;
	if (!pre) {
		ret = seccomp_compile(kind, extra, pid, &out->insns, &out->len);
		if (!ret)
			pr_debug("seccomp: compiled a %s filter%s at run time: %u instructions",
				 kind_names[kind], extra ? " with extras" : "",
				 out->len);
		return ret;
	}
	size = pre->len * sizeof(*pre->insns);
	out->insns = malloc(size);
	if (!out->insns)
		return -ENOMEM;
	memcpy(out->insns, pre->insns, size);
	out->len = pre->len;
	if (seccomp_patch_constant(out->insns, out->len,
				   SECCOMP_PID_PLACEHOLDER, pid) != 1) {
		pr_err("seccomp: the %s filter built into lkvm has no single place for the process ID",
		       kind_names[kind]);
		free(out->insns);
		out->insns = NULL;
		return -EINVAL;
	}
	return 0;
}

static struct seccomp_prog *find_prog(struct seccomp_cache *c,
				      enum seccomp_thread kind,
				      const struct seccomp_extra *extra)
{
	for (unsigned int i = 0; i < c->nr; i++)
		if (c->progs[i].kind == kind && c->progs[i].extra == extra)
			return &c->progs[i];
	return NULL;
}

/*
 * The filter of (@kind, @extra), made the first time a thread needs it.
 * It is made outside the lock (compiling at run time takes a while);
 * when two threads make the same one, the first to finish wins.
 */
static int cached_prog(struct seccomp_cache *c, enum seccomp_thread kind,
		       const struct seccomp_extra *extra, struct sock_fprog *fp)
{
	struct seccomp_prog fresh = { 0 }, *p;
	int ret = 0;

	pthread_mutex_lock(&c->lock);
	p = find_prog(c, kind, extra);
	pthread_mutex_unlock(&c->lock);
	if (!p) {
		ret = make_prog(kind, extra, &fresh);
		pthread_mutex_lock(&c->lock);
		p = find_prog(c, kind, extra);
		if (!ret && !p && c->nr < SECCOMP_CACHE_MAX) {
			c->progs[c->nr] = fresh;
			p = &c->progs[c->nr++];
			fresh.insns = NULL;
		}
		pthread_mutex_unlock(&c->lock);
		free(fresh.insns);
		if (!p && !ret)
			ret = -ENOSPC;
	}
	if (p) {
		/* Entries are never changed or removed while threads run. */
		fp->filter = p->insns;
		fp->len = p->len;
		ret = 0;
	}
	return ret;
}

unsigned int seccomp_patch_constant(struct sock_filter *insns,
				    unsigned int len, uint32_t placeholder,
				    uint32_t value)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < len; i++) {
		if (BPF_CLASS(insns[i].code) == BPF_JMP &&
		    BPF_SRC(insns[i].code) == BPF_K && insns[i].k == placeholder) {
			insns[i].k = value;
			n++;
		}
	}
	return n;
}

/*
 * The main filter with the control directory's descriptor in place of its
 * placeholder (-1, which no call can pass, when there is no socket).
 */
static int main_prog(const struct vm *vm, struct sock_fprog *fp)
{
	size_t size = (size_t)fp->len * sizeof(*fp->filter);
	struct sock_filter *copy = malloc(size);
	int dirfd = vm->control_dir_fd;

	if (!copy)
		return -ENOMEM;
	memcpy(copy, fp->filter, size);
	if (!seccomp_patch_constant(copy, fp->len,
				    SECCOMP_CONTROL_DIRFD_PLACEHOLDER,
				    (uint32_t)dirfd)) {
		free(copy);
		return -EINVAL;
	}
	fp->filter = copy;
	return 0;
}

int seccomp_enter(const struct vm *vm, enum seccomp_thread kind,
		  const char *thread_name, const struct seccomp_extra *extra)
{
	struct sock_fprog fp;
	bool patched = false;
	int ret;

	crash_set_thread_name(thread_name);
	if (!vm->cfg->seccomp)
		return 0;
	ret = vm->seccomp ? cached_prog(vm->seccomp, kind, extra, &fp) : -EINVAL;
	if (!ret && kind == SECCOMP_MAIN) {
		ret = main_prog(vm, &fp);
		patched = !ret;
	}
	if (!ret && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		ret = -errno;
	/* Only this thread: filters are inherited, not synchronised. */
	if (!ret && syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp))
		ret = -errno;
	if (patched)
		free(fp.filter);
	if (ret) {
		pr_err("seccomp: installing the filter of %s failed: %s",
		       thread_name, strerror(-ret));
		return ret;
	}
	pr_debug("seccomp: %s filtered", thread_name);
	test_violation(kind, extra);
	return 0;
}

void seccomp_inherited(const struct vm *vm, enum seccomp_thread kind,
		       const char *thread_name)
{
	crash_set_thread_name(thread_name);
	if (vm->cfg->seccomp)
		test_inherited_violation(kind);
}

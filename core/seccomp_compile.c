// SPDX-License-Identifier: GPL-2.0
/*
 * The allowlists of each thread kind, compiled to BPF with libseccomp.
 * scripts/seccomp_gen.c runs this when lkvm is built, and lkvm's own
 * binary links none of it: core/seccomp.c only copies the programs
 * compiled then and refers to seccomp_compile() weakly, so that lkvm
 * carries neither this nor libseccomp's 100 KiB, nor their page faults
 * at each start. The unit tests and the builds for the build host link
 * it.
 */
#include <lkvm/seccomp.h>

#include <errno.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
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
	const int *hot = seccomp_is_vcpu_kind(kind) ? vcpu_hot :
			 kind == SECCOMP_MAIN ? main_hot : io_hot;
	unsigned int n = seccomp_is_vcpu_kind(kind) ? ARRAY_SIZE(vcpu_hot) :
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

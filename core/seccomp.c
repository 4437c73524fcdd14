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
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *const kind_names[] = { "main", "vcpu", "io", "vcpu-io" };

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
	else if (!strcmp(want, "vcpu-tgkill") && seccomp_is_vcpu_kind(kind))
		syscall(SYS_tgkill, 1, 1, 0);
	else if (!strcmp(want, "vcpu-fork") && seccomp_is_vcpu_kind(kind) &&
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
 * Weak: an undefined weak symbol does not pull core/seccomp_compile.o
 * (and libseccomp) out of the archive, so lkvm's own binary, whose
 * filters are all compiled when it is built, carries neither. Their
 * 100 KiB of text and read-only data cost 0.03 to 0.05 M instructions
 * of page faults at every start in the nested test host (testing.md).
 * The programs that call seccomp_compile() themselves link it.
 */
#pragma weak seccomp_compile

/*
 * The filter of (@kind, @extra) for this process: the program compiled
 * when lkvm was built, with this process's ID in place of its
 * placeholder; compiled now only when the build has none and links the
 * compiler.
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
		if (!seccomp_compile) {
			pr_err("seccomp: lkvm was built without the %s filter%s%s (scripts/seccomp_gen.c lists every filter lkvm loads)",
			       kind_names[kind], extra ? " for " : "",
			       extra ? extra->name : "");
			return -ENOSYS;
		}
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

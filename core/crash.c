// SPDX-License-Identifier: GPL-2.0
/*
 * The crash report: one line on stderr when lkvm itself dies of a fatal
 * signal, so that a crash seen once in a CI log can be found in the
 * source afterwards. Everything the handler does is async-signal-safe:
 * fixed buffers, write(2), and a backtrace() that loads and allocates
 * nothing (see crash_report_install()).
 */
#include <lkvm/crash.h>

#include <lkvm/console.h>

#include <execinfo.h>
#include <signal.h>
#include <sys/auxv.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

/* Defined by the linker: the ELF header, i.e. where lkvm is loaded. */
extern const char __ehdr_start[];

/*
 * The thread's name for reports from signal handlers, which cannot ask
 * the kernel (prctl is outside most seccomp filters). Per thread, so it
 * is no shared state.
 */
static __thread char thread_name_tls[16];

void crash_set_thread_name(const char *name)
{
	size_t n = strnlen(name, sizeof(thread_name_tls) - 1);

	memcpy(thread_name_tls, name, n);
	thread_name_tls[n] = '\0';
}

const char *crash_thread_name(void)
{
	return thread_name_tls[0] ? thread_name_tls : NULL;
}

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct out *o, const char *s)
{
	while (*s && o->len + 1 < o->size)
		o->buf[o->len++] = *s++;
}

static void put_hex(struct out *o, uintptr_t v)
{
	char tmp[2 + 2 * sizeof(v) + 1];
	char *p = tmp + sizeof(tmp) - 1;

	*p = '\0';
	do {
		*--p = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	} while (v);
	*--p = 'x';
	*--p = '0';
	put(o, p);
}

static void put_dec(struct out *o, long v)
{
	char tmp[24];
	char *p = tmp + sizeof(tmp) - 1;
	unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;

	*p = '\0';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	put(o, p);
}

/* An address inside lkvm as lkvm+OFFSET, anything else as it is. */
static void put_code_addr(struct out *o, const struct crash_info *ci,
			  uintptr_t a)
{
	if (ci->base && a >= ci->base) {
		put(o, "lkvm+");
		a -= ci->base;
	}
	put_hex(o, a);
}

static const char *signal_name(int sig)
{
	switch (sig) {
	case SIGSEGV:
		return "SIGSEGV";
	case SIGBUS:
		return "SIGBUS";
	case SIGILL:
		return "SIGILL";
	case SIGFPE:
		return "SIGFPE";
	case SIGABRT:
		return "SIGABRT";
	default:
		return NULL;
	}
}

size_t crash_format(char *buf, size_t size, const struct crash_info *ci)
{
	struct out o = {buf, size, 0};
	const char *name = signal_name(ci->sig);

	if (!size)
		return 0;
	put(&o, "lkvm: fatal: ");
	if (name) {
		put(&o, name);
	} else {
		put(&o, "signal ");
		put_dec(&o, ci->sig);
	}
	/* si_code > 0: the kernel raised it for a faulting instruction. */
	if (ci->si_code > 0 && ci->sig != SIGABRT) {
		put(&o, " at address ");
		put_hex(&o, ci->fault_addr);
	}
	if (ci->sender) {
		put(&o, " sent by process ");
		put_dec(&o, ci->sender);
	}
	put(&o, " in thread ");
	put(&o, ci->thread ? ci->thread : "?");
	if (ci->pc) {
		put(&o, ", pc ");
		put_code_addr(&o, ci, ci->pc);
	}
	if (ci->nr_frames) {
		put(&o, "; backtrace:");
		for (unsigned int i = 0; i < ci->nr_frames; i++) {
			put(&o, " ");
			put_code_addr(&o, ci, ci->frames[i]);
		}
	}
	/* Another process's kill is not lkvm's fault. */
	put(&o,
	    ci->sender ? "\n" : "; this is a bug in lkvm, please report it\n");
	/* A cut report still ends its line. */
	if (o.len && o.buf[o.len - 1] != '\n')
		o.buf[o.len - 1] = '\n';
	o.buf[o.len] = '\0';
	return o.len;
}

static uintptr_t context_pc(const void *uctx)
{
	const ucontext_t *uc = uctx;

#if defined(__aarch64__)
	return (uintptr_t)uc->uc_mcontext.pc;
#elif defined(__x86_64__)
	return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#else
	(void)uc;
	return 0;
#endif
}

static void crash_handler(int sig, siginfo_t *si, void *uctx)
{
	void *raw[CRASH_MAX_FRAMES];
	uintptr_t frames[CRASH_MAX_FRAMES];
	char line[160 + CRASH_MAX_FRAMES * 24];
	int n = backtrace(raw, CRASH_MAX_FRAMES);
	struct crash_info ci = {
		.sig = sig,
		.si_code = si->si_code,
		.fault_addr = (uintptr_t)si->si_addr,
		.sender = si->si_code <= 0 && si->si_pid != getpid()
				  ? (long)si->si_pid
				  : 0,
		.thread = crash_thread_name(),
		.base = (uintptr_t)__ehdr_start,
		.pc = context_pc(uctx),
		.frames = frames,
	};
	size_t len;

	for (int i = 0; i < n; i++)
		frames[ci.nr_frames++] = (uintptr_t)raw[i];
	len = crash_format(line, sizeof(line), &ci);
	if (write(STDERR_FILENO, line, len) < 0)
		len = 0;
	console_restore_after_crash();
	/* SA_RESETHAND made the action the default: this one is fatal. */
	raise(sig);
}

void crash_report_install(void)
{
	static const int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
	struct sigaction sa = {.sa_sigaction = crash_handler,
			       .sa_flags = SA_SIGINFO | SA_RESETHAND};
	void *warm[1];

	/*
	 * Dynamically linked, the first backtrace() loads libgcc_s (which
	 * allocates): that must not happen in a handler, so it happens
	 * here. lkvm itself is static (no interpreter, AT_BASE 0): the
	 * unwinder is linked in and loads nothing, and this first call
	 * only faulted in the unwind tables, 0.07 M instructions of every
	 * start in the nested test host (testing.md, "Where start-up time
	 * goes"); a crash now pays that instead.
	 */
	if (getauxval(AT_BASE))
		backtrace(warm, 1);
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(fatal); i++)
		sigaction(fatal[i], &sa, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Running a built VM: one thread per vcpu in KVM_RUN, the main thread in
 * the event loop, and an orderly stop that every exit path goes through.
 */
#include <lkvm/vm.h>

#include <lkvm/control.h>
#include <lkvm/event_loop.h>
#include <lkvm/fd_io.h>
#include <lkvm/log.h>
#include <lkvm/seccomp.h>
#include <lkvm/reg_set.h>

#include <errno.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

/* Interrupts a vcpu thread's KVM_RUN; its handler does nothing. */

static void kick_handler(int sig)
{
	(void)sig;
}

static const char *system_event_name(uint32_t type)
{
	switch (type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		return "power-off";
	case KVM_SYSTEM_EVENT_RESET:
		return "reset";
	case KVM_SYSTEM_EVENT_CRASH:
		return "crash";
	default:
		return "unknown";
	}
}

/*
 * The registers of a vcpu that stopped unexpectedly, on its own thread
 * (so it is not in KVM_RUN): the key ones, or with --debug every one
 * KVM_GET_REG_LIST names, as `lkvm debug --dump` shows them.
 */
static void vcpu_print_regs(struct vcpu *vcpu, bool all)
{
	struct reg_set set;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	reg_set_init(&set, vcpu->id);
	/* Formatted first, written at once: other threads log meanwhile. */
	f = open_memstream(&text, &len);
	if (f && !arch_vcpu_read_regs(vcpu, &set)) {
		reg_set_sort(&set);
		fputc('\n', f);
		reg_set_print(f, &set, REG_FORMAT_TEXT, !all);
		fputc('\n', f);
	}
	if (f && !fclose(f))
		fwrite(text, 1, len, stderr);
	free(text);
	reg_set_free(&set);
}

static void vcpu_fail(struct vcpu *vcpu, const char *what)
{
	pr_err("vcpu %u: %s", vcpu->id, what);
	vcpu_print_regs(vcpu, vcpu->vm->cfg->debug);
	vm_request_stop(vcpu->vm, VM_EXIT_ERROR);
}

/* Returns false when this vcpu must stop running. */
static bool handle_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	char why[96];

	switch (run->exit_reason) {
	case KVM_EXIT_MMIO:
		/* KVM bounds len to 8; check it anyway before using it. */
		if (run->mmio.len > sizeof(run->mmio.data))
			return true;
		mmio_bus_access(&vcpu->vm->mmio, run->mmio.phys_addr,
				run->mmio.data, run->mmio.len,
				run->mmio.is_write);
		return true;
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_SYSTEM_EVENT:
		switch (run->system_event.type) {
		case KVM_SYSTEM_EVENT_SHUTDOWN:
		case KVM_SYSTEM_EVENT_RESET:
			pr_info("guest requested %s on vcpu %u: stopping",
				system_event_name(run->system_event.type),
				vcpu->id);
			/*
			 * KVM (PSCI SYSTEM_OFF, SYSTEM_RESET) has already put
			 * every vcpu in the stopped state and made each leave
			 * the guest: none runs guest code again. This thread
			 * touches nothing of the VM's devices from here on.
			 */
			atomic_store(&vcpu->vm->guest_stopped_vcpus, true);
			atomic_store(&vcpu->in_exit, false);
			vm_request_stop(vcpu->vm, VM_EXIT_OK);
			return false;
		case KVM_SYSTEM_EVENT_CRASH:
			pr_err("guest reported a crash on vcpu %u", vcpu->id);
			vm_request_stop(vcpu->vm, VM_EXIT_GUEST_CRASH);
			return false;
		default:
			snprintf(why, sizeof(why),
				 "unexpected system event %u",
				 run->system_event.type);
			vcpu_fail(vcpu, why);
			return false;
		}
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(why, sizeof(why),
			 "KVM could not enter the guest (hardware reason 0x%llx)",
			 (unsigned long long)
				 run->fail_entry.hardware_entry_failure_reason);
		vcpu_fail(vcpu, why);
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(why, sizeof(why), "KVM internal error (suberror %u)",
			 run->internal.suberror);
		vcpu_fail(vcpu, why);
		return false;
	default:
		snprintf(why, sizeof(why), "unexpected exit reason %u",
			 run->exit_reason);
		vcpu_fail(vcpu, why);
		return false;
	}
}

static void *vcpu_thread(void *arg);

/* On vcpu 0's thread, filtered: the other vcpus' threads inherit it. */
static int start_other_vcpus(struct vm *vm)
{
	for (unsigned int i = 1; i < vm->nr_vcpus; i++) {
		struct vcpu *vcpu = &vm->vcpus[i];
		int ret = -pthread_create(&vcpu->thread, NULL, vcpu_thread, vcpu);

		if (ret) {
			pr_err("cannot start vcpu %u thread: %s", i,
			       strerror(-ret));
			return ret;
		}
		vcpu->thread_started = true;
	}
	return 0;
}

/*
 * vcpu 0's thread loads the vcpu filter and then starts the other vcpus'
 * threads, which inherit it: one filter load for any number of vcpus
 * (each load cost a thread about 0.11 M instructions in the nested test
 * host: testing.md, "Where start-up time goes"). The filter allows
 * clone() with pthread_create()'s flags for that (security.md).
 */
static int launch_vcpus(struct vcpu *vcpu0, const char *name)
{
	struct vcpu_launch *l = &vcpu0->vm->launch;
	int ret = seccomp_enter(vcpu0->vm, vcpu0->vm->vcpu_filter, name,
				vcpu0->vm->vcpu_filter_extra);

	ret = ret ?: start_other_vcpus(vcpu0->vm);
	pthread_mutex_lock(&l->lock);
	l->err = ret;
	l->done = true;
	pthread_cond_signal(&l->cond);
	pthread_mutex_unlock(&l->lock);
	return ret;
}

/* The main thread: until vcpu 0's thread has started every other one. */
static int wait_vcpus_launched(struct vm *vm)
{
	struct vcpu_launch *l = &vm->launch;
	int ret;

	pthread_mutex_lock(&l->lock);
	while (!l->done)
		pthread_cond_wait(&l->cond, &l->lock);
	ret = l->err;
	pthread_mutex_unlock(&l->lock);
	return ret;
}

/* The vcpu's run loop, until the VM stops or the vcpu cannot go on. */
static void vcpu_run_loop(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	sigset_t kick;
	char name[16], why[160];

	snprintf(name, sizeof(name), "lkvm-vcpu%u", vcpu->id);
	pthread_setname_np(pthread_self(), name);
	sigemptyset(&kick);
	sigaddset(&kick, SIG_VCPU_KICK);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
	if (vcpu->id == 0 && launch_vcpus(vcpu, name)) {
		vm_request_stop(vm, VM_EXIT_ERROR);
		return;
	}
	if (vcpu->id)
		seccomp_inherited(vm, vm->vcpu_filter, name);

	for (;;) {
		int ret, err;

		/*
		 * in_exit is cleared before each look at vm->stopping and set
		 * before the one after KVM_RUN; vcpus_stop() reads it after
		 * vm->stopping was set (all sequentially consistent). So a
		 * thread the stop sees without it handles no exit after the
		 * stop (it sees the stop first), and one the stop sees with
		 * it sees the stop when done (core/vcpu_stop.c).
		 */
		atomic_store(&vcpu->in_exit, false);
		if (atomic_load(&vm->stopping))
			break;
		ret = ioctl(vcpu->fd, KVM_RUN, 0);
		err = errno;
		atomic_store(&vcpu->in_exit, true);
		/* Whatever this run brought, the VM is going: not handled. */
		if (atomic_load(&vm->stopping))
			break;
		if (ret < 0) {
			/* A kick: pausing (park here). */
			if (err == EINTR || err == EAGAIN) {
				vcpu_pause_point(vcpu);
				continue;
			}
			/*
			 * arm64 KVM answers ENOSYS when the guest touched
			 * MMIO with an instruction it cannot decode.
			 */
			snprintf(why, sizeof(why), "KVM_RUN failed: %s%s",
				 strerror(err),
				 err == ENOSYS ?
					 " (the guest accessed MMIO with an instruction KVM cannot emulate, such as a load pair)" :
					 "");
			vcpu_fail(vcpu, why);
			return;
		}
		if (!handle_exit(vcpu))
			return;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;

	vcpu_run_loop(vcpu);
	vcpu_thread_done(vcpu);
	return NULL;
}

struct main_loop {
	struct vm *vm;
	struct event_loop loop;
	struct event_handler stop_ev;
	struct event_handler signal_ev;
	struct event_handler stdin_ev;
};

static void on_stop(struct event_handler *h, uint32_t events)
{
	struct main_loop *ml = container_of(h, struct main_loop, stop_ev);

	(void)events;
	efd_drain(ml->vm->stop_efd);
}

static void on_signal(struct event_handler *h, uint32_t events)
{
	struct main_loop *ml = container_of(h, struct main_loop, signal_ev);
	struct signalfd_siginfo si;

	(void)events;
	if (read(h->fd, &si, sizeof(si)) != sizeof(si))
		return;
	pr_info("received signal %u (%s): stopping the guest", si.ssi_signo,
		strsignal((int)si.ssi_signo));
	vm_request_stop(ml->vm, 128 + (int)si.ssi_signo);
}

static void on_stdin(struct event_handler *h, uint32_t events)
{
	struct main_loop *ml = container_of(h, struct main_loop, stdin_ev);
	struct console *con = &ml->vm->console;
	uint8_t buf[512];
	ssize_t n;

	(void)events;
	n = read(h->fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		/* End of input: the guest simply gets no more keys. */
		event_loop_del(&ml->loop, h);
		con->in_eof = true;
		return;
	}
	if (console_feed(con, buf, (size_t)n) == CONSOLE_QUIT) {
		pr_info("Ctrl-A x typed: stopping the guest");
		vm_request_stop(ml->vm, VM_EXIT_OK);
	}
}

static int setup_main_loop(struct main_loop *ml, struct vm *vm,
			   const sigset_t *handled)
{
	int ret;

	ml->vm = vm;
	ret = event_loop_init(&ml->loop);
	if (ret)
		return ret;
	ml->stop_ev = (struct event_handler){ .fn = on_stop, .fd = vm->stop_efd };
	ret = event_loop_add(&ml->loop, &ml->stop_ev, EPOLLIN);
	if (ret)
		return ret;
	ml->signal_ev.fn = on_signal;
	ml->signal_ev.fd = signalfd(-1, handled, SFD_CLOEXEC | SFD_NONBLOCK);
	if (ml->signal_ev.fd < 0)
		return -errno;
	ret = event_loop_add(&ml->loop, &ml->signal_ev, EPOLLIN);
	if (ret)
		return ret;
	ml->stdin_ev = (struct event_handler){ .fn = on_stdin,
					       .fd = vm->console.in_fd };
	/* epoll refuses regular files; such input is simply not read. */
	if (event_loop_add(&ml->loop, &ml->stdin_ev, EPOLLIN))
		pr_debug("console input is not pollable: ignoring it");
	return 0;
}

static int start_devices(struct vm *vm)
{
	for (struct device *dev = vm->devices; dev; dev = dev->next) {
		int ret = dev->ops->start ? dev->ops->start(dev) : 0;

		if (ret)
			return ret;
	}
	return 0;
}

static void stop_devices(struct vm *vm)
{
	for (struct device *dev = vm->devices; dev; dev = dev->next)
		if (dev->ops->stop)
			dev->ops->stop(dev);
}

/*
 * Every thread lkvm starts from here on gets a 1 MiB stack, not glibc's
 * 8 MiB: a stack under 2 MiB cannot hold a transparent huge page, which
 * the host clears whole when pthread_create() first touches the stack
 * and splits again when the thread ends (about 0.3 M instructions each
 * way in the nested test host, for a stack that lay 2 MiB-aligned).
 * lkvm's threads need little stack (virtio-blk's workers run on 256 KiB).
 */
#define THREAD_STACK_SIZE SZ_1M

static void small_thread_stacks(void)
{
	pthread_attr_t attr;

	if (pthread_attr_init(&attr))
		return;
	if (pthread_attr_setstacksize(&attr, THREAD_STACK_SIZE) ||
	    pthread_setattr_default_np(&attr))
		pr_debug("thread stacks keep glibc's default size");
	pthread_attr_destroy(&attr);
}

int vm_run(struct vm *vm)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	struct main_loop ml = { 0 };
	sigset_t handled, blocked, old;
	int ret;

	ret = seccomp_prepare(vm);
	if (ret)
		return VM_EXIT_ERROR;
	pthread_mutex_init(&vm->launch.lock, NULL);
	pthread_cond_init(&vm->launch.cond, NULL);
	vm->launch.done = false;
	small_thread_stacks();
	/* No SA_RESTART: the kick must make KVM_RUN return EINTR. */
	sigaction(SIG_VCPU_KICK, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&handled);
	sigaddset(&handled, SIGINT);
	sigaddset(&handled, SIGTERM);
	sigaddset(&handled, SIGHUP);
	blocked = handled;
	sigaddset(&blocked, SIG_VCPU_KICK);
	/* Threads inherit this mask; vcpu threads unblock only the kick. */
	pthread_sigmask(SIG_BLOCK, &blocked, &old);

	ret = setup_main_loop(&ml, vm, &handled);
	vm->loop = &ml.loop;
	if (!ret)
		ret = control_start(vm, &ml.loop);
	if (!ret && vm->cfg->start_paused)
		control_start_paused(vm);
	if (!ret)
		ret = start_devices(vm);
	pr_debug("run: devices started");
	if (!ret)
		ret = console_enter_raw(&vm->console);
	if (!ret) {
		ret = -pthread_create(&vm->vcpus[0].thread, NULL, vcpu_thread,
				      &vm->vcpus[0]);
		if (ret)
			pr_err("cannot start vcpu 0 thread: %s", strerror(-ret));
		else
			vm->vcpus[0].thread_started = true;
	}
	/* Last: threads started after this would inherit the main filter. */
	if (!ret)
		ret = seccomp_enter(vm, SECCOMP_MAIN, "lkvm-main", NULL);
	if (vm->vcpus[0].thread_started) {
		int err = wait_vcpus_launched(vm);

		ret = ret ?: err;
	}
	if (ret)
		vm_request_stop(vm, VM_EXIT_ERROR);
	pr_debug("run: %u vcpu threads started", vm->nr_vcpus);

	while (!atomic_load(&vm->stopping)) {
		ret = event_loop_run_once(&ml.loop, -1);
		if (ret < 0) {
			pr_err("event loop: %s", strerror(-ret));
			vm_request_stop(vm, VM_EXIT_ERROR);
		}
	}

	pr_debug("run: stopping");
	/* No new clients from here on: the name is free again. */
	control_close_listener(vm->control);
	/* 0 is what a set-up that failed early left: no signalfd. */
	vcpus_stop(vm, ml.signal_ev.fd > 0 ? ml.signal_ev.fd : -1,
		   VCPU_STOP_WAIT_MS);
	pr_debug("run: vcpus stopped");
	stop_devices(vm);
	pr_debug("run: devices stopped");
	control_destroy(vm);
	seccomp_release_cache(vm);
	console_restore(&vm->console);
	if (ml.signal_ev.fd > 0)
		close(ml.signal_ev.fd);
	vm->loop = NULL;
	event_loop_fini(&ml.loop);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_cond_destroy(&vm->launch.cond);
	pthread_mutex_destroy(&vm->launch.lock);
	return vm->exit_status;
}

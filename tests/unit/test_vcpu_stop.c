/*
 * The stop's wait for the vcpu threads (core/vcpu_stop.c), with threads
 * that stand in for vcpus: one in KVM_RUN leaves when kicked (its
 * KVM_RUN would return), one is held where no kick reaches it until the
 * test lets it go, one is outside KVM_RUN (handling an exit) and leaves
 * by itself; a pipe stands in for the main thread's signalfd.
 */
#include "harness.h"

#include <lkvm/vm.h>

#include <fcntl.h>
#include <linux/kvm.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#define NR 2

struct fixture {
	struct vm vm;
	struct vcpu vcpus[NR];
	struct kvm_run runs[NR];
};

static atomic_bool release_held;

static void kick_handler(int sig)
{
	(void)sig;
}

static void nap(void)
{
	struct timespec ms = { .tv_nsec = 1000000 };

	nanosleep(&ms, NULL);
}

/* Leaves once kicked, as a vcpu whose KVM_RUN returned EINTR. */
static void *kickable_vcpu(void *arg)
{
	struct vcpu *vcpu = arg;

	while (!__atomic_load_n(&vcpu->run->immediate_exit, __ATOMIC_ACQUIRE))
		nap();
	atomic_store(&vcpu->in_exit, true);
	vcpu_thread_done(vcpu);
	return NULL;
}

/* Handling an exit: it sees vm->stopping and leaves, kicked or not. */
static void *outside_vcpu(void *arg)
{
	struct vcpu *vcpu = arg;

	for (int i = 0; i < 20; i++)
		nap();
	vcpu_thread_done(vcpu);
	return NULL;
}

/* Kicks do not reach it: it leaves only when the test says so. */
static void *held_vcpu(void *arg)
{
	struct vcpu *vcpu = arg;

	while (!atomic_load(&release_held))
		nap();
	vcpu_thread_done(vcpu);
	return NULL;
}

static void setup(struct fixture *f, void *(*fn[NR])(void *))
{
	struct sigaction sa = { .sa_handler = kick_handler };

	memset(f, 0, sizeof(*f));
	atomic_store(&release_held, false);
	sigaction(SIG_VCPU_KICK, &sa, NULL);
	f->vm.nr_vcpus = NR;
	f->vm.vcpus = f->vcpus;
	f->vm.stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	CHECK(f->vm.stop_efd >= 0);
	CHECK(!vm_pause_init(&f->vm));
	/* As vm_request_stop() leaves it before the main thread stops. */
	atomic_store(&f->vm.stopping, true);
	for (unsigned int i = 0; i < NR; i++) {
		f->vcpus[i].vm = &f->vm;
		f->vcpus[i].id = i;
		f->vcpus[i].run = &f->runs[i];
		if (!fn[i])
			continue;
		/* Else in KVM_RUN from the start, as far as the stop can tell. */
		atomic_store(&f->vcpus[i].in_exit, fn[i] == outside_vcpu);
		CHECK(!pthread_create(&f->vcpus[i].thread, NULL, fn[i],
				      &f->vcpus[i]));
		f->vcpus[i].thread_started = true;
	}
}

/* Lets a held thread go and joins what vcpus_stop() left behind. */
static void teardown(struct fixture *f)
{
	atomic_store(&release_held, true);
	for (unsigned int i = 0; i < NR; i++)
		if (f->vcpus[i].thread_started)
			pthread_join(f->vcpus[i].thread, NULL);
	vm_pause_fini(&f->vm);
	close(f->vm.stop_efd);
}

static void test_kicked_vcpus_joined(void)
{
	void *(*fn[NR])(void *) = { kickable_vcpu, kickable_vcpu };
	struct fixture f;

	setup(&f, fn);
	CHECK_EQ(vcpus_stop(&f.vm, -1, 60000), 0);
	CHECK(!f.vcpus[0].thread_started);
	CHECK(!f.vcpus[1].thread_started);
	CHECK(!f.vm.vcpus_left_running);
	teardown(&f);
}

/* A thread that ended before the stop (its vcpu failed) is joined too. */
static void test_vcpu_done_before_stop_joined(void)
{
	void *(*fn[NR])(void *) = { kickable_vcpu, NULL };
	struct fixture f;

	setup(&f, fn);
	f.runs[0].immediate_exit = 1;
	while (!atomic_load(&f.vcpus[0].thread_done))
		nap();
	CHECK_EQ(vcpus_stop(&f.vm, -1, 60000), 0);
	CHECK(!f.vcpus[0].thread_started);
	CHECK(!f.vm.vcpus_left_running);
	teardown(&f);
}

static void test_held_vcpu_left_after_wait(void)
{
	void *(*fn[NR])(void *) = { kickable_vcpu, held_vcpu };
	struct fixture f;

	setup(&f, fn);
	CHECK_EQ(vcpus_stop(&f.vm, -1, 200), 1);
	CHECK(!f.vcpus[0].thread_started);
	CHECK(f.vcpus[1].thread_started);
	CHECK(f.vm.vcpus_left_running);
	teardown(&f);
}

/*
 * A signal during the wait ends it: the pipe's fake siginfo is read.
 * Were it ignored, the call would return only after its 60 s, with the
 * siginfo still in the pipe.
 */
static void test_signal_ends_wait(void)
{
	void *(*fn[NR])(void *) = { held_vcpu, NULL };
	struct signalfd_siginfo si = { .ssi_signo = SIGTERM };
	struct pollfd pfd;
	struct fixture f;
	int p[2];

	CHECK(!pipe2(p, O_CLOEXEC | O_NONBLOCK));
	CHECK(write(p[1], &si, sizeof(si)) == sizeof(si));
	setup(&f, fn);
	CHECK_EQ(vcpus_stop(&f.vm, p[0], 60000), 1);
	CHECK(f.vcpus[0].thread_started);
	CHECK(f.vm.vcpus_left_running);
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	CHECK_EQ(poll(&pfd, 1, 0), 0);
	teardown(&f);
	close(p[0]);
	close(p[1]);
}

/* A thread handling an exit is not kicked, and is joined all the same. */
static void test_vcpu_handling_exit_not_kicked(void)
{
	void *(*fn[NR])(void *) = { outside_vcpu, kickable_vcpu };
	struct fixture f;

	setup(&f, fn);
	CHECK_EQ(vcpus_stop(&f.vm, -1, 60000), 0);
	CHECK_EQ(f.runs[0].immediate_exit, 0);
	CHECK_EQ(f.runs[1].immediate_exit, 1);
	CHECK(!f.vcpus[0].thread_started);
	CHECK(!f.vcpus[1].thread_started);
	CHECK(!f.vm.vcpus_left_running);
	teardown(&f);
}

/*
 * After the guest's power-off, with the process's exit next, a vcpu in
 * KVM_RUN is left there unkicked, at once and without a warning; one
 * handling an exit is joined.
 */
static void test_stopped_guest_vcpus_left_for_exit(void)
{
	void *(*fn[NR])(void *) = { outside_vcpu, held_vcpu };
	struct fixture f;

	setup(&f, fn);
	f.vm.exit_follows_run = true;
	atomic_store(&f.vm.guest_stopped_vcpus, true);
	CHECK_EQ(vcpus_stop(&f.vm, -1, 60000), 1);
	CHECK(!f.vcpus[0].thread_started);
	CHECK(f.vcpus[1].thread_started);
	CHECK(f.vcpus[1].left_running);
	CHECK_EQ(f.runs[1].immediate_exit, 0);
	CHECK(f.vm.vcpus_left_running);
	teardown(&f);
}

/* Without the process's exit next, the power-off changes nothing. */
static void test_stopped_guest_vcpus_kicked_without_exit(void)
{
	void *(*fn[NR])(void *) = { outside_vcpu, kickable_vcpu };
	struct fixture f;

	setup(&f, fn);
	atomic_store(&f.vm.guest_stopped_vcpus, true);
	CHECK_EQ(vcpus_stop(&f.vm, -1, 60000), 0);
	CHECK_EQ(f.runs[1].immediate_exit, 1);
	CHECK(!f.vcpus[1].thread_started);
	CHECK(!f.vcpus[1].left_running);
	CHECK(!f.vm.vcpus_left_running);
	teardown(&f);
}

static const struct unit_test tests[] = {
	{ "kicked_vcpus_joined", test_kicked_vcpus_joined },
	{ "vcpu_done_before_stop_joined", test_vcpu_done_before_stop_joined },
	{ "held_vcpu_left_after_wait", test_held_vcpu_left_after_wait },
	{ "signal_ends_wait", test_signal_ends_wait },
	{ "vcpu_handling_exit_not_kicked", test_vcpu_handling_exit_not_kicked },
	{ "stopped_guest_vcpus_left_for_exit",
	  test_stopped_guest_vcpus_left_for_exit },
	{ "stopped_guest_vcpus_kicked_without_exit",
	  test_stopped_guest_vcpus_kicked_without_exit },
};

UNIT_MAIN(tests)

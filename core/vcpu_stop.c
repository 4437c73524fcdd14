// SPDX-License-Identifier: GPL-2.0
/*
 * The end of a run: every vcpu thread is kicked out of KVM_RUN and
 * joined, but waited for only so long. A vcpu that the host kernel keeps
 * in KVM_RUN however often it is kicked must not keep lkvm from exiting
 * with the guest's status, and a signal that comes during the wait (a
 * second Ctrl-C, a SIGTERM) ends the wait at once.
 */
#include <lkvm/vm.h>

#include <lkvm/deadline.h>
#include <lkvm/fd_io.h>
#include <lkvm/log.h>

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

void vcpu_thread_done(struct vcpu *vcpu)
{
	atomic_store(&vcpu->thread_done, true);
	efd_signal(vcpu->vm->stop_efd);	/* wakes vcpus_stop() */
}

/* Joins the threads that said they are done; returns how many still run. */
static unsigned int join_done_threads(struct vm *vm)
{
	unsigned int running = 0;

	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *vcpu = &vm->vcpus[i];

		if (!vcpu->thread_started || vcpu->left_running)
			continue;
		if (!atomic_load(&vcpu->thread_done)) {
			running++;
			continue;
		}
		/* Only its return is left: this join is short. */
		pthread_join(vcpu->thread, NULL);
		vcpu->thread_started = false;
	}
	return running;
}

/*
 * Waits up to @ms for a vcpu thread's wake-up or a signal on @signal_fd
 * (-1: none). Returns the signal's number, or 0.
 */
static int wait_for_wakeup(struct vm *vm, int signal_fd, int ms)
{
	struct pollfd fds[2] = {
		{ .fd = vm->stop_efd, .events = POLLIN },
		{ .fd = signal_fd, .events = POLLIN },
	};
	struct signalfd_siginfo si;

	if (poll(fds, signal_fd >= 0 ? 2 : 1, ms) <= 0)
		return 0;
	if (fds[0].revents & POLLIN)
		efd_drain(vm->stop_efd);
	if (signal_fd >= 0 && (fds[1].revents & POLLIN) &&
	    read(signal_fd, &si, sizeof(si)) == sizeof(si))
		return (int)si.ssi_signo;
	return 0;
}

/*
 * Kicks the started threads that are not handling an exit, or with
 * @leave leaves them (left_running); returns how many were left. A
 * thread handling an exit needs no kick: it looks at vm->stopping
 * before its next KVM_RUN (the loop in core/vm_run.c).
 */
static unsigned int kick_or_leave(struct vm *vm, bool leave)
{
	unsigned int left = 0;

	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *vcpu = &vm->vcpus[i];

		if (!vcpu->thread_started || atomic_load(&vcpu->in_exit))
			continue;
		if (leave) {
			vcpu->left_running = true;
			left++;
		} else {
			vcpu_kick(vcpu);
		}
	}
	return left;
}

unsigned int vcpus_stop(struct vm *vm, int signal_fd, unsigned int wait_ms)
{
	int64_t deadline = monotonic_ms() + wait_ms;
	/*
	 * After the guest's power-off or reset KVM keeps every vcpu in
	 * KVM_RUN until a signal, and a thread handling no exit will handle
	 * none: when the process exits next, that exit ends those threads
	 * for less than a kick and a join. Less too than letting threads
	 * that vcpu 0's thread started but that have not run yet (a payload
	 * that powers off at once) run their start and their end: 0.29 M
	 * instructions at 8 vcpus in the nested test host (testing.md,
	 * "Where start-up time goes").
	 */
	bool leave = vm->exit_follows_run &&
		     atomic_load(&vm->guest_stopped_vcpus);
	unsigned int running, nr_left;
	char why[96] = "";

	nr_left = kick_or_leave(vm, leave);
	if (nr_left) {
		pr_debug("stop: %u vcpu threads left for the process's exit",
			 nr_left);
		/* Their threads still use the VM's descriptors. */
		vm->vcpus_left_running = true;
	}
	vm_pause_wake_for_stop(vm);
	while ((running = join_done_threads(vm))) {
		int64_t left = deadline - monotonic_ms();
		int sig;

		if (left <= 0) {
			snprintf(why, sizeof(why), "within %u ms of the stop",
				 wait_ms);
			break;
		}
		sig = wait_for_wakeup(vm, signal_fd, (int)left);
		if (sig) {
			snprintf(why, sizeof(why),
				 "when signal %d (%s) came during the stop", sig,
				 strsignal(sig));
			break;
		}
	}
	if (!running)
		return nr_left;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i].thread_started && !vm->vcpus[i].left_running)
			pr_warn("vcpu %u had not stopped %s (in KVM_RUN or handling an exit): exiting without it",
				vm->vcpus[i].id, why);
	/* Its thread may still use the VM: nothing of it may be freed. */
	vm->vcpus_left_running = true;
	return running + nr_left;
}

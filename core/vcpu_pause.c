// SPDX-License-Identifier: GPL-2.0
/*
 * Pausing a running VM: every vcpu thread leaves KVM_RUN and waits until
 * it is released. A vcpu parks only after a KVM_RUN that returned EINTR
 * because of immediate_exit, so that KVM has completed any MMIO load the
 * previous exit left pending: the registers read while parked are the
 * architectural state, and resuming changes nothing the guest can see
 * (apart from the time that passed).
 */
#include <lkvm/vm.h>

#include <lkvm/fd_io.h>

#include <errno.h>
#include <linux/kvm.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

void vcpu_kick(struct vcpu *vcpu)
{
	/*
	 * immediate_exit closes the race between the thread's checks (of
	 * vm->stopping, of a pause request) and its next KVM_RUN; the
	 * signal interrupts a KVM_RUN already in progress.
	 */
	vcpu->run->immediate_exit = 1;
	pthread_kill(vcpu->thread, SIG_VCPU_KICK);
}

int vm_pause_init(struct vm *vm)
{
	struct vm_pause *p = &vm->pause;

	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	p->requested = false;
	p->nr_parked = 0;
	p->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return p->efd < 0 ? -errno : 0;
}

void vm_pause_fini(struct vm *vm)
{
	struct vm_pause *p = &vm->pause;

	if (p->efd >= 0)
		close(p->efd);
	p->efd = -1;
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
}

void vm_pause_request(struct vm *vm)
{
	pthread_mutex_lock(&vm->pause.lock);
	vm->pause.requested = true;
	pthread_mutex_unlock(&vm->pause.lock);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		if (vm->vcpus[i].thread_started)
			vcpu_kick(&vm->vcpus[i]);
		/* Not started yet: its first KVM_RUN returns at once. */
		else if (vm->vcpus[i].run)
			vm->vcpus[i].run->immediate_exit = 1;
	}
}

bool vm_pause_complete(struct vm *vm)
{
	unsigned int started = 0;
	bool done;

	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		started += vm->vcpus[i].thread_started;
	pthread_mutex_lock(&vm->pause.lock);
	done = vm->pause.requested && vm->pause.nr_parked == started;
	pthread_mutex_unlock(&vm->pause.lock);
	return done;
}

void vm_pause_release(struct vm *vm)
{
	pthread_mutex_lock(&vm->pause.lock);
	vm->pause.requested = false;
	/*
	 * Cleared under the lock, before the wake-up: a parked thread's
	 * next KVM_RUN must enter the guest. A thread that was kicked but
	 * has not parked yet simply keeps running.
	 */
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i].run)
			vm->vcpus[i].run->immediate_exit = 0;
	pthread_cond_broadcast(&vm->pause.cond);
	pthread_mutex_unlock(&vm->pause.lock);
}

void vm_pause_wake_for_stop(struct vm *vm)
{
	/* vm->stopping is already set; taking the lock orders it. */
	pthread_mutex_lock(&vm->pause.lock);
	pthread_cond_broadcast(&vm->pause.cond);
	pthread_mutex_unlock(&vm->pause.lock);
}

void vcpu_pause_point(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	struct vm_pause *p = &vm->pause;

	pthread_mutex_lock(&p->lock);
	if (p->requested && !atomic_load(&vm->stopping)) {
		p->nr_parked++;
		efd_signal(p->efd);
		while (p->requested && !atomic_load(&vm->stopping))
			pthread_cond_wait(&p->cond, &p->lock);
		p->nr_parked--;
	}
	pthread_mutex_unlock(&p->lock);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Asking a running VM to stop, from any thread: a guest power-off, a
 * device that cannot go on, a signal, `lkvm stop`. The main loop does
 * the stopping (core/vm_run.c).
 */
#include <lkvm/vm.h>

#include <unistd.h>

void vm_request_stop(struct vm *vm, int exit_status)
{
	uint64_t one = 1;

	pthread_mutex_lock(&vm->stop_lock);
	if (!atomic_load(&vm->stopping)) {
		vm->exit_status = exit_status;
		atomic_store(&vm->stopping, true);
	}
	pthread_mutex_unlock(&vm->stop_lock);
	if (write(vm->stop_efd, &one, sizeof(one)) < 0)
		return;	/* the counter is already non-zero */
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Asking a running VM to stop, from any thread: a guest power-off, a
 * device that cannot go on, a signal, `lkvm stop`. The main loop does
 * the stopping (core/vm_run.c).
 */
#include <lkvm/vm.h>

#include <lkvm/fd_io.h>

void vm_request_stop(struct vm *vm, int exit_status)
{
	pthread_mutex_lock(&vm->stop_lock);
	if (!atomic_load(&vm->stopping)) {
		vm->exit_status = exit_status;
		atomic_store(&vm->stopping, true);
	}
	pthread_mutex_unlock(&vm->stop_lock);
	efd_signal(vm->stop_efd);
}

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_VM_H
#define LKVM_VM_H

#include <lkvm/arch.h>
#include <lkvm/config.h>
#include <lkvm/console.h>
#include <lkvm/device.h>
#include <lkvm/guest_mem.h>
#include <lkvm/mmio.h>
#include <lkvm/resources.h>
#include <lkvm/seccomp.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

struct kvm_run;
struct control;
struct event_loop;

struct vcpu {
	struct vm *vm;
	unsigned int id;
	int fd;
	int stats_fd;		/* -1, or KVM's statistics (--loglevel debug) */
	struct kvm_run *run;
	size_t run_size;
	pthread_t thread;
	bool thread_started;
	atomic_bool thread_done;	/* its last step (vcpu_thread_done()) */
	/*
	 * Handling an exit: set when KVM_RUN returned, before the thread
	 * looks at vm->stopping, and cleared before its next look (or when
	 * it took the guest's power-off). A thread without it neither
	 * handles an exit nor will before it sees the stop (vcpus_stop()).
	 */
	atomic_bool in_exit;
	bool left_running;	/* the stop left it to the process's exit */
	struct arch_vcpu *arch;
};

/*
 * Pausing (core/vcpu_pause.c): vcpu threads leave KVM_RUN and park on
 * @cond until released; each one that parks bumps @efd so that the main
 * loop learns when all have.
 */
struct vm_pause {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool requested;
	unsigned int nr_parked;
	int efd;
};

/*
 * Starting the vcpu threads (core/vm_run.c): vcpu 0's thread installs
 * the vcpu filter and starts the others, which inherit it. The main
 * thread waits for @done before it reads any vcpu's thread_started.
 */
struct vcpu_launch {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
	int err;
};

/*
 * One virtual machine and everything it owns. All mutable state of a
 * running lkvm lives here or in structures hanging off it.
 */
struct vm {
	const struct vm_config *cfg;
	int kvm_fd;
	int vm_fd;

	unsigned int nr_vcpus;
	struct vcpu *vcpus;
	uint64_t ram_size;		/* chosen before KVM_CREATE_VM */

	struct guest_mem ram;
	/* KVM_CLEAR_DIRTY_LOG re-protects what a dirty-log read returned. */
	bool dirty_log_manual;
	struct mmio_bus mmio;
	struct device *devices;
	struct resources res;		/* MMIO windows and lines handed out */

	struct console console;
	struct arch_vm *arch;

	/* Lifecycle: the first stop request wins and sets the exit status. */
	pthread_mutex_t stop_lock;
	atomic_bool stopping;
	int exit_status;
	int stop_efd;		/* eventfd: wakes the main loop */
	/*
	 * vcpus_stop() gave up on a vcpu thread, or left it in KVM_RUN: it
	 * may still use the VM, so vm_destroy() leaves everything to the
	 * process's exit.
	 */
	bool vcpus_left_running;
	/*
	 * The guest powered off or reset: KVM has stopped every vcpu, and
	 * one in KVM_RUN stays there until a signal (core/vcpu_stop.c).
	 */
	atomic_bool guest_stopped_vcpus;
	/*
	 * The process exits when vm_run() returns (`lkvm run`): the stop
	 * may leave vcpu threads that handle no exit to that exit.
	 */
	bool exit_follows_run;

	struct vm_pause pause;
	struct vcpu_launch launch;
	struct event_loop *loop;	/* the main thread's, while running */
	struct control *control;	/* the control socket, while running */
	/*
	 * The socket's directory (O_PATH), where the main thread removes
	 * the socket at the end: its seccomp filter allows unlinkat() there
	 * only. -1 when there is no socket.
	 */
	int control_dir_fd;
	struct seccomp_cache *seccomp;	/* compiled filters, while running */
	/*
	 * What the vcpu threads load: SECCOMP_VCPU, or SECCOMP_VCPU_IO and
	 * the extra of the devices whose queue work they do.
	 */
	enum seccomp_thread vcpu_filter;
	const struct seccomp_extra *vcpu_filter_extra;
};

/* Exit statuses of `lkvm run`. */
enum {
	VM_EXIT_OK = 0,		/* guest powered off or rebooted, or stopped */
	VM_EXIT_ERROR = 1,	/* set-up failed, or an unexpected vcpu exit */
	VM_EXIT_GUEST_CRASH = 3,
};

int vm_create(struct vm **vmp, const struct vm_config *cfg);

/* Starts devices and vcpus and runs the event loop until the VM stops. */
int vm_run(struct vm *vm);
void vm_destroy(struct vm *vm);

/* Asks every vcpu to stop; safe from any thread. */
void vm_request_stop(struct vm *vm, int exit_status);

/*
 * Interrupts the vcpu's KVM_RUN (and makes the next one return at once),
 * with SIG_VCPU_KICK, whose handler vm_run() installs.
 */
#define SIG_VCPU_KICK SIGUSR1
void vcpu_kick(struct vcpu *vcpu);

/*
 * How long the stop waits for the vcpu threads once they were kicked.
 * They leave in milliseconds even on the nested TCG test bed; one that
 * has not left after this is held where no kick reaches it.
 */
#define VCPU_STOP_WAIT_MS 5000

/*
 * Main thread, stopping: kicks every started vcpu thread that is not
 * handling an exit (one that is sees the stop when done) and joins every
 * one, waiting at most @wait_ms for all of them; a signal readable on
 * @signal_fd (-1: none) ends the wait at once. A thread not joined gets
 * a warning line naming its vcpu and sets vm->vcpus_left_running. With
 * vm->exit_follows_run after the guest's power-off or reset, the threads
 * that handle no exit are neither kicked nor joined (no warning): KVM
 * keeps them in KVM_RUN, or they see the stop before they enter it,
 * until the process's exit. Returns how many were left running.
 */
unsigned int vcpus_stop(struct vm *vm, int signal_fd, unsigned int wait_ms);
/* vcpu thread, its last step: tells vcpus_stop() it can be joined. */
void vcpu_thread_done(struct vcpu *vcpu);

int vm_pause_init(struct vm *vm);
void vm_pause_fini(struct vm *vm);
/* Main thread: makes every vcpu thread leave KVM_RUN and park. */
void vm_pause_request(struct vm *vm);
/* Whether every started vcpu thread has parked. */
bool vm_pause_complete(struct vm *vm);
/* Main thread: lets parked vcpus run again. */
void vm_pause_release(struct vm *vm);
/* Main thread, stopping: wakes parked vcpus so that they can exit. */
void vm_pause_wake_for_stop(struct vm *vm);
/* vcpu thread, after KVM_RUN returned EINTR: parks while paused. */
void vcpu_pause_point(struct vcpu *vcpu);

/* KVM_SET_USER_MEMORY_REGION of guest RAM with @flags. 0 or -errno. */
int vm_set_ram_flags(struct vm *vm, uint32_t flags);

/* Writes the DTB this VM boots with to @fd (@path names it in errors). */
int vm_write_dtb(const struct vm *vm, int fd, const char *path);

#endif

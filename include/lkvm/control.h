/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_CONTROL_H
#define LKVM_CONTROL_H

#include <lkvm/compiler.h>

/*
 * The VM side of the control socket ($HOME/.lkvm/NAME.sock), served on
 * the main thread's event loop: `lkvm list`, `stop`, `pause`, `resume`
 * and `debug` talk to it (protocol: include/lkvm/ipc.h, ipc.md).
 */
struct vm;
struct control;
struct event_loop;

/* Server limits: what one client may cost the VM. */
#define CONTROL_MAX_CLIENTS 16
#define CONTROL_REQUEST_TIMEOUT_MS 5000	/* connect to whole request */
#define CONTROL_WRITE_TIMEOUT_MS 10000	/* without any reply progress */
#define CONTROL_PAUSE_TIMEOUT_MS 10000	/* every vcpu parked (takes ms) */
#define CONTROL_OUTPUT_MAX (64U << 20)	/* queued reply bytes per client */

/*
 * Before the VM is built, so that the user hears at once: -EADDRINUSE
 * when a live VM has @name (logged). Creates nothing and reports nothing
 * else: a missing $HOME or an unusable directory is control_start()'s
 * error, after /dev/kvm's.
 */
int control_check_name(const char *name);

/*
 * Creates the socket (a live VM of the same name is an error, a stale
 * socket is replaced) and serves it on @loop. Logs one line on failure.
 */
int control_start(struct vm *vm, struct event_loop *loop);

/*
 * Before the vcpu threads start: they park before entering the guest,
 * as if `lkvm pause` had come first; `lkvm resume` lets them run.
 */
void control_start_paused(struct vm *vm);

/*
 * Any thread: pause the VM, write a snapshot into @f (files the caller
 * opened, as `lkvm snapshot` passes them), call @done(@opaque, 0 or
 * -errno) on the main thread, and let the VM run on. Returns 0, -EBUSY
 * while another is pending, -ENOTCONN when the VM has no control socket
 * (whose event loop carries it out).
 */
struct snapshot_files;
int control_request_snapshot(struct vm *vm, const struct snapshot_files *f,
			     void (*done)(void *opaque, int ret),
			     void *opaque);

/*
 * The VM starts to stop: removes the socket file and stops accepting;
 * ends a live migration, whose hand-over holds the devices quiet.
 * Clients stay.
 */
void control_close_listener(struct control *ctl);

/*
 * After the vcpus have stopped: tells clients that still wait that the
 * VM stopped, closes every connection, frees everything.
 */
void control_destroy(struct vm *vm);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_EVENT_LOOP_H
#define LKVM_EVENT_LOOP_H

#include <lkvm/compiler.h>

/*
 * The main thread's epoll loop: console input, signals, stop requests
 * and control-socket clients. Handlers run on the main thread.
 */
struct event_handler {
	void (*fn)(struct event_handler *h, uint32_t events);
	int fd;
};

struct event_loop {
	int epfd;
	/* The batch being dispatched, so that a deleted handler is skipped. */
	void *batch;
	int batch_next;
	int batch_len;
};

int event_loop_init(struct event_loop *loop);
void event_loop_fini(struct event_loop *loop);
int event_loop_add(struct event_loop *loop, struct event_handler *h,
		   uint32_t events);
int event_loop_mod(struct event_loop *loop, struct event_handler *h,
		   uint32_t events);
/*
 * Removes @h; from then on it is never called, not even for an event of
 * the batch being dispatched, so a handler may delete (and free) any
 * handler, itself included.
 */
void event_loop_del(struct event_loop *loop, struct event_handler *h);

/* Waits up to @timeout_ms and runs the handlers of ready fds once. */
int event_loop_run_once(struct event_loop *loop, int timeout_ms);

#endif

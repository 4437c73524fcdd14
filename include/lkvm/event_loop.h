/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_EVENT_LOOP_H
#define LKVM_EVENT_LOOP_H

#include <lkvm/compiler.h>

/*
 * The main thread's epoll loop: console input, signals, stop requests
 * and, later, control-socket clients. Handlers run on the main thread.
 */
struct event_handler {
	void (*fn)(struct event_handler *h, uint32_t events);
	int fd;
};

struct event_loop {
	int epfd;
};

int event_loop_init(struct event_loop *loop);
void event_loop_fini(struct event_loop *loop);
int event_loop_add(struct event_loop *loop, struct event_handler *h,
		   uint32_t events);
void event_loop_del(struct event_loop *loop, struct event_handler *h);

/* Waits up to @timeout_ms and runs the handlers of ready fds once. */
int event_loop_run_once(struct event_loop *loop, int timeout_ms);

#endif

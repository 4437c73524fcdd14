// SPDX-License-Identifier: GPL-2.0
#include <lkvm/event_loop.h>

#include <lkvm/log.h>

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

int event_loop_init(struct event_loop *loop)
{
	loop->batch = NULL;
	loop->batch_next = loop->batch_len = 0;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		int err = errno;

		pr_err("epoll_create1: %s", strerror(err));
		return -err;
	}
	return 0;
}

void event_loop_fini(struct event_loop *loop)
{
	if (loop->epfd >= 0)
		close(loop->epfd);
	loop->epfd = -1;
}

int event_loop_add(struct event_loop *loop, struct event_handler *h,
		   uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };

	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, h->fd, &ev) < 0)
		return -errno;
	return 0;
}

int event_loop_mod(struct event_loop *loop, struct event_handler *h,
		   uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };

	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, h->fd, &ev) < 0)
		return -errno;
	return 0;
}

void event_loop_del(struct event_loop *loop, struct event_handler *h)
{
	struct epoll_event *evs = loop->batch;

	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, h->fd, NULL);
	for (int i = loop->batch_next; evs && i < loop->batch_len; i++)
		if (evs[i].data.ptr == h)
			evs[i].data.ptr = NULL;
}

int event_loop_run_once(struct event_loop *loop, int timeout_ms)
{
	struct epoll_event evs[16];
	int n = epoll_wait(loop->epfd, evs, ARRAY_SIZE(evs), timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	loop->batch = evs;
	loop->batch_len = n;
	for (int i = 0; i < n; i++) {
		struct event_handler *h = evs[i].data.ptr;

		loop->batch_next = i + 1;
		if (h)
			h->fn(h, evs[i].events);
	}
	loop->batch = NULL;
	loop->batch_len = 0;
	return n;
}

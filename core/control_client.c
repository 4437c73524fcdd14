// SPDX-License-Identifier: GPL-2.0
/*
 * One control-socket client's I/O on the main loop: what it waits for,
 * replies sent without blocking, and its end. The requests
 * (control_requests.c) and the socket (control.c) both use it.
 */
#include "control_priv.h"

#include <lkvm/deadline.h>
#include <lkvm/log.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define CONTROL_TICK_MS 250

/*
 * The clients' timer is made for the first client: most VMs never have
 * one, and a timerfd watched from the start cost every start two system
 * calls, and two more at the end.
 */
static int open_timer(struct control *ctl)
{
	int fd, ret;

	if (ctl->timer_ev.fd >= 0)
		return 0;
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	ctl->timer_ev.fd = fd;
	ret = event_loop_add(ctl->loop, &ctl->timer_ev, EPOLLIN);
	if (ret) {
		close(fd);
		ctl->timer_ev.fd = -1;
	}
	return ret;
}

int control_arm_timer(struct control *ctl, bool on)
{
	struct itimerspec its = { 0 };
	int ret;

	if (ctl->timer_armed == on)
		return 0;
	ret = on ? open_timer(ctl) : 0;
	if (ret)
		return ret;
	if (on) {
		its.it_interval.tv_nsec = CONTROL_TICK_MS * 1000000L;
		its.it_value = its.it_interval;
	}
	if (timerfd_settime(ctl->timer_ev.fd, 0, &its, NULL))
		return -errno;
	ctl->timer_armed = on;
	return 0;
}

void control_release_timer(struct control *ctl)
{
	if (!ctl->clients)
		control_arm_timer(ctl, false);
}

void client_set_events(struct control_client *c, uint32_t events)
{
	if (c->events == events)
		return;
	if (!event_loop_mod(c->ctl->loop, &c->ev, events))
		c->events = events;
}

void client_free(struct control_client *c)
{
	struct control *ctl = c->ctl;
	struct control_client **p;

	for (p = &ctl->clients; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	ctl->nr_clients--;
	event_loop_del(ctl->loop, &c->ev);
	close(c->ev.fd);
	for (unsigned int i = 0; i < c->nr_fds; i++)
		close(c->fds[i]);
	ipc_reader_fini(&c->rd);
	ipc_buf_free(&c->out);
	free(c);
	control_release_timer(ctl);
}

/*
 * A client that went away or misbehaved; whatever it waited for is moot
 * (control.c ends a pause nobody needs after every event).
 */
void client_drop(struct control_client *c, const char *why)
{
	pr_debug("control: dropping a %s client: %s",
		 c->request ? ipc_type_name(c->request) : "new", why);
	client_free(c);
}

/*
 * Sends what is queued without blocking. Returns false when the client
 * was freed (done, or the peer is gone).
 */
bool client_flush(struct control_client *c)
{
	while (c->out_off < c->out.len) {
		ssize_t n = send(c->ev.fd, c->out.data + c->out_off,
				 c->out.len - c->out_off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			client_set_events(c, EPOLLOUT);
			return true;
		}
		if (n <= 0) {
			client_drop(c, n < 0 ? strerror(errno) : "short write");
			return false;
		}
		c->out_off += (size_t)n;
		c->deadline = monotonic_ms() + CONTROL_WRITE_TIMEOUT_MS;
	}
	if (c->request == IPC_REQ_STOP) {
		/* Held open: the peer sees EOF when the VM has gone. */
		c->state = CLIENT_WAIT_EXIT;
		c->deadline = 0;
		client_set_events(c, 0);
		return true;
	}
	client_free(c);
	return false;
}

void client_reply(struct control_client *c)
{
	c->state = CLIENT_WRITE;
	c->deadline = monotonic_ms() + CONTROL_WRITE_TIMEOUT_MS;
	/* Whatever else the client sends is not read (one request each). */
	client_set_events(c, 0);
	client_flush(c);
}

/* Queues an ERROR frame (or at least closes) and sends it. */
void client_error(struct control_client *c, int err, const char *msg)
{
	c->out.len = c->out_off = 0;
	if (ipc_error_append(&c->out, err, "%s", msg))
		c->out.len = 0;
	client_reply(c);
}

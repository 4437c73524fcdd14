// SPDX-License-Identifier: GPL-2.0
/*
 * The VM side of the control socket, on the main thread's event loop.
 *
 * Threat model: any process of the same user (the directory is 0700)
 * may connect and send anything, slowly, or vanish at any point. So every
 * socket is non-blocking, a request is at most IPC_HDR_SIZE +
 * IPC_REQ_PAYLOAD_MAX bytes and must arrive within
 * CONTROL_REQUEST_TIMEOUT_MS, a reply must make progress every
 * CONTROL_WRITE_TIMEOUT_MS, at most CONTROL_MAX_CLIENTS are served at
 * once, and nothing a client does blocks the loop or another client.
 * One request per connection; control_requests.c acts on it.
 */
#include "control_priv.h"

#include <lkvm/deadline.h>
#include <lkvm/log.h>
#include <lkvm/vm.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void protocol_error(struct control_client *c, int err)
{
	const struct ipc_hdr *h = &c->rd.hdr;
	char msg[160];

	switch (err) {
	case -EPROTONOSUPPORT:
		snprintf(msg, sizeof(msg),
			 "protocol version %u is not supported: this VM's lkvm speaks version %u",
			 h->version, IPC_VERSION);
		break;
	case -EPROTO:
		snprintf(msg, sizeof(msg), "request type 0x%x is unknown",
			 h->type);
		break;
	case -EMSGSIZE:
		snprintf(msg, sizeof(msg),
			 "a %s request cannot carry %u bytes",
			 ipc_type_name(h->type), h->len);
		break;
	default:
		snprintf(msg, sizeof(msg),
			 "not an lkvm control request (bad header)");
		break;
	}
	pr_debug("control: refusing a client: %s", msg);
	client_error(c, err, msg);
}

/*
 * Keeps the descriptors a client passed, up to IPC_SNAPSHOT_FDS in all;
 * any more are closed at once. Client-controlled: how many, and what.
 */
static void take_fds(struct control_client *c, struct msghdr *msg)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm;
	     cm = CMSG_NXTHDR(msg, cm)) {
		size_t n;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
			if (c->nr_fds < IPC_SNAPSHOT_FDS)
				c->fds[c->nr_fds++] = fd;
			else
				close(fd);
		}
	}
}

/* read(), also taking descriptors passed with the bytes. */
static ssize_t read_with_fds(struct control_client *c, uint8_t *dst,
			     size_t want)
{
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(sizeof(int) * IPC_SNAPSHOT_FDS)];
	} cbuf;
	struct iovec iov = { dst, want };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf.buf,
			      .msg_controllen = sizeof(cbuf.buf) };
	ssize_t n = recvmsg(c->ev.fd, &msg, MSG_CMSG_CLOEXEC);

	if (n >= 0)
		take_fds(c, &msg);
	return n;
}

/*
 * Reads the request. The client controls every byte and their timing:
 * at most the header's and then the validated payload length are read
 * (ipc_reader never asks for more), EOF before a whole frame drops the
 * client, a bad header gets an ERROR frame and the connection closed.
 */
static void client_read(struct control_client *c)
{
	for (;;) {
		uint8_t *dst;
		size_t want = ipc_reader_want(&c->rd, &dst);
		ssize_t n;
		int ret;

		n = read_with_fds(c, dst, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			client_drop(c, n ? strerror(errno) :
					   "disconnected mid-request");
			return;
		}
		ret = ipc_reader_advance(&c->rd, (size_t)n);
		if (ret < 0) {
			protocol_error(c, ret);
			return;
		}
		if (ret == 1) {
			control_dispatch(c);
			return;
		}
	}
}

static void client_event(struct control_client *c, uint32_t events)
{
	switch (c->state) {
	case CLIENT_READ:
		/* Data first: a request may come with the hang-up. */
		client_read(c);
		return;
	case CLIENT_WRITE:
		if (events & (EPOLLERR | EPOLLHUP))
			client_drop(c, "hung up before the reply");
		else if (events & EPOLLOUT)
			client_flush(c);
		return;
	case CLIENT_WAIT_PAUSE:
	case CLIENT_WAIT_EXIT:
		if (events & (EPOLLERR | EPOLLHUP))
			client_drop(c, "hung up while waiting");
		return;
	}
}

static void on_client(struct event_handler *h, uint32_t events)
{
	struct control_client *c = container_of(h, struct control_client, ev);
	struct control *ctl = c->ctl;

	client_event(c, events);
	/* @c may be gone, and with it the last reason for a pause. */
	control_release_if_unneeded(ctl);
}

/* Peers of another user are refused; root may always connect. */
static bool peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return false;
	return cred.uid == geteuid() || cred.uid == 0;
}

/* Best effort, never blocking: a short ERROR frame for a refused peer. */
static void refuse(int fd, int err, const char *msg)
{
	struct ipc_buf b;

	ipc_buf_init(&b, 512);
	if (!ipc_error_append(&b, err, "%s", msg) &&
	    send(fd, b.data, b.len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		pr_debug("control: could not tell a refused client why");
	ipc_buf_free(&b);
	close(fd);
}

static void on_listen(struct event_handler *h, uint32_t events)
{
	struct control *ctl = container_of(h, struct control, listen_ev);

	(void)events;
	/* A bounded number per wake-up, so a flood cannot starve the loop. */
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		struct control_client *c;
		int fd = accept4(ctl->listen_fd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				pr_debug("control: accept: %s", strerror(errno));
			return;
		}
		if (!peer_allowed(fd)) {
			refuse(fd, -EACCES, "permission denied");
			continue;
		}
		if (ctl->nr_clients >= CONTROL_MAX_CLIENTS) {
			refuse(fd, -EBUSY,
			       "too many control clients at once; try again");
			continue;
		}
		/* Every client has a deadline, which the timer enforces. */
		if (control_arm_timer(ctl, true)) {
			refuse(fd, -EAGAIN,
			       "cannot time a request now; try again");
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			control_release_timer(ctl);
			continue;
		}
		c->ctl = ctl;
		c->ev = (struct event_handler){ .fn = on_client, .fd = fd };
		c->state = CLIENT_READ;
		c->events = EPOLLIN;
		c->deadline = monotonic_ms() + CONTROL_REQUEST_TIMEOUT_MS;
		ipc_reader_init(&c->rd, IPC_FROM_CLIENT);
		ipc_buf_init(&c->out, CONTROL_OUTPUT_MAX);
		if (event_loop_add(ctl->loop, &c->ev, EPOLLIN)) {
			ipc_reader_fini(&c->rd);
			free(c);
			close(fd);
			control_release_timer(ctl);
			continue;
		}
		c->next = ctl->clients;
		ctl->clients = c;
		ctl->nr_clients++;
	}
}

static void on_pause_event(struct event_handler *h, uint32_t events)
{
	struct control *ctl = container_of(h, struct control, pause_ev);
	uint64_t v;

	(void)events;
	if (read(h->fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		pr_debug("control: pause eventfd: %s", strerror(errno));
	control_pause_progress(ctl);
}

static void on_timer(struct event_handler *h, uint32_t events)
{
	struct control *ctl = container_of(h, struct control, timer_ev);
	struct control_client *c, *next;
	int64_t now = monotonic_ms();
	uint64_t ticks;

	(void)events;
	if (read(h->fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return;
	for (c = ctl->clients; c; c = next) {
		next = c->next;
		if (!c->deadline || now < c->deadline)
			continue;
		if (c->state == CLIENT_WAIT_PAUSE)
			client_error(c, -ETIMEDOUT,
				     "the vcpus did not all stop in time");
		else
			client_drop(c, c->state == CLIENT_READ ?
					       "no whole request in time" :
					       "not reading its reply");
	}
	control_release_if_unneeded(ctl);
}

/*
 * Puts a listening socket at @ctl->path without ever replacing one: it
 * is bound under a temporary name and hard-linked into place, which
 * fails if the name exists. So the socket file exists only while
 * something listens on it, and "connection refused" means stale.
 */
static int create_socket(struct control *ctl, const char *dir)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, n, ret;

	n = snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/.tmp-%d.sock",
		     dir, (int)getpid());
	if (n < 0 || (size_t)n >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
	if (ret < 0 && errno == EADDRINUSE) {
		/* A leftover of a killed process that had our pid. */
		unlink(addr.sun_path);
		ret = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
	}
	if (ret < 0 || listen(fd, CONTROL_MAX_CLIENTS) < 0 ||
	    link(addr.sun_path, ctl->path) < 0 || stat(ctl->path, &st) < 0) {
		ret = -errno;
		unlink(addr.sun_path);
		close(fd);
		return ret;
	}
	unlink(addr.sun_path);
	ctl->listen_fd = fd;
	ctl->dev = st.st_dev;
	ctl->ino = st.st_ino;
	return 0;
}

/*
 * What is at @path, for a VM about to take @name: 0 when nothing, 1 when
 * a stale socket; a live VM or anything else is an error (logged).
 */
static int probe_name(const char *name, const char *path)
{
	uint32_t pid;
	int ret = ipc_probe(path, &pid);

	switch (ret) {
	case IPC_PROBE_ABSENT:
		return 0;
	case IPC_PROBE_STALE:
		return 1;
	case IPC_PROBE_LIVE:
		pr_err("--name %s: a VM with that name is already running (pid %u); stop it with 'lkvm stop -n %s' or choose another name",
		       name, pid, name);
		return -EADDRINUSE;
	case -ENOTSOCK:
		pr_err("%s exists and is not a socket: remove it or choose another --name",
		       path);
		return ret;
	default:
		pr_err("%s: %s", path, strerror(-ret));
		return ret;
	}
}

int control_check_name(const char *name)
{
	char path[IPC_PATH_MAX];
	uint32_t pid;
	int ret;

	/* Anything but a live VM is control_start()'s to report. */
	if (ipc_sock_path(name, path, sizeof(path)) ||
	    ipc_probe(path, &pid) != IPC_PROBE_LIVE)
		return 0;
	ret = probe_name(name, path);	/* says who has the name */
	return ret < 0 ? ret : 0;
}

/*
 * Claims the name under the directory lock: a live VM is an error
 * (logged, < 0), a stale socket is replaced. Returns 0 when the socket
 * is ours, or 1 when it could not be made, with @why.
 */
static int claim_name(struct control *ctl, const char *dir, const char *name,
		      char *why, size_t why_len)
{
	int lock = ipc_dir_lock(dir), ret;

	if (lock < 0) {
		snprintf(why, why_len, "cannot lock %s/.lock: %s", dir,
			 strerror(-lock));
		return 1;
	}
	ret = probe_name(name, ctl->path);
	if (ret == 1 && unlink(ctl->path) < 0) {
		snprintf(why, why_len, "cannot remove the stale socket %s: %s",
			 ctl->path, strerror(errno));
	} else if (ret == 1) {
		pr_info("removed the stale control socket %s (its VM is gone)",
			ctl->path);
		ret = 0;
	}
	if (!ret) {
		ret = create_socket(ctl, dir);
		if (ret)
			snprintf(why, why_len, "cannot create %s: %s",
				 ctl->path, strerror(-ret));
		ret = ret ? 1 : 0;
	}
	ipc_dir_unlock(lock);
	return ret;
}

static int add_handlers(struct control *ctl)
{
	int ret;

	ctl->listen_ev = (struct event_handler){ .fn = on_listen,
						 .fd = ctl->listen_fd };
	ctl->pause_ev = (struct event_handler){ .fn = on_pause_event,
						.fd = ctl->vm->pause.efd };
	ctl->timer_ev.fn = on_timer;	/* its timerfd: at the first client */
	ctl->self.ev.fn = control_on_self_snapshot;
	ctl->self.ev.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (ctl->self.ev.fd < 0)
		return -errno;
	ret = event_loop_add(ctl->loop, &ctl->listen_ev, EPOLLIN);
	ret = ret ?: event_loop_add(ctl->loop, &ctl->pause_ev, EPOLLIN);
	return ret ?: event_loop_add(ctl->loop, &ctl->self.ev, EPOLLIN);
}

int control_start(struct vm *vm, struct event_loop *loop)
{
	struct control *ctl = calloc(1, sizeof(*ctl));
	char dir[IPC_PATH_MAX], why[IPC_PATH_MAX + 64];
	int ret;

	if (!ctl)
		return -ENOMEM;
	ctl->vm = vm;
	ctl->loop = loop;
	ctl->listen_fd = -1;
	ctl->dir_fd = -1;
	ctl->timer_ev.fd = -1;
	ctl->self.ev.fd = -1;
	pthread_mutex_init(&ctl->self.lock, NULL);
	ctl->start_ms = monotonic_ms();
	vm->control = ctl;

	/* 1: no socket, for a reason in @why; < 0: a name conflict. */
	ret = ipc_dir_prepare(dir, sizeof(dir), why, sizeof(why)) ? 1 : 0;
	if (!ret && ipc_sock_path(vm->cfg->name, ctl->path, sizeof(ctl->path))) {
		snprintf(why, sizeof(why),
			 "%s/%s%s is too long for a socket address", dir,
			 vm->cfg->name, IPC_SOCK_SUFFIX);
		ret = 1;
	}
	if (!ret) {
		ctl->dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (ctl->dir_fd < 0) {
			snprintf(why, sizeof(why), "cannot open %s: %s", dir,
				 strerror(errno));
			ret = 1;
		}
	}
	ret = ret ?: claim_name(ctl, dir, vm->cfg->name, why, sizeof(why));
	if (ret) {
		ctl->path[0] = '\0';	/* not ours: never remove it */
		if (ret < 0)
			return ret;
		/*
		 * A home that is missing or read-only must not stop a guest:
		 * it runs, uncontrollable, and the user is told.
		 */
		pr_warn("no control socket (%s): lkvm list, stop, pause, resume and debug will not reach this VM",
			why);
		return 0;
	}
	ret = add_handlers(ctl);
	if (ret)
		pr_err("control socket: cannot watch it: %s", strerror(-ret));
	else
		pr_debug("control: listening on %s", ctl->path);
	/* The main thread's filter lets it unlink in this directory only. */
	vm->control_dir_fd = ret ? -1 : ctl->dir_fd;
	return ret;
}

void control_close_listener(struct control *ctl)
{
	const char *name;
	struct stat st;

	if (!ctl)
		return;
	/* Before the devices stop: a hand-over holds them quiet. */
	if (ctl->migrate)
		migrate_source_stopping(ctl->migrate);
	name = strrchr(ctl->path, '/');
	name = name ? name + 1 : ctl->path;
	/* Only our own socket: someone may have replaced the file. */
	if (ctl->path[0] && ctl->dir_fd >= 0 &&
	    !fstatat(ctl->dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) &&
	    st.st_dev == ctl->dev && st.st_ino == ctl->ino)
		unlinkat(ctl->dir_fd, name, 0);
	ctl->path[0] = '\0';
	if (ctl->listen_fd >= 0) {
		event_loop_del(ctl->loop, &ctl->listen_ev);
		close(ctl->listen_fd);
		ctl->listen_fd = -1;
	}
}

void control_destroy(struct vm *vm)
{
	struct control *ctl = vm->control;

	if (!ctl)
		return;
	control_close_listener(ctl);
	while (ctl->clients) {
		struct control_client *c = ctl->clients;

		/* Whoever still waits learns why, if its socket has room. */
		if (c->state == CLIENT_WAIT_PAUSE || c->state == CLIENT_READ) {
			c->out.len = c->out_off = 0;
			if (!ipc_error_append(&c->out, -ESHUTDOWN,
					      "the VM stopped"))
				send(c->ev.fd, c->out.data, c->out.len,
				     MSG_NOSIGNAL | MSG_DONTWAIT);
		} else if (c->state == CLIENT_WRITE) {
			send(c->ev.fd, c->out.data + c->out_off,
			     c->out.len - c->out_off,
			     MSG_NOSIGNAL | MSG_DONTWAIT);
		}
		client_free(c);
	}
	if (ctl->timer_ev.fd >= 0) {
		event_loop_del(ctl->loop, &ctl->timer_ev);
		close(ctl->timer_ev.fd);
	}
	if (ctl->dir_fd >= 0)
		close(ctl->dir_fd);
	if (ctl->pause_ev.fd > 0)
		event_loop_del(ctl->loop, &ctl->pause_ev);
	if (ctl->self.ev.fd >= 0) {
		event_loop_del(ctl->loop, &ctl->self.ev);
		close(ctl->self.ev.fd);
	}
	pthread_mutex_destroy(&ctl->self.lock);
	free(ctl);
	vm->control = NULL;
	vm->control_dir_fd = -1;
}


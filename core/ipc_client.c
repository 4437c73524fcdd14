// SPDX-License-Identifier: GPL-2.0
/*
 * Talking to a running VM. The VM is trusted no more than any socket in
 * our directory: frames are validated by the decoder and every wait has
 * a deadline, so a hung or impostor VM cannot hang `lkvm list`.
 */
#include <lkvm/ipc_client.h>

#include <lkvm/deadline.h>
#include <lkvm/grow.h>
#include <lkvm/ipc_path.h>

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail(struct ipc_client *c, int err, const char *fmt, ...)
	__printf(3, 4);

static int fail(struct ipc_client *c, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return err;
}

int ipc_client_open(struct ipc_client *c, const char *name)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char dir[IPC_PATH_MAX];
	struct ucred cred;
	socklen_t cred_len = sizeof(cred);
	int ret;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	ipc_reader_init(&c->rd, IPC_FROM_SERVER);
	if (!vm_name_valid(name))
		return fail(c, -EINVAL,
			    "'%s' is not a VM name (1-63 letters, digits, '.', '_' or '-')",
			    name);
	snprintf(c->name, sizeof(c->name), "%s", name);
	ret = ipc_sock_path(name, addr.sun_path, sizeof(addr.sun_path));
	if (ret == -ENOENT)
		return fail(c, ret, "HOME is not set: cannot find $HOME/%s",
			    IPC_DIR_NAME);
	if (ret)
		return fail(c, ret, "the socket path for '%s' is too long",
			    name);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		return fail(c, -errno, "socket: %s", strerror(errno));
	if (!connect(c->fd, (struct sockaddr *)&addr, sizeof(addr))) {
		if (!getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cred,
				&cred_len))
			c->pid = (uint32_t)cred.pid;
		return 0;
	}
	ret = -errno;
	close(c->fd);
	c->fd = -1;
	switch (ret) {
	case -ENOENT:
		return fail(c, ret, "no VM named '%s' is running", name);
	case -ECONNREFUSED:
		/* The VM died without removing its socket (kill -9, crash). */
		if (!ipc_dir_path(dir, sizeof(dir)) &&
		    ipc_remove_stale(dir, addr.sun_path) == 1)
			return fail(c, ret,
				    "no VM named '%s' is running (removed the stale socket it left behind)",
				    name);
		return fail(c, ret, "no VM named '%s' is running (stale socket %s)",
			    name, addr.sun_path);
	case -EAGAIN:
		return fail(c, -EBUSY,
			    "VM '%s' is not accepting connections (its backlog is full)",
			    name);
	default:
		return fail(c, ret, "cannot connect to %s: %s", addr.sun_path,
			    strerror(-ret));
	}
}

void ipc_client_close(struct ipc_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	ipc_reader_fini(&c->rd);
}

int ipc_client_send(struct ipc_client *c, uint16_t type, const void *payload,
		    size_t len)
{
	return ipc_client_send_fds(c, type, payload, len, NULL, 0);
}

int ipc_client_send_fds(struct ipc_client *c, uint16_t type,
			const void *payload, size_t len, const int *fds,
			unsigned int nr_fds)
{
	uint8_t frame[IPC_HDR_SIZE + IPC_REQ_PAYLOAD_MAX];
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(sizeof(int) * IPC_SNAPSHOT_FDS)];
	} cbuf;
	size_t off = 0;

	if (len > IPC_REQ_PAYLOAD_MAX || nr_fds > IPC_SNAPSHOT_FDS)
		return fail(c, -EMSGSIZE, "request too long");
	ipc_hdr_encode(frame, type, (uint32_t)len, 0);
	if (len)
		memcpy(frame + IPC_HDR_SIZE, payload, len);
	len += IPC_HDR_SIZE;
	/* A fresh socket's buffer always takes a few bytes. */
	while (off < len) {
		struct iovec iov = { frame + off, len - off };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n;

		/* The descriptors travel with the first byte. */
		if (!off && nr_fds) {
			struct cmsghdr *cm;

			memset(&cbuf, 0, sizeof(cbuf));
			msg.msg_control = cbuf.buf;
			msg.msg_controllen = CMSG_SPACE(sizeof(int) * nr_fds);
			cm = CMSG_FIRSTHDR(&msg);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int) * nr_fds);
			memcpy(CMSG_DATA(cm), fds, sizeof(int) * nr_fds);
		}
		n = sendmsg(c->fd, &msg, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return fail(c, n < 0 ? -errno : -EIO,
				    "sending the %s request: %s",
				    ipc_type_name(type),
				    n < 0 ? strerror(errno) : "short write");
		off += (size_t)n;
	}
	return 0;
}

static int frame_error(struct ipc_client *c, int err)
{
	switch (err) {
	case -EPROTONOSUPPORT:
		return fail(c, -EPROTO,
			    "VM '%s' speaks control protocol version %u; this lkvm speaks %u",
			    c->name, c->rd.hdr.version, IPC_VERSION);
	case -ENOMEM:
		return fail(c, err, "out of memory");
	default:
		return fail(c, -EPROTO,
			    "VM '%s' sent a malformed reply (%s)", c->name,
			    strerror(-err));
	}
}

int ipc_client_recv(struct ipc_client *c, int timeout_ms)
{
	int64_t deadline = monotonic_ms() + timeout_ms;
	char msg[IPC_ERROR_MSG_MAX + 1];

	ipc_reader_reset(&c->rd);
	for (;;) {
		uint8_t *dst;
		size_t want = ipc_reader_want(&c->rd, &dst);
		ssize_t n = read(c->fd, dst, want);
		int ret;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			ret = wait_fd_until(c->fd, POLLIN, deadline);
			if (ret == -ETIMEDOUT)
				return fail(c, ret,
					    "VM '%s' did not answer within %d s",
					    c->name, timeout_ms / 1000);
			if (ret)
				return fail(c, ret, "poll: %s", strerror(-ret));
			continue;
		}
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return fail(c, -ECONNRESET,
				    "VM '%s' closed the connection without a reply (it may be stopping)",
				    c->name);
		if (n < 0)
			return fail(c, -errno, "reading from VM '%s': %s",
				    c->name, strerror(errno));
		ret = ipc_reader_advance(&c->rd, (size_t)n);
		if (ret < 0)
			return frame_error(c, ret);
		if (ret == 0)
			continue;
		if (c->rd.hdr.type != IPC_REP_ERROR)
			return 0;
		ipc_error_text(c->rd.payload, c->rd.hdr.len, msg, sizeof(msg));
		return fail(c, c->rd.hdr.status, "%s", msg);
	}
}

int ipc_client_call(struct ipc_client *c, uint16_t type, const void *payload,
		    size_t len, uint16_t want, int timeout_ms)
{
	int ret = ipc_client_send(c, type, payload, len);

	ret = ret ?: ipc_client_recv(c, timeout_ms);
	if (!ret && c->rd.hdr.type != want)
		return fail(c, -EPROTO, "VM '%s' answered a %s request with a %s",
			    c->name, ipc_type_name(type),
			    ipc_type_name(c->rd.hdr.type));
	return ret;
}

int ipc_client_wait_closed(struct ipc_client *c, int timeout_ms)
{
	int64_t deadline = monotonic_ms() + timeout_ms;
	uint8_t junk[64];

	for (;;) {
		ssize_t n = read(c->fd, junk, sizeof(junk));
		int ret;

		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return 0;
		if (n > 0 || (n < 0 && errno == EINTR))
			continue;	/* nothing more is expected */
		if (errno != EAGAIN)
			return fail(c, -errno, "%s", strerror(errno));
		ret = wait_fd_until(c->fd, POLLIN, deadline);
		if (ret == -ETIMEDOUT)
			return fail(c, ret,
				    "VM '%s' accepted the stop but has not exited after %d s",
				    c->name, timeout_ms / 1000);
		if (ret)
			return fail(c, ret, "poll: %s", strerror(-ret));
	}
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

int ipc_list_names(struct ipc_names *out)
{
	char dir[IPC_PATH_MAX];
	size_t cap = 0;
	struct dirent *de;
	DIR *d;
	int ret = ipc_dir_path(dir, sizeof(dir));

	memset(out, 0, sizeof(*out));
	if (ret)
		return ret;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name), slen = strlen(IPC_SOCK_SUFFIX);
		char name[64];

		if (len <= slen || len - slen >= sizeof(name) ||
		    strcmp(de->d_name + len - slen, IPC_SOCK_SUFFIX))
			continue;
		memcpy(name, de->d_name, len - slen);
		name[len - slen] = '\0';
		if (!vm_name_valid(name))
			continue;	/* e.g. our own temporary names */
		if (grow_array((void **)&out->names, &cap, out->nr + 1,
			       sizeof(*out->names), 16)) {
			closedir(d);
			ipc_names_free(out);
			return -ENOMEM;
		}
		memcpy(out->names[out->nr++], name, sizeof(name));
	}
	closedir(d);
	if (out->nr)
		qsort(out->names, out->nr, sizeof(out->names[0]),
		      compare_names);
	return 0;
}

void ipc_names_free(struct ipc_names *n)
{
	free(n->names);
	n->names = NULL;
	n->nr = 0;
}

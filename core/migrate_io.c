// SPDX-License-Identifier: GPL-2.0
/*
 * The sockets of a migration, for the two commands that run it (`lkvm
 * migrate`, `lkvm restore --incoming`): connecting, listening, and frames
 * sent and received with a deadline each, so that a peer that stalls or
 * vanishes costs a bounded wait and one clear message.
 */
#include <lkvm/migrate.h>

#include <lkvm/deadline.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static void unix_sockaddr(const struct mig_addr *a, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, a->path, strlen(a->path));
}

/* A non-blocking connect that completes by @deadline. */
static int connect_by(int fd, const struct sockaddr *sa, socklen_t len,
		      int64_t deadline)
{
	int err = 0;
	socklen_t elen = sizeof(err);

	if (!connect(fd, sa, len))
		return 0;
	if (errno != EINPROGRESS)
		return -errno;
	err = wait_fd_until(fd, POLLOUT, deadline);
	if (err)
		return err;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen))
		return -errno;
	return -err;
}

static int connect_tcp(const struct mig_addr *a, int64_t deadline, char *why,
		       size_t why_len)
{
	int fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
					 SOCK_NONBLOCK, 0);
	int ret, one = 1;

	if (fd < 0)
		return -errno;
	ret = connect_by(fd, (const struct sockaddr *)&a->sa, a->sa_len,
			 deadline);
	if (ret) {
		close(fd);
		snprintf(why, why_len, "cannot connect to %s port %s: %s",
			 a->host, a->port, strerror(-ret));
		return ret;
	}
	/* Small frames (commits, verdicts) must not wait for more. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

int mig_connect(const struct mig_addr *a, int timeout_ms, char *why,
		size_t why_len)
{
	int64_t deadline = monotonic_ms() + timeout_ms;
	struct sockaddr_un sa;
	int fd, ret;

	if (a->kind == MIG_ADDR_TCP)
		return connect_tcp(a, deadline, why, why_len);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unix_sockaddr(a, &sa);
	ret = connect_by(fd, (struct sockaddr *)&sa, sizeof(sa), deadline);
	if (ret) {
		close(fd);
		snprintf(why, why_len, "cannot connect to %s: %s%s", a->path,
			 strerror(-ret),
			 ret == -ENOENT || ret == -ECONNREFUSED ?
				 " (is lkvm restore --incoming waiting there?)" :
				 "");
		return ret;
	}
	return fd;
}

/* A socket file nobody listens on (its lkvm died) may be replaced. */
static int remove_stale(const char *path, char *why, size_t why_len)
{
	struct mig_addr a = { .kind = MIG_ADDR_UNIX };
	char ignored[160];
	struct stat st;
	int fd;

	if (lstat(path, &st))
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(why, why_len, "%s exists and is not a socket", path);
		return -EEXIST;
	}
	snprintf(a.path, sizeof(a.path), "%s", path);
	fd = mig_connect(&a, 1000, ignored, sizeof(ignored));
	if (fd >= 0) {
		close(fd);
		snprintf(why, why_len,
			 "%s: another lkvm restore --incoming waits there", path);
		return -EADDRINUSE;
	}
	return unlink(path) && errno != ENOENT ? -errno : 0;
}

static int listen_unix(const struct mig_addr *a, char *why, size_t why_len)
{
	struct sockaddr_un sa;
	int fd, ret = remove_stale(a->path, why, why_len);

	if (ret)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unix_sockaddr(a, &sa);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4)) {
		ret = -errno;
		snprintf(why, why_len, "cannot listen on %s: %s", a->path,
			 strerror(-ret));
		close(fd);
		return ret;
	}
	return fd;
}

static int listen_tcp(const struct mig_addr *a, char *why, size_t why_len)
{
	int fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int ret = 0, one = 1;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&a->sa, a->sa_len) ||
	    listen(fd, 4)) {
		ret = -errno;
		close(fd);
		snprintf(why, why_len, "cannot listen on %s port %s: %s",
			 a->host, a->port, strerror(-ret));
		return ret;
	}
	return fd;
}

int mig_listen(const struct mig_addr *a, char *why, size_t why_len)
{
	return a->kind == MIG_ADDR_TCP ? listen_tcp(a, why, why_len) :
					 listen_unix(a, why, why_len);
}

void mig_unlisten(const struct mig_addr *a, int fd)
{
	struct stat st;

	if (fd < 0)
		return;
	if (a->kind == MIG_ADDR_UNIX && !lstat(a->path, &st) &&
	    S_ISSOCK(st.st_mode))
		unlink(a->path);
	close(fd);
}

int mig_send(int fd, const void *buf, size_t len, int64_t deadline)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		int ret;

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return errno == ECONNRESET ? -EPIPE : -errno;
		ret = wait_fd_until(fd, POLLOUT, deadline);
		if (ret)
			return ret;
	}
	return 0;
}

int mig_send_frame(int fd, uint16_t type, const void *payload, size_t len,
		   int64_t deadline)
{
	uint8_t hdr[MIG_HDR_SIZE];
	int ret;

	mig_hdr_encode(hdr, type, payload, (uint32_t)len);
	ret = mig_send(fd, hdr, sizeof(hdr), deadline);
	return ret ?: mig_send(fd, payload, len, deadline);
}

int mig_recv_frame(int fd, struct mig_reader *r, int64_t deadline)
{
	for (;;) {
		uint8_t *dst;
		size_t want = mig_reader_want(r, &dst);
		ssize_t n;
		int ret;

		if (!want)
			return -ENOMEM;
		n = recv(fd, dst, want, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			ret = wait_fd_until(fd, POLLIN, deadline);
			if (ret)
				return ret;
			continue;
		}
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return -ECONNRESET;
		if (n < 0)
			return -errno;
		ret = mig_reader_advance(r, (size_t)n);
		if (ret)
			return ret < 0 ? ret : 0;
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * User-mode networking through passt (https://passt.top): lkvm starts
 * passt on one end of a socket pair (--fd) and exchanges Ethernet frames
 * with it, each behind a 32-bit big-endian length. passt, an unprivileged
 * process of its own that sandboxes itself, does ARP, DHCP, NDP and the
 * TCP/UDP/ICMP translation to host sockets; lkvm parses no packet.
 *
 * passt runs in its default, daemon mode: the process lkvm starts exits
 * once passt is initialised (status 0) or has failed (non-zero, with
 * the reason on its standard error), which tells lkvm when the network
 * is ready without any fixed delay. The daemon quits when lkvm closes
 * its end of the socket (--fd implies --one-off), lkvm's exit included.
 */
#include <lkvm/net_backend.h>

#include <lkvm/deadline.h>
#include <lkvm/log.h>
#include <lkvm/net_stream.h>
#include <lkvm/virtio.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* passt's own MTU: frames up to 64 KiB, far fewer of them than at 1500. */
#define PASST_MTU 65520
#define PASST_START_TIMEOUT_MS 20000
#define PASST_STDERR_MAX 2048
#define PASST_RX_BUF (256U * 1024)
#define PASST_ARGS_MAX 16

extern char **environ;

struct passt {
	struct net_stream rx;
	/*
	 * Allocated when first needed: many guests never send a frame,
	 * and at start-up the 256 KiB (a mapping of its own) and the
	 * 64 KiB cost about 0.02 M instructions in the nested test host.
	 */
	uint8_t *rxbuf;		/* PASST_RX_BUF, or NULL */
	uint32_t rx_len;	/* length of the frame peeked, 0: none */
	uint8_t *txbuf;		/* an unsent tail: NET_STREAM_PREFIX + NET_FRAME_MAX */
	size_t tx_off, tx_len;
	/* Started without waiting: the launcher to reap, its stderr. */
	pid_t launcher;
	int launcher_err;
};

static void summarize_stderr(char *text, char *out, size_t out_len);

/*
 * When passt was started without waiting and its socket closed, the
 * launcher's exit status and stderr say why, better than "closed".
 */
static bool launcher_failed(struct passt *ps, char *why, size_t len)
{
	char text[1024], reason[200];
	ssize_t n;
	int status;

	if (!ps || ps->launcher <= 0 ||
	    waitpid(ps->launcher, &status, WNOHANG) != ps->launcher)
		return false;
	ps->launcher = 0;
	n = read(ps->launcher_err, text, sizeof(text) - 1);
	text[n > 0 ? n : 0] = 0;
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return false;
	summarize_stderr(text, reason, sizeof(reason));
	snprintf(why, len, "passt failed to start (%s %d): %s",
		 WIFEXITED(status) ? "exit status" : "signal",
		 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
		 reason);
	return true;
}

static int gone(struct net_backend *be, int err, const char *what)
{
	if (!launcher_failed(be->priv, be->err, sizeof(be->err)))
		snprintf(be->err, sizeof(be->err), "passt %s", what);
	return -err;
}

/* Sends what it can; keeps the rest in txbuf. */
static int passt_write(struct net_backend *be, const uint8_t *p, size_t n)
{
	struct passt *ps = be->priv;
	ssize_t w;

	do
		w = send(be->fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		w = 0;
	if (w < 0)
		return gone(be, errno, "closed the connection");
	if ((size_t)w == n) {
		ps->tx_off = ps->tx_len = 0;
		return 0;
	}
	if (!ps->txbuf) {
		ps->txbuf = malloc(NET_STREAM_PREFIX + NET_FRAME_MAX);
		if (!ps->txbuf) {
			snprintf(be->err, sizeof(be->err),
				 "out of memory for a frame to passt");
			return -ENOMEM;
		}
	}
	/* p may already point into txbuf: memmove. */
	memmove(ps->txbuf, p + w, n - (size_t)w);
	ps->tx_off = 0;
	ps->tx_len = n - (size_t)w;
	return 0;
}

static int passt_send(struct net_backend *be, uint8_t *buf, size_t len)
{
	/* passt takes no virtio-net header: the prefix goes in its place. */
	uint8_t *p = buf + NET_HDR_SIZE - NET_STREAM_PREFIX;

	net_stream_prefix(p, (uint32_t)len);
	return passt_write(be, p, NET_STREAM_PREFIX + len);
}

static bool passt_tx_busy(const struct net_backend *be)
{
	const struct passt *ps = be->priv;

	return ps->tx_len > ps->tx_off;
}

static int passt_tx_flush(struct net_backend *be)
{
	struct passt *ps = be->priv;

	if (!passt_tx_busy(be))
		return 0;
	return passt_write(be, ps->txbuf + ps->tx_off, ps->tx_len - ps->tx_off);
}

/*
 * Peer-controlled: every byte on the socket. Checked by
 * net_stream_peek(): each length prefix lies between an Ethernet header
 * and NET_FRAME_MAX. A bad prefix leaves the stream impossible to
 * follow, so the connection ends there; lkvm goes on without network.
 */
static int passt_recv(struct net_backend *be, struct net_hdr *hdr,
		      const uint8_t **frame, size_t *len)
{
	struct passt *ps = be->priv;

	if (!ps->rxbuf) {
		ps->rxbuf = malloc(PASST_RX_BUF);
		if (!ps->rxbuf) {
			snprintf(be->err, sizeof(be->err),
				 "out of memory for frames from passt");
			return -ENOMEM;
		}
		net_stream_init(&ps->rx, ps->rxbuf, PASST_RX_BUF);
	}
	for (;;) {
		uint32_t n;
		int r = net_stream_peek(&ps->rx, NET_ETH_HLEN, NET_FRAME_MAX,
					frame, &n);
		size_t room;
		uint8_t *space;
		ssize_t got;

		if (r > 0) {
			memset(hdr, 0, sizeof(*hdr));
			*len = n;
			ps->rx_len = n;
			return 1;
		}
		if (r < 0) {
			const uint8_t *p = ps->rx.buf + ps->rx.start;

			snprintf(be->err, sizeof(be->err),
				 "passt sent a frame length of %u bytes (allowed: %u to %u): connection closed",
				 (unsigned int)p[0] << 24 | p[1] << 16 |
					 p[2] << 8 | p[3],
				 NET_ETH_HLEN, NET_FRAME_MAX);
			return -EPROTO;
		}
		space = net_stream_space(&ps->rx, &room);
		got = recv(be->fd, space, room, MSG_DONTWAIT);
		if (got > 0) {
			net_stream_added(&ps->rx, (size_t)got);
			continue;
		}
		if (got == 0)
			return gone(be, ECONNRESET,
				    "closed the connection (did it exit?)");
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return gone(be, errno, "closed the connection");
	}
}

static void passt_recv_done(struct net_backend *be)
{
	struct passt *ps = be->priv;

	net_stream_consume(&ps->rx, ps->rx_len);
	ps->rx_len = 0;
}

/* passt sends complete frames with their checksums: nothing to set. */
static void passt_set_offloads(struct net_backend *be,
			       const struct net_offloads *ok)
{
	(void)be;
	(void)ok;
}

static void passt_close(struct net_backend *be)
{
	struct passt *ps = be->priv;

	/* passt (--one-off) quits when its connection closes. */
	if (be->fd >= 0)
		close(be->fd);
	be->fd = -1;
	if (ps) {
		/*
		 * The launcher is not waited for here: whether it is done
		 * depends on how long passt took to start, and waiting would
		 * add passt's start-up to lkvm's own CPU time, at random. It
		 * is init's to reap once lkvm exits.
		 */
		if (ps->launcher_err >= 0)
			close(ps->launcher_err);
		free(ps->rxbuf);
		free(ps->txbuf);
	}
	free(ps);
	be->priv = NULL;
}

static const struct net_backend_ops passt_ops = {
	.send = passt_send,
	.tx_busy = passt_tx_busy,
	.tx_flush = passt_tx_flush,
	.recv = passt_recv,
	.recv_done = passt_recv_done,
	.set_offloads = passt_set_offloads,
	.close = passt_close,
};

static void fwd_name(const struct net_hostfwd *f, char *buf, size_t len)
{
	snprintf(buf, len, "hostfwd=%s:%s%s%u:%u", f->udp ? "udp" : "tcp",
		 f->addr, *f->addr ? ":" : "", f->host_port, f->guest_port);
}

/*
 * passt goes on when it cannot bind a forwarded port; lkvm checks first
 * so that a port in use is an error the user sees.
 */
static int check_hostfwd(const struct net_hostfwd *f, char *why,
			 size_t why_len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(f->host_port) };
	int s = socket(AF_INET, (f->udp ? SOCK_DGRAM : SOCK_STREAM) |
					SOCK_CLOEXEC, 0);
	char name[64];
	int one = 1, err = 0;

	if (s < 0)
		return 0;	/* no IPv4 here: let passt decide */
	if (*f->addr)
		inet_pton(AF_INET, f->addr, &sa.sin_addr);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)))
		err = errno;
	close(s);
	if (!err)
		return 0;
	fwd_name(f, name, sizeof(name));
	if (err == EADDRINUSE)
		snprintf(why, why_len, "%s: host port %u is already in use",
			 name, f->host_port);
	else if (err == EADDRNOTAVAIL)
		snprintf(why, why_len, "%s: %s is not an address of this host",
			 name, f->addr);
	else if (err == EACCES)
		snprintf(why, why_len,
			 "%s: binding port %u needs privileges (see sysctl net.ipv4.ip_unprivileged_port_start)",
			 name, f->host_port);
	else
		snprintf(why, why_len, "%s: cannot bind host port %u: %s", name,
			 f->host_port, strerror(err));
	return -err;
}

/* "-t"/"-u" arguments: "[ADDR/]HOST:GUEST,..." for one protocol. */
static void fwd_spec(const struct vm_nic *nic, bool udp, char *buf,
		     size_t len)
{
	size_t at = 0;

	buf[0] = 0;
	for (unsigned int i = 0; i < nic->nr_hostfwd; i++) {
		const struct net_hostfwd *f = &nic->hostfwd[i];

		if (f->udp != udp || at >= len)
			continue;
		at += (size_t)snprintf(buf + at, len - at, "%s%s%s%u:%u",
				       at ? "," : "", f->addr,
				       *f->addr ? "/" : "", f->host_port,
				       f->guest_port);
	}
}

/*
 * passt's standard error, for an error message: its syslog complaints
 * and its note about dropping root are noise, the rest is the reason.
 */
static void summarize_stderr(char *text, char *out, size_t out_len)
{
	char *save = NULL;
	size_t at = 0;

	out[0] = 0;
	for (char *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strstr(line, "to syslog") || strstr(line, "Don't run as root") ||
		    !*line || at >= out_len)
			continue;
		at += (size_t)snprintf(out + at, out_len - at, "%s%s",
				       at ? "; " : "", line);
	}
	if (!out[0])
		snprintf(out, out_len, "no message");
}

/*
 * Waits for the process passt was started as to exit, collecting its
 * standard error. Returns 0 when it exited, -ETIMEDOUT otherwise.
 */
static int wait_launcher(pid_t pid, int err_fd, char *text, size_t text_len,
			 int *status)
{
	long long deadline = monotonic_ms() + PASST_START_TIMEOUT_MS;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	size_t have = 0;
	bool err_open = true;

	text[0] = 0;
	for (;;) {
		struct pollfd p[2] = { { pidfd, POLLIN, 0 },
				       { err_open ? err_fd : -1, POLLIN, 0 } };
		long long left = deadline - monotonic_ms();
		pid_t w;

		w = waitpid(pid, status, WNOHANG);
		if (w == pid)
			break;
		if (left <= 0) {
			kill(pid, SIGKILL);
			waitpid(pid, status, 0);
			if (pidfd >= 0)
				close(pidfd);
			return -ETIMEDOUT;
		}
		/* Without pidfds (Linux < 5.3) only stderr's end wakes us. */
		if (poll(p, 2, pidfd >= 0 || err_open ? (int)left : 10) < 0 &&
		    errno != EINTR)
			break;
		if (p[1].revents) {
			char tmp[512];
			ssize_t n = read(err_fd, tmp, sizeof(tmp));

			if (n <= 0) {
				err_open = false;
			} else if (have < text_len - 1) {
				size_t k = MIN((size_t)n, text_len - 1 - have);

				memcpy(text + have, tmp, k);
				have += k;
				text[have] = 0;
			}
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	/* What the launcher wrote is in the pipe; the daemon holds none. */
	fcntl(err_fd, F_SETFL, O_NONBLOCK);
	while (have < text_len - 1) {
		ssize_t n = read(err_fd, text + have, text_len - 1 - have);

		if (n <= 0)
			break;
		have += (size_t)n;
	}
	text[have] = 0;
	return 0;
}

/* Runs passt with its end of the socket as fd @target. */
static int spawn_passt(const char *passt, char *const argv[], int sock,
		       int target, int err_w, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, def;
	int ret;

	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, err_w, 2);
	/* dup2() to another number clears close-on-exec there. */
	posix_spawn_file_actions_adddup2(&fa, sock, target);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &def);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
						POSIX_SPAWN_SETSIGDEF);
	ret = posix_spawnp(pid, passt, &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return -ret;
}

static int start_error(int err, const char *passt, char *why, size_t why_len)
{
	if (err == -ENOENT && !strchr(passt, '/'))
		snprintf(why, why_len,
			 "passt is not installed: user-mode networking needs it (Debian: apt install passt; or give its path with --passt)");
	else
		snprintf(why, why_len, "cannot run %s: %s", passt,
			 strerror(-err));
	return err;
}

int net_passt_open(struct net_backend *be, const struct vm_nic *nic,
		   const char *passt, bool wait, char *why, size_t why_len)
{
	char fd_arg[12], tcp[192], udp[192], text[PASST_STDERR_MAX];
	char reason[160];
	char *argv[PASST_ARGS_MAX];
	int sv[2], errp[2], status = 0, target, argc = 0, ret;
	struct passt *ps;
	pid_t pid;

	for (unsigned int i = 0; i < nic->nr_hostfwd; i++) {
		ret = check_hostfwd(&nic->hostfwd[i], why, why_len);
		if (ret)
			return ret;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		snprintf(why, why_len, "socketpair: %s", strerror(errno));
		return -errno;
	}
	if (pipe2(errp, O_CLOEXEC)) {
		ret = -errno;
		snprintf(why, why_len, "pipe: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return ret;
	}
	/* Any number but the socket's own and stdio's. */
	target = sv[1] == 3 ? 4 : 3;
	snprintf(fd_arg, sizeof(fd_arg), "%d", target);
	fwd_spec(nic, false, tcp, sizeof(tcp));
	fwd_spec(nic, true, udp, sizeof(udp));
	argv[argc++] = (char *)passt;
	argv[argc++] = "--quiet";
	argv[argc++] = "--fd";
	argv[argc++] = fd_arg;
	if (*tcp) {
		argv[argc++] = "--tcp-ports";
		argv[argc++] = tcp;
	}
	/* Else passt would forward UDP for every forwarded TCP port too. */
	argv[argc++] = "--udp-ports";
	argv[argc++] = *udp ? udp : "none";
	argv[argc] = NULL;

	ret = spawn_passt(passt, argv, sv[1], target, errp[1], &pid);
	close(sv[1]);
	close(errp[1]);
	if (ret) {
		close(sv[0]);
		close(errp[0]);
		return start_error(ret, passt, why, why_len);
	}
	if (wait) {
		ret = wait_launcher(pid, errp[0], text, sizeof(text), &status);
		close(errp[0]);
		errp[0] = -1;
	}
	if (wait && !ret && (!WIFEXITED(status) || WEXITSTATUS(status))) {
		summarize_stderr(text, reason, sizeof(reason));
		if (WIFEXITED(status))
			snprintf(why, why_len,
				 "passt failed to start (exit status %d): %s",
				 WEXITSTATUS(status), reason);
		else
			snprintf(why, why_len,
				 "passt failed to start (killed by signal %d)",
				 WTERMSIG(status));
		ret = -EIO;
	} else if (ret) {
		snprintf(why, why_len,
			 "passt did not finish starting within %d s",
			 PASST_START_TIMEOUT_MS / 1000);
	}
	ps = ret ? NULL : calloc(1, sizeof(*ps));
	if (!ret && !ps) {
		snprintf(why, why_len, "out of memory");
		ret = -ENOMEM;
	}
	if (ret) {
		if (errp[0] >= 0)
			close(errp[0]);
		close(sv[0]);
		return ret;
	}
	/*
	 * Not waiting: frames queue in the socket until passt reads them,
	 * and if it never starts, its socket end closes and the link goes
	 * down with launcher_failed()'s reason.
	 */
	ps->launcher = wait ? 0 : pid;
	ps->launcher_err = errp[0];
	if (errp[0] >= 0)
		fcntl(errp[0], F_SETFL, O_NONBLOCK);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	be->ops = &passt_ops;
	be->fd = sv[0];
	be->priv = ps;
	be->features = 0;	/* passt checksums every frame itself */
	be->mtu = PASST_MTU;
	snprintf(be->desc, sizeof(be->desc), "passt");
	return 0;
}

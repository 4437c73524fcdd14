// SPDX-License-Identifier: GPL-2.0
/*
 * The destination's connection to a migration source
 * (include/lkvm/migrate_dest.h). Runs before the VM does, in `lkvm
 * restore --incoming`: blocking I/O with a deadline on every frame.
 *
 * A peer that is not this user (unix), sends no migration HELLO in
 * time, or does not know the token is refused with a warning and the
 * wait goes on: a stranger cannot make the destination give up. Once a
 * source is in, its failures end the attempt.
 */
#include <lkvm/migrate_dest.h>

#include <lkvm/deadline.h>
#include <lkvm/log.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int migrate_dest_listen(struct migrate_dest *d, const struct mig_addr *a,
			const struct mig_token *token)
{
	char why[300];

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	d->addr = *a;
	d->token = token;
	mig_reader_init(&d->rd, MIG_FROM_SOURCE);
	d->listen_fd = mig_listen(a, why, sizeof(why));
	if (d->listen_fd < 0) {
		pr_err("--incoming: %s", why);
		return d->listen_fd;
	}
	return 0;
}

static void drop(struct migrate_dest *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

void migrate_dest_close(struct migrate_dest *d)
{
	drop(d);
	mig_unlisten(&d->addr, d->listen_fd);
	d->listen_fd = -1;
	mig_reader_fini(&d->rd);
}

/* Who connected, for log lines; and whether a local one may. */
static bool describe_peer(int fd, char *out, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	char host[INET6_ADDRSTRLEN] = "?";

	if (getpeername(fd, (struct sockaddr *)&ss, &sl)) {
		snprintf(out, len, "an unknown peer");
		return false;
	}
	if (ss.ss_family == AF_UNIX) {
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl)) {
			snprintf(out, len, "a local process");
			return false;
		}
		snprintf(out, len, "pid %d (uid %u)", (int)cred.pid,
			 (unsigned int)cred.uid);
		return cred.uid == geteuid() || cred.uid == 0;
	}
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host,
			  sizeof(host));
	else if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
			  host, sizeof(host));
	snprintf(out, len, "%s", host);
	return true;
}

static int send_verdict(struct migrate_dest *d, const char *why)
{
	uint8_t p[1 + MIG_TEXT_MAX];
	size_t n = why ? MIN(strlen(why), (size_t)MIG_TEXT_MAX) : 0;

	p[0] = !why;
	memcpy(p + 1, why, n);
	return mig_send_frame(d->fd, MIG_VERDICT, p, 1 + n,
			      monotonic_ms() + MIG_HELLO_TIMEOUT_MS);
}

/* 0: a source that knows the token; else refused (and logged). */
static int hello(struct migrate_dest *d, const char *peer)
{
	uint8_t ours[MIG_BOOT_ID_LEN], theirs[MIG_BOOT_ID_LEN];
	static const uint8_t none[MIG_BOOT_ID_LEN];
	int ret = mig_recv_frame(d->fd, &d->rd,
				 monotonic_ms() + MIG_HELLO_TIMEOUT_MS);

	if (!ret && d->rd.hdr.type != MIG_HELLO)
		ret = -EPROTO;
	if (ret) {
		pr_warn("--incoming: refused %s: %s", peer,
			ret == -ETIMEDOUT ? "no migration source greeting in time" :
			ret == -ECONNRESET ? "it closed the connection" :
					     mig_read_error(ret));
		return ret;
	}
	if (mig_hello_check(mig_payload(&d->rd), d->rd.hdr.len, d->token,
			    theirs)) {
		send_verdict(d, "wrong token (--token-file differs from the destination's)");
		pr_warn("--incoming: refused %s: wrong token", peer);
		return -EACCES;
	}
	mig_boot_id(ours);
	d->same_host = !memcmp(ours, theirs, sizeof(ours)) &&
		       memcmp(ours, none, sizeof(ours));
	return send_verdict(d, NULL);
}

int migrate_dest_accept(struct migrate_dest *d)
{
	char peer[96];
	int ret;

	for (;;) {
		drop(d);
		d->fd = accept4(d->listen_fd, NULL, NULL,
				SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (d->fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			pr_err("--incoming: accept: %s", strerror(errno));
			return -errno;
		}
		if (!describe_peer(d->fd, peer, sizeof(peer))) {
			pr_warn("--incoming: refused %s: another user", peer);
			continue;
		}
		if (hello(d, peer))
			continue;
		break;
	}
	pr_info("--incoming: a migration from %s%s", peer,
		d->same_host ? " (this host)" : "");
	ret = mig_recv_frame(d->fd, &d->rd, monotonic_ms() + MIG_FRAME_TIMEOUT_MS);
	if (!ret && d->rd.hdr.type != MIG_MANIFEST)
		ret = -EPROTO;
	if (ret)
		pr_err("--incoming: no manifest from the source: %s",
		       ret == -ETIMEDOUT ? "none came in time" :
		       ret == -ECONNRESET ? "it closed the connection" :
					    mig_read_error(ret));
	return ret;
}

int migrate_dest_verdict(struct migrate_dest *d, const char *why)
{
	return send_verdict(d, why);
}

static const char *recv_error(const struct mig_reader *rd, int ret)
{
	switch (ret) {
	case -ETIMEDOUT:
		return "the source sent nothing for 60 s";
	case -ECONNRESET:
		return rd->have ?
			"the stream was cut in the middle of a frame (truncated)" :
			"the source went away (the stream ends early)";
	default:
		return mig_read_error(ret);
	}
}

/* The source hears why the stream was refused, and keeps its guest. */
static void bad_stream(struct migrate_dest *d, const char *why)
{
	uint8_t frame[MIG_TEXT_FRAME_MAX];
	size_t n = mig_text_frame(frame, sizeof(frame), MIG_FAILED,
				  "a bad stream: %s", why);

	mig_send(d->fd, frame, n, monotonic_ms() + 1000);
}

int migrate_dest_receive(struct migrate_dest *d, struct mig_stream *s,
			 char *why, size_t why_len)
{
	for (;;) {
		int ret = mig_recv_frame(d->fd, &d->rd,
					 monotonic_ms() + MIG_FRAME_TIMEOUT_MS);

		if (ret) {
			snprintf(why, why_len, "%s", recv_error(&d->rd, ret));
			/* A damaged frame: a source still there hears it. */
			if (ret != -ETIMEDOUT && ret != -ECONNRESET)
				bad_stream(d, why);
			return ret < 0 ? ret : -EPROTO;
		}
		ret = mig_stream_frame(s, d->rd.hdr.type, mig_payload(&d->rd),
				       d->rd.hdr.len, why, why_len);
		if (ret == MIG_STREAM_END)
			return 0;
		if (ret == MIG_STREAM_ABORT)
			return 1;
		if (ret < 0) {
			bad_stream(d, why);
			return ret;
		}
	}
}

int migrate_dest_finish(struct migrate_dest *d, const char *failed,
			char *why, size_t why_len)
{
	int64_t deadline = monotonic_ms() + MIG_FRAME_TIMEOUT_MS;
	int ret;

	if (failed) {
		uint8_t frame[MIG_TEXT_FRAME_MAX];
		size_t n = mig_text_frame(frame, sizeof(frame), MIG_FAILED,
					  "%s", failed);

		mig_send(d->fd, frame, n, monotonic_ms() + 1000);
		return -ECANCELED;
	}
	ret = mig_send_frame(d->fd, MIG_READY, NULL, 0, deadline);
	ret = ret ?: mig_recv_frame(d->fd, &d->rd, deadline);
	if (ret) {
		snprintf(why, why_len, "%s", ret == -EPIPE ?
			 "the source went away" : recv_error(&d->rd, ret));
		return ret;
	}
	if (d->rd.hdr.type == MIG_ABORT) {
		char text[MIG_TEXT_MAX + 1];

		mig_text(mig_payload(&d->rd), d->rd.hdr.len, text,
			 sizeof(text));
		snprintf(why, why_len, "the source kept the guest: %s",
			 text[0] ? text : "no reason given");
		return -ECANCELED;
	}
	if (d->rd.hdr.type != MIG_COMMIT) {
		snprintf(why, why_len, "a %s frame instead of COMMIT",
			 mig_type_name(d->rd.hdr.type));
		return -EPROTO;
	}
	/*
	 * Committed: the source never runs the guest again. If it does not
	 * hear this, it keeps the guest paused; either way it runs here.
	 */
	if (mig_send_frame(d->fd, MIG_RUNNING, NULL, 0, monotonic_ms() + 1000))
		pr_warn("--incoming: the source did not hear that the guest runs here; it keeps a paused copy");
	return 0;
}

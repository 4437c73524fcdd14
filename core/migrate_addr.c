// SPDX-License-Identifier: GPL-2.0
/*
 * Where a migration goes (unix:PATH, tcp:HOST:PORT), the secret of a
 * TCP link and how it is compared, and which boot a host is in.
 */
#include <lkvm/migrate.h>

#include <lkvm/ipc_path.h>
#include <lkvm/parse.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int parse_unix(const char *path, struct mig_addr *a, char *why,
		      size_t why_len)
{
	char dir[IPC_PATH_MAX];
	int n;

	a->kind = MIG_ADDR_UNIX;
	if (!path[0])
		return parse_error(why, why_len,
				   "unix: needs a socket name or path");
	if (strchr(path, '/')) {
		n = snprintf(a->path, sizeof(a->path), "%s", path);
	} else {
		/* A name: in the user's private directory, as VMs' sockets. */
		if (!vm_name_valid(path))
			return parse_error(why, why_len,
					   "unix:%s: a socket name is 1-63 letters, digits, '.', '_' or '-' (or give a path with a '/')",
					   path);
		if (ipc_dir_path(dir, sizeof(dir)))
			return parse_error(why, why_len,
					   "unix:%s: HOME is not set (or too long) for $HOME/%s",
					   path, IPC_DIR_NAME);
		n = snprintf(a->path, sizeof(a->path), "%s/%s%s", dir, path,
			     MIG_SOCK_SUFFIX);
	}
	if (n < 0 || (size_t)n >= sizeof(a->path))
		return parse_error(why, why_len,
				   "unix:%s: too long for a socket address (at most %zu bytes)",
				   path, sizeof(a->path) - 1);
	return 0;
}

/* a->host as an IPv4 or IPv6 address and @port into a->sa. */
static int tcp_sockaddr(struct mig_addr *a, uint16_t port, char *why,
			size_t why_len)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)&a->sa;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&a->sa;

	if (inet_pton(AF_INET, a->host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		a->sa_len = sizeof(*v4);
		return 0;
	}
	if (inet_pton(AF_INET6, a->host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		a->sa_len = sizeof(*v6);
		return 0;
	}
	return parse_error(why, why_len,
			   "tcp:%s: not an IP address (lkvm resolves no host names: give the address)",
			   a->host);
}

static int parse_tcp(const char *s, struct mig_addr *a, char *why,
		     size_t why_len)
{
	const char *colon = strrchr(s, ':');
	const char *host = s, *host_end = colon;
	unsigned int port;

	a->kind = MIG_ADDR_TCP;
	if (!colon || colon == s)
		return parse_error(why, why_len,
				   "tcp:%s: expected tcp:HOST:PORT", s);
	if (s[0] == '[') {
		/* An IPv6 address: [addr]:port. */
		if (colon[-1] != ']' || colon - s < 3)
			return parse_error(why, why_len,
					   "tcp:%s: expected tcp:[IPV6]:PORT", s);
		host = s + 1;
		host_end = colon - 1;
	} else if (memchr(s, ':', (size_t)(colon - s))) {
		return parse_error(why, why_len,
				   "tcp:%s: an IPv6 address goes in brackets: tcp:[ADDR]:PORT",
				   s);
	}
	if ((size_t)(host_end - host) >= sizeof(a->host))
		return parse_error(why, why_len, "tcp:%s: host name too long",
				   s);
	memcpy(a->host, host, (size_t)(host_end - host));
	a->host[host_end - host] = 0;
	if (parse_uint(colon + 1, 65535, &port) || !port ||
	    !isdigit((unsigned char)colon[1]))
		return parse_error(why, why_len,
				   "tcp:%s: the port must be a number from 1 to 65535",
				   s);
	snprintf(a->port, sizeof(a->port), "%u", port);
	return tcp_sockaddr(a, (uint16_t)port, why, why_len);
}

int mig_addr_parse(const char *s, struct mig_addr *a, char *why,
		   size_t why_len)
{
	memset(a, 0, sizeof(*a));
	if (!strncmp(s, "unix:", 5))
		return parse_unix(s + 5, a, why, why_len);
	if (!strncmp(s, "tcp:", 4))
		return parse_tcp(s + 4, a, why, why_len);
	return parse_error(why, why_len,
			   "'%s': expected unix:PATH or tcp:HOST:PORT", s);
}

int mig_token_read(const char *path, struct mig_token *t, char *why,
		   size_t why_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	uint8_t buf[MIG_TOKEN_MAX + 2];
	struct stat st;
	ssize_t n;
	int err;

	memset(t, 0, sizeof(*t));
	if (fd < 0) {
		err = errno;
		snprintf(why, why_len, "%s: %s", path, strerror(err));
		return -err;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return parse_error(why, why_len, "%s: not a regular file", path);
	}
	if (st.st_mode & 077) {
		close(fd);
		return parse_error(why, why_len,
				   "%s: others may read or change it (mode %03o); make it private: chmod 600 %s",
				   path, (unsigned int)(st.st_mode & 0777), path);
	}
	n = read(fd, buf, sizeof(buf));
	err = errno;
	close(fd);
	if (n < 0) {
		snprintf(why, why_len, "%s: %s", path, strerror(err));
		return -err;
	}
	while (n > 0 && isspace(buf[n - 1]))
		n--;
	if (n < (ssize_t)MIG_TOKEN_MIN || n > (ssize_t)MIG_TOKEN_MAX)
		return parse_error(why, why_len,
				   "%s: a token is %u to %u bytes (e.g. head -c 32 /dev/urandom | base64 >%s)",
				   path, MIG_TOKEN_MIN, MIG_TOKEN_MAX, path);
	memcpy(t->bytes, buf, (size_t)n);
	t->len = (size_t)n;
	return 0;
}

bool mig_token_equal(const struct mig_token *want, const uint8_t *got,
		     size_t got_len)
{
	uint8_t padded[MIG_TOKEN_MAX] = { 0 };
	volatile uint8_t diff = 0;

	/*
	 * Every byte of the largest token is compared, whatever the
	 * lengths and contents: the time says nothing about either.
	 */
	memcpy(padded, got, MIN(got_len, (size_t)MIG_TOKEN_MAX));
	for (size_t i = 0; i < MIG_TOKEN_MAX; i++)
		diff |= (uint8_t)(want->bytes[i] ^ padded[i]);
	diff |= (uint8_t)(want->len != got_len);
	diff |= (uint8_t)(!want->len || !got_len);
	return !diff;
}

void mig_boot_id(uint8_t id[MIG_BOOT_ID_LEN])
{
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	char text[64];
	ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof(text) - 1);
	unsigned int got = 0;

	memset(id, 0, MIG_BOOT_ID_LEN);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return;
	text[n] = 0;
	/* A UUID: 32 hex digits with dashes. */
	for (ssize_t i = 0; i < n && got < 2 * MIG_BOOT_ID_LEN; i++) {
		int c = text[i], v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else
			continue;
		id[got / 2] |= (uint8_t)(v << (got % 2 ? 0 : 4));
		got++;
	}
	if (got != 2 * MIG_BOOT_ID_LEN)
		memset(id, 0, MIG_BOOT_ID_LEN);
}

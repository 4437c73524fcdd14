/*
 * TCP throughput tool for the network benchmark (static, arm64 Linux),
 * run by test guests and by the nested host alike:
 *
 *   netbench send HOST PORT MIB  connects and sends MIB MiB: MB/s
 *   netbench recv PORT [ADDR [FILE]]
 *                                accepts one connection and reads it to
 *                                its end (into FILE): MB/s, from first
 *                                byte to EOF
 *
 * Results are printed as "@@L2 KEY=VALUE" (send) and "@@NETBENCH
 * bytes=N mbps=X" (recv) for the scripts.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (256 * 1024)

static char buf[CHUNK];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "netbench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int do_send(const char *host, int port, long mib)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port) };
	long long left = (long long)mib << 20;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	double t0;

	if (fd < 0)
		die("socket");
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "netbench: %s: not an IPv4 address\n", host);
		return 1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("connect");
	memset(buf, 0x5a, sizeof(buf));
	t0 = now();
	while (left > 0) {
		ssize_t n = write(fd, buf, left < CHUNK ? (size_t)left : CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("write");
		left -= n;
	}
	/* The receiver times to EOF; so does this side, after the close. */
	shutdown(fd, SHUT_WR);
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	printf("@@L2 send_mbps=%.1f\n", (double)((long long)mib << 20) / 1e6 /
						(now() - t0));
	close(fd);
	return 0;
}

static int do_recv(int port, const char *addr, const char *path)
{
	FILE *out = path ? fopen(path, "w") : NULL;
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port) };
	int one = 1, lfd = socket(AF_INET, SOCK_STREAM, 0), fd;
	long long bytes = 0;
	double t0 = 0;

	if (lfd < 0)
		die("socket");
	if (path && !out)
		die(path);
	if (addr && inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "netbench: %s: not an IPv4 address\n", addr);
		return 1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 1))
		die("bind");
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		die("accept");
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read");
		if (!n)
			break;
		if (!bytes)
			t0 = now();
		bytes += n;
		if (out && fwrite(buf, 1, (size_t)n, out) != (size_t)n)
			die(path);
	}
	printf("@@NETBENCH bytes=%lld mbps=%.1f\n", bytes,
	       bytes ? (double)bytes / 1e6 / (now() - t0) : 0.0);
	/* The file is complete before the sender sees the connection end. */
	if (out && fclose(out))
		die(path);
	close(fd);
	close(lfd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "send"))
		return do_send(argv[2], atoi(argv[3]), atol(argv[4]));
	if (argc >= 3 && argc <= 5 && !strcmp(argv[1], "recv"))
		return do_recv(atoi(argv[2]), argc >= 4 ? argv[3] : NULL,
			       argc == 5 ? argv[4] : NULL);
	fprintf(stderr, "usage: netbench send HOST PORT MIB | netbench recv PORT [ADDR [FILE]]\n");
	return 2;
}

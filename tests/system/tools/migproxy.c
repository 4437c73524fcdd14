/*
 * migproxy: a man in the middle of one live migration, for the system
 * tests. It listens on a Unix socket for `lkvm migrate`, connects to
 * `lkvm restore --incoming`'s socket, relays both ways, and damages the
 * source's stream once it has carried real pages. It reads the frame
 * header by hand (Documentation/migration.md), independently of lkvm's
 * reader: u32 magic, u16 version, u16 type, u32 length, u32 CRC-32.
 *
 *   migproxy corrupt LISTEN DEST N  flips the last byte of the Nth PAGES
 *                                   frame's payload, relays on
 *   migproxy cut LISTEN DEST N      sends the Nth PAGES frame's header and
 *                                   half its payload, then closes both
 *
 * It prints "migproxy: listening" once LISTEN accepts, and one line
 * saying what it did; exits 0 once it did it, 1 if the stream ended
 * first, 2 for a bad command line or a socket that failed.
 */
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define HDR 16
#define PAGES 0x03
#define PAYLOAD_CAP (4u << 20)

static void unix_addr(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(a->sun_path)) {
		fprintf(stderr, "migproxy: %s: path too long\n", path);
		exit(2);
	}
	strcpy(a->sun_path, path);
}

static int sock(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd < 0) {
		perror("migproxy: socket");
		exit(2);
	}
	return fd;
}

/* 1: all @n bytes; 0: the peer closed (or failed) first. */
static int read_full(int fd, uint8_t *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);

		if (r <= 0)
			return 0;
		p += r;
		n -= (size_t)r;
	}
	return 1;
}

static int write_full(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t r = write(fd, p, n);

		if (r <= 0)
			return 0;
		p += r;
		n -= (size_t)r;
	}
	return 1;
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

int main(int argc, char **argv)
{
	static uint8_t buf[HDR + PAYLOAD_CAP];
	struct sockaddr_un la, da;
	struct pollfd pfd[2];
	int lfd, src, dst, cut;
	long want, seen = 0;

	if (argc != 5 ||
	    (strcmp(argv[1], "corrupt") && strcmp(argv[1], "cut")) ||
	    (want = strtol(argv[4], NULL, 10)) < 1) {
		fprintf(stderr, "usage: migproxy corrupt|cut LISTEN DEST N\n");
		return 2;
	}
	cut = !strcmp(argv[1], "cut");
	unix_addr(&la, argv[2]);
	unix_addr(&da, argv[3]);
	unlink(argv[2]);
	lfd = sock();
	if (bind(lfd, (struct sockaddr *)&la, sizeof(la)) || listen(lfd, 1)) {
		perror("migproxy: listen");
		return 2;
	}
	printf("migproxy: listening\n");
	fflush(stdout);
	src = accept(lfd, NULL, NULL);
	close(lfd);
	unlink(argv[2]);
	dst = sock();
	if (src < 0 || connect(dst, (struct sockaddr *)&da, sizeof(da))) {
		perror("migproxy: accept or connect");
		return 2;
	}
	pfd[0] = (struct pollfd){ .fd = src, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = dst, .events = POLLIN };
	for (;;) {
		uint32_t len;

		if (poll(pfd, 2, -1) < 0)
			continue;
		if (pfd[1].revents) {
			ssize_t r = read(dst, buf, sizeof(buf));

			if (r <= 0 || !write_full(src, buf, (size_t)r))
				break;
		}
		if (!pfd[0].revents)
			continue;
		/* Whole frames from the source, so that the Nth is known. */
		if (!read_full(src, buf, HDR))
			break;
		len = le32(buf + 8);
		if (len > PAYLOAD_CAP) {
			fprintf(stderr, "migproxy: a %u-byte frame\n", len);
			return 2;
		}
		if (!read_full(src, buf + HDR, len))
			break;
		if (buf[6] == PAGES && len && ++seen == want) {
			if (cut) {
				write_full(dst, buf, HDR + len / 2);
				printf("migproxy: cut PAGES frame %ld\n", seen);
				return 0;
			}
			buf[HDR + len - 1] ^= 0x5a;
			printf("migproxy: corrupted PAGES frame %ld\n", seen);
			fflush(stdout);
		}
		if (!write_full(dst, buf, HDR + len))
			break;
	}
	if (seen < want) {
		printf("migproxy: the stream ended after %ld PAGES frames\n",
		       seen);
		return 1;
	}
	return 0;
}

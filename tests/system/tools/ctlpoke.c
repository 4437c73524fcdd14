/*
 * ctlpoke: a misbehaving control-socket client for the system tests. It
 * writes the wire format by hand (Documentation/ipc.md), independently of
 * lkvm's encoder, and reports what the VM did.
 *
 *   ctlpoke garbage SOCKET      4 KiB of junk; prints the reply
 *   ctlpoke version SOCKET      a header of protocol version 99
 *   ctlpoke partial SOCKET      7 bytes of a header, then disconnects
 *   ctlpoke stall SOCKET SECS   connects, sends nothing, waits for a close
 *   ctlpoke noread SOCKET SECS  asks for a dump and does not read it
 *   ctlpoke info SOCKET         a valid request sent one byte at a time
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int connect_to(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd < 0 || strlen(path) >= sizeof(addr.sun_path)) {
		perror("socket");
		exit(2);
	}
	strcpy(addr.sun_path, path);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		perror("connect");
		exit(2);
	}
	return fd;
}

/* magic "LKVM", u16 version, u16 type, u32 length, i32 status. */
static void header(uint8_t *h, unsigned int version, unsigned int type,
		   uint32_t len)
{
	memcpy(h, "LKVM", 4);
	h[4] = (uint8_t)version;
	h[5] = (uint8_t)(version >> 8);
	h[6] = (uint8_t)type;
	h[7] = (uint8_t)(type >> 8);
	for (int i = 0; i < 4; i++)
		h[8 + i] = (uint8_t)(len >> (8 * i));
	memset(h + 12, 0, 4);
}

/* Waits up to @ms for readability; false on timeout. */
static int readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) > 0;
}

/* Prints the first frame the VM sent back, or how it closed. */
static void print_reply(int fd)
{
	uint8_t buf[512];
	size_t have = 0;
	unsigned int type;
	uint32_t len;
	int32_t status;
	ssize_t n;

	while (have < sizeof(buf) && readable(fd, 10000)) {
		n = read(fd, buf + have, sizeof(buf) - have);
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	if (have < 16) {
		printf("closed without a reply (%zu bytes)\n", have);
		return;
	}
	type = buf[6] | buf[7] << 8;
	len = buf[8] | buf[9] << 8 | buf[10] << 16 | (uint32_t)buf[11] << 24;
	status = (int32_t)(buf[12] | buf[13] << 8 | buf[14] << 16 |
			   (uint32_t)buf[15] << 24);
	printf("reply type=0x%02x status=%d", type, status);
	if (type == 0x85 && len <= have - 16)
		printf(" message=%.*s", (int)len, (const char *)buf + 16);
	printf("\n");
}

int main(int argc, char **argv)
{
	uint8_t h[16], junk[4096];
	int fd, secs = argc > 3 ? atoi(argv[3]) : 0;
	long long t0;

	if (argc < 3) {
		fprintf(stderr, "usage: ctlpoke MODE SOCKET [SECONDS]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	fd = connect_to(argv[2]);
	if (!strcmp(argv[1], "garbage")) {
		memset(junk, 'G', sizeof(junk));
		if (write(fd, junk, sizeof(junk)) < 0)
			printf("write: %s\n", strerror(errno));
		print_reply(fd);
	} else if (!strcmp(argv[1], "version")) {
		header(h, 99, 0x01, 0);
		if (write(fd, h, sizeof(h)) != sizeof(h))
			return 2;
		print_reply(fd);
	} else if (!strcmp(argv[1], "partial")) {
		header(h, 1, 0x01, 0);
		if (write(fd, h, 7) != 7)
			return 2;
		printf("sent 7 bytes and hung up\n");
	} else if (!strcmp(argv[1], "stall")) {
		t0 = now_ms();
		if (readable(fd, secs * 1000) && read(fd, junk, 1) <= 0)
			printf("closed by the VM after %lld ms\n", now_ms() - t0);
		else
			printf("still open after %lld ms\n", now_ms() - t0);
	} else if (!strcmp(argv[1], "noread")) {
		header(h, 1, 0x05, 0);
		if (write(fd, h, sizeof(h)) != sizeof(h))
			return 2;
		sleep((unsigned int)secs);
		printf("did not read for %d s\n", secs);
	} else if (!strcmp(argv[1], "info")) {
		header(h, 1, 0x01, 0);
		for (int i = 0; i < 16; i++) {
			if (write(fd, h + i, 1) != 1)
				return 2;
			usleep(100000);
		}
		print_reply(fd);
	} else {
		fprintf(stderr, "ctlpoke: unknown mode %s\n", argv[1]);
		return 2;
	}
	close(fd);
	return 0;
}

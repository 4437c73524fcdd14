/*
 * The 9P2000.L server (virtio/p9_server.c and its handlers) on a real
 * temporary share, as the virtio-9p device drives it.
 *
 * Input layout: u8 flags (bit 0: read-only share, bit 1: resolve one
 * name at a time instead of openat2), then messages, each
 *   u8 room   the answer buffer: 0 means msize, 1..15 that many bytes
 *             (too small even for Rlerror), else room * 97 bytes
 *   u16 len   bytes of request that follow (fewer if the input ends)
 *   len bytes the request as the guest wrote it, lengths and all.
 * Each request is copied into a buffer of exactly its size, at most
 * msize bytes as the device copies it, and the answer goes into a buffer
 * of exactly the room, so ASan sees any read or write past either.
 *
 * Every input starts from the same share: a file, a directory, a FIFO,
 * and symlinks to "..", to the directory outside the share and to a
 * file there. Properties checked after every message: an answer is no
 * longer than the room nor msize, carries its own length in its size
 * field, the request's tag, and the request's type + 1 or Rlerror.
 * After every input: the directory outside the share and the file in it
 * are exactly as they were, nothing appeared next to the share, and the
 * server, once finished, holds no file descriptor.
 */
#include "fuzz.h"

#include <lkvm/p9.h>

#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char secret_text[] = "outside the share\n";

static char top[64];
static char share[96];
static char outside[96];
static char secret[128];
static struct stat outside_st, secret_st;

static void die(const char *what)
{
	fprintf(stderr, "fuzz_p9: %s: %s\n", what, strerror(errno));
	abort();
}

/* Removes everything beneath directory @fd, whatever the guest did. */
static void empty_dir(int fd)
{
	DIR *d = fdopendir(dup(fd));
	struct dirent *e;

	if (!d)
		die("fdopendir");
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (!unlinkat(fd, e->d_name, 0))
			continue;
		/* A directory, perhaps one the guest made unreadable. */
		fchmodat(fd, e->d_name, 0700, 0);
		int sub = openat(fd, e->d_name,
				 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (sub < 0)
			die("openat");
		empty_dir(sub);
		close(sub);
		if (unlinkat(fd, e->d_name, AT_REMOVEDIR))
			die("rmdir");
	}
	closedir(d);
}

static void make_share(void)
{
	char p[160];
	int fd;

	chmod(share, 0755);
	fd = open(share, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		die("open share");
	empty_dir(fd);
	if (mkdirat(fd, "dir", 0755) ||
	    symlinkat("..", fd, "up") || symlinkat(outside, fd, "abs") ||
	    symlinkat(secret, fd, "to_secret") ||
	    symlinkat("../outside/secret", fd, "rel_secret") ||
	    mkfifoat(fd, "fifo", 0644))
		die("populate share");
	snprintf(p, sizeof(p), "%s/file", share);
	FILE *f = fopen(p, "w");

	if (!f || fputs("0123456789abcdef\n", f) < 0 || fclose(f))
		die("share/file");
	close(fd);
}

static bool same_stat(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_mode == b->st_mode &&
	       a->st_size == b->st_size && a->st_nlink == b->st_nlink &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_uid == b->st_uid && a->st_gid == b->st_gid;
}

/* Nothing outside the share changed, and nothing new sits beside it. */
static void check_outside(void)
{
	struct stat st;
	char buf[sizeof(secret_text) + 8];
	DIR *d;
	struct dirent *e;
	int fd;
	ssize_t n;

	if (lstat(outside, &st) || !same_stat(&st, &outside_st))
		abort();
	if (lstat(secret, &st) || !same_stat(&st, &secret_st))
		abort();
	fd = open(secret, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));
	if (fd >= 0)
		close(fd);
	if (n != (ssize_t)strlen(secret_text) || memcmp(buf, secret_text, n))
		abort();
	d = opendir(top);
	if (!d)
		die("opendir top");
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    strcmp(e->d_name, "share") && strcmp(e->d_name, "outside"))
			abort();
	closedir(d);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		die("opendir /proc/self/fd");
	while ((e = readdir(d)))
		n++;
	closedir(d);
	return n;
}

static void cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "chmod -R u+rwx '%s'; rm -rf '%s'", top, top);
	if (system(cmd))
		fprintf(stderr, "fuzz_p9: could not remove %s\n", top);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd;

	(void)argc;
	(void)argv;
	log_set_level(LOG_ERROR);
	snprintf(top, sizeof(top), "%s/lkvm-fuzz-p9-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (strlen(top) > 40 || !mkdtemp(top))
		die("mkdtemp");
	atexit(cleanup);
	snprintf(share, sizeof(share), "%s/share", top);
	snprintf(outside, sizeof(outside), "%s/outside", top);
	snprintf(secret, sizeof(secret), "%s/secret", outside);
	if (mkdir(share, 0755) || mkdir(outside, 0755))
		die("mkdir");
	fd = open(secret, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, secret_text, strlen(secret_text)) !=
			      (ssize_t)strlen(secret_text))
		die("secret");
	close(fd);
	if (lstat(outside, &outside_st) || lstat(secret, &secret_st))
		die("lstat");
	return 0;
}

static size_t room_of(uint8_t sel, const struct p9_server *s)
{
	if (!sel)
		return p9_msize(s);
	return sel < 16 ? sel : (size_t)sel * 97;
}

static void check_answer(const uint8_t *req, size_t req_len,
			 const uint8_t *resp, ssize_t n, size_t room,
			 uint32_t msize_before)
{
	size_t limit = msize_before ? msize_before : P9_MSIZE_MAX;
	uint32_t size;

	if (req_len < P9_HDR_SIZE || room < P9_RLERROR_SIZE) {
		if (n != -EPROTO)
			abort();
		return;
	}
	if (n < (ssize_t)P9_HDR_SIZE || (size_t)n > room ||
	    (size_t)n > limit)
		abort();
	memcpy(&size, resp, 4);
	if (le32toh(size) != (uint32_t)n || memcmp(resp + 5, req + 5, 2))
		abort();
	if (resp[4] != P9_RLERROR && resp[4] != (uint8_t)(req[4] + 1))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct p9_server srv;
	int fds, fd;

	if (size < 1)
		return 0;
	make_share();
	fds = count_fds();
	fd = open(share, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || p9_server_init(&srv, fd, data[0] & 1))
		abort();
	if (data[0] & 2)
		p9_server_force_walk(&srv);
	for (size_t off = 1; off + 3 <= size;) {
		size_t len = data[off + 1] | (size_t)data[off + 2] << 8;
		size_t room = room_of(data[off], &srv);
		uint32_t msize_before = srv.msize;
		uint8_t *req, *resp;
		ssize_t n;

		off += 3;
		len = MIN(len, size - off);
		len = MIN(len, (size_t)p9_msize(&srv));
		req = malloc(len ? len : 1);
		resp = malloc(room);
		if (!req || !resp)
			abort();
		memcpy(req, data + off, len);
		off += len;
		n = p9_handle(&srv, req, len, resp, room);
		check_answer(req, len, resp, n, room, msize_before);
		free(req);
		free(resp);
	}
	p9_server_fini(&srv);
	if (count_fds() != fds)
		abort();
	check_outside();
	return 0;
}

/*
 * The 9P2000.L server on a temporary directory: round trips, hostile
 * messages (truncated, oversized, lying lengths), and every way out of
 * the share. Each test runs with openat2 and, again, resolving one name
 * at a time (qemu-user has no openat2; the nested system tests run this
 * binary on a real kernel too).
 */
#include "harness.h"
#include "state_check.h"

#include <lkvm/p9.h>
#include <lkvm/state.h>
#include <lkvm/p9_wire.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#define RESP_MAX (64 * 1024)
#define TAG 0x1234

static char top[64];	/* holds share/ and outside/ */
static char share[128];
static bool force_walk;
static struct p9_server srv;

/* A T-message under construction. */
struct tmsg {
	uint8_t buf[16384];
	struct p9_out out;
};

/* The last R-message. */
static uint8_t resp[RESP_MAX];
static ssize_t resp_len;
static struct p9_in rin;

static void tbegin(struct tmsg *m, uint8_t type)
{
	m->out = (struct p9_out){ m->buf, sizeof(m->buf), 0, false };
	p9_put32(&m->out, 0);
	p9_put8(&m->out, type);
	p9_put16(&m->out, TAG);
}

static void tstr(struct tmsg *m, const char *s)
{
	p9_put_str(&m->out, s, strlen(s));
}

/* Sends @m; returns the R type (or 0 for no answer); rin reads the body. */
static uint8_t send_len(struct tmsg *m, size_t len, size_t resp_max)
{
	uint32_t size = (uint32_t)m->out.off;

	memcpy(m->buf, &size, 4);
	resp_len = p9_handle(&srv, m->buf, len, resp, resp_max);
	if (resp_len < 0)
		return 0;
	rin = (struct p9_in){ resp, (size_t)resp_len, 0, false };
	CHECK_EQ(p9_get32(&rin), resp_len);
	{
		uint8_t type = p9_get8(&rin);

		CHECK_EQ(p9_get16(&rin), TAG);
		return type;
	}
}

static uint8_t tsend(struct tmsg *m)
{
	return send_len(m, m->out.off, RESP_MAX);
}

/* The errno of an Rlerror, or 0 when the answer was not an error. */
static int error_of(uint8_t type)
{
	if (type != P9_RLERROR)
		return 0;
	return (int)p9_get32(&rin);
}

static void host_path_n(char *out, size_t size, const char *rel)
{
	CHECK((size_t)snprintf(out, size, "%s/%s", share, rel) < size);
}

#define host_path(out, rel) host_path_n(out, sizeof(out), rel)

static void write_host(const char *rel, const char *text)
{
	char p[PATH_MAX];
	FILE *f;

	host_path(p, rel);
	f = fopen(p, "w");
	CHECK(f);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void rm_tree(const char *path)
{
	char cmd[PATH_MAX + 32];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd))
		return;
}

static void start(bool ro)
{
	char outside[160];
	int fd;

	snprintf(top, sizeof(top), "/tmp/lkvm-p9-test-XXXXXX");
	CHECK(mkdtemp(top));
	snprintf(share, sizeof(share), "%s/share", top);
	snprintf(outside, sizeof(outside), "%s/outside", top);
	CHECK_EQ(mkdir(share, 0755), 0);
	CHECK_EQ(mkdir(outside, 0755), 0);
	fd = open(share, O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK_EQ(p9_server_init(&srv, fd, ro), 0);
	if (force_walk)
		p9_server_force_walk(&srv);
}

static void stop(void)
{
	p9_server_fini(&srv);
	rm_tree(top);
}

static void version(void)
{
	struct tmsg m;

	tbegin(&m, P9_TVERSION);
	p9_put32(&m.out, 65536);
	tstr(&m, "9P2000.L");
	CHECK_EQ(tsend(&m), P9_RVERSION);
}

static void attach(uint32_t fid)
{
	struct tmsg m;

	tbegin(&m, P9_TATTACH);
	p9_put32(&m.out, fid);
	p9_put32(&m.out, P9_NOFID);
	tstr(&m, "root");
	tstr(&m, "");
	p9_put32(&m.out, 0);
	CHECK_EQ(tsend(&m), P9_RATTACH);
}

/* Walks fid to newfid through the '/'-separated @path; returns errno. */
static int walk(uint32_t fid, uint32_t newfid, const char *path,
		unsigned int *nwqid)
{
	char copy[PATH_MAX], *save = NULL, *tok;
	char *names[P9_MAXWELEM + 2];
	unsigned int n = 0;
	struct tmsg m;
	uint8_t type;

	snprintf(copy, sizeof(copy), "%s", path);
	for (tok = strtok_r(copy, "/", &save); tok && n < ARRAY_SIZE(names);
	     tok = strtok_r(NULL, "/", &save))
		names[n++] = tok;
	tbegin(&m, P9_TWALK);
	p9_put32(&m.out, fid);
	p9_put32(&m.out, newfid);
	p9_put16(&m.out, (uint16_t)n);
	for (unsigned int i = 0; i < n; i++)
		tstr(&m, names[i]);
	type = tsend(&m);
	if (type != P9_RWALK)
		return error_of(type);
	if (nwqid)
		*nwqid = p9_get16(&rin);
	else if (p9_get16(&rin) != n)
		return ENOENT;	/* a partial walk, as Linux reads it */
	return 0;
}

/* Walks one raw name (may contain anything); returns errno. */
static int walk_raw(uint32_t fid, uint32_t newfid, const char *name,
		    size_t len)
{
	struct tmsg m;
	uint8_t type;

	tbegin(&m, P9_TWALK);
	p9_put32(&m.out, fid);
	p9_put32(&m.out, newfid);
	p9_put16(&m.out, 1);
	p9_put_str(&m.out, name, len);
	type = tsend(&m);
	return type == P9_RWALK ? 0 : error_of(type);
}

static int clunk(uint32_t fid)
{
	struct tmsg m;

	tbegin(&m, P9_TCLUNK);
	p9_put32(&m.out, fid);
	return error_of(tsend(&m));
}

static int lopen(uint32_t fid, uint32_t flags)
{
	struct tmsg m;

	tbegin(&m, P9_TLOPEN);
	p9_put32(&m.out, fid);
	p9_put32(&m.out, flags);
	return error_of(tsend(&m));
}

static int lcreate(uint32_t dfid, const char *name, uint32_t flags,
		   uint32_t mode)
{
	struct tmsg m;

	tbegin(&m, P9_TLCREATE);
	p9_put32(&m.out, dfid);
	tstr(&m, name);
	p9_put32(&m.out, flags);
	p9_put32(&m.out, mode);
	p9_put32(&m.out, 0);
	return error_of(tsend(&m));
}

static int twrite(uint32_t fid, uint64_t off, const char *data, uint32_t *done)
{
	struct tmsg m;
	uint8_t type;
	size_t len = strlen(data);

	tbegin(&m, P9_TWRITE);
	p9_put32(&m.out, fid);
	p9_put64(&m.out, off);
	p9_put32(&m.out, (uint32_t)len);
	memcpy(p9_room(&m.out, len), data, len);
	type = tsend(&m);
	if (type != P9_RWRITE)
		return error_of(type);
	*done = p9_get32(&rin);
	return 0;
}

/* Reads up to @count bytes into @buf (NUL-terminated); returns errno. */
static int tread(uint32_t fid, uint64_t off, uint32_t count, char *buf)
{
	struct tmsg m;
	uint8_t type;
	uint32_t n;

	tbegin(&m, P9_TREAD);
	p9_put32(&m.out, fid);
	p9_put64(&m.out, off);
	p9_put32(&m.out, count);
	type = tsend(&m);
	if (type != P9_RREAD)
		return error_of(type);
	n = p9_get32(&rin);
	CHECK(n <= count);
	memcpy(buf, p9_take(&rin, n), n);
	buf[n] = '\0';
	return 0;
}

static int mkdir9(uint32_t dfid, const char *name, uint32_t mode)
{
	struct tmsg m;

	tbegin(&m, P9_TMKDIR);
	p9_put32(&m.out, dfid);
	tstr(&m, name);
	p9_put32(&m.out, mode);
	p9_put32(&m.out, 0);
	return error_of(tsend(&m));
}

static int symlink9(uint32_t dfid, const char *name, const char *target)
{
	struct tmsg m;

	tbegin(&m, P9_TSYMLINK);
	p9_put32(&m.out, dfid);
	tstr(&m, name);
	tstr(&m, target);
	p9_put32(&m.out, 0);
	return error_of(tsend(&m));
}

static int renameat9(uint32_t ofid, const char *on, uint32_t nfid,
		     const char *nn)
{
	struct tmsg m;

	tbegin(&m, P9_TRENAMEAT);
	p9_put32(&m.out, ofid);
	tstr(&m, on);
	p9_put32(&m.out, nfid);
	tstr(&m, nn);
	return error_of(tsend(&m));
}

static int unlinkat9(uint32_t dfid, const char *name, uint32_t flags)
{
	struct tmsg m;

	tbegin(&m, P9_TUNLINKAT);
	p9_put32(&m.out, dfid);
	tstr(&m, name);
	p9_put32(&m.out, flags);
	return error_of(tsend(&m));
}

/* getattr: returns errno; fills mode, size and the qid path. */
static int getattr(uint32_t fid, uint32_t *mode, uint64_t *size,
		   uint64_t *qpath)
{
	struct tmsg m;
	uint8_t type;

	tbegin(&m, P9_TGETATTR);
	p9_put32(&m.out, fid);
	p9_put64(&m.out, P9_STATS_BASIC);
	type = tsend(&m);
	if (type != P9_RGETATTR)
		return error_of(type);
	CHECK_EQ(p9_get64(&rin), P9_STATS_BASIC);
	p9_get8(&rin);
	p9_get32(&rin);
	*qpath = p9_get64(&rin);
	*mode = p9_get32(&rin);
	p9_get32(&rin);
	p9_get32(&rin);
	p9_get64(&rin);
	p9_get64(&rin);
	*size = p9_get64(&rin);
	CHECK(!rin.bad);
	return 0;
}

static void session(void)
{
	version();
	attach(1);
}

static bool host_exists(const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	host_path(p, rel);
	return !lstat(p, &st);
}

static void read_host(const char *rel, char *buf, size_t len)
{
	char p[PATH_MAX];
	int fd;
	ssize_t n;

	host_path(p, rel);
	fd = open(p, O_RDONLY);
	n = fd >= 0 ? read(fd, buf, len - 1) : -1;
	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

/* ---- the tests ---- */

static void test_version(void)
{
	struct tmsg m;

	start(false);
	/* Nothing before Tversion. */
	tbegin(&m, P9_TATTACH);
	p9_put32(&m.out, 1);
	p9_put32(&m.out, P9_NOFID);
	tstr(&m, "");
	tstr(&m, "");
	p9_put32(&m.out, 0);
	CHECK_EQ(error_of(tsend(&m)), EPROTO);

	tbegin(&m, P9_TVERSION);
	p9_put32(&m.out, 100U << 20);
	tstr(&m, "9P2000.L");
	CHECK_EQ(tsend(&m), P9_RVERSION);
	CHECK_EQ(p9_get32(&rin), P9_MSIZE_MAX);	/* capped */

	tbegin(&m, P9_TVERSION);
	p9_put32(&m.out, 8192);
	tstr(&m, "9P2000.u");
	CHECK_EQ(tsend(&m), P9_RVERSION);
	CHECK_EQ(p9_get32(&rin), 8192);
	CHECK_EQ(p9_get16(&rin), 7);	/* "unknown" */

	tbegin(&m, P9_TVERSION);
	p9_put32(&m.out, 512);
	tstr(&m, "9P2000.L");
	CHECK_EQ(error_of(tsend(&m)), EINVAL);
	stop();
}

static void test_read_write_create(void)
{
	char buf[256];
	uint32_t done, mode;
	uint64_t size, qp;
	struct stat st;
	char p[PATH_MAX];

	start(false);
	session();
	write_host("hello.txt", "hello from the host\n");
	CHECK_EQ(walk(1, 2, "hello.txt", NULL), 0);
	CHECK_EQ(lopen(2, 0), 0);
	CHECK_EQ(tread(2, 0, 100, buf), 0);
	CHECK_STR(buf, "hello from the host\n");
	CHECK_EQ(tread(2, 6, 4, buf), 0);
	CHECK_STR(buf, "from");
	CHECK_EQ(getattr(2, &mode, &size, &qp), 0);
	CHECK(S_ISREG(mode));
	CHECK_EQ(size, 20);
	CHECK_EQ(clunk(2), 0);
	CHECK_EQ(clunk(2), EBADF);

	/* Tlcreate: fid 3 becomes the new, open file. */
	CHECK_EQ(walk(1, 3, "", NULL), 0);
	CHECK_EQ(lcreate(3, "new.txt", 02 /* RDWR */, 0640), 0);
	CHECK_EQ(twrite(3, 0, "written by the guest", &done), 0);
	CHECK_EQ(done, 20);
	CHECK_EQ(twrite(3, 8, "GUEST", &done), 0);
	read_host("new.txt", buf, sizeof(buf));
	CHECK_STR(buf, "written GUESTe guest");
	host_path(p, "new.txt");
	CHECK_EQ(stat(p, &st), 0);
	CHECK_EQ(st.st_mode & 07777, 0640);
	CHECK_EQ(clunk(3), 0);

	/* An existing name: EXCL refuses, without EXCL it opens. */
	CHECK_EQ(walk(1, 4, "", NULL), 0);
	CHECK_EQ(lcreate(4, "new.txt", 01 | P9_DOTL_EXCL, 0600), EEXIST);
	CHECK_EQ(lcreate(4, "new.txt", 00, 0600), 0);
	CHECK_EQ(tread(4, 0, 7, buf), 0);
	CHECK_STR(buf, "written");
	CHECK_EQ(clunk(4), 0);
	CHECK_EQ(clunk(1), 0);
	stop();
}

static void test_mkdir_symlink_rename_unlink(void)
{
	char buf[PATH_MAX];
	uint32_t mode;
	uint64_t size, qp;
	struct tmsg m;

	start(false);
	session();
	CHECK_EQ(mkdir9(1, "dir", 0750), 0);
	CHECK(host_exists("dir"));
	CHECK_EQ(walk(1, 2, "dir", NULL), 0);
	CHECK_EQ(lcreate(2, "f", 01, 0644), 0);
	CHECK_EQ(clunk(2), 0);
	CHECK(host_exists("dir/f"));

	/* Symlinks are created as given and read back, never followed. */
	CHECK_EQ(symlink9(1, "link", "/etc/passwd"), 0);
	host_path(buf, "link");
	{
		char t[PATH_MAX];
		ssize_t n = readlink(buf, t, sizeof(t) - 1);

		CHECK_EQ(n, 11);
		t[n > 0 ? n : 0] = '\0';
		CHECK_STR(t, "/etc/passwd");
	}
	CHECK_EQ(walk(1, 3, "link", NULL), 0);
	tbegin(&m, P9_TREADLINK);
	p9_put32(&m.out, 3);
	CHECK_EQ(tsend(&m), P9_RREADLINK);
	{
		struct p9_str s = p9_get_str(&rin);

		CHECK(s.len == 11 && !memcmp(s.s, "/etc/passwd", 11));
	}
	CHECK_EQ(clunk(3), 0);

	/* A fid below a renamed directory follows it. */
	CHECK_EQ(walk(1, 4, "dir/f", NULL), 0);
	CHECK_EQ(renameat9(1, "dir", 1, "moved"), 0);
	CHECK(!host_exists("dir") && host_exists("moved/f"));
	CHECK_EQ(getattr(4, &mode, &size, &qp), 0);
	CHECK(S_ISREG(mode));
	CHECK_EQ(lopen(4, 0), 0);
	CHECK_EQ(clunk(4), 0);

	/* Trename moves the fid's own file. */
	CHECK_EQ(walk(1, 5, "moved/f", NULL), 0);
	tbegin(&m, P9_TRENAME);
	p9_put32(&m.out, 5);
	p9_put32(&m.out, 1);
	tstr(&m, "g");
	CHECK_EQ(tsend(&m), P9_RRENAME);
	CHECK(host_exists("g") && !host_exists("moved/f"));
	CHECK_EQ(getattr(5, &mode, &size, &qp), 0);

	/* Hard link, then unlink both names and the directory. */
	tbegin(&m, P9_TLINK);
	p9_put32(&m.out, 1);
	p9_put32(&m.out, 5);
	tstr(&m, "g2");
	CHECK_EQ(tsend(&m), P9_RLINK);
	CHECK(host_exists("g2"));
	CHECK_EQ(unlinkat9(1, "g", 0), 0);
	CHECK_EQ(unlinkat9(1, "g2", 0), 0);
	CHECK_EQ(unlinkat9(1, "moved", 0), EISDIR);
	CHECK_EQ(unlinkat9(1, "moved", P9_DOTL_AT_REMOVEDIR), 0);
	CHECK_EQ(unlinkat9(1, "link", 0), 0);
	CHECK(!host_exists("g") && !host_exists("moved") && !host_exists("link"));
	CHECK_EQ(unlinkat9(1, "nothing", 0), ENOENT);
	stop();
}

static void test_setattr_statfs_remove(void)
{
	char p[PATH_MAX];
	struct stat st;
	struct tmsg m;

	start(false);
	session();
	write_host("f", "0123456789");
	CHECK_EQ(walk(1, 2, "f", NULL), 0);
	tbegin(&m, P9_TSETATTR);
	p9_put32(&m.out, 2);
	p9_put32(&m.out, P9_ATTR_MODE | P9_ATTR_SIZE | P9_ATTR_MTIME |
				 P9_ATTR_MTIME_SET);
	p9_put32(&m.out, 0604);
	p9_put32(&m.out, 0);
	p9_put32(&m.out, 0);
	p9_put64(&m.out, 4);
	p9_put64(&m.out, 0);
	p9_put64(&m.out, 0);
	p9_put64(&m.out, 1000000000);
	p9_put64(&m.out, 5);
	CHECK_EQ(tsend(&m), P9_RSETATTR);
	host_path(p, "f");
	CHECK_EQ(stat(p, &st), 0);
	CHECK_EQ(st.st_mode & 07777, 0604);
	CHECK_EQ(st.st_size, 4);
	CHECK_EQ(st.st_mtim.tv_sec, 1000000000);

	tbegin(&m, P9_TSTATFS);
	p9_put32(&m.out, 1);
	CHECK_EQ(tsend(&m), P9_RSTATFS);

	tbegin(&m, P9_TREMOVE);
	p9_put32(&m.out, 2);
	CHECK_EQ(tsend(&m), P9_RREMOVE);
	CHECK(!host_exists("f"));
	CHECK_EQ(clunk(2), EBADF);	/* Tremove clunked it */

	/* mknod: regular files only. */
	tbegin(&m, P9_TMKNOD);
	p9_put32(&m.out, 1);
	tstr(&m, "fifo");
	p9_put32(&m.out, S_IFIFO | 0644);
	p9_put32(&m.out, 0);
	p9_put32(&m.out, 0);
	p9_put32(&m.out, 0);
	CHECK_EQ(error_of(tsend(&m)), EPERM);
	CHECK(!host_exists("fifo"));
	stop();
}

static void test_readdir(void)
{
	static const char *names[] = { "a", "bb", "ccc", "dddd", "e" };
	unsigned int seen[ARRAY_SIZE(names)] = { 0 };
	uint64_t offset = 0;
	unsigned int rounds = 0;
	struct tmsg m;

	start(false);
	session();
	for (unsigned int i = 0; i < ARRAY_SIZE(names); i++)
		write_host(names[i], "x");
	CHECK_EQ(walk(1, 2, "", NULL), 0);
	CHECK_EQ(lopen(2, P9_DOTL_DIRECTORY), 0);
	/* A count of 64 holds two entries: several rounds, none lost. */
	for (;;) {
		uint32_t count;
		size_t end;

		tbegin(&m, P9_TREADDIR);
		p9_put32(&m.out, 2);
		p9_put64(&m.out, offset);
		p9_put32(&m.out, 64);
		CHECK_EQ(tsend(&m), P9_RREADDIR);
		count = p9_get32(&rin);
		if (!count || ++rounds > 20)
			break;
		end = rin.off + count;
		while (rin.off < end && !rin.bad) {
			struct p9_str s;

			p9_get8(&rin);
			p9_get32(&rin);
			p9_get64(&rin);
			offset = p9_get64(&rin);
			p9_get8(&rin);
			s = p9_get_str(&rin);
			for (unsigned int i = 0; i < ARRAY_SIZE(names); i++)
				if (strlen(names[i]) == s.len &&
				    !memcmp(names[i], s.s, s.len))
					seen[i]++;
		}
		CHECK(!rin.bad);
	}
	CHECK(rounds > 1 && rounds <= 20);
	for (unsigned int i = 0; i < ARRAY_SIZE(names); i++)
		CHECK_EQ(seen[i], 1);
	/* Not an open directory: refused. */
	tbegin(&m, P9_TREADDIR);
	p9_put32(&m.out, 1);
	p9_put64(&m.out, 0);
	p9_put32(&m.out, 4096);
	CHECK_EQ(error_of(tsend(&m)), EBADF);
	stop();
}

/* What refusing to go through a symlinked directory answers. */
static bool not_through_link(int err)
{
	return err == ELOOP || err == ENOTDIR;
}

/* Every way out of the share fails, and the host outside is untouched. */
static void test_escapes(void)
{
	char outside_file[PATH_MAX], p[PATH_MAX], buf[64];
	uint32_t mode, done;
	uint64_t size, qp, root_qp;
	unsigned int nwqid = 99;

	start(false);
	session();
	snprintf(outside_file, sizeof(outside_file), "%s/outside/secret", top);
	{
		FILE *f = fopen(outside_file, "w");

		CHECK(f);
		if (f) {
			fputs("secret", f);
			fclose(f);
		}
	}
	CHECK_EQ(getattr(1, &mode, &size, &root_qp), 0);
	/* ".." at the root is the root. */
	CHECK_EQ(walk(1, 2, "../../..", &nwqid), 0);
	CHECK_EQ(nwqid, 3);
	CHECK_EQ(getattr(2, &mode, &size, &qp), 0);
	CHECK_EQ(qp, root_qp);
	CHECK_EQ(walk(2, 3, "outside/secret", NULL), ENOENT);
	/* Names with '/' or NUL, ".." inside a name. */
	CHECK_EQ(walk_raw(1, 3, "../outside", 10), EINVAL);
	CHECK_EQ(walk_raw(1, 3, "a\0b", 3), EINVAL);
	CHECK_EQ(walk_raw(1, 3, "", 0), EINVAL);
	CHECK_EQ(lcreate(1, "../escape", 01, 0644), EINVAL);
	CHECK_EQ(mkdir9(1, "..", 0755), EINVAL);

	/* Symlinks to "/", to a file outside, and a relative one going up. */
	host_path(p, "to_root");
	CHECK_EQ(symlink("/", p), 0);
	host_path(p, "to_secret");
	CHECK_EQ(symlink(outside_file, p), 0);
	host_path(p, "up");
	CHECK_EQ(symlink("../outside", p), 0);
	CHECK_EQ(walk(1, 4, "to_root/etc", NULL), ENOENT);	/* partial */
	CHECK_EQ(walk(1, 4, "up/secret", &nwqid), 0);
	CHECK_EQ(nwqid, 1);
	CHECK_EQ(walk(1, 4, "to_root", NULL), 0);
	CHECK_EQ(walk(4, 7, "etc", NULL), ELOOP);
	CHECK_EQ(walk(4, 7, "..", NULL), 0);	/* lexical: the share root */
	CHECK_EQ(getattr(7, &mode, &size, &qp), 0);
	CHECK_EQ(qp, root_qp);
	CHECK_EQ(clunk(7), 0);
	CHECK_EQ(clunk(4), 0);
	CHECK_EQ(walk(1, 4, "to_secret", NULL), 0);	/* the link itself */
	CHECK_EQ(lopen(4, 0), ELOOP);
	CHECK_EQ(lopen(4, 02 | P9_DOTL_TRUNC), ELOOP);
	CHECK_EQ(walk(1, 5, "up", NULL), 0);
	CHECK(not_through_link(lcreate(5, "planted", 01, 0644)));
	CHECK(not_through_link(mkdir9(5, "planted", 0755)));
	CHECK_EQ(walk(1, 6, "to_root", NULL), 0);
	CHECK_EQ(getattr(6, &mode, &size, &qp), 0);
	CHECK(S_ISLNK(mode));
	/* Renames into a symlinked directory fail too. */
	write_host("x", "x");
	CHECK(not_through_link(renameat9(1, "x", 5, "x")));
	CHECK_EQ(twrite(4, 0, "overwritten", &done), EBADF);
	snprintf(p, sizeof(p), "%s/outside/planted", top);
	CHECK(access(p, F_OK) && errno == ENOENT);
	read_host("../outside/secret", buf, sizeof(buf));
	CHECK_STR(buf, "secret");
	stop();
}

static void sigalrm(int sig)
{
	(void)sig;
	static const char msg[] = "not ok: an open blocked (a FIFO?)\n";

	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

/* FIFOs, sockets and device nodes are looked at, never opened. */
static void test_special_files(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char p[PATH_MAX];
	uint32_t mode;
	uint64_t size, qp;
	int sock;

	start(false);
	session();
	signal(SIGALRM, sigalrm);
	alarm(20);	/* opening a FIFO for reading would block forever */
	host_path(p, "fifo");
	CHECK_EQ(mkfifo(p, 0666), 0);
	CHECK_EQ(walk(1, 2, "fifo", NULL), 0);
	CHECK_EQ(getattr(2, &mode, &size, &qp), 0);
	CHECK(S_ISFIFO(mode));
	CHECK_EQ(lopen(2, 0), EACCES);
	CHECK_EQ(lopen(2, 01), EACCES);
	CHECK_EQ(lcreate(1, "fifo", 00, 0644), EACCES);

	sock = socket(AF_UNIX, SOCK_STREAM, 0);
	host_path(sa.sun_path, "sock");
	CHECK_EQ(bind(sock, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_EQ(walk(1, 3, "sock", NULL), 0);
	CHECK_EQ(lopen(3, 02), EACCES);
	close(sock);

	/* Device nodes need privileges; the system tests always have them. */
	host_path(p, "null");
	if (!mknod(p, S_IFCHR | 0666, makedev(1, 3))) {
		CHECK_EQ(walk(1, 4, "null", NULL), 0);
		CHECK_EQ(lopen(4, 02), EACCES);
		CHECK_EQ(lopen(4, 0), EACCES);
	}
	alarm(0);
	stop();
}

static void test_read_only(void)
{
	char buf[64];
	uint32_t done;
	struct tmsg m;

	start(true);
	session();
	write_host("f", "data");
	CHECK_EQ(walk(1, 2, "f", NULL), 0);
	CHECK_EQ(lopen(2, 01), EROFS);
	CHECK_EQ(lopen(2, 02), EROFS);
	CHECK_EQ(lopen(2, P9_DOTL_TRUNC), EROFS);
	CHECK_EQ(lopen(2, 0), 0);
	CHECK_EQ(tread(2, 0, 10, buf), 0);
	CHECK_STR(buf, "data");
	CHECK_EQ(twrite(2, 0, "x", &done), EBADF);
	CHECK_EQ(walk(1, 3, "", NULL), 0);
	CHECK_EQ(lcreate(3, "new", 01, 0644), EROFS);
	CHECK_EQ(mkdir9(1, "d", 0755), EROFS);
	CHECK_EQ(symlink9(1, "l", "f"), EROFS);
	CHECK_EQ(unlinkat9(1, "f", 0), EROFS);
	CHECK_EQ(renameat9(1, "f", 1, "g"), EROFS);
	tbegin(&m, P9_TSETATTR);
	p9_put32(&m.out, 2);
	p9_put32(&m.out, P9_ATTR_SIZE);
	for (unsigned int i = 0; i < 3; i++)
		p9_put32(&m.out, 0);
	for (unsigned int i = 0; i < 5; i++)
		p9_put64(&m.out, 0);
	CHECK_EQ(error_of(tsend(&m)), EROFS);
	tbegin(&m, P9_TREMOVE);
	p9_put32(&m.out, 3);
	CHECK_EQ(error_of(tsend(&m)), EROFS);
	read_host("f", buf, sizeof(buf));
	CHECK_STR(buf, "data");
	CHECK(!host_exists("new") && !host_exists("d") && !host_exists("l"));
	stop();
}

static uint32_t host_mode(const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	host_path(p, rel);
	return stat(p, &st) ? 0xffffffffU : st.st_mode & 07777;
}

static void setattr_mode_size(uint32_t fid, uint32_t valid, uint32_t mode,
			      uint64_t size)
{
	struct tmsg m;

	tbegin(&m, P9_TSETATTR);
	p9_put32(&m.out, fid);
	p9_put32(&m.out, valid);
	p9_put32(&m.out, mode);
	p9_put32(&m.out, 0);
	p9_put32(&m.out, 0);
	p9_put64(&m.out, size);
	for (unsigned int i = 0; i < 4; i++)
		p9_put64(&m.out, 0);
	CHECK_EQ(tsend(&m), P9_RSETATTR);
}

/* The guest never makes a set-user-ID or set-group-ID file. */
static void test_guest_modes(void)
{
	struct tmsg m;

	start(false);
	session();
	CHECK_EQ(walk(1, 2, "", NULL), 0);
	CHECK_EQ(lcreate(2, "c", 01, 06755), 0);
	CHECK_EQ(host_mode("c"), 0755);
	CHECK_EQ(mkdir9(1, "d", 02755), 0);
	CHECK_EQ(host_mode("d"), 0755);
	tbegin(&m, P9_TMKNOD);
	p9_put32(&m.out, 1);
	tstr(&m, "n");
	p9_put32(&m.out, S_IFREG | 04644);
	p9_put32(&m.out, 0);
	p9_put32(&m.out, 0);
	p9_put32(&m.out, 0);
	CHECK_EQ(tsend(&m), P9_RMKNOD);
	CHECK_EQ(host_mode("n"), 0644);
	/* Through a path (no open file) and through an open file. */
	CHECK_EQ(walk(1, 3, "n", NULL), 0);
	setattr_mode_size(3, P9_ATTR_MODE, 06711, 0);
	CHECK_EQ(host_mode("n"), 0711);
	setattr_mode_size(2, P9_ATTR_MODE, 04700, 0);
	CHECK_EQ(host_mode("c"), 0700);
	stop();
}

/* A guest that changes a set-user-ID file's contents clears the bit. */
static void test_kill_privs(void)
{
	char p[PATH_MAX];
	uint32_t done;

	start(false);
	session();
	write_host("u", "x");
	write_host("g", "x");
	write_host("k", "x");
	write_host("t", "x");
	host_path(p, "u");
	CHECK_EQ(chmod(p, 04755), 0);
	host_path(p, "g");
	CHECK_EQ(chmod(p, 02755), 0);
	host_path(p, "k");
	CHECK_EQ(chmod(p, 02745), 0);	/* no group execute: kept */
	host_path(p, "t");
	CHECK_EQ(chmod(p, 04755), 0);
	CHECK_EQ(walk(1, 2, "u", NULL), 0);
	CHECK_EQ(lopen(2, 01), 0);
	CHECK_EQ(twrite(2, 0, "y", &done), 0);
	CHECK_EQ(host_mode("u"), 0755);
	CHECK_EQ(walk(1, 3, "g", NULL), 0);
	CHECK_EQ(lopen(3, 01), 0);
	CHECK_EQ(twrite(3, 0, "y", &done), 0);
	CHECK_EQ(host_mode("g"), 0755);
	CHECK_EQ(walk(1, 4, "k", NULL), 0);
	CHECK_EQ(lopen(4, 01), 0);
	CHECK_EQ(twrite(4, 0, "y", &done), 0);
	CHECK_EQ(host_mode("k"), 02745);
	CHECK_EQ(walk(1, 5, "t", NULL), 0);
	setattr_mode_size(5, P9_ATTR_SIZE, 0, 0);
	CHECK_EQ(host_mode("t"), 0755);
	stop();
}

static void swap_in_fifo(void *arg)
{
	char p[PATH_MAX], fifo[PATH_MAX];

	(void)arg;
	host_path(p, "f");
	host_path(fifo, "fifo");
	CHECK_EQ(mkfifo(fifo, 0666), 0);
	CHECK_EQ(rename(fifo, p), 0);
}

/*
 * A FIFO renamed over the file between its check and its open: the file
 * that was checked is the one opened, and the FIFO never is.
 */
static void test_swap_after_check(void)
{
	char buf[64], p[PATH_MAX];
	struct stat st;

	start(false);
	session();
	signal(SIGALRM, sigalrm);
	alarm(20);
	write_host("f", "checked");
	CHECK_EQ(walk(1, 2, "f", NULL), 0);
	srv.after_check = swap_in_fifo;
	CHECK_EQ(lopen(2, 0), 0);
	srv.after_check = NULL;
	CHECK_EQ(tread(2, 0, 10, buf), 0);
	CHECK_STR(buf, "checked");
	host_path(p, "f");
	CHECK(!stat(p, &st) && S_ISFIFO(st.st_mode));
	alarm(0);
	stop();
}

/*
 * Device numbers are reused: proc mounted where a tmpfs was may get the
 * tmpfs's number, and must be refused all the same.
 */
static void test_fs_verdict_not_cached(void)
{
	char p[PATH_MAX];

	start(false);
	session();
	host_path(p, "m");
	CHECK_EQ(mkdir(p, 0755), 0);
	if (mount("none", p, "tmpfs", 0, NULL)) {
		fprintf(stderr, "p9_fs_verdict_not_cached: skipped: cannot mount (%s)\n",
			strerror(errno));
		stop();
		return;
	}
	CHECK_EQ(walk(1, 2, "m", NULL), 0);
	CHECK_EQ(umount(p), 0);
	CHECK_EQ(mount("proc", p, "proc", 0, NULL), 0);
	CHECK_EQ(walk(1, 3, "m/self", NULL), EACCES);
	CHECK_EQ(walk(1, 4, "m", NULL), EACCES);
	CHECK_EQ(umount(p), 0);
	stop();
}

static int load_srv(void *ctx, const void *rec, size_t len, char *why,
		    size_t why_len)
{
	return p9_server_load(ctx, rec, len, why, why_len);
}

/*
 * A session saved and loaded into a new server on the same share: the
 * fids name the same files, open ones are open the same way.
 */
static void test_state_round_trip(void)
{
	struct state_writer w, w2;
	char buf[64], why[200], p[PATH_MAX];
	uint32_t done;
	int fd;

	start(false);
	session();
	write_host("f", "0123");
	CHECK_EQ(mkdir9(1, "d", 0755), 0);
	CHECK_EQ(walk(1, 2, "f", NULL), 0);
	CHECK_EQ(lopen(2, 02), 0);		/* read-write */
	CHECK_EQ(walk(1, 3, "d", NULL), 0);
	CHECK_EQ(lopen(3, 0), 0);		/* a directory, open */
	CHECK_EQ(walk(1, 4, "f", NULL), 0);	/* a fid, not open */
	state_writer_init(&w);
	CHECK_EQ(p9_server_save(&srv, &w), 0);
	p9_server_fini(&srv);

	fd = open(share, O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK_EQ(p9_server_init(&srv, fd, false), 0);
	if (force_walk)
		p9_server_force_walk(&srv);
	CHECK_EQ(p9_server_load(&srv, w.data, w.len, why, sizeof(why)), 0);
	CHECK_EQ(srv.fids.count, 4);
	CHECK_EQ(srv.fids.nr_open, 2);
	CHECK_EQ(tread(2, 0, 10, buf), 0);
	CHECK_STR(buf, "0123");
	CHECK_EQ(twrite(2, 4, "45", &done), 0);
	read_host("f", buf, sizeof(buf));
	CHECK_STR(buf, "012345");
	CHECK_EQ(lopen(4, 0), 0);
	state_writer_init(&w2);
	CHECK_EQ(p9_server_save(&srv, &w2), 0);
	check_record_refused_when_damaged(w.data, w.len, load_srv, &srv);

	/* A file that is gone since: refused, saying which. */
	host_path(p, "f");
	CHECK_EQ(unlink(p), 0);
	CHECK_EQ(p9_server_load(&srv, w.data, w.len, why, sizeof(why)),
		 -EINVAL);
	CHECK(strstr(why, "'f' cannot be found"));
	CHECK_EQ(srv.fids.count, 0);
	state_writer_free(&w);
	state_writer_free(&w2);
	stop();
}

/* Paths in a record are checked as the guest's names are. */
static void test_state_bad_paths(void)
{
	static const char *const bad[] = { "..", "a/../b", "/etc", "a//b",
					   "a/", "." };
	struct state_writer w;
	char why[200];

	start(false);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		uint8_t fid[13 + 16] = { 7, 0, 0, 0, 0 };
		uint32_t len = (uint32_t)strlen(bad[i]);

		memcpy(fid + 9, &len, 4);
		memcpy(fid + 13, bad[i], len);
		state_writer_init(&w);
		state_begin(&w, "virtio-9p", 1);
		state_put_u64(&w, "msize", 65536);
		state_put_bytes(&w, "devs", NULL, 0);
		state_put_bytes(&w, "fids", fid, 13 + len);
		CHECK_EQ(state_end(&w), 0);
		CHECK_EQ(p9_server_load(&srv, w.data, w.len, why, sizeof(why)),
			 -EINVAL);
		CHECK(strstr(why, "malformed"));
		state_writer_free(&w);
	}
	stop();
}

/* A share of "/" never enters proc or sysfs (/proc/<pid>/mem is lkvm). */
static void test_pseudo_fs(void)
{
	struct stat st;
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	CHECK_EQ(p9_server_init(&srv, fd, true), 0);
	if (force_walk)
		p9_server_force_walk(&srv);
	session();
	if (!stat("/proc/self", &st))
		CHECK_EQ(walk(1, 2, "proc", NULL), EACCES);
	if (!stat("/sys/kernel", &st))
		CHECK_EQ(walk(1, 2, "sys/kernel", NULL), EACCES);
	CHECK_EQ(walk(1, 2, "tmp", NULL), 0);
	p9_server_fini(&srv);

	fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		CHECK_EQ(p9_server_init(&srv, fd, true), -EACCES);
}

/* Hostile headers and fields: an answer with the right tag, or none. */
static void test_malformed(void)
{
	struct tmsg m;
	uint8_t small[P9_RLERROR_SIZE];

	start(false);
	session();
	/* Shorter than a header: nothing to answer. */
	tbegin(&m, P9_TCLUNK);
	CHECK_EQ(p9_handle(&srv, m.buf, 6, resp, RESP_MAX), -EPROTO);
	/* No room for even Rlerror. */
	tbegin(&m, P9_TCLUNK);
	p9_put32(&m.out, 1);
	CHECK_EQ(send_len(&m, m.out.off, P9_RLERROR_SIZE - 1), 0);
	CHECK_EQ(resp_len, -EPROTO);
	/* Exactly Rlerror's room (fid 999 does not exist). */
	tbegin(&m, P9_TCLUNK);
	p9_put32(&m.out, 999);
	memcpy(m.buf, &(uint32_t){ (uint32_t)m.out.off }, 4);
	resp_len = p9_handle(&srv, m.buf, m.out.off, small, sizeof(small));
	CHECK_EQ(resp_len, P9_RLERROR_SIZE);

	/* The size field claims more than was sent. */
	tbegin(&m, P9_TCLUNK);
	p9_put32(&m.out, 1);
	m.out.off += 10;
	CHECK_EQ(error_of(send_len(&m, m.out.off - 10, RESP_MAX)), EPROTO);
	/* ...or more than msize. */
	{
		uint32_t big = 1U << 30;

		tbegin(&m, P9_TCLUNK);
		p9_put32(&m.out, 1);
		memcpy(m.buf, &big, 4);
		resp_len = p9_handle(&srv, m.buf, m.out.off, resp, RESP_MAX);
		rin = (struct p9_in){ resp, (size_t)resp_len, 7, false };
		CHECK_EQ(resp[4], P9_RLERROR);
		CHECK_EQ(p9_get32(&rin), EMSGSIZE);
	}
	/* Every message type with a body of 0 or 1 byte. */
	{
		static const uint8_t types[] = {
			P9_TATTACH,   P9_TWALK,	    P9_TGETATTR, P9_TSETATTR,
			P9_TLOPEN,    P9_TLCREATE,  P9_TREAD,	 P9_TWRITE,
			P9_TREADDIR,  P9_TMKDIR,    P9_TSYMLINK, P9_TMKNOD,
			P9_TREADLINK, P9_TLINK,	    P9_TUNLINKAT, P9_TRENAMEAT,
			P9_TRENAME,   P9_TSTATFS,   P9_TLOCK,	 P9_TGETLOCK,
			P9_TCLUNK,    P9_TREMOVE,   P9_TFLUSH,	 P9_TXATTRWALK,
			P9_TFSYNC,    P9_TVERSION,
		};

		for (size_t t = 0; t < ARRAY_SIZE(types); t++) {
			for (size_t cut = 0; cut < 2; cut++) {
				tbegin(&m, types[t]);
				for (size_t i = 0; i < cut; i++)
					p9_put8(&m.out, 0xff);
				CHECK_EQ(error_of(tsend(&m)), EPROTO);
			}
		}
	}
	/* Whole messages, then cut at every length with an honest size. */
	for (unsigned int k = 0; k < 8; k++) {
		size_t full;

		tbegin(&m, 0);
		switch (k) {
		case 0:
			m.buf[4] = P9_TLCREATE;
			p9_put32(&m.out, 1);
			tstr(&m, "name");
			p9_put32(&m.out, 0);
			p9_put32(&m.out, 0644);
			p9_put32(&m.out, 0);
			break;
		case 1:
			m.buf[4] = P9_TRENAMEAT;
			p9_put32(&m.out, 1);
			tstr(&m, "a");
			p9_put32(&m.out, 1);
			tstr(&m, "b");
			break;
		case 2:
			m.buf[4] = P9_TSYMLINK;
			p9_put32(&m.out, 1);
			tstr(&m, "l");
			tstr(&m, "target");
			p9_put32(&m.out, 0);
			break;
		case 3:
			m.buf[4] = P9_TWALK;
			p9_put32(&m.out, 1);
			p9_put32(&m.out, 9);
			p9_put16(&m.out, 2);
			tstr(&m, "a");
			tstr(&m, "b");
			break;
		case 4:
			m.buf[4] = P9_TWRITE;
			p9_put32(&m.out, 1);
			p9_put64(&m.out, 0);
			p9_put32(&m.out, 4);
			p9_put32(&m.out, 0);
			break;
		case 5:
			m.buf[4] = P9_TSETATTR;
			for (unsigned int i = 0; i < 5; i++)
				p9_put32(&m.out, 0);
			for (unsigned int i = 0; i < 5; i++)
				p9_put64(&m.out, 0);
			break;
		case 6:
			m.buf[4] = P9_TLOCK;
			p9_put32(&m.out, 1);
			p9_put8(&m.out, 0);
			p9_put32(&m.out, 0);
			p9_put64(&m.out, 0);
			p9_put64(&m.out, 0);
			p9_put32(&m.out, 0);
			tstr(&m, "client");
			break;
		default:
			m.buf[4] = P9_TATTACH;
			p9_put32(&m.out, 5);
			p9_put32(&m.out, P9_NOFID);
			tstr(&m, "u");
			tstr(&m, "a");
			p9_put32(&m.out, 0);
			break;
		}
		full = m.out.off;
		for (size_t len = P9_HDR_SIZE; len < full; len++) {
			m.out.off = len;
			CHECK_EQ(error_of(tsend(&m)), EPROTO);
		}
	}
	/* The session survived: root still answers. */
	CHECK_EQ(walk(1, 2, "", NULL), 0);
	/* Twrite's count lies about the data that follows. */
	tbegin(&m, P9_TWRITE);
	p9_put32(&m.out, 2);
	p9_put64(&m.out, 0);
	p9_put32(&m.out, 1000);
	p9_put32(&m.out, 0);
	CHECK_EQ(error_of(tsend(&m)), EPROTO);
	/* A string longer than the message. */
	tbegin(&m, P9_TWALK);
	p9_put32(&m.out, 1);
	p9_put32(&m.out, 3);
	p9_put16(&m.out, 1);
	p9_put16(&m.out, 200);
	p9_put32(&m.out, 0);
	CHECK_EQ(error_of(tsend(&m)), EPROTO);
	/* More names than 9P allows. */
	tbegin(&m, P9_TWALK);
	p9_put32(&m.out, 1);
	p9_put32(&m.out, 3);
	p9_put16(&m.out, P9_MAXWELEM + 1);
	for (unsigned int i = 0; i <= P9_MAXWELEM; i++)
		tstr(&m, "a");
	CHECK_EQ(error_of(tsend(&m)), EINVAL);
	/* Unknown fids, fids in use, unknown and 9P2000 types. */
	CHECK_EQ(walk(77, 78, "", NULL), EBADF);
	CHECK_EQ(walk(1, 2, "", NULL), EEXIST);
	CHECK_EQ(lopen(77, 0), EBADF);
	CHECK_EQ(lopen(2, P9_DOTL_NOACCESS), EINVAL);
	tbegin(&m, 112 /* Topen */);
	p9_put32(&m.out, 2);
	p9_put8(&m.out, 0);
	CHECK_EQ(error_of(tsend(&m)), EOPNOTSUPP);
	tbegin(&m, P9_RREAD);
	CHECK_EQ(error_of(tsend(&m)), EOPNOTSUPP);
	tbegin(&m, P9_TXATTRWALK);
	p9_put32(&m.out, 1);
	p9_put32(&m.out, 9);
	tstr(&m, "user.x");
	CHECK_EQ(error_of(tsend(&m)), EOPNOTSUPP);
	stop();
}

/* Answers never exceed the room they are given, nor msize. */
static void test_bounded_answers(void)
{
	char target[1000];
	struct tmsg m;
	uint8_t type;

	start(false);
	session();
	memset(target, 'x', sizeof(target) - 1);
	target[sizeof(target) - 1] = '\0';
	CHECK_EQ(symlink9(1, "long", target), 0);
	CHECK_EQ(walk(1, 2, "long", NULL), 0);
	tbegin(&m, P9_TREADLINK);
	p9_put32(&m.out, 2);
	type = send_len(&m, m.out.off, 100);
	CHECK_EQ(error_of(type), ERANGE);
	CHECK(resp_len <= 100);

	{
		static char big[100000];

		memset(big, 'y', sizeof(big) - 1);
		write_host("big", big);
	}
	CHECK_EQ(walk(1, 3, "big", NULL), 0);
	CHECK_EQ(lopen(3, 0), 0);
	tbegin(&m, P9_TREAD);
	p9_put32(&m.out, 3);
	p9_put64(&m.out, 0);
	p9_put32(&m.out, 1U << 30);
	CHECK_EQ(send_len(&m, m.out.off, 4096), P9_RREAD);
	CHECK_EQ(resp_len, 4096);
	CHECK_EQ(p9_get32(&rin), 4096 - P9_IOHDR_SIZE);
	/* And never more than msize (65536 here). */
	CHECK_EQ(send_len(&m, m.out.off, RESP_MAX), P9_RREAD);
	CHECK(resp_len <= 65536);
	stop();
}

/* Tversion starts over: the old session's fids are gone. */
static void test_version_resets_fids(void)
{
	start(false);
	session();
	CHECK_EQ(walk(1, 2, "", NULL), 0);
	CHECK_EQ(lopen(2, P9_DOTL_DIRECTORY), 0);
	version();
	CHECK_EQ(clunk(1), EBADF);
	CHECK_EQ(clunk(2), EBADF);
	CHECK_EQ(srv.fids.nr_open, 0);
	stop();
}

/*
 * At most P9_MAX_OPEN_FILES open files per share: one more is EMFILE,
 * and clunking, removing or a new session each give room back.
 */
static void test_open_file_limit(void)
{
	struct rlimit rl;

	CHECK_EQ(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) ||
	    rl.rlim_cur < P9_MAX_OPEN_FILES + 64) {
		fprintf(stderr, "p9_open_file_limit: skipped: the hard limit on open files is below %u\n",
			P9_MAX_OPEN_FILES + 64);
		return;
	}
	start(false);
	session();
	write_host("f", "x");
	for (uint32_t fid = 2; fid < 2 + P9_MAX_OPEN_FILES; fid++) {
		CHECK_EQ(walk(1, fid, "f", NULL), 0);
		CHECK_EQ(lopen(fid, 0), 0);
	}
	CHECK_EQ(srv.fids.nr_open, P9_MAX_OPEN_FILES);
	CHECK_EQ(walk(1, 9999, "f", NULL), 0);
	CHECK_EQ(lopen(9999, 0), EMFILE);
	CHECK_EQ(lcreate(1, "g", 0101, 0644), EMFILE);
	CHECK_EQ(clunk(2), 0);
	CHECK_EQ(lopen(9999, 0), 0);
	CHECK_EQ(srv.fids.nr_open, P9_MAX_OPEN_FILES);
	version();
	CHECK_EQ(srv.fids.nr_open, 0);
	stop();
}

static const struct unit_test tests[] = {
	{ "p9_version", test_version },
	{ "p9_open_file_limit", test_open_file_limit },
	{ "p9_read_write_create", test_read_write_create },
	{ "p9_mkdir_symlink_rename_unlink", test_mkdir_symlink_rename_unlink },
	{ "p9_setattr_statfs_remove", test_setattr_statfs_remove },
	{ "p9_readdir", test_readdir },
	{ "p9_escapes", test_escapes },
	{ "p9_special_files", test_special_files },
	{ "p9_read_only", test_read_only },
	{ "p9_pseudo_fs", test_pseudo_fs },
	{ "p9_guest_modes", test_guest_modes },
	{ "p9_kill_privs", test_kill_privs },
	{ "p9_swap_after_check", test_swap_after_check },
	{ "p9_fs_verdict_not_cached", test_fs_verdict_not_cached },
	{ "p9_state_round_trip", test_state_round_trip },
	{ "p9_state_bad_paths", test_state_bad_paths },
	{ "p9_malformed", test_malformed },
	{ "p9_bounded_answers", test_bounded_answers },
	{ "p9_version_resets_fids", test_version_resets_fids },
};

/* Both resolvers: openat2 where the kernel has it, the name walk always. */
static void run_walk(void)
{
	force_walk = true;
	for (size_t i = 0; i < ARRAY_SIZE(tests); i++)
		tests[i].fn();
	force_walk = false;
}

static const struct unit_test walk_tests[] = {
	{ "p9_all_with_name_walk", run_walk },
};

int main(int argc, char **argv)
{
	int ret, fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	/* Which resolver the first pass uses (stderr: not a result line). */
	if (!p9_server_init(&srv, fd, true)) {
		fprintf(stderr, "# p9 resolver: %s\n",
			srv.use_openat2 ? "openat2" : "name walk");
		p9_server_fini(&srv);
	}
	ret = unit_main(tests, ARRAY_SIZE(tests), argc, argv);

	return unit_main(walk_tests, ARRAY_SIZE(walk_tests), argc, argv) | ret;
}

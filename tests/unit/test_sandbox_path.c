/*
 * sandbox_command_path(): the command found in the guest's PATH by
 * walking the root directory and the host's "/" as the guest sees them
 * (the root's symbolic links into /host, absolute links that start
 * again at the guest's "/", relative ones, loops, the guest's own
 * mounts), on a made-up root and host tree.
 */
#include "harness.h"

#include <lkvm/sandbox.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char top[64], root[96], host[96];

static void mk(const char *base, const char *path, mode_t mode)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", base, path);
	if (mode & S_IFDIR) {
		CHECK_EQ(mkdir(p, mode & 07777), 0);
		return;
	}
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL, mode);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
}

static void ln(const char *base, const char *path, const char *target)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", base, path);
	CHECK_EQ(symlink(target, p), 0);
}

static void check_found(const char *name, const char *want)
{
	char *got = sandbox_command_path(root, host, name);

	if (want)
		CHECK_STR(got ? got : "(none)", want);
	else
		CHECK_STR(got ? got : "(none)", "(none)");
	free(got);
}

static void test_command_path(void)
{
	char cmd[128];

	snprintf(top, sizeof(top), "/tmp/lkvm-cmdpath-XXXXXX");
	CHECK(mkdtemp(top));
	mk(top, "root", S_IFDIR | 0755);
	mk(top, "host", S_IFDIR | 0755);
	snprintf(root, sizeof(root), "%s/root", top);
	snprintf(host, sizeof(host), "%s/host", top);
	/* The root as lkvm setup makes it: links into /host. */
	mk(root, "host", S_IFDIR | 0755);
	mk(root, "tmp", S_IFDIR | 01777);
	ln(root, "usr", "/host/usr");
	ln(root, "bin", "/host/bin");
	ln(root, "sbin", "/host/sbin");	/* not on the host */
	/* The host's "/". */
	mk(host, "usr", S_IFDIR | 0755);
	mk(host, "usr/bin", S_IFDIR | 0755);
	mk(host, "usr/sbin", S_IFDIR | 0755);
	mk(host, "usr/local", S_IFDIR | 0755);
	mk(host, "usr/local/bin", S_IFDIR | 0755);
	mk(host, "usr/local/sbin", S_IFDIR | 0755);
	mk(host, "bin", S_IFDIR | 0755);
	mk(host, "usr/bin/prog", 0755);
	mk(host, "usr/bin/noexec", 0644);
	mk(host, "usr/local/bin/dir", S_IFDIR | 0755);
	mk(host, "usr/bin/dir", 0755);
	mk(host, "bin/busy", 0700);
	/* Absolute: from the guest's "/", through the root's bin link. */
	ln(host, "bin/true", "/bin/busy");
	ln(host, "usr/sbin/rel", "../bin/prog");
	ln(host, "usr/bin/loop", "loop");
	ln(host, "usr/bin/dangling", "/nowhere");
	/* An absolute link to /host, then ".." out of it. */
	ln(host, "usr/local/bin/up", "/host/../usr/bin/prog");
	/* ".." after a file is ENOTDIR, past which execvp() goes on. */
	ln(host, "usr/local/sbin/dotdot", "/usr/bin/prog/../prog");
	mk(host, "usr/bin/dotdot", 0755);
	mk(host, "busy-only-on-host", 0755);
	ln(host, "usr/bin/hostroot", "/busy-only-on-host");

	check_found("prog", "/usr/bin/prog");
	check_found("true", "/bin/true");
	check_found("rel", "/usr/sbin/rel");
	check_found("up", "/usr/local/bin/up");
	check_found("dir", "/usr/bin/dir");	/* a directory first: skipped */
	check_found("dotdot", "/usr/bin/dotdot");
	check_found("noexec", NULL);
	check_found("loop", NULL);
	check_found("dangling", NULL);
	/* "/busy-only-on-host" is the root's, not the host's: not there. */
	check_found("hostroot", NULL);
	check_found("missing", NULL);
	check_found("", NULL);
	check_found("usr/bin/prog", NULL);
	check_found("..", NULL);
	/* A loop before a hit: execvp() stops there, so no hint either. */
	ln(host, "usr/sbin/looped", "looped");
	mk(host, "usr/bin/looped", 0755);
	check_found("looped", NULL);
	/*
	 * /sbin leading into the guest's /tmp: a command found only past
	 * it gets no hint (the guest's own search decides).
	 */
	mk(host, "bin/late", 0755);
	check_found("late", "/bin/late");
	snprintf(cmd, sizeof(cmd), "%s/sbin", root);
	CHECK_EQ(unlink(cmd), 0);
	ln(root, "sbin", "/tmp/sbin");
	check_found("late", NULL);
	check_found("prog", "/usr/bin/prog");
	/* Without a /host directory in the root the links lead nowhere. */
	snprintf(cmd, sizeof(cmd), "%s/host", root);
	CHECK_EQ(rmdir(cmd), 0);
	check_found("prog", NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	CHECK_EQ(system(cmd), 0);
}

static const struct unit_test tests[] = {
	{ "sandbox_command_path", test_command_path },
};

UNIT_MAIN(tests)

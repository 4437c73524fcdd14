// SPDX-License-Identifier: GPL-2.0
/*
 * Sandbox roots: $HOME/.lkvm/NAME, a skeleton a guest boots from over 9p.
 * The host's "/" is mounted on /host by the guest init, and /bin, /lib,
 * /usr, ... point there, so the guest runs the host's programs (kvmtool's
 * model). A root is built under a temporary name and renamed into place,
 * so sandboxes starting together never see half of one.
 */
#include <lkvm/sandbox.h>

#include <lkvm/fd_io.h>
#include <lkvm/log.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
	const char *path;
	mode_t mode;
} dirs[] = {
	{ "dev", 0755 },  { "etc", 0755 },  { "home", 0755 }, { "host", 0755 },
	{ "lkvm", 0755 }, { "mnt", 0755 },  { "proc", 0555 }, { "root", 0700 },
	{ "run", 0755 },  { "sys", 0555 },  { "tmp", 01777 }, { "var", 0755 },
	{ "var/tmp", 01777 },
};

/* What the guest takes from the host, through /host. */
static const struct {
	const char *path;
	const char *target;
} links[] = {
	{ "bin", "/host/bin" },
	{ "sbin", "/host/sbin" },
	{ "lib", "/host/lib" },
	{ "lib64", "/host/lib64" },
	{ "usr", "/host/usr" },
	{ "opt", "/host/opt" },
	{ "etc/alternatives", "/host/etc/alternatives" },
	{ "etc/ld.so.cache", "/host/etc/ld.so.cache" },
	{ "etc/ld.so.conf", "/host/etc/ld.so.conf" },
	{ "etc/ld.so.conf.d", "/host/etc/ld.so.conf.d" },
	{ "etc/localtime", "/host/etc/localtime" },
	{ "etc/resolv.conf", "/host/etc/resolv.conf" },
	{ "etc/ssl", "/host/etc/ssl" },
	{ "etc/ca-certificates", "/host/etc/ca-certificates" },
};

static const struct {
	const char *path;
	const char *text;
} files[] = {
	{ "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
			"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n" },
	{ "etc/group", "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n" },
	{ "etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost\n" },
};

bool sandbox_name_ok(const char *name)
{
	size_t len = strlen(name);

	return len && len < VM_NAME_MAX && name[0] != '.' &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == len;
}

static int write_file(int dirfd, const char *path, const void *data,
		      size_t len, mode_t mode)
{
	int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			mode);
	int ret;

	if (fd < 0)
		return -errno;
	ret = fd_write_all(fd, data, len);
	if (!ret && fchmod(fd, mode) < 0)
		ret = -errno;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	return ret;
}

/* Fills the directory @dirfd; returns 0 or -errno, naming the entry. */
static int fill(int dirfd, const char **what)
{
	int ret;

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		*what = dirs[i].path;
		if (mkdirat(dirfd, dirs[i].path, dirs[i].mode) < 0 ||
		    fchmodat(dirfd, dirs[i].path, dirs[i].mode, 0) < 0)
			return -errno;
	}
	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		*what = links[i].path;
		if (symlinkat(links[i].target, dirfd, links[i].path) < 0)
			return -errno;
	}
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		*what = files[i].path;
		ret = write_file(dirfd, files[i].path, files[i].text,
				 strlen(files[i].text), 0644);
		if (ret)
			return ret;
	}
	*what = "lkvm/init";
	return write_file(dirfd, "lkvm/init", lkvm_guest_init,
			  (size_t)(lkvm_guest_init_end - lkvm_guest_init),
			  0755);
}

/* Removes what fill() made in @path (all of it, or a part), then @path. */
static void remove_skeleton(const char *path)
{
	int dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (dirfd >= 0) {
		unlinkat(dirfd, "lkvm/init", 0);
		for (size_t i = 0; i < ARRAY_SIZE(files); i++)
			unlinkat(dirfd, files[i].path, 0);
		for (size_t i = 0; i < ARRAY_SIZE(links); i++)
			unlinkat(dirfd, links[i].path, 0);
		for (size_t i = ARRAY_SIZE(dirs); i-- > 0;)
			unlinkat(dirfd, dirs[i].path, AT_REMOVEDIR);
		close(dirfd);
	}
	rmdir(path);
}

static char *lkvm_dir(void)
{
	const char *home = getenv("HOME");
	char *dir;

	if (!home || home[0] != '/') {
		pr_err("$HOME is not set to an absolute path: sandbox roots live in $HOME/.lkvm");
		return NULL;
	}
	if (asprintf(&dir, "%s/.lkvm", home) < 0)
		return NULL;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		pr_err("cannot create %s: %s", dir, strerror(errno));
		free(dir);
		return NULL;
	}
	return dir;
}

/* Builds $HOME/.lkvm/.NAME.XXXXXX and renames it to NAME. */
static int create_root(const char *dir, const char *name, const char *path,
		       bool exists_ok)
{
	char *tmp = NULL;
	const char *what = "";
	int dirfd, ret;

	if (asprintf(&tmp, "%s/.%s.XXXXXX", dir, name) < 0)
		return -ENOMEM;
	if (!mkdtemp(tmp)) {
		ret = -errno;
		pr_err("cannot create a directory in %s: %s", dir,
		       strerror(errno));
		free(tmp);
		return ret;
	}
	dirfd = open(tmp, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ret = dirfd < 0 ? -errno : fill(dirfd, &what);
	if (dirfd >= 0)
		close(dirfd);
	if (!ret && chmod(tmp, 0755) < 0)
		ret = -errno;
	if (ret) {
		pr_err("cannot create %s in %s: %s", what, tmp, strerror(-ret));
	} else if (rename(tmp, path) < 0) {
		ret = -errno;
		/* Made by someone else meanwhile: theirs is as good. */
		if ((ret == -EEXIST || ret == -ENOTEMPTY) && exists_ok)
			ret = 0;
		else if (ret == -EEXIST || ret == -ENOTEMPTY)
			pr_err("%s already exists", path);
		else
			pr_err("cannot create %s: %s", path, strerror(-ret));
	}
	/* After a successful rename there is nothing left to remove. */
	remove_skeleton(tmp);
	free(tmp);
	return ret;
}

int sandbox_setup_root(const char *name, char **path)
{
	char *dir, *root = NULL;
	struct stat st;
	int ret;

	if (!sandbox_name_ok(name)) {
		pr_err("'%s': a root's name has 1 to %d letters, digits, '.', '_' or '-', not starting with '.'",
		       name, VM_NAME_MAX - 1);
		return -EINVAL;
	}
	dir = lkvm_dir();
	if (!dir)
		return -ENOENT;
	if (asprintf(&root, "%s/%s", dir, name) < 0) {
		free(dir);
		return -ENOMEM;
	}
	if (!lstat(root, &st)) {
		pr_err("%s already exists", root);
		ret = -EEXIST;
	} else {
		ret = create_root(dir, name, root, false);
	}
	free(dir);
	if (!ret && path)
		*path = root;
	else
		free(root);
	return ret;
}

char *sandbox_root_path(const char *name, bool create)
{
	char *dir = lkvm_dir(), *root;
	struct stat st;
	int ret = 0;

	if (!dir)
		return NULL;
	if (asprintf(&root, "%s/%s", dir, name) < 0) {
		free(dir);
		return NULL;
	}
	if (stat(root, &st) < 0) {
		ret = -errno;
		if (ret == -ENOENT && create)
			ret = create_root(dir, name, root, true);
		else
			pr_err("%s: %s", root, strerror(-ret));
		if (!ret && stat(root, &st) < 0)
			ret = -errno;
	}
	if (!ret && !S_ISDIR(st.st_mode)) {
		pr_err("%s is not a directory", root);
		ret = -ENOTDIR;
	}
	free(dir);
	if (ret) {
		free(root);
		return NULL;
	}
	return root;
}

// SPDX-License-Identifier: GPL-2.0
/* $HOME/.lkvm: naming, creating and probing control sockets. */
#include <lkvm/ipc_path.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define VM_NAME_CHARS \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"

bool vm_name_valid(const char *name)
{
	size_t len = strnlen(name, 64);

	return len && len < 64 && name[0] != '.' &&
	       strspn(name, VM_NAME_CHARS) == len;
}

int ipc_dir_path(char *buf, size_t len)
{
	const char *home = getenv("HOME");
	int n;

	if (!home || !home[0])
		return -ENOENT;
	n = snprintf(buf, len, "%s/%s", home, IPC_DIR_NAME);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int ipc_sock_path(const char *name, char *buf, size_t len)
{
	char dir[IPC_PATH_MAX];
	int n, ret = ipc_dir_path(dir, sizeof(dir));

	if (ret)
		return ret;
	n = snprintf(buf, MIN(len, IPC_PATH_MAX), "%s/%s%s", dir, name,
		     IPC_SOCK_SUFFIX);
	return n < 0 || (size_t)n >= MIN(len, IPC_PATH_MAX) ? -ENAMETOOLONG : 0;
}

int ipc_dir_prepare(char *dir, size_t len, char *why, size_t why_len)
{
	struct stat st;
	int ret = ipc_dir_path(dir, len);

	if (ret == -ENOENT) {
		snprintf(why, why_len, "HOME is not set");
		return ret;
	}
	if (ret) {
		snprintf(why, why_len, "$HOME/%s is too long a path",
			 IPC_DIR_NAME);
		return ret;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		ret = -errno;
		snprintf(why, why_len, "cannot create %s: %s", dir,
			 strerror(-ret));
		return ret;
	}
	if (lstat(dir, &st) < 0) {
		ret = -errno;
		snprintf(why, why_len, "%s: %s", dir, strerror(-ret));
		return ret;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
		snprintf(why, why_len, "%s is not a directory owned by uid %u",
			 dir, (unsigned int)geteuid());
		return -EPERM;
	}
	/* Others must not be able to replace or reach our sockets. */
	if ((st.st_mode & 077) && chmod(dir, 0700) < 0) {
		ret = -errno;
		snprintf(why, why_len,
			 "%s is open to other users and chmod 0700 failed: %s",
			 dir, strerror(-ret));
		return ret;
	}
	return 0;
}

int ipc_dir_lock(const char *dir)
{
	char path[IPC_PATH_MAX + 8];
	int fd;

	snprintf(path, sizeof(path), "%s/.lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int err = errno;

			close(fd);
			return -err;
		}
	}
	return fd;
}

void ipc_dir_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* drops the flock */
}

int ipc_probe(const char *path, uint32_t *pid)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct ucred cred;
	socklen_t cred_len = sizeof(cred);
	struct stat st;
	int fd, ret;

	*pid = 0;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? IPC_PROBE_ABSENT : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -ENOTSOCK;
	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* Non-blocking: a full backlog means a live, busy listener. */
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		ret = errno;
		close(fd);
		if (ret == ECONNREFUSED)
			return IPC_PROBE_STALE;
		if (ret == EAGAIN)
			return IPC_PROBE_LIVE;
		if (ret == ENOENT)
			return IPC_PROBE_ABSENT;
		return -ret;
	}
	if (!getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len))
		*pid = (uint32_t)cred.pid;
	close(fd);
	return IPC_PROBE_LIVE;
}

int ipc_remove_stale(const char *dir, const char *path)
{
	uint32_t pid;
	int lock = ipc_dir_lock(dir), ret;

	if (lock < 0)
		return lock;
	/* Probe again under the lock: a new VM may have taken the name. */
	ret = ipc_probe(path, &pid);
	if (ret == IPC_PROBE_STALE)
		ret = unlink(path) < 0 && errno != ENOENT ? -errno : 1;
	else if (ret >= 0)
		ret = 0;
	ipc_dir_unlock(lock);
	return ret;
}

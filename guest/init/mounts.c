// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's file systems: the 9p root lkvm shares (tag /dev/root),
 * switched to from the initramfs; the host's "/" on /host; fresh tmpfs
 * on /tmp, /run and /dev/shm so that concurrent sandboxes sharing one
 * root directory do not meet there.
 */
#include "init.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NINEP_OPTS "trans=virtio,version=9p2000.L,msize=262144"
#define MOUNT_WAIT_MS 30000
#define MOUNT_POLL_MS 20

int mount_fs(const char *src, const char *dir, const char *type,
	     unsigned long flags)
{
	if (!mount(src, dir, type, flags, NULL))
		return 0;
	say("lkvm-init: cannot mount %s on %s: %s", type, dir, strerror(errno));
	return -1;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/*
 * The 9p channel of @tag exists once 9pnet_virtio has probed it; @wait_ms
 * is how long to wait for that.
 */
static int mount_9p(const char *tag, const char *dir, unsigned long flags,
		    long wait_ms)
{
	struct timespec ts = { 0, MOUNT_POLL_MS * 1000000L };

	for (long waited = 0; waited <= wait_ms; waited += MOUNT_POLL_MS) {
		if (!mount(tag, dir, "9p", flags, NINEP_OPTS))
			return 0;
		if (errno != ENOENT)
			return -1;
		nanosleep(&ts, NULL);
	}
	return -1;
}

/* Moves a mount into the new root, or drops it when there is no place. */
static void move_into_root(const char *from, const char *to)
{
	if (is_dir(to) && !mount(from, to, NULL, MS_MOVE, NULL))
		return;
	umount2(from, MNT_DETACH);
}

void mount_root(const struct init_config *cfg, const struct ports *p)
{
	mkdir("/newroot", 0755);
	need_driver(p, "virtio", "9pnet_virtio", "9pnet_virtio");
	if (mount_9p(cfg->root_tag, "/newroot", cfg->root_ro ? MS_RDONLY : 0,
		     MOUNT_WAIT_MS))
		fatal(p, "cannot mount the root file system (9p, tag %s): %s%s",
		      cfg->root_tag, strerror(errno),
		      errno == ENODEV ? " (no 9p in the kernel or among its modules)" :
		      errno == ENOENT ? " (no such 9p device: is 9pnet_virtio there?)" :
					"");
	move_into_root("/dev", "/newroot/dev");
	move_into_root("/proc", "/newroot/proc");
	move_into_root("/sys", "/newroot/sys");
	if (chdir("/newroot") || mount(".", "/", NULL, MS_MOVE, NULL) ||
	    chroot(".") || chdir("/"))
		fatal(p, "cannot switch to the root file system: %s",
		      strerror(errno));
}

void setup_new_root(const struct init_config *cfg)
{
	/* With the root mounted, every 9p channel is there: no waiting. */
	if (cfg->host_tag && is_dir("/host") &&
	    mount_9p(cfg->host_tag, "/host", 0, 0))
		say("lkvm-init: cannot mount the host's / (9p, tag %s) on /host: %s",
		    cfg->host_tag, strerror(errno));
	if (is_dir("/tmp") && !mount_fs("tmpfs", "/tmp", "tmpfs", 0))
		chmod("/tmp", 01777);
	if (is_dir("/run"))
		mount_fs("tmpfs", "/run", "tmpfs", 0);
	if (is_dir("/dev")) {
		mkdir("/dev/pts", 0755);
		mkdir("/dev/shm", 01777);
		if (mount("devpts", "/dev/pts", "devpts", 0,
			  "gid=5,mode=620,ptmxmode=666"))
			say("lkvm-init: cannot mount devpts: %s", strerror(errno));
		mount_fs("tmpfs", "/dev/shm", "tmpfs", 0);
		symlink("/proc/self/fd", "/dev/fd");
		symlink("/proc/self/fd/0", "/dev/stdin");
		symlink("/proc/self/fd/1", "/dev/stdout");
		symlink("/proc/self/fd/2", "/dev/stderr");
	}
	if (cfg->hostname && sethostname(cfg->hostname, strlen(cfg->hostname)))
		say("lkvm-init: cannot set the host name: %s", strerror(errno));
}

// SPDX-License-Identifier: GPL-2.0
/*
 * A warm start's host check (arch_snapshot_check(): can KVM here give the
 * template's guest what it had?) builds a scratch VM and vcpu, the same
 * question every run of one template asks again. Its "yes" is kept in
 * $HOME/.lkvm/.templates/.host-check/KEY as the whole text of what the
 * check read: this boot's id, lkvm's version and file, the template, the
 * manifest's part the check reads and the KVM capabilities and limits it
 * asks (arch_snapshot_check_inputs()). A later run trusts the verdict
 * only when its own text is the same, byte for byte; anything else (a
 * reboot, another lkvm, a changed manifest, a damaged or forged file)
 * gets the full check, and a "yes" replaces the file. What a check reads
 * of the host cannot change without a reboot (arm64's KVM is not a
 * module; its ID registers and limits are fixed at boot). A "no" is not
 * kept: the template is removed and rebuilt.
 */
#include <lkvm/sandbox.h>

#include <lkvm/arch.h>
#include <lkvm/log.h>
#include <lkvm/restore.h>
#include <lkvm/sandbox_inputs.h>
#include <lkvm/small_file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HOST_CHECK_FORMAT 1
#define BOOT_ID_LEN 36

/*
 * Only a regular file, not followed through a symlink, opened without
 * waiting (a FIFO put there would block open()), holding @text exactly.
 */
bool host_check_cache_hit(const char *path, const char *text, size_t len)
{
	char *cached;
	size_t got = 0;
	bool hit;

	if (len > HOST_CHECK_TEXT_MAX ||
	    small_file_read_at(AT_FDCWD, path, len, &cached, &got))
		return false;
	hit = got == len && !memcmp(cached, text, len);
	free(cached);
	return hit;
}

int host_check_cache_store(const char *dir, const char *path,
			   const char *text, size_t len)
{
	if (len > HOST_CHECK_TEXT_MAX)
		return -EFBIG;
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	return small_file_write_atomic(path, text, len);
}

/* This boot's id (/proc/sys/kernel/random/boot_id); false without one. */
static bool boot_id(char id[BOOT_ID_LEN + 1])
{
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, id, BOOT_ID_LEN);

	if (fd >= 0)
		close(fd);
	if (n != BOOT_ID_LEN)
		return false;
	id[BOOT_ID_LEN] = 0;
	for (int i = 0; i < BOOT_ID_LEN; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		      (id[i] >= 'a' && id[i] <= 'f') || id[i] == '-'))
			return false;
	return true;
}

/* What the check reads, as text (allocated), or NULL: no cache. */
static char *check_text(const struct sandbox_template *t,
			const struct snapshot_source *s, size_t *len)
{
	const char *key = strrchr(t->dir, '/');
	char id[BOOT_ID_LEN + 1], *text = NULL;
	struct file_identity self;
	FILE *f;
	int ret;

	if (!key || !boot_id(id))
		return NULL;
	file_identity_now("/proc/self/exe", &self);
	if (!self.present)
		return NULL;
	f = open_memstream(&text, len);
	if (!f)
		return NULL;
	fprintf(f, "lkvm-host-check %d\nboot %s\nlkvm %s %llx:%llx %lld %lld.%09ld %lld.%09ld\ntemplate %s\n",
		HOST_CHECK_FORMAT, id, LKVM_VERSION,
		(unsigned long long)self.dev, (unsigned long long)self.ino,
		(long long)self.size, (long long)self.mtime_s, self.mtime_ns,
		(long long)self.ctime_s, self.ctime_ns, key + 1);
	ret = arch_snapshot_check_inputs(s->manifest, s->nr_vcpus, f);
	if (fclose(f) || ret || !text) {
		free(text);
		return NULL;
	}
	return text;
}

static int cache_paths(const struct sandbox_template *t, char *dir,
		       size_t dir_len, char *path, size_t path_len)
{
	const char *key = strrchr(t->dir, '/');

	if (!key ||
	    (size_t)snprintf(dir, dir_len, "%s/%s", t->root, HOST_CHECKS_DIR) >=
		    dir_len ||
	    (size_t)snprintf(path, path_len, "%s/%s", dir, key + 1) >= path_len)
		return -ENAMETOOLONG;
	return 0;
}

int sandbox_host_check(const struct sandbox_template *t,
		       const struct snapshot_source *s, char *why,
		       size_t why_len)
{
	char dir[PATH_MAX], path[PATH_MAX];
	size_t len = 0;
	char *text = check_text(t, s, &len);
	bool cached =
		text && !cache_paths(t, dir, sizeof(dir), path, sizeof(path));
	int ret;

	if (cached && host_check_cache_hit(path, text, len)) {
		pr_debug("sandbox: host check: the verdict of an earlier run in this boot (%s)",
			 path);
		free(text);
		return 0;
	}
	ret = snapshot_check_host(s, why, why_len);
	if (!ret && cached) {
		int err = host_check_cache_store(dir, path, text, len);

		if (err)
			pr_debug("sandbox: host check: cannot keep its verdict in %s: %s",
				 path, strerror(-err));
		else
			pr_debug("sandbox: host check: its verdict kept in %s",
				 path);
	}
	free(text);
	return ret;
}

void sandbox_host_check_forget(const struct sandbox_template *t)
{
	char dir[PATH_MAX], path[PATH_MAX];

	if (!cache_paths(t, dir, sizeof(dir), path, sizeof(path)))
		unlink(path);
}

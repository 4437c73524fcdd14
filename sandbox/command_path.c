// SPDX-License-Identifier: GPL-2.0
/*
 * Finding the command in the guest's PATH on the host's side. A command
 * named without a "/" makes the guest's execvp() try each PATH directory
 * in turn, and every miss (/usr/local/sbin/true, /usr/local/bin/true,
 * /usr/sbin/true) is a chain of 9p requests, each a round trip between
 * the guest and lkvm. The guest's files are the host's (the root
 * directory, and the host's "/" on /host), so lkvm walks the same PATH
 * through them as the guest kernel would and hands the guest the first
 * hit; the init tries it first, and searches PATH itself when it fails
 * (sandbox_wire.h: SBX_WIRE_PATH), so a wrong guess costs requests only.
 *
 * The walk gives up (no hint) where the guest's view is its own: under
 * /proc, /sys, /dev, /tmp and /run, and when the root has no real /host
 * directory for the host's "/".
 */
#include <lkvm/sandbox.h>
#include <lkvm/sandbox_wire.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* As the guest kernel: at most 40 symbolic links in one walk. */
#define MAX_LINKS 40
#define MAX_DEPTH 64

struct walk {
	const char *root;	/* the root directory on the host */
	const char *host;	/* what the guest sees on /host */
	bool have_host;		/* the root's /host is a directory */
	char *comp[MAX_DEPTH];	/* the guest path walked so far */
	int depth;
	int links;
};

static const char *const guest_only[] = { "proc", "sys", "dev", "tmp", "run" };

/* The host's path for the guest path walked so far; -EREMOTE: guest-only. */
static int host_path(const struct walk *w, char *out, size_t len)
{
	size_t at;
	int i = 0, n;

	if (w->depth && !strcmp(w->comp[0], "host") && w->have_host) {
		/* The host's "/" as "": no "//" when components follow. */
		n = snprintf(out, len, "%s",
			     strcmp(w->host, "/") ? w->host :
			     w->depth > 1	  ? "" : "/");
		i = 1;
	} else {
		for (size_t g = 0; w->depth && g < ARRAY_SIZE(guest_only); g++)
			if (!strcmp(w->comp[0], guest_only[g]))
				return -EREMOTE;
		n = snprintf(out, len, "%s", w->root);
	}
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	at = (size_t)n;
	for (; i < w->depth; i++) {
		n = snprintf(out + at, len - at, "/%s", w->comp[i]);
		if (n < 0 || (size_t)n >= len - at)
			return -ENAMETOOLONG;
		at += (size_t)n;
	}
	return 0;
}

static void walk_reset(struct walk *w)
{
	while (w->depth)
		free(w->comp[--w->depth]);
}

/*
 * Walks @path (guest terms) component by component from where @w is,
 * following symbolic links as the guest kernel does (an absolute target
 * from the guest's "/"). Ends with @w on the last component, which is
 * lstat()ed into @st. 0, -EREMOTE where only the guest knows, or the
 * -errno of lstat(), readlink() or the walk (-ELOOP, -ENAMETOOLONG).
 */
static int walk_path(struct walk *w, const char *path, struct stat *st)
{
	char *copy = strdup(path), *save = NULL, *c;
	char host[PATH_MAX], target[PATH_MAX];
	int ret = 0;
	ssize_t n;

	if (!copy)
		return -ENOMEM;
	if (path[0] == '/')
		walk_reset(w);
	for (c = strtok_r(copy, "/", &save); c && !ret;
	     c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			/* As the kernel: only a directory has a "..". */
			ret = w->depth ? host_path(w, host, sizeof(host)) : 0;
			if (!ret && w->depth && lstat(host, st) < 0)
				ret = -errno;
			if (!ret && w->depth && !S_ISDIR(st->st_mode))
				ret = -ENOTDIR;
			if (!ret && w->depth)
				free(w->comp[--w->depth]);
			continue;
		}
		if (w->depth == MAX_DEPTH) {
			ret = -ENAMETOOLONG;
			break;
		}
		w->comp[w->depth] = strdup(c);
		if (!w->comp[w->depth]) {
			ret = -ENOMEM;
			break;
		}
		w->depth++;
		ret = host_path(w, host, sizeof(host));
		if (!ret && lstat(host, st) < 0)
			ret = -errno;
		if (ret || !S_ISLNK(st->st_mode))
			continue;
		if (++w->links > MAX_LINKS) {
			ret = -ELOOP;
			break;
		}
		n = readlink(host, target, sizeof(target) - 1);
		if (n < 0) {
			ret = -errno;
			break;
		}
		target[n] = '\0';
		free(w->comp[--w->depth]);	/* the link, replaced by its target */
		ret = walk_path(w, target, st);
		/* The target's last component is this component now. */
	}
	if (!ret && !w->depth && lstat(w->root, st) < 0)
		ret = -errno;
	free(copy);
	return ret;
}

/*
 * What the guest's execve() of @dir/@name would do, as its execvp()
 * sees it: 1, run it; 0, go on to the next PATH entry (not there, or
 * not an executable file: ENOENT, ENOTDIR, EACCES); -1, anything else,
 * where execvp() would stop, or only the guest can tell.
 */
static int found_in(struct walk *w, const char *dir, const char *name)
{
	struct stat st;
	char path[PATH_MAX];
	int ret;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return -1;
	w->links = 0;
	ret = walk_path(w, path, &st);
	if (ret == -ENOENT || ret == -ENOTDIR)
		return 0;
	if (ret)
		return -1;
	return S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

char *sandbox_command_path(const char *root, const char *host,
			   const char *name)
{
	struct walk w = { .root = root, .host = host };
	const char *dir = SBX_COMMAND_PATH, *end;
	char mnt[PATH_MAX], *found = NULL;
	struct stat st;
	int hit = 0;

	if (!name[0] || !strcmp(name, ".") || !strcmp(name, "..") ||
	    strchr(name, '/') || strlen(name) > NAME_MAX)
		return NULL;
	if (snprintf(mnt, sizeof(mnt), "%s/host", root) >= (int)sizeof(mnt))
		return NULL;
	w.have_host = !lstat(mnt, &st) && S_ISDIR(st.st_mode);
	for (; !hit && *dir; dir = *end ? end + 1 : end) {
		char d[PATH_MAX];
		size_t len;

		end = strchrnul(dir, ':');
		len = (size_t)(end - dir);
		/* An empty or relative entry means the current directory. */
		if (!len || dir[0] != '/' || len >= sizeof(d))
			break;
		memcpy(d, dir, len);
		d[len] = '\0';
		hit = found_in(&w, d, name);
		if (hit > 0 && asprintf(&found, "%s/%s", d, name) < 0)
			found = NULL;
	}
	walk_reset(&w);
	return found;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * `lkvm snapshot -n NAME DIR`: the VM writes its snapshot into files this
 * command makes in a private directory next to DIR and passes over the
 * control socket; the directory is renamed to DIR only once everything
 * is on disk, so DIR is a whole snapshot or absent.
 */
#include "control_args.h"

#include <lkvm/builtin.h>
#include <lkvm/ipc_client.h>
#include <lkvm/log.h>
#include <lkvm/snapshot.h>
#include <lkvm/snapshot_dir.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char snapshot_usage_line[] =
	"lkvm snapshot -n name [--stop] [--force] <directory>";

struct snapshot_args {
	struct control_args ca;	/* first: the -n handler takes it */
	bool stop;
	bool force;
};

static int set_stop(void *ctx, const char *arg)
{
	(void)arg;
	((struct snapshot_args *)ctx)->stop = true;
	return 0;
}

static int set_force(void *ctx, const char *arg)
{
	(void)arg;
	((struct snapshot_args *)ctx)->force = true;
	return 0;
}

static const struct opt snapshot_options[] = {
	CONTROL_OPT_NAME,
	{ OPT_FLAG, 0, "stop", NULL, "Stop the VM once the snapshot is written (it does not run on)", set_stop },
	{ OPT_FLAG, 0, "force", NULL, "Replace an existing snapshot in the directory", set_force },
	OPT_TABLE_END,
};

void snapshot_usage(void)
{
	const struct opt *tables[] = { snapshot_options, NULL };

	opt_usage(stdout, snapshot_usage_line, tables);
}

/* DIR may be replaced only when it is a snapshot and --force says so. */
static int check_target(const char *dir, bool force)
{
	struct stat st;
	char manifest[PATH_MAX];

	if (lstat(dir, &st)) {
		if (errno == ENOENT)
			return 0;
		pr_err("%s: %s", dir, strerror(errno));
		return -errno;
	}
	if (!force) {
		pr_err("%s already exists (--force replaces a snapshot)", dir);
		return -EEXIST;
	}
	if ((size_t)snprintf(manifest, sizeof(manifest), "%s/%s", dir,
			     SNAPSHOT_MANIFEST) >= sizeof(manifest) ||
	    !S_ISDIR(st.st_mode) || access(manifest, F_OK)) {
		pr_err("%s exists and is not a snapshot: not replacing it", dir);
		return -EEXIST;
	}
	return 0;
}

static int request(const struct snapshot_args *a, const int *fds,
		   struct ipc_snapshot_done *done)
{
	uint8_t flags = a->stop ? IPC_SNAPSHOT_STOP : 0;
	struct ipc_client c;
	int ret = control_connect(&c, a->ca.name, &a->ca);

	if (ret)
		return -EIO;
	ret = ipc_client_send_fds(&c, IPC_REQ_SNAPSHOT, &flags, 1, fds,
				  IPC_SNAPSHOT_FDS);
	ret = ret ?: ipc_client_recv(&c, IPC_SNAPSHOT_TIMEOUT_MS);
	if (!ret && (c.rd.hdr.type != IPC_REP_SNAPSHOT ||
		     ipc_snapshot_done_decode(c.rd.payload, c.rd.hdr.len,
					      done))) {
		snprintf(c.err, sizeof(c.err), "a malformed reply");
		ret = -EPROTO;
	}
	/* --stop: the name is free once the VM has gone. */
	if (!ret && a->stop)
		ret = ipc_client_wait_closed(&c, IPC_EXIT_TIMEOUT_MS);
	if (ret)
		pr_err("snapshot %s: %s", a->ca.name, c.err);
	ipc_client_close(&c);
	return ret;
}

static int snapshot(const struct snapshot_args *a, const char *arg)
{
	struct ipc_snapshot_done done;
	int fds[IPC_SNAPSHOT_FDS] = { -1, -1, -1 };
	char dir[PATH_MAX], tmp[PATH_MAX];
	size_t len = strlen(arg);
	bool exists;
	int ret;

	/* "snap/" names snap: the private directory goes beside it. */
	while (len > 1 && arg[len - 1] == '/')
		len--;
	if (len >= sizeof(dir) || (len == 1 && arg[0] == '/')) {
		pr_err("%s: not a directory a snapshot can be written to", arg);
		return 1;
	}
	memcpy(dir, arg, len);
	dir[len] = 0;
	ret = check_target(dir, a->force);
	if (ret)
		return 1;
	exists = !access(dir, F_OK);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp-%d", dir,
			     (int)getpid()) >= sizeof(tmp)) {
		pr_err("%s: path too long", dir);
		return 1;
	}
	ret = snapshot_dir_create(tmp, fds);
	ret = ret ?: request(a, fds, &done);
	for (int i = 0; i < IPC_SNAPSHOT_FDS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	ret = ret ?: snapshot_dir_publish(tmp, dir, exists);
	if (ret == -EEXIST)
		pr_err("%s was created by someone else meanwhile: not replaced",
		       dir);
	if (ret) {
		snapshot_dir_remove(tmp);
		return 1;
	}
	printf("%s: snapshot in %s (guest paused %llu ms, %llu ms of it writing %llu MiB of RAM)%s\n",
	       a->ca.name, dir, (unsigned long long)done.pause_ms,
	       (unsigned long long)done.write_ms,
	       (unsigned long long)(done.ram_written >> 20),
	       a->stop ? "; stopped" : "");
	return 0;
}

int cmd_snapshot(int argc, char **argv)
{
	const struct opt *tables[] = { snapshot_options, NULL };
	struct snapshot_args a = { 0 };
	struct opt_args args;
	enum opt_status st;
	const char *why = NULL;
	int status;

	if (builtin_wants_help(argc, argv)) {
		snapshot_usage();
		return 0;
	}
	st = opt_parse(tables, &a, argc - 1, argv + 1, &args);
	if (st == OPT_BAD_VALUE)
		return 1;
	if (st == OPT_OK) {
		if (!a.ca.name)
			why = "say which VM: -n NAME";
		else if (args.nr_positional != 1)
			why = "give one directory to write the snapshot to";
		if (why) {
			fprintf(stderr, "  Error: %s\n", why);
			opt_args_free(&args);
		}
	}
	if (st == OPT_UNKNOWN || why) {
		opt_usage(stderr, snapshot_usage_line, tables);
		return EXIT_USAGE;
	}
	status = snapshot(&a, args.positional[0]);
	opt_args_free(&args);
	return status;
}

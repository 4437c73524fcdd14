// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-9p (VIRTIO 1.2 section 5.11 draft; Linux's 9pnet_virtio): one
 * device per shared directory, --9p DIR[,TAG][,ro] or -d DIR. Requests
 * are served in order on the device's I/O thread by the pure 9P2000.L
 * server in virtio/p9_server.c.
 */
#include <lkvm/virtio.h>
#include <lkvm/virtio_9p.h>

#include <lkvm/devices.h>
#include <lkvm/json.h>
#include <lkvm/p9.h>
#include <lkvm/parse.h>
#include <lkvm/seccomp.h>
#include <lkvm/vm.h>

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define VIRTIO_ID_9P 9
#define VIRTIO_9P_MOUNT_TAG 0

#define CFG(ctx) ((struct vm_config *)(ctx))

struct v9p {
	struct virtio_dev vd;
	char name[24];
	char tag[P9_TAG_MAX];
	uint16_t tag_len;
	struct p9_server srv;
	uint8_t *req;			/* a request, copied out */
	uint8_t *resp;
	struct virtq_chain chain;	/* I/O thread only */
	/* Requests served, by type, and notifications: for --loglevel debug. */
	uint32_t nr_req[256];
	uint32_t nr_notify;
};

static struct v9p *to_v9p(struct virtio_dev *vd)
{
	return container_of(vd, struct v9p, vd);
}

/*
 * struct virtio_9p_config: tag_len (le16), then the tag, unterminated.
 * The space is sized for the longest tag; past this one it reads zero.
 */
#define CONFIG_SIZE (2U + P9_TAG_MAX)

static void p9_config_read(struct virtio_dev *vd, uint32_t offset,
			   uint8_t *data, unsigned int len)
{
	struct v9p *p = to_v9p(vd);
	uint8_t cfg[CONFIG_SIZE] = { 0 };
	uint16_t tl = htole16(p->tag_len);

	memcpy(cfg, &tl, 2);
	memcpy(cfg + 2, p->tag, p->tag_len);
	memcpy(data, cfg + offset, len);
}

/*
 * Guest-controlled: the chain (checked by virtq_pop) and every byte of
 * the request. At most msize bytes are copied out, once; the answer is
 * bounded by the chain's writable room and msize. A request too short to
 * carry a tag, or without room for an Rlerror, breaks the device.
 */
static bool serve_one(struct v9p *p)
{
	struct virtq *vq = &p->vd.queues[0].vq;
	size_t want = MIN((size_t)p->chain.out_len, (size_t)p9_msize(&p->srv));
	size_t got = virtq_copy_from_out(&p->chain, 0, p->req, want);
	size_t room = MIN((size_t)p->chain.in_len, (size_t)P9_MSIZE_MAX);
	ssize_t n = p9_handle(&p->srv, p->req, got, p->resp, room);

	if (got > 4)
		p->nr_req[p->req[4]]++;

	if (n < 0) {
		virtio_broken(&p->vd,
			      "9p request without a header, or without room for an answer");
		return false;
	}
	virtq_copy_to_in(&p->chain, 0, p->resp, (size_t)n);
	virtq_push(vq, p->chain.head, (uint32_t)n);
	return true;
}

static void p9_queue_notify(struct virtio_dev *vd, unsigned int q)
{
	struct v9p *p = to_v9p(vd);
	struct virtq *vq = &vd->queues[q].vq;
	unsigned int budget = VIRTIO_QUEUE_BUDGET;
	const char *why;
	int r = 0;

	p->nr_notify++;
	do {
		virtq_disable_notify(vq);
		while (budget && (r = virtq_pop(vq, &p->chain, &why)) > 0) {
			if (!serve_one(p))
				return;
			/* Answer as we go: a slow request holds no other. */
			virtio_queue_interrupt(vd, vq);
			budget--;
		}
		if (r < 0) {
			virtio_broken(vd, why);
			return;
		}
		if (!budget) {
			virtio_queue_yield(vd, q);
			return;
		}
	} while (virtq_enable_notify(vq));
	virtio_queue_interrupt(vd, vq);
}

/* How much the guest asked of this share, by 9P message type. */
static void log_requests(const struct v9p *p)
{
	char line[512];
	size_t at = 0;
	uint32_t total = 0;

	for (unsigned int t = 0; t < ARRAY_SIZE(p->nr_req); t++) {
		int n;

		if (!p->nr_req[t])
			continue;
		total += p->nr_req[t];
		n = snprintf(line + at, sizeof(line) - at, " T%u:%u", t,
			     p->nr_req[t]);
		if (n > 0 && (size_t)n < sizeof(line) - at)
			at += (size_t)n;
	}
	line[at] = '\0';
	pr_debug("9p %.*s: %u requests in %u notifications (by type:%s)",
		 (int)p->tag_len, p->tag, total, p->nr_notify, line);
}

static void p9_destroy(struct virtio_dev *vd)
{
	struct v9p *p = to_v9p(vd);

	log_requests(p);

	p9_server_fini(&p->srv);
	free(p->req);
	free(p->resp);
	free(p);
}

/*
 * Beyond the I/O threads' allowlist: what serving a file system takes.
 * Every call that names a path does so relative to a descriptor beneath
 * the share, or to /proc/self/fd for reopening a checked inode
 * (p9_fs.c), never to the working directory: those descriptor
 * arguments may not be AT_FDCWD. renameat is listed for architectures
 * that have it; arm64 has only renameat2.
 */
static const int p9_syscalls[] = {
	SCMP_SYS(fstatfs), SCMP_SYS(fchmod), SCMP_SYS(ftruncate),
	SCMP_SYS(getdents64), SCMP_SYS(fcntl),
};
#define FD_ARG(n) (1U << (n))
static const struct seccomp_fd_call p9_fd_calls[] = {
	{ SCMP_SYS(openat), FD_ARG(0) },
	{ SCMP_SYS(openat2), FD_ARG(0) },
	{ SCMP_SYS(mkdirat), FD_ARG(0) },
	{ SCMP_SYS(symlinkat), FD_ARG(1) },
	{ SCMP_SYS(readlinkat), FD_ARG(0) },
	{ SCMP_SYS(linkat), FD_ARG(0) | FD_ARG(2) },
	{ SCMP_SYS(unlinkat), FD_ARG(0) },
	{ SCMP_SYS(renameat), FD_ARG(0) | FD_ARG(2) },
	{ SCMP_SYS(renameat2), FD_ARG(0) | FD_ARG(2) },
	{ SCMP_SYS(fchmodat), FD_ARG(0) },
	{ SCMP_SYS(fchownat), FD_ARG(0) },
	{ SCMP_SYS(utimensat), FD_ARG(0) },
};
const struct seccomp_extra virtio_9p_seccomp = {
	.name = "9p",
	.syscalls = p9_syscalls,
	.nr_syscalls = ARRAY_SIZE(p9_syscalls),
	.fd_calls = p9_fd_calls,
	.nr_fd_calls = ARRAY_SIZE(p9_fd_calls),
};

static int p9_save(struct virtio_dev *vd, struct state_writer *w)
{
	return p9_server_save(&to_v9p(vd)->srv, w);
}

static int p9_load(struct virtio_dev *vd, const void *rec, size_t len,
		   char *why, size_t why_len)
{
	return p9_server_load(&to_v9p(vd)->srv, rec, len, why, why_len);
}

static const struct virtio_dev_ops p9_ops = {
	.device_id = VIRTIO_ID_9P,
	.nr_queues = 1,
	.config_size = CONFIG_SIZE,
	.config_read = p9_config_read,
	.queue_notify = p9_queue_notify,
	.destroy = p9_destroy,
	.seccomp = &virtio_9p_seccomp,
	.save = p9_save,
	.load = p9_load,
};

/*
 * Every file the guest opens holds a host descriptor: allow as many as
 * the hard limit lets us (shares cap themselves at P9_MAX_OPEN_FILES).
 */
static void raise_nofile_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		pr_debug("9p: cannot raise the open-file limit");
}

static int open_root(const struct vm_9p *sh, const char *path)
{
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		int err = errno;

		if (err == ENOTDIR)
			pr_err("%s %s: not a directory", sh->option, path);
		else
			pr_err("%s %s: cannot open: %s", sh->option, path,
			       strerror(err));
		return -err;
	}
	return fd;
}

static int p9_create(struct vm *vm, const struct vm_9p *sh, unsigned int i)
{
	struct v9p *p = calloc(1, sizeof(*p));
	char *path = NULL;
	int fd, ret;

	if (!p)
		return -ENOMEM;
	snprintf(p->name, sizeof(p->name), "virtio-9p%u", i);
	memcpy(p->tag, sh->tag, sh->tag_len);
	p->tag_len = (uint16_t)sh->tag_len;
	p->req = malloc(P9_MSIZE_MAX);
	p->resp = malloc(P9_MSIZE_MAX);
	path = strndup(sh->path, sh->path_len);
	if (!p->req || !p->resp || !path) {
		free(p->req);
		free(p->resp);
		free(p);
		free(path);
		return -ENOMEM;
	}
	fd = open_root(sh, path);
	ret = fd < 0 ? fd : p9_server_init(&p->srv, fd, sh->ro);
	if (ret == -EACCES)
		pr_err("%s %s: a kernel pseudo file system (proc, sysfs, ...) cannot be shared",
		       sh->option, path);
	else if (ret && fd >= 0)
		pr_err("%s %s: %s", sh->option, path, strerror(-ret));
	free(path);
	if (ret) {
		free(p->req);
		free(p->resp);
		free(p);
		return ret;
	}
	ret = virtio_mmio_create(vm, &p->vd, &p9_ops,
				 BIT_ULL(VIRTIO_9P_MOUNT_TAG) |
					 BIT_ULL(VIRTIO_RING_F_EVENT_IDX) |
					 BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC),
				 p->name);
	return ret;
}

static int p9_instantiate(struct vm *vm)
{
	if (vm->cfg->p9.nr_shares)
		raise_nofile_limit();
	for (unsigned int i = 0; i < vm->cfg->p9.nr_shares; i++) {
		int ret = p9_create(vm, &vm->cfg->p9.shares[i], i);

		if (ret)
			return ret;
	}
	return 0;
}

int virtio_9p_add_share(struct vm_config *cfg, const char *option,
			const char *path, size_t path_len, const char *tag,
			size_t tag_len, bool ro)
{
	struct vm_9p *sh;

	if (p9_check_tag(tag, tag_len)) {
		pr_err("%s: bad tag '%.*s': use 1 to %u letters, digits, '_', '-', '.' or '/'",
		       option, (int)tag_len, tag, P9_TAG_MAX);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < cfg->p9.nr_shares; i++) {
		if (cfg->p9.shares[i].tag_len == tag_len &&
		    !memcmp(cfg->p9.shares[i].tag, tag, tag_len)) {
			pr_err("%s %.*s: the tag '%.*s' is already used by %.*s",
			       option, (int)path_len, path, (int)tag_len, tag,
			       (int)cfg->p9.shares[i].path_len,
			       cfg->p9.shares[i].path);
			return -EEXIST;
		}
	}
	if (cfg->p9.nr_shares == VM_MAX_9P) {
		pr_err("%s %.*s: at most %u shared directories", option,
		       (int)path_len, path, VM_MAX_9P);
		return -E2BIG;
	}
	sh = &cfg->p9.shares[cfg->p9.nr_shares];
	*sh = (struct vm_9p){ path, path_len, tag, tag_len, ro, option };
	return (int)cfg->p9.nr_shares++;
}

int virtio_9p_set_root(struct vm_config *cfg, const char *path,
		       size_t path_len, bool ro)
{
	int i;

	if (cfg->p9.root >= 0) {
		pr_err("--disk %.*s: only one directory can be the root file system (%.*s is already)",
		       (int)path_len, path,
		       (int)cfg->p9.shares[cfg->p9.root].path_len,
		       cfg->p9.shares[cfg->p9.root].path);
		return -EEXIST;
	}
	i = virtio_9p_add_share(cfg, "--disk", path, path_len,
				VIRTIO_9P_ROOT_TAG,
				strlen(VIRTIO_9P_ROOT_TAG), ro);
	if (i < 0)
		return i;
	cfg->p9.root = i;
	return 0;
}

/* DIR[,TAG][,ro]: the path ends at the first comma, as in kvmtool. */
static int set_9p(void *ctx, const char *arg)
{
	size_t path_len = strcspn(arg, ",");
	const char *p = arg + path_len, *tag = NULL;
	size_t tag_len = 0;
	bool ro = false;

	if (!path_len) {
		pr_err("--9p '%s': expected DIR[,TAG][,ro]", arg);
		return -EINVAL;
	}
	while (*p == ',') {
		size_t n = strcspn(++p, ",");

		if (n == 2 && !strncmp(p, "ro", 2)) {
			ro = true;
		} else if (!tag) {
			tag = p;
			tag_len = n;
		} else {
			pr_err("--9p '%s': expected DIR[,TAG][,ro], got a second tag '%.*s'",
			       arg, (int)n, p);
			return -EINVAL;
		}
		p += n;
	}
	if (!tag) {
		tag = VIRTIO_9P_DEFAULT_TAG;
		tag_len = strlen(tag);
	}
	return virtio_9p_add_share(CFG(ctx), "--9p", arg, path_len, tag,
				   tag_len, ro) < 0 ?
		       -EINVAL :
		       0;
}

static const struct opt p9_options[] = {
	{ OPT_VALUE, 0, "9p", "dir[,tag][,ro]", "Share a host directory with the guest over virtio-9p (repeatable; default tag kvm_9p)", set_9p },
	OPT_TABLE_END,
};

static void p9_describe_config(const struct vm_config *cfg, FILE *f)
{
	fprintf(f, "    \"shares\": [");
	for (unsigned int i = 0; i < cfg->p9.nr_shares; i++) {
		const struct vm_9p *s = &cfg->p9.shares[i];
		char *path = strndup(s->path, s->path_len);
		char *tag = strndup(s->tag, s->tag_len);

		fprintf(f, "%s{\"path\": ", i ? ", " : "");
		json_print_string(f, path ? path : "");
		fprintf(f, ", \"tag\": ");
		json_print_string(f, tag ? tag : "");
		fprintf(f, ", \"ro\": %s, \"root\": %s}",
			s->ro ? "true" : "false",
			cfg->p9.root == (int)i ? "true" : "false");
		free(path);
		free(tag);
	}
	fprintf(f, "],\n");
}

/* The shares, at the same paths: the guest's open files are reopened. */
static int p9_config_from_manifest(const struct json_value *config,
				   struct vm_config *cfg,
				   const struct restore_options *ro,
				   char *why, size_t why_len)
{
	const struct json_value *shares;
	char err[160];

	(void)ro;
	if (json_member_array(config, "shares", VM_MAX_9P, &shares, err,
			      sizeof(err)))
		return parse_error(why, why_len, "manifest: config: %s", err);
	cfg->p9.root = -1;
	for (size_t i = 0; i < shares->count; i++) {
		const struct json_value *j = &shares->items[i];
		struct vm_9p *s = &cfg->p9.shares[i];
		bool root;
		int ret;

		ret = json_member_string(j, "path", &s->path, err, sizeof(err));
		ret = ret ?: json_member_string(j, "tag", &s->tag, err,
						sizeof(err));
		ret = ret ?: json_member_bool(j, "ro", &s->ro, err, sizeof(err));
		ret = ret ?: json_member_bool(j, "root", &root, err,
					      sizeof(err));
		if (ret)
			return parse_error(why, why_len,
					   "manifest: config: share %zu: %s", i,
					   err);
		s->path_len = strlen(s->path);
		s->tag_len = strlen(s->tag);
		s->option = root ? "--disk" : "--9p";
		if (!s->path_len || p9_check_tag(s->tag, s->tag_len) ||
		    (root && cfg->p9.root >= 0))
			return parse_error(why, why_len,
					   "manifest: config: share %zu: an empty path, a bad tag, or a second root",
					   i);
		for (size_t k = 0; k < i; k++)
			if (!strcmp(cfg->p9.shares[k].tag, s->tag))
				return parse_error(why, why_len,
						   "manifest: config: two shares have the tag %s",
						   s->tag);
		if (root)
			cfg->p9.root = (int)i;
	}
	cfg->p9.nr_shares = (unsigned int)shares->count;
	return 0;
}

const struct device_model virtio_9p_model = {
	.name = "virtio-9p",
	.options = p9_options,
	.instantiate = p9_instantiate,
	.describe_config = p9_describe_config,
	.config_from_manifest = p9_config_from_manifest,
};

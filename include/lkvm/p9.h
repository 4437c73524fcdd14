/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_P9_H
#define LKVM_P9_H

#include <lkvm/compiler.h>

#include <sys/types.h>

/*
 * A 9P2000.L file server for one shared host directory (virtio-9p).
 *
 * The server is pure with respect to the VMM: it takes one T-message as
 * a byte buffer and writes the R-message into another, touching nothing
 * but host files beneath the share's root directory file descriptor. No
 * KVM, no guest memory, no threads: unit tests and fuzzers drive it on a
 * temporary directory (virtio/p9_server.c, virtio/p9_fs.c).
 *
 * Every byte of a T-message is guest-controlled. The rules
 * (Documentation/security.md, "How guest input is handled"): message
 * sizes are bounded by the negotiated msize; every field is
 * length-checked before use; fids are bounded in number and in
 * the memory they hold; every path is resolved beneath the share's root
 * fd with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS) (or, where the host kernel has no openat2, one
 * name at a time with O_NOFOLLOW), so ".." and symlinks never lead
 * outside; device nodes, FIFOs and sockets are never opened; kernel
 * pseudo file systems (proc, sysfs, ...) are never entered; a read-only
 * share refuses every change.
 */

/* Message types (Linux include/net/9p/9p.h). */
enum {
	P9_TLERROR = 6,
	P9_RLERROR,
	P9_TSTATFS = 8,
	P9_RSTATFS,
	P9_TLOPEN = 12,
	P9_RLOPEN,
	P9_TLCREATE = 14,
	P9_RLCREATE,
	P9_TSYMLINK = 16,
	P9_RSYMLINK,
	P9_TMKNOD = 18,
	P9_RMKNOD,
	P9_TRENAME = 20,
	P9_RRENAME,
	P9_TREADLINK = 22,
	P9_RREADLINK,
	P9_TGETATTR = 24,
	P9_RGETATTR,
	P9_TSETATTR = 26,
	P9_RSETATTR,
	P9_TXATTRWALK = 30,
	P9_RXATTRWALK,
	P9_TXATTRCREATE = 32,
	P9_RXATTRCREATE,
	P9_TREADDIR = 40,
	P9_RREADDIR,
	P9_TFSYNC = 50,
	P9_RFSYNC,
	P9_TLOCK = 52,
	P9_RLOCK,
	P9_TGETLOCK = 54,
	P9_RGETLOCK,
	P9_TLINK = 70,
	P9_RLINK,
	P9_TMKDIR = 72,
	P9_RMKDIR,
	P9_TRENAMEAT = 74,
	P9_RRENAMEAT,
	P9_TUNLINKAT = 76,
	P9_RUNLINKAT,
	P9_TVERSION = 100,
	P9_RVERSION,
	P9_TAUTH = 102,
	P9_RAUTH,
	P9_TATTACH = 104,
	P9_RATTACH,
	P9_TFLUSH = 108,
	P9_RFLUSH,
	P9_TWALK = 110,
	P9_RWALK,
	P9_TREAD = 116,
	P9_RREAD,
	P9_TWRITE = 118,
	P9_RWRITE,
	P9_TCLUNK = 120,
	P9_RCLUNK,
	P9_TREMOVE = 122,
	P9_RREMOVE,
};

/* Tlopen/Tlcreate flags: Linux's generic open(2) values, on every arch. */
#define P9_DOTL_ACCMODE 00000003U
#define P9_DOTL_NOACCESS 00000003U
#define P9_DOTL_CREATE 00000100U
#define P9_DOTL_EXCL 00000200U
#define P9_DOTL_TRUNC 00001000U
#define P9_DOTL_APPEND 00002000U
#define P9_DOTL_DSYNC 00010000U
#define P9_DOTL_DIRECTORY 00200000U
#define P9_DOTL_SYNC 04000000U

#define P9_DOTL_AT_REMOVEDIR 0x200U

/* Tsetattr valid bits (Linux's ATTR_*). */
#define P9_ATTR_MODE (1U << 0)
#define P9_ATTR_UID (1U << 1)
#define P9_ATTR_GID (1U << 2)
#define P9_ATTR_SIZE (1U << 3)
#define P9_ATTR_ATIME (1U << 4)
#define P9_ATTR_MTIME (1U << 5)
#define P9_ATTR_CTIME (1U << 6)
#define P9_ATTR_ATIME_SET (1U << 7)
#define P9_ATTR_MTIME_SET (1U << 8)

#define P9_STATS_BASIC 0x7ffULL

#define P9_QTDIR 0x80
#define P9_QTSYMLINK 0x02
#define P9_QTFILE 0x00

#define P9_NOTAG 0xffffU
#define P9_NOFID 0xffffffffU
#define P9_MAXWELEM 16

#define P9_LOCK_SUCCESS 0
#define P9_LOCK_TYPE_UNLCK 2

/* size[4] type[1] tag[2] */
#define P9_HDR_SIZE 7U
/* The smallest answer there is: Rlerror, header + ecode[4]. */
#define P9_RLERROR_SIZE (P9_HDR_SIZE + 4U)
/* Rread and Rreaddir: header + count[4]. */
#define P9_IOHDR_SIZE (P9_HDR_SIZE + 4U)

/* The largest msize lkvm agrees to, and the smallest it accepts. */
#define P9_MSIZE_MAX (512U * 1024U)
#define P9_MSIZE_MIN 4096U

/* What one share may make lkvm hold for the guest. */
#define P9_MAX_FIDS (1U << 20)
#define P9_MAX_PATH_BYTES (64U << 20)
#define P9_MAX_OPEN_FILES 4096U

#define P9_TAG_MAX 64U

struct p9_qid {
	uint8_t type;
	uint32_t version;
	uint64_t path;
};

/* One fid: a place in the share, and the open file when lopen'ed. */
struct p9_fid {
	uint32_t fid;
	char *path;		/* relative to the root: "" or "a/b" */
	int fd;			/* open file or directory, or -1 */
	bool open_dir;		/* fd is a directory (readdir, no read) */
	struct p9_fid *next;	/* hash chain */
};

struct p9_fid_table {
	struct p9_fid **buckets;
	uint32_t nr_buckets;	/* a power of two */
	uint32_t count;
	size_t path_bytes;	/* sum of strlen(path) + 1 */
	unsigned int nr_open;	/* fids holding an open fd */
};

/* Device numbers seen under the share, for unique qid paths. */
#define P9_MAX_DEVS 64U

struct p9_dev_info {
	dev_t dev;
};

struct p9_server {
	int root_fd;		/* O_PATH directory: the share */
	int proc_fd;		/* /proc/self/fd: reopens checked inodes */
	bool ro;
	bool use_openat2;	/* else resolve one name at a time */
	mode_t umask;		/* lkvm's: created files get exact modes */
	uint32_t msize;		/* 0 until Tversion */
	struct p9_fid_table fids;
	struct p9_dev_info devs[P9_MAX_DEVS];
	unsigned int nr_devs;
	/*
	 * Tests only (NULL otherwise): runs between a file's check and its
	 * open, where a host user could swap the file.
	 */
	void (*after_check)(void *arg);
	void *after_check_arg;
};

/*
 * Takes ownership of @root_fd, an O_PATH (or plain) descriptor of the
 * shared directory. Returns 0 or -errno (the root is on a file system
 * that may not be shared, or memory ran out), logging one line.
 */
int p9_server_init(struct p9_server *s, int root_fd, bool ro);
void p9_server_fini(struct p9_server *s);

/*
 * The session (msize, fids and their open files) as a "virtio-9p" state
 * record, and back: every fid is looked up and opened again beneath the
 * share, checked as the guest's own requests are; a fid whose file is
 * gone, or a malformed record, is refused with @why. 0 or -errno.
 */
struct state_writer;
int p9_server_save(struct p9_server *s, struct state_writer *w);
int p9_server_load(struct p9_server *s, const void *rec, size_t len,
		   char *why, size_t why_len);

/* Tests only: resolve paths one name at a time even where openat2 works. */
void p9_server_force_walk(struct p9_server *s);

/*
 * Serves one T-message.
 *
 * Guest-controlled: all of @req[0, @req_len) (the caller copied it out of
 * guest memory once; @req_len is at most the message's own size field and
 * at most msize). Checked: the header, the size field against @req_len
 * and msize, every field of the message before it is used, every fid and
 * every name. Returns the length of the R-message written to @resp (at
 * most @resp_max bytes: an answer that would not fit becomes Rlerror
 * ERANGE), or -EPROTO when the request cannot be answered at all: shorter
 * than a header, or @resp_max below P9_RLERROR_SIZE.
 */
ssize_t p9_handle(struct p9_server *s, const uint8_t *req, size_t req_len,
		  uint8_t *resp, size_t resp_max);

/* The msize to copy a request into before Tversion, and after it. */
static inline uint32_t p9_msize(const struct p9_server *s)
{
	return s->msize ? s->msize : P9_MSIZE_MAX;
}

/* Tag syntax for --9p and the virtio-9p config space; 0 or -EINVAL. */
int p9_check_tag(const char *tag, size_t len);

#endif

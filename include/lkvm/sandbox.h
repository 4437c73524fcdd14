/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_SANDBOX_H
#define LKVM_SANDBOX_H

#include <lkvm/config.h>
#include <lkvm/sandbox_inputs.h>
#include <lkvm/sandbox_wire.h>

#include <limits.h>
#include <lkvm/snapshot.h>

/*
 * `lkvm sandbox`: boot a kernel with a 9p root, run one command inside,
 * exit with its status. The pieces: the initramfs lkvm builds in memory
 * (sandbox/cpio.c: the embedded guest init, the kernel modules the guest
 * needs (sandbox/kmod.c) and the command), the root directory `lkvm
 * setup` makes (sandbox/rootfs.c), the channel the guest init reports on
 * (sandbox/channel.c, over the named virtio-console ports of
 * virtio/ports.c) and the assembly of it all (sandbox/sandbox.c).
 * Documentation/lkvm-sandbox.txt describes the protocol.
 */

/* lkvm sandbox's own exit statuses; any other is the command's. */
#define SANDBOX_EXIT_SETUP 125		/* the command was not started */
#define SANDBOX_EXIT_NO_STATUS 255	/* the guest ended without a report */

/* The channel's ports (guest/init/init.h names them too). */
enum {
	SANDBOX_PORT_STATUS,
	SANDBOX_PORT_STDIN,
	SANDBOX_PORT_STDOUT,
	SANDBOX_PORT_STDERR,
	SANDBOX_NR_PORTS,
};
extern const char *const sandbox_port_names[SANDBOX_NR_PORTS];

#define SANDBOX_STATUS_LINE_MAX 512
#define SANDBOX_ERROR_TEXT_MAX 400

/* What the guest reported; written by the channel's I/O thread. */
struct sandbox_result {
	bool reported;
	bool init_error;	/* "error TEXT": the command never ran */
	int status;		/* exit status, 128 + signal */
	char message[SANDBOX_ERROR_TEXT_MAX + 1];
	bool output_closed;	/* lkvm's stdout or stderr went away */
};

/*
 * Parses one status line from the guest (without its newline).
 * Guest-controlled: all of @line[0, @len). Accepted, exactly: "exit N"
 * (N from 0 to 255), "signal N" (N from 1 to 64; status 128 + N) and
 * "error TEXT" (1 to SANDBOX_ERROR_TEXT_MAX printable ASCII characters).
 * Numbers are decimal without sign or leading zeros. Returns 0 with @r
 * filled, or -EINVAL leaving it untouched.
 */
int sandbox_parse_status(const char *line, size_t len,
			 struct sandbox_result *r);

/* An initramfs in the "newc" cpio format, built in memory. */
struct cpio {
	uint8_t *buf;
	size_t len;
	size_t cap;
	unsigned int ino;
	int err;		/* the first failure; later calls do nothing */
};

void cpio_init(struct cpio *c);
void cpio_add_dir(struct cpio *c, const char *name, unsigned int mode);
void cpio_add_file(struct cpio *c, const char *name, unsigned int mode,
		   const void *data, size_t len);
void cpio_add_chardev(struct cpio *c, const char *name, unsigned int mode,
		      unsigned int major, unsigned int minor);
/* Adds the trailer; returns 0 or the first error (-ENOMEM, -E2BIG). */
int cpio_finish(struct cpio *c);
void cpio_free(struct cpio *c);

/* The embedded guest init (sandbox/init_blob.S). */
extern const uint8_t lkvm_guest_init[];
extern const uint8_t lkvm_guest_init_end[];

/*
 * `lkvm setup NAME`: creates $HOME/.lkvm/NAME, a root directory for
 * sandboxes (see rootfs.c). Refuses a bad name, an unset $HOME and a
 * NAME that exists. Returns 0 or -errno (explained), with the path in
 * @path (allocated) when not NULL.
 */
int sandbox_setup_root(const char *name, char **path);
/* The root of @name, created on first use; NULL after an explanation. */
char *sandbox_root_path(const char *name, bool create);
/* Letters, digits, '.', '_' and '-', not starting with '.'. */
bool sandbox_name_ok(const char *name);

/* What `lkvm sandbox` or `lkvm run --sandbox` asked for. */
struct sandbox_request {
	char **argv;		/* the command, or NULL with @script */
	int argc;
	char *path;		/* argv[0] found in the guest's PATH, or NULL */
	const char *script;	/* --sandbox SCRIPT */
	const char *modules;	/* --modules DIR, or NULL */
	bool tty;		/* stdin and stdout are terminals */
};

/*
 * What belongs to one run, handed to the guest init on the channel once
 * it is ready (include/lkvm/sandbox_wire.h): a warm template serves any.
 */
struct sandbox_run {
	char **argv;		/* the command, or NULL with @script */
	int argc;
	char *path;		/* argv[0] found in the guest's PATH, or NULL */
	char *script;		/* the --sandbox script's bytes, or NULL */
	size_t script_len;
	char *cwd;		/* where it starts: /host + lkvm's directory */
	const char *hostname;
	const char *term;	/* TERM, with a terminal */
	bool tty;
	uint8_t seed[SBX_WIRE_SEED_BYTES];	/* fresh host entropy */
};

/*
 * Where the guest's PATH search would find the command @name, walking
 * the root directory @root and the directory @host the guest has on
 * /host (the host's "/") as the guest sees them: the guest's path
 * (allocated), or NULL when not found there or only the guest could
 * tell (sandbox/command_path.c).
 */
char *sandbox_command_path(const char *root, const char *host,
			   const char *name);

/* The message for @run (allocated): 0, -ENOMEM or -E2BIG. */
int sandbox_command_build(const struct sandbox_run *run, uint8_t **out,
			  size_t *len);
/* Writes the host's wall clock into a built message, just before sending. */
void sandbox_command_stamp(uint8_t *msg, uint64_t realtime_ns);

/* Everything the builtin owns until the VM is gone. */
struct sandbox_state {
	struct sandbox_result result;
	struct sandbox_run run;
	uint8_t *command;	/* the message for run (sandbox_wire.h) */
	size_t command_len;
	/*
	 * Warm templates (sandbox/template.c): this run saves one into
	 * @template_files when the guest is ready (@template_ret becomes 1,
	 * or -errno), or was restored from one.
	 */
	bool build_template;
	struct snapshot_files template_files;
	/*
	 * How the channel asks for that snapshot: control_request_snapshot(),
	 * set by the builtin, so that sandbox/ does not call back into the
	 * control code that snapshots the channel itself.
	 */
	int (*save_template)(struct vm *vm, const struct snapshot_files *f,
			     void (*done)(void *opaque, int ret), void *opaque);
	int template_ret;
	bool restored;
	struct cpio initrd;
	bool initrd_built;	/* tried once: @initrd_ret says how it went */
	int initrd_ret;
	struct sandbox_inputs inputs;	/* what @initrd was made from */
	char *root;		/* the root directory shared as /dev/root */
	char *params;		/* the VM's kernel command line */
	char *modules_dir;	/* where the modules came from, or NULL */
	unsigned int nr_modules;
	bool tty;		/* the command runs on the console */
};

/*
 * Warm templates (sandbox/template.c): $HOME/.lkvm/.templates/KEY, a
 * snapshot of the guest waiting for its command. See lkvm-sandbox.txt.
 */
struct sandbox_template {
	char root[PATH_MAX];	/* $HOME/.lkvm/.templates */
	char dir[PATH_MAX];	/* root/KEY */
	int fds[3];
	int lock_fd;		/* the directory, locked while building */
};

enum sandbox_template_state {
	TEMPLATE_NONE,		/* none (an abandoned one is removed) */
	TEMPLATE_BUILDING,	/* another run is saving it */
	TEMPLATE_READY,
};

/*
 * Where this configuration's template is: its KEY, 16 hex digits, of
 * everything the waiting guest depends on, taken from the inputs cache
 * (sandbox_inputs.h) when none of the initramfs's inputs changed, else
 * from the initramfs, built now (sandbox_initrd()). 0, or -errno (no
 * $HOME, or the initramfs could not be built).
 */
int sandbox_template_locate(struct sandbox_template *t, struct vm_config *cfg,
			    struct sandbox_state *st);
enum sandbox_template_state sandbox_template_state(const struct sandbox_template *t);
/*
 * This run builds it, in place: files for the channel to snapshot into
 * at "ready". 0, or -errno (another run builds it, or no room).
 */
int sandbox_template_begin(struct sandbox_template *t,
			   struct sandbox_state *st);
/* After the run (whose filters forbid renames): closes, unlocks. */
void sandbox_template_finish(struct sandbox_template *t,
			     const struct sandbox_state *st);
/* Removes a template that could not be restored. */
void sandbox_template_forget(const struct sandbox_template *t);
/* lkvm setup --clean-cache: removes every template; how many. */
int sandbox_template_clean(unsigned int *removed);

/*
 * The warm template's host check (sandbox/host_check.c): as
 * snapshot_check_host() (0 yes, 1 no with @why, -errno), or the "yes" of
 * an earlier run in this host boot whose check read exactly the same.
 */
struct snapshot_source;
int sandbox_host_check(const struct sandbox_template *t,
		       const struct snapshot_source *s, char *why,
		       size_t why_len);
/* Drops the kept verdict of a template that could not be restored. */
void sandbox_host_check_forget(const struct sandbox_template *t);

/* Where the kept verdicts are, beside the templates (KEY each). */
#define HOST_CHECKS_DIR ".host-check"
/* The largest kept verdict read back (a few KiB in practice). */
#define HOST_CHECK_TEXT_MAX (64U << 10)
/*
 * Whether @path holds exactly @text (@len bytes); false for any other
 * content, size or error. Stores @text at @path atomically, creating
 * @dir (0700) first: 0 or -errno.
 */
bool host_check_cache_hit(const char *path, const char *text, size_t len);
int host_check_cache_store(const char *dir, const char *path,
			   const char *text, size_t len);

/*
 * The channel device without a VM, for unit tests: @mem is the guest's
 * RAM, the command's output goes to @out_fd and @err_fd, its input comes
 * from @in_fd (-1: none). Free with virtio_dev_teardown() and the ops'
 * destroy.
 */
struct guest_mem;
struct virtio_dev;
int sandbox_channel_setup(struct virtio_dev **vd, const struct guest_mem *mem,
			  struct sandbox_result *r, int in_fd, int out_fd,
			  int err_fd);
/* Unit tests: the command it sends on the status port once "ready". */
void sandbox_channel_set_command(struct virtio_dev *vd, uint8_t *cmd,
				 size_t len);

/*
 * Completes @cfg for a sandbox run: the root (-d DIR, or the "default"
 * root, made on first use), the host's "/" as tag hostfs, the channel,
 * the command and the kernel command line. Every refusal is one error
 * line. Returns 0 or -errno.
 */
int sandbox_prepare(struct vm_config *cfg, const struct sandbox_request *req,
		    struct sandbox_state *st);
/*
 * Builds the initramfs into @cfg (needed to boot, not to restore),
 * noting its inputs in st->inputs; once: later calls return the first
 * result. Every refusal is one error line. Returns 0 or -errno.
 */
int sandbox_initrd(struct vm_config *cfg, struct sandbox_state *st);
void sandbox_release(struct sandbox_state *st);

/*
 * The status `lkvm sandbox` exits with, given what the guest reported
 * and the VM's own status (vm_run()); explains a missing report.
 */
int sandbox_exit_status(const struct sandbox_state *st, int vm_status);

#endif

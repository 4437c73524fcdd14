/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_SANDBOX_H
#define LKVM_SANDBOX_H

#include <lkvm/config.h>

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
	const char *script;	/* --sandbox SCRIPT */
	const char *modules;	/* --modules DIR, or NULL */
	bool tty;		/* stdin and stdout are terminals */
};

/* Everything the builtin owns until the VM is gone. */
struct sandbox_state {
	struct sandbox_result result;
	struct cpio initrd;
	char *root;		/* the root directory shared as /dev/root */
	char *params;		/* the VM's kernel command line */
	char *modules_dir;	/* where the modules came from, or NULL */
	unsigned int nr_modules;
	bool tty;		/* the command runs on the console */
};

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

/*
 * Completes @cfg for a sandbox run: the root (-d DIR, or the "default"
 * root, made on first use), the host's "/" as tag hostfs, the channel,
 * the initramfs and the kernel command line. Every refusal is one error
 * line. Returns 0 or -errno.
 */
int sandbox_prepare(struct vm_config *cfg, const struct sandbox_request *req,
		    struct sandbox_state *st);
void sandbox_release(struct sandbox_state *st);

/*
 * The status `lkvm sandbox` exits with, given what the guest reported
 * and the VM's own status (vm_run()); explains a missing report.
 */
int sandbox_exit_status(const struct sandbox_state *st, int vm_status);

#endif

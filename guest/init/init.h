/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lkvm-init: the /init of `lkvm sandbox` guests. lkvm embeds it in the
 * initramfs it builds, with the kernel modules the guest needs; the
 * command comes on the channel once the init is ready (see
 * Documentation/lkvm-sandbox.txt for the protocol).
 */
#ifndef LKVM_GUEST_INIT_H
#define LKVM_GUEST_INIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What lkvm put in the initramfs. */
#define INIT_CONFIG "/lkvm/config"
#define INIT_MODULES "/lkvm/modules"

/* The channel's port names (virtio-console, MULTIPORT). */
#define PORT_STATUS "org.lkvm.sandbox.status"
#define PORT_STDIN "org.lkvm.sandbox.stdin"
#define PORT_STDOUT "org.lkvm.sandbox.stdout"
#define PORT_STDERR "org.lkvm.sandbox.stderr"

struct init_config {
	char *cwd;		/* where the command starts */
	char *hostname;
	char *term;		/* TERM for the tty mode */
	char *root_tag;		/* the 9p root, "/dev/root" */
	char *host_tag;		/* the host's "/", mounted on /host */
	bool root_ro;
	bool tty;		/* the command runs on the console */
	char **argv;		/* NULL-terminated (from lkvm's command) */
	char *path;		/* where lkvm found argv[0] in PATH, or NULL */
	char *script;		/* --sandbox SCRIPT, or NULL */
	size_t script_len;
};

/* The channel's ports, opened by the init: -1 when absent. */
struct ports {
	int status;
	int in;
	int out;
	int err;
};

/*
 * Reports a failure of the init itself: on the console, and to lkvm as
 * "error TEXT" on the status port when it is open; then powers off.
 */
void fatal(const struct ports *p, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reads a whole small file; NULL (errno set) on failure. */
char *read_file(const char *path, size_t *len);

/* mount(2) without data; a failure is said on the console. */
int mount_fs(const char *src, const char *dir, const char *type,
	     unsigned long flags);

int load_config(struct init_config *cfg, const struct ports *p);
/*
 * Blocks until lkvm sends the command and this run's settings on the
 * status port; sets the clock, reseeds the RNG and sets the host name.
 */
void read_command(struct init_config *cfg, const struct ports *p);
void load_modules(const struct ports *p);
/* Sets the system clock from rtc0 unless the kernel already did. */
void set_clock(void);
/*
 * Sets the system clock to the host's time lkvm sent (ns since the
 * epoch), or from rtc0 when that is later: the stamp was stale.
 */
void set_clock_from_host(uint64_t ns);
void open_ports(struct ports *p, bool need_stdio);
/* Fails at once when @driver is not registered on @bus. */
void need_driver(const struct ports *p, const char *bus, const char *driver,
		 const char *module);
void mount_root(const struct init_config *cfg, const struct ports *p);
void setup_new_root(const struct init_config *cfg);

#endif

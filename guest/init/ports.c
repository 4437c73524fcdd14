// SPDX-License-Identifier: GPL-2.0
/*
 * The sandbox channel: a virtio-console with named ports (MULTIPORT).
 * Each port is /dev/vportNpM; its name is in
 * /sys/class/virtio-ports/vportNpM/name once the host has sent it.
 */
#include "init.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Under nested emulation drivers take seconds to come up. */
#define PORT_WAIT_MS 60000
#define PORT_POLL_MS 20

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Opens the port called @name with @flags; -1 when it is not there yet. */
static int open_named(const char *name, int flags)
{
	DIR *d = opendir("/sys/class/virtio-ports");
	struct dirent *e;
	int fd = -1;

	if (!d)
		return -1;
	while (fd < 0 && (e = readdir(d))) {
		char path[300], got[128];
		size_t len;
		char *n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/virtio-ports/%s/name",
			 e->d_name);
		n = read_file(path, &len);
		if (!n)
			continue;
		snprintf(got, sizeof(got), "%s", n);
		free(n);
		got[strcspn(got, "\n")] = '\0';
		if (strcmp(got, name))
			continue;
		snprintf(path, sizeof(path), "/dev/%s", e->d_name);
		fd = open(path, flags | O_CLOEXEC);
		if (fd < 0 && errno != ENOENT)
			say("lkvm-init: cannot open %s (%s): %s", path, name,
			    strerror(errno));
	}
	closedir(d);
	return fd;
}

/* For the report when the channel is missing: every port and its name. */
static const char *ports_seen(void)
{
	static char seen[256];
	DIR *d = opendir("/sys/class/virtio-ports");
	struct dirent *e;
	size_t n = 0;

	seen[0] = '\0';
	while (d && (e = readdir(d)) && n < sizeof(seen) - 64) {
		char path[300], *name;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/virtio-ports/%s/name",
			 e->d_name);
		name = read_file(path, NULL);
		if (name)
			name[strcspn(name, "\n")] = '\0';
		n += (size_t)snprintf(seen + n, sizeof(seen) - n, "%s%s=%.40s",
				      n ? " " : "", e->d_name,
				      name ? name : "(no name)");
		free(name);
	}
	if (d)
		closedir(d);
	return n ? seen : d ? "none" : "none (no /sys/class/virtio-ports)";
}

/*
 * Drivers register before the init runs (built in) or while their module
 * loads: a missing one means waiting would be in vain.
 */
static bool driver_present(const char *bus, const char *driver)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/%s/drivers/%s", bus, driver);
	return !access(path, F_OK);
}

void need_driver(const struct ports *p, const char *bus, const char *driver,
		 const char *module)
{
	if (!driver_present(bus, driver))
		fatal(p, "the guest kernel has no %s driver: %s is neither built in nor among the modules lkvm packed (see --modules)",
		      driver, module);
}

void open_ports(struct ports *p, bool need_stdio)
{
	need_driver(p, "platform", "virtio-mmio", "virtio_mmio");
	need_driver(p, "virtio", "virtio_console", "virtio_console");
	for (long waited = 0; waited < PORT_WAIT_MS; waited += PORT_POLL_MS) {
		if (p->status < 0)
			p->status = open_named(PORT_STATUS, O_RDWR);
		if (need_stdio && p->in < 0)
			p->in = open_named(PORT_STDIN, O_RDONLY);
		if (need_stdio && p->out < 0)
			p->out = open_named(PORT_STDOUT, O_WRONLY);
		if (need_stdio && p->err < 0)
			p->err = open_named(PORT_STDERR, O_WRONLY);
		if (p->status >= 0 &&
		    (!need_stdio || (p->in >= 0 && p->out >= 0 && p->err >= 0)))
			return;
		sleep_ms(PORT_POLL_MS);
	}
	fatal(p, "the sandbox channel did not appear (a virtio-console with ports %s; ports seen: %s): is virtio_console in the kernel or among its modules?",
	      p->status < 0 ? PORT_STATUS : "for stdin, stdout and stderr",
	      ports_seen());
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The command and this run's settings, from lkvm on the status port
 * (include/lkvm/sandbox_wire.h): read once the init has said "ready",
 * after booting or after lkvm restored a warm template, so that one
 * booted guest serves any command. Then what must differ from run to run
 * although the guest's memory is the template's: the wall clock and the
 * random number generator.
 */
#include "init.h"

#include "../../include/lkvm/sandbox_wire.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/random.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static void read_exact(const struct ports *p, uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = read(p->status, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fatal(p, "the command from lkvm was cut short: %s",
			      n ? strerror(errno) : "the port closed");
		buf += n;
		len -= (size_t)n;
	}
}

static uint32_t le32(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static uint64_t le64(const uint8_t *b)
{
	return (uint64_t)le32(b) | (uint64_t)le32(b + 4) << 32;
}

/* A NUL-terminated copy of an entry's bytes (entries are not). */
static char *dup_entry(const uint8_t *v, uint32_t len)
{
	char *s = malloc((size_t)len + 1);

	if (s) {
		memcpy(s, v, len);
		s[len] = '\0';
	}
	return s;
}

/*
 * Mixes the host's entropy into the pool and reseeds the generator from
 * it at once: a restored template would otherwise hand every run the
 * same random numbers until the kernel's next scheduled reseed.
 */
static void reseed(const uint8_t *seed, uint32_t len)
{
	struct {
		struct rand_pool_info info;
		uint8_t buf[SBX_WIRE_SEED_BYTES];
	} e;
	int fd = open("/dev/urandom", O_WRONLY | O_CLOEXEC);

	if (len > sizeof(e.buf))
		len = sizeof(e.buf);
	memset(&e, 0, sizeof(e));
	e.info.entropy_count = (int)len * 8;
	e.info.buf_size = (int)len;
	memcpy(e.buf, seed, len);
	if (fd < 0 || ioctl(fd, RNDADDENTROPY, &e) || ioctl(fd, RNDRESEEDCRNG))
		say("lkvm-init: cannot reseed the random number generator: %s",
		    strerror(errno));
	if (fd >= 0)
		close(fd);
	memset(&e, 0, sizeof(e));
}

static int take(struct init_config *cfg, uint8_t type, const uint8_t *v,
		uint32_t len, size_t *nr_args)
{
	switch (type) {
	case SBX_WIRE_ARG:
		cfg->argv[(*nr_args)++] = dup_entry(v, len);
		return 0;
	case SBX_WIRE_SCRIPT:
		cfg->script = dup_entry(v, len);
		cfg->script_len = len;
		return 0;
	case SBX_WIRE_PATH:
		cfg->path = dup_entry(v, len);
		return 0;
	case SBX_WIRE_CWD:
		cfg->cwd = dup_entry(v, len);
		return 0;
	case SBX_WIRE_HOSTNAME:
		cfg->hostname = dup_entry(v, len);
		return 0;
	case SBX_WIRE_TERM:
		cfg->term = dup_entry(v, len);
		return 0;
	case SBX_WIRE_TTY:
		cfg->tty = len == 1 && v[0] == 1;
		return 0;
	case SBX_WIRE_REALTIME:
		if (len == 8)
			set_clock_from_host(le64(v));
		return 0;
	case SBX_WIRE_SEED:
		reseed(v, len);
		return 0;
	default:
		return 0;	/* a later lkvm's: not for this init */
	}
}

void read_command(struct init_config *cfg, const struct ports *p)
{
	uint8_t head[SBX_WIRE_HEADER], *msg;
	size_t at = 0, nr_args = 0, max_args;
	uint32_t len;

	read_exact(p, head, sizeof(head));
	len = le32(head + 4);
	if (memcmp(head, SBX_WIRE_MAGIC, 4) || len > SBX_WIRE_MAX)
		fatal(p, "lkvm sent no command this init understands");
	msg = malloc(len ? len : 1);
	if (!msg)
		fatal(p, "no memory for the command (%u bytes)", len);
	read_exact(p, msg, len);
	/* At most one argument per entry header's worth of bytes. */
	max_args = len / SBX_WIRE_ENTRY_HEADER + 1;
	cfg->argv = calloc(max_args + 1, sizeof(*cfg->argv));
	if (!cfg->argv)
		fatal(p, "no memory for the command's arguments");
	while (len - at >= SBX_WIRE_ENTRY_HEADER) {
		uint8_t type = msg[at];
		uint32_t n = le32(msg + at + 1);

		at += SBX_WIRE_ENTRY_HEADER;
		if (n > len - at)
			fatal(p, "lkvm's command is malformed");
		take(cfg, type, msg + at, n, &nr_args);
		at += n;
	}
	free(msg);
	if (!cfg->script && !nr_args)
		fatal(p, "lkvm sent no command");
	if (cfg->hostname &&
	    sethostname(cfg->hostname, strlen(cfg->hostname)))
		say("lkvm-init: cannot set the host name: %s", strerror(errno));
}

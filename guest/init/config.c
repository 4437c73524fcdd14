// SPDX-License-Identifier: GPL-2.0
/*
 * How lkvm set up the guest, from the initramfs: /lkvm/config holds
 * "key=value" entries, each terminated by a NUL byte: the root's 9p tag
 * and whether it is read-only, the host's "/" tag. What belongs to one
 * run (the command, its directory, the terminal) comes later, on the
 * channel (command.c): a warm template serves many runs.
 */
#include "init.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Splits @buf[0, len) at NUL bytes; returns a NULL-terminated array. */
static char **split(char *buf, size_t len, size_t *count)
{
	size_t n = 0, i = 0;
	char **v;

	for (size_t k = 0; k < len; k++)
		n += !buf[k];
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return NULL;
	for (size_t k = 0; k < len && i < n; i++) {
		v[i] = buf + k;
		k += strlen(buf + k) + 1;
	}
	*count = n;
	return v;
}

static void set(struct init_config *cfg, char *key, char *value)
{
	if (!strcmp(key, "root"))
		cfg->root_tag = value;
	else if (!strcmp(key, "host"))
		cfg->host_tag = value;
	else if (!strcmp(key, "root_ro"))
		cfg->root_ro = !strcmp(value, "1");
	else
		say("lkvm-init: ignoring unknown setting '%s'", key);
}

int load_config(struct init_config *cfg, const struct ports *p)
{
	size_t len, n;
	char *buf = read_file(INIT_CONFIG, &len), **kv;

	if (!buf)
		fatal(p, "no %s in the initramfs: %s (was this guest started by lkvm sandbox?)",
		      INIT_CONFIG, strerror(errno));
	kv = split(buf, len, &n);
	for (size_t i = 0; kv && i < n; i++) {
		char *eq = strchr(kv[i], '=');

		if (eq) {
			*eq = '\0';
			set(cfg, kv[i], eq + 1);
		}
	}
	free(kv);
	if (!cfg->root_tag)
		cfg->root_tag = "/dev/root";
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * What lkvm asks of the init, from the initramfs: /lkvm/config holds
 * "key=value" entries and /lkvm/argv the command's arguments, each
 * terminated by a NUL byte (so any byte but NUL survives: spaces,
 * quotes, newlines); /lkvm/script a --sandbox script.
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
	if (!strcmp(key, "cwd"))
		cfg->cwd = value;
	else if (!strcmp(key, "hostname"))
		cfg->hostname = value;
	else if (!strcmp(key, "term"))
		cfg->term = value;
	else if (!strcmp(key, "root"))
		cfg->root_tag = value;
	else if (!strcmp(key, "host"))
		cfg->host_tag = value;
	else if (!strcmp(key, "root_ro"))
		cfg->root_ro = !strcmp(value, "1");
	else if (!strcmp(key, "tty"))
		cfg->tty = !strcmp(value, "1");
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

	cfg->script = read_file(INIT_SCRIPT, &cfg->script_len);
	if (cfg->script)
		return 0;
	buf = read_file(INIT_ARGV, &len);
	if (!buf || !len)
		fatal(p, "no command in the initramfs (%s)", INIT_ARGV);
	cfg->argv = split(buf, len, &n);
	if (!cfg->argv || !n)
		fatal(p, "no command in the initramfs (%s)", INIT_ARGV);
	return 0;
}

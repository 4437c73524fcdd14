// SPDX-License-Identifier: GPL-2.0
#include <lkvm/cmdline.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

char *cmdline_build(const char *const *defaults, unsigned int nr_defaults,
		    const char *user)
{
	size_t len = 1, pieces = 0;
	char *s;

	for (unsigned int i = 0; i < nr_defaults; i++, pieces++)
		len += strlen(defaults[i]);
	if (user && *user) {
		len += strlen(user);
		pieces++;
	}
	if (pieces > 1)
		len += pieces - 1;	/* separating spaces */
	if (len > GUEST_CMDLINE_MAX) {
		errno = E2BIG;
		return NULL;
	}
	s = calloc(1, len);
	if (!s)
		return NULL;
	for (unsigned int i = 0; i < nr_defaults; i++) {
		if (*s)
			strcat(s, " ");
		strcat(s, defaults[i]);
	}
	if (user && *user) {
		if (*s)
			strcat(s, " ");
		strcat(s, user);
	}
	return s;
}

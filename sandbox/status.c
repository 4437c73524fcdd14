// SPDX-License-Identifier: GPL-2.0
/* The one status line the guest init sends: parsed strictly. */
#include <lkvm/sandbox.h>

#include <errno.h>
#include <string.h>

const char *const sandbox_port_names[SANDBOX_NR_PORTS] = {
	[SANDBOX_PORT_STATUS] = "org.lkvm.sandbox.status",
	[SANDBOX_PORT_STDIN] = "org.lkvm.sandbox.stdin",
	[SANDBOX_PORT_STDOUT] = "org.lkvm.sandbox.stdout",
	[SANDBOX_PORT_STDERR] = "org.lkvm.sandbox.stderr",
};

/* A decimal from @min to @max: digits only, no sign, no leading zero. */
static int parse_number(const char *s, size_t len, int min, int max, int *out)
{
	int v = 0;

	if (!len || len > 3 || (len > 1 && s[0] == '0'))
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	if (v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static bool starts(const char *line, size_t len, const char *word)
{
	size_t n = strlen(word);

	return len >= n && !memcmp(line, word, n);
}

int sandbox_parse_status(const char *line, size_t len,
			 struct sandbox_result *r)
{
	int v;

	if (starts(line, len, "exit ")) {
		if (parse_number(line + 5, len - 5, 0, 255, &v))
			return -EINVAL;
		r->status = v;
	} else if (starts(line, len, "signal ")) {
		if (parse_number(line + 7, len - 7, 1, 64, &v))
			return -EINVAL;
		r->status = 128 + v;
	} else if (starts(line, len, "error ")) {
		size_t n = len - 6;

		if (!n || n > SANDBOX_ERROR_TEXT_MAX)
			return -EINVAL;
		for (size_t i = 6; i < len; i++)
			if (line[i] < 0x20 || line[i] > 0x7e)
				return -EINVAL;
		memcpy(r->message, line + 6, n);
		r->message[n] = '\0';
		r->init_error = true;
		r->status = SANDBOX_EXIT_SETUP;
	} else {
		return -EINVAL;
	}
	r->reported = true;
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
#include <lkvm/parse.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Parses the leading digits of @s; *end points past them. */
static int parse_u64_prefix(const char *s, uint64_t *out, const char **end)
{
	unsigned int base = 10;
	uint64_t v = 0;
	const char *p = s;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char)p[2])) {
		base = 16;
		p += 2;
	}
	if (!isxdigit((unsigned char)*p) || (base == 10 && !isdigit((unsigned char)*p)))
		return -EINVAL;
	for (; *p; p++) {
		unsigned int d;

		if (isdigit((unsigned char)*p))
			d = (unsigned int)(*p - '0');
		else if (base == 16 && isxdigit((unsigned char)*p))
			d = (unsigned int)(tolower((unsigned char)*p) - 'a' + 10);
		else
			break;
		if (mul_overflows_u64(v, base, &v) || add_overflows_u64(v, d, &v))
			return -ERANGE;
	}
	*out = v;
	*end = p;
	return 0;
}

int parse_u64(const char *s, uint64_t *out)
{
	const char *end;
	int ret = parse_u64_prefix(s, out, &end);

	if (ret)
		return ret;
	return *end ? -EINVAL : 0;
}

int parse_uint(const char *s, unsigned int max, unsigned int *out)
{
	uint64_t v;
	int ret = parse_u64(s, &v);

	if (ret)
		return ret;
	if (v > max)
		return -ERANGE;
	*out = (unsigned int)v;
	return 0;
}

int parse_size(const char *s, uint64_t default_unit, uint64_t *bytes)
{
	static const struct {
		char c;
		unsigned int shift;
	} units[] = { { 'K', 10 }, { 'M', 20 }, { 'G', 30 }, { 'T', 40 } };
	uint64_t v, unit = default_unit;
	const char *end;
	int ret = parse_u64_prefix(s, &v, &end);

	if (ret)
		return ret;
	if (*end) {
		bool found = false;

		for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
			if (toupper((unsigned char)*end) == units[i].c) {
				unit = 1ULL << units[i].shift;
				found = true;
			}
		}
		if (!found)
			return -EINVAL;
		end++;
		if (*end && strcasecmp(end, "B") && strcasecmp(end, "iB"))
			return -EINVAL;
	}
	if (!v)
		return -EINVAL;
	if (mul_overflows_u64(v, unit, bytes))
		return -ERANGE;
	return 0;
}

int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "on", "yes", "true", "1" };
	static const char *const no[] = { "off", "no", "false", "0" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

int parse_error(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

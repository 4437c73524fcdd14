// SPDX-License-Identifier: GPL-2.0
/* -n/--network specifications: parsed and checked, no side effects. */
#include <lkvm/net_spec.h>

#include <lkvm/parse.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* kvmtool keys lkvm does not implement: refused by name, not as typos. */
static const char *const unsupported_keys[] = {
	"host_ip", "guest_ip", "host_mac", "script", "downscript",
	"vhost", "fd", "trans", "mq",
};

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int net_mac_parse(const char *s, size_t len, uint8_t mac[NET_ETH_ALEN],
		  char *err, size_t err_len)
{
	bool zero = true;

	if (len != 17)
		goto bad;
	for (unsigned int i = 0; i < NET_ETH_ALEN; i++) {
		int hi = hex_digit(s[3 * i]), lo = hex_digit(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			goto bad;
		mac[i] = (uint8_t)(hi << 4 | lo);
		zero &= !mac[i];
	}
	if (mac[0] & 1)
		return parse_error(err, err_len,
				   "%.*s is a multicast address; a NIC needs a unicast one (first byte even)",
				   (int)len, s);
	if (zero)
		return parse_error(err, err_len,
				   "00:00:00:00:00:00 cannot be a NIC's address");
	return 0;
bad:
	return parse_error(err, err_len,
			   "'%.*s' is not a MAC address (expected six hex bytes like 52:54:00:12:34:56)",
			   (int)len, s);
}

/* A port number 1-65535, the whole of [s, s + len). */
static int parse_port(const char *s, size_t len, uint16_t *port)
{
	char buf[8];
	unsigned int v;

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = 0;
	for (size_t i = 0; i < len; i++)
		if (!isdigit((unsigned char)buf[i]))
			return -EINVAL;
	if (parse_uint(buf, 65535, &v) || !v)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* Dotted-quad IPv4, each part 0-255, the whole of [s, s + len). */
static bool is_ipv4(const char *s, size_t len)
{
	unsigned int parts = 0, digits = 0, v = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (!digits || v > 255)
				return false;
			parts++;
			digits = 0;
			v = 0;
			continue;
		}
		if (!isdigit((unsigned char)s[i]) || ++digits > 3)
			return false;
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	return parts == 4;
}

/* PROTO:[ADDR:]HOSTPORT:GUESTPORT */
static int parse_hostfwd(const char *s, size_t len, struct vm_nic *nic,
			 char *err, size_t err_len)
{
	struct net_hostfwd fwd = { 0 };
	const char *field[4];
	size_t flen[4];
	unsigned int n = 0;
	const char *p = s, *end = s + len;

	for (size_t i = 0; i < len; i++)
		n += s[i] == ':';
	if (n != 2 && n != 3)
		goto bad;
	n = 0;
	for (;;) {
		const char *colon = memchr(p, ':', (size_t)(end - p));

		field[n] = p;
		flen[n++] = (size_t)((colon ? colon : end) - p);
		if (!colon)
			break;
		p = colon + 1;
	}
	if (flen[0] == 3 && !strncmp(field[0], "udp", 3))
		fwd.udp = true;
	else if (flen[0] != 3 || strncmp(field[0], "tcp", 3))
		goto bad;
	if (n == 4) {
		if (!is_ipv4(field[1], flen[1]))
			return parse_error(err, err_len,
					   "hostfwd=%.*s: '%.*s' is not an IPv4 address",
					   (int)len, s, (int)flen[1], field[1]);
		memcpy(fwd.addr, field[1], flen[1]);
	}
	if (parse_port(field[n - 2], flen[n - 2], &fwd.host_port) ||
	    parse_port(field[n - 1], flen[n - 1], &fwd.guest_port))
		return parse_error(err, err_len,
				   "hostfwd=%.*s: ports must be numbers from 1 to 65535",
				   (int)len, s);
	for (unsigned int i = 0; i < nic->nr_hostfwd; i++)
		if (nic->hostfwd[i].udp == fwd.udp &&
		    nic->hostfwd[i].host_port == fwd.host_port)
			return parse_error(err, err_len,
					   "hostfwd=%.*s: host port %u is forwarded twice",
					   (int)len, s, fwd.host_port);
	if (nic->nr_hostfwd == NET_MAX_HOSTFWD)
		return parse_error(err, err_len, "at most %u hostfwd= per NIC",
				   NET_MAX_HOSTFWD);
	nic->hostfwd[nic->nr_hostfwd++] = fwd;
	return 0;
bad:
	return parse_error(err, err_len,
			   "hostfwd=%.*s: expected tcp:[ADDR:]HOSTPORT:GUESTPORT or udp:...",
			   (int)len, s);
}

/* An interface name the kernel would accept (dev_valid_name()). */
static int parse_ifname(const char *s, size_t len, char *out, char *err,
			size_t err_len)
{
	if (!len || len >= NET_IFNAMSIZ)
		return parse_error(err, err_len,
				   "tapif=%.*s: an interface name has 1 to %d characters",
				   (int)len, s, NET_IFNAMSIZ - 1);
	if ((len == 1 && s[0] == '.') || (len == 2 && !strncmp(s, "..", 2)))
		return parse_error(err, err_len, "tapif=%.*s: not a valid name",
				   (int)len, s);
	for (size_t i = 0; i < len; i++)
		if (s[i] == '/' || s[i] == ':' || isspace((unsigned char)s[i]) ||
		    !isprint((unsigned char)s[i]))
			return parse_error(err, err_len,
					   "tapif=%.*s: '/', ':' and white space are not allowed in an interface name",
					   (int)len, s);
	memcpy(out, s, len);
	out[len] = 0;
	return 0;
}

static int unknown_key(const char *key, size_t len, char *err, size_t err_len)
{
	for (size_t i = 0; i < ARRAY_SIZE(unsupported_keys); i++)
		if (strlen(unsupported_keys[i]) == len &&
		    !strncmp(key, unsupported_keys[i], len))
			return parse_error(err, err_len,
					   "%s= is not supported by lkvm",
					   unsupported_keys[i]);
	return parse_error(err, err_len,
			   "unknown key '%.*s' (keys: mode, tapif, guest_mac, hostfwd)",
			   (int)len, key);
}

static int parse_mode(const char *v, size_t len, enum net_mode *mode,
		      char *err, size_t err_len)
{
	if (len == 4 && !strncmp(v, "user", 4))
		*mode = NET_MODE_USER;
	else if (len == 3 && !strncmp(v, "tap", 3))
		*mode = NET_MODE_TAP;
	else if (len == 4 && !strncmp(v, "none", 4))
		*mode = NET_MODE_NONE;
	else
		return parse_error(err, err_len,
				   "unknown mode '%.*s' (expected user, tap or none)",
				   (int)len, v);
	return 0;
}

static bool key_is(const char *key, size_t len, const char *name)
{
	return strlen(name) == len && !strncmp(key, name, len);
}

int net_spec_parse(const char *spec, struct vm_nic *nic, char *err,
		   size_t err_len)
{
	bool have_mode = false, have_tapif = false;
	const char *p = spec;
	int ret;

	memset(nic, 0, sizeof(*nic));
	nic->mode = NET_MODE_USER;	/* kvmtool's default mode */
	if (!*spec)
		return parse_error(err, err_len,
				   "expected mode=user, mode=tap or mode=none");
	for (;;) {
		size_t item = strcspn(p, ",");
		const char *eq = memchr(p, '=', item);
		size_t klen = eq ? (size_t)(eq - p) : item;
		const char *v = eq ? eq + 1 : NULL;
		size_t vlen = eq ? item - klen - 1 : 0;

		if (!eq || !klen)
			return parse_error(err, err_len,
					   "'%.*s' is not KEY=VALUE (keys: mode, tapif, guest_mac, hostfwd)",
					   (int)item, p);
		if (key_is(p, klen, "mode")) {
			if (have_mode)
				return parse_error(err, err_len, "mode= given twice");
			have_mode = true;
			ret = parse_mode(v, vlen, &nic->mode, err, err_len);
		} else if (key_is(p, klen, "tapif")) {
			have_tapif = true;
			ret = parse_ifname(v, vlen, nic->tapif, err, err_len);
		} else if (key_is(p, klen, "guest_mac")) {
			nic->has_mac = true;
			ret = net_mac_parse(v, vlen, nic->mac, err, err_len);
		} else if (key_is(p, klen, "hostfwd")) {
			ret = parse_hostfwd(v, vlen, nic, err, err_len);
		} else {
			ret = unknown_key(p, klen, err, err_len);
		}
		if (ret)
			return ret;
		if (!p[item])
			break;
		p += item + 1;
	}
	if (nic->mode == NET_MODE_NONE &&
	    (have_tapif || nic->has_mac || nic->nr_hostfwd))
		return parse_error(err, err_len,
				   "mode=none takes no other keys");
	if (have_tapif && nic->mode != NET_MODE_TAP)
		return parse_error(err, err_len, "tapif= needs mode=tap");
	if (nic->nr_hostfwd && nic->mode != NET_MODE_USER)
		return parse_error(err, err_len, "hostfwd= needs mode=user");
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_NET_SPEC_H
#define LKVM_NET_SPEC_H

#include <lkvm/compiler.h>

/*
 * What one -n/--network option asks for, parsed without side effects
 * (net/spec.c). The device model (virtio/net.c) turns each into a
 * virtio-net device with its backend.
 */

#define VM_MAX_NICS 8
#define NET_MAX_HOSTFWD 8
#define NET_IFNAMSIZ 16		/* IFNAMSIZ, the NUL included */
#define NET_ETH_ALEN 6

enum net_mode {
	NET_MODE_NONE,		/* -n mode=none: no network at all */
	NET_MODE_USER,		/* user-mode networking through passt */
	NET_MODE_TAP,		/* a TUN/TAP interface on the host */
};

/* hostfwd=tcp:[ADDR:]HOSTPORT:GUESTPORT (or udp:). */
struct net_hostfwd {
	bool udp;
	char addr[16];		/* dotted IPv4; empty: every address */
	uint16_t host_port;
	uint16_t guest_port;
};

struct vm_nic {
	const char *spec;		/* as given (points into argv) */
	enum net_mode mode;
	char tapif[NET_IFNAMSIZ];	/* empty: the kernel picks tapN */
	bool has_mac;
	uint8_t mac[NET_ETH_ALEN];
	unsigned int nr_hostfwd;
	struct net_hostfwd hostfwd[NET_MAX_HOSTFWD];
};

/*
 * Parses "[mode=user|tap|none][,tapif=NAME][,guest_mac=MAC]
 * [,hostfwd=PROTO:[ADDR:]HPORT:GPORT]..." (mode defaults to user, as in
 * kvmtool). Returns 0, or -EINVAL with the reason in @err.
 */
int net_spec_parse(const char *spec, struct vm_nic *nic, char *err,
		   size_t err_len);

/*
 * "xx:xx:xx:xx:xx:xx", hex digits, either case. A NIC needs a unicast
 * address that is not all zeroes. Returns 0 or -EINVAL with @err set.
 */
int net_mac_parse(const char *s, size_t len, uint8_t mac[NET_ETH_ALEN],
		  char *err, size_t err_len);

#endif

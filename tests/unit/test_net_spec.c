#include "harness.h"

#include <lkvm/net_spec.h>

#include <string.h>

static struct vm_nic nic;
static char err[200];

static int parse(const char *spec)
{
	err[0] = 0;
	return net_spec_parse(spec, &nic, err, sizeof(err));
}

/* Refused, with a reason that mentions @what. */
static void refused(const char *spec, const char *what)
{
	if (parse(spec) == 0) {
		check_failed(__FILE__, __LINE__, "'%s' accepted", spec);
		return;
	}
	if (!strstr(err, what))
		check_failed(__FILE__, __LINE__, "'%s': reason '%s' lacks '%s'",
			     spec, err, what);
}

static void test_modes(void)
{
	CHECK_EQ(parse("mode=user"), 0);
	CHECK_EQ(nic.mode, NET_MODE_USER);
	CHECK_EQ(parse("mode=tap"), 0);
	CHECK_EQ(nic.mode, NET_MODE_TAP);
	CHECK_EQ(nic.tapif[0], 0);
	CHECK_EQ(parse("mode=none"), 0);
	CHECK_EQ(nic.mode, NET_MODE_NONE);
	/* kvmtool's default mode is user. */
	CHECK_EQ(parse("guest_mac=52:54:00:12:34:56"), 0);
	CHECK_EQ(nic.mode, NET_MODE_USER);
	refused("", "mode=user");
	refused("mode=slirp", "unknown mode 'slirp'");
	refused("mode=", "unknown mode ''");
	refused("mode=user,mode=tap", "twice");
	refused("tap", "not KEY=VALUE");
	refused("mode=user,", "not KEY=VALUE");
	refused(",mode=user", "not KEY=VALUE");
	refused("=user", "not KEY=VALUE");
	refused("mode=none,guest_mac=52:54:00:12:34:56", "mode=none takes no");
	refused("colour=blue", "unknown key 'colour'");
	refused("mode=tap,script=/etc/ifup", "script= is not supported");
	refused("mode=tap,vhost=1", "vhost= is not supported");
}

static void test_tapif(void)
{
	CHECK_EQ(parse("mode=tap,tapif=lkvm-tap0"), 0);
	CHECK_STR(nic.tapif, "lkvm-tap0");
	CHECK_EQ(parse("tapif=tap%d,mode=tap"), 0);
	CHECK_STR(nic.tapif, "tap%d");
	CHECK_EQ(parse("mode=tap,tapif=123456789012345"), 0);
	refused("mode=tap,tapif=1234567890123456", "1 to 15 characters");
	refused("mode=tap,tapif=", "1 to 15 characters");
	refused("mode=tap,tapif=a/b", "not allowed");
	refused("mode=tap,tapif=a b", "not allowed");
	refused("mode=tap,tapif=a:1", "not allowed");
	refused("mode=tap,tapif=..", "not a valid name");
	refused("mode=user,tapif=tap0", "tapif= needs mode=tap");
	refused("tapif=tap0", "tapif= needs mode=tap");
}

static void test_mac(void)
{
	uint8_t want[6] = { 0x52, 0x54, 0x00, 0xab, 0xCD, 0xef };

	CHECK_EQ(parse("mode=tap,guest_mac=52:54:00:AB:cd:EF"), 0);
	CHECK(nic.has_mac);
	CHECK(!memcmp(nic.mac, want, 6));
	CHECK_EQ(parse("mode=user"), 0);
	CHECK(!nic.has_mac);
	refused("guest_mac=01:00:5e:00:00:01", "multicast");
	refused("guest_mac=ff:ff:ff:ff:ff:ff", "multicast");
	refused("guest_mac=00:00:00:00:00:00", "cannot be a NIC's address");
	refused("guest_mac=52:54:00:12:34", "not a MAC address");
	refused("guest_mac=52:54:00:12:34:567", "not a MAC address");
	refused("guest_mac=52-54-00-12-34-56", "not a MAC address");
	refused("guest_mac=52:54:00:12:34:5g", "not a MAC address");
	refused("guest_mac=", "not a MAC address");
}

static void test_hostfwd(void)
{
	CHECK_EQ(parse("mode=user,hostfwd=tcp:8080:80,hostfwd=udp:127.0.0.1:5353:53"), 0);
	CHECK_EQ(nic.nr_hostfwd, 2);
	CHECK(!nic.hostfwd[0].udp);
	CHECK_STR(nic.hostfwd[0].addr, "");
	CHECK_EQ(nic.hostfwd[0].host_port, 8080);
	CHECK_EQ(nic.hostfwd[0].guest_port, 80);
	CHECK(nic.hostfwd[1].udp);
	CHECK_STR(nic.hostfwd[1].addr, "127.0.0.1");
	CHECK_EQ(nic.hostfwd[1].host_port, 5353);
	CHECK_EQ(nic.hostfwd[1].guest_port, 53);
	/* The same port for both protocols is two forwards. */
	CHECK_EQ(parse("hostfwd=tcp:53:53,hostfwd=udp:53:53"), 0);
	CHECK_EQ(parse("hostfwd=tcp:65535:1"), 0);
	refused("hostfwd=tcp:8080:80,hostfwd=tcp:8080:81", "forwarded twice");
	refused("hostfwd=tcp:0:80", "1 to 65535");
	refused("hostfwd=tcp:65536:80", "1 to 65535");
	refused("hostfwd=tcp:80:", "1 to 65535");
	refused("hostfwd=tcp:-1:80", "1 to 65535");
	refused("hostfwd=tcp:8080", "expected tcp:");
	refused("hostfwd=sctp:1:2", "expected tcp:");
	refused("hostfwd=tcp:1.2.3.4:5:6:7", "expected tcp:");
	refused("hostfwd=tcp:1.2.3:5:6", "not an IPv4 address");
	refused("hostfwd=tcp:1.2.3.256:5:6", "not an IPv4 address");
	refused("hostfwd=tcp:localhost:5:6", "not an IPv4 address");
	refused("hostfwd=", "expected tcp:");
	refused("mode=tap,hostfwd=tcp:1:2", "hostfwd= needs mode=user");
	CHECK_EQ(parse("hostfwd=tcp:1:1,hostfwd=tcp:2:1,hostfwd=tcp:3:1,hostfwd=tcp:4:1,"
		       "hostfwd=tcp:5:1,hostfwd=tcp:6:1,hostfwd=tcp:7:1,hostfwd=tcp:8:1"),
		 0);
	refused("hostfwd=tcp:1:1,hostfwd=tcp:2:1,hostfwd=tcp:3:1,hostfwd=tcp:4:1,"
		"hostfwd=tcp:5:1,hostfwd=tcp:6:1,hostfwd=tcp:7:1,hostfwd=tcp:8:1,"
		"hostfwd=tcp:9:1", "at most 8");
}

static const struct unit_test tests[] = {
	{ "modes", test_modes },
	{ "tapif", test_tapif },
	{ "mac", test_mac },
	{ "hostfwd", test_hostfwd },
};

UNIT_MAIN(tests)

// SPDX-License-Identifier: GPL-2.0
/*
 * TUN/TAP backend: frames go to a tap interface with the virtio-net
 * header in front (IFF_VNET_HDR), so checksum and segmentation offloads
 * pass through to the host kernel, which checks the header again.
 */
#include <lkvm/net_backend.h>

#include <lkvm/log.h>
#include <lkvm/virtio.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

struct tap {
	uint8_t *rxbuf;		/* NET_HDR_SIZE + NET_FRAME_MAX */
	size_t rx_len;		/* bytes of the frame in rxbuf, if any */
	unsigned int offloads;	/* TUNSETOFFLOAD flags in force */
	struct log_ratelimit rl;
};

static int tap_send(struct net_backend *be, uint8_t *buf, size_t len)
{
	struct tap *t = be->priv;
	ssize_t n = write(be->fd, buf, NET_HDR_SIZE + len);

	if (n >= 0)
		return 0;
	if (errno == EBADFD) {
		snprintf(be->err, sizeof(be->err),
			 "%s was deleted", be->desc);
		return -EBADFD;
	}
	/* Down, full, or a header the host refused: dropped, as a NIC does. */
	if (log_ratelimit_ok(&t->rl, 1))
		pr_debug("%s: frame of %zu bytes dropped: %s", be->desc, len,
			 strerror(errno));
	return 0;
}

static bool tap_tx_busy(const struct net_backend *be)
{
	(void)be;
	return false;
}

static int tap_tx_flush(struct net_backend *be)
{
	(void)be;
	return 0;
}

/* From the host kernel: the header and length are still checked. */
static int tap_recv(struct net_backend *be, struct net_hdr *hdr,
		    const uint8_t **frame, size_t *len)
{
	struct tap *t = be->priv;

	while (!t->rx_len) {
		ssize_t n = read(be->fd, t->rxbuf, NET_HDR_SIZE + NET_FRAME_MAX);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EBADFD) {
			snprintf(be->err, sizeof(be->err), "%s was deleted",
				 be->desc);
			return -EBADFD;
		}
		if (n < 0)
			return 0;	/* EAGAIN, or a transient error */
		if ((size_t)n >= NET_HDR_SIZE + NET_ETH_HLEN)
			t->rx_len = (size_t)n - NET_HDR_SIZE;
	}
	net_hdr_decode(t->rxbuf, hdr);
	*frame = t->rxbuf + NET_HDR_SIZE;
	*len = t->rx_len;
	return 1;
}

static void tap_recv_done(struct net_backend *be)
{
	struct tap *t = be->priv;

	t->rx_len = 0;
}

/*
 * The host kernel may hand over partial checksums and super-frames only
 * when the driver accepts them.
 */
static void tap_set_offloads(struct net_backend *be,
			     const struct net_offloads *ok)
{
	struct tap *t = be->priv;
	unsigned int want = (ok->csum ? TUN_F_CSUM : 0) |
			    (ok->tso4 ? TUN_F_TSO4 : 0) |
			    (ok->tso6 ? TUN_F_TSO6 : 0);

	if (want == t->offloads)
		return;
	if (ioctl(be->fd, TUNSETOFFLOAD, (unsigned long)want) < 0) {
		pr_debug("%s: TUNSETOFFLOAD 0x%x: %s", be->desc, want,
			 strerror(errno));
		return;
	}
	t->offloads = want;
}

static void tap_close(struct net_backend *be)
{
	struct tap *t = be->priv;

	if (be->fd >= 0)
		close(be->fd);
	be->fd = -1;
	if (t)
		free(t->rxbuf);
	free(t);
	be->priv = NULL;
}

static const struct net_backend_ops tap_ops = {
	.send = tap_send,
	.tx_busy = tap_tx_busy,
	.tx_flush = tap_tx_flush,
	.recv = tap_recv,
	.recv_done = tap_recv_done,
	.set_offloads = tap_set_offloads,
	.close = tap_close,
};

/* Brings the interface up when lkvm may; an admin's tap may be up. */
static void tap_up(const char *ifname)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (!ioctl(s, SIOCGIFFLAGS, &ifr) && !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr))
			pr_debug("tap %s: cannot bring it up: %s", ifname,
				 strerror(errno));
	}
	close(s);
}

static int tun_open_error(int err, char *why, size_t why_len)
{
	if (err == ENOENT || err == ENODEV || err == ENXIO)
		snprintf(why, why_len,
			 "/dev/net/tun is missing (load the tun module: modprobe tun)");
	else if (err == EACCES || err == EPERM)
		snprintf(why, why_len,
			 "cannot open /dev/net/tun: %s (lkvm needs CAP_NET_ADMIN or read-write access to it)",
			 strerror(err));
	else
		snprintf(why, why_len, "cannot open /dev/net/tun: %s",
			 strerror(err));
	return -err;
}

static int tunsetiff_error(int err, const char *name, char *why,
			   size_t why_len)
{
	const char *shown = *name ? name : "(a new tap)";

	if (err == EPERM)
		snprintf(why, why_len,
			 "cannot create tap %s: Operation not permitted (lkvm needs CAP_NET_ADMIN, or a tap made for this user: ip tuntap add NAME mode tap user USER)",
			 shown);
	else if (err == EBUSY)
		snprintf(why, why_len,
			 "tap %s is in use by another process", shown);
	else if (err == EINVAL)
		snprintf(why, why_len,
			 "cannot use %s as a tap: an interface of another kind has that name",
			 shown);
	else
		snprintf(why, why_len, "cannot create tap %s: %s", shown,
			 strerror(err));
	return -err;
}

int net_tap_open(struct net_backend *be, const struct vm_nic *nic, char *why,
		 size_t why_len)
{
	struct ifreq ifr = { 0 };
	int hdr_size = NET_HDR_SIZE;
	struct tap *t;
	int fd;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return tun_open_error(errno, why, why_len);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", nic->tapif);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int err = errno;

		close(fd);
		return tunsetiff_error(err, nic->tapif, why, why_len);
	}
	/* VERSION_1 headers carry num_buffers: 12 bytes, not 10. */
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr_size) < 0 ||
	    ioctl(fd, TUNSETOFFLOAD, 0UL) < 0) {
		int err = errno;

		snprintf(why, why_len, "tap %s: cannot set up virtio-net headers: %s",
			 ifr.ifr_name, strerror(err));
		close(fd);
		return -err;
	}
	t = calloc(1, sizeof(*t));
	if (t)
		t->rxbuf = malloc(NET_HDR_SIZE + NET_FRAME_MAX);
	if (!t || !t->rxbuf) {
		free(t);
		close(fd);
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	tap_up(ifr.ifr_name);
	be->ops = &tap_ops;
	be->fd = fd;
	be->priv = t;
	be->mtu = 0;
	be->features = BIT_ULL(VIRTIO_NET_F_CSUM) |
		       BIT_ULL(VIRTIO_NET_F_GUEST_CSUM) |
		       BIT_ULL(VIRTIO_NET_F_HOST_TSO4) |
		       BIT_ULL(VIRTIO_NET_F_HOST_TSO6) |
		       BIT_ULL(VIRTIO_NET_F_GUEST_TSO4) |
		       BIT_ULL(VIRTIO_NET_F_GUEST_TSO6);
	snprintf(be->desc, sizeof(be->desc), "tap %s", ifr.ifr_name);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_NET_BACKEND_H
#define LKVM_NET_BACKEND_H

#include <lkvm/net_spec.h>
#include <lkvm/virtio_net.h>

/*
 * Where a virtio-net device's frames go on the host: a TUN/TAP
 * interface (net/tap.c) or a passt process (net/passt.c). The device
 * thread (virtio/net.c) polls @fd and calls the ops; every call is
 * non-blocking. A call that returns -errno means the backend is gone for
 * good, with the reason in @err.
 */
struct net_backend;

struct net_backend_ops {
	/*
	 * Sends one frame: buf[0, NET_HDR_SIZE) holds its checked header,
	 * @len frame bytes follow. The backend may overwrite the header
	 * bytes. Returns 0 when the frame was sent, queued, or dropped as
	 * a NIC drops frames (a full or down interface).
	 */
	int (*send)(struct net_backend *be, uint8_t *buf, size_t len);
	/* Bytes queued by send() that the host has not taken yet. */
	bool (*tx_busy)(const struct net_backend *be);
	int (*tx_flush)(struct net_backend *be);
	/*
	 * The next frame from the host: 1 with @hdr, @frame and @len
	 * filled in (the same frame again until recv_done()), 0 when none
	 * is waiting, or -errno.
	 */
	int (*recv)(struct net_backend *be, struct net_hdr *hdr,
		    const uint8_t **frame, size_t *len);
	void (*recv_done)(struct net_backend *be);
	/* The receive offloads the driver accepts. */
	void (*set_offloads)(struct net_backend *be,
			     const struct net_offloads *ok);
	void (*close)(struct net_backend *be);
};

struct net_backend {
	const struct net_backend_ops *ops;
	int fd;			/* polled for POLLIN, and POLLOUT when busy */
	uint64_t features;	/* offload feature bits it can serve */
	uint16_t mtu;		/* non-zero: offered as VIRTIO_NET_F_MTU */
	char desc[32];		/* "passt", "tap tap0": for messages */
	char err[256];		/* why it is gone */
	void *priv;
};

/*
 * Opens /dev/net/tun and creates or attaches the tap @nic->tapif with
 * virtio-net headers. Returns 0, or -errno with the reason in @why.
 */
int net_tap_open(struct net_backend *be, const struct vm_nic *nic, char *why,
		 size_t why_len);

/*
 * Starts @passt (a path, or a name looked up in PATH) on one end of a
 * socket pair, with @nic's port forwards. With @wait, waits until it is
 * ready, so that a failure is reported here; without, returns at once
 * and a failure later shows as the backend being gone (the guest boots
 * meanwhile). Returns 0, or -errno with the reason in @why.
 */
int net_passt_open(struct net_backend *be, const struct vm_nic *nic,
		   const char *passt, bool wait, char *why, size_t why_len);

#endif

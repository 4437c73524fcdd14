/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_VIRTIO_PORTS_H
#define LKVM_VIRTIO_PORTS_H

#include <lkvm/virtio.h>

/*
 * A virtio-console with VIRTIO_CONSOLE_F_MULTIPORT (VIRTIO 1.2 section
 * 5.3) and named ports: the port mechanics (queues, the control protocol,
 * each side's open state, a reset) for an owner that decides what the
 * ports carry, such as the sandbox channel (sandbox/channel.c). All ops
 * run on the device's I/O thread, with the queue lock held.
 *
 * Queues: port 0 receive/transmit are 0 and 1, the control queues 2 (to
 * the guest) and 3 (from it), port N > 0 has 2N + 2 and 2N + 3.
 */

#define VIRTIO_PORTS_MAX (VIRTIO_MAX_QUEUES / 2U - 1U)
#define VIRTIO_PORT_NAME_MAX 32U

struct vports_ops {
	/*
	 * Bytes the guest wrote to @port: one buffer, its readable parts
	 * @iov[0..@nr) in order (guest memory; may be called often).
	 */
	void (*output)(void *opaque, unsigned int port,
		       const struct iovec *iov, unsigned int nr);
	/* Everything the guest had written to @port went to output(). */
	void (*output_done)(void *opaque, unsigned int port);
	/* Whether the host has bytes for the guest on @port. */
	bool (*input_pending)(void *opaque, unsigned int port);
	/* Moves pending bytes of @port into @c's writable part: how many. */
	size_t (*input)(void *opaque, unsigned int port,
			const struct virtq_chain *c);
	/* Whether the host side of @port is connected (PORT_OPEN). */
	bool (*host_connected)(void *opaque, unsigned int port);
	/* The owner's threads, and freeing the owner (which holds the device). */
	int (*start)(void *opaque);
	void (*stop)(void *opaque);
	void (*destroy)(void *opaque);
};

struct vports_ctrl_msg {
	uint32_t id;
	uint16_t event;
	uint16_t value;
	const char *name;	/* PORT_NAME only */
};

#define VPORTS_CTRL_PENDING_MAX 16U

struct vports {
	struct virtio_dev vd;
	const struct vports_ops *ops;
	void *opaque;
	unsigned int nr_ports;
	const char *const *names;

	/* I/O thread only. */
	struct virtq_chain chain;
	struct vports_ctrl_msg pending[VPORTS_CTRL_PENDING_MAX];
	unsigned int pending_head, nr_pending;
	bool port_ready[VIRTIO_PORTS_MAX];
	bool guest_open[VIRTIO_PORTS_MAX];
	bool host_open[VIRTIO_PORTS_MAX];	/* what the guest was told */
};

/*
 * Sets up @vp with @nr_ports ports called @names (each at most
 * VIRTIO_PORT_NAME_MAX bytes; the array lives as long as @vp), without
 * a VM (unit tests): 0 or -errno.
 */
int vports_setup(struct vports *vp, const struct guest_mem *mem,
		 unsigned int nr_ports, const char *const *names,
		 const struct vports_ops *ops, void *opaque, const char *name);
/* The same on the virtio-mmio transport of @vm. */
int vports_create(struct vm *vm, struct vports *vp, unsigned int nr_ports,
		  const char *const *names, const struct vports_ops *ops,
		  void *opaque, const char *name);

/* The owner has news (input, a host side that changed): any thread. */
void vports_host_changed(struct vports *vp);
/*
 * From an op: passes what the guest has written to @port so far to
 * output() now (e.g. the command's output before its exit status).
 */
void vports_drain(struct vports *vp, unsigned int port);

#endif

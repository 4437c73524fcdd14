// SPDX-License-Identifier: GPL-2.0
/*
 * A multiport virtio-console with named ports (VIRTIO 1.2 section 5.3):
 * the queues, the control protocol that tells the guest each port's name
 * and whether the host side is open, and resets. What the ports carry is
 * the owner's (include/lkvm/virtio_ports.h).
 */
#include <lkvm/virtio_ports.h>

#include <lkvm/parse.h>
#include <lkvm/state.h>
#include <lkvm/vm.h>

#include <endian.h>
#include <errno.h>
#include <string.h>

#define VIRTIO_CONSOLE_F_MULTIPORT 1
#define VIRTIO_ID_CONSOLE_PORTS VIRTIO_ID_CONSOLE
#define CONFIG_SIZE 12U		/* cols, rows, max_nr_ports, emerg_wr */
#define CTRL_RX 2		/* control messages to the guest */
#define CTRL_TX 3		/* control messages from the guest */

/* Control events (section 5.3.6.2). */
enum {
	DEVICE_READY = 0,
	DEVICE_ADD = 1,
	PORT_READY = 3,
	PORT_OPEN = 6,
	PORT_NAME = 7,
};
#define CTRL_HDR_SIZE 8U	/* id le32, event le16, value le16 */

static struct vports *to_vports(struct virtio_dev *vd)
{
	return container_of(vd, struct vports, vd);
}

static unsigned int rx_queue(unsigned int port)
{
	return port ? 2 + 2 * port : 0;
}

static unsigned int tx_queue(unsigned int port)
{
	return port ? 3 + 2 * port : 1;
}

static void ports_config_read(struct virtio_dev *vd, uint32_t offset,
			      uint8_t *data, unsigned int len)
{
	uint8_t cfg[CONFIG_SIZE] = { 0 };
	uint32_t ports = htole32(to_vports(vd)->nr_ports);

	memcpy(cfg + 4, &ports, 4);
	memcpy(data, cfg + offset, len);
}

static bool queue_ready(struct vports *vp, unsigned int q)
{
	return vp->vd.queues[q].ready;
}

static void queue_ctrl(struct vports *vp, uint32_t id, uint16_t event,
		       uint16_t value, const char *name)
{
	unsigned int slot;

	if (vp->nr_pending == VPORTS_CTRL_PENDING_MAX) {
		/* Only a guest repeating DEVICE_READY gets here. */
		virtio_broken(&vp->vd, "console ports: too many control requests");
		return;
	}
	slot = (vp->pending_head + vp->nr_pending++) % VPORTS_CTRL_PENDING_MAX;
	vp->pending[slot] = (struct vports_ctrl_msg){ id, event, value, name };
}

/*
 * Sends pending control messages into the guest's control receive
 * buffers. Guest-controlled: the queue (virtq_pop) and the buffers' size;
 * a buffer too small for a message breaks the device. Each pop sends one
 * pending message, so the loop ends within VPORTS_CTRL_PENDING_MAX pops.
 */
static void flush_ctrl(struct vports *vp)
{
	struct virtq *vq = &vp->vd.queues[CTRL_RX].vq;
	const char *why;
	int r = 1;

	if (!queue_ready(vp, CTRL_RX))
		return;
again:
	while (vp->nr_pending && (r = virtq_pop(vq, &vp->chain, &why)) > 0) {
		struct vports_ctrl_msg *m = &vp->pending[vp->pending_head];
		uint8_t buf[CTRL_HDR_SIZE + VIRTIO_PORT_NAME_MAX];
		uint32_t id = htole32(m->id);
		uint16_t ev = htole16(m->event), val = htole16(m->value);
		size_t len = CTRL_HDR_SIZE;

		memcpy(buf, &id, 4);
		memcpy(buf + 4, &ev, 2);
		memcpy(buf + 6, &val, 2);
		if (m->name) {
			size_t n = strnlen(m->name, VIRTIO_PORT_NAME_MAX);

			memcpy(buf + CTRL_HDR_SIZE, m->name, n);
			len += n;
		}
		if (vp->chain.in_len < len) {
			virtio_broken(&vp->vd,
				      "console ports: control buffer too small");
			return;
		}
		virtq_copy_to_in(&vp->chain, 0, buf, len);
		virtq_push(vq, vp->chain.head, (uint32_t)len);
		vp->pending_head = (vp->pending_head + 1) %
				   VPORTS_CTRL_PENDING_MAX;
		vp->nr_pending--;
	}
	if (r < 0) {
		virtio_broken(&vp->vd, why);
		return;
	}
	/* Messages wait for buffers: ask to hear when some are added. */
	if (vp->nr_pending && virtq_enable_notify(vq))
		goto again;
	virtio_queue_interrupt(&vp->vd, vq);
}

/* Tells the guest of every host side that opened or closed since. */
static void update_host_open(struct vports *vp)
{
	for (unsigned int p = 0; p < vp->nr_ports; p++) {
		bool open = vp->ops->host_connected(vp->opaque, p);

		if (vp->port_ready[p] && open != vp->host_open[p]) {
			vp->host_open[p] = open;
			queue_ctrl(vp, p, PORT_OPEN, open, NULL);
		}
	}
}

/*
 * Moves the owner's bytes for @port into its receive buffers, but only
 * while the guest has the port open: Linux drops data that arrives at a
 * closed port. Guest-controlled: the receive queue.
 */
static void fill_port(struct vports *vp, unsigned int port)
{
	unsigned int q = rx_queue(port), budget = VIRTIO_QUEUE_BUDGET;
	struct virtq *vq = &vp->vd.queues[q].vq;
	const char *why;
	bool left;
	int r = 1;

	if (!queue_ready(vp, q) || !vp->guest_open[port])
		return;
again:
	while ((left = vp->ops->input_pending(vp->opaque, port)) && budget &&
	       (r = virtq_pop(vq, &vp->chain, &why)) > 0) {
		size_t done = vp->ops->input(vp->opaque, port, &vp->chain);

		virtq_push(vq, vp->chain.head, (uint32_t)done);
		budget--;
	}
	if (r < 0) {
		virtio_broken(&vp->vd, why);
		return;
	}
	if (left && !budget)
		virtio_queue_yield(&vp->vd, q);
	/* Input waits for buffers: ask to hear when some are added. */
	else if (left && virtq_enable_notify(vq))
		goto again;
	virtio_queue_interrupt(&vp->vd, vq);
}

/*
 * What the guest transmits on @port. Guest-controlled: the queue and the
 * data; writable descriptors are ignored.
 */
static void drain_port(struct vports *vp, unsigned int port)
{
	unsigned int q = tx_queue(port), budget = VIRTIO_QUEUE_BUDGET;
	struct virtq *vq = &vp->vd.queues[q].vq;
	const char *why;
	int r = 0;

	if (!queue_ready(vp, q))
		return;
	do {
		virtq_disable_notify(vq);
		while (budget && (r = virtq_pop(vq, &vp->chain, &why)) > 0) {
			budget--;
			/* One call per buffer: the owner writes it at once. */
			vp->ops->output(vp->opaque, port, vp->chain.iov,
					vp->chain.nr_out);
			virtq_push(vq, vp->chain.head, 0);
		}
		if (r < 0) {
			virtio_broken(&vp->vd, why);
			break;
		}
		if (!budget) {
			virtio_queue_yield(&vp->vd, q);
			break;
		}
	} while (virtq_enable_notify(vq));
	virtio_queue_interrupt(&vp->vd, vq);
	vp->ops->output_done(vp->opaque, port);
}

void vports_drain(struct vports *vp, unsigned int port)
{
	if (port < vp->nr_ports)
		drain_port(vp, port);
}

/*
 * One control message from the guest. Guest-controlled: all 8 bytes.
 * Port ids at or above the number of ports and unknown events are
 * ignored.
 */
static void ctrl_from_guest(struct vports *vp, uint32_t id, uint16_t event,
			    uint16_t value)
{
	switch (event) {
	case DEVICE_READY:
		if (value != 1)
			break;
		for (unsigned int p = 0; p < vp->nr_ports; p++)
			queue_ctrl(vp, p, DEVICE_ADD, 1, NULL);
		break;
	case PORT_READY:
		if (id >= vp->nr_ports || vp->port_ready[id])
			break;
		if (value != 1) {
			pr_warn("%s: the guest could not add port %s",
				vp->vd.dev.name, vp->names[id]);
			break;
		}
		vp->port_ready[id] = true;
		vp->host_open[id] = vp->ops->host_connected(vp->opaque, id);
		queue_ctrl(vp, id, PORT_NAME, 0, vp->names[id]);
		queue_ctrl(vp, id, PORT_OPEN, vp->host_open[id], NULL);
		break;
	case PORT_OPEN:
		if (id < vp->nr_ports)
			vp->guest_open[id] = value == 1;
		break;
	default:
		break;
	}
}

static void fill_ports(struct vports *vp)
{
	for (unsigned int p = 0; p < vp->nr_ports; p++)
		fill_port(vp, p);
}

static void ctrl_queue(struct vports *vp)
{
	struct virtq *vq = &vp->vd.queues[CTRL_TX].vq;
	unsigned int budget = VIRTIO_QUEUE_BUDGET;
	const char *why;
	int r = 0;

	do {
		virtq_disable_notify(vq);
		while (budget && (r = virtq_pop(vq, &vp->chain, &why)) > 0) {
			uint8_t m[CTRL_HDR_SIZE];
			uint32_t id;
			uint16_t event, value;

			budget--;
			if (virtq_copy_from_out(&vp->chain, 0, m, sizeof(m)) ==
			    sizeof(m)) {
				memcpy(&id, m, 4);
				memcpy(&event, m + 4, 2);
				memcpy(&value, m + 6, 2);
				ctrl_from_guest(vp, le32toh(id), le16toh(event),
						le16toh(value));
			}
			/* The guest spins until this is back. */
			virtq_push(vq, vp->chain.head, 0);
		}
		if (r < 0) {
			virtio_broken(&vp->vd, why);
			return;
		}
		if (!budget) {
			virtio_queue_yield(&vp->vd, CTRL_TX);
			break;
		}
	} while (virtq_enable_notify(vq));
	virtio_queue_interrupt(&vp->vd, vq);
	fill_ports(vp);
}

/*
 * A driver that resets the device starts over with DEVICE_READY: ports
 * it had and messages for the old rings are gone; what the owner holds
 * stays.
 */
static void ports_reset(struct virtio_dev *vd)
{
	struct vports *vp = to_vports(vd);

	vp->pending_head = 0;
	vp->nr_pending = 0;
	memset(vp->port_ready, 0, sizeof(vp->port_ready));
	memset(vp->guest_open, 0, sizeof(vp->guest_open));
	memset(vp->host_open, 0, sizeof(vp->host_open));
}

static void ports_queue_notify(struct virtio_dev *vd, unsigned int q)
{
	struct vports *vp = to_vports(vd);

	if (q == CTRL_TX)
		ctrl_queue(vp);
	else if (q == CTRL_RX)
		flush_ctrl(vp);
	else if (q & 1)
		drain_port(vp, q == 1 ? 0 : (q - 2) / 2);
	else
		fill_port(vp, q ? (q - 2) / 2 : 0);
	update_host_open(vp);
	flush_ctrl(vp);
}

static void ports_wake(struct virtio_dev *vd)
{
	struct vports *vp = to_vports(vd);

	fill_ports(vp);
	update_host_open(vp);
	flush_ctrl(vp);
}

static int ports_start(struct virtio_dev *vd)
{
	struct vports *vp = to_vports(vd);

	return vp->ops->start ? vp->ops->start(vp->opaque) : 0;
}

static void ports_stop(struct virtio_dev *vd)
{
	struct vports *vp = to_vports(vd);

	if (vp->ops->stop)
		vp->ops->stop(vp->opaque);
}

static void ports_destroy(struct virtio_dev *vd)
{
	struct vports *vp = to_vports(vd);

	vp->ops->destroy(vp->opaque);
}

/* The control state the guest relies on: which ports it set up. */
#define PORTS_STATE "virtio-ports"
#define CTRL_MSG_SIZE 9U	/* id le32, event le16, value le16, named */

static int ports_save(struct virtio_dev *vd, struct state_writer *w)
{
	struct vports *vp = to_vports(vd);
	uint8_t msgs[VPORTS_CTRL_PENDING_MAX * CTRL_MSG_SIZE];
	uint64_t ready = 0, guest = 0, host = 0;

	for (unsigned int p = 0; p < vp->nr_ports; p++) {
		ready |= (uint64_t)vp->port_ready[p] << p;
		guest |= (uint64_t)vp->guest_open[p] << p;
		host |= (uint64_t)vp->host_open[p] << p;
	}
	for (unsigned int i = 0; i < vp->nr_pending; i++) {
		const struct vports_ctrl_msg *m =
			&vp->pending[(vp->pending_head + i) %
				     VPORTS_CTRL_PENDING_MAX];
		uint8_t *b = msgs + i * CTRL_MSG_SIZE;
		uint32_t id = htole32(m->id);
		uint16_t ev = htole16(m->event), val = htole16(m->value);

		memcpy(b, &id, 4);
		memcpy(b + 4, &ev, 2);
		memcpy(b + 6, &val, 2);
		b[8] = m->name != NULL;
	}
	state_begin(w, PORTS_STATE, 1);
	state_put_u64(w, "nr_ports", vp->nr_ports);
	state_put_u64(w, "port_ready", ready);
	state_put_u64(w, "guest_open", guest);
	state_put_u64(w, "host_open", host);
	state_put_bytes(w, "pending", msgs, vp->nr_pending * CTRL_MSG_SIZE);
	return state_end(w);
}

static int ports_load(struct virtio_dev *vd, const void *rec, size_t len,
		      char *why, size_t why_len)
{
	struct vports *vp = to_vports(vd);
	uint64_t nr, ready, guest, host, mask = (1ULL << vp->nr_ports) - 1;
	const uint8_t *msgs;
	size_t msgs_len;
	struct state_reader r;
	int ret;

	ret = state_open(&r, rec, len, PORTS_STATE, 1, why, why_len);
	ret = ret ?: state_get_u64(&r, "nr_ports", &nr);
	ret = ret ?: state_get_uint(&r, "port_ready", mask, &ready);
	ret = ret ?: state_get_uint(&r, "guest_open", mask, &guest);
	ret = ret ?: state_get_uint(&r, "host_open", mask, &host);
	ret = ret ?: state_get_bytes(&r, "pending", (const void **)&msgs,
				     &msgs_len);
	if (ret)
		return ret;
	if (nr != vp->nr_ports || msgs_len % CTRL_MSG_SIZE ||
	    msgs_len / CTRL_MSG_SIZE > VPORTS_CTRL_PENDING_MAX)
		return parse_error(why, why_len,
				   "virtio-ports record: %llu ports (here %u), %zu bytes of messages",
				   (unsigned long long)nr, vp->nr_ports, msgs_len);
	for (size_t i = 0; i < msgs_len / CTRL_MSG_SIZE; i++) {
		const uint8_t *b = msgs + i * CTRL_MSG_SIZE;
		uint32_t id;
		uint16_t ev, val;

		memcpy(&id, b, 4);
		memcpy(&ev, b + 4, 2);
		memcpy(&val, b + 6, 2);
		id = le32toh(id);
		ev = le16toh(ev);
		if (id >= vp->nr_ports || b[8] > 1 ||
		    (ev != DEVICE_ADD && ev != PORT_NAME && ev != PORT_OPEN) ||
		    (b[8] != (ev == PORT_NAME)))
			return parse_error(why, why_len,
					   "virtio-ports record: a bad control message");
		vp->pending[i] = (struct vports_ctrl_msg){
			id, ev, le16toh(val), b[8] ? vp->names[id] : NULL
		};
	}
	vp->pending_head = 0;
	vp->nr_pending = (unsigned int)(msgs_len / CTRL_MSG_SIZE);
	for (unsigned int p = 0; p < vp->nr_ports; p++) {
		vp->port_ready[p] = ready >> p & 1;
		vp->guest_open[p] = guest >> p & 1;
		vp->host_open[p] = host >> p & 1;
	}
	return 0;
}

#define PORTS_FEATURES                                             \
	(BIT_ULL(VIRTIO_CONSOLE_F_MULTIPORT) |                     \
	 BIT_ULL(VIRTIO_RING_F_EVENT_IDX) |                        \
	 BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC))

/* The queues for the ports asked for, as the transport counts them. */
static const struct virtio_dev_ops ports_ops[VIRTIO_PORTS_MAX] = {
#define PORTS_OPS(n)                                                \
	[(n) - 1] = {                                               \
		.device_id = VIRTIO_ID_CONSOLE_PORTS,               \
		.nr_queues = ((n) + 1) * 2,                         \
		.config_size = CONFIG_SIZE,                         \
		.config_read = ports_config_read,                   \
		.queue_notify = ports_queue_notify,                 \
		.wake = ports_wake,                                 \
		.reset = ports_reset,                               \
		.start = ports_start,                               \
		.stop = ports_stop,                                 \
		.destroy = ports_destroy,                           \
		.save = ports_save,                                 \
		.load = ports_load,                                 \
	}
	PORTS_OPS(1), PORTS_OPS(2), PORTS_OPS(3), PORTS_OPS(4),
#undef PORTS_OPS
};

static int check(unsigned int nr_ports, const char *const *names)
{
	if (!nr_ports || nr_ports > VIRTIO_PORTS_MAX)
		return -EINVAL;
	for (unsigned int p = 0; p < nr_ports; p++)
		if (strlen(names[p]) > VIRTIO_PORT_NAME_MAX)
			return -EINVAL;
	return 0;
}

static void init(struct vports *vp, unsigned int nr_ports,
		 const char *const *names, const struct vports_ops *ops,
		 void *opaque)
{
	vp->ops = ops;
	vp->opaque = opaque;
	vp->nr_ports = nr_ports;
	vp->names = names;
}

int vports_setup(struct vports *vp, const struct guest_mem *mem,
		 unsigned int nr_ports, const char *const *names,
		 const struct vports_ops *ops, void *opaque, const char *name)
{
	int ret = check(nr_ports, names);

	if (ret)
		return ret;
	init(vp, nr_ports, names, ops, opaque);
	return virtio_dev_setup(&vp->vd, mem, &ports_ops[nr_ports - 1],
				PORTS_FEATURES, name);
}

int vports_create(struct vm *vm, struct vports *vp, unsigned int nr_ports,
		  const char *const *names, const struct vports_ops *ops,
		  void *opaque, const char *name)
{
	int ret = check(nr_ports, names);

	if (ret)
		return ret;
	init(vp, nr_ports, names, ops, opaque);
	return virtio_mmio_create(vm, &vp->vd, &ports_ops[nr_ports - 1],
				  PORTS_FEATURES, name);
}

void vports_host_changed(struct vports *vp)
{
	virtio_wake(&vp->vd);
}

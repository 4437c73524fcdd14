// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-console (VIRTIO 1.2 section 5.3), one port: the guest's hvc0.
 * With --console virtio it is the guest console: lkvm's standard output
 * receives what the guest transmits and typed input goes to the guest.
 */
#include <lkvm/virtio.h>

#include <lkvm/console.h>
#include <lkvm/devices.h>
#include <lkvm/vm.h>

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define RX_Q 0
#define TX_Q 1
#define VIRTIO_CONSOLE_F_EMERG_WRITE 2
#define CONFIG_SIZE 12U		/* cols, rows, max_nr_ports, emerg_wr */
#define CONFIG_EMERG_WR 8U
/* Typed input kept while the guest has no receive buffers posted. */
#define PENDING_MAX 65536U

struct vcon {
	struct virtio_dev vd;
	pthread_mutex_t in_lock;	/* pending input; main + I/O thread */
	uint8_t pending[PENDING_MAX];
	size_t head, count;
	struct log_ratelimit drop_rl;
	struct virtq_chain chain;	/* I/O thread only */
};

static struct vcon *to_vcon(struct virtio_dev *vd)
{
	return container_of(vd, struct vcon, vd);
}

static void con_config_read(struct virtio_dev *vd, uint32_t offset,
			    uint8_t *data, unsigned int len)
{
	/* No size, one port; emerg_wr reads as zero. */
	uint8_t cfg[CONFIG_SIZE] = { 0 };
	uint32_t ports = htole32(1);

	(void)vd;
	memcpy(cfg + 4, &ports, 4);
	memcpy(data, cfg + offset, len);
}

/* Guest-controlled: the byte written to emerg_wr; printed as is. */
static void con_config_write(struct virtio_dev *vd, uint32_t offset,
			     const uint8_t *data, unsigned int len)
{
	if (offset == CONFIG_EMERG_WR && len == 4 &&
	    virtio_has_feature(vd, VIRTIO_CONSOLE_F_EMERG_WRITE))
		console_write(&vd->dev.vm->console, data, 1);
}

/*
 * Moves pending input into the guest's receive buffers. Guest-controlled:
 * the receive queue (checked by virtq_pop); only writable space is used.
 */
static void fill_rx(struct vcon *c)
{
	struct virtio_dev *vd = &c->vd;
	struct virtq *vq = &vd->queues[RX_Q].vq;
	unsigned int budget = VIRTIO_QUEUE_BUDGET;
	const char *why;
	int r = 0;

	if (!vd->queues[RX_Q].ready)
		return;
	pthread_mutex_lock(&c->in_lock);
	do {
		while (c->count && budget &&
		       (r = virtq_pop(vq, &c->chain, &why)) > 0) {
			size_t done = virtq_copy_ring_to_in(&c->chain, c->pending,
							    PENDING_MAX,
							    &c->head, &c->count);

			virtq_push(vq, c->chain.head, (uint32_t)done);
			budget--;
		}
	} while (r >= 0 && c->count && budget && virtq_enable_notify(vq));
	pthread_mutex_unlock(&c->in_lock);
	if (r < 0)
		virtio_broken(vd, why);
	else if (!budget)
		virtio_queue_yield(vd, RX_Q);
	else
		virtq_enable_notify(vq);
	virtio_queue_interrupt(vd, vq);
}

/* Writes what the guest transmits; writable descriptors are ignored. */
static void drain_tx(struct vcon *c)
{
	struct virtio_dev *vd = &c->vd;
	struct virtq *vq = &vd->queues[TX_Q].vq;
	unsigned int budget = VIRTIO_QUEUE_BUDGET;
	const char *why;
	int r = 0;

	do {
		virtq_disable_notify(vq);
		while (budget && (r = virtq_pop(vq, &c->chain, &why)) > 0) {
			for (unsigned int i = 0; i < c->chain.nr_out; i++)
				console_write(&vd->dev.vm->console,
					      c->chain.iov[i].iov_base,
					      c->chain.iov[i].iov_len);
			virtq_push(vq, c->chain.head, 0);
			budget--;
		}
		if (r < 0) {
			virtio_broken(vd, why);
			break;
		}
		if (!budget) {
			virtio_queue_yield(vd, TX_Q);
			break;
		}
	} while (virtq_enable_notify(vq));
	virtio_queue_interrupt(vd, vq);
}

static void con_queue_notify(struct virtio_dev *vd, unsigned int q)
{
	if (q == RX_Q)
		fill_rx(to_vcon(vd));
	else
		drain_tx(to_vcon(vd));
}

static void con_wake(struct virtio_dev *vd)
{
	fill_rx(to_vcon(vd));
}

/* Host input from the main thread; kept until the guest takes it. */
static void con_input(void *opaque, const uint8_t *buf, size_t len)
{
	struct vcon *c = opaque;
	size_t dropped = 0;

	pthread_mutex_lock(&c->in_lock);
	for (size_t i = 0; i < len; i++) {
		if (c->count == PENDING_MAX) {
			dropped = len - i;
			break;
		}
		c->pending[(c->head + c->count) % PENDING_MAX] = buf[i];
		c->count++;
	}
	pthread_mutex_unlock(&c->in_lock);
	if (dropped && log_ratelimit_ok(&c->drop_rl, 1))
		pr_warn("virtio-console: the guest is not reading its console: %zu input bytes dropped",
			dropped);
	virtio_wake(&c->vd);
}

static void con_destroy(struct virtio_dev *vd)
{
	struct vcon *c = to_vcon(vd);

	pthread_mutex_destroy(&c->in_lock);
	free(c);
}

static const struct virtio_dev_ops console_ops = {
	.device_id = VIRTIO_ID_CONSOLE,
	.nr_queues = 2,
	.config_size = CONFIG_SIZE,
	.config_read = con_config_read,
	.config_write = con_config_write,
	.queue_notify = con_queue_notify,
	.wake = con_wake,
	.destroy = con_destroy,
};

static int console_instantiate(struct vm *vm)
{
	struct vcon *c;
	int ret;

	if (vm->cfg->console != CONSOLE_VIRTIO)
		return 0;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	pthread_mutex_init(&c->in_lock, NULL);
	ret = virtio_mmio_create(vm, &c->vd, &console_ops,
				 BIT_ULL(VIRTIO_CONSOLE_F_EMERG_WRITE) |
					 BIT_ULL(VIRTIO_RING_F_EVENT_IDX) |
					 BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC),
				 "virtio-console");
	if (ret)
		return ret;
	vm->console.input = con_input;
	vm->console.input_opaque = c;
	return 0;
}

const struct device_model virtio_console_model = {
	.name = "virtio-console",
	.instantiate = console_instantiate,
};

// SPDX-License-Identifier: GPL-2.0
/* virtio-rng (VIRTIO 1.2 section 5.4): --rng, fed by getrandom(). */
#include <lkvm/virtio.h>

#include <lkvm/devices.h>
#include <lkvm/json.h>
#include <lkvm/vm.h>

#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

/* The most one request gets, however large its buffers. */
#define RNG_MAX_PER_REQUEST 65536U

#define CFG(ctx) ((struct vm_config *)(ctx))

struct vrng {
	struct virtio_dev vd;
	struct virtq_chain chain;	/* I/O thread only */
};

/* Fills up to @len bytes at @p; returns how many were filled. */
static size_t fill_random(uint8_t *p, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = getrandom(p + done, len - done, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	return done;
}

/*
 * Guest-controlled: the request queue (checked by virtq_pop). Each chain
 * gets random bytes in its writable buffers, at most 64 KiB.
 */
static void rng_queue_notify(struct virtio_dev *vd, unsigned int q)
{
	struct vrng *rng = container_of(vd, struct vrng, vd);
	struct virtq_chain *c = &rng->chain;
	struct virtq *vq = &vd->queues[q].vq;
	unsigned int budget = VIRTIO_QUEUE_BUDGET;
	const char *why;
	int r = 0;

	do {
		virtq_disable_notify(vq);
		while (budget && (r = virtq_pop(vq, c, &why)) > 0) {
			size_t done = 0;

			budget--;
			for (unsigned int i = 0; i < c->nr_in &&
						 done < RNG_MAX_PER_REQUEST; i++) {
				struct iovec *iov = &c->iov[c->nr_out + i];
				size_t want = MIN(iov->iov_len,
						  RNG_MAX_PER_REQUEST - done);
				size_t got = fill_random(iov->iov_base, want);

				done += got;
				if (got < want)
					break;
			}
			virtq_chain_wrote(c);
			virtq_push(vq, c->head, (uint32_t)done);
		}
		if (r < 0) {
			virtio_broken(vd, why);
			break;
		}
		if (!budget) {
			virtio_queue_yield(vd, q);
			break;
		}
	} while (virtq_enable_notify(vq));
	virtio_queue_interrupt(vd, vq);
}

static void rng_config_read(struct virtio_dev *vd, uint32_t offset,
			    uint8_t *data, unsigned int len)
{
	/* No configuration space: the transport never calls this. */
	(void)vd;
	(void)offset;
	(void)data;
	(void)len;
}

static void rng_destroy(struct virtio_dev *vd)
{
	free(container_of(vd, struct vrng, vd));
}

static const struct virtio_dev_ops rng_ops = {
	.device_id = VIRTIO_ID_RNG,
	.nr_queues = 1,
	.config_size = 0,
	.config_read = rng_config_read,
	.queue_notify = rng_queue_notify,
	.destroy = rng_destroy,
};

static int rng_instantiate(struct vm *vm)
{
	struct vrng *rng;

	if (!vm->cfg->rng)
		return 0;
	rng = calloc(1, sizeof(*rng));
	if (!rng)
		return -ENOMEM;
	return virtio_mmio_create(vm, &rng->vd, &rng_ops,
				  BIT_ULL(VIRTIO_RING_F_EVENT_IDX) |
					  BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC),
				  "virtio-rng");
}

static int set_rng(void *ctx, const char *arg)
{
	(void)arg;
	CFG(ctx)->rng = true;
	return 0;
}

static const struct opt rng_options[] = {
	{ OPT_FLAG, 0, "rng", NULL, "Give the guest a virtio-rng (/dev/hwrng) fed by getrandom()", set_rng },
	OPT_TABLE_END,
};

static void rng_describe_config(const struct vm_config *cfg, FILE *f)
{
	fprintf(f, "    \"rng\": %s,\n", cfg->rng ? "true" : "false");
}

static int rng_config_from_manifest(const struct json_value *config,
				    struct vm_config *cfg,
				    const struct restore_options *ro,
				    char *why, size_t why_len)
{
	(void)ro;
	return json_member_bool(config, "rng", &cfg->rng, why, why_len);
}

const struct device_model virtio_rng_model = {
	.name = "virtio-rng",
	.options = rng_options,
	.instantiate = rng_instantiate,
	.describe_config = rng_describe_config,
	.config_from_manifest = rng_config_from_manifest,
};

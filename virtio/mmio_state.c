// SPDX-License-Identifier: GPL-2.0
/*
 * A virtio-mmio device's transport state as a "virtio-mmio" record: the
 * registers the driver set, every queue's size, addresses and indices,
 * and the device model's own record nested inside. Loading takes nothing
 * on trust: the record comes from a file.
 */
#include <lkvm/virtio.h>

#include <lkvm/parse.h>
#include <lkvm/state.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define MMIO_STATE "virtio-mmio"
#define MMIO_STATE_VERSION 1

static void key(char *buf, size_t len, unsigned int q, const char *field)
{
	snprintf(buf, len, "q%u.%s", q, field);
}

static void put_queue(struct state_writer *w, unsigned int qi,
		      const struct virtio_queue *q)
{
	char k[STATE_KEY_MAX + 1];

	key(k, sizeof(k), qi, "num");
	state_put_u64(w, k, q->num);
	key(k, sizeof(k), qi, "ready");
	state_put_u64(w, k, q->ready);
	key(k, sizeof(k), qi, "desc");
	state_put_u64(w, k, q->desc);
	key(k, sizeof(k), qi, "avail");
	state_put_u64(w, k, q->avail);
	key(k, sizeof(k), qi, "used");
	state_put_u64(w, k, q->used);
	key(k, sizeof(k), qi, "last_avail");
	state_put_u64(w, k, q->vq.last_avail);
	key(k, sizeof(k), qi, "used_idx");
	state_put_u64(w, k, q->vq.used_idx);
	key(k, sizeof(k), qi, "signalled_used");
	state_put_u64(w, k, q->vq.signalled_used);
}

int virtio_dev_quiesce(struct virtio_dev *vd, bool quiet)
{
	int ret = 0;

	if (!quiet) {
		pthread_mutex_unlock(&vd->queue_lock);
		pthread_mutex_unlock(&vd->reg_lock);
		if (vd->vops->quiet)
			vd->vops->quiet(vd, false);
		return 0;
	}
	if (vd->vops->quiet)
		vd->vops->quiet(vd, true);
	pthread_mutex_lock(&vd->reg_lock);
	pthread_mutex_lock(&vd->queue_lock);
	if (vd->vops->drain)
		vd->vops->drain(vd, false);
	if (vd->vops->flush)
		ret = vd->vops->flush(vd);
	return ret;
}

int virtio_dev_save(struct virtio_dev *vd, struct state_writer *w)
{
	struct state_writer dw;
	int ret = 0;

	state_writer_init(&dw);
	if (vd->vops->save)
		ret = vd->vops->save(vd, &dw);
	state_begin(w, MMIO_STATE, MMIO_STATE_VERSION);
	state_put_u64(w, "device_id", vd->vops->device_id);
	state_put_u64(w, "status", atomic_load(&vd->status));
	state_put_u64(w, "isr", atomic_load(&vd->isr));
	state_put_u64(w, "driver_features", vd->driver_features);
	state_put_u64(w, "dev_features_sel", vd->dev_features_sel);
	state_put_u64(w, "drv_features_sel", vd->drv_features_sel);
	state_put_u64(w, "queue_sel", vd->queue_sel);
	state_put_u64(w, "config_generation", vd->config_generation);
	state_put_u64(w, "nr_queues", vd->vops->nr_queues);
	for (unsigned int q = 0; q < vd->vops->nr_queues; q++)
		put_queue(w, q, &vd->queues[q]);
	if (vd->vops->save)
		state_put_bytes(w, "device", dw.data, dw.len);
	state_writer_free(&dw);
	return ret ?: state_end(w);
}

/* One queue of the record, checked as a driver's writes are. */
static int get_queue(struct virtio_dev *vd, struct state_reader *r,
		     unsigned int qi, struct virtio_queue *q)
{
	uint64_t num, ready, desc, avail, used, last_avail, used_idx, sig;
	char k[8][STATE_KEY_MAX + 1];
	const char *why = NULL;
	int ret;

	key(k[0], sizeof(k[0]), qi, "num");
	key(k[1], sizeof(k[1]), qi, "ready");
	key(k[2], sizeof(k[2]), qi, "desc");
	key(k[3], sizeof(k[3]), qi, "avail");
	key(k[4], sizeof(k[4]), qi, "used");
	key(k[5], sizeof(k[5]), qi, "last_avail");
	key(k[6], sizeof(k[6]), qi, "used_idx");
	key(k[7], sizeof(k[7]), qi, "signalled_used");
	ret = state_get_uint(r, k[0], UINT32_MAX, &num);
	ret = ret ?: state_get_uint(r, k[1], 1, &ready);
	ret = ret ?: state_get_u64(r, k[2], &desc);
	ret = ret ?: state_get_u64(r, k[3], &avail);
	ret = ret ?: state_get_u64(r, k[4], &used);
	ret = ret ?: state_get_uint(r, k[5], UINT16_MAX, &last_avail);
	ret = ret ?: state_get_uint(r, k[6], UINT16_MAX, &used_idx);
	ret = ret ?: state_get_uint(r, k[7], UINT16_MAX, &sig);
	if (ret)
		return ret;
	*q = (struct virtio_queue){ .num = (uint32_t)num, .desc = desc,
				    .avail = avail, .used = used,
				    .kick_efd = q->kick_efd };
	if (!ready)
		return 0;
	/* The same checks as a driver enabling the queue. */
	if (virtq_init(&q->vq, vd->mem, q->num, desc, avail, used,
		       virtio_has_feature(vd, VIRTIO_RING_F_EVENT_IDX),
		       virtio_has_feature(vd, VIRTIO_RING_F_INDIRECT_DESC),
		       &why))
		return parse_error(r->why, r->why_len, "%s: queue %u: %s",
				   vd->dev.name, qi, why);
	/* Saved quiet: every chain the device took had been given back. */
	if (last_avail != used_idx)
		return parse_error(r->why, r->why_len,
				   "%s: queue %u: %llu requests were in flight when it was saved",
				   vd->dev.name, qi,
				   (unsigned long long)((last_avail - used_idx) & 0xffff));
	q->vq.last_avail = (uint16_t)last_avail;
	q->vq.used_idx = (uint16_t)used_idx;
	q->vq.signalled_used = (uint16_t)sig;
	q->ready = true;
	return 0;
}

int virtio_dev_load(struct virtio_dev *vd, const void *rec, size_t len,
		    char *why, size_t why_len)
{
	struct virtio_queue queues[VIRTIO_MAX_QUEUES];
	uint64_t id, status, isr, features, dsel, rsel, qsel, gen, nr;
	const void *dev_rec = NULL;
	size_t dev_len = 0;
	struct state_reader r;
	int ret;

	ret = state_open(&r, rec, len, MMIO_STATE, MMIO_STATE_VERSION, why,
			 why_len);
	ret = ret ?: state_get_u64(&r, "device_id", &id);
	ret = ret ?: state_get_uint(&r, "status", 0xff, &status);
	ret = ret ?: state_get_uint(&r, "isr", 3, &isr);
	ret = ret ?: state_get_u64(&r, "driver_features", &features);
	ret = ret ?: state_get_uint(&r, "dev_features_sel", UINT32_MAX, &dsel);
	ret = ret ?: state_get_uint(&r, "drv_features_sel", UINT32_MAX, &rsel);
	ret = ret ?: state_get_uint(&r, "queue_sel", UINT32_MAX, &qsel);
	ret = ret ?: state_get_uint(&r, "config_generation", UINT32_MAX, &gen);
	ret = ret ?: state_get_u64(&r, "nr_queues", &nr);
	if (ret)
		return ret;
	if (id != vd->vops->device_id || nr != vd->vops->nr_queues)
		return parse_error(why, why_len,
				   "%s: the record is of virtio device %llu with %llu queues, this is device %u with %u",
				   vd->dev.name, (unsigned long long)id,
				   (unsigned long long)nr, vd->vops->device_id,
				   vd->vops->nr_queues);
	if (features & ~vd->host_features)
		return parse_error(why, why_len,
				   "%s: the guest's driver uses features 0x%llx that this device does not offer here",
				   vd->dev.name,
				   (unsigned long long)(features & ~vd->host_features));
	if (vd->vops->save && state_get_bytes(&r, "device", &dev_rec, &dev_len))
		return -EINVAL;
	/* The queues are checked against the features they were set up with. */
	vd->driver_features = features;
	for (unsigned int q = 0; q < vd->vops->nr_queues; q++) {
		queues[q] = vd->queues[q];
		ret = get_queue(vd, &r, q, &queues[q]);
		if (ret) {
			vd->driver_features = 0;
			return ret;
		}
	}
	if (vd->vops->load) {
		ret = vd->vops->load(vd, dev_rec, dev_len, why, why_len);
		if (ret) {
			vd->driver_features = 0;
			return ret;
		}
	}
	memcpy(vd->queues, queues, sizeof(queues[0]) * vd->vops->nr_queues);
	vd->dev_features_sel = (uint32_t)dsel;
	vd->drv_features_sel = (uint32_t)rsel;
	vd->queue_sel = (uint32_t)qsel;
	vd->config_generation = (uint32_t)gen;
	atomic_store(&vd->isr, (unsigned int)isr);
	atomic_store(&vd->status, (unsigned int)status);
	return 0;
}

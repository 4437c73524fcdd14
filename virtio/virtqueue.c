// SPDX-License-Identifier: GPL-2.0
/*
 * Split virtqueues, device side. The guest writes the rings whenever it
 * likes, so every value read from them is read once, into a local, and
 * checked there; see include/lkvm/virtqueue.h for the rules.
 */
#include <lkvm/virtqueue.h>

#include <endian.h>
#include <errno.h>
#include <string.h>

#define DESC_SIZE 16U
#define RING_HDR 4U		/* flags + idx */
#define USED_ELEM_SIZE 8U

/* A ring field; a test's racing guest may change it first. */
static uint16_t load16(const struct virtq *vq, enum guest_read what,
		       const uint8_t *p, int order)
{
	guest_mem_before_read(vq->mem, what, p, 2);
	return le16toh(__atomic_load_n((const uint16_t *)p, order));
}

/* A ring field the device writes (flags, avail_event). */
static void store16(const struct virtq *vq, uint8_t *p, uint16_t v)
{
	__atomic_store_n((uint16_t *)p, htole16(v), __ATOMIC_RELAXED);
	guest_mem_wrote(vq->mem, p, 2);
}

static uint8_t *avail_idx_p(const struct virtq *vq)
{
	return vq->avail + 2;
}

static uint8_t *used_event_p(const struct virtq *vq)
{
	return vq->avail + RING_HDR + 2U * vq->num;
}

static uint8_t *avail_event_p(const struct virtq *vq)
{
	return vq->used + RING_HDR + USED_ELEM_SIZE * vq->num;
}

/* Translates one ring area: aligned, and wholly inside guest RAM. */
static uint8_t *map_area(const struct guest_mem *mem, uint64_t gpa,
			 uint64_t len, uint64_t align)
{
	if (!IS_ALIGNED(gpa, align))
		return NULL;
	return guest_mem_ptr(mem, gpa, len);
}

/*
 * Guest-controlled: @num, @desc, @avail, @used (QueueNum and the queue
 * address registers). Checked: the size is a non-zero power of two no
 * larger than VIRTQ_MAX_SIZE; each area is aligned as section 2.7 requires
 * (16, 2, 4) and lies entirely in RAM, event fields included when
 * EVENT_IDX was negotiated. Returns 0 or -EINVAL with @why set.
 */
int virtq_init(struct virtq *vq, const struct guest_mem *mem, uint32_t num,
	       uint64_t desc, uint64_t avail, uint64_t used, bool event_idx,
	       bool indirect, const char **why)
{
	uint64_t event = event_idx ? 2 : 0;

	memset(vq, 0, sizeof(*vq));
	if (!num || num > VIRTQ_MAX_SIZE || (num & (num - 1))) {
		*why = "queue size is not a power of two up to the maximum";
		return -EINVAL;
	}
	vq->mem = mem;
	vq->num = (uint16_t)num;
	vq->event_idx = event_idx;
	vq->indirect = indirect;
	vq->desc = map_area(mem, desc, (uint64_t)num * DESC_SIZE, 16);
	vq->avail = map_area(mem, avail, RING_HDR + 2ULL * num + event, 2);
	vq->used = map_area(mem, used, RING_HDR + 8ULL * num + event, 4);
	if (!vq->desc || !vq->avail || !vq->used) {
		*why = !vq->desc ? "descriptor table misaligned or outside guest RAM" :
		       !vq->avail ? "available ring misaligned or outside guest RAM" :
				    "used ring misaligned or outside guest RAM";
		vq->num = 0;
		return -EINVAL;
	}
	/* A newly enabled queue starts at index 0 on both sides. */
	return 0;
}

/* One descriptor, copied out of guest memory once. */
static void read_desc(const struct virtq *vq, const uint8_t *table,
		      bool indirect, unsigned int idx, struct virtq_desc *d)
{
	const uint8_t *p = table + (size_t)idx * DESC_SIZE;
	struct virtq_desc raw;

	guest_mem_before_read(vq->mem,
			      indirect ? GUEST_READ_INDIRECT : GUEST_READ_DESC,
			      p, sizeof(raw));
	memcpy(&raw, p, sizeof(raw));
	d->addr = le64toh(raw.addr);
	d->len = le32toh(raw.len);
	d->flags = le16toh(raw.flags);
	d->next = le16toh(raw.next);
}

/* Adds one buffer descriptor (a checked copy) to the chain. */
static int add_buffer(const struct virtq *vq, struct virtq_chain *c,
		      const struct virtq_desc *d, const char **why)
{
	bool writable = d->flags & VIRTQ_DESC_F_WRITE;
	uint32_t *sum = writable ? &c->in_len : &c->out_len;
	void *p;

	if (!writable && c->nr_in) {
		*why = "device-readable descriptor after a device-writable one";
		return -EINVAL;
	}
	if (!d->len)
		return 0;
	p = guest_mem_ptr(vq->mem, d->addr, d->len);
	if (!p) {
		*why = "buffer outside guest RAM";
		return -EINVAL;
	}
	if (__builtin_add_overflow(*sum, d->len, sum)) {
		*why = "chain longer than 4 GiB";
		return -EINVAL;
	}
	c->iov[c->nr_out + c->nr_in] = (struct iovec){ p, d->len };
	if (writable)
		c->nr_in++;
	else
		c->nr_out++;
	return 0;
}

/* Switches the walk to an indirect table (checked copy in @d). */
static int enter_indirect(const struct virtq *vq, const struct virtq_desc *d,
			  bool in_indirect, const uint8_t **table,
			  unsigned int *table_size, const char **why)
{
	if (!vq->indirect) {
		*why = "indirect descriptor, but VIRTIO_RING_F_INDIRECT_DESC was not negotiated";
		return -EINVAL;
	}
	if (in_indirect) {
		*why = "nested indirect descriptor";
		return -EINVAL;
	}
	if (d->flags & VIRTQ_DESC_F_NEXT) {
		*why = "indirect descriptor with NEXT set";
		return -EINVAL;
	}
	if (!d->len || d->len % DESC_SIZE || d->len / DESC_SIZE > vq->num) {
		*why = "indirect table length is zero, not a multiple of 16, or longer than the queue";
		return -EINVAL;
	}
	*table = guest_mem_ptr(vq->mem, d->addr, d->len);
	if (!*table) {
		*why = "indirect table outside guest RAM";
		return -EINVAL;
	}
	*table_size = d->len / DESC_SIZE;
	return 0;
}

/*
 * Guest-controlled: avail->idx, the avail ring entry, every descriptor
 * and indirect table. Checked: the avail index moved by at most the queue
 * size, and the device does not already hold a queue size of chains it
 * has not pushed back; the head and every next index are inside their
 * table; at most queue-size buffer descriptors per chain (loops end
 * there), indirect entries included; one level of indirection; readable
 * before writable; every buffer inside RAM; length sums fit 32 bits.
 * Returns 1 (chain in @c), 0 (nothing available) or -EINVAL (@why says
 * what is broken).
 */
int virtq_pop(struct virtq *vq, struct virtq_chain *c, const char **why)
{
	uint16_t avail_idx = load16(vq, GUEST_READ_AVAIL_IDX, avail_idx_p(vq),
				    __ATOMIC_ACQUIRE);
	uint16_t pending = (uint16_t)(avail_idx - vq->last_avail);
	const uint8_t *table = vq->desc;
	unsigned int table_size = vq->num, idx, seen = 0;
	bool in_indirect = false;
	struct virtq_desc d;
	int ret;

	if (!pending)
		return 0;
	if (pending > vq->num) {
		*why = "available index moved by more than the queue size";
		return -EINVAL;
	}
	/*
	 * A driver cannot have more chains outstanding than its ring has
	 * entries. One that seems to is moving avail->idx while the device
	 * works (another vcpu, or buffers that alias the ring itself). This
	 * bounds what any device holds between pop and push by the queue
	 * size, whatever the guest does meanwhile.
	 */
	if ((uint16_t)(vq->last_avail - vq->used_idx) >= vq->num) {
		*why = "more chains in flight than the queue size";
		return -EINVAL;
	}
	idx = load16(vq, GUEST_READ_AVAIL_RING,
		     vq->avail + RING_HDR +
			     2U * (vq->last_avail & (vq->num - 1U)),
		     __ATOMIC_RELAXED);
	if (idx >= vq->num) {
		*why = "chain head index out of range";
		return -EINVAL;
	}
	memset(c, 0, offsetof(struct virtq_chain, iov));
	c->mem = vq->mem;
	c->head = (uint16_t)idx;

	for (;;) {
		read_desc(vq, table, in_indirect, idx, &d);
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			ret = enter_indirect(vq, &d, in_indirect, &table,
					     &table_size, why);
			if (ret)
				return ret;
			in_indirect = true;
			idx = 0;
			continue;
		}
		if (++seen > vq->num) {
			*why = "chain longer than the queue size (a descriptor loop?)";
			return -EINVAL;
		}
		ret = add_buffer(vq, c, &d, why);
		if (ret)
			return ret;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			break;
		if (d.next >= table_size) {
			*why = "next descriptor index out of range";
			return -EINVAL;
		}
		idx = d.next;
	}
	vq->last_avail++;
	return 1;
}

void virtq_unpop(struct virtq *vq, uint16_t n)
{
	vq->last_avail = (uint16_t)(vq->last_avail - n);
}

void virtq_chain_wrote(const struct virtq_chain *c)
{
	for (unsigned int i = c->nr_out; i < c->nr_out + c->nr_in; i++)
		guest_mem_wrote(c->mem, c->iov[i].iov_base, c->iov[i].iov_len);
}

void virtq_push(struct virtq *vq, uint16_t head, uint32_t len)
{
	uint8_t *e = vq->used + RING_HDR +
		     USED_ELEM_SIZE * (vq->used_idx & (vq->num - 1U));

	__atomic_store_n((uint32_t *)e, htole32(head), __ATOMIC_RELAXED);
	__atomic_store_n((uint32_t *)(e + 4), htole32(len), __ATOMIC_RELAXED);
	vq->used_idx++;
	/* The element must be visible before the index that publishes it. */
	__atomic_store_n((uint16_t *)(vq->used + 2), htole16(vq->used_idx),
			 __ATOMIC_RELEASE);
	guest_mem_wrote(vq->mem, e, USED_ELEM_SIZE);
	guest_mem_wrote(vq->mem, vq->used + 2, 2);
}

/*
 * Guest-controlled: used_event or the avail flags; either way the answer
 * is only whether to interrupt, so any value is safe.
 */
bool virtq_should_interrupt(struct virtq *vq)
{
	uint16_t old = vq->signalled_used, new = vq->used_idx, event;

	if (old == new)
		return false;
	vq->signalled_used = new;
	/* Our used->idx store must be ordered before the guest's field read. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx)
		return !(load16(vq, GUEST_READ_EVENT, vq->avail,
				__ATOMIC_RELAXED) &
			 VIRTQ_AVAIL_F_NO_INTERRUPT);
	event = load16(vq, GUEST_READ_EVENT, used_event_p(vq),
		       __ATOMIC_RELAXED);
	/* vring_need_event(): did new pass event since the last check? */
	return (uint16_t)(new - event - 1) < (uint16_t)(new - old);
}

void virtq_disable_notify(struct virtq *vq)
{
	/* With EVENT_IDX a stale avail_event already keeps the guest quiet. */
	if (!vq->event_idx)
		store16(vq, vq->used, VIRTQ_USED_F_NO_NOTIFY);
}

bool virtq_enable_notify(struct virtq *vq)
{
	if (vq->event_idx)
		store16(vq, avail_event_p(vq), vq->last_avail);
	else
		store16(vq, vq->used, 0);
	/* Publish the request before looking for buffers that raced it. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return load16(vq, GUEST_READ_AVAIL_IDX, avail_idx_p(vq),
		      __ATOMIC_ACQUIRE) != vq->last_avail;
}

static size_t copy_iov(const struct guest_mem *mem, const struct iovec *iov,
		       unsigned int nr, size_t offset, uint8_t *buf, size_t len,
		       bool to_iov)
{
	size_t done = 0;

	for (unsigned int i = 0; i < nr && done < len; i++) {
		uint8_t *guest;
		size_t n;

		if (offset >= iov[i].iov_len) {
			offset -= iov[i].iov_len;
			continue;
		}
		guest = (uint8_t *)iov[i].iov_base + offset;
		n = MIN(iov[i].iov_len - offset, len - done);
		if (to_iov) {
			memcpy(guest, buf + done, n);
			guest_mem_wrote(mem, guest, n);
		} else {
			guest_mem_before_read(mem, GUEST_READ_BUFFER, guest, n);
			memcpy(buf + done, guest, n);
		}
		done += n;
		offset = 0;
	}
	return done;
}

size_t virtq_copy_from_out(const struct virtq_chain *c, size_t offset,
			   void *dst, size_t len)
{
	return copy_iov(c->mem, c->iov, c->nr_out, offset, dst, len, false);
}

size_t virtq_copy_to_in(const struct virtq_chain *c, size_t offset,
			const void *src, size_t len)
{
	return copy_iov(c->mem, c->iov + c->nr_out, c->nr_in, offset,
			(uint8_t *)src, len, true);
}

size_t virtq_copy_ring_to_in(const struct virtq_chain *c, const uint8_t *ring,
			     size_t size, size_t *head, size_t *count)
{
	size_t done = 0;

	while (*count && done < c->in_len) {
		size_t run = MIN(*count, size - *head);
		size_t n = virtq_copy_to_in(c, done, ring + *head, run);

		*head = (*head + n) % size;
		*count -= n;
		done += n;
		if (n < run)
			break;
	}
	return done;
}

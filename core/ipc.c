// SPDX-License-Identifier: GPL-2.0
/*
 * The control protocol's frames, encoded and decoded without I/O. Both
 * directions treat what they decode as hostile: a client may be any
 * process of the same user, and a client may be talking to a socket that
 * is not lkvm at all.
 */
#include <lkvm/ipc.h>

#include <lkvm/grow.h>
#include <lkvm/ipc_path.h>
#include <lkvm/reg_set.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, (uint16_t)v);
	put_le16(p + 2, (uint16_t)(v >> 16));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)get_le16(p) | (uint32_t)get_le16(p + 2) << 16;
}

static uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

const char *ipc_type_name(uint16_t type)
{
	switch (type) {
	case IPC_REQ_INFO:
		return "info";
	case IPC_REQ_STOP:
		return "stop";
	case IPC_REQ_PAUSE:
		return "pause";
	case IPC_REQ_RESUME:
		return "resume";
	case IPC_REQ_DUMP:
		return "dump";
	case IPC_REQ_SYSRQ:
		return "sysrq";
	case IPC_REQ_SNAPSHOT:
		return "snapshot";
	case IPC_REQ_MIGRATE:
		return "migrate";
	case IPC_REP_INFO:
		return "info reply";
	case IPC_REP_DONE:
		return "done reply";
	case IPC_REP_VCPU:
		return "vcpu reply";
	case IPC_REP_END:
		return "end reply";
	case IPC_REP_ERROR:
		return "error reply";
	case IPC_REP_SNAPSHOT:
		return "snapshot reply";
	default:
		return "unknown";
	}
}

const char *ipc_state_name(uint8_t state)
{
	switch (state) {
	case IPC_STATE_RUNNING:
		return "running";
	case IPC_STATE_PAUSED:
		return "paused";
	case IPC_STATE_STOPPING:
		return "stopping";
	default:
		return "unknown";
	}
}

void ipc_hdr_encode(uint8_t out[IPC_HDR_SIZE], uint16_t type, uint32_t len,
		    int32_t status)
{
	put_le32(out, IPC_MAGIC);
	put_le16(out + 4, IPC_VERSION);
	put_le16(out + 6, type);
	put_le32(out + 8, len);
	put_le32(out + 12, (uint32_t)status);
}

/* The payload lengths each type may have: [min, max]. */
static bool payload_len_ok(uint16_t type, uint32_t len)
{
	switch (type) {
	case IPC_REQ_INFO:
	case IPC_REQ_STOP:
	case IPC_REQ_PAUSE:
	case IPC_REQ_RESUME:
	case IPC_REQ_DUMP:
	case IPC_REQ_MIGRATE:
	case IPC_REP_END:
		return len == 0;
	case IPC_REQ_SYSRQ:
	case IPC_REQ_SNAPSHOT:
		return len == 1;
	case IPC_REP_SNAPSHOT:
		return len == 32;
	case IPC_REP_INFO:
		return len > IPC_INFO_FIXED && len < IPC_INFO_FIXED + 64;
	case IPC_REP_DONE:
		return len == 4;
	case IPC_REP_VCPU:
		return len >= 8 && len <= IPC_REPLY_PAYLOAD_MAX;
	case IPC_REP_ERROR:
		return len <= IPC_ERROR_MSG_MAX;
	default:
		return false;
	}
}

static bool type_from(uint16_t type, enum ipc_side from)
{
	if (from == IPC_FROM_CLIENT)
		return type >= IPC_REQ_INFO && type <= IPC_REQ_MIGRATE;
	return type >= IPC_REP_INFO && type <= IPC_REP_SNAPSHOT;
}

int ipc_hdr_decode(const uint8_t *buf, size_t len, enum ipc_side from,
		   struct ipc_hdr *h)
{
	if (len < IPC_HDR_SIZE)
		return -EAGAIN;
	h->magic = get_le32(buf);
	h->version = get_le16(buf + 4);
	h->type = get_le16(buf + 6);
	h->len = get_le32(buf + 8);
	h->status = (int32_t)get_le32(buf + 12);
	if (h->magic != IPC_MAGIC)
		return -EBADMSG;
	if (h->version != IPC_VERSION)
		return -EPROTONOSUPPORT;
	if (!type_from(h->type, from))
		return -EPROTO;
	if (!payload_len_ok(h->type, h->len))
		return -EMSGSIZE;
	/* Only replies carry a status, and only errors a non-zero one. */
	if ((h->type == IPC_REP_ERROR) != (h->status < 0) || h->status > 0)
		return -EPROTO;
	return 0;
}

void ipc_reader_init(struct ipc_reader *r, enum ipc_side from)
{
	memset(r, 0, sizeof(*r));
	r->from = from;
}

void ipc_reader_fini(struct ipc_reader *r)
{
	free(r->payload);
	r->payload = NULL;
	r->payload_cap = 0;
}

void ipc_reader_reset(struct ipc_reader *r)
{
	r->have = 0;
	r->done = false;
	memset(&r->hdr, 0, sizeof(r->hdr));
}

size_t ipc_reader_want(struct ipc_reader *r, uint8_t **dst)
{
	if (r->done)
		return 0;
	if (r->have < IPC_HDR_SIZE) {
		*dst = r->hdr_buf + r->have;
		return IPC_HDR_SIZE - r->have;
	}
	*dst = r->payload + (r->have - IPC_HDR_SIZE);
	return IPC_HDR_SIZE + r->hdr.len - r->have;
}

int ipc_reader_advance(struct ipc_reader *r, size_t n)
{
	bool had_hdr = r->have >= IPC_HDR_SIZE;
	int ret;

	r->have += n;
	if (r->have < IPC_HDR_SIZE)
		return 0;
	if (!had_hdr) {
		ret = ipc_hdr_decode(r->hdr_buf, IPC_HDR_SIZE, r->from,
				     &r->hdr);
		if (ret)
			return ret;
		/* Only a validated length sizes the buffer. */
		if (r->hdr.len > r->payload_cap) {
			uint8_t *p = realloc(r->payload, r->hdr.len);

			if (!p)
				return -ENOMEM;
			r->payload = p;
			r->payload_cap = r->hdr.len;
		}
	}
	if (r->have < IPC_HDR_SIZE + (size_t)r->hdr.len)
		return 0;
	r->done = true;
	return 1;
}

void ipc_buf_init(struct ipc_buf *b, size_t limit)
{
	memset(b, 0, sizeof(*b));
	b->limit = limit;
}

void ipc_buf_free(struct ipc_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int ipc_buf_put(struct ipc_buf *b, const void *data, size_t len)
{
	if (len > b->limit || b->len > b->limit - len)
		return -ENOBUFS;
	if (grow_array((void **)&b->data, &b->cap, b->len + len, 1, 256))
		return -ENOMEM;
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

int ipc_frame_append(struct ipc_buf *b, uint16_t type, int32_t status,
		     const void *payload, size_t len)
{
	uint8_t hdr[IPC_HDR_SIZE];
	size_t start = b->len;
	int ret;

	if (len > IPC_REPLY_PAYLOAD_MAX)
		return -EMSGSIZE;
	ipc_hdr_encode(hdr, type, (uint32_t)len, status);
	ret = ipc_buf_put(b, hdr, sizeof(hdr));
	if (!ret && len)
		ret = ipc_buf_put(b, payload, len);
	if (ret)
		b->len = start;	/* never leave half a frame behind */
	return ret;
}

int ipc_error_append(struct ipc_buf *b, int32_t status, const char *fmt, ...)
{
	char msg[IPC_ERROR_MSG_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;
	return ipc_frame_append(b, IPC_REP_ERROR, status < 0 ? status : -EIO,
				msg, (size_t)n);
}

int ipc_info_append(struct ipc_buf *b, const struct ipc_info *info)
{
	uint8_t p[IPC_INFO_FIXED + 64];
	size_t name_len = strnlen(info->name, sizeof(info->name));

	if (!name_len || name_len > 63)
		return -EINVAL;
	memset(p, 0, sizeof(p));
	put_le32(p, info->pid);
	put_le32(p + 4, info->nr_vcpus);
	put_le64(p + 8, info->ram_bytes);
	put_le64(p + 16, info->uptime_ms);
	put_le32(p + 24, info->sve_vqs);
	p[28] = info->state;
	p[29] = (uint8_t)name_len;
	memcpy(p + IPC_INFO_FIXED, info->name, name_len);
	return ipc_frame_append(b, IPC_REP_INFO, 0, p,
				IPC_INFO_FIXED + name_len);
}

int ipc_info_decode(const uint8_t *p, size_t len, struct ipc_info *info)
{
	size_t name_len;

	memset(info, 0, sizeof(*info));
	if (len <= IPC_INFO_FIXED)
		return -EBADMSG;
	name_len = p[29];
	if (!name_len || name_len > 63 || len != IPC_INFO_FIXED + name_len ||
	    get_le16(p + 30))
		return -EBADMSG;
	info->pid = get_le32(p);
	info->nr_vcpus = get_le32(p + 4);
	info->ram_bytes = get_le64(p + 8);
	info->uptime_ms = get_le64(p + 16);
	info->sve_vqs = get_le32(p + 24);
	info->state = p[28];
	memcpy(info->name, p + IPC_INFO_FIXED, name_len);
	info->name[name_len] = '\0';
	if (info->state < IPC_STATE_RUNNING ||
	    info->state > IPC_STATE_STOPPING || !vm_name_valid(info->name))
		return -EBADMSG;
	return 0;
}

int ipc_done_append(struct ipc_buf *b, const struct ipc_done *done)
{
	uint8_t p[4] = { done->state, done->changed ? 1 : 0, 0, 0 };

	return ipc_frame_append(b, IPC_REP_DONE, 0, p, sizeof(p));
}

int ipc_done_decode(const uint8_t *p, size_t len, struct ipc_done *done)
{
	if (len != 4 || p[0] < IPC_STATE_RUNNING ||
	    p[0] > IPC_STATE_STOPPING || p[1] > 1 || p[2] || p[3])
		return -EBADMSG;
	done->state = p[0];
	done->changed = p[1];
	return 0;
}

#define REG_RECORD_HDR 12	/* u64 id, u16 len, u16 errno */
_Static_assert(IPC_REG_BYTES_MAX == REG_VALUE_MAX,
	       "the protocol carries every register value whole");

int ipc_vcpu_append(struct ipc_buf *b, const struct reg_set *set)
{
	uint8_t hdr[IPC_HDR_SIZE], rec[REG_RECORD_HDR];
	size_t start = b->len, len = 8;
	int ret;

	for (unsigned int i = 0; i < set->nr; i++)
		len += REG_RECORD_HDR + set->regs[i].len;
	if (len > IPC_REPLY_PAYLOAD_MAX || set->nr > IPC_REGS_MAX)
		return -EMSGSIZE;
	ipc_hdr_encode(hdr, IPC_REP_VCPU, (uint32_t)len, 0);
	ret = ipc_buf_put(b, hdr, sizeof(hdr));
	put_le32(rec, set->vcpu);
	put_le32(rec + 4, set->nr);
	ret = ret ?: ipc_buf_put(b, rec, 8);
	for (unsigned int i = 0; !ret && i < set->nr; i++) {
		const struct reg_entry *r = &set->regs[i];

		put_le64(rec, r->id);
		put_le16(rec + 8, r->len);
		put_le16(rec + 10, r->err);
		ret = ipc_buf_put(b, rec, sizeof(rec));
		if (!ret && r->len)
			ret = ipc_buf_put(b, reg_value(set, r), r->len);
	}
	if (ret)
		b->len = start;
	return ret;
}

int ipc_vcpu_decode(const uint8_t *p, size_t len, struct reg_set *set)
{
	uint32_t nr;
	size_t off = 8;

	if (len < 8)
		return -EBADMSG;
	reg_set_init(set, get_le32(p));
	nr = get_le32(p + 4);
	if (nr > IPC_REGS_MAX)
		return -EBADMSG;
	for (uint32_t i = 0; i < nr; i++) {
		uint64_t id;
		uint16_t vlen, err;
		int ret;

		if (len - off < REG_RECORD_HDR)
			return -EBADMSG;
		id = get_le64(p + off);
		vlen = get_le16(p + off + 8);
		err = get_le16(p + off + 10);
		off += REG_RECORD_HDR;
		if (vlen > IPC_REG_BYTES_MAX || len - off < vlen ||
		    (err && vlen))
			return -EBADMSG;
		ret = reg_set_add(set, id, p + off, vlen, err);
		if (ret)
			return ret;
		off += vlen;
	}
	return off == len ? 0 : -EBADMSG;
}

void ipc_error_text(const uint8_t *p, size_t len, char *out, size_t out_len)
{
	size_t n = 0;

	if (!out_len)
		return;
	for (size_t i = 0; i < len && n + 1 < out_len; i++)
		out[n++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	out[n] = '\0';
}

int ipc_snapshot_done_append(struct ipc_buf *b,
			     const struct ipc_snapshot_done *d)
{
	uint8_t p[32];

	put_le64(p, d->pause_ms);
	put_le64(p + 8, d->write_ms);
	put_le64(p + 16, d->ram_written);
	put_le64(p + 24, d->state_bytes);
	return ipc_frame_append(b, IPC_REP_SNAPSHOT, 0, p, sizeof(p));
}

int ipc_snapshot_done_decode(const uint8_t *p, size_t len,
			     struct ipc_snapshot_done *d)
{
	if (len != 32)
		return -EBADMSG;
	d->pause_ms = get_le64(p);
	d->write_ms = get_le64(p + 8);
	d->ram_written = get_le64(p + 16);
	d->state_bytes = get_le64(p + 24);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * A live migration's frames, encoded and decoded without I/O
 * (include/lkvm/migrate_wire.h). Every side treats what it decodes as
 * hostile: the destination reads a stream from the network, the VM reads
 * commands from a local process, and `lkvm migrate` reads both the VM and
 * a destination that may not be lkvm at all.
 */
#include <lkvm/migrate_wire.h>

#include <lkvm/state.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mig_put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void mig_put_u64(uint8_t *p, uint64_t v)
{
	mig_put_u32(p, (uint32_t)v);
	mig_put_u32(p + 4, (uint32_t)(v >> 32));
}

uint32_t mig_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

uint64_t mig_get_u64(const uint8_t *p)
{
	return (uint64_t)mig_get_u32(p) | (uint64_t)mig_get_u32(p + 4) << 32;
}

static uint16_t get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static const struct {
	uint16_t type;
	const char *name;
	enum mig_side from;
	uint32_t min, max;	/* payload bytes */
} types[] = {
	{ MIG_HELLO, "HELLO", MIG_FROM_SOURCE, MIG_BOOT_ID_LEN,
	  MIG_BOOT_ID_LEN + MIG_TOKEN_MAX },
	{ MIG_MANIFEST, "MANIFEST", MIG_FROM_SOURCE, 1, MIG_MANIFEST_MAX },
	{ MIG_PAGES, "PAGES", MIG_FROM_SOURCE, 9, 8 + MIG_PAGES_MAX },
	{ MIG_ZERO, "ZERO", MIG_FROM_SOURCE, 16, 16 },
	{ MIG_STATE, "STATE", MIG_FROM_SOURCE, 1, MIG_STATE_CHUNK },
	{ MIG_END, "END", MIG_FROM_SOURCE, 16, 16 },
	{ MIG_COMMIT, "COMMIT", MIG_FROM_SOURCE, 0, 0 },
	{ MIG_ABORT, "ABORT", MIG_FROM_SOURCE, 0, MIG_TEXT_MAX },
	{ MIG_VERDICT, "VERDICT", MIG_FROM_DEST, 1, 1 + MIG_TEXT_MAX },
	{ MIG_READY, "READY", MIG_FROM_DEST, 0, 0 },
	{ MIG_FAILED, "FAILED", MIG_FROM_DEST, 0, MIG_TEXT_MAX },
	{ MIG_RUNNING, "RUNNING", MIG_FROM_DEST, 0, 0 },
	{ MIG_CMD_SYNC, "SYNC", MIG_FROM_CLIENT, 0, 0 },
	{ MIG_CMD_SEND, "SEND", MIG_FROM_CLIENT, 0, 0 },
	{ MIG_CMD_HANDOVER, "HANDOVER", MIG_FROM_CLIENT, 0, 0 },
	{ MIG_CMD_COMMIT, "COMMIT", MIG_FROM_CLIENT, 0, 0 },
	{ MIG_CMD_DONE, "DONE", MIG_FROM_CLIENT, 0, 0 },
	{ MIG_CMD_ABORT, "ABORT", MIG_FROM_CLIENT, 0, MIG_TEXT_MAX },
	{ MIG_SYNCED, "SYNCED", MIG_FROM_VM, 16, 16 },
	{ MIG_ROUND_END, "ROUND_END", MIG_FROM_VM, 24, 24 },
	{ MIG_COMMITTED, "COMMITTED", MIG_FROM_VM, 0, 0 },
	{ MIG_ABORTED, "ABORTED", MIG_FROM_VM, 0, MIG_TEXT_MAX },
};

/* The VM sends these source frames too: lkvm migrate passes them on. */
static bool vm_sends(uint16_t type)
{
	return type == MIG_MANIFEST || type == MIG_PAGES || type == MIG_ZERO ||
	       type == MIG_STATE || type == MIG_END;
}

const char *mig_type_name(uint16_t type)
{
	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		if (types[i].type == type)
			return types[i].name;
	return "unknown";
}

void mig_hdr_encode(uint8_t out[MIG_HDR_SIZE], uint16_t type,
		    const void *payload, uint32_t len)
{
	mig_put_u32(out, MIG_MAGIC);
	out[4] = MIG_VERSION;
	out[5] = 0;
	out[6] = (uint8_t)type;
	out[7] = (uint8_t)(type >> 8);
	mig_put_u32(out + 8, len);
	mig_put_u32(out + 12, state_crc32(0, payload, len));
}

int mig_hdr_decode(const uint8_t *buf, size_t len, enum mig_side from,
		   struct mig_hdr *h)
{
	if (len < MIG_HDR_SIZE)
		return -EAGAIN;
	h->magic = mig_get_u32(buf);
	h->version = get_u16(buf + 4);
	h->type = get_u16(buf + 6);
	h->len = mig_get_u32(buf + 8);
	h->crc = mig_get_u32(buf + 12);
	if (h->magic != MIG_MAGIC)
		return -EBADMSG;
	if (h->version != MIG_VERSION)
		return -EPROTONOSUPPORT;
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		if (types[i].type != h->type)
			continue;
		if (types[i].from != from &&
		    !(from == MIG_FROM_VM && vm_sends(h->type)))
			return -EPROTO;
		if (h->len < types[i].min || h->len > types[i].max)
			return -EMSGSIZE;
		return 0;
	}
	return -EPROTO;
}

void mig_reader_init(struct mig_reader *r, enum mig_side from)
{
	memset(r, 0, sizeof(*r));
	r->from = from;
}

void mig_reader_fini(struct mig_reader *r)
{
	free(r->frame);
	r->frame = NULL;
	r->cap = 0;
}

static int reserve(struct mig_reader *r, size_t need)
{
	uint8_t *p;

	if (need <= r->cap)
		return 0;
	p = realloc(r->frame, need);
	if (!p)
		return -ENOMEM;
	r->frame = p;
	r->cap = need;
	return 0;
}

size_t mig_reader_want(struct mig_reader *r, uint8_t **dst)
{
	size_t total;

	if (r->done) {
		r->done = false;
		r->have = 0;
	}
	if (reserve(r, MIG_HDR_SIZE))
		return 0;
	/* The header first: nothing of a payload before it is checked. */
	total = r->have < MIG_HDR_SIZE ? MIG_HDR_SIZE :
					 MIG_HDR_SIZE + r->hdr.len;
	*dst = r->frame + r->have;
	return total - r->have;
}

int mig_reader_advance(struct mig_reader *r, size_t n)
{
	int ret;

	r->have += n;
	if (r->have == MIG_HDR_SIZE) {
		ret = mig_hdr_decode(r->frame, MIG_HDR_SIZE, r->from, &r->hdr);
		if (ret)
			return ret;
		if (reserve(r, MIG_HDR_SIZE + r->hdr.len))
			return -ENOMEM;
	}
	if (r->have < MIG_HDR_SIZE || r->have < MIG_HDR_SIZE + r->hdr.len)
		return 0;
	r->done = true;
	if (state_crc32(0, mig_payload(r), r->hdr.len) != r->hdr.crc)
		return -EILSEQ;
	return 1;
}

const char *mig_read_error(int err)
{
	switch (err) {
	case -EBADMSG:
		return "not a migration stream";
	case -EPROTONOSUPPORT:
		return "another version of the migration protocol";
	case -EPROTO:
		return "a frame of a type that may not come from there";
	case -EMSGSIZE:
		return "a frame whose length its type cannot have";
	case -EILSEQ:
		return "a frame whose checksum does not match (damaged)";
	case -ENOMEM:
		return "out of memory";
	default:
		return "a bad frame";
	}
}

size_t mig_frame(uint8_t *out, size_t cap, uint16_t type, const void *payload,
		 size_t len)
{
	if (len > cap || cap - len < MIG_HDR_SIZE)
		return 0;
	if (len)
		memmove(out + MIG_HDR_SIZE, payload, len);
	mig_hdr_encode(out, type, out + MIG_HDR_SIZE, (uint32_t)len);
	return MIG_HDR_SIZE + len;
}

size_t mig_text_frame(uint8_t *out, size_t cap, uint16_t type,
		      const char *fmt, ...)
{
	char text[MIG_TEXT_MAX + 1];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	return mig_frame(out, cap, type, text,
			 MIN((size_t)n, (size_t)MIG_TEXT_MAX));
}

void mig_text(const uint8_t *p, size_t len, char *out, size_t out_len)
{
	size_t n = MIN(len, out_len - 1);

	for (size_t i = 0; i < n; i++)
		out[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	out[n] = 0;
}

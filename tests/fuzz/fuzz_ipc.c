/*
 * The control protocol's decoder, as both sides see a peer's bytes.
 *
 * Input layout: u8 flags (bit 0: the bytes come from a client, else from
 * a VM), u8 chunk (read() sizes: 1 + chunk), then the byte stream.
 *
 * Every frame the reader completes is decoded by its type. Properties:
 * the reader never asks for a byte past the frame it is reading; a
 * header it accepts has a payload length its type allows; a VCPU frame
 * that decodes re-encodes to exactly the same bytes; error text is
 * printable.
 */
#include "fuzz.h"

#include <lkvm/ipc.h>
#include <lkvm/reg_set.h>

#include <stdlib.h>
#include <string.h>

FUZZ_LOG_ERRORS_ONLY()

static void check_vcpu_roundtrip(const struct ipc_reader *r)
{
	struct reg_set set;
	struct ipc_buf b;

	if (ipc_vcpu_decode(r->payload, r->hdr.len, &set)) {
		reg_set_free(&set);
		return;
	}
	ipc_buf_init(&b, IPC_HDR_SIZE + IPC_REPLY_PAYLOAD_MAX);
	if (ipc_vcpu_append(&b, &set) ||
	    b.len != IPC_HDR_SIZE + (size_t)r->hdr.len ||
	    memcmp(b.data, r->hdr_buf, IPC_HDR_SIZE) ||
	    memcmp(b.data + IPC_HDR_SIZE, r->payload, r->hdr.len))
		abort();
	ipc_buf_free(&b);
	reg_set_free(&set);
}

static void decode(const struct ipc_reader *r)
{
	struct ipc_info info;
	struct ipc_done done;
	char msg[IPC_ERROR_MSG_MAX + 1];

	switch (r->hdr.type) {
	case IPC_REP_INFO:
		if (!ipc_info_decode(r->payload, r->hdr.len, &info) &&
		    (strlen(info.name) == 0 || strlen(info.name) > 63))
			abort();
		break;
	case IPC_REP_DONE:
		ipc_done_decode(r->payload, r->hdr.len, &done);
		break;
	case IPC_REP_VCPU:
		check_vcpu_roundtrip(r);
		break;
	case IPC_REP_ERROR:
		ipc_error_text(r->payload, r->hdr.len, msg, sizeof(msg));
		for (const char *p = msg; *p; p++)
			if (*p < 0x20 || *p > 0x7e)
				abort();
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum ipc_side from;
	struct ipc_reader r;
	size_t chunk, off = 2;

	if (size < 2)
		return 0;
	from = data[0] & 1 ? IPC_FROM_CLIENT : IPC_FROM_SERVER;
	chunk = 1 + (size_t)data[1];
	ipc_reader_init(&r, from);
	while (off < size) {
		uint8_t *dst;
		size_t want = ipc_reader_want(&r, &dst);
		size_t n = want < chunk ? want : chunk;
		int ret;

		if (!want)
			abort();	/* a finished frame must be reset first */
		if (n > size - off)
			n = size - off;
		memcpy(dst, data + off, n);
		off += n;
		ret = ipc_reader_advance(&r, n);
		if (ret < 0)
			break;
		if (ret == 1) {
			if (r.have != IPC_HDR_SIZE + (size_t)r.hdr.len ||
			    (from == IPC_FROM_CLIENT &&
			     r.hdr.len > IPC_REQ_PAYLOAD_MAX))
				abort();
			decode(&r);
			ipc_reader_reset(&r);
		}
	}
	ipc_reader_fini(&r);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_MIGRATE_WIRE_H
#define LKVM_MIGRATE_WIRE_H

#include <lkvm/compiler.h>

/*
 * The frames of a live migration (Documentation/migration.md), on both
 * of its links: between `lkvm migrate` and the destination (`lkvm restore
 * --incoming`), and between `lkvm migrate` and the VM it moves (a socket
 * pair passed over the control socket). Pure: no I/O, so that unit tests
 * and the fuzzer drive it.
 *
 * Every frame is a 16-byte little-endian header and a payload:
 *   u32 magic "LKMG", u16 version, u16 type, u32 payload length,
 *   u32 CRC-32 of the payload
 * The reader checks the magic, the version, that the sender's side may
 * send the type, the payload length against that type's bounds (before
 * reading any of it), and the CRC once the payload is in.
 */

#define MIG_MAGIC 0x474d4b4cU	/* "LKMG" as bytes on the wire */
#define MIG_VERSION 1
#define MIG_HDR_SIZE 16U

/* Bounds a reader trusts. */
#define MIG_PAGES_MAX (1U << 20)	/* page bytes in one PAGES frame */
#define MIG_STATE_CHUNK (1U << 20)	/* state bytes in one STATE frame */
#define MIG_MANIFEST_MAX (1U << 20)
#define MIG_TEXT_MAX 512U		/* reasons, in ABORT, VERDICT, ... */
#define MIG_TOKEN_MIN 16U
#define MIG_TOKEN_MAX 1024U
#define MIG_BOOT_ID_LEN 16U
#define MIG_PAGE_SHIFT_MIN 12U		/* 4 KiB to 64 KiB host pages */
#define MIG_PAGE_SHIFT_MAX 16U
#define MIG_PAYLOAD_MAX (8U + MIG_PAGES_MAX)

enum mig_type {
	/* The source (lkvm migrate) to the destination. */
	MIG_HELLO = 0x01,	/* u8[16] source boot id, the token */
	MIG_MANIFEST = 0x02,	/* JSON: the machine, minus RAM */
	MIG_PAGES = 0x03,	/* u64 first page, n whole pages */
	MIG_ZERO = 0x04,	/* u64 first page, u64 count: now zero */
	MIG_STATE = 0x05,	/* the next part of the state records */
	MIG_END = 0x06,		/* u64 state bytes, u32 records, u32 0 */
	MIG_COMMIT = 0x07,	/* the source will never run the guest again */
	MIG_ABORT = 0x08,	/* text: the source keeps the guest */

	/* The destination to the source. */
	MIG_VERDICT = 0x81,	/* u8 go (1) or not (0), text: why */
	MIG_READY = 0x82,	/* everything loaded: waiting for COMMIT */
	MIG_FAILED = 0x83,	/* text: could not load; discarded */
	MIG_RUNNING = 0x84,	/* COMMIT received: the guest runs here */

	/* lkvm migrate to the VM. */
	MIG_CMD_SYNC = 0x41,	 /* harvest the dirty pages: SYNCED */
	MIG_CMD_SEND = 0x42,	 /* send them, then ROUND_END */
	MIG_CMD_HANDOVER = 0x43, /* pause, send the rest, STATE..., END */
	MIG_CMD_COMMIT = 0x44,	 /* never resume: COMMITTED (or ABORTED) */
	MIG_CMD_DONE = 0x45,	 /* the destination runs it: stop */
	MIG_CMD_ABORT = 0x46,	 /* text: go on running here */

	/* The VM to lkvm migrate (with MANIFEST, PAGES, ZERO, STATE, END). */
	MIG_SYNCED = 0xc1,	/* u64 dirty pages, u64 pages of RAM */
	MIG_ROUND_END = 0xc2,	/* u64 data pages, u64 zero pages, u64 bytes */
	MIG_COMMITTED = 0xc3,
	MIG_ABORTED = 0xc4,	/* text: the VM gave up; it runs on */
};

/* Who sent a frame: decides which types are legal. */
enum mig_side {
	MIG_FROM_SOURCE,	/* lkvm migrate, to the destination */
	MIG_FROM_DEST,
	MIG_FROM_CLIENT,	/* lkvm migrate, to the VM */
	MIG_FROM_VM,
};

struct mig_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t type;
	uint32_t len;
	uint32_t crc;
};

const char *mig_type_name(uint16_t type);

/* The header of a frame whose payload is @payload (@len bytes). */
void mig_hdr_encode(uint8_t out[MIG_HDR_SIZE], uint16_t type,
		    const void *payload, uint32_t len);

/*
 * Decodes a header a peer sent (all of it peer-controlled). Returns 0,
 * -EAGAIN (fewer than MIG_HDR_SIZE bytes), -EBADMSG (not this protocol),
 * -EPROTONOSUPPORT (another version; h->version says which), -EPROTO (a
 * type @from may not send) or -EMSGSIZE (a length the type cannot have).
 */
int mig_hdr_decode(const uint8_t *buf, size_t len, enum mig_side from,
		   struct mig_hdr *h);

/*
 * Collects one frame from a byte stream without reading past it: read
 * at most mig_reader_want() bytes into the pointer it gives, then report
 * them with mig_reader_advance(). The whole frame (header and payload)
 * stays in frame[] for a relay to pass on unchanged.
 */
struct mig_reader {
	enum mig_side from;
	struct mig_hdr hdr;
	uint8_t *frame;		/* header, then payload */
	size_t cap;
	size_t have;
	bool done;
};

void mig_reader_init(struct mig_reader *r, enum mig_side from);
void mig_reader_fini(struct mig_reader *r);
size_t mig_reader_want(struct mig_reader *r, uint8_t **dst);
/*
 * 1: a whole, checked frame is in (r->hdr, mig_payload(r)); 0: more is
 * needed; or the negative errno of mig_hdr_decode(), -EILSEQ (the CRC
 * does not match) or -ENOMEM. The next call starts the next frame.
 */
int mig_reader_advance(struct mig_reader *r, size_t n);

static inline const uint8_t *mig_payload(const struct mig_reader *r)
{
	return r->frame + MIG_HDR_SIZE;
}

/* The bytes of the frame last read, header included. */
static inline size_t mig_frame_len(const struct mig_reader *r)
{
	return MIG_HDR_SIZE + r->hdr.len;
}

/* What a reader's error means, for a message ("a frame ... (why)"). */
const char *mig_read_error(int err);

/* A frame into @out (@cap bytes): its length, or 0 when it does not fit. */
size_t mig_frame(uint8_t *out, size_t cap, uint16_t type, const void *payload,
		 size_t len);

/* A text frame (ABORT, FAILED, ...): @fmt cut to MIG_TEXT_MAX. */
size_t mig_text_frame(uint8_t *out, size_t cap, uint16_t type,
		      const char *fmt, ...) __printf(4, 5);
#define MIG_TEXT_FRAME_MAX (MIG_HDR_SIZE + 1 + MIG_TEXT_MAX)

/* A text payload made printable and NUL-terminated in @out. */
void mig_text(const uint8_t *p, size_t len, char *out, size_t out_len);

/* Little-endian fields of payloads. */
void mig_put_u32(uint8_t *p, uint32_t v);
void mig_put_u64(uint8_t *p, uint64_t v);
uint32_t mig_get_u32(const uint8_t *p);
uint64_t mig_get_u64(const uint8_t *p);

#endif

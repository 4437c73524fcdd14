/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_IPC_H
#define LKVM_IPC_H

#include <lkvm/compiler.h>

/*
 * The control protocol between `lkvm list/stop/pause/resume/debug` and a
 * running `lkvm run`, over $HOME/.lkvm/NAME.sock. Documentation/ipc.md is
 * the reference; this file is its encoder and decoder, pure (no I/O) so
 * that unit tests and fuzzers drive it directly.
 *
 * Every frame is a 16-byte little-endian header and a payload:
 *   u32 magic "LKVM", u16 version, u16 type, u32 payload length,
 *   i32 status (replies: 0 or a negative errno).
 * One request per connection; the reply is one frame, or for a dump a
 * sequence INFO, VCPU x nr_vcpus, END.
 */

#define IPC_MAGIC 0x4d564b4cU	/* "LKVM" as bytes on the wire */
#define IPC_VERSION 1
#define IPC_HDR_SIZE 16

/* Requests carry at most this much payload (the server reads no more). */
#define IPC_REQ_PAYLOAD_MAX 16
/* The largest reply frame (a VCPU frame with every register). */
#define IPC_REPLY_PAYLOAD_MAX (4U << 20)
#define IPC_ERROR_MSG_MAX 256
/* Bounds a VCPU frame's decoder trusts (KVM lists a few hundred). */
#define IPC_REGS_MAX 16384
#define IPC_REG_BYTES_MAX 256	/* a 2048-bit SVE Z register */

enum ipc_type {
	IPC_REQ_INFO = 0x01,	/* -> REP_INFO */
	IPC_REQ_STOP = 0x02,	/* -> REP_DONE; closed when the VM has gone */
	IPC_REQ_PAUSE = 0x03,	/* -> REP_DONE once every vcpu is parked */
	IPC_REQ_RESUME = 0x04,	/* -> REP_DONE */
	IPC_REQ_DUMP = 0x05,	/* -> REP_INFO, REP_VCPU per vcpu, REP_END */
	IPC_REQ_SYSRQ = 0x06,	/* 1-byte payload: the sysrq key -> REP_DONE */
	/*
	 * 1-byte payload (IPC_SNAPSHOT_STOP), with three descriptors passed
	 * alongside (SCM_RIGHTS): the snapshot's ram, state and manifest
	 * files, in that order -> REP_SNAPSHOT once they are written.
	 */
	IPC_REQ_SNAPSHOT = 0x07,
	/*
	 * No payload; one descriptor rides along: a connected stream
	 * socket over which `lkvm migrate` drives a live migration
	 * (Documentation/migration.md) -> REP_DONE once it has started.
	 */
	IPC_REQ_MIGRATE = 0x08,

	IPC_REP_INFO = 0x81,
	IPC_REP_DONE = 0x82,
	IPC_REP_VCPU = 0x83,
	IPC_REP_END = 0x84,
	IPC_REP_ERROR = 0x85,	/* status < 0, payload: a message (text) */
	IPC_REP_SNAPSHOT = 0x86,
};

#define IPC_SNAPSHOT_STOP 1U	/* stop the VM after the snapshot */
#define IPC_SNAPSHOT_FDS 3

enum ipc_vm_state {
	IPC_STATE_RUNNING = 1,
	IPC_STATE_PAUSED = 2,
	IPC_STATE_STOPPING = 3,
};

struct ipc_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t type;
	uint32_t len;
	int32_t status;
};

/* Which side a frame comes from: decides which types are legal. */
enum ipc_side {
	IPC_FROM_CLIENT,
	IPC_FROM_SERVER,
};

const char *ipc_type_name(uint16_t type);
const char *ipc_state_name(uint8_t state);

void ipc_hdr_encode(uint8_t out[IPC_HDR_SIZE], uint16_t type, uint32_t len,
		    int32_t status);

/*
 * Decodes and validates a header that a peer sent; everything in @buf is
 * peer-controlled. Checks the magic, the version, that the type is one
 * @from may send, and the payload length against that type's bounds.
 * Returns 0, -EAGAIN when fewer than IPC_HDR_SIZE bytes are given,
 * -EBADMSG (not this protocol), -EPROTONOSUPPORT (another version; @h
 * still holds the peer's version), -EPROTO (a type @from may not send),
 * or -EMSGSIZE (a length that type cannot have).
 */
int ipc_hdr_decode(const uint8_t *buf, size_t len, enum ipc_side from,
		   struct ipc_hdr *h);

/*
 * Collects one frame from a byte stream without ever reading past it:
 * the caller reads at most ipc_reader_want() bytes into the pointer it
 * returns, then reports how many arrived with ipc_reader_advance().
 */
struct ipc_reader {
	enum ipc_side from;
	uint8_t hdr_buf[IPC_HDR_SIZE];
	struct ipc_hdr hdr;
	size_t have;		/* bytes of the current frame so far */
	uint8_t *payload;	/* hdr.len bytes once the header is valid */
	size_t payload_cap;
	bool done;
};

void ipc_reader_init(struct ipc_reader *r, enum ipc_side from);
void ipc_reader_fini(struct ipc_reader *r);
/* Starts the next frame (keeps the payload buffer). */
void ipc_reader_reset(struct ipc_reader *r);
size_t ipc_reader_want(struct ipc_reader *r, uint8_t **dst);
/*
 * Returns 1 when a whole frame has arrived (r->hdr, r->payload), 0 when
 * more is needed, or the negative errno of ipc_hdr_decode() (or -ENOMEM)
 * when the header is unacceptable; the header stays in r->hdr.
 */
int ipc_reader_advance(struct ipc_reader *r, size_t n);

/* A growable output buffer of whole frames, bounded by @limit bytes. */
struct ipc_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	size_t limit;
};

void ipc_buf_init(struct ipc_buf *b, size_t limit);
void ipc_buf_free(struct ipc_buf *b);
int ipc_buf_put(struct ipc_buf *b, const void *data, size_t len);

/* Appends a whole frame; -EMSGSIZE or -ENOBUFS when it does not fit. */
int ipc_frame_append(struct ipc_buf *b, uint16_t type, int32_t status,
		     const void *payload, size_t len);
/* Appends an ERROR frame with a printf-style message (cut to fit). */
int ipc_error_append(struct ipc_buf *b, int32_t status, const char *fmt, ...)
	__printf(3, 4);

/* REP_INFO: what `lkvm list` shows. */
struct ipc_info {
	uint32_t pid;
	uint32_t nr_vcpus;
	uint64_t ram_bytes;
	uint64_t uptime_ms;
	uint32_t sve_vqs;	/* bit (vq - 1): a 128 * vq-bit length */
	uint8_t state;		/* enum ipc_vm_state */
	char name[64];
};

#define IPC_INFO_FIXED 32

int ipc_info_append(struct ipc_buf *b, const struct ipc_info *info);
/*
 * Decodes a REP_INFO payload (server-controlled): exact length, a name
 * of 1-63 characters that would be a valid VM name, a known state.
 * Returns 0 or -EBADMSG.
 */
int ipc_info_decode(const uint8_t *p, size_t len, struct ipc_info *info);

/* REP_DONE: the state the VM is in now, and whether the request changed it. */
struct ipc_done {
	uint8_t state;
	bool changed;
};

int ipc_done_append(struct ipc_buf *b, const struct ipc_done *done);
int ipc_done_decode(const uint8_t *p, size_t len, struct ipc_done *done);

/* REP_SNAPSHOT: four u64, what the snapshot took. */
struct ipc_snapshot_done {
	uint64_t pause_ms;	/* the guest's vcpus stood still this long */
	uint64_t write_ms;	/* of which writing the files */
	uint64_t ram_written;	/* bytes of RAM written (not holes) */
	uint64_t state_bytes;
};

int ipc_snapshot_done_append(struct ipc_buf *b,
			     const struct ipc_snapshot_done *d);
int ipc_snapshot_done_decode(const uint8_t *p, size_t len,
			     struct ipc_snapshot_done *d);

struct reg_set;

/*
 * REP_VCPU: u32 vcpu id, u32 number of registers, then per register
 * u64 id, u16 value length, u16 errno (0: read), value bytes.
 */
int ipc_vcpu_append(struct ipc_buf *b, const struct reg_set *set);
/*
 * Decodes a REP_VCPU payload (server-controlled) into @set: every record
 * must lie inside the payload, values at most IPC_REG_BYTES_MAX, no value
 * with an errno, the count exactly what was announced, nothing after the
 * last record. Returns 0, -EBADMSG or -ENOMEM.
 */
int ipc_vcpu_decode(const uint8_t *p, size_t len, struct reg_set *set);

/*
 * The text of a REP_ERROR payload, made printable (control characters
 * become '?') and NUL-terminated in @out.
 */
void ipc_error_text(const uint8_t *p, size_t len, char *out, size_t out_len);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_STATE_H
#define LKVM_STATE_H

#include <lkvm/compiler.h>

/*
 * Guest-visible state as versioned, self-describing records: what a
 * device, a vcpu or the interrupt controller saves for a snapshot and
 * loads at restore (Documentation/snapshot.md has the format). A record
 * names its kind and version and holds named, typed fields, so a reader
 * finds fields by name, tells a missing field from a wrong one, and a
 * later version can add fields. A CRC-32 over the record catches flipped
 * bytes; records are read from files, so every length is checked against
 * what is there before it is used.
 *
 * Layout, little-endian:
 *   "LKSR" | u32 total length | u16 version | u8 kind length | kind |
 *   u32 number of fields | fields | u32 CRC-32 of everything before it
 *   field: u8 key length | key | u8 type | u32 value length | value
 */

#define STATE_MAGIC "LKSR"
#define STATE_KIND_MAX 32U
#define STATE_KEY_MAX 32U
/* Fields in one record, and bytes in one record: files cannot lie more. */
#define STATE_FIELDS_MAX 4096U
#define STATE_RECORD_MAX (256U << 20)

enum state_type {
	STATE_U64 = 1,
	STATE_BYTES = 2,
};

/* A record being written; errors stick, state_end() reports the first. */
struct state_writer {
	uint8_t *data;
	size_t len, cap;
	size_t start;		/* where the current record began */
	uint32_t nr_fields;
	int err;
};

void state_writer_init(struct state_writer *w);
void state_writer_free(struct state_writer *w);

/* Starts a record of @kind (1 to STATE_KIND_MAX bytes) at @version. */
void state_begin(struct state_writer *w, const char *kind, uint16_t version);
void state_put_u64(struct state_writer *w, const char *key, uint64_t v);
void state_put_bytes(struct state_writer *w, const char *key, const void *p,
		     size_t len);
/* Closes the record (length, CRC). Returns 0 or the first error. */
int state_end(struct state_writer *w);

/* One record, checked, being read. Fields point into the caller's bytes. */
struct state_reader {
	const uint8_t *data;	/* the whole record */
	size_t len;
	char kind[STATE_KIND_MAX + 1];
	uint16_t version;
	uint32_t nr_fields;
	const uint8_t *fields;	/* the first field */
	size_t fields_len;
	char *why;		/* where errors are explained */
	size_t why_len;
};

/*
 * The length of the record at the start of @data (@len bytes available),
 * from its header alone: 0 when there is no whole record header, or it
 * claims more than @len or STATE_RECORD_MAX.
 */
size_t state_record_len(const void *data, size_t len);

/*
 * Checks the record at the start of @data (@len bytes: magic, lengths,
 * CRC, every field's framing) and that it is of @kind with a version from
 * 1 to @max_version. Returns 0, or -EINVAL with @why saying what is wrong
 * ("truncated", "checksum mismatch", "a uart8250 record, not ...",
 * "version 3, newer than this lkvm reads (2)"). @why stays the reader's
 * place for later errors.
 */
int state_open(struct state_reader *r, const void *data, size_t len,
	       const char *kind, uint16_t max_version, char *why,
	       size_t why_len);

/* Field lookups: 0, or -EINVAL with r->why explained (missing, wrong type). */
int state_get_u64(struct state_reader *r, const char *key, uint64_t *v);
/* A u64 that must be at most @max. */
int state_get_uint(struct state_reader *r, const char *key, uint64_t max,
		   uint64_t *v);
int state_get_bytes(struct state_reader *r, const char *key, const void **p,
		    size_t *len);
/* Bytes of exactly @len, copied to @dst. */
int state_get_fixed(struct state_reader *r, const char *key, void *dst,
		    size_t len);
/* Whether the record has field @key (for fields a version added). */
bool state_has(const struct state_reader *r, const char *key);

/* CRC-32 (IEEE 802.3), as zlib computes it. */
uint32_t state_crc32(uint32_t crc, const void *data, size_t len);
/*
 * state_crc32() over @len zero bytes, without reading them: in steps
 * logarithmic in @len (a snapshot's RAM is mostly zeros it never reads).
 */
uint32_t state_crc32_zeros(uint32_t crc, uint64_t len);

#endif

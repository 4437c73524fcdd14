/*
 * The racing guest: guest RAM that changes between any two reads the
 * device makes, as it does under a guest whose other vcpus write the
 * rings while the device works on them. Deterministic, so that a crash
 * replays: the changes come from a script in the fuzz input, one step
 * each time the virtqueue code is about to read guest RAM (struct
 * guest_mem's before_read hook: ring indices and entries, descriptors,
 * indirect tables, data copied out).
 *
 * The script is a list of ops, each acting at the next reads it matches:
 *
 *   u8 code    bits 0-1: the action; bits 4-7: which reads it matches,
 *              0 any, else GUEST_READ_x + 1 (a kind that never comes
 *              keeps the op waiting to the end)
 *   u8 times   acts at times + 1 matching reads in a row
 *   payload    by action:
 *     RACE_SKIP  -            those reads see RAM unchanged
 *     RACE_ADD   u16 delta    added to the u16 about to be read (to
 *                             the byte if it is one byte): moves
 *                             avail->idx, a head, a descriptor's addr
 *     RACE_HERE  u8 at, u8 n, n bytes
 *                             written over what is about to be read,
 *                             from byte at % its length, clipped at
 *                             its end: rewrites a descriptor or data
 *     RACE_AT    u24 offset, u8 n, n bytes
 *                             written at that RAM offset (% RAM size),
 *                             clipped at the end of RAM: anything else,
 *                             e.g. the next descriptor or another queue
 *
 * When the script is over the guest is quiet and RAM stays as it is:
 * every loop in the device must then end by itself. A device that reads
 * RACE_IDLE_READS_MAX times in a row while the guest changes nothing is
 * taken to be in an endless loop: abort. So is a read the device
 * announces outside guest RAM.
 */
#ifndef LKVM_FUZZ_RACE_H
#define LKVM_FUZZ_RACE_H

#include "fuzz.h"
#include "fuzz_ram.h"

#include <endian.h>

enum race_action { RACE_SKIP, RACE_ADD, RACE_HERE, RACE_AT };

/*
 * Reads in a row without a change: far more than any device call makes
 * over unchanging rings (a few queues of 256 chains of 256 descriptors).
 */
#define RACE_IDLE_READS_MAX (1UL << 22)

struct race {
	uint8_t *ram;
	size_t size;
	struct fuzz_input script;
	/* The op in force: acts @times more times at reads of @kind. */
	uint8_t action;
	uint8_t kind;			/* 0: any, else GUEST_READ_x + 1 */
	unsigned int times;
	uint16_t delta;
	uint32_t offset;
	uint8_t at, n;
	const uint8_t *bytes;
	unsigned long reads, changes;	/* so far */
	unsigned long idle_reads;	/* since the last change */
};

/* Makes the script's next op the one in force, if there is one. */
static inline void race_next_op(struct race *r)
{
	uint8_t code;

	if (!r->script.len)
		return;
	code = (uint8_t)fuzz_take(&r->script, 1);
	r->action = code & 3;
	r->kind = (uint8_t)((code >> 4) % (GUEST_READ_KINDS + 1));
	r->times = 1 + (unsigned int)fuzz_take(&r->script, 1);
	if (r->action == RACE_ADD)
		r->delta = (uint16_t)fuzz_take(&r->script, 2);
	if (r->action == RACE_HERE)
		r->at = (uint8_t)fuzz_take(&r->script, 1);
	if (r->action == RACE_AT)
		r->offset = (uint32_t)fuzz_take(&r->script, 3);
	if (r->action == RACE_HERE || r->action == RACE_AT) {
		r->n = (uint8_t)fuzz_take(&r->script, 1);
		r->n = (uint8_t)MIN((size_t)r->n, r->script.len);
		r->bytes = r->script.data;
		r->script.data += r->n;
		r->script.len -= r->n;
	}
}

static inline bool race_write(struct race *r, size_t off, size_t room)
{
	size_t n = MIN((size_t)r->n, room);

	memcpy(r->ram + off, r->bytes, n);
	return n != 0;
}

/* Carries out the op in force at a read of @len bytes at @off; changed? */
static inline bool race_act(struct race *r, size_t off, size_t len)
{
	uint16_t v;

	if (r->action == RACE_AT)
		return race_write(r, r->offset % r->size,
				  r->size - r->offset % r->size);
	if (!len || r->action == RACE_SKIP)
		return false;
	if (r->action == RACE_HERE)
		return race_write(r, off + r->at % len, len - r->at % len);
	if (len == 1) {
		r->ram[off] = (uint8_t)(r->ram[off] + r->delta);
		return true;
	}
	memcpy(&v, r->ram + off, 2);
	v = htole16((uint16_t)(le16toh(v) + r->delta));
	memcpy(r->ram + off, &v, 2);
	return true;
}

/* struct guest_mem's before_read: the guest's other vcpus act. */
static inline void race_before_read(void *ctx, enum guest_read what,
				    const void *p, size_t len)
{
	struct race *r = ctx;
	size_t off = (size_t)((uintptr_t)p - (uintptr_t)r->ram);

	if ((uintptr_t)p < (uintptr_t)r->ram || off > r->size ||
	    len > r->size - off)
		fuzz_fail("racing guest: the device reads outside guest RAM");
	r->reads++;
	if (!r->times)
		race_next_op(r);
	if (r->times && (!r->kind || r->kind == what + 1)) {
		r->times--;
		if (race_act(r, off, len)) {
			r->changes++;
			r->idle_reads = 0;
			return;
		}
	}
	if (++r->idle_reads > RACE_IDLE_READS_MAX)
		fuzz_fail("racing guest: the device goes on reading RAM the guest no longer changes: an endless loop");
}

/*
 * Makes @mem (fuzz_ram() set it up) the RAM of a racing guest that
 * follows @script, which must outlive it.
 */
static inline void race_attach(struct race *r, struct guest_mem *mem,
			       struct fuzz_input script)
{
	memset(r, 0, sizeof(*r));
	r->ram = mem->host;
	r->size = (size_t)mem->size;
	r->script = script;
	mem->before_read = race_before_read;
	mem->before_read_ctx = r;
}

/* The input's script: u16 length, then that many bytes. */
static inline struct fuzz_input race_script(struct fuzz_input *in)
{
	size_t len = (size_t)fuzz_take(in, 2);
	struct fuzz_input s = { in->data, MIN(len, in->len) };

	in->data += s.len;
	in->len -= s.len;
	return s;
}

#endif

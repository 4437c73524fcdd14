// SPDX-License-Identifier: GPL-2.0
/*
 * State records: writing them, and reading them back from bytes that
 * may be truncated, corrupt or hostile (a snapshot is a file anyone may
 * have edited). Pure code; see include/lkvm/state.h for the layout.
 */
#include <lkvm/state.h>

#include <lkvm/grow.h>
#include <lkvm/parse.h>

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define HDR_FIXED 11U		/* magic, total length, version, kind length */
#define TAIL 4U			/* the CRC */
#define FIELD_FIXED 6U		/* key length, type, value length (less key) */

static uint32_t crc32_bits(uint32_t crc, const uint8_t *p, size_t len)
{
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320U & -(crc & 1U));
	}
	return crc;
}

#if defined(__aarch64__)
#include <sys/auxv.h>
#include <asm/hwcap.h>

/*
 * The CRC32X instructions compute the same CRC-32 (IEEE 802.3 polynomial,
 * reflected) at several GB/s: a snapshot checksums all of guest RAM.
 */
__attribute__((target("+crc")))
static uint32_t crc32_arm(uint32_t crc, const uint8_t *p, size_t len)
{
	for (; len && ((uintptr_t)p & 7); len--)
		crc = __builtin_aarch64_crc32b(crc, *p++);
	for (; len >= 8; len -= 8, p += 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		crc = __builtin_aarch64_crc32x(crc, v);
	}
	return crc32_bits(crc, p, len);
}

static bool have_crc32_insns(void)
{
	return getauxval(AT_HWCAP) & HWCAP_CRC32;
}
#endif

uint32_t state_crc32(uint32_t crc, const void *data, size_t len)
{
#if defined(__aarch64__)
	if (have_crc32_insns())
		return ~crc32_arm(~crc, data, len);
#endif
	return ~crc32_bits(~crc, data, len);
}

/*
 * a(x) * b(x) mod the CRC polynomial, both reflected (bit 31 is x^0):
 * the CRC register after zero bytes is the register times a power of x.
 */
static uint32_t crc32_mulmod(uint32_t a, uint32_t b)
{
	uint32_t p = 0;

	for (int i = 0; i < 32; i++) {
		if (a & (0x80000000U >> i))
			p ^= b;
		b = (b >> 1) ^ (0xedb88320U & -(b & 1U));
	}
	return p;
}

uint32_t state_crc32_zeros(uint32_t crc, uint64_t len)
{
	uint32_t power = 0x80000000U;	/* x^0 */
	uint32_t square = 0x00800000U;	/* x^8, then x^16, x^32, ... */

	/* x^(8 * len), by squaring: 64 steps at most. */
	for (; len; len >>= 1) {
		if (len & 1)
			power = crc32_mulmod(power, square);
		square = crc32_mulmod(square, square);
	}
	return ~crc32_mulmod(~crc, power);
}

void state_writer_init(struct state_writer *w)
{
	memset(w, 0, sizeof(*w));
}

void state_writer_free(struct state_writer *w)
{
	free(w->data);
	state_writer_init(w);
}

static uint8_t *room(struct state_writer *w, size_t n)
{
	uint8_t *p;

	if (w->err)
		return NULL;
	if (n > STATE_RECORD_MAX || w->len - w->start + n > STATE_RECORD_MAX) {
		w->err = -E2BIG;
		return NULL;
	}
	if (grow_array((void **)&w->data, &w->cap, w->len + n, 1, 4096)) {
		w->err = -ENOMEM;
		return NULL;
	}
	p = w->data + w->len;
	w->len += n;
	return p;
}

static void put_raw(struct state_writer *w, const void *p, size_t n)
{
	uint8_t *dst = room(w, n);

	if (dst && n)
		memcpy(dst, p, n);
}

static void put_le(struct state_writer *w, uint64_t v, size_t n)
{
	uint8_t b[8];

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put_raw(w, b, n);
}

static uint64_t get_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void set_le32(uint8_t *p, uint32_t v)
{
	for (size_t i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void state_begin(struct state_writer *w, const char *kind, uint16_t version)
{
	size_t n = strlen(kind);

	if (!n || n > STATE_KIND_MAX || !version) {
		w->err = w->err ?: -EINVAL;
		return;
	}
	w->start = w->len;
	w->nr_fields = 0;
	put_raw(w, STATE_MAGIC, 4);
	put_le(w, 0, 4);		/* the total length, at the end */
	put_le(w, version, 2);
	put_le(w, n, 1);
	put_raw(w, kind, n);
	put_le(w, 0, 4);		/* the number of fields, at the end */
}

static void put_field(struct state_writer *w, const char *key,
		      enum state_type type, const void *p, size_t len)
{
	size_t n = strlen(key);

	if (!n || n > STATE_KEY_MAX || len > UINT32_MAX ||
	    w->nr_fields == STATE_FIELDS_MAX) {
		w->err = w->err ?: -EINVAL;
		return;
	}
	put_le(w, n, 1);
	put_raw(w, key, n);
	put_le(w, type, 1);
	put_le(w, len, 4);
	put_raw(w, p, len);
	w->nr_fields++;
}

void state_put_u64(struct state_writer *w, const char *key, uint64_t v)
{
	uint8_t b[8];

	for (size_t i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put_field(w, key, STATE_U64, b, sizeof(b));
}

void state_put_bytes(struct state_writer *w, const char *key, const void *p,
		     size_t len)
{
	put_field(w, key, STATE_BYTES, p, len);
}

int state_end(struct state_writer *w)
{
	uint8_t *rec;
	size_t total;

	if (w->err)
		return w->err;
	total = w->len - w->start + TAIL;
	rec = w->data + w->start;
	set_le32(rec + 4, (uint32_t)total);
	set_le32(rec + HDR_FIXED + rec[10], w->nr_fields);
	put_le(w, state_crc32(0, rec, total - TAIL), 4);
	return w->err;
}

size_t state_record_len(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t total;

	if (len < 8 || memcmp(p, STATE_MAGIC, 4))
		return 0;
	total = get_le(p + 4, 4);
	if (total < HDR_FIXED + 1 + 4 + TAIL || total > len ||
	    total > STATE_RECORD_MAX)
		return 0;
	return (size_t)total;
}

/* @r->why gets the explanation; -EINVAL. */
#define fail(r, ...) parse_error((r)->why, (r)->why_len, __VA_ARGS__)

/* Why state_record_len() said no, in words. */
static int explain_len(struct state_reader *r, const uint8_t *p, size_t len)
{
	if (len < 8)
		return fail(r, "truncated: %zu bytes, not even a record header",
			    len);
	if (memcmp(p, STATE_MAGIC, 4))
		return fail(r, "not a state record (bad magic)");
	return fail(r, "truncated or corrupt: the record says %llu bytes, %zu are there (at most %u)",
		    (unsigned long long)get_le(p + 4, 4), len,
		    STATE_RECORD_MAX);
}

/* Walks the fields once: every length inside the record, types known. */
static int check_fields(struct state_reader *r)
{
	const uint8_t *p = r->fields, *end = r->fields + r->fields_len;

	for (uint32_t i = 0; i < r->nr_fields; i++) {
		size_t key_len, vlen;
		uint8_t type;

		if ((size_t)(end - p) < 1 || !p[0] || p[0] > STATE_KEY_MAX ||
		    (size_t)(end - p) < 1U + p[0] + FIELD_FIXED - 1U)
			return fail(r, "corrupt: field %u of %u is cut short",
				    i + 1, r->nr_fields);
		key_len = p[0];
		type = p[1 + key_len];
		vlen = (size_t)get_le(p + 2 + key_len, 4);
		p += 1 + key_len + 1 + 4;
		if ((type != STATE_U64 && type != STATE_BYTES) ||
		    (type == STATE_U64 && vlen != 8) ||
		    vlen > (size_t)(end - p))
			return fail(r, "corrupt: field %u of %u has a bad type or length",
				    i + 1, r->nr_fields);
		p += vlen;
	}
	if (p != end)
		return fail(r, "corrupt: %zu bytes after the last field",
			    (size_t)(end - p));
	return 0;
}

int state_open(struct state_reader *r, const void *data, size_t len,
	       const char *kind, uint16_t max_version, char *why,
	       size_t why_len)
{
	const uint8_t *p = data;
	size_t total = state_record_len(data, len), kind_len, hdr;

	memset(r, 0, sizeof(*r));
	r->why = why;
	r->why_len = why_len;
	if (!total)
		return explain_len(r, p, len);
	if (get_le(p + total - TAIL, 4) != state_crc32(0, p, total - TAIL))
		return fail(r, "corrupt: checksum mismatch");
	r->version = (uint16_t)get_le(p + 8, 2);
	kind_len = p[10];
	hdr = HDR_FIXED + kind_len + 4;
	if (!kind_len || kind_len > STATE_KIND_MAX || hdr > total - TAIL)
		return fail(r, "corrupt: a bad kind");
	memcpy(r->kind, p + HDR_FIXED, kind_len);
	r->kind[kind_len] = '\0';
	r->nr_fields = (uint32_t)get_le(p + HDR_FIXED + kind_len, 4);
	r->data = p;
	r->len = total;
	r->fields = p + hdr;
	r->fields_len = total - TAIL - hdr;
	if (memchr(r->kind, '\0', kind_len) || strcmp(r->kind, kind))
		return fail(r, "a '%.*s' record where '%s' was expected",
			    (int)kind_len, r->kind, kind);
	if (!r->version || r->version > max_version)
		return fail(r, "%s record version %u: this lkvm reads versions 1 to %u",
			    kind, r->version, max_version);
	if (r->nr_fields > STATE_FIELDS_MAX)
		return fail(r, "corrupt: %u fields (at most %u)", r->nr_fields,
			    STATE_FIELDS_MAX);
	return check_fields(r);
}

/* The field @key, or NULL; the record was checked by state_open(). */
static const uint8_t *find(const struct state_reader *r, const char *key,
			   uint8_t *type, size_t *vlen)
{
	const uint8_t *p = r->fields;
	size_t n = strlen(key);

	for (uint32_t i = 0; i < r->nr_fields; i++) {
		size_t key_len = p[0];

		*type = p[1 + key_len];
		*vlen = (size_t)get_le(p + 2 + key_len, 4);
		if (key_len == n && !memcmp(p + 1, key, n))
			return p + 1 + key_len + 1 + 4;
		p += 1 + key_len + 1 + 4 + *vlen;
	}
	return NULL;
}

bool state_has(const struct state_reader *r, const char *key)
{
	uint8_t type;
	size_t vlen;

	return find(r, key, &type, &vlen) != NULL;
}

static const uint8_t *lookup(struct state_reader *r, const char *key,
			     enum state_type want, size_t *vlen)
{
	uint8_t type;
	const uint8_t *v = find(r, key, &type, vlen);

	if (!v) {
		fail(r, "%s record: field '%s' is missing", r->kind, key);
		return NULL;
	}
	if (type != want) {
		fail(r, "%s record: field '%s' has the wrong type", r->kind,
		     key);
		return NULL;
	}
	return v;
}

int state_get_u64(struct state_reader *r, const char *key, uint64_t *v)
{
	size_t vlen;
	const uint8_t *p = lookup(r, key, STATE_U64, &vlen);

	if (!p)
		return -EINVAL;
	*v = get_le(p, 8);
	return 0;
}

int state_get_uint(struct state_reader *r, const char *key, uint64_t max,
		   uint64_t *v)
{
	int ret = state_get_u64(r, key, v);

	if (!ret && *v > max)
		return fail(r, "%s record: field '%s' is %llu, more than %llu",
			    r->kind, key, (unsigned long long)*v,
			    (unsigned long long)max);
	return ret;
}

int state_get_bytes(struct state_reader *r, const char *key, const void **p,
		    size_t *len)
{
	const uint8_t *v = lookup(r, key, STATE_BYTES, len);

	if (!v)
		return -EINVAL;
	*p = v;
	return 0;
}

int state_get_fixed(struct state_reader *r, const char *key, void *dst,
		    size_t len)
{
	const void *p;
	size_t have;
	int ret = state_get_bytes(r, key, &p, &have);

	if (ret)
		return ret;
	if (have != len)
		return fail(r, "%s record: field '%s' holds %zu bytes, not %zu",
			    r->kind, key, have, len);
	memcpy(dst, p, len);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * What the destination of a live migration accepts from its source,
 * frame by frame, without I/O (include/lkvm/migrate_dest.h). The source
 * may be anything that knew the token: every index, count and length is
 * checked against guest RAM and the stream's bounds before it is used.
 */
#include <lkvm/migrate_dest.h>

#include <lkvm/parse.h>
#include <lkvm/snapshot.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int mig_hello_check(const uint8_t *p, size_t len, const struct mig_token *t,
		    uint8_t boot_id[MIG_BOOT_ID_LEN])
{
	bool ok;

	if (len < MIG_BOOT_ID_LEN)
		return -EACCES;
	memcpy(boot_id, p, MIG_BOOT_ID_LEN);
	/* Compared whole, before anything else of the source is read. */
	ok = !t || !t->len ||
	     mig_token_equal(t, p + MIG_BOOT_ID_LEN, len - MIG_BOOT_ID_LEN);
	return ok ? 0 : -EACCES;
}

void mig_stream_init(struct mig_stream *s, uint8_t *ram, uint64_t ram_size,
		     unsigned int page_shift)
{
	memset(s, 0, sizeof(*s));
	s->ram = ram;
	s->ram_size = ram_size;
	s->page_shift = page_shift;
}

void mig_stream_fini(struct mig_stream *s)
{
	free(s->state);
	s->state = NULL;
	s->state_len = s->state_cap = 0;
}

/* Pages [first, first + n) inside RAM: their host address, or NULL. */
static uint8_t *pages_at(const struct mig_stream *s, uint64_t first,
			 uint64_t n)
{
	uint64_t nr = s->ram_size >> s->page_shift;

	if (!n || first >= nr || n > nr - first)
		return NULL;
	return s->ram + (first << s->page_shift);
}

static int add_state(struct mig_stream *s, const uint8_t *p, size_t len,
		     char *why, size_t why_len)
{
	size_t cap = s->state_cap;
	uint8_t *n;

	if (len > SNAPSHOT_STATE_MAX - s->state_len)
		return parse_error(why, why_len,
				   "more than %u MiB of state records",
				   SNAPSHOT_STATE_MAX >> 20);
	if (s->state_len + len > cap) {
		cap = MAX(s->state_len + len, cap * 2);
		n = realloc(s->state, MIN(cap, (size_t)SNAPSHOT_STATE_MAX));
		if (!n)
			return -ENOMEM;
		s->state = n;
		s->state_cap = MIN(cap, (size_t)SNAPSHOT_STATE_MAX);
	}
	memcpy(s->state + s->state_len, p, len);
	s->state_len += len;
	return 0;
}

int mig_stream_frame(struct mig_stream *s, uint16_t type, const uint8_t *p,
		     size_t len, char *why, size_t why_len)
{
	size_t psize = (size_t)1 << s->page_shift;
	uint64_t first, n, state_bytes;
	uint8_t *dst;

	if (s->ended)
		return parse_error(why, why_len, "a %s frame after END",
				   mig_type_name(type));
	switch (type) {
	case MIG_PAGES:
	case MIG_ZERO:
		if (s->state_len)
			return parse_error(why, why_len,
					   "a page after the state records");
		if (len < 8)
			return parse_error(why, why_len, "a short %s frame",
					   mig_type_name(type));
		first = mig_get_u64(p);
		if (type == MIG_PAGES && (len - 8) % psize)
			return parse_error(why, why_len,
					   "a PAGES frame of %zu bytes, not whole %zu-byte pages",
					   len - 8, psize);
		n = type == MIG_PAGES ? (len - 8) / psize :
			len == 16 ? mig_get_u64(p + 8) : 0;
		dst = pages_at(s, first, n);
		if (!dst)
			return parse_error(why, why_len,
					   "pages %llu+%llu are not in the %llu MiB of guest RAM",
					   (unsigned long long)first,
					   (unsigned long long)n,
					   (unsigned long long)(s->ram_size >> 20));
		if (type == MIG_PAGES) {
			memcpy(dst, p + 8, len - 8);
			s->data_pages += n;
		} else {
			memset(dst, 0, (size_t)(n << s->page_shift));
			s->zero_pages += n;
		}
		return MIG_STREAM_MORE;
	case MIG_STATE:
		return add_state(s, p, len, why, why_len) ?: MIG_STREAM_MORE;
	case MIG_END:
		if (len != 16)
			return parse_error(why, why_len, "a bad END frame");
		state_bytes = mig_get_u64(p);
		s->nr_records = mig_get_u32(p + 8);
		if (state_bytes != s->state_len || !s->nr_records ||
		    mig_get_u32(p + 12))
			return parse_error(why, why_len,
					   "END says %llu bytes of state records, %zu came",
					   (unsigned long long)state_bytes,
					   s->state_len);
		s->ended = true;
		return MIG_STREAM_END;
	case MIG_ABORT:
		mig_text(p, len, why, why_len);
		return MIG_STREAM_ABORT;
	default:
		return parse_error(why, why_len, "a %s frame in the stream",
				   mig_type_name(type));
	}
}

/* State records: round trips, and every way a file can be wrong. */
#include "harness.h"

#include <lkvm/state.h>

#include <errno.h>
#include <stdlib.h>

static const uint8_t blob[5] = { 1, 2, 3, 4, 5 };

static void write_sample(struct state_writer *w, uint16_t version)
{
	state_writer_init(w);
	state_begin(w, "sample", version);
	state_put_u64(w, "a", 0x1122334455667788ULL);
	state_put_bytes(w, "blob", blob, sizeof(blob));
	state_put_bytes(w, "empty", NULL, 0);
	state_put_u64(w, "small", 7);
	CHECK_EQ(state_end(w), 0);
}

static void test_round_trip(void)
{
	struct state_writer w;
	struct state_reader r;
	char why[160];
	uint8_t got[5];
	const void *p;
	size_t len;
	uint64_t v;

	write_sample(&w, 2);
	CHECK_EQ(state_record_len(w.data, w.len), w.len);
	CHECK_EQ(state_open(&r, w.data, w.len, "sample", 2, why, sizeof(why)),
		 0);
	CHECK_EQ(r.version, 2);
	CHECK_EQ(state_get_u64(&r, "a", &v), 0);
	CHECK_EQ(v, 0x1122334455667788ULL);
	CHECK_EQ(state_get_fixed(&r, "blob", got, sizeof(got)), 0);
	CHECK(!memcmp(got, blob, sizeof(blob)));
	CHECK_EQ(state_get_bytes(&r, "empty", &p, &len), 0);
	CHECK_EQ(len, 0);
	CHECK_EQ(state_get_uint(&r, "small", 7, &v), 0);
	CHECK_EQ(state_get_uint(&r, "small", 6, &v), -EINVAL);
	CHECK(strstr(why, "'small' is 7, more than 6"));
	CHECK(state_has(&r, "blob") && !state_has(&r, "nope"));
	CHECK_EQ(state_get_u64(&r, "nope", &v), -EINVAL);
	CHECK(strstr(why, "field 'nope' is missing"));
	CHECK_EQ(state_get_u64(&r, "blob", &v), -EINVAL);
	CHECK(strstr(why, "'blob' has the wrong type"));
	CHECK_EQ(state_get_fixed(&r, "blob", got, 4), -EINVAL);
	CHECK(strstr(why, "holds 5 bytes, not 4"));
	state_writer_free(&w);
}

/* Two records back to back: each one's length comes from its header. */
static void test_concatenated(void)
{
	struct state_writer w;
	struct state_reader r;
	char why[160];
	size_t first;

	write_sample(&w, 1);
	first = w.len;
	state_begin(&w, "other", 1);
	state_put_u64(&w, "x", 1);
	CHECK_EQ(state_end(&w), 0);
	CHECK_EQ(state_record_len(w.data, w.len), first);
	CHECK_EQ(state_open(&r, w.data + first, w.len - first, "other", 1, why,
			    sizeof(why)),
		 0);
	state_writer_free(&w);
}

/* Every shorter prefix and every flipped bit is an error, never a crash. */
static void test_truncated_and_flipped(void)
{
	struct state_writer w;
	struct state_reader r;
	char why[160];
	uint8_t *copy;

	write_sample(&w, 1);
	copy = malloc(w.len);
	for (size_t n = 0; n < w.len; n++) {
		memcpy(copy, w.data, n);
		CHECK_EQ(state_open(&r, copy, n, "sample", 1, why, sizeof(why)),
			 -EINVAL);
	}
	for (size_t i = 0; i < w.len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(copy, w.data, w.len);
			copy[i] ^= (uint8_t)(1U << bit);
			CHECK_EQ(state_open(&r, copy, w.len, "sample", 1, why,
					    sizeof(why)),
				 -EINVAL);
		}
	}
	memcpy(copy, w.data, w.len);
	copy[w.len - 1] ^= 1;
	state_open(&r, copy, w.len, "sample", 1, why, sizeof(why));
	CHECK(strstr(why, "checksum mismatch"));
	CHECK_EQ(state_open(&r, w.data, 5, "sample", 1, why, sizeof(why)),
		 -EINVAL);
	CHECK(strstr(why, "truncated"));
	free(copy);
	state_writer_free(&w);
}

static void test_kind_and_version(void)
{
	struct state_writer w;
	struct state_reader r;
	char why[160];

	write_sample(&w, 3);
	CHECK_EQ(state_open(&r, w.data, w.len, "other", 3, why, sizeof(why)),
		 -EINVAL);
	CHECK_STR(why, "a 'sample' record where 'other' was expected");
	CHECK_EQ(state_open(&r, w.data, w.len, "sample", 2, why, sizeof(why)),
		 -EINVAL);
	CHECK_STR(why, "sample record version 3: this lkvm reads versions 1 to 2");
	CHECK_EQ(state_open(&r, "NOPE-not-a-record", 17, "sample", 1, why,
			    sizeof(why)),
		 -EINVAL);
	CHECK(strstr(why, "bad magic"));
	state_writer_free(&w);
}

/* A field whose length runs past the record, with a valid checksum. */
static void test_lying_field(void)
{
	struct state_writer w;
	struct state_reader r;
	char why[160];
	uint32_t crc;
	size_t at;

	state_writer_init(&w);
	state_begin(&w, "k", 1);
	state_put_bytes(&w, "b", blob, sizeof(blob));
	CHECK_EQ(state_end(&w), 0);
	/* The value length follows the key "b" and its type byte. */
	at = 4 + 4 + 2 + 1 + 1 + 4 + 1 + 1 + 1;
	w.data[at] = 0xff;
	crc = state_crc32(0, w.data, w.len - 4);
	memcpy(w.data + w.len - 4, &crc, 4);
	CHECK_EQ(state_open(&r, w.data, w.len, "k", 1, why, sizeof(why)),
		 -EINVAL);
	CHECK(strstr(why, "bad type or length"));
	state_writer_free(&w);
}

static void test_bad_writes(void)
{
	struct state_writer w;
	char long_key[STATE_KEY_MAX + 2];

	memset(long_key, 'k', sizeof(long_key) - 1);
	long_key[sizeof(long_key) - 1] = '\0';
	state_writer_init(&w);
	state_begin(&w, "k", 1);
	state_put_u64(&w, long_key, 1);
	CHECK_EQ(state_end(&w), -EINVAL);
	state_writer_free(&w);
	state_writer_init(&w);
	state_begin(&w, "", 1);
	CHECK_EQ(state_end(&w), -EINVAL);
	state_writer_free(&w);
	state_writer_init(&w);
	state_begin(&w, "k", 0);
	CHECK_EQ(state_end(&w), -EINVAL);
	state_writer_free(&w);
}

/* The reference value of CRC-32 ("123456789"). */
static void test_crc32(void)
{
	CHECK_EQ(state_crc32(0, "123456789", 9), 0xcbf43926U);
}

/* Zero bytes by a power of x equal the CRC over the zeros themselves. */
static void test_crc32_zeros(void)
{
	static const uint64_t lens[] = { 0, 1, 7, 8, 255, 65536, 65536 * 3 + 5 };
	static const uint32_t starts[] = { 0, 0xcbf43926U, 0xffffffffU };
	uint8_t *zeros = calloc(1, 65536 * 3 + 5);

	CHECK(zeros != NULL);
	for (unsigned int i = 0; zeros && i < ARRAY_SIZE(lens); i++)
		for (unsigned int j = 0; j < ARRAY_SIZE(starts); j++)
			CHECK_EQ(state_crc32_zeros(starts[j], lens[i]),
				 state_crc32(starts[j], zeros, lens[i]));
	/* Continues a CRC over data, as the RAM writer does between blocks. */
	CHECK_EQ(state_crc32_zeros(state_crc32(0, "123456789", 9), 4),
		 state_crc32(0, "123456789\0\0\0\0", 13));
	free(zeros);
}

static const struct unit_test tests[] = {
	{ "state_round_trip", test_round_trip },
	{ "state_concatenated", test_concatenated },
	{ "state_truncated_and_flipped", test_truncated_and_flipped },
	{ "state_kind_and_version", test_kind_and_version },
	{ "state_lying_field", test_lying_field },
	{ "state_bad_writes", test_bad_writes },
	{ "state_crc32", test_crc32 },
	{ "state_crc32_zeros", test_crc32_zeros },
};

UNIT_MAIN(tests)

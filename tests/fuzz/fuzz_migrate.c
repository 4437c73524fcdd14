/*
 * The destination of a live migration reading its source's stream, which
 * comes from the network from anyone who knew the token: the frame
 * reader (header, bounds, CRC), the stream's rules over a small guest
 * RAM, and a MANIFEST frame through the manifest's parser.
 *
 * Input layout: a byte stream of frames exactly as on the wire; the first
 * byte (mod 64, plus 1) is how many bytes each read takes, so frames
 * split across reads at every offset. A CRC over fuzzed bytes rarely
 * matches, so a frame whose CRC field is zero is taken as if it did
 * (the CRC is checked in the unit tests): the fuzzer then reaches the
 * stream's rules.
 */
#include "fuzz.h"

#include <lkvm/json.h>
#include <lkvm/migrate_dest.h>
#include <lkvm/restore.h>
#include <lkvm/snapshot.h>
#include <lkvm/state.h>

#include <errno.h>
#include <string.h>

FUZZ_LOG_ERRORS_ONLY()

#define PAGE_SHIFT 12
#define RAM_PAGES 16

static uint8_t ram[RAM_PAGES << PAGE_SHIFT];

static void manifest(const struct mig_reader *r)
{
	struct snapshot_source s = { .ram_fd = -1 };
	char why[256];

	if (!migration_parse_manifest((const char *)mig_payload(r), r->hdr.len,
				      &s, why, sizeof(why)) &&
	    (!s.incoming || s.page_shift < MIG_PAGE_SHIFT_MIN ||
	     s.page_shift > MIG_PAGE_SHIFT_MAX))
		fuzz_fail("an accepted migration manifest with a bad page size");
	json_free(s.manifest);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mig_reader r;
	struct mig_stream s;
	size_t chunk, at = 1;
	char why[256];
	int ret = 0;

	if (!size)
		return 0;
	chunk = data[0] % 64 + 1;
	mig_reader_init(&r, MIG_FROM_SOURCE);
	mig_stream_init(&s, ram, sizeof(ram), PAGE_SHIFT);
	while (at < size && ret >= 0) {
		uint8_t *dst;
		size_t want = mig_reader_want(&r, &dst), n;

		if (!want)
			break;
		n = MIN(MIN(want, chunk), size - at);
		memcpy(dst, data + at, n);
		at += n;
		/*
		 * The payload complete (its header decoded): a zero CRC
		 * becomes the right one. An empty payload's CRC is zero.
		 */
		if (r.have >= MIG_HDR_SIZE && !r.hdr.crc &&
		    r.have + n == MIG_HDR_SIZE + r.hdr.len)
			r.hdr.crc = state_crc32(0, r.frame + MIG_HDR_SIZE,
						r.hdr.len);
		ret = mig_reader_advance(&r, n);
		if (ret <= 0)
			continue;
		if (r.hdr.type == MIG_MANIFEST) {
			manifest(&r);
			continue;
		}
		ret = mig_stream_frame(&s, r.hdr.type, mig_payload(&r),
				       r.hdr.len, why, sizeof(why));
		if (s.state_len > SNAPSHOT_STATE_MAX)
			fuzz_fail("more state than the bound");
		if (ret == MIG_STREAM_END &&
		    (!s.ended || !s.nr_records))
			fuzz_fail("an END that did not end the stream");
		if (ret == MIG_STREAM_END || ret == MIG_STREAM_ABORT)
			break;
	}
	if (s.ended && mig_stream_frame(&s, MIG_STATE, (const uint8_t *)"x", 1,
					why, sizeof(why)) != -EINVAL)
		fuzz_fail("a frame accepted after END");
	mig_stream_fini(&s);
	mig_reader_fini(&r);
	return 0;
}

#include "harness.h"
#include "state_check.h"

#include <lkvm/pl031.h>
#include <lkvm/state.h>

#include <errno.h>

#define RTCDR 0x000
#define RTCMR 0x004
#define RTCLR 0x008
#define RTCCR 0x00c
#define RTCIMSC 0x010
#define RTCRIS 0x014
#define RTCMIS 0x018
#define RTCICR 0x01c

/* A host the test controls: the clock, the line, the timer. */
struct fake {
	int64_t now;
	int level;
	unsigned int irq_changes;
	int64_t timer_at;
	unsigned int timer_sets;
};

static int64_t fake_now(void *opaque)
{
	return ((struct fake *)opaque)->now;
}

static void fake_irq(void *opaque, int level)
{
	struct fake *f = opaque;

	f->level = level;
	f->irq_changes++;
}

static void fake_timer(void *opaque, int64_t when)
{
	struct fake *f = opaque;

	f->timer_at = when;
	f->timer_sets++;
}

static const struct pl031_hooks hooks = {
	.now = fake_now,
	.set_irq = fake_irq,
	.set_timer = fake_timer,
};

static uint32_t rd(struct pl031 *rtc, unsigned int off)
{
	uint32_t v = 0xeeeeeeee;

	pl031_mmio(rtc, off, (uint8_t *)&v, 4, false);
	return v;
}

static void wr(struct pl031 *rtc, unsigned int off, uint32_t v)
{
	pl031_mmio(rtc, off, (uint8_t *)&v, 4, true);
}

static void start(struct pl031 *rtc, struct fake *f, int64_t now)
{
	*f = (struct fake){ .now = now };
	pl031_init(rtc, &hooks, f);
}

static void test_ids(void)
{
	static const uint8_t ids[8] = { 0x31, 0x10, 0x14, 0x00,
					0x0d, 0xf0, 0x05, 0xb1 };
	struct pl031 rtc;
	struct fake f;

	start(&rtc, &f, 1000);
	for (unsigned int i = 0; i < 8; i++)
		CHECK_EQ(rd(&rtc, 0xfe0 + 4 * i), ids[i]);
	/* Started for good, as firmware would leave it. */
	CHECK_EQ(rd(&rtc, RTCCR), 1);
	wr(&rtc, RTCCR, 0);
	CHECK_EQ(rd(&rtc, RTCCR), 1);
	pl031_destroy(&rtc);
}

static void test_counter_follows_clock(void)
{
	struct pl031 rtc;
	struct fake f;

	start(&rtc, &f, 1764600000);
	CHECK_EQ(rd(&rtc, RTCDR), 1764600000);
	f.now += 5;
	CHECK_EQ(rd(&rtc, RTCDR), 1764600005);
	/* RTCDR is read-only. */
	wr(&rtc, RTCDR, 7);
	CHECK_EQ(rd(&rtc, RTCDR), 1764600005);
	CHECK_EQ(rd(&rtc, RTCLR), 0);
	pl031_destroy(&rtc);
}

static void test_load_sets_offset(void)
{
	struct pl031 rtc;
	struct fake f;

	start(&rtc, &f, 1764600000);
	wr(&rtc, RTCLR, 1000000000);
	CHECK_EQ(rd(&rtc, RTCDR), 1000000000);
	CHECK_EQ(rd(&rtc, RTCLR), 1000000000);
	CHECK_EQ(rtc.regs.offset, 1000000000LL - 1764600000LL);
	/* The guest's time goes on from there with the host's clock. */
	f.now += 3;
	CHECK_EQ(rd(&rtc, RTCDR), 1000000003);
	CHECK_EQ(rd(&rtc, RTCDR), 1000000003);
	/* A load ahead of the host, and the 32-bit counter wrapping. */
	wr(&rtc, RTCLR, 0xffffffff);
	f.now += 2;
	CHECK_EQ(rd(&rtc, RTCDR), 1);
	pl031_destroy(&rtc);
}

static void test_match_while_masked(void)
{
	struct pl031 rtc;
	struct fake f;

	start(&rtc, &f, 5000);
	wr(&rtc, RTCMR, 5002);
	/* The host timer is asked for the second the counter gets there. */
	CHECK_EQ(f.timer_at, 5002);
	f.now = 5001;
	CHECK_EQ(rd(&rtc, RTCRIS), 0);
	f.now = 5002;
	/* Latched even without the timer, and only raw while masked. */
	CHECK_EQ(rd(&rtc, RTCRIS), 1);
	CHECK_EQ(rd(&rtc, RTCMIS), 0);
	CHECK_EQ(f.level, 0);
	CHECK_EQ(f.irq_changes, 0);
	/* Unmasking raises the line at once (kvm-unit-tests' pl031 test). */
	wr(&rtc, RTCIMSC, 1);
	CHECK_EQ(rd(&rtc, RTCIMSC), 1);
	CHECK_EQ(rd(&rtc, RTCMIS), 1);
	CHECK_EQ(f.level, 1);
	/* RTCICR bit 0 clears it; RTCICR reads as zero. */
	CHECK_EQ(rd(&rtc, RTCICR), 0);
	wr(&rtc, RTCICR, 0xfffffffe);
	CHECK_EQ(rd(&rtc, RTCRIS), 1);
	wr(&rtc, RTCICR, 1);
	CHECK_EQ(rd(&rtc, RTCRIS), 0);
	CHECK_EQ(rd(&rtc, RTCMIS), 0);
	CHECK_EQ(f.level, 0);
	/* Still on the match second: no second interrupt for it. */
	CHECK_EQ(rd(&rtc, RTCRIS), 0);
	/* The next time the counter gets there is 2^32 seconds on. */
	CHECK_EQ(f.timer_at, 5002 + (1LL << 32));
	pl031_destroy(&rtc);
}

static void test_match_by_timer(void)
{
	struct pl031 rtc;
	struct fake f;

	start(&rtc, &f, 100);
	wr(&rtc, RTCIMSC, 1);
	wr(&rtc, RTCMR, 160);
	CHECK_EQ(f.timer_at, 160);
	/* An early or spurious expiry changes nothing. */
	f.now = 159;
	pl031_timer(&rtc);
	CHECK_EQ(f.level, 0);
	CHECK_EQ(f.timer_at, 160);
	/* No guest access in between: the timer alone raises the line. */
	f.now = 161;	/* a late timer still finds the match */
	pl031_timer(&rtc);
	CHECK_EQ(f.level, 1);
	CHECK_EQ(f.irq_changes, 1);
	CHECK_EQ(rd(&rtc, RTCMIS), 1);
	/* Masking lowers the line; the raw status stays. */
	wr(&rtc, RTCIMSC, 0);
	CHECK_EQ(f.level, 0);
	CHECK_EQ(rd(&rtc, RTCRIS), 1);
	pl031_destroy(&rtc);
}

static void test_match_follows_load(void)
{
	struct pl031 rtc;
	struct fake f;
	unsigned int sets;

	start(&rtc, &f, 100);
	wr(&rtc, RTCMR, 2000);
	CHECK_EQ(f.timer_at, 100 + 1900);
	/* Setting the time moves the host second of the match. */
	wr(&rtc, RTCLR, 1990);
	CHECK_EQ(f.timer_at, 100 + 10);
	/* Reads re-arm nothing. */
	sets = f.timer_sets;
	f.now = 105;
	rd(&rtc, RTCDR);
	CHECK_EQ(f.timer_sets, sets);
	f.now = 110;
	pl031_timer(&rtc);
	CHECK_EQ(rd(&rtc, RTCRIS), 1);
	pl031_destroy(&rtc);
}

static void test_match_now(void)
{
	struct pl031 rtc;
	struct fake f;

	/* RTCMR written with the counter's value: they match now. */
	start(&rtc, &f, 300);
	wr(&rtc, RTCIMSC, 1);
	wr(&rtc, RTCMR, 300);
	CHECK_EQ(rd(&rtc, RTCRIS), 1);
	CHECK_EQ(f.level, 1);
	wr(&rtc, RTCICR, 1);
	/* And a load onto RTCMR's value. */
	wr(&rtc, RTCMR, 77);
	CHECK_EQ(rd(&rtc, RTCRIS), 0);
	wr(&rtc, RTCLR, 77);
	CHECK_EQ(rd(&rtc, RTCRIS), 1);
	pl031_destroy(&rtc);
}

static void test_clock_goes_back(void)
{
	struct pl031 rtc;
	struct fake f;

	start(&rtc, &f, 1000);
	wr(&rtc, RTCMR, 1010);
	/* The host's clock is set back: the counter goes back too. */
	f.now = 500;
	CHECK_EQ(rd(&rtc, RTCDR), 500);
	CHECK_EQ(rd(&rtc, RTCRIS), 0);
	/* The match is still at the same host second. */
	CHECK_EQ(f.timer_at, 1010);
	f.now = 1010;
	pl031_timer(&rtc);
	CHECK_EQ(rd(&rtc, RTCRIS), 1);
	pl031_destroy(&rtc);
}

static void test_bad_accesses(void)
{
	struct pl031 rtc;
	struct fake f;
	uint8_t buf[8];
	uint32_t ones = 0xffffffff;

	start(&rtc, &f, 4242);
	/* Other widths and unaligned offsets read as zero... */
	for (unsigned int len = 1; len <= 8; len *= 2) {
		if (len == 4)
			continue;
		memset(buf, 0xee, sizeof(buf));
		pl031_mmio(&rtc, 0xfe0, buf, len, false);
		for (unsigned int i = 0; i < len; i++)
			CHECK_EQ(buf[i], 0);
	}
	memset(buf, 0xee, sizeof(buf));
	pl031_mmio(&rtc, RTCDR + 2, buf, 4, false);
	CHECK_EQ(buf[0] | buf[1] | buf[2] | buf[3], 0);
	/* ...and change nothing when written. */
	pl031_mmio(&rtc, RTCLR, (uint8_t *)&ones, 1, true);
	pl031_mmio(&rtc, RTCLR, (uint8_t *)&ones, 2, true);
	pl031_mmio(&rtc, RTCLR + 1, (uint8_t *)&ones, 4, true);
	memset(buf, 0xff, sizeof(buf));
	pl031_mmio(&rtc, RTCMR, buf, 8, true);
	pl031_mmio(&rtc, RTCIMSC, (uint8_t *)&ones, 2, true);
	CHECK_EQ(rd(&rtc, RTCDR), 4242);
	CHECK_EQ(rd(&rtc, RTCLR), 0);
	CHECK_EQ(rd(&rtc, RTCMR), 0);
	CHECK_EQ(rd(&rtc, RTCIMSC), 0);
	/* Status, ID, reserved and test registers ignore writes. */
	for (unsigned int off = RTCRIS; off < 0x1000; off += 4) {
		uint32_t before = rd(&rtc, off);

		if (off == RTCICR)
			continue;
		wr(&rtc, off, 0xdeadbeef);
		CHECK_EQ(rd(&rtc, off), before);
	}
	CHECK_EQ(rd(&rtc, 0x020), 0);
	CHECK_EQ(rd(&rtc, 0x080), 0);
	/* Only bit 0 of the mask exists. */
	wr(&rtc, RTCIMSC, 0xfffffffe);
	CHECK_EQ(rd(&rtc, RTCIMSC), 0);
	/* Past the 4 KiB block (the caller keeps offsets inside it). */
	memset(buf, 0xee, sizeof(buf));
	pl031_mmio(&rtc, PL031_SIZE, buf, 4, false);
	CHECK_EQ(buf[0] | buf[1] | buf[2] | buf[3], 0);
	CHECK_EQ(f.irq_changes, 0);
	pl031_destroy(&rtc);
}

static int load_rtc(void *ctx, const void *rec, size_t len, char *why,
		    size_t why_len)
{
	return pl031_load(ctx, rec, len, why, why_len);
}

/*
 * Saved and loaded into an RTC on a host whose clock went on: the
 * guest's time base (its offset) and its alarm come along, and the
 * counter has moved on with the host's clock.
 */
static void test_state_round_trip(void)
{
	struct pl031 a, b;
	struct fake fa, fb;
	struct state_writer wa, wb;
	char why[160];

	start(&a, &fa, 1764600000);
	wr(&a, RTCLR, 1000000000);
	wr(&a, RTCMR, 1000000005);
	wr(&a, RTCIMSC, 1);
	state_writer_init(&wa);
	pl031_save(&a, &wa);
	CHECK_EQ(wa.err, 0);

	start(&b, &fb, 1764600000 + 100);
	CHECK_EQ(pl031_load(&b, wa.data, wa.len, why, sizeof(why)), 0);
	CHECK_EQ(rd(&b, RTCDR), 1000000100);
	CHECK_EQ(rd(&b, RTCMR), 1000000005);
	CHECK_EQ(rd(&b, RTCLR), 1000000000);
	CHECK_EQ(rd(&b, RTCIMSC), 1);
	/* The next match is a 2^32 wrap away: the timer is aimed there. */
	CHECK_EQ(fb.timer_at, 1764600100LL + (1LL << 32) - 95);
	state_writer_init(&wb);
	pl031_save(&b, &wb);
	CHECK(wa.len == wb.len && !memcmp(wa.data, wb.data, wa.len));

	/* A raised, unmasked interrupt comes back raised. */
	wr(&a, RTCMR, 1000000001);
	fa.now += 1;
	pl031_timer(&a);
	CHECK_EQ(fa.level, 1);
	state_writer_free(&wa);
	state_writer_init(&wa);
	pl031_save(&a, &wa);
	fb.level = 0;
	CHECK_EQ(pl031_load(&b, wa.data, wa.len, why, sizeof(why)), 0);
	CHECK_EQ(fb.level, 1);
	CHECK_EQ(rd(&b, RTCMIS), 1);

	check_record_refused_when_damaged(wa.data, wa.len, load_rtc, &b);
	state_writer_free(&wa);
	state_writer_free(&wb);
	pl031_destroy(&a);
	pl031_destroy(&b);
}

static void test_state_refused(void)
{
	struct pl031 rtc;
	struct fake f;
	struct state_writer w;
	char why[160];

	start(&rtc, &f, 1764600000);
	state_writer_init(&w);
	state_begin(&w, "pl031", 1);
	state_put_u64(&w, "offset", 0);
	state_put_u64(&w, "mr", 0);
	state_put_u64(&w, "lr", 0);
	state_put_u64(&w, "imsc", 2);	/* only bit 0 exists */
	state_put_u64(&w, "ris", 0);
	state_end(&w);
	CHECK_EQ(pl031_load(&rtc, w.data, w.len, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "'imsc'"));
	state_writer_free(&w);
	pl031_destroy(&rtc);
}

static const struct unit_test tests[] = {
	{ "ids", test_ids },
	{ "counter-follows-clock", test_counter_follows_clock },
	{ "load-sets-offset", test_load_sets_offset },
	{ "match-while-masked", test_match_while_masked },
	{ "match-by-timer", test_match_by_timer },
	{ "match-follows-load", test_match_follows_load },
	{ "match-now", test_match_now },
	{ "clock-goes-back", test_clock_goes_back },
	{ "bad-accesses", test_bad_accesses },
	{ "state-round-trip", test_state_round_trip },
	{ "state-refused", test_state_refused },
};

UNIT_MAIN(tests)

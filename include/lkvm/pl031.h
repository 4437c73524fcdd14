/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_PL031_H
#define LKVM_PL031_H

#include <lkvm/compiler.h>

#include <pthread.h>

/*
 * An ARM PrimeCell PL031 real-time clock: the register model, free of
 * KVM so that unit tests drive it with a fake clock. The counter is the
 * clock's seconds plus an offset the guest sets through RTCLR; RTCINTR
 * (level) goes up when the counter reaches RTCMR while RTCIMSC lets it.
 */
#define PL031_SIZE 0x1000ULL	/* one PrimeCell: 4 KiB of registers */

/*
 * What the guest can see and set: plain data, no host resources, the
 * state a saved and restored VM carries (the counter keeps counting the
 * host's clock from where the guest set it).
 */
struct pl031_regs {
	int64_t offset;		/* counter minus the clock's seconds (mod 2^32) */
	uint32_t mr;		/* RTCMR */
	uint32_t lr;		/* RTCLR: the last value loaded */
	uint32_t imsc;		/* RTCIMSC, bit 0 */
	uint32_t ris;		/* RTCRIS, bit 0 */
};

/* How the model reaches its host: lkvm's, or a unit test's fakes. */
struct pl031_hooks {
	/* The clock the counter follows, in whole seconds (CLOCK_REALTIME). */
	int64_t (*now)(void *opaque);
	/* The interrupt line's new level. */
	void (*set_irq)(void *opaque, int level);
	/* Call pl031_timer() once now() reaches @when (replaces the last). */
	void (*set_timer)(void *opaque, int64_t when);
};

struct pl031 {
	pthread_mutex_t lock;
	struct pl031_regs regs;
	/* Host side: derived from regs and the clock, never saved. */
	int64_t checked;	/* clock second matches were last looked for */
	int64_t timer_at;	/* what set_timer was last asked for */
	int irq_level;
	const struct pl031_hooks *hooks;
	void *opaque;
};

void pl031_init(struct pl031 *rtc, const struct pl031_hooks *hooks,
		void *opaque);
void pl031_destroy(struct pl031 *rtc);

/*
 * One guest access at @offset (< PL031_SIZE). Only aligned 32-bit
 * accesses do anything; others read as zero and are ignored.
 */
void pl031_mmio(struct pl031 *rtc, uint64_t offset, uint8_t *data,
		unsigned int len, bool is_write);

/* The timer asked for has expired: latches a match the counter reached. */
void pl031_timer(struct pl031 *rtc);

/*
 * The registers as a "pl031" state record, and back: a loaded RTC
 * counts on from the host's clock with the saved offset (the guest's
 * time base), and its line and timer follow the loaded registers.
 * 0, or -EINVAL with @why.
 */
struct state_writer;
void pl031_save(struct pl031 *rtc, struct state_writer *w);
int pl031_load(struct pl031 *rtc, const void *rec, size_t len, char *why,
	       size_t why_len);

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * When a live migration's pre-copy rounds end: what is still dirty must
 * go across with the guest paused, so the rounds go on until that fits
 * the downtime the user allows at the rate the last round achieved, or
 * until there have been enough rounds that the guest is evidently
 * dirtying memory faster than the link carries it.
 */
#include <lkvm/migrate.h>

uint64_t mig_expected_ms(uint64_t bytes, uint64_t rate)
{
	uint64_t ms;

	if (!rate)
		return UINT64_MAX;
	/* bytes * 1000 / rate, rounded up, without overflowing. */
	ms = bytes / rate * 1000;
	ms += ((bytes % rate) * 1000 + rate - 1) / rate;
	return ms;
}

enum mig_step mig_next_step(const struct mig_policy *p, unsigned int rounds,
			    uint64_t dirty_bytes, uint64_t rate)
{
	if (!rounds)
		return MIG_STEP_ROUND;
	if (mig_expected_ms(dirty_bytes, rate) <= p->max_downtime_ms)
		return MIG_STEP_HANDOVER;
	if (rounds < p->max_rounds)
		return MIG_STEP_ROUND;
	return p->force_converge ? MIG_STEP_HANDOVER : MIG_STEP_GIVE_UP;
}

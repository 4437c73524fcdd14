/*
 * sve_hold: runs inside a Linux guest and checks that the SVE registers
 * keep their values while the guest is snapshotted, restored or moved to
 * another host. Each round it fills Z0-Z31 and P0-P15 with a known
 * pattern at the task's vector length, spins for about 200 ms without a
 * system call (a system call would discard the upper parts of the
 * registers), stores them and compares:
 *
 *   @@L2 sve_hold start vl=BITS
 *   @@L2 sve_hold round=N vl=BITS ok          (about once a second)
 *   @@L2 sve_hold corrupt round=N ...         (and exit 1)
 *
 * Register state that a snapshot or restore got wrong shows as "corrupt";
 * a vector length that changed under the task shows in vl=.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#ifndef PR_SVE_SET_VL
#define PR_SVE_SET_VL 50
#define PR_SVE_GET_VL 51
#endif
#define VL_MASK 0xffff
#define VL_MAX_BYTES 256

static uint8_t zbuf[32 * VL_MAX_BYTES] __attribute__((aligned(16)));
static uint8_t pbuf[16 * VL_MAX_BYTES / 8] __attribute__((aligned(16)));

static void fill(void)
{
	__asm__ volatile(".arch_extension sve\n\t"
		"index z0.b, #-16, #1\n\t"
		"index z1.b, #-15, #2\n\t"
		"index z2.b, #-14, #3\n\t"
		"index z3.b, #-13, #4\n\t"
		"index z4.b, #-12, #5\n\t"
		"index z5.b, #-11, #6\n\t"
		"index z6.b, #-10, #7\n\t"
		"index z7.b, #-9, #1\n\t"
		"index z8.b, #-8, #2\n\t"
		"index z9.b, #-7, #3\n\t"
		"index z10.b, #-6, #4\n\t"
		"index z11.b, #-5, #5\n\t"
		"index z12.b, #-4, #6\n\t"
		"index z13.b, #-3, #7\n\t"
		"index z14.b, #-2, #1\n\t"
		"index z15.b, #-1, #2\n\t"
		"index z16.b, #0, #3\n\t"
		"index z17.b, #1, #4\n\t"
		"index z18.b, #2, #5\n\t"
		"index z19.b, #3, #6\n\t"
		"index z20.b, #4, #7\n\t"
		"index z21.b, #5, #1\n\t"
		"index z22.b, #6, #2\n\t"
		"index z23.b, #7, #3\n\t"
		"index z24.b, #8, #4\n\t"
		"index z25.b, #9, #5\n\t"
		"index z26.b, #10, #6\n\t"
		"index z27.b, #11, #7\n\t"
		"index z28.b, #12, #1\n\t"
		"index z29.b, #13, #2\n\t"
		"index z30.b, #14, #3\n\t"
		"index z31.b, #15, #4\n\t"
		"mov x9, #1\n\twhilelo p0.b, xzr, x9\n\t"
		"mov x9, #4\n\twhilelo p1.b, xzr, x9\n\t"
		"mov x9, #7\n\twhilelo p2.b, xzr, x9\n\t"
		"mov x9, #10\n\twhilelo p3.b, xzr, x9\n\t"
		"mov x9, #13\n\twhilelo p4.b, xzr, x9\n\t"
		"mov x9, #16\n\twhilelo p5.b, xzr, x9\n\t"
		"mov x9, #19\n\twhilelo p6.b, xzr, x9\n\t"
		"mov x9, #22\n\twhilelo p7.b, xzr, x9\n\t"
		"mov x9, #25\n\twhilelo p8.b, xzr, x9\n\t"
		"mov x9, #28\n\twhilelo p9.b, xzr, x9\n\t"
		"mov x9, #31\n\twhilelo p10.b, xzr, x9\n\t"
		"mov x9, #34\n\twhilelo p11.b, xzr, x9\n\t"
		"mov x9, #37\n\twhilelo p12.b, xzr, x9\n\t"
		"mov x9, #40\n\twhilelo p13.b, xzr, x9\n\t"
		"mov x9, #43\n\twhilelo p14.b, xzr, x9\n\t"
		"mov x9, #46\n\twhilelo p15.b, xzr, x9\n\t"
		::: "x9", "memory");
}

static void store(void)
{
	__asm__ volatile(".arch_extension sve\n\t"
		"str z0, [%0, #0, mul vl]\n\t"
		"str z1, [%0, #1, mul vl]\n\t"
		"str z2, [%0, #2, mul vl]\n\t"
		"str z3, [%0, #3, mul vl]\n\t"
		"str z4, [%0, #4, mul vl]\n\t"
		"str z5, [%0, #5, mul vl]\n\t"
		"str z6, [%0, #6, mul vl]\n\t"
		"str z7, [%0, #7, mul vl]\n\t"
		"str z8, [%0, #8, mul vl]\n\t"
		"str z9, [%0, #9, mul vl]\n\t"
		"str z10, [%0, #10, mul vl]\n\t"
		"str z11, [%0, #11, mul vl]\n\t"
		"str z12, [%0, #12, mul vl]\n\t"
		"str z13, [%0, #13, mul vl]\n\t"
		"str z14, [%0, #14, mul vl]\n\t"
		"str z15, [%0, #15, mul vl]\n\t"
		"str z16, [%0, #16, mul vl]\n\t"
		"str z17, [%0, #17, mul vl]\n\t"
		"str z18, [%0, #18, mul vl]\n\t"
		"str z19, [%0, #19, mul vl]\n\t"
		"str z20, [%0, #20, mul vl]\n\t"
		"str z21, [%0, #21, mul vl]\n\t"
		"str z22, [%0, #22, mul vl]\n\t"
		"str z23, [%0, #23, mul vl]\n\t"
		"str z24, [%0, #24, mul vl]\n\t"
		"str z25, [%0, #25, mul vl]\n\t"
		"str z26, [%0, #26, mul vl]\n\t"
		"str z27, [%0, #27, mul vl]\n\t"
		"str z28, [%0, #28, mul vl]\n\t"
		"str z29, [%0, #29, mul vl]\n\t"
		"str z30, [%0, #30, mul vl]\n\t"
		"str z31, [%0, #31, mul vl]\n\t"
		"str p0, [%1, #0, mul vl]\n\t"
		"str p1, [%1, #1, mul vl]\n\t"
		"str p2, [%1, #2, mul vl]\n\t"
		"str p3, [%1, #3, mul vl]\n\t"
		"str p4, [%1, #4, mul vl]\n\t"
		"str p5, [%1, #5, mul vl]\n\t"
		"str p6, [%1, #6, mul vl]\n\t"
		"str p7, [%1, #7, mul vl]\n\t"
		"str p8, [%1, #8, mul vl]\n\t"
		"str p9, [%1, #9, mul vl]\n\t"
		"str p10, [%1, #10, mul vl]\n\t"
		"str p11, [%1, #11, mul vl]\n\t"
		"str p12, [%1, #12, mul vl]\n\t"
		"str p13, [%1, #13, mul vl]\n\t"
		"str p14, [%1, #14, mul vl]\n\t"
		"str p15, [%1, #15, mul vl]\n\t"
		:: "r"(zbuf), "r"(pbuf) : "memory");
}

static uint64_t counter(void)
{
	uint64_t v;

	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v));
	return v;
}

static uint64_t frequency(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
}

/* Integer work only: nothing here may touch the vector registers. */
static void spin(uint64_t ticks)
{
	uint64_t end = counter() + ticks;

	while (counter() < end)
		;
}

static int check(unsigned long round, unsigned int vl)
{
	for (unsigned int n = 0; n < 32; n++) {
		for (unsigned int i = 0; i < vl; i++) {
			uint8_t want = (uint8_t)((int)n - 16 + (int)i * (int)(n % 7 + 1));
			uint8_t got = zbuf[n * vl + i];

			if (got != want) {
				printf("@@L2 sve_hold corrupt round=%lu z=%u byte=%u got=0x%02x want=0x%02x\n",
				       round, n, i, got, want);
				return 1;
			}
		}
	}
	for (unsigned int n = 0; n < 16; n++) {
		for (unsigned int j = 0; j < vl; j++) {
			unsigned int got = pbuf[n * (vl / 8) + j / 8] >> (j % 8) & 1;
			unsigned int want = j < 3 * n + 1;

			if (got != want) {
				printf("@@L2 sve_hold corrupt round=%lu p=%u bit=%u got=%u want=%u\n",
				       round, n, j, got, want);
				return 1;
			}
		}
	}
	return 0;
}

int main(void)
{
	int ret = prctl(PR_SVE_SET_VL, VL_MAX_BYTES);
	uint64_t tick = frequency() / 5;
	unsigned int vl;

	if (ret < 0) {
		printf("@@L2 sve_hold no-sve\n");
		return 1;
	}
	vl = (unsigned int)prctl(PR_SVE_GET_VL) & VL_MASK;
	printf("@@L2 sve_hold start vl=%u\n", vl * 8);
	fflush(stdout);
	for (unsigned long round = 1;; round++) {
		unsigned int now;

		fill();
		spin(tick);
		store();
		now = (unsigned int)prctl(PR_SVE_GET_VL) & VL_MASK;
		if (now != vl) {
			printf("@@L2 sve_hold corrupt round=%lu vl=%u, was %u\n",
			       round, now * 8, vl * 8);
			return 1;
		}
		if (check(round, vl))
			return 1;
		if (!(round % 5)) {
			printf("@@L2 sve_hold round=%lu vl=%u ok\n", round, vl * 8);
			fflush(stdout);
		}
	}
}

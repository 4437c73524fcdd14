/*
 * An interrupt from one EL1 timer, taken at EL1 the way a kernel that
 * boots at EL2 without VHE and runs at EL1 (Linux's nVHE mode) takes it.
 * Entered at EL2 (lkvm run --e2h0), el1_timer_main() sets up EL2 as such
 * a kernel's stub does (HCR_EL2.E2H clear, EL1 given the physical timer
 * and counter) and drops to EL1 first; entered at EL1 it runs the same
 * check there. Not for --nested alone: there E2H stays in effect however
 * HCR_EL2 reads back, so EL1's counter access traps to EL2. Included by prog_el1_vtimer.c (the virtual
 * timer, PPI 11, INTID 27) and prog_el1_ptimer.c (the EL1 physical
 * timer, PPI 14, INTID 30: the one Linux uses when it booted at EL2 but
 * runs at EL1).
 *
 * With interrupts masked and the GIC polled:
 *   - the timer's condition is met (CNTx_CTL.ISTATUS),
 *   - an interrupt is pending at the CPU (ISR_EL1.I); ICC_IAR1_EL1 says
 *     which,
 *   - once the timer is masked and the interrupt EOIed, it stays quiet.
 * It prints "el1_timer: <name>: fired <intid>, quiet after eoi" (or where
 * it stopped), then "el1_timer: done" and powers off: from EL1 by an HVC
 * to its own EL2 when it dropped, since PSCI is an SMC from EL2. Anything
 * else that reaches EL2 from EL1 prints its ESR_EL2 and ELR_EL2 and
 * powers off.
 */
#ifndef EL1_TIMER_H
#define EL1_TIMER_H

#include "baremetal.h"

#define GICD_BASE 0x3fff0000UL
/* One vcpu: its redistributor is the one just below the distributor. */
#define GICR_RD_BASE (GICD_BASE - 0x20000UL)
#define GICR_SGI_BASE (GICR_RD_BASE + 0x10000UL)

#define GICD_CTLR 0x0
#define GICD_CTLR_ARE (1U << 4)
#define GICD_CTLR_GRP1 (1U << 1)
#define GICR_WAKER 0x14
#define GICR_WAKER_SLEEP (1U << 1)
#define GICR_WAKER_ASLEEP (1U << 2)
#define GICR_IGROUPR0 0x80
#define GICR_ISENABLER0 0x100
#define GICR_IPRIORITYR 0x400

#define CTL_ENABLE 1UL
#define CTL_IMASK 2UL
#define CTL_ISTATUS 4UL
#define ISR_I (1UL << 7)
#define INTID_SPURIOUS 1023

#define HCR_RW (1UL << 31)
#define HCR_E2H (1UL << 34)
#define HCR_TSC (1UL << 19)
#define SPSR_EL1H_DAIF 0x3c5UL

#define STR_(x) #x
#define STR(x) STR_(x)
/* By name or, for the GIC's registers, by encoding (no -march needed). */
#define sysreg_read(r)                                           \
	({                                                       \
		u64 v_;                                          \
		asm volatile("mrs %0, " STR(r) : "=r"(v_));      \
		v_;                                              \
	})
#define sysreg_write(r, v) asm volatile("msr " STR(r) ", %0" ::"r"((u64)(v)))
#define isb() asm volatile("isb" ::: "memory")

#define ICC_IAR1_EL1 S3_0_C12_C12_0
#define ICC_EOIR1_EL1 S3_0_C12_C12_1
#define ICC_SRE_EL1 S3_0_C12_C12_5
#define ICC_IGRPEN1_EL1 S3_0_C12_C12_7
#define ICC_PMR_EL1 S3_0_C4_C6_0
#define ICC_SRE_EL2 S3_4_C12_C9_5
#define ICH_HCR_EL2 S3_4_C12_C11_0

static u64 counter(void)
{
	isb();
	return sysreg_read(cntpct_el0);
}

static void gic_init(void)
{
	u64 deadline = counter() + sysreg_read(cntfrq_el0);

	mmio_write32(GICD_BASE + GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_GRP1);
	mmio_write32(GICR_RD_BASE + GICR_WAKER,
		     mmio_read32(GICR_RD_BASE + GICR_WAKER) & ~GICR_WAKER_SLEEP);
	while ((mmio_read32(GICR_RD_BASE + GICR_WAKER) & GICR_WAKER_ASLEEP) &&
	       counter() < deadline)
		;
	sysreg_write(ICC_SRE_EL1, sysreg_read(ICC_SRE_EL1) | 1);
	isb();
	sysreg_write(ICC_PMR_EL1, 0xff);
	sysreg_write(ICC_IGRPEN1_EL1, 1);
	isb();
}

static void ppi_enable(u32 intid)
{
	mmio_write32(GICR_SGI_BASE + GICR_IGROUPR0,
		     mmio_read32(GICR_SGI_BASE + GICR_IGROUPR0) | (1U << intid));
	mmio_write8(GICR_SGI_BASE + GICR_IPRIORITYR + intid, 0x80);
	mmio_write32(GICR_SGI_BASE + GICR_ISENABLER0, 1U << intid);
}

static u64 isr(void)
{
	isb();
	return sysreg_read(isr_el1);
}

/* Polls @cond for up to @ms milliseconds of the counter. */
#define poll_ms(cond, ms)                                                  \
	({                                                                 \
		u64 end_ = counter() + sysreg_read(cntfrq_el0) / 1000 * (ms); \
		int ok_;                                                   \
		while (!(ok_ = !!(cond)) && counter() < end_)              \
			;                                                  \
		ok_;                                                       \
	})

struct el1_timer {
	const char *name;
	u32 intid;
	int phys;
};

static u64 timer_ctl(const struct el1_timer *t)
{
	isb();
	return t->phys ? sysreg_read(cntp_ctl_el0) : sysreg_read(cntv_ctl_el0);
}

static void timer_set(const struct el1_timer *t, u64 cval, u64 ctl)
{
	if (t->phys) {
		sysreg_write(cntp_cval_el0, cval);
		sysreg_write(cntp_ctl_el0, ctl);
	} else {
		sysreg_write(cntv_cval_el0, cval);
		sysreg_write(cntv_ctl_el0, ctl);
	}
	isb();
}

static u64 timer_now(const struct el1_timer *t)
{
	isb();
	return t->phys ? sysreg_read(cntpct_el0) : sysreg_read(cntvct_el0);
}

static void check_timer(const struct el1_timer *t)
{
	u64 intid;

	puts("el1_timer: ");
	puts(t->name);
	ppi_enable(t->intid);
	timer_set(t, timer_now(t) + sysreg_read(cntfrq_el0) / 1000, CTL_ENABLE);
	if (!poll_ms(timer_ctl(t) & CTL_ISTATUS, 2000)) {
		puts(": ISTATUS never set\n");
		return;
	}
	if (!poll_ms(isr() & ISR_I, 2000)) {
		puts(": ISTATUS set, no interrupt pending\n");
		timer_set(t, 0, 0);
		return;
	}
	intid = sysreg_read(ICC_IAR1_EL1);
	timer_set(t, 0, CTL_ENABLE | CTL_IMASK);
	if (intid != INTID_SPURIOUS)
		sysreg_write(ICC_EOIR1_EL1, intid);
	isb();
	puts(": fired ");
	put_dec(intid);
	if (poll_ms(isr() & ISR_I, 100))
		puts(", pending again after eoi\n");
	else
		puts(", quiet after eoi\n");
	timer_set(t, 0, 0);
}

static void el1_main(const struct el1_timer *t)
{
	puts("el1_timer: running at EL");
	put_dec((sysreg_read(CurrentEL) >> 2) & 3);
	puts("\n");
	gic_init();
	check_timer(t);
	puts("el1_timer: done\n");
}

#define ESR_EC_HVC64 0x16

/*
 * EL2's exceptions from EL1 while the payload runs there (lower EL,
 * AArch64, synchronous). The HVC that ends el1_timer_main() powers off;
 * anything else says what it was first.
 */
__attribute__((used, noreturn)) static void el2_from_el1(void)
{
	u64 esr = sysreg_read(esr_el2);

	if ((esr >> 26) != ESR_EC_HVC64) {
		puts("\nel1_timer: trapped to EL2: ESR_EL2 ");
		put_hex(esr);
		puts(" ELR_EL2 ");
		put_hex(sysreg_read(elr_el2));
		puts("\n");
	}
	psci_system_off();
	/*
	 * Idle, as start.S does, should the vcpu run on: with a return to
	 * EL1's code here lkvm had not exited 120 s after the power-off
	 * on the test bed.
	 */
	for (;;)
		asm volatile("wfi");
}

/*
 * Lower-EL synchronous exceptions (offset 0x400) go to el2_from_el1() on
 * EL2's own stack, which lies above everything EL1 pushed since the drop;
 * any other vector stops where it is, and the test's timeout reports it.
 */
asm(".pushsection .text\n"
    ".balign 2048\n"
    "el2_vectors:\n"
    ".rept 8\n"
    "b .\n"
    ".balign 128\n"
    ".endr\n"
    "b el2_from_el1\n"
    ".balign 128\n"
    ".rept 7\n"
    "b .\n"
    ".balign 128\n"
    ".endr\n"
    ".popsection\n");
extern char el2_vectors[];

/* What Linux's EL2 set-up leaves for an nVHE kernel, then ERET to EL1. */
static void drop_to_el1(void)
{
	u64 hcr;

	sysreg_write(hcr_el2, HCR_RW | HCR_TSC);
	isb();
	hcr = sysreg_read(hcr_el2);
	puts("el1_timer: HCR_EL2.E2H=");
	put_dec(!!(hcr & HCR_E2H));
	puts("\n");
	/* EL1PCTEN and EL1PCEN: bits 0-1 with E2H clear, 10-11 with it set. */
	sysreg_write(cnthctl_el2, (hcr & HCR_E2H) ? 0xc00UL : 0x3UL);
	sysreg_write(cntvoff_el2, 0);
	sysreg_write(ICC_SRE_EL2, 0xf);
	isb();
	sysreg_write(ICH_HCR_EL2, 0);
	sysreg_write(vttbr_el2, 0);
	sysreg_write(sctlr_el1, 0x30d00800UL);
	sysreg_write(vbar_el2, (u64)el2_vectors);
	sysreg_write(spsr_el2, SPSR_EL1H_DAIF);
	isb();
	asm volatile("adr x9, 1f\n"
		     "msr elr_el2, x9\n"
		     "mov x9, sp\n"
		     "msr sp_el1, x9\n"
		     "eret\n"
		     "1:\n" ::: "x9", "memory");
}

static void el1_timer_main(const struct el1_timer *t)
{
	if (((sysreg_read(CurrentEL) >> 2) & 3) == 2) {
		drop_to_el1();
		el1_main(t);
		asm volatile("hvc #0");
	}
	el1_main(t);
}

#endif

/*
 * The PL031 RTC as kvm-unit-tests' arm/pl031.c tests it (that suite does
 * not reach this machine): the ID registers, read-only registers at
 * every width, the counter ticking at 1 Hz, a match that stays raw while
 * masked and reaches the GICv3 when unmasked, RTCICR; and beyond it, a
 * match interrupt while the guest spins without touching a device (lkvm's
 * host timer raises it), and RTCLR. Prints "rtc: PASS/FAIL what" lines,
 * then "rtc: done, N failures".
 */
#include "baremetal.h"

#include <stdbool.h>

#define RTC_BASE 0x01010000UL
#define RTCDR (RTC_BASE + 0x000)
#define RTCMR (RTC_BASE + 0x004)
#define RTCLR (RTC_BASE + 0x008)
#define RTCCR (RTC_BASE + 0x00c)
#define RTCIMSC (RTC_BASE + 0x010)
#define RTCRIS (RTC_BASE + 0x014)
#define RTCMIS (RTC_BASE + 0x018)
#define RTCICR (RTC_BASE + 0x01c)
#define RTC_ID (RTC_BASE + 0xfe0)
/* SPI 1 (after the UART's): interrupt ID 33. */
#define RTC_INTID 33U

#define GICD_BASE 0x3fff0000UL
#define GICD_CTLR (GICD_BASE + 0x0000)
#define GICD_IGROUPR (GICD_BASE + 0x0080)
#define GICD_ISENABLER (GICD_BASE + 0x0100)
#define GICD_ISPENDR (GICD_BASE + 0x0200)
#define GICD_IPRIORITYR (GICD_BASE + 0x0400)
#define GICD_IROUTER (GICD_BASE + 0x6000)
#define GICD_PIDR2 (GICD_BASE + 0xffe8)
#define GICD_CTLR_RWP (1U << 31)
/* ARE and both group enables (KVM's GICv3 has one security state). */
#define GICD_CTLR_ON 0x13U

/* The longest wait for an interrupt before calling it lost. */
#define IRQ_WAIT_SECONDS 60

static unsigned int failures;
static volatile unsigned int irqs;
static volatile u32 ris_in_irq, mis_in_irq, cleared_in_irq, dr_in_irq;

/*
 * Exception vectors: IRQs from EL1 with SP_EL1 go to rtc_irq(); anything
 * else is a failure of this test.
 */
__asm__(".pushsection .text.vectors, \"ax\"\n"
	".balign 2048\n"
	"rtc_vectors:\n"
	".rept 5\n"
	".balign 0x80\n"
	"b unexpected_entry\n"
	".endr\n"
	".balign 0x80\n"	/* 0x280: IRQ, current EL, SP_ELx */
	"b irq_entry\n"
	".rept 10\n"
	".balign 0x80\n"
	"b unexpected_entry\n"
	".endr\n"
	"irq_entry:\n"
	"sub sp, sp, #176\n"
	"stp x0, x1, [sp, #0]\n"
	"stp x2, x3, [sp, #16]\n"
	"stp x4, x5, [sp, #32]\n"
	"stp x6, x7, [sp, #48]\n"
	"stp x8, x9, [sp, #64]\n"
	"stp x10, x11, [sp, #80]\n"
	"stp x12, x13, [sp, #96]\n"
	"stp x14, x15, [sp, #112]\n"
	"stp x16, x17, [sp, #128]\n"
	"stp x18, x29, [sp, #144]\n"
	"str x30, [sp, #160]\n"
	"bl rtc_irq\n"
	"ldp x0, x1, [sp, #0]\n"
	"ldp x2, x3, [sp, #16]\n"
	"ldp x4, x5, [sp, #32]\n"
	"ldp x6, x7, [sp, #48]\n"
	"ldp x8, x9, [sp, #64]\n"
	"ldp x10, x11, [sp, #80]\n"
	"ldp x12, x13, [sp, #96]\n"
	"ldp x14, x15, [sp, #112]\n"
	"ldp x16, x17, [sp, #128]\n"
	"ldp x18, x29, [sp, #144]\n"
	"ldr x30, [sp, #160]\n"
	"add sp, sp, #176\n"
	"eret\n"
	"unexpected_entry:\n"
	"mrs x0, esr_el1\n"
	"mrs x1, elr_el1\n"
	"b rtc_unexpected\n"
	".popsection\n");

extern char rtc_vectors[];
void rtc_irq(void);
void rtc_unexpected(u64 esr, u64 elr);

static void check(bool ok, const char *what)
{
	puts(ok ? "rtc: PASS " : "rtc: FAIL ");
	puts(what);
	putc('\n');
	if (!ok)
		failures++;
}

void rtc_unexpected(u64 esr, u64 elr)
{
	puts("rtc: FAIL unexpected exception, esr=");
	put_hex(esr);
	puts(" elr=");
	put_hex(elr);
	putc('\n');
	psci_system_off();
}

static u64 counter(void)
{
	u64 v;

	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v));
	return v;
}

static u64 counter_hz(void)
{
	u64 v;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
}

static void wait_seconds(u64 s)
{
	u64 end = counter() + s * counter_hz();

	while (counter() < end)
		;
}

static u32 icc_iar1(void)
{
	u64 v;

	__asm__ volatile("mrs %0, S3_0_C12_C12_0" : "=r"(v));
	return (u32)v;
}

static void icc_eoir1(u32 v)
{
	__asm__ volatile("msr S3_0_C12_C12_1, %0; isb" : : "r"((u64)v));
}

void rtc_irq(void)
{
	u32 iar = icc_iar1();

	if ((iar & 0xffffff) == RTC_INTID) {
		ris_in_irq = mmio_read32(RTCRIS);
		mis_in_irq = mmio_read32(RTCMIS);
		dr_in_irq = mmio_read32(RTCDR);
		/* Clear the level source first, then end the interrupt. */
		mmio_write32(RTCICR, 1);
		cleared_in_irq = mmio_read32(RTCRIS) | mmio_read32(RTCMIS);
		irqs++;
	} else {
		puts("rtc: FAIL unexpected interrupt ");
		put_dec(iar & 0xffffff);
		putc('\n');
		failures++;
	}
	icc_eoir1(iar);
}

static bool rtc_pending(void)
{
	return mmio_read32(GICD_ISPENDR + 4 * (RTC_INTID / 32)) &
	       (1U << (RTC_INTID % 32));
}

/* The GIC as a guest OS sets it up; the RTC's SPI routed to vcpu 0. */
static bool gic_init(void)
{
	u64 sre;

	if (((mmio_read32(GICD_PIDR2) >> 4) & 0xf) < 3)
		return false;
	mmio_write32(GICD_CTLR, GICD_CTLR_ON);
	while (mmio_read32(GICD_CTLR) & GICD_CTLR_RWP)
		;
	mmio_write32(GICD_IGROUPR + 4 * (RTC_INTID / 32),
		     mmio_read32(GICD_IGROUPR + 4 * (RTC_INTID / 32)) |
			     (1U << (RTC_INTID % 32)));
	mmio_write8(GICD_IPRIORITYR + RTC_INTID, 0xa0);
	mmio_write32(GICD_IROUTER + 8 * RTC_INTID, 0);
	mmio_write32(GICD_IROUTER + 8 * RTC_INTID + 4, 0);
	__asm__ volatile("mrs %0, S3_0_C12_C12_5" : "=r"(sre));
	__asm__ volatile("msr S3_0_C12_C12_5, %0; isb" : : "r"(sre | 1));
	__asm__ volatile("msr S3_0_C4_C6_0, %0" : : "r"(0xffUL));	/* PMR */
	__asm__ volatile("msr S3_0_C12_C12_7, %0; isb" : : "r"(1UL)); /* IGRPEN1 */
	__asm__ volatile("msr vbar_el1, %0; isb" : : "r"(rtc_vectors));
	return true;
}

/*
 * With IRQs unmasked, spins until one more RTC interrupt was taken. Not
 * WFI: with no other interrupt source a lost one would never wake it,
 * and the spin touches no device either.
 */
static bool wait_irq(void)
{
	u64 end = counter() + IRQ_WAIT_SECONDS * counter_hz();
	unsigned int seen = irqs;

	__asm__ volatile("msr daifclr, #2; isb" ::: "memory");
	while (irqs == seen && counter() < end)
		;
	__asm__ volatile("msr daifset, #2; isb" ::: "memory");
	return irqs == seen + 1;
}

static void check_ids(void)
{
	static const u32 id[8] = { 0x31, 0x10, 0x14, 0x00,
				   0x0d, 0xf0, 0x05, 0xb1 };
	bool ok = true;

	for (unsigned int i = 0; i < 8; i++)
		ok &= mmio_read32(RTC_ID + 4 * i) == id[i];
	check(ok, "PeriphID and PCellID");
	check(mmio_read32(RTCCR) == 1, "RTCCR says started");
}

static void check_read_only(void)
{
	static const u64 offs[] = { 0x014, 0x018, 0xfe0, 0xfe4, 0xfe8,
				    0xfec, 0xff0, 0xff4, 0xff8, 0xffc };
	bool ok = true;

	for (unsigned int i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		u64 a = RTC_BASE + offs[i];
		u8 b8 = mmio_read8(a);
		unsigned short b16 = *(volatile unsigned short *)a;
		u32 b32 = mmio_read32(a);

		mmio_write8(a, 0xef);
		*(volatile unsigned short *)a = 0xbeef;
		mmio_write32(a, 0xdeadbeef);
		ok &= mmio_read8(a) == b8;
		ok &= *(volatile unsigned short *)a == b16;
		ok &= mmio_read32(a) == b32;
	}
	check(ok, "read-only registers at every width");
}

/*
 * Two seconds of the guest's counter apart, RTCDR moved by 2; by no more
 * than the whole time both reads took (an exit may wait on a busy host).
 */
static void check_ticks(void)
{
	u64 hz = counter_hz(), c0 = counter(), c3;
	u32 d1 = mmio_read32(RTCDR), d2;

	wait_seconds(2);
	d2 = mmio_read32(RTCDR);
	c3 = counter();
	puts("rtc: ticks=");
	put_dec(d2 - d1);
	putc('\n');
	check(d2 - d1 >= 2 && d2 - d1 <= (c3 - c0) / hz + 1, "ticks at 1 Hz");
}

/* kvm-unit-tests' check_rtc_irq(), with the GIC set up beforehand. */
static void check_masked_match(void)
{
	u32 before = mmio_read32(RTCDR);

	mmio_write32(RTCMR, before + 1);
	wait_seconds(2);
	check(!rtc_pending(), "no interrupt while masked");
	check(mmio_read32(RTCRIS) == 1 && mmio_read32(RTCMIS) == 0,
	      "raw status set, masked status clear");
	mmio_write32(RTCIMSC, 1);
	check(rtc_pending(), "pending at the GIC once unmasked");
	mmio_write32(GICD_ISENABLER + 4 * (RTC_INTID / 32),
		     1U << (RTC_INTID % 32));
	check(wait_irq(), "interrupt taken");
	check(ris_in_irq == 1 && mis_in_irq == 1, "RIS and MIS set in the handler");
	check(cleared_in_irq == 0, "RTCICR clears RIS and MIS");
	check(!rtc_pending(), "not pending after RTCICR");
}

/* No guest access while the time passes: only lkvm's timer can raise it. */
static void check_timer_match(void)
{
	u32 mr = mmio_read32(RTCDR) + 2;
	bool taken;

	mmio_write32(RTCMR, mr);
	taken = wait_irq();
	check(taken, "match interrupt from the host's timer");
	if (taken)
		check((int)(dr_in_irq - mr) >= 0, "not before RTCDR reached RTCMR");
	mmio_write32(RTCIMSC, 0);
}

static void check_load(void)
{
	u64 hz = counter_hz(), c0 = counter();
	u32 dr;

	mmio_write32(RTCLR, 1000000000);
	dr = mmio_read32(RTCDR);
	check(mmio_read32(RTCLR) == 1000000000, "RTCLR reads back");
	check(dr >= 1000000000 && dr - 1000000000 <= (counter() - c0) / hz + 1,
	      "RTCLR loads the counter");
}

void payload_main(u64 dtb)
{
	(void)dtb;
	if (mmio_read32(RTC_ID) != 0x31) {
		puts("rtc: no PL031\n");
		return;
	}
	check_ids();
	check_read_only();
	check_ticks();
	check(!rtc_pending(), "not pending yet");
	if (gic_init()) {
		check_masked_match();
		check_timer_match();
	} else {
		check(false, "a GICv3 to take interrupts with");
	}
	check_load();
	puts("rtc: done, ");
	put_dec(failures);
	puts(" failures\n");
}

#include "vdrv.h"

const char *vdrv_prefix = "";
int vdrv_failures;

void w32(u64 base, u64 off, u32 v)
{
	mmio_write32(base + off, v);
}

u32 r32(u64 base, u64 off)
{
	return mmio_read32(base + off);
}

void w64(u64 addr, u64 v)
{
	*(volatile u64 *)addr = v;
}

void w16(u64 addr, unsigned short v)
{
	*(volatile unsigned short *)addr = v;
}

unsigned short r16(u64 addr)
{
	return *(volatile unsigned short *)addr;
}

void barrier(void)
{
	__asm__ volatile("dsb sy" ::: "memory");
}

void fail(const char *what)
{
	vdrv_failures++;
	puts(vdrv_prefix);
	puts("FAIL ");
	puts(what);
	putc('\n');
}

void clear(u64 addr, u64 len)
{
	for (u64 i = 0; i < len; i += 8)
		w64(addr + i, 0);
}

void put_desc(u64 table, u32 i, u64 addr, u32 len, u32 flags, u32 next)
{
	w64(table + 16 * i, addr);
	w64(table + 16 * i + 8, len | ((u64)flags << 32) | ((u64)next << 48));
}

void kick(u64 base, u32 q)
{
	barrier();
	w32(base, REG_QUEUE_NOTIFY, q);
}

void submit(u64 base, u32 head, unsigned short idx)
{
	w16(AVAIL + 4 + 2 * ((idx - 1U) % QNUM), (unsigned short)head);
	barrier();
	w16(AVAIL + 2, idx);
	kick(base, 0);
}

int negotiate_with(u64 base, u32 low_features, u32 high_features)
{
	w32(base, REG_STATUS, 0);
	w32(base, REG_STATUS, S_ACK);
	w32(base, REG_STATUS, S_ACK | S_DRIVER);
	w32(base, REG_DRV_FEAT_SEL, 0);
	w32(base, REG_DRV_FEAT, low_features);
	w32(base, REG_DRV_FEAT_SEL, 1);
	w32(base, REG_DRV_FEAT, high_features);
	w32(base, REG_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	return (r32(base, REG_STATUS) & S_FEATURES_OK) != 0;
}

int negotiate(u64 base, u32 high_features)
{
	return negotiate_with(base, F_RING_INDIRECT | F_RING_EVENT_IDX,
			      high_features);
}

void enable_queue(u64 base, u32 q, u32 num, u64 area)
{
	w32(base, REG_QUEUE_SEL, q);
	w32(base, REG_QUEUE_NUM, num);
	w32(base, REG_DESC_LO, (u32)QDESC(area));
	w32(base, REG_DESC_HI, (u32)(QDESC(area) >> 32));
	w32(base, REG_AVAIL_LO, (u32)QAVAIL(area));
	w32(base, REG_AVAIL_HI, (u32)(QAVAIL(area) >> 32));
	w32(base, REG_USED_LO, (u32)QUSED(area));
	w32(base, REG_USED_HI, (u32)(QUSED(area) >> 32));
	w32(base, REG_QUEUE_READY, 1);
}

void setup_queue(u64 base, u32 num)
{
	clear(AREA, AREA_SIZE);
	if (!negotiate(base, 1))	/* VERSION_1 */
		fail("FEATURES_OK refused for a valid feature set");
	enable_queue(base, 0, num, AREA);
}

void setup(u64 base)
{
	setup_queue(base, QNUM);
	w32(base, REG_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
}

static u64 counter(void)
{
	u64 v;

	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v));
	return v;
}

/* The counter value @seconds from now (reading it costs no exit). */
u64 deadline(u64 seconds)
{
	u64 freq;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
	return counter() + seconds * freq;
}

/* Each status read is an exit to lkvm; give up after 10 s. */
int wait_needs_reset(u64 base)
{
	for (u64 end = deadline(10); counter() < end;)
		if (r32(base, REG_STATUS) & S_NEEDS_RESET)
			return 1;
	return 0;
}

/*
 * Polls the used ring in RAM, without exits, so that lkvm's I/O thread
 * has the host CPU; gives up after 10 s.
 */
int wait_used_at(u64 used, unsigned short idx)
{
	for (u64 end = deadline(10); counter() < end;)
		if (r16(used + 2) == idx)
			return 1;
	return 0;
}

int wait_used(unsigned short idx)
{
	return wait_used_at(USED, idx);
}

int before(u64 when)
{
	return counter() < when;
}

void delay_us(u64 us)
{
	u64 freq, end;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
	end = counter() + us * freq / 1000000;
	while (counter() < end)
		;
}

void expect_broken(u64 base, const char *what)
{
	puts(vdrv_prefix);
	puts(what);
	if (wait_needs_reset(base)) {
		puts(": device needs reset\n");
	} else {
		putc('\n');
		fail(what);
	}
}

u64 find_device(u32 id)
{
	for (u64 i = 0; i < 32; i++) {
		u64 base = VIRTIO_MMIO_BASE + i * VIRTIO_MMIO_SLOT;

		if (r32(base, REG_MAGIC) == 0x74726976 &&
		    r32(base, REG_DEVICE_ID) == id)
			return base;
	}
	return 0;
}

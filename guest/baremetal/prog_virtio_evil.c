/*
 * A hostile virtio driver. Run with `-d IMAGE --rng` so that slot 0
 * (0x3000000) is a virtio-blk and slot 1 (0x3000200) a virtio-rng. It
 * breaks the transport's and the rings' rules one way after another,
 * expects each to put the device in DEVICE_NEEDS_RESET (and lkvm to stay
 * up), resets the device, and at the end checks that well-formed
 * requests still work. Prints "evil: FAIL ..." for anything unexpected,
 * "evil: done" at the end, and powers off.
 */
#include "baremetal.h"

#define BLK_BASE 0x03000000UL
#define RNG_BASE 0x03000200UL

#define REG_MAGIC 0x000
#define REG_DEVICE_ID 0x008
#define REG_DEV_FEAT_SEL 0x014
#define REG_DRV_FEAT 0x020
#define REG_DRV_FEAT_SEL 0x024
#define REG_QUEUE_SEL 0x030
#define REG_QUEUE_NUM_MAX 0x034
#define REG_QUEUE_NUM 0x038
#define REG_QUEUE_READY 0x044
#define REG_QUEUE_NOTIFY 0x050
#define REG_INT_STATUS 0x060
#define REG_INT_ACK 0x064
#define REG_STATUS 0x070
#define REG_DESC_LO 0x080
#define REG_DESC_HI 0x084
#define REG_AVAIL_LO 0x090
#define REG_AVAIL_HI 0x094
#define REG_USED_LO 0x0a0
#define REG_USED_HI 0x0a4
#define REG_CONFIG 0x100

#define S_ACK 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8
#define S_NEEDS_RESET 64

#define F_NEXT 1
#define F_WRITE 2
#define F_INDIRECT 4

/* 8 MiB into RAM: far from the payload, inside the smallest --mem. */
#define AREA 0x80800000UL
#define DESC (AREA)
#define AVAIL (AREA + 0x1000)
#define USED (AREA + 0x2000)
#define IND (AREA + 0x3000)
#define BUF (AREA + 0x4000)
#define QNUM 8
#define RAM_END (0x80000000UL + (128UL << 20))

static int failures;

static void w32(u64 base, u64 off, u32 v)
{
	mmio_write32(base + off, v);
}

static u32 r32(u64 base, u64 off)
{
	return mmio_read32(base + off);
}

static void w64(u64 addr, u64 v)
{
	*(volatile u64 *)addr = v;
}

static void w16(u64 addr, unsigned short v)
{
	*(volatile unsigned short *)addr = v;
}

static unsigned short r16(u64 addr)
{
	return *(volatile unsigned short *)addr;
}

static void barrier(void)
{
	__asm__ volatile("dsb sy" ::: "memory");
}

static void fail(const char *what)
{
	failures++;
	puts("evil: FAIL ");
	puts(what);
	putc('\n');
}

static void clear(u64 addr, u64 len)
{
	for (u64 i = 0; i < len; i += 8)
		w64(addr + i, 0);
}

static void put_desc(u64 table, u32 i, u64 addr, u32 len, u32 flags, u32 next)
{
	w64(table + 16 * i, addr);
	w64(table + 16 * i + 8, len | ((u64)flags << 32) | ((u64)next << 48));
}

/* Publishes head @head as avail entry 0 with avail->idx = @idx. */
static void offer(u32 head, unsigned short idx)
{
	w16(AVAIL + 4, (unsigned short)head);
	barrier();
	w16(AVAIL + 2, idx);
	barrier();
}

static int negotiate(u64 base, u32 high_features)
{
	w32(base, REG_STATUS, 0);
	w32(base, REG_STATUS, S_ACK);
	w32(base, REG_STATUS, S_ACK | S_DRIVER);
	w32(base, REG_DRV_FEAT_SEL, 0);
	w32(base, REG_DRV_FEAT, (1U << 28) | (1U << 29));	/* indirect, event idx */
	w32(base, REG_DRV_FEAT_SEL, 1);
	w32(base, REG_DRV_FEAT, high_features);
	w32(base, REG_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	return (r32(base, REG_STATUS) & S_FEATURES_OK) != 0;
}

/* A fresh, well-formed queue 0 of QNUM entries, device live. */
static void setup(u64 base)
{
	clear(AREA, 0x5000);
	if (!negotiate(base, 1))	/* VERSION_1 */
		fail("FEATURES_OK refused for a valid feature set");
	w32(base, REG_QUEUE_SEL, 0);
	w32(base, REG_QUEUE_NUM, QNUM);
	w32(base, REG_DESC_LO, (u32)DESC);
	w32(base, REG_DESC_HI, 0);
	w32(base, REG_AVAIL_LO, (u32)AVAIL);
	w32(base, REG_AVAIL_HI, 0);
	w32(base, REG_USED_LO, (u32)USED);
	w32(base, REG_USED_HI, 0);
	w32(base, REG_QUEUE_READY, 1);
	w32(base, REG_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
}

static void kick(u64 base)
{
	barrier();
	w32(base, REG_QUEUE_NOTIFY, 0);
}

/* Each status read is an exit to lkvm: a few seconds at most. */
static int wait_needs_reset(u64 base)
{
	for (int i = 0; i < 20000; i++)
		if (r32(base, REG_STATUS) & S_NEEDS_RESET)
			return 1;
	return 0;
}

static int wait_used(u64 base, unsigned short idx)
{
	for (int i = 0; i < 20000; i++) {
		if (r16(USED + 2) == idx)
			return 1;
		w32(base, REG_INT_ACK, r32(base, REG_INT_STATUS));
	}
	return 0;
}

static void expect_broken(u64 base, const char *what)
{
	puts("evil: ");
	puts(what);
	if (wait_needs_reset(base)) {
		puts(": device needs reset\n");
	} else {
		putc('\n');
		fail(what);
	}
}

/* Register-level abuse that must simply be ignored. */
static void abuse_registers(u64 base)
{
	w32(base, REG_STATUS, 0);
	if (negotiate(base, 0))
		fail("FEATURES_OK accepted without VERSION_1");
	w32(base, REG_STATUS, 0);
	w32(base, REG_DEV_FEAT_SEL, 0xffffffff);
	if (negotiate(base, 0x80000001U))	/* a feature never offered */
		fail("FEATURES_OK accepted with an unoffered feature");
	w32(base, REG_QUEUE_SEL, 7);
	if (r32(base, REG_QUEUE_NUM_MAX) != 0)
		fail("QueueNumMax of a queue that does not exist");
	w32(base, REG_QUEUE_READY, 1);
	w32(base, REG_QUEUE_NOTIFY, 99);
	/* Odd sizes and offsets. */
	if (mmio_read8(base + REG_MAGIC) != 0)
		fail("byte read of MagicValue");
	mmio_write8(base + REG_STATUS, 0xff);
	if (r32(base, REG_MAGIC + 2) != 0)
		fail("unaligned read");
	if (r32(base, REG_CONFIG + 0x100 - 4) != 0)
		fail("read past the config space");
	if (r32(base, REG_STATUS) & S_DRIVER_OK)
		fail("a byte write set DRIVER_OK");
	if (r32(base, REG_MAGIC) != 0x74726976)
		fail("MagicValue");
}

static void ring_attacks(u64 base)
{
	setup(base);
	put_desc(DESC, 0, BUF, 16, F_WRITE | F_NEXT, 1);
	put_desc(DESC, 1, BUF, 16, F_WRITE | F_NEXT, 0);
	offer(0, 1);
	kick(base);
	expect_broken(base, "descriptor loop");

	setup(base);
	put_desc(DESC, 0, 0xfffffffffffff000UL, 0x2000, F_WRITE, 0);
	offer(0, 1);
	kick(base);
	expect_broken(base, "address + length wraps around");

	setup(base);
	put_desc(DESC, 0, RAM_END - 8, 16, F_WRITE, 0);
	offer(0, 1);
	kick(base);
	expect_broken(base, "buffer past the end of RAM");

	setup(base);
	put_desc(DESC, 0, 0x09000000UL, 16, F_WRITE, 0);	/* MMIO, not RAM */
	offer(0, 1);
	kick(base);
	expect_broken(base, "buffer below RAM");

	setup(base);
	put_desc(DESC, 0, IND, 32, F_INDIRECT, 0);
	put_desc(IND, 0, BUF, 16, F_WRITE | F_NEXT, 1);
	put_desc(IND, 1, BUF, 16, F_WRITE | F_NEXT, 0);
	offer(0, 1);
	kick(base);
	expect_broken(base, "loop inside an indirect table");

	setup(base);
	put_desc(DESC, 0, IND, 16, F_INDIRECT, 0);
	put_desc(IND, 0, IND, 16, F_INDIRECT, 0);
	offer(0, 1);
	kick(base);
	expect_broken(base, "nested indirect table");

	setup(base);
	put_desc(DESC, 0, IND, 0x10000, F_INDIRECT, 0);
	offer(0, 1);
	kick(base);
	expect_broken(base, "indirect table larger than the queue");

	setup(base);
	put_desc(DESC, 0, BUF, 16, F_WRITE | F_NEXT, 200);
	offer(0, 1);
	kick(base);
	expect_broken(base, "next index out of range");

	setup(base);
	offer(200, 1);
	kick(base);
	expect_broken(base, "head index out of range");

	setup(base);
	put_desc(DESC, 0, BUF, 16, F_WRITE, 0);
	offer(0, 1000);
	kick(base);
	expect_broken(base, "available index far ahead");

	/* A queue placed outside RAM breaks the device when enabled. */
	clear(AREA, 0x5000);
	negotiate(base, 1);
	w32(base, REG_QUEUE_SEL, 0);
	w32(base, REG_QUEUE_NUM, QNUM);
	w32(base, REG_DESC_LO, 0);
	w32(base, REG_DESC_HI, 0x10);
	w32(base, REG_QUEUE_READY, 1);
	expect_broken(base, "ring outside RAM");

	clear(AREA, 0x5000);
	negotiate(base, 1);
	w32(base, REG_QUEUE_SEL, 0);
	w32(base, REG_QUEUE_NUM, 3);
	w32(base, REG_QUEUE_READY, 1);
	expect_broken(base, "queue size not a power of two");
}

static void good_rng_request(void)
{
	setup(RNG_BASE);
	put_desc(DESC, 0, BUF, 64, F_WRITE, 0);
	offer(0, 1);
	kick(RNG_BASE);
	if (!wait_used(RNG_BASE, 1) ||
	    *(volatile u32 *)(USED + 8) != 64)
		fail("a good rng request after the reset");
	else
		puts("evil: rng works after reset\n");
}

/* One blk request: header, optional data, status byte. */
static u32 blk_request(u32 type, u64 sector, u32 data_len, unsigned short idx)
{
	volatile u8 *status = (volatile u8 *)(BUF + 0x800);

	w64(BUF, type);
	w64(BUF + 8, sector);
	*status = 0xee;
	put_desc(DESC, 0, BUF, 16, F_NEXT, 1);
	put_desc(DESC, 1, BUF + 0x1000, data_len, F_WRITE | F_NEXT, 2);
	put_desc(DESC, 2, BUF + 0x800, 1, F_WRITE, 0);
	w16(AVAIL + 4 + 2 * ((idx - 1) % QNUM), 0);
	barrier();
	w16(AVAIL + 2, idx);
	kick(BLK_BASE);
	if (!wait_used(BLK_BASE, idx))
		return 0x100;
	return *status;
}

static void blk_attacks(void)
{
	setup(BLK_BASE);
	put_desc(DESC, 0, BUF, 16, 0, 0);	/* header, no status byte */
	offer(0, 1);
	kick(BLK_BASE);
	expect_broken(BLK_BASE, "blk request without a status byte");

	setup(BLK_BASE);
	if (blk_request(99, 0, 512, 1) != 2)
		fail("unknown request type not UNSUPP");
	if (blk_request(0, 0xffffffffffffff00UL, 512, 2) != 1)
		fail("read past the end of the disk not IOERR");
	if (blk_request(0, 0, 100, 3) != 1)
		fail("read of a partial sector not IOERR");
	if (blk_request(0, 0, 512, 4) != 0)
		fail("a good read");
	if (blk_request(8, 0, 20, 5) != 0)
		fail("GET_ID");
	else
		puts("evil: blk works after reset\n");
}

void payload_main(u64 dtb)
{
	(void)dtb;
	if (r32(BLK_BASE, REG_DEVICE_ID) != 2 || r32(RNG_BASE, REG_DEVICE_ID) != 4) {
		fail("expected virtio-blk at 0x3000000 and virtio-rng at 0x3000200");
		return;
	}
	abuse_registers(RNG_BASE);
	ring_attacks(RNG_BASE);
	good_rng_request();
	blk_attacks();
	puts(failures ? "evil: finished with failures\n" : "evil: done\n");
}

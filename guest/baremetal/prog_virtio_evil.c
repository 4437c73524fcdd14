/*
 * A hostile virtio driver. Run with `-d IMAGE --rng` so that slot 0
 * (0x3000000) is a virtio-blk and slot 1 (0x3000200) a virtio-rng. It
 * breaks the transport's and the rings' rules one way after another,
 * expects each to put the device in DEVICE_NEEDS_RESET (and lkvm to stay
 * up), resets the device, and at the end checks that well-formed
 * requests still work. Prints "evil: FAIL ..." for anything unexpected,
 * "evil: done" at the end, and powers off.
 */
#include "vdrv.h"

#define BLK_BASE 0x03000000UL
#define RNG_BASE 0x03000200UL
#define RAM_END (0x80000000UL + (128UL << 20))

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

/* A queue of @num entries, rings well placed, must break the device. */
static void bad_queue_size(u64 base, u32 num, const char *what)
{
	setup_queue(base, num);
	expect_broken(base, what);
}

/* Offers head @head with avail->idx = @idx: the device must break. */
static void break_with(u64 base, u32 head, unsigned short idx,
		       const char *what)
{
	submit(base, head, idx);
	expect_broken(base, what);
}

static void ring_attacks(u64 base)
{
	setup(base);
	put_desc(DESC, 0, BUF, 16, F_WRITE | F_NEXT, 1);
	put_desc(DESC, 1, BUF, 16, F_WRITE | F_NEXT, 0);
	break_with(base, 0, 1, "descriptor loop");

	setup(base);
	put_desc(DESC, 0, 0xfffffffffffff000UL, 0x2000, F_WRITE, 0);
	break_with(base, 0, 1, "address + length wraps around");

	setup(base);
	put_desc(DESC, 0, RAM_END - 8, 16, F_WRITE, 0);
	break_with(base, 0, 1, "buffer past the end of RAM");

	setup(base);
	put_desc(DESC, 0, 0x09000000UL, 16, F_WRITE, 0);	/* MMIO, not RAM */
	break_with(base, 0, 1, "buffer below RAM");

	setup(base);
	put_desc(DESC, 0, IND, 32, F_INDIRECT, 0);
	put_desc(IND, 0, BUF, 16, F_WRITE | F_NEXT, 1);
	put_desc(IND, 1, BUF, 16, F_WRITE | F_NEXT, 0);
	break_with(base, 0, 1, "loop inside an indirect table");

	setup(base);
	put_desc(DESC, 0, IND, 16, F_INDIRECT, 0);
	put_desc(IND, 0, IND, 16, F_INDIRECT, 0);
	break_with(base, 0, 1, "nested indirect table");

	setup(base);
	put_desc(DESC, 0, IND, 0x10000, F_INDIRECT, 0);
	break_with(base, 0, 1, "indirect table larger than the queue");

	setup(base);
	put_desc(DESC, 0, BUF, 16, F_WRITE | F_NEXT, 200);
	break_with(base, 0, 1, "next index out of range");

	setup(base);
	break_with(base, 200, 1, "head index out of range");

	setup(base);
	put_desc(DESC, 0, BUF, 16, F_WRITE, 0);
	break_with(base, 0, 1000, "available index far ahead");

	/* A queue placed outside RAM breaks the device when enabled. */
	clear(AREA, AREA_SIZE);
	negotiate(base, 1);
	w32(base, REG_QUEUE_SEL, 0);
	w32(base, REG_QUEUE_NUM, QNUM);
	w32(base, REG_DESC_LO, 0);
	w32(base, REG_DESC_HI, 0x10);
	w32(base, REG_QUEUE_READY, 1);
	expect_broken(base, "ring outside RAM");

	bad_queue_size(base, 3, "queue size not a power of two");
	bad_queue_size(base, 0, "queue size zero");
	bad_queue_size(base, 0x10000, "queue size above QueueNumMax");
	bad_queue_size(base, 0xffffffffU, "queue size 2^32 - 1");
}

static void good_rng_request(void)
{
	setup(RNG_BASE);
	put_desc(DESC, 0, BUF, 64, F_WRITE, 0);
	submit(RNG_BASE, 0, 1);
	if (!wait_used(1) ||
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
	submit(BLK_BASE, 0, idx);
	if (!wait_used(idx))
		return 0x100;
	return *status;
}

static void blk_attacks(void)
{
	setup(BLK_BASE);
	put_desc(DESC, 0, BUF, 16, 0, 0);	/* header, no status byte */
	submit(BLK_BASE, 0, 1);
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
	vdrv_prefix = "evil: ";
	if (r32(BLK_BASE, REG_DEVICE_ID) != 2 || r32(RNG_BASE, REG_DEVICE_ID) != 4) {
		fail("expected virtio-blk at 0x3000000 and virtio-rng at 0x3000200");
		return;
	}
	abuse_registers(RNG_BASE);
	ring_attacks(RNG_BASE);
	good_rng_request();
	blk_attacks();
	puts(vdrv_failures ? "evil: finished with failures\n" : "evil: done\n");
}

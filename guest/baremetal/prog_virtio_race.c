/*
 * A guest whose second vcpu races the devices (issue 11). Run with -c 2,
 * a NIC, a disk and a 9p share. vcpu 1 keeps moving avail->idx and
 * rewriting descriptors and avail ring entries of four queues (virtio-net
 * receive and transmit, virtio-blk, virtio-9p), one round every
 * RACE_ROUND_US, in phases that keep the index within a queue's worth
 * of what was used, run up to two queues' worth ahead, or jump: mostly
 * plausible buffers, down to a byte, and now and then anything (over the
 * rings themselves, indirect tables, loops); while vcpu 0 notifies those
 * queues over and over, and resets and sets up again each device the
 * race broke. The host sends frames to the NIC meanwhile. lkvm must keep
 * running.
 * At the end vcpu 0 stops vcpu 1 and checks that each device serves a
 * well-formed request after a reset. Prints "race: FAIL ..." for
 * anything unexpected, "race: done" at the end, and powers off.
 */
#include "vdrv.h"

#define NUM 256U		/* QueueNumMax: the largest rings */
#define RACE_SECONDS 20
#define PHASE_SECONDS 2
#define RACE_ROUND_US 50
/* Each queue's area: rings, then data (RAM + 16 MiB: needs -m 32). */
#define RACE_AREA 0x81000000UL
#define SPAN 0x10000UL
#define DATA 0x3000UL

#define ID_NET 1
#define ID_BLK 2
#define ID_9P 9
#define NET_F_MRG_RXBUF (1U << 15)

enum { NET_RX, NET_TX, BLK, P9, NR_RACED };

struct raced {
	u64 *base;		/* the device */
	u32 q;			/* its queue */
};

static u64 net, blk, p9;
static const struct raced raced[NR_RACED] = {
	[NET_RX] = { &net, 0 },
	[NET_TX] = { &net, 1 },
	[BLK] = { &blk, 0 },
	[P9] = { &p9, 0 },
};

/* Shared by the vcpus; the MMU is off, so every access is uncached. */
static volatile u32 generation[NR_RACED];	/* bumped at each set-up */
static volatile u32 stop_racing, racer_stopped;
static volatile u64 rewrites;

static u64 area(unsigned int i)
{
	return RACE_AREA + i * SPAN;
}

static u64 next_random(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Descriptors per well-formed chain of queue @i. */
static u32 chain_len(unsigned int i)
{
	return i == BLK ? 3 : i == P9 ? 2 : 1;
}

static const u8 tversion[] = {
	21, 0, 0, 0, 100, 0xff, 0xff, 0x00, 0x20, 0, 0,
	8, 0, '9', 'P', '2', '0', '0', '0', '.', 'L',
};

static void put_bytes(u64 addr, const u8 *b, u32 n)
{
	for (u32 i = 0; i < n; i++)
		*(volatile u8 *)(addr + i) = b[i];
}

/*
 * The well-formed chains each queue starts from, at set-up: one writable
 * buffer per receive descriptor, one frame per transmit descriptor, blk
 * reads of sector 0 (their data buffers overlap), 9p Tversion requests
 * and room for the answer; every head offered.
 */
static void lay_out(unsigned int i)
{
	u64 a = area(i), data = a + DATA;
	u32 n = chain_len(i);

	clear(data, SPAN - DATA);
	for (u32 d = 0; d < NUM; d++) {
		u64 buf = data + 0x80 * (d / n);
		u32 at = d % n;

		if (i == NET_RX) {
			put_desc(QDESC(a), d, buf, 0x80, F_WRITE, 0);
		} else if (i == NET_TX) {
			put_desc(QDESC(a), d, buf, 12 + 60, 0, 0);
		} else if (i == P9 && at == 0) {
			put_bytes(buf, tversion, sizeof(tversion));
			put_desc(QDESC(a), d, buf, sizeof(tversion), F_NEXT,
				 d + 1);
		} else if (at == 0) {
			put_desc(QDESC(a), d, buf, 16, F_NEXT, d + 1);	/* a read */
		} else if (i == BLK && at == 1) {
			put_desc(QDESC(a), d, data + 0x4000 + 0x40 * (d / n),
				 0x200, F_WRITE | F_NEXT, d + 1);
		} else {
			put_desc(QDESC(a), d, buf + 0x40, 0x40, F_WRITE, 0);
		}
	}
	for (u32 e = 0; e < NUM; e++)
		w16(QAVAIL(a) + 4 + 2 * e, (unsigned short)(e % (NUM / n) * n));
}

/* Somewhere in queue @i's area: mostly data, sometimes its own rings. */
static u64 race_addr(unsigned int i, u64 r, u32 *len)
{
	u64 a = area(i), addr, room;

	switch (r & 15) {
	case 0:
		addr = QAVAIL(a);	/* the frame's bytes move the index */
		break;
	case 1:
		addr = QDESC(a) + 16 * ((r >> 8) % NUM);
		break;
	default:
		addr = a + DATA + (r >> 8) % (SPAN - DATA);
		break;
	}
	room = a + SPAN - addr;
	if (*len > room)
		*len = (u32)room;
	return addr;
}

/*
 * Rewrites one descriptor of queue @i as another vcpu may while the
 * device reads it: mostly a plausible buffer of another size and place
 * (receive buffers of at least a header; down to a byte while @tiny),
 * one time in 32 anything at all.
 */
static void rewrite_desc(unsigned int i, u64 r, int tiny)
{
	u64 a = area(i);
	u32 d = (u32)(r % NUM), n = chain_len(i), len, flags, next;

	if ((r >> 8) & 31) {
		len = i != NET_RX ? 1 + ((r >> 11) % 256) :
		      tiny ? 1 + ((r >> 12) % 16) : 12 + ((r >> 12) % 2048);
		flags = i == NET_RX || d % n ? F_WRITE : 0;
		flags |= d % n + 1 < n ? F_NEXT : 0;
		next = d + 1;
	} else {
		len = (r >> 11) & 1 ? 1 + ((r >> 12) % 4096) : 16 * ((r >> 12) % 9);
		flags = (u32)(r >> 24) & (F_NEXT | F_WRITE | F_INDIRECT);
		next = (u32)((r >> 27) % NUM);
	}
	put_desc(QDESC(a), d, race_addr(i, r >> 40, &len), len, flags,
		 next % NUM);
}

/*
 * One move of queue @i's index, in phases of PHASE_SECONDS: never more
 * than a queue's worth ahead of what the device gave back; up to two
 * queues' worth, so that a device still working through chains it has
 * not given back is offered more than a queue's worth (issue 11: with
 * tiny receive buffers a frame then takes more than 256); jumps.
 */
static void move_index(unsigned int i, u64 r, unsigned short *idx,
		       unsigned int phase)
{
	unsigned short used = r16(QUSED(area(i)) + 2);

	switch (phase) {
	case 0:
		if ((unsigned short)(*idx - used) < NUM)
			(*idx)++;
		break;
	case 1:
		if ((unsigned short)(*idx - used) < 2 * NUM)
			(*idx)++;
		break;
	default:
		*idx = r & 1 ? (unsigned short)(used + (r >> 1) % (NUM + 8)) :
			       (unsigned short)(*idx + 1);
		break;
	}
	w16(QAVAIL(area(i)) + 2, *idx);
}

void payload_secondary(u64 context)
{
	u64 s = 0x9e3779b97f4a7c15UL ^ context;
	unsigned short idx[NR_RACED] = { 0 };
	u32 seen[NR_RACED] = { 0 };
	u64 next_phase = 0;
	unsigned int phase = 2;

	while (!stop_racing) {
		if (!before(next_phase)) {
			phase = (phase + 1) % 3;
			next_phase = deadline(PHASE_SECONDS);
		}
		for (unsigned int i = 0; i < NR_RACED; i++) {
			u64 r = next_random(&s);
			u32 n = chain_len(i);

			/* A queue set up again starts from index 0. */
			if (seen[i] != generation[i]) {
				seen[i] = generation[i];
				idx[i] = 0;
			}
			rewrite_desc(i, r, phase == 1);
			w16(QAVAIL(area(i)) + 4 + 2 * ((r >> 16) % NUM),
			    (unsigned short)((r >> 24) % (NUM / n) * n));
			move_index(i, r >> 32, &idx[i], phase);
		}
		rewrites = rewrites + 1;
		/* As fast as the devices, not so fast that nothing gets done. */
		delay_us(RACE_ROUND_US);
	}
	racer_stopped = 1;
	psci_call(PSCI_CPU_OFF, 0, 0, 0);
}

static u32 ring_features(u64 base)
{
	return F_RING_INDIRECT | F_RING_EVENT_IDX |
	       (base == net ? NET_F_MRG_RXBUF : 0);
}

/* Resets @base and enables its raced queues on clean rings. */
static void set_up(u64 base)
{
	if (!negotiate_with(base, ring_features(base), 1)) {
		fail("FEATURES_OK refused for a valid feature set");
		return;
	}
	for (unsigned int i = 0; i < NR_RACED; i++) {
		if (*raced[i].base != base)
			continue;
		clear(area(i), DATA);
		lay_out(i);
		generation[i] = generation[i] + 1;
		enable_queue(base, raced[i].q, NUM, area(i));
	}
	w32(base, REG_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
}

/* Chains of queue @i the device gave back since the last look. */
static u64 used_since(unsigned int i, unsigned short *last)
{
	unsigned short now = r16(QUSED(area(i)) + 2);
	unsigned short n = (unsigned short)(now - *last);

	*last = now;
	return n;
}

/* vcpu 0's part of the race: notify, and set up what the race broke. */
static void notify_while_racing(void)
{
	u64 notifies = 0, resets = 0, used[NR_RACED] = { 0 };
	unsigned short last[NR_RACED] = { 0 };
	const u64 devs[] = { net, blk, p9 };

	for (u64 end = deadline(RACE_SECONDS); before(end);) {
		for (unsigned int i = 0; i < NR_RACED; i++)
			used[i] += used_since(i, &last[i]);
		for (unsigned int d = 0; d < 3; d++) {
			if (!(r32(devs[d], REG_STATUS) & S_NEEDS_RESET))
				continue;
			set_up(devs[d]);
			resets++;
			for (unsigned int i = 0; i < NR_RACED; i++)
				last[i] = r16(QUSED(area(i)) + 2);
		}
		for (unsigned int i = 0; i < NR_RACED; i++)
			kick(*raced[i].base, raced[i].q);
		notifies += NR_RACED;
	}
	stop_racing = 1;
	for (u64 end = deadline(10); before(end) && !racer_stopped;)
		;
	if (!racer_stopped)
		fail("vcpu 1 did not stop racing");
	if (!rewrites)
		fail("vcpu 1 never raced");
	puts("race: ");
	put_dec(rewrites);
	puts(" rounds of rewrites, ");
	put_dec(notifies);
	puts(" notifications, ");
	put_dec(resets);
	puts(" resets\nrace: chains used (net rx, net tx, blk, 9p):");
	for (unsigned int i = 0; i < NR_RACED; i++) {
		putc(' ');
		put_dec(used[i]);
	}
	putc('\n');
}

/* Offers the chain at descriptor 0 of queue @i and waits for it. */
static int one_request(unsigned int i)
{
	u64 a = area(i);

	w16(QAVAIL(a) + 4, 0);
	barrier();
	w16(QAVAIL(a) + 2, 1);
	kick(*raced[i].base, raced[i].q);
	return wait_used_at(QUSED(a), 1);
}

static void check_net(void)
{
	u64 buf = area(NET_TX) + DATA;
	static const u8 frame[12 + 14] = {
		[12] = 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x02, 0x15, 0x15, 0x15, 0x15, 0x15, 0x88, 0xb5,
	};

	set_up(net);
	clear(buf, 0x100);
	put_bytes(buf, frame, sizeof(frame));
	put_desc(QDESC(area(NET_TX)), 0, buf, 12 + 60, 0, 0);
	if (one_request(NET_TX))
		puts("race: net works after the race\n");
	else
		fail("a good frame after the race");
}

static void check_blk(void)
{
	u64 a = area(BLK), buf = a + DATA;

	set_up(blk);
	w64(buf, 8);		/* VIRTIO_BLK_T_GET_ID */
	w64(buf + 8, 0);
	*(volatile u8 *)(buf + 0x100) = 0xee;
	put_desc(QDESC(a), 0, buf, 16, F_NEXT, 1);
	put_desc(QDESC(a), 1, buf + 0x40, 20, F_WRITE | F_NEXT, 2);
	put_desc(QDESC(a), 2, buf + 0x100, 1, F_WRITE, 0);
	if (one_request(BLK) && *(volatile u8 *)(buf + 0x100) == 0)
		puts("race: blk works after the race\n");
	else
		fail("GET_ID after the race");
}

static void check_9p(void)
{
	u64 a = area(P9), req = a + DATA, resp = req + 0x100;

	set_up(p9);
	put_bytes(req, tversion, sizeof(tversion));
	*(volatile u8 *)(resp + 4) = 0;
	put_desc(QDESC(a), 0, req, sizeof(tversion), F_NEXT, 1);
	put_desc(QDESC(a), 1, resp, 0x100, F_WRITE, 0);
	if (one_request(P9) && *(volatile u8 *)(resp + 4) == 101)
		puts("race: 9p works after the race\n");
	else
		fail("Tversion after the race");
}

void payload_main(u64 dtb)
{
	(void)dtb;
	vdrv_prefix = "race: ";
	net = find_device(ID_NET);
	blk = find_device(ID_BLK);
	p9 = find_device(ID_9P);
	if (!net || !blk || !p9) {
		fail("expected a virtio-net, a virtio-blk and a virtio-9p");
		return;
	}
	set_up(net);
	set_up(blk);
	set_up(p9);
	/* Said before the race: lkvm's warnings interleave with it after. */
	puts("race: vcpu 1 races the rings\n");
	if (psci_call(PSCI_CPU_ON, 1, (u64)secondary_entry, 1)) {
		fail("vcpu 1 did not start (run with -c 2)");
		return;
	}
	notify_while_racing();
	check_net();
	check_blk();
	check_9p();
	puts(vdrv_failures ? "race: finished with failures\n" : "race: done\n");
}

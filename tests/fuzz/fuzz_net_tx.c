/*
 * virtio-net's transmit side as virtio/net.c drives it: chains from the
 * walker, each copied out by net_tx_copy() and given back, with a racing
 * guest (fuzz_race.h) that changes RAM between any two reads the device
 * makes, the frame's own bytes included while they are copied.
 *
 * Input: u8 flags (bit 0 VIRTIO_NET_F_CSUM, 1 HOST_TSO4, 2 HOST_TSO6, 3
 * EVENT_IDX, 4 INDIRECT_DESC), u8 log2 of the queue size, the race
 * script (u16 length, then the ops), then guest RAM (at least 64 KiB)
 * with the rings from offset 0 (fuzz_rings()).
 *
 * Checked beyond ASan (the frame buffer is a heap block of exactly
 * header + NET_FRAME_MAX bytes): an accepted frame is as long as the
 * chain's readable part says, within Ethernet's bounds, and the copy the
 * backend would get passes the header checks: what was checked is what
 * is sent, whatever the guest changed meanwhile.
 */
#include "fuzz.h"
#include "fuzz_race.h"

#include <lkvm/virtio.h>
#include <lkvm/virtio_net.h>

static uint8_t *txbuf;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_ERROR);
	txbuf = malloc(NET_HDR_SIZE + NET_FRAME_MAX);
	if (!txbuf)
		abort();
	return 0;
}

static void check_frame(int len, const struct virtq_chain *c,
			const struct net_offloads *ok)
{
	struct net_hdr h;

	if (len < 0)
		return;
	if (len < (int)NET_ETH_HLEN || len > (int)NET_FRAME_MAX ||
	    (uint32_t)len + NET_HDR_SIZE != c->out_len)
		fuzz_fail("an accepted frame of a length it may not have");
	net_hdr_decode(txbuf, &h);
	if ((h.flags & VIRTIO_NET_HDR_F_DATA_VALID) ||
	    net_hdr_check(&h, ok, (size_t)len))
		fuzz_fail("the frame to send has a header that fails the checks");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	uint8_t flags = (uint8_t)fuzz_take(&in, 1);
	uint32_t num = 1U << (fuzz_take(&in, 1) % 9);
	struct fuzz_rings rings = fuzz_rings(0, num);
	struct fuzz_input script = race_script(&in);
	uint64_t features = (flags & 1 ? BIT_ULL(VIRTIO_NET_F_CSUM) : 0) |
			    (flags & 2 ? BIT_ULL(VIRTIO_NET_F_HOST_TSO4) : 0) |
			    (flags & 4 ? BIT_ULL(VIRTIO_NET_F_HOST_TSO6) : 0);
	struct net_offloads ok = net_tx_offloads(features);
	static struct virtq_chain chain;
	static struct race race;
	struct guest_mem mem;
	struct virtq vq;
	const char *why;
	uint8_t *ram;

	ram = fuzz_ram(&in, &mem, 0x10000);
	race_attach(&race, &mem, script);
	if (virtq_init(&vq, &mem, num, rings.desc, rings.avail, rings.used,
		       flags & 8, flags & 16, &why))
		goto out;
	/* net_tx()'s loop: a batch, then notifications back on. */
	virtq_disable_notify(&vq);
	for (unsigned int i = 0; i < 2 * VIRTQ_MAX_SIZE; i++) {
		const char *bad;
		int len, r = virtq_pop(&vq, &chain, &why);

		if (r < 0)
			break;	/* the device would need a reset */
		if (!r) {
			if (!virtq_enable_notify(&vq))
				break;
			continue;
		}
		len = net_tx_copy(&chain, txbuf, &ok, &bad);
		check_frame(len, &chain, &ok);
		virtq_push(&vq, chain.head, 0);
	}
	virtq_should_interrupt(&vq);
out:
	free(ram);
	return 0;
}

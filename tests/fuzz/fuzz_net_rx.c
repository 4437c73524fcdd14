/*
 * virtio-net's receive side, net_rx_put(), as virtio/net.c drives it:
 * frames from the backend placed into the guest's receive queue, with
 * mergeable buffers or without, and a racing guest (fuzz_race.h) that
 * changes RAM between any two reads the device makes: it moves
 * avail->idx while a frame is being placed, rewrites descriptors, or
 * posts buffers that alias the rings.
 *
 * Input: u8 flags (bit 0 VIRTIO_NET_F_MRG_RXBUF, 1 EVENT_IDX, 2
 * INDIRECT_DESC), u8 log2 of the queue size, u8 frames - 1 (up to 4),
 * each frame as u16 length and u8 n, n bytes repeated to that length;
 * the race script (u16 length, then the ops); then guest RAM (at least
 * 64 KiB) with the rings from offset 0 (fuzz_rings()).
 *
 * Checked beyond ASan (the scratch arrays are a heap block of their own,
 * so a write past them is caught): a delivered frame takes 1 to
 * queue-size chains (one without mergeable buffers) whose used lengths
 * add up to header + frame; a frame not delivered consumes nothing.
 */
#include "fuzz.h"
#include "fuzz_race.h"

#include <lkvm/virtio_net.h>

#include <errno.h>

#define MAX_FRAMES 4U

static struct net_rx_scratch *scratch;
static uint8_t frames[MAX_FRAMES][NET_FRAME_MAX];
static size_t frame_len[MAX_FRAMES];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_ERROR);
	scratch = malloc(sizeof(*scratch));
	if (!scratch)
		abort();
	return 0;
}

static void take_frame(struct fuzz_input *in, unsigned int i)
{
	size_t len = (size_t)fuzz_take(in, 2) % (NET_FRAME_MAX + 1);
	size_t n = (size_t)fuzz_take(in, 1);
	uint8_t pattern[256];

	n = MIN(n, in->len);
	memcpy(pattern, in->data, n);
	in->data += n;
	in->len -= n;
	for (size_t at = 0; at < len; at++)
		frames[i][at] = n ? pattern[at % n] : 0;
	frame_len[i] = len;
}

static uint32_t used_len(const struct virtq *vq, uint16_t at)
{
	uint32_t v;

	memcpy(&v, vq->used + 4 + 8U * (at & (vq->num - 1U)) + 4, 4);
	return le32toh(v);
}

/* What net_rx_put() returned is consistent with what it pushed. */
static void check_put(int r, const struct virtq *vq, uint16_t used_before,
		      uint16_t avail_before, bool mergeable, size_t len)
{
	uint16_t n = (uint16_t)(vq->used_idx - used_before);
	uint64_t sum = 0;

	if (r != 1) {
		if (r != 0 && r != -EMSGSIZE && r != -EINVAL)
			fuzz_fail("net_rx_put() returned what it may not");
		if (r != -EINVAL &&
		    (n || vq->last_avail != avail_before))
			fuzz_fail("a frame not delivered consumed buffers");
		return;
	}
	if (n > vq->num)
		fuzz_fail("a frame took more chains than the queue holds");
	if (!n || (!mergeable && n != 1))
		fuzz_fail("a frame in no chain, or in several without mergeable buffers");
	if ((uint16_t)(vq->last_avail - avail_before) != n)
		fuzz_fail("a frame took other chains than it gave back");
	for (uint16_t i = 0; i < n; i++) {
		uint32_t l = used_len(vq, (uint16_t)(used_before + i));

		if (!l)
			fuzz_fail("a chain given back empty");
		sum += l;
	}
	if (sum != NET_HDR_SIZE + len)
		fuzz_fail("the used lengths do not add up to header + frame");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	uint8_t flags = (uint8_t)fuzz_take(&in, 1);
	uint32_t num = 1U << (fuzz_take(&in, 1) % 9);
	unsigned int nr_frames = 1 + (unsigned int)fuzz_take(&in, 1) % MAX_FRAMES;
	bool mergeable = flags & 1;
	struct fuzz_rings rings = fuzz_rings(0, num);
	struct fuzz_input script;
	struct net_hdr hdr = { 0 };
	static struct race race;
	struct guest_mem mem;
	struct virtq vq;
	const char *why;
	uint8_t *ram;

	for (unsigned int i = 0; i < nr_frames; i++)
		take_frame(&in, i);
	script = race_script(&in);
	ram = fuzz_ram(&in, &mem, 0x10000);
	race_attach(&race, &mem, script);
	if (virtq_init(&vq, &mem, num, rings.desc, rings.avail, rings.used,
		       flags & 2, flags & 4, &why))
		goto out;
	virtq_disable_notify(&vq);
	for (unsigned int i = 0; i < nr_frames; i++) {
		int r;

		/* As net_rx(): buffers that came as it asked to hear of them. */
		for (unsigned int tries = 0; tries < 4; tries++) {
			uint16_t used_before = vq.used_idx;
			uint16_t avail_before = vq.last_avail;

			r = net_rx_put(&vq, scratch, mergeable, &hdr, frames[i],
				       frame_len[i], &why);
			check_put(r, &vq, used_before, avail_before, mergeable,
				  frame_len[i]);
			if (r || !virtq_enable_notify(&vq))
				break;
		}
		if (r == -EINVAL)
			break;	/* the device would need a reset */
		virtq_should_interrupt(&vq);
	}
out:
	free(ram);
	return 0;
}

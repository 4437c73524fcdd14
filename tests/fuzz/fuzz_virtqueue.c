/*
 * The split-virtqueue walker against guest RAM and ring addresses the
 * fuzzer chooses, with a racing guest (fuzz_race.h) that changes RAM
 * between any two reads the walker makes.
 *
 * Input: u16 queue size, u24 desc, avail and used offsets in RAM, u8
 * flags (bit 0 EVENT_IDX, bit 1 INDIRECT_DESC, bit 2 enable
 * notifications between pops), the race script (u16 length, then the
 * ops), then guest RAM.
 *
 * Checked beyond ASan: every chain lies in guest RAM and adds up to the
 * lengths it claims, holds at most queue-size buffers, and cost at most
 * queue-size + 5 reads of guest RAM however the guest raced (a walk
 * visits at most queue-size descriptors: no loop bounded by the guest);
 * its readable part copies out whole (up to 1 MiB).
 */
#include "fuzz.h"
#include "fuzz_race.h"

#include <lkvm/virtqueue.h>

FUZZ_LOG_ERRORS_ONLY()

static uint8_t copy[1U << 20];

static void check_chain(const struct virtq_chain *c, const struct virtq *vq,
			const uint8_t *ram, size_t size)
{
	uint32_t out = 0, in = 0;

	if (c->nr_out + c->nr_in > vq->num || c->head >= vq->num)
		fuzz_fail("more buffers than the queue size, or a head out of range");
	for (unsigned int j = 0; j < c->nr_out + c->nr_in; j++) {
		uintptr_t p = (uintptr_t)c->iov[j].iov_base;
		size_t len = c->iov[j].iov_len;

		if (!len || p < (uintptr_t)ram || p - (uintptr_t)ram > size ||
		    len > size - (p - (uintptr_t)ram))
			fuzz_fail("a buffer empty or not in guest RAM");
		*(j < c->nr_out ? &out : &in) += (uint32_t)len;
	}
	if (out != c->out_len || in != c->in_len)
		fuzz_fail("the chain's lengths are not the sums of its buffers");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	uint32_t num = (uint32_t)fuzz_take(&in, 2);
	uint64_t desc = FUZZ_RAM_BASE + fuzz_take(&in, 3);
	uint64_t avail = FUZZ_RAM_BASE + fuzz_take(&in, 3);
	uint64_t used = FUZZ_RAM_BASE + fuzz_take(&in, 3);
	uint8_t flags = (uint8_t)fuzz_take(&in, 1);
	struct fuzz_input script = race_script(&in);
	struct guest_mem mem;
	uint8_t *ram = fuzz_ram(&in, &mem, 4096);
	static struct virtq_chain chain;
	static struct race race;
	struct virtq vq;
	const char *why;

	race_attach(&race, &mem, script);
	if (virtq_init(&vq, &mem, num, desc, avail, used, flags & 1,
		       flags & 2, &why))
		goto out;
	/* More pops than the queue holds: the walker must stop by itself. */
	for (unsigned int i = 0; i < 2 * VIRTQ_MAX_SIZE + 2; i++) {
		unsigned long reads = race.reads;
		uint32_t written = 0;
		size_t want;
		int ret = virtq_pop(&vq, &chain, &why);

		if (race.reads - reads > vq.num + 5UL)
			fuzz_fail("a pop read more than queue size + 5 times");
		if (ret <= 0)
			break;
		check_chain(&chain, &vq, ram, (size_t)mem.size);
		want = MIN(sizeof(copy), (size_t)chain.out_len);
		if (virtq_copy_from_out(&chain, 0, copy, want) != want)
			fuzz_fail("the readable part does not copy out whole");
		for (unsigned int j = chain.nr_out;
		     j < chain.nr_out + chain.nr_in; j++) {
			memset(chain.iov[j].iov_base, 0xa5, chain.iov[j].iov_len);
			written += (uint32_t)chain.iov[j].iov_len;
		}
		virtq_push(&vq, chain.head, written);
		virtq_should_interrupt(&vq);
		if (flags & 4)
			virtq_enable_notify(&vq);
		else
			virtq_disable_notify(&vq);
	}
out:
	free(ram);
	return 0;
}

/*
 * The split-virtqueue walker against guest RAM and ring addresses the
 * fuzzer chooses: every chain it hands out must lie in guest RAM (ASan
 * checks each buffer), and it must never loop or overrun.
 */
#include "fuzz.h"
#include "fuzz_ram.h"

#include <lkvm/virtqueue.h>

FUZZ_LOG_ERRORS_ONLY()

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	uint32_t num = (uint32_t)fuzz_take(&in, 2);
	uint64_t desc = FUZZ_RAM_BASE + fuzz_take(&in, 3);
	uint64_t avail = FUZZ_RAM_BASE + fuzz_take(&in, 3);
	uint64_t used = FUZZ_RAM_BASE + fuzz_take(&in, 3);
	uint8_t flags = (uint8_t)fuzz_take(&in, 1);
	struct guest_mem mem;
	uint8_t *ram = fuzz_ram(&in, &mem, 4096);
	static struct virtq_chain chain;
	struct virtq vq;
	const char *why;

	if (virtq_init(&vq, &mem, num, desc, avail, used, flags & 1,
		       flags & 2, &why))
		goto out;
	/* More pops than the queue holds: the walker must stop by itself. */
	for (unsigned int i = 0; i < 2 * VIRTQ_MAX_SIZE + 2; i++) {
		uint32_t written = 0;
		int ret = virtq_pop(&vq, &chain, &why);

		if (ret <= 0)
			break;
		for (unsigned int j = 0; j < chain.nr_out + chain.nr_in; j++) {
			volatile uint8_t *p = chain.iov[j].iov_base;
			size_t len = chain.iov[j].iov_len;

			if (j < chain.nr_out) {
				/* Read every byte of a readable buffer. */
				for (size_t k = 0; k < len; k++)
					(void)p[k];
			} else {
				memset((void *)p, 0xa5, len);
				written += (uint32_t)len;
			}
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

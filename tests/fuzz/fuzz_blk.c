/*
 * The whole virtio-blk request path: a chain from the virtqueue walker,
 * blk_req_parse(), then blk_req_execute() against a scratch in-memory
 * disk, with a racing guest (fuzz_race.h) that changes RAM between any
 * two reads the device makes. Nothing may touch memory outside guest RAM
 * or the disk outside its capacity, and the length the device reports
 * written never exceeds the chain's writable room.
 *
 * Input: u8 log2 of the queue size, u8 flags (bit 0 read-only, 1
 * discard, 2 write zeroes, 3 EVENT_IDX, 4 INDIRECT_DESC), u8 seg_max - 1,
 * u16 (size_max - 512) / 16, u8 max_discard_sectors - 1, the race script
 * (u16 length, then the ops), then guest RAM with the descriptor table
 * at offset 0, the avail ring at 0x1000 and the used ring at 0x2000.
 */
#include "fuzz.h"
#include "fuzz_race.h"

#include <lkvm/virtio_blk.h>

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#define DISK_SECTORS 64ULL

static int disk_fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_ERROR);
	disk_fd = memfd_create("fuzz-disk", 0);
	if (disk_fd < 0 || ftruncate(disk_fd, DISK_SECTORS * BLK_SECTOR_SIZE))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	uint32_t num = 1U << (fuzz_take(&in, 1) % 9);
	uint8_t flags = (uint8_t)fuzz_take(&in, 1);
	struct blk_limits lim = {
		.capacity = DISK_SECTORS,
		.seg_max = 1 + (uint32_t)fuzz_take(&in, 1),
		.size_max = 512 + (uint32_t)fuzz_take(&in, 2) * 16,
		.ro = flags & 1,
		.discard = flags & 2,
		.write_zeroes = flags & 4,
		.max_discard_sectors = 1 + (uint32_t)fuzz_take(&in, 1),
		.max_write_zeroes_sectors = 1 + (uint32_t)fuzz_take(&in, 1),
		.max_write_zeroes_seg = 1 + (uint32_t)fuzz_take(&in, 1) % 32,
	};
	static const char serial[VIRTIO_BLK_ID_BYTES] = "fuzz-serial";
	struct log_ratelimit rl = { 0 };
	struct blk_backend backend = {
		.fd = disk_fd, .ro = lim.ro, .serial = serial,
		.name = "fuzz", .path = "memfd", .io_rl = &rl,
	};
	struct fuzz_input script = race_script(&in);
	struct guest_mem mem;
	uint8_t *ram;
	static struct virtq_chain chain;
	static struct blk_req req;
	static struct race race;
	struct virtq vq;
	const char *why;

	/* Rings at fixed places; descriptors and data are the fuzzer's. */
	ram = fuzz_ram(&in, &mem, 0x4000);
	race_attach(&race, &mem, script);
	if (virtq_init(&vq, &mem, num, FUZZ_RAM_BASE, FUZZ_RAM_BASE + 0x1000,
		       FUZZ_RAM_BASE + 0x2000, flags & 8, flags & 16, &why))
		goto out;
	for (unsigned int i = 0; i < 2 * VIRTQ_MAX_SIZE; i++) {
		uint32_t id_len = 0, written;

		if (virtq_pop(&vq, &chain, &why) <= 0)
			break;
		if (blk_req_parse(&chain, &lim, &req, &why))
			break;	/* the device would go to NEEDS_RESET */
		if (req.status == VIRTIO_BLK_S_OK)
			req.status = blk_req_execute(&backend, &req, &id_len);
		*req.status_byte = req.status;
		written = blk_req_written(&req, id_len);
		if (written > chain.in_len)
			fuzz_fail("more written than the chain's writable room");
		virtq_push(&vq, chain.head, written);
	}
out:
	free(ram);
	return 0;
}

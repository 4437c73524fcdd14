/*
 * The sandbox channel (sandbox/channel.c over virtio/ports.c), the
 * virtio-console with named ports that `lkvm sandbox` reads the
 * command's output and status from, driven as virtio/mmio.c's I/O
 * thread drives it: the guest's driver negotiates and enables all ten
 * queues through the register window, then kicks queues in the order
 * the input says, while a racing guest (fuzz_race.h) changes RAM
 * between any two reads the device makes.
 *
 * Input: u8 flags (bit 0 EVENT_IDX, 1 INDIRECT_DESC, 2 lkvm has a
 * standard input, 3 the kicks are the guest's QueueNotify writes, whose
 * queue's work the write does, as on lkvm sandbox's vcpu threads), u8
 * log2 of the queue size (every queue), u8 n and n bytes of standard
 * input (when bit 2 is set), u8 k and k kicks (each a queue number %
 * 11, 10 the stdin reader's wake-up; with bit 3 a byte that is not a
 * wake-up is the value written, queue or not), the race script
 * (u16 length, then the ops), then guest RAM (at least 128 KiB) with
 * the ten queues' rings back to back from offset 0 (fuzz_rings()).
 *
 * The standard input is a file the device's reader thread has read to
 * its end before the first kick, so every run is the same. Checked
 * beyond ASan: the status the device reports is one the protocol allows
 * and its message a terminated string; the device stops the VM only
 * once the status came, or when its output went away (never here).
 */
#include "fuzz.h"
#include "fuzz_race.h"

#include <lkvm/sandbox.h>
#include <lkvm/virtio.h>
#include <lkvm/vm.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#define NR_QUEUES 10U
#define WAKE 10U
#define MULTIPORT 1

static int null_fd, in_fd;
/* The device looks at the VM's configuration (seccomp stays off). */
static struct vm_config cfg;
static struct vm vm = { .cfg = &cfg };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_ERROR);
	null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	in_fd = memfd_create("fuzz-stdin", MFD_CLOEXEC);
	vm.stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (null_fd < 0 || in_fd < 0 || vm.stop_efd < 0)
		abort();
	return 0;
}

static void reg_write(struct virtio_dev *vd, uint64_t off, uint32_t v)
{
	virtio_mmio_access(vd, off, (uint8_t *)&v, 4, true);
}

static uint32_t reg_read(struct virtio_dev *vd, uint64_t off)
{
	uint32_t v = 0;

	virtio_mmio_access(vd, off, (uint8_t *)&v, 4, false);
	return v;
}

/* What Linux's virtio_console does at probe; false if refused. */
static bool bring_up(struct virtio_dev *vd, uint8_t flags, uint32_t num)
{
	uint64_t f = BIT_ULL(VIRTIO_F_VERSION_1) | BIT_ULL(MULTIPORT) |
		     (flags & 1 ? BIT_ULL(VIRTIO_RING_F_EVENT_IDX) : 0) |
		     (flags & 2 ? BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC) : 0);
	size_t at = 0;

	reg_write(vd, VIRTIO_MMIO_STATUS, 3);
	reg_write(vd, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	reg_write(vd, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
	reg_write(vd, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	reg_write(vd, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
	reg_write(vd, VIRTIO_MMIO_STATUS, 0x0b);
	for (unsigned int q = 0; q < NR_QUEUES; q++) {
		struct fuzz_rings r = fuzz_rings(at, num);

		at = r.end;
		reg_write(vd, VIRTIO_MMIO_QUEUE_SEL, q);
		reg_write(vd, VIRTIO_MMIO_QUEUE_NUM, num);
		reg_write(vd, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)r.desc);
		reg_write(vd, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(r.desc >> 32));
		reg_write(vd, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)r.avail);
		reg_write(vd, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(r.avail >> 32));
		reg_write(vd, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)r.used);
		reg_write(vd, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(r.used >> 32));
		reg_write(vd, VIRTIO_MMIO_QUEUE_READY, 1);
	}
	reg_write(vd, VIRTIO_MMIO_STATUS, 0x0f);
	return reg_read(vd, VIRTIO_MMIO_STATUS) == 0x0f;
}

/* Until the reader has read the whole file and said so, @wakes times. */
static void wait_for_reader(struct virtio_dev *vd, unsigned int wakes)
{
	uint64_t seen = 0, v;
	struct pollfd p = { vd->wake_efd, POLLIN, 0 };

	while (seen < wakes) {
		if (poll(&p, 1, -1) < 0)
			continue;
		if (read(vd->wake_efd, &v, sizeof(v)) == sizeof(v))
			seen += v;
	}
}

/* As the I/O thread: only a live device, only a queue that is ready. */
static void kick(struct virtio_dev *vd, unsigned int q)
{
	unsigned int s;

	pthread_mutex_lock(&vd->queue_lock);
	s = atomic_load(&vd->status);
	if ((s & VIRTIO_STATUS_DRIVER_OK) &&
	    !(s & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED))) {
		if (q == WAKE)
			vd->vops->wake(vd);
		else if (vd->queues[q].ready)
			vd->vops->queue_notify(vd, q);
	}
	pthread_mutex_unlock(&vd->queue_lock);
}

static void check_result(const struct sandbox_result *r)
{
	uint64_t stops = 0;

	if (read(vm.stop_efd, &stops, sizeof(stops)) < 0)
		stops = 0;
	if (stops && !r->reported)
		fuzz_fail("the VM stopped without a status");
	if (!r->reported)
		return;
	if (r->init_error ? r->status != SANDBOX_EXIT_SETUP ||
				    !memchr(r->message, 0, sizeof(r->message)) :
			    r->status < 0 || r->status > 255)
		fuzz_fail("a status the protocol does not allow");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	uint8_t flags = (uint8_t)fuzz_take(&in, 1);
	uint32_t num = 1U << (fuzz_take(&in, 1) % 9);
	size_t in_len = flags & 4 ? (size_t)fuzz_take(&in, 1) : 0;
	const uint8_t *input = in.data;
	size_t nr_kicks;
	const uint8_t *kicks;
	struct fuzz_input script;
	struct sandbox_result result = { 0 };
	static struct race race;
	struct virtio_dev *vd;
	struct guest_mem mem;
	uint8_t *ram;

	in_len = MIN(in_len, in.len);
	in.data += in_len;
	in.len -= in_len;
	nr_kicks = (size_t)fuzz_take(&in, 1);
	nr_kicks = MIN(nr_kicks, in.len);
	kicks = in.data;
	in.data += nr_kicks;
	in.len -= nr_kicks;
	script = race_script(&in);
	ram = fuzz_ram(&in, &mem, 0x20000);
	race_attach(&race, &mem, script);
	if (ftruncate(in_fd, 0) || pwrite(in_fd, input, in_len, 0) != (ssize_t)in_len ||
	    lseek(in_fd, 0, SEEK_SET))
		abort();
	atomic_store(&vm.stopping, false);
	if (sandbox_channel_setup(&vd, &mem, &result, flags & 4 ? in_fd : -1,
				  null_fd, null_fd))
		abort();
	vd->dev.vm = &vm;
	if (!bring_up(vd, flags, num))
		goto out;
	if (flags & 4) {
		if (vd->vops->start(vd))
			abort();
		/* One read of the data, one of its end. */
		wait_for_reader(vd, in_len ? 2 : 1);
	}
	vd->notify_on_vcpu = flags & 8;
	for (size_t i = 0; i < nr_kicks; i++) {
		if (vd->notify_on_vcpu && kicks[i] % (NR_QUEUES + 1) != WAKE)
			reg_write(vd, VIRTIO_MMIO_QUEUE_NOTIFY, kicks[i]);
		else
			kick(vd, kicks[i] % (NR_QUEUES + 1));
		check_result(&result);
	}
out:
	vd->vops->stop(vd);
	virtio_dev_teardown(vd);
	vd->vops->destroy(vd);
	free(ram);
	return 0;
}

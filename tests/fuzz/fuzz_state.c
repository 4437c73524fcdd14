/*
 * State records as a restore reads them from a snapshot file: the record
 * reader itself, and every device's loader (UART, RTC, the virtio-mmio
 * transport with the console ports nested inside, a 9P session on a
 * real temporary share). The first input byte picks the loader; a loader
 * that accepts a record must save it back to a record it accepts again.
 */
#include "fuzz.h"
#include "fuzz_ram.h"

#include <lkvm/p9.h>
#include <lkvm/pl031.h>
#include <lkvm/sandbox.h>
#include <lkvm/state.h>
#include <lkvm/uart8250.h>
#include <lkvm/virtio.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define RAM_SIZE (1U << 16)

static char share[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[128];
	int fd;

	(void)argc;
	(void)argv;
	log_set_level(LOG_ERROR);
	snprintf(share, sizeof(share), "/tmp/lkvm-fuzz-state-XXXXXX");
	if (!mkdtemp(share))
		abort();
	/* Names a record may name: a file and a directory. */
	snprintf(path, sizeof(path), "%s/f", share);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	if (fd < 0)
		abort();
	close(fd);
	snprintf(path, sizeof(path), "%s/d", share);
	mkdir(path, 0755);
	return 0;
}

static void nop_out(void *opaque, uint8_t byte)
{
	(void)opaque;
	(void)byte;
}

static void nop_irq(void *opaque, int level)
{
	(void)opaque;
	(void)level;
}

static int64_t fixed_now(void *opaque)
{
	(void)opaque;
	return 1764600000;
}

static void nop_timer(void *opaque, int64_t when)
{
	(void)opaque;
	(void)when;
}

static const struct pl031_hooks rtc_hooks = { fixed_now, nop_irq, nop_timer };

/* What a loader accepted, it saves to a record it accepts again. */
#define RELOAD(save, load, obj)                                            \
	do {                                                               \
		struct state_writer w;                                     \
		state_writer_init(&w);                                     \
		save;                                                      \
		if (w.err || load(obj, w.data, w.len, why, sizeof(why)))   \
			abort();                                           \
		state_writer_free(&w);                                     \
	} while (0)

static void fuzz_uart(const uint8_t *data, size_t size, char *why)
{
	struct uart8250 u;

	uart8250_init(&u, nop_out, nop_irq, NULL);
	if (!uart8250_load(&u, data, size, why, 256))
		RELOAD(uart8250_save(&u, &w), uart8250_load, &u);
	uart8250_destroy(&u);
}

static void fuzz_rtc(const uint8_t *data, size_t size, char *why)
{
	struct pl031 rtc;

	pl031_init(&rtc, &rtc_hooks, NULL);
	if (!pl031_load(&rtc, data, size, why, 256))
		RELOAD(pl031_save(&rtc, &w), pl031_load, &rtc);
	pl031_destroy(&rtc);
}

/* The transport, with the sandbox channel's ports as its device. */
static void fuzz_transport(const uint8_t *data, size_t size, char *why)
{
	struct sandbox_result result = { 0 };
	struct virtio_dev *vd = NULL;
	struct guest_mem mem;
	uint8_t *ram = calloc(1, RAM_SIZE);

	if (!ram)
		return;
	guest_mem_wrap(&mem, FUZZ_RAM_BASE, ram, RAM_SIZE);
	if (!sandbox_channel_setup(&vd, &mem, &result, -1, -1, -1) &&
	    !virtio_dev_load(vd, data, size, why, 256))
		RELOAD(virtio_dev_save(vd, &w), virtio_dev_load, vd);
	if (vd) {
		virtio_dev_teardown(vd);
		vd->vops->destroy(vd);
	}
	free(ram);
}

static void fuzz_9p(const uint8_t *data, size_t size, char *why)
{
	struct p9_server s;
	int fd = open(share, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || p9_server_init(&s, fd, false))
		abort();
	if (!p9_server_load(&s, data, size, why, 256))
		RELOAD(p9_server_save(&s, &w), p9_server_load, &s);
	p9_server_fini(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[256];
	struct state_reader r;
	uint64_t v;

	if (!size)
		return 0;
	switch (data[0] % 5) {
	case 0:
		/* Any kind: the reader and its lookups alone. */
		if (!state_open(&r, data + 1, size - 1, "k", 9, why,
				sizeof(why))) {
			state_get_u64(&r, "a", &v);
			state_has(&r, "b");
		}
		break;
	case 1:
		fuzz_uart(data + 1, size - 1, why);
		break;
	case 2:
		fuzz_rtc(data + 1, size - 1, why);
		break;
	case 3:
		fuzz_transport(data + 1, size - 1, why);
		break;
	default:
		fuzz_9p(data + 1, size - 1, why);
		break;
	}
	return 0;
}

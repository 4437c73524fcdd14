#include "harness.h"

#include <lkvm/console.h>
#include <lkvm/fd_io.h>
#include <lkvm/guest_mem.h>
#include <lkvm/mmio.h>

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

static void test_guest_mem_ranges(void)
{
	static uint8_t ram[4096];
	struct guest_mem m;

	guest_mem_wrap(&m, 0x80000000, ram, sizeof(ram));
	CHECK(guest_mem_ptr(&m, 0x80000000, 4096) == ram);
	CHECK(guest_mem_ptr(&m, 0x80000fff, 1) == ram + 4095);
	CHECK(guest_mem_ptr(&m, 0x80001000, 0) == ram + 4096);
	CHECK(guest_mem_ptr(&m, 0x80000fff, 2) == NULL);
	CHECK(guest_mem_ptr(&m, 0x7fffffff, 1) == NULL);
	CHECK(guest_mem_ptr(&m, 0x80001000, 1) == NULL);
	CHECK(guest_mem_ptr(&m, 0, 0x80000001) == NULL);
	/* Wrap-around of gpa + len. */
	CHECK(guest_mem_ptr(&m, 0x80000010, ~0ULL) == NULL);
	CHECK(guest_mem_ptr(&m, ~0ULL, 2) == NULL);
}

struct hits {
	uint64_t offset;
	unsigned int len;
	unsigned int n;
};

static void handler(void *opaque, uint64_t offset, uint8_t *data,
		    unsigned int len, bool is_write)
{
	struct hits *h = opaque;

	h->offset = offset;
	h->len = len;
	h->n++;
	if (!is_write)
		memset(data, 0xab, len);
}

/*
 * Anonymous RAM: 2 MiB-aligned for huge pages, inside the mapping that
 * guest_mem_free() unmaps, and usable from its first byte to its last.
 */
static void test_guest_mem_alloc(void)
{
	uint64_t size = 3 * SZ_1M;
	struct guest_mem m;
	uint8_t *map;

	if (guest_mem_alloc(&m, 0x80000000, size)) {
		CHECK(!"guest_mem_alloc failed");
		return;
	}
	map = m.map_base;
	CHECK_EQ((uintptr_t)m.host % SZ_2M, 0);
	CHECK_EQ(m.size, size);
	CHECK(map && m.host >= map);
	CHECK((size_t)(m.host - map) + size <= m.map_len);
	CHECK(guest_mem_ptr(&m, 0x80000000, size) == m.host);
	m.host[0] = 1;
	m.host[size - 1] = 2;
	CHECK_EQ(m.host[0] + m.host[size - 1] + m.host[size / 2], 3);
	guest_mem_free(&m);
	CHECK(m.map_base == NULL && m.host == NULL);
}

static void test_mmio_bus(void)
{
	struct mmio_bus bus = { 0 };
	struct hits a = { 0 }, b = { 0 };
	uint8_t data[8];

	CHECK_EQ(mmio_bus_register(&bus, 0x2000, 0x100, handler, &b, "b"), 0);
	CHECK_EQ(mmio_bus_register(&bus, 0x1000, 0x100, handler, &a, "a"), 0);
	CHECK(mmio_bus_register(&bus, 0x10ff, 2, handler, &a, "x") < 0);
	CHECK(mmio_bus_register(&bus, 0x1f00, 0x101, handler, &a, "x") < 0);
	CHECK(mmio_bus_register(&bus, ~0ULL, 2, handler, &a, "x") < 0);
	CHECK(mmio_bus_register(&bus, 0x5000, 0, handler, &a, "x") < 0);

	CHECK(mmio_bus_access(&bus, 0x1004, data, 4, false));
	CHECK_EQ(a.offset, 4);
	CHECK_EQ(a.len, 4);
	CHECK_EQ(data[0], 0xab);
	CHECK(mmio_bus_access(&bus, 0x20f8, data, 8, true));
	CHECK_EQ(b.offset, 0xf8);
	/* Straddling the end of a region: nobody claims it. */
	CHECK(!mmio_bus_access(&bus, 0x20fc, data, 8, false));
	CHECK_EQ(data[0], 0);
	CHECK(!mmio_bus_access(&bus, 0x3000, data, 4, false));
	CHECK_EQ(data[3], 0);
	CHECK(!mmio_bus_access(&bus, 0xfff, data, 2, true));
	CHECK_EQ(a.n, 1);
	CHECK_EQ(b.n, 1);
	mmio_bus_free(&bus);
}

struct typed {
	char buf[64];
	unsigned int n;
};

static void input(void *opaque, const uint8_t *buf, size_t len)
{
	struct typed *t = opaque;

	for (size_t i = 0; i < len && t->n < sizeof(t->buf) - 1; i++)
		t->buf[t->n++] = (char)buf[i];
}

static void test_console_escape(void)
{
	struct console con;
	struct typed t = { 0 };

	console_init_fds(&con, -1, -1);
	con.input = input;
	con.input_opaque = &t;
	CHECK_EQ(console_feed(&con, (const uint8_t *)"ls\r", 3), CONSOLE_NONE);
	CHECK_STR(t.buf, "ls\r");
	/* Ctrl-A Ctrl-A sends one Ctrl-A; Ctrl-A y sends both. */
	CHECK_EQ(console_feed(&con, (const uint8_t *)"\001\001\001y", 4),
		 CONSOLE_NONE);
	CHECK_STR(t.buf, "ls\r\001\001y");
	/* The escape split across two reads still quits. */
	CHECK_EQ(console_feed(&con, (const uint8_t *)"z\001", 2), CONSOLE_NONE);
	CHECK_EQ(console_feed(&con, (const uint8_t *)"x", 1), CONSOLE_QUIT);
	CHECK_STR(t.buf, "ls\r\001\001yz");
}

static unsigned int breaks;

static void on_break(void *opaque)
{
	struct typed *t = opaque;

	breaks++;
	/* The break comes before the key reaches the device. */
	CHECK_EQ(t->n, 0);
}

static void test_console_sysrq(void)
{
	struct console con;
	struct typed t = { 0 };

	console_init_fds(&con, -1, -1);
	con.input = input;
	con.input_opaque = &t;
	/* A console that cannot signal a break cannot do sysrq. */
	CHECK(console_sysrq(&con, 'h') < 0);
	CHECK_EQ(t.n, 0);
	con.input_break = on_break;
	CHECK_EQ(console_sysrq(&con, 'h'), 0);
	CHECK_EQ(breaks, 1);
	CHECK_STR(t.buf, "h");
}

/*
 * A buffer's parts in one write: more parts than one writev() takes,
 * empty ones among them, arrive byte for byte and in order.
 */
static void test_fd_writev_all(void)
{
	static uint8_t src[200 * 97];
	static uint8_t back[sizeof(src)];
	struct iovec iov[200];
	unsigned int nr = 0;
	size_t at = 0, total = 0;
	FILE *f = tmpfile();
	int fd;

	CHECK(f != NULL);
	fd = fileno(f);
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 7 + i / 251);
	for (unsigned int i = 0; i < 200; i++) {
		size_t len = i % 5 == 3 ? 0 : 1 + (i * 13) % 97;

		iov[nr].iov_base = src + at;
		iov[nr++].iov_len = len;
		at += len;
	}
	total = at;
	CHECK_EQ(fd_writev_all(fd, iov, nr), 0);
	CHECK_EQ(fd_writev_all(fd, iov, 0), 0);
	CHECK_EQ(lseek(fd, 0, SEEK_END), (off_t)total);
	CHECK_EQ(pread(fd, back, total, 0), (ssize_t)total);
	CHECK(!memcmp(back, src, total));
	/* The caller's entries are left as they were. */
	CHECK(iov[1].iov_base == src + iov[0].iov_len);
	fclose(f);
	CHECK_EQ(fd_writev_all(-1, iov, nr), -EBADF);
}

static const struct unit_test tests[] = {
	{ "guest-mem-ranges", test_guest_mem_ranges },
	{ "guest-mem-alloc", test_guest_mem_alloc },
	{ "mmio-bus", test_mmio_bus },
	{ "console-escape", test_console_escape },
	{ "console-sysrq", test_console_sysrq },
	{ "fd-writev-all", test_fd_writev_all },
};

UNIT_MAIN(tests)

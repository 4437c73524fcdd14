#include "harness.h"
#include "state_check.h"

#include <lkvm/state.h>
#include <lkvm/uart8250.h>

#include <errno.h>

struct sink {
	char out[256];
	unsigned int nout;
	int level;
	unsigned int irq_changes;
};

static void out(void *opaque, uint8_t byte)
{
	struct sink *s = opaque;

	if (s->nout < sizeof(s->out) - 1)
		s->out[s->nout++] = (char)byte;
}

static void irq(void *opaque, int level)
{
	struct sink *s = opaque;

	s->level = level;
	s->irq_changes++;
}

static uint8_t rd(struct uart8250 *u, unsigned int off)
{
	uint8_t v = 0xee;

	uart8250_mmio(u, off, &v, 1, false);
	return v;
}

static void wr(struct uart8250 *u, unsigned int off, uint8_t v)
{
	uart8250_mmio(u, off, &v, 1, true);
}

static void test_transmit(void)
{
	struct uart8250 u;
	struct sink s = { 0 };

	uart8250_init(&u, out, irq, &s);
	CHECK_EQ(rd(&u, 5) & 0x60, 0x60);	/* THRE | TEMT */
	wr(&u, 0, 'h');
	wr(&u, 0, 'i');
	CHECK_STR(s.out, "hi");
	CHECK_EQ(s.irq_changes, 0);	/* THRI not enabled */
	uart8250_destroy(&u);
}

static void test_thre_interrupt(void)
{
	struct uart8250 u;
	struct sink s = { 0 };

	uart8250_init(&u, out, irq, &s);
	/* Enabling THRI with an empty THR raises it (Linux checks this). */
	wr(&u, 1, 0x02);
	CHECK_EQ(s.level, 1);
	CHECK_EQ(rd(&u, 2) & 0x0f, 0x02);
	/* Reading IIR acknowledged it. */
	CHECK_EQ(s.level, 0);
	CHECK_EQ(rd(&u, 2) & 0x0f, 0x01);
	/* Each write empties the THR again: the interrupt comes back. */
	wr(&u, 0, 'x');
	CHECK_EQ(s.level, 1);
	wr(&u, 1, 0);
	CHECK_EQ(s.level, 0);
	uart8250_destroy(&u);
}

static void test_receive(void)
{
	struct uart8250 u;
	struct sink s = { 0 };
	const uint8_t in[] = "ab";

	uart8250_init(&u, out, irq, &s);
	CHECK_EQ(rd(&u, 5) & 0x01, 0);
	CHECK_EQ(uart8250_receive(&u, in, 2), 2);
	CHECK_EQ(rd(&u, 5) & 0x01, 1);	/* data ready */
	CHECK_EQ(s.level, 0);		/* RDI not enabled */
	wr(&u, 1, 0x01);
	CHECK_EQ(s.level, 1);
	CHECK_EQ(rd(&u, 2) & 0x0f, 0x04);
	CHECK_EQ(rd(&u, 0), 'a');
	CHECK_EQ(s.level, 1);
	CHECK_EQ(rd(&u, 0), 'b');
	CHECK_EQ(s.level, 0);
	CHECK_EQ(rd(&u, 5) & 0x01, 0);
	CHECK_EQ(rd(&u, 0), 0);	/* empty FIFO reads 0 */
	uart8250_destroy(&u);
}

static void test_fifo_limits(void)
{
	struct uart8250 u;
	struct sink s = { 0 };
	uint8_t big[UART8250_RX_FIFO + 10];

	memset(big, 'z', sizeof(big));
	uart8250_init(&u, out, irq, &s);
	CHECK_EQ(uart8250_receive(&u, big, sizeof(big)), UART8250_RX_FIFO);
	CHECK_EQ(uart8250_receive(&u, big, 1), 0);
	wr(&u, 2, 0x03);	/* FIFO enable + clear receiver */
	CHECK_EQ(rd(&u, 5) & 0x01, 0);
	CHECK_EQ(rd(&u, 2) & 0xc0, 0xc0);	/* 16550A: FIFOs enabled */
	uart8250_destroy(&u);
}

static void test_dlab_and_scratch(void)
{
	struct uart8250 u;
	struct sink s = { 0 };

	uart8250_init(&u, out, irq, &s);
	wr(&u, 3, 0x80);	/* DLAB */
	wr(&u, 0, 0x01);
	wr(&u, 1, 0x02);
	CHECK_EQ(rd(&u, 0), 0x01);
	CHECK_EQ(rd(&u, 1), 0x02);
	CHECK_EQ(s.nout, 0);	/* divisor writes are not output */
	wr(&u, 3, 0x03);
	CHECK_EQ(rd(&u, 1), 0);	/* IER untouched */
	wr(&u, 7, 0x5a);
	CHECK_EQ(rd(&u, 7), 0x5a);
	uart8250_destroy(&u);
}

static void test_loopback(void)
{
	struct uart8250 u;
	struct sink s = { 0 };

	uart8250_init(&u, out, irq, &s);
	wr(&u, 4, 0x10);
	wr(&u, 0, 'L');
	CHECK_EQ(s.nout, 0);
	CHECK_EQ(rd(&u, 0), 'L');
	uart8250_destroy(&u);
}

static void test_bad_accesses_ignored(void)
{
	struct uart8250 u;
	struct sink s = { 0 };
	uint8_t v4[4] = { 'q', 'q', 'q', 'q' };
	uint8_t v = 'q';

	uart8250_init(&u, out, irq, &s);
	uart8250_mmio(&u, 0, v4, 4, true);	/* wrong size */
	uart8250_mmio(&u, 8, &v, 1, true);	/* past the registers */
	uart8250_mmio(&u, ~0ULL, &v, 1, true);
	CHECK_EQ(s.nout, 0);
	uart8250_mmio(&u, 5, v4, 4, false);
	CHECK(v4[0] == 0 && v4[3] == 0);
	uart8250_destroy(&u);
}

/* What Linux's 8250 driver does for magic SysRq: break, then the key. */
static void test_break_then_key(void)
{
	struct uart8250 u;
	struct sink s = { 0 };
	const uint8_t key = 'h';

	uart8250_init(&u, out, irq, &s);
	wr(&u, 1, 0x05);	/* RDI | RLSI, as the driver enables them */
	CHECK(uart8250_receive_break(&u));
	CHECK_EQ(uart8250_receive(&u, &key, 1), 1);
	CHECK_EQ(s.level, 1);
	/* Receiver line status outranks received data. */
	CHECK_EQ(rd(&u, 2) & 0x0f, 0x06);
	CHECK_EQ(rd(&u, 5) & 0x11, 0x11);	/* BI | DR */
	CHECK_EQ(rd(&u, 0), 0);			/* the break's NUL */
	/* The key that follows is plain data, without BI. */
	CHECK_EQ(rd(&u, 5) & 0x11, 0x01);
	CHECK_EQ(rd(&u, 2) & 0x0f, 0x04);
	CHECK_EQ(rd(&u, 0), 'h');
	CHECK_EQ(rd(&u, 5) & 0x11, 0);
	CHECK_EQ(s.level, 0);
	uart8250_destroy(&u);
}

static void test_break_fifo_full(void)
{
	struct uart8250 u;
	struct sink s = { 0 };
	uint8_t big[UART8250_RX_FIFO];

	memset(big, 'z', sizeof(big));
	uart8250_init(&u, out, irq, &s);
	CHECK_EQ(uart8250_receive(&u, big, sizeof(big)), UART8250_RX_FIFO);
	CHECK(!uart8250_receive_break(&u));
	CHECK_EQ(rd(&u, 5) & 0x10, 0);
	uart8250_destroy(&u);
}

static int load_uart(void *ctx, const void *rec, size_t len, char *why,
		     size_t why_len)
{
	return uart8250_load(ctx, rec, len, why, why_len);
}

/* Registers and queued input, saved and loaded into a new UART. */
static void test_state_round_trip(void)
{
	struct uart8250 a, b;
	struct sink sa = { 0 }, sb = { 0 };
	struct state_writer wa, wb;
	char why[160];

	uart8250_init(&a, out, irq, &sa);
	wr(&a, 3, 0x80);		/* DLAB: divisor 0x0c01 */
	wr(&a, 0, 0x01);
	wr(&a, 1, 0x0c);
	wr(&a, 3, 0x03);		/* 8N1 */
	wr(&a, 7, 0x5a);
	wr(&a, 2, 0x01);		/* FIFO on */
	wr(&a, 1, 0x01);		/* received-data interrupt */
	CHECK_EQ(uart8250_receive(&a, (const uint8_t *)"ab", 2), 2);
	CHECK(uart8250_receive_break(&a));
	CHECK_EQ(uart8250_receive(&a, (const uint8_t *)"c", 1), 1);
	CHECK_EQ(rd(&a, 0), 'a');	/* the FIFO no longer starts at 0 */
	CHECK_EQ(sa.level, 1);
	state_writer_init(&wa);
	uart8250_save(&a, &wa);
	CHECK_EQ(wa.err, 0);

	uart8250_init(&b, out, irq, &sb);
	CHECK_EQ(uart8250_load(&b, wa.data, wa.len, why, sizeof(why)), 0);
	/* The line follows the loaded registers at once. */
	CHECK_EQ(sb.level, 1);
	state_writer_init(&wb);
	uart8250_save(&b, &wb);
	CHECK(wa.len == wb.len && !memcmp(wa.data, wb.data, wa.len));
	/* And the guest reads on where it was: b, the break's NUL, c. */
	CHECK_EQ(rd(&b, 7), 0x5a);
	CHECK_EQ(rd(&b, 0), 'b');
	CHECK(rd(&b, 5) & 0x10);
	CHECK_EQ(rd(&b, 0), 0);
	CHECK_EQ(rd(&b, 0), 'c');
	CHECK_EQ(rd(&b, 5) & 0x01, 0);

	check_record_refused_when_damaged(wa.data, wa.len, load_uart, &b);
	state_writer_free(&wa);
	state_writer_free(&wb);
	uart8250_destroy(&a);
	uart8250_destroy(&b);
}

/* Well-formed records the UART cannot hold. */
static void test_state_refused(void)
{
	struct uart8250 u;
	struct sink s = { 0 };
	struct state_writer w;
	char why[160];
	uint8_t fifo[UART8250_RX_FIFO + 1] = { 0 };

	uart8250_init(&u, out, irq, &s);
	state_writer_init(&w);
	state_begin(&w, "uart8250", 1);
	state_put_u64(&w, "ier", 0xff);	/* bits IER does not have */
	state_end(&w);
	CHECK_EQ(uart8250_load(&u, w.data, w.len, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "missing") || strstr(why, "bits"));
	state_writer_free(&w);

	state_writer_init(&w);
	state_begin(&w, "uart8250", 1);
	for (const char *const *k = (const char *const[]){ "ier", "iir_fifo",
		"lcr", "mcr", "lsr", "msr", "scr", "dll", "dlm",
		"thr_empty_pending", NULL }; *k; k++)
		state_put_u64(&w, *k, 0);
	state_put_bytes(&w, "rx", fifo, sizeof(fifo));
	state_put_bytes(&w, "rx_break", fifo, sizeof(fifo));
	state_end(&w);
	CHECK_EQ(uart8250_load(&u, w.data, w.len, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "FIFO"));
	state_writer_free(&w);
	uart8250_destroy(&u);
}

static const struct unit_test tests[] = {
	{ "transmit", test_transmit },
	{ "thre-interrupt", test_thre_interrupt },
	{ "receive", test_receive },
	{ "fifo-limits", test_fifo_limits },
	{ "dlab-and-scratch", test_dlab_and_scratch },
	{ "loopback", test_loopback },
	{ "bad-accesses-ignored", test_bad_accesses_ignored },
	{ "break-then-key", test_break_then_key },
	{ "break-fifo-full", test_break_fifo_full },
	{ "state-round-trip", test_state_round_trip },
	{ "state-refused", test_state_refused },
};

UNIT_MAIN(tests)

// SPDX-License-Identifier: GPL-2.0
/*
 * 8250/16550A UART at 0x1000000: ttyS0, the kernel's earlycon and the
 * console kvm-unit-tests writes to.
 */
#include <lkvm/uart8250.h>

#include <lkvm/irq.h>
#include <lkvm/log.h>
#include <lkvm/parse.h>
#include <lkvm/state.h>
#include <lkvm/vm.h>

#include <errno.h>
#include <libfdt.h>
#include <stdlib.h>
#include <string.h>

enum {
	REG_RBR_THR_DLL = 0,
	REG_IER_DLM = 1,
	REG_IIR_FCR = 2,
	REG_LCR = 3,
	REG_MCR = 4,
	REG_LSR = 5,
	REG_MSR = 6,
	REG_SCR = 7,
};

#define IER_RDI 0x01
#define IER_THRI 0x02
#define IER_RLSI 0x04
#define IER_MASK 0x0f
#define IIR_NO_INT 0x01
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_RLSI 0x06
#define IIR_FIFO_ENABLED 0xc0
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RCVR 0x02
#define LCR_DLAB 0x80
#define MCR_LOOP 0x10
#define LSR_DR 0x01
#define LSR_BI 0x10
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MSR_DCD_DSR_CTS 0xb0

#define UART_CLOCK_HZ 1843200

void uart8250_init(struct uart8250 *u,
		   void (*output)(void *opaque, uint8_t byte),
		   void (*set_irq)(void *opaque, int level), void *opaque)
{
	memset(u, 0, sizeof(*u));
	pthread_mutex_init(&u->lock, NULL);
	u->r.lsr = LSR_THRE | LSR_TEMT;
	u->r.msr = MSR_DCD_DSR_CTS;
	u->r.mcr = 0x08;	/* OUT2: lets the interrupt through on PCs */
	u->output = output;
	u->set_irq = set_irq;
	u->opaque = opaque;
}

void uart8250_destroy(struct uart8250 *u)
{
	pthread_mutex_destroy(&u->lock);
}

static bool break_at_head(const struct uart8250 *u)
{
	return u->r.rx_count && u->r.rx_break[u->r.rx_head];
}

/* The highest-priority pending source, as IIR reports it. */
static uint8_t pending_iir(const struct uart8250 *u)
{
	if ((u->r.ier & IER_RLSI) && break_at_head(u))
		return IIR_RLSI;
	if ((u->r.ier & IER_RDI) && u->r.rx_count)
		return IIR_RDI;
	if ((u->r.ier & IER_THRI) && u->r.thr_empty_pending)
		return IIR_THRI;
	return IIR_NO_INT;
}

static void update_irq(struct uart8250 *u)
{
	int level = pending_iir(u) != IIR_NO_INT;

	if (level != u->irq_level) {
		u->irq_level = level;
		if (u->set_irq)
			u->set_irq(u->opaque, level);
	}
}

static void rx_push(struct uart8250 *u, uint8_t byte, bool is_break)
{
	unsigned int tail = (u->r.rx_head + u->r.rx_count) % UART8250_RX_FIFO;

	if (u->r.rx_count == UART8250_RX_FIFO)
		return;
	u->r.rx[tail] = byte;
	u->r.rx_break[tail] = is_break;
	u->r.rx_count++;
	u->r.lsr |= LSR_DR;
}

static uint8_t rx_pop(struct uart8250 *u)
{
	uint8_t byte;

	if (!u->r.rx_count)
		return 0;
	byte = u->r.rx[u->r.rx_head];
	u->r.rx_head = (u->r.rx_head + 1) % UART8250_RX_FIFO;
	if (!--u->r.rx_count)
		u->r.lsr &= (uint8_t)~LSR_DR;
	return byte;
}

static void write_reg(struct uart8250 *u, unsigned int reg, uint8_t v)
{
	bool dlab = u->r.lcr & LCR_DLAB;

	switch (reg) {
	case REG_RBR_THR_DLL:
		if (dlab) {
			u->r.dll = v;
			break;
		}
		if (u->r.mcr & MCR_LOOP)
			rx_push(u, v, false);
		else if (u->output)
			u->output(u->opaque, v);
		/* Transmission is instant: the holding register is empty again. */
		u->r.thr_empty_pending = true;
		break;
	case REG_IER_DLM:
		if (dlab) {
			u->r.dlm = v;
			break;
		}
		/* Enabling THRI while the transmitter is idle raises it. */
		if ((v & IER_THRI) && !(u->r.ier & IER_THRI))
			u->r.thr_empty_pending = true;
		u->r.ier = v & IER_MASK;
		break;
	case REG_IIR_FCR:
		if (v & FCR_CLEAR_RCVR) {
			u->r.rx_count = 0;
			u->r.lsr &= (uint8_t)~LSR_DR;
		}
		u->r.iir_fifo = (v & FCR_ENABLE) ? IIR_FIFO_ENABLED : 0;
		break;
	case REG_LCR:
		u->r.lcr = v;
		break;
	case REG_MCR:
		u->r.mcr = v & 0x1f;
		break;
	case REG_SCR:
		u->r.scr = v;
		break;
	default:	/* LSR and MSR are read-only */
		break;
	}
}

static uint8_t read_reg(struct uart8250 *u, unsigned int reg)
{
	bool dlab = u->r.lcr & LCR_DLAB;
	uint8_t iir;

	switch (reg) {
	case REG_RBR_THR_DLL:
		return dlab ? u->r.dll : rx_pop(u);
	case REG_IER_DLM:
		return dlab ? u->r.dlm : u->r.ier;
	case REG_IIR_FCR:
		iir = pending_iir(u);
		/* Reading IIR acknowledges a THRE interrupt it reports. */
		if (iir == IIR_THRI)
			u->r.thr_empty_pending = false;
		return iir | u->r.iir_fifo;
	case REG_LCR:
		return u->r.lcr;
	case REG_MCR:
		return u->r.mcr;
	case REG_LSR:
		/* BI stays set while the break's NUL is the next byte. */
		return u->r.lsr | (break_at_head(u) ? LSR_BI : 0);
	case REG_MSR:
		if (u->r.mcr & MCR_LOOP)	/* modem outputs feed the inputs */
			return (uint8_t)(((u->r.mcr & 0x0c) << 4) |
					 ((u->r.mcr & 0x01) << 5) |
					 ((u->r.mcr & 0x02) << 3));
		return u->r.msr;
	case REG_SCR:
		return u->r.scr;
	default:
		return 0;
	}
}

void uart8250_mmio(struct uart8250 *u, uint64_t offset, uint8_t *data,
		   unsigned int len, bool is_write)
{
	if (len != 1 || offset > REG_SCR) {
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	pthread_mutex_lock(&u->lock);
	if (is_write)
		write_reg(u, (unsigned int)offset, data[0]);
	else
		data[0] = read_reg(u, (unsigned int)offset);
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

size_t uart8250_receive(struct uart8250 *u, const uint8_t *buf, size_t len)
{
	size_t n;

	pthread_mutex_lock(&u->lock);
	for (n = 0; n < len && u->r.rx_count < UART8250_RX_FIFO; n++)
		rx_push(u, buf[n], false);
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return n;
}

bool uart8250_receive_break(struct uart8250 *u)
{
	bool fits;

	pthread_mutex_lock(&u->lock);
	fits = u->r.rx_count < UART8250_RX_FIFO;
	if (fits)
		rx_push(u, 0, true);
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return fits;
}

/* Saved state: the registers and the FIFO's bytes, oldest first. */

#define UART_STATE "uart8250"
#define UART_STATE_VERSION 1

void uart8250_save(struct uart8250 *u, struct state_writer *w)
{
	static const char *const names[] = { "ier", "iir_fifo", "lcr", "mcr",
					      "lsr", "msr", "scr", "dll", "dlm" };
	uint8_t rx[UART8250_RX_FIFO], brk[UART8250_RX_FIFO];
	const uint8_t *regs[ARRAY_SIZE(names)];

	pthread_mutex_lock(&u->lock);
	regs[0] = &u->r.ier;
	regs[1] = &u->r.iir_fifo;
	regs[2] = &u->r.lcr;
	regs[3] = &u->r.mcr;
	regs[4] = &u->r.lsr;
	regs[5] = &u->r.msr;
	regs[6] = &u->r.scr;
	regs[7] = &u->r.dll;
	regs[8] = &u->r.dlm;
	state_begin(w, UART_STATE, UART_STATE_VERSION);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		state_put_u64(w, names[i], *regs[i]);
	state_put_u64(w, "thr_empty_pending", u->r.thr_empty_pending);
	for (unsigned int i = 0; i < u->r.rx_count; i++) {
		unsigned int at = (u->r.rx_head + i) % UART8250_RX_FIFO;

		rx[i] = u->r.rx[at];
		brk[i] = u->r.rx_break[at];
	}
	state_put_bytes(w, "rx", rx, u->r.rx_count);
	state_put_bytes(w, "rx_break", brk, u->r.rx_count);
	pthread_mutex_unlock(&u->lock);
	state_end(w);
}

/* One register of the record: a byte. */
static int get_reg(struct state_reader *sr, const char *key, uint8_t *v)
{
	uint64_t x;
	int ret = state_get_uint(sr, key, 0xff, &x);

	*v = (uint8_t)x;
	return ret;
}

int uart8250_load(struct uart8250 *u, const void *rec, size_t len, char *why,
		  size_t why_len)
{
	struct uart8250_regs r = { 0 };
	struct state_reader sr;
	const void *rx, *brk;
	size_t nrx, nbrk;
	uint64_t pending;
	int ret;

	ret = state_open(&sr, rec, len, UART_STATE, UART_STATE_VERSION, why,
			 why_len);
	ret = ret ?: get_reg(&sr, "ier", &r.ier);
	ret = ret ?: get_reg(&sr, "iir_fifo", &r.iir_fifo);
	ret = ret ?: get_reg(&sr, "lcr", &r.lcr);
	ret = ret ?: get_reg(&sr, "mcr", &r.mcr);
	ret = ret ?: get_reg(&sr, "lsr", &r.lsr);
	ret = ret ?: get_reg(&sr, "msr", &r.msr);
	ret = ret ?: get_reg(&sr, "scr", &r.scr);
	ret = ret ?: get_reg(&sr, "dll", &r.dll);
	ret = ret ?: get_reg(&sr, "dlm", &r.dlm);
	ret = ret ?: state_get_uint(&sr, "thr_empty_pending", 1, &pending);
	ret = ret ?: state_get_bytes(&sr, "rx", &rx, &nrx);
	ret = ret ?: state_get_bytes(&sr, "rx_break", &brk, &nbrk);
	if (ret)
		return ret;
	if (nrx > UART8250_RX_FIFO || nbrk != nrx)
		return parse_error(why, why_len,
				   "uart8250 record: %zu bytes in a %u-byte FIFO, %zu break flags",
				   nrx, UART8250_RX_FIFO, nbrk);
	/* Only the bits the model can hold: a record cannot smuggle more. */
	if ((r.ier & ~IER_MASK) || (r.mcr & ~0x1fU) ||
	    (r.iir_fifo & ~IIR_FIFO_ENABLED))
		return parse_error(why, why_len,
				   "uart8250 record: register bits the UART does not have");
	r.thr_empty_pending = pending;
	memcpy(r.rx, rx, nrx);
	for (size_t i = 0; i < nrx; i++)
		r.rx_break[i] = ((const uint8_t *)brk)[i] != 0;
	r.rx_count = (unsigned int)nrx;
	/* DR follows the FIFO, whatever the record said. */
	r.lsr = (uint8_t)((r.lsr & ~LSR_DR) | (nrx ? LSR_DR : 0));
	pthread_mutex_lock(&u->lock);
	u->r = r;
	u->irq_level = -1;	/* unknown: update_irq() sets the line */
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return 0;
}

/* The device glue: MMIO window, SPI, console, device tree. */

struct uart_dev {
	struct device dev;
	struct uart8250 uart;
};

static void uart_out(void *opaque, uint8_t byte)
{
	struct uart_dev *ud = opaque;

	console_write(&ud->dev.vm->console, &byte, 1);
}

static void uart_irq(void *opaque, int level)
{
	struct uart_dev *ud = opaque;

	vm_irq_line(ud->dev.vm, ud->dev.spi, level);
}

static void uart_mmio(void *opaque, uint64_t offset, uint8_t *data,
		      unsigned int len, bool is_write)
{
	struct uart_dev *ud = opaque;

	uart8250_mmio(&ud->uart, offset, data, len, is_write);
}

static void uart_input(void *opaque, const uint8_t *buf, size_t len)
{
	struct uart_dev *ud = opaque;

	/* A full FIFO drops input, as a real UART overruns. */
	uart8250_receive(&ud->uart, buf, len);
}

static void uart_input_break(void *opaque)
{
	struct uart_dev *ud = opaque;

	uart8250_receive_break(&ud->uart);
}

static int uart_fdt_node(const struct device *dev, void *fdt)
{
	char name[32];
	uint64_t reg[2] = { cpu_to_fdt64(dev->mmio_base),
			    cpu_to_fdt64(dev->mmio_size) };
	int ret;

	snprintf(name, sizeof(name), "uart@%llx",
		 (unsigned long long)dev->mmio_base);
	ret = fdt_begin_node(fdt, name);
	ret = ret ?: fdt_property_string(fdt, "compatible", "ns16550a");
	ret = ret ?: fdt_property(fdt, "reg", reg, sizeof(reg));
	ret = ret ?: fdt_property_u32(fdt, "clock-frequency", UART_CLOCK_HZ);
	ret = ret ?: fdt_prop_spi(fdt, dev->spi, false);
	ret = ret ?: fdt_end_node(fdt);
	return ret;
}

static void uart_destroy(struct device *dev)
{
	struct uart_dev *ud = container_of(dev, struct uart_dev, dev);

	uart8250_destroy(&ud->uart);
	free(ud);
}

static int uart_save(struct device *dev, struct state_writer *w)
{
	struct uart_dev *ud = container_of(dev, struct uart_dev, dev);

	uart8250_save(&ud->uart, w);
	return w->err;
}

static int uart_load(struct device *dev, const void *rec, size_t len,
		     char *why, size_t why_len)
{
	struct uart_dev *ud = container_of(dev, struct uart_dev, dev);

	return uart8250_load(&ud->uart, rec, len, why, why_len);
}

static const struct device_ops uart_ops = {
	.fdt_node = uart_fdt_node,
	.destroy = uart_destroy,
	.save = uart_save,
	.load = uart_load,
};

static int uart_instantiate(struct vm *vm)
{
	struct uart_dev *ud = calloc(1, sizeof(*ud));
	int ret;

	if (!ud)
		return -ENOMEM;
	ud->dev.ops = &uart_ops;
	ud->dev.name = "ttyS0";
	uart8250_init(&ud->uart, uart_out, uart_irq, ud);
	vm_add_device(vm, &ud->dev);

	ret = res_alloc_mmio(&vm->res, RES_UART, ud->dev.name,
			     &ud->dev.mmio_base, &ud->dev.mmio_size);
	ret = ret ?: res_alloc_irq(&vm->res, ud->dev.name, &ud->dev.spi);
	if (ret)
		return ret;
	ret = mmio_bus_register(&vm->mmio, ud->dev.mmio_base,
				ud->dev.mmio_size, uart_mmio, ud, "uart8250");
	if (ret)
		return ret;
	if (vm->cfg->console == CONSOLE_SERIAL) {
		vm->console.input = uart_input;
		vm->console.input_break = uart_input_break;
		vm->console.input_opaque = ud;
	}
	return 0;
}

const struct device_model uart8250_model = {
	.name = "uart8250",
	.instantiate = uart_instantiate,
};

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_UART8250_H
#define LKVM_UART8250_H

#include <lkvm/compiler.h>

#include <pthread.h>

/*
 * A 16550A-compatible UART: the register model, free of KVM so that unit
 * tests drive it directly. Transmitted bytes go to @output; the
 * interrupt line level goes to @set_irq whenever it changes.
 */
#define UART8250_RX_FIFO 1024

/* What the guest can see and set: plain data, saved with a snapshot. */
struct uart8250_regs {
	uint8_t ier, iir_fifo, lcr, mcr, lsr, msr, scr, dll, dlm;
	bool thr_empty_pending;	/* THRE interrupt not yet acknowledged */
	uint8_t rx[UART8250_RX_FIFO];
	bool rx_break[UART8250_RX_FIFO];	/* that byte ended a break */
	unsigned int rx_head, rx_count;
};

struct uart8250 {
	pthread_mutex_t lock;
	struct uart8250_regs r;
	/* Host side: derived from r, never saved. */
	int irq_level;
	void (*output)(void *opaque, uint8_t byte);
	void (*set_irq)(void *opaque, int level);
	void *opaque;
};

void uart8250_init(struct uart8250 *u,
		   void (*output)(void *opaque, uint8_t byte),
		   void (*set_irq)(void *opaque, int level), void *opaque);
void uart8250_destroy(struct uart8250 *u);

/*
 * One guest access. Only single-byte accesses to offsets 0-7 do anything;
 * others read as zero and are ignored (the guest controls both).
 */
void uart8250_mmio(struct uart8250 *u, uint64_t offset, uint8_t *data,
		   unsigned int len, bool is_write);

/* Host input; returns how many bytes fit in the receive FIFO. */
size_t uart8250_receive(struct uart8250 *u, const uint8_t *buf, size_t len);

/*
 * A break condition on the line: a NUL byte that LSR flags with BI while
 * it is at the head of the FIFO. Returns false when the FIFO is full.
 */
bool uart8250_receive_break(struct uart8250 *u);

/*
 * The registers as a "uart8250" state record, and back. Loading checks
 * every field (the record comes from a file), then sets the interrupt
 * line to what the registers say. 0, or -EINVAL with @why.
 */
struct state_writer;
void uart8250_save(struct uart8250 *u, struct state_writer *w);
int uart8250_load(struct uart8250 *u, const void *rec, size_t len, char *why,
		  size_t why_len);

#endif

/*
 * 10000 reads of the 8250's line status register, then power-off: the
 * MMIO exit benchmark's payload (tests/bench/mmio.sh). Every read is an
 * exit to the VMM; the value is not looked at, so any VMM that lets the
 * read complete runs it to the end.
 */
#include "baremetal.h"

#define UART_LSR 5
#define READS 10000

void payload_main(u64 dtb)
{
	(void)dtb;
	for (int i = 0; i < READS; i++)
		(void)mmio_read8(UART_BASE + UART_LSR);
}

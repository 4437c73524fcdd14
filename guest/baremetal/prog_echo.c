/*
 * Echoes what it receives on the 8250 UART (polling LSR.DR) until it
 * receives 'q', then powers off: host input reaches the guest.
 */
#include "baremetal.h"

#define UART_LSR 5
#define UART_LSR_DR 0x01

void payload_main(u64 dtb)
{
	(void)dtb;
	puts("baremetal: echo ready\n");
	for (;;) {
		u8 c;

		while (!(mmio_read8(UART_BASE + UART_LSR) & UART_LSR_DR))
			;
		c = mmio_read8(UART_BASE);
		if (c == 'q')
			break;
		putc((char)c);
	}
	puts("\nbaremetal: echo done\n");
}

#include "baremetal.h"

#define UART_LSR 5
#define UART_LSR_THRE 0x20

void putc(char c)
{
	while (!(mmio_read8(UART_BASE + UART_LSR) & UART_LSR_THRE))
		;
	mmio_write8(UART_BASE, (u8)c);
}

void puts(const char *s)
{
	while (*s) {
		if (*s == '\n')
			putc('\r');
		putc(*s++);
	}
}

void put_hex(u64 v)
{
	static const char digits[] = "0123456789abcdef";

	puts("0x");
	for (int shift = 60; shift >= 0; shift -= 4)
		putc(digits[(v >> shift) & 0xf]);
}

void put_dec(u64 v)
{
	char buf[24];
	int i = 0;

	do {
		buf[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (i)
		putc(buf[--i]);
}

void psci_system_off(void)
{
	psci_call(PSCI_SYSTEM_OFF, 0, 0, 0);
}

void psci_system_reset(void)
{
	psci_call(PSCI_SYSTEM_RESET, 0, 0, 0);
}

/* Weak default for payloads that start no secondaries. */
__attribute__((weak)) void payload_secondary(u64 context)
{
	(void)context;
	psci_call(PSCI_CPU_OFF, 0, 0, 0);
}

/*
 * A load pair from the UART: an MMIO access without instruction syndrome,
 * which KVM cannot forward to lkvm. lkvm must stop with the registers
 * and a non-zero status instead of hanging or exiting 0.
 */
#include "baremetal.h"

void payload_main(u64 dtb)
{
	u64 a, b;

	(void)dtb;
	puts("baremetal: ldp from MMIO\n");
	__asm__ volatile("ldp %0, %1, [%2]" : "=r"(a), "=r"(b) : "r"(UART_BASE));
	puts("baremetal: NOT REACHED\n");
}

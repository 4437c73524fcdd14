/*
 * Says which exception level it was entered at (CurrentEL): EL2 under
 * lkvm run --nested, EL1 otherwise. It then powers off over PSCI, which
 * at EL2 is an SMC (psci_call).
 */
#include "baremetal.h"

void payload_main(u64 dtb)
{
	u64 el;

	(void)dtb;
	asm volatile("mrs %0, CurrentEL" : "=r"(el));
	puts("current_el: EL");
	put_dec((el >> 2) & 3);
	puts("\n");
}

/* Asks for a system reset: lkvm ends the VM with status 0. */
#include "baremetal.h"

void payload_main(u64 dtb)
{
	(void)dtb;
	puts("baremetal: requesting reset\n");
	psci_system_reset();
}

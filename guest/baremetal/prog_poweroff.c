/* Powers off at once: the startup benchmark's payload. */
#include "baremetal.h"

void payload_main(u64 dtb)
{
	(void)dtb;
}

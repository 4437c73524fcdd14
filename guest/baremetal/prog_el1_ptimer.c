/* The EL1 physical timer's interrupt at EL1 (el1_timer.h). */
#include "el1_timer.h"

void payload_main(u64 dtb)
{
	static const struct el1_timer ptimer = { "ptimer", 30, 1 };

	(void)dtb;
	el1_timer_main(&ptimer);
}

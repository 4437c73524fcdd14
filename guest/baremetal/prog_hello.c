/*
 * Checks the boot contract lkvm gives a kernel, prints what it found on
 * the 8250 UART, starts every secondary vcpu through PSCI CPU_ON, and
 * powers off with PSCI SYSTEM_OFF.
 */
#include "baremetal.h"

#define FDT_MAGIC 0xd00dfeedU
#define MAX_CPUS 8

static volatile u32 cpu_up[MAX_CPUS];

static u32 be32(u32 v)
{
	return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

static u64 current_el(void)
{
	u64 el;

	__asm__ volatile("mrs %0, CurrentEL" : "=r"(el));
	return (el >> 2) & 3;
}

static u64 daif(void)
{
	u64 v;

	__asm__ volatile("mrs %0, daif" : "=r"(v));
	return v;
}

void payload_secondary(u64 context)
{
	if (context < MAX_CPUS)
		cpu_up[context] = 1;
	psci_call(PSCI_CPU_OFF, 0, 0, 0);
}

void payload_main(u64 dtb)
{
	u32 magic = be32(mmio_read32(dtb));
	u64 psci = psci_call(PSCI_VERSION, 0, 0, 0);
	int cpus = 1;

	puts("baremetal: hello from lkvm guest\n");
	puts("baremetal: el=");
	put_dec(current_el());
	puts(" daif=");
	put_hex(daif());
	puts("\nbaremetal: dtb=");
	put_hex(dtb);
	puts(magic == FDT_MAGIC ? " magic=ok\n" : " magic=BAD\n");
	puts("baremetal: psci=");
	put_dec(psci >> 16);
	putc('.');
	put_dec(psci & 0xffff);
	putc('\n');

	/* MPIDR Aff0 = vcpu index for the first 16 vcpus under KVM. */
	for (u64 cpu = 1; cpu < MAX_CPUS; cpu++) {
		long ret = (long)psci_call(PSCI_CPU_ON, cpu,
					  (u64)secondary_entry, cpu);

		if (ret)
			break;	/* no such vcpu */
		for (long spin = 0; spin < 100000000 && !cpu_up[cpu]; spin++)
			;
		if (cpu_up[cpu])
			cpus++;
	}
	puts("baremetal: cpus=");
	put_dec((u64)cpus);
	puts("\nbaremetal: powering off\n");
}

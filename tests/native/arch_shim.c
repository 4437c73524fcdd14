/*
 * The native (x86) sanitizer and fuzzer builds compile the arch-neutral
 * code only. These stand in for the arm64 KVM hooks it links against;
 * nothing those builds exercise may reach them, so each aborts loudly.
 */
#include <lkvm/arch.h>
#include <lkvm/irq.h>
#include <lkvm/seccomp.h>

#include <stdio.h>
#include <stdlib.h>

static void unreachable(const char *what)
{
	fprintf(stderr, "native build: %s() needs arm64 KVM\n", what);
	abort();
}

uint64_t arch_ram_base(void)
{
	return 0x80000000ULL;
}

int arch_vm_create(struct vm *vm)
{
	(void)vm;
	unreachable(__func__);
	return -1;
}

void arch_vm_dtb(const struct vm *vm, const void **dtb, size_t *size)
{
	(void)vm;
	(void)dtb;
	(void)size;
	unreachable(__func__);
}

void arch_vcpu_destroy(struct vcpu *vcpu)
{
	(void)vcpu;
	unreachable(__func__);
}

int arch_sve_probe_host(struct sve_host_info *info)
{
	(void)info;
	unreachable(__func__);
	return -1;
}

int arch_vm_type(struct vm *vm, unsigned long *type)
{
	(void)vm;
	(void)type;
	unreachable(__func__);
	return -1;
}

int arch_vm_init(struct vm *vm)
{
	(void)vm;
	unreachable(__func__);
	return -1;
}

int arch_vcpu_init(struct vcpu *vcpu)
{
	(void)vcpu;
	unreachable(__func__);
	return -1;
}

int arch_vm_finalize(struct vm *vm)
{
	(void)vm;
	unreachable(__func__);
	return -1;
}

int arch_load_guest(struct vm *vm)
{
	(void)vm;
	unreachable(__func__);
	return -1;
}

void arch_log_summary(const struct vm *vm)
{
	(void)vm;
	unreachable(__func__);
}

int arch_vcpu_read_regs(struct vcpu *vcpu, struct reg_set *set)
{
	(void)vcpu;
	(void)set;
	unreachable(__func__);
	return -1;
}

/* Register IDs are arm64's: decoding them needs <asm/kvm.h>. */
void arch_reg_describe(uint64_t id, struct reg_desc *d)
{
	(void)id;
	(void)d;
	unreachable(__func__);
}

void arch_vm_destroy(struct vm *vm)
{
	(void)vm;
	unreachable(__func__);
}

int vm_irq_line(struct vm *vm, unsigned int spi, int level)
{
	(void)vm;
	(void)spi;
	(void)level;
	unreachable(__func__);
	return -1;
}

int vm_irqfd(struct vm *vm, unsigned int spi, int fd)
{
	(void)vm;
	(void)spi;
	(void)fd;
	unreachable(__func__);
	return -1;
}

int arch_vm_save(struct vm *vm, struct state_writer *w)
{
	(void)vm;
	(void)w;
	unreachable(__func__);
	return -1;
}

int arch_vm_load(struct vm *vm, const void *rec, size_t len, char *why,
		 size_t why_len)
{
	(void)vm;
	(void)rec;
	(void)len;
	(void)why;
	(void)why_len;
	unreachable(__func__);
	return -1;
}

int arch_vcpu_save(struct vcpu *vcpu, struct state_writer *w)
{
	(void)vcpu;
	(void)w;
	unreachable(__func__);
	return -1;
}

int arch_vcpu_load(struct vcpu *vcpu, const void *rec, size_t len, char *why,
		   size_t why_len)
{
	(void)vcpu;
	(void)rec;
	(void)len;
	(void)why;
	(void)why_len;
	unreachable(__func__);
	return -1;
}

int arch_snapshot_describe(struct vm *vm, FILE *f)
{
	(void)vm;
	(void)f;
	unreachable(__func__);
	return -1;
}

int arch_snapshot_check(const struct json_value *m, uint64_t nr_vcpus,
			char *why, size_t why_len)
{
	(void)m;
	(void)nr_vcpus;
	(void)why;
	(void)why_len;
	unreachable(__func__);
	return -1;
}

int arch_snapshot_check_inputs(const struct json_value *m, uint64_t nr_vcpus,
			       FILE *f)
{
	(void)m;
	(void)nr_vcpus;
	(void)f;
	unreachable(__func__);
	return -1;
}

/* No precompiled seccomp filters for the build host: compiled on demand. */
const struct seccomp_precompiled seccomp_precompiled[1];
const unsigned int seccomp_nr_precompiled;
const char seccomp_syscall_names[1][SECCOMP_NAME_LEN];
const unsigned int seccomp_nr_syscall_names;

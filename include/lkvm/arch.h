/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_ARCH_H
#define LKVM_ARCH_H

#include <lkvm/compiler.h>
#include <lkvm/log.h>
#include <lkvm/sve_vls.h>

/*
 * The hooks through which the arch-neutral core builds and runs a
 * machine. Only arm/ implements them; only arm/ sees <asm/kvm.h>.
 */

struct vm;
struct vcpu;

enum gic_kind {
	GIC_NONE,
	GIC_V2,
	GIC_V3,
};

struct arch_vm {
	unsigned int ipa_bits;
	enum gic_kind gic;
	int gic_fd;
	uint32_t target;		/* KVM_ARM_PREFERRED_TARGET */
	uint32_t features[7];		/* KVM_ARM_VCPU_INIT feature words */
	sve_vqset sve_vqs;		/* every vcpu's SVE lengths; 0: no SVE */
	sve_vqset sve_host_vqs;		/* what the host offered */
	uint64_t redist_base;		/* GICv3 redistributors or v2 CPU IF */
	uint64_t redist_size;
	/* Where the guest was loaded (arm/boot.c). */
	uint64_t kernel_base;
	uint64_t kernel_size;
	uint64_t entry;
	uint64_t initrd_base;
	uint64_t initrd_size;
	uint64_t fdt_base;
	void *fdt;			/* the DTB as built */
	size_t fdt_size;
	char *cmdline;			/* the kernel command line as built */
	struct log_ratelimit irq_log_rl;
};

struct arch_vcpu {
	uint64_t mpidr;
};

/* Guest physical address of the start of RAM. */
uint64_t arch_ram_base(void);
/* Declares the machine's MMIO windows and interrupt lines (pure). */
struct resources;
void arch_declare_resources(struct resources *r);
/* Chooses the VM type (IPA size) for KVM_CREATE_VM. */
int arch_vm_type(struct vm *vm, unsigned long *type);
/* After KVM_CREATE_VM and RAM: interrupt controller, vcpu feature probe. */
int arch_vm_init(struct vm *vm);
/* The vcpu builder: everything from KVM_ARM_VCPU_INIT to finalize. */
int arch_vcpu_init(struct vcpu *vcpu);
/* After all vcpus and devices exist: interrupt controller init, PMU. */
int arch_vm_finalize(struct vm *vm);
/* Loads kernel, initrd and DTB, then sets the boot vcpu's registers. */
int arch_load_guest(struct vm *vm);
/* Logs, at info level, what the guest is about to get (before it runs). */
void arch_log_summary(const struct vm *vm);

struct reg_set;
struct reg_desc;
/*
 * Appends every register KVM_GET_REG_LIST names for @vcpu, read with
 * KVM_GET_ONE_REG, to @set (vector registers cut to the vcpu's longest
 * vector length). The vcpu must not be in KVM_RUN: call it on the vcpu's
 * own thread or while it is parked.
 */
int arch_vcpu_read_regs(struct vcpu *vcpu, struct reg_set *set);
/* Pure: the name, display order and format of the register @id. */
void arch_reg_describe(uint64_t id, struct reg_desc *d);
/* The vector lengths every vcpu has (SVE on arm64); 0 for none. */
sve_vqset arch_vm_vector_lengths(const struct vm *vm);
/*
 * Reads the host's vector lengths through a scratch VM and vcpu (no RAM,
 * no interrupt controller). Returns 0 or -errno after logging.
 */
int arch_sve_probe_host(struct sve_host_info *info);
void arch_vm_destroy(struct vm *vm);

#endif

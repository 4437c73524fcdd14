/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_ARM_ARM_H
#define LKVM_ARM_ARM_H

#include <lkvm/compiler.h>
#include <lkvm/config.h>
#include <lkvm/log.h>
#include <lkvm/sve_features.h>
#include <lkvm/sve_vls.h>
#include <lkvm/vm.h>

/* Interfaces shared between the files of arm/. */

enum irqchip_kind {
	IRQCHIP_AUTO,
	IRQCHIP_GICV3,
	IRQCHIP_GICV2,
};

/* What the arm64 options of `lkvm run` asked for (arm/options.c). */
struct arch_config {
	enum irqchip_kind irqchip;
	bool pmu;
	enum feature_choice ptrauth;
	struct sve_spec sve;		/* --sve-vls / --sve-max-vl */
	/*
	 * How the user asked for it, for messages and for refusing two
	 * options that say the same thing: the option ("--sve-vls",
	 * "--sve-max-vl", "--disable-sve"; NULL: not given) and its value
	 * (in argv; NULL for --disable-sve).
	 */
	const char *sve_option;
	const char *sve_arg;
	/* --nested: EL2 for the vcpus; --e2h0: without VHE. */
	bool nested;
	bool e2h0;
	/*
	 * --cpu-profile: its set is in @sve (sve_option "--cpu-profile"),
	 * its floor is written to the ID registers before the first run.
	 */
	bool has_profile;
	struct cpu_profile profile;
};

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
	uint64_t counter_offset;	/* --nested: KVM_ARM_SET_COUNTER_OFFSET */
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
	/* uname -r, read while no filter forbids it: snapshots record it. */
	char host_kernel[65];
	struct log_ratelimit irq_log_rl;
};

struct arch_vcpu {
	uint64_t mpidr;
};

struct vm;
struct vcpu;

#define ARM_MAX_VCPUS_GICV2 8U
/* GIC interrupt IDs 0-31 are SGIs and PPIs; SPIs start at 32. */
#define GIC_SPI_BASE 32U

/* Interrupt controller (arm/gic.c). */
int gic_create(struct vm *vm);
int gic_finalize(struct vm *vm);
unsigned int arm_gic_nr_irqs(const struct vm *vm);
const char *gic_name(int kind);

/* vcpu features (arm/vcpu.c). */
int vcpu_features_resolve(struct vm *vm);
int vcpu_features_finalize(struct vm *vm);
/* "psci-0.2, sve, pmu" for messages. */
void vcpu_features_describe(const uint32_t *features, char *buf, size_t len);
/*
 * Inline: gic.c and regs.c ask it, and vcpu.c, which sets the features,
 * uses both of them.
 */
static inline bool vcpu_has_feature(const struct vm *vm, unsigned int bit)
{
	return vm->arch->features[bit / 32] & (1U << (bit % 32));
}
int vcpu_set_boot_regs(struct vcpu *vcpu, uint64_t pc, uint64_t x0);

/*
 * Scratch VMs (arm/scratch_vm.c). The host's IPA limit in bits (40 when
 * KVM does not say). A VM of @ipa_bits (0: the host's limit) on an open
 * /dev/kvm: its fd, or -errno with the reason in @why.
 */
int arm_host_ipa_limit(int kvm_fd);
int arm_scratch_vm_create(int kvm_fd, unsigned int ipa_bits, char *why,
			  size_t why_len);
/* "Not possible on this host", the reason in @why: returns 1. */
int __printf(3, 4) arm_refuse(char *why, size_t why_len, const char *fmt, ...);

/* What a snapshot's manifest says the guest had (arm/snapshot_config.c). */
struct arm_guest_arch {
	uint64_t ipa_bits;
	bool pmu, ptrauth;
	bool nested, e2h0;		/* EL2; EL2 without VHE */
	sve_vqset sve;
	bool has_profile;		/* it ran with a CPU profile */
	struct cpu_profile profile;
};

struct json_value;
int arm_snapshot_guest_arch(const struct json_value *m,
			    struct arm_guest_arch *g, char *why,
			    size_t why_len);

/* KVM_GET_REG_LIST of @vcpu (free it); 0 or -errno after logging. */
struct kvm_reg_list;
int vcpu_reg_list(struct vcpu *vcpu, struct kvm_reg_list **out);

/* One-register access (arm/regs.c); return 0 or -errno. */
int vcpu_get_reg(struct vcpu *vcpu, uint64_t id, void *val);
int vcpu_set_reg(struct vcpu *vcpu, uint64_t id, const void *val);
int vcpu_get_reg64(struct vcpu *vcpu, uint64_t id, uint64_t *val);
int vcpu_set_reg64(struct vcpu *vcpu, uint64_t id, uint64_t val);

#endif

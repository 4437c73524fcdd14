/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_ARCH_H
#define LKVM_ARCH_H

#include <lkvm/compiler.h>
#include <lkvm/sve_features.h>
#include <lkvm/sve_vls.h>

#include <stdio.h>

/*
 * The hooks through which the arch-neutral core builds and runs a
 * machine. Only arm/ implements them; only arm/ sees <asm/kvm.h>.
 */

struct vm;
struct vcpu;

/* The architecture's part of a VM and of a vcpu: only arm/ looks inside. */
struct arch_vm;
struct arch_vcpu;

/* The architecture's options, at their defaults (arm/options.c). */
struct arch_config;
struct arch_config *arch_config_create(void);
void arch_config_destroy(struct arch_config *cfg);
/* The option that chose the vector lengths (e.g. "--sve-max-vl"), or NULL. */
const char *arch_config_vl_option(const struct arch_config *cfg);
/*
 * What the options asked for, as one line of text: two configurations
 * that print the same build the same vcpus (warm templates key on it).
 */
void arch_config_describe(const struct arch_config *cfg, FILE *f);

/*
 * What this host's KVM offers guests, as members of a JSON object
 * (",\n  \"name\": value..."), for lkvm version --json.
 */
void arch_host_json(FILE *f);

/* Allocates @vm->arch, before anything else of the VM exists. */
int arch_vm_create(struct vm *vm);
/* Guest physical address of the start of RAM. */
uint64_t arch_ram_base(void);
/* Declares the machine's MMIO windows and interrupt lines (pure). */
struct resources;
void arch_declare_resources(struct resources *r);
/* Chooses the VM type (IPA size) for KVM_CREATE_VM. */
int arch_vm_type(struct vm *vm, unsigned long *type);
/* After KVM_CREATE_VM and RAM: interrupt controller, vcpu feature probe. */
int arch_vm_init(struct vm *vm);
/*
 * The vcpu builder: allocates @vcpu->arch, then everything from
 * KVM_ARM_VCPU_INIT to finalize.
 */
int arch_vcpu_init(struct vcpu *vcpu);
void arch_vcpu_destroy(struct vcpu *vcpu);
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
/* The device tree the guest boots with (after arch_load_guest()). */
void arch_vm_dtb(const struct vm *vm, const void **dtb, size_t *size);
/* The vector lengths every vcpu has (SVE on arm64); 0 for none. */
sve_vqset arch_vm_vector_lengths(const struct vm *vm);
/*
 * Snapshots: the VM-wide state (the interrupt controller) and each vcpu's
 * (every register, the MP state), as state records; loaded into a VM
 * built with the same configuration, before any vcpu runs. 0, or -errno
 * (-EINVAL with @why for a record this VM cannot take).
 */
struct state_writer;
int arch_vm_save(struct vm *vm, struct state_writer *w);
/*
 * The manifest's "arch" member (what the guest was given: interrupt
 * controller, IPA size, vcpu features, its SVE set) and "host" member
 * (what it could see of the host: the SVE lengths, ID registers), each
 * followed by a comma, to @f.
 */
int arch_snapshot_describe(struct vm *vm, FILE *f);
/*
 * Restore: the arch options that give a vcpu exactly what the manifest
 * @m says the guest had (0, or -EINVAL with @why); and whether this host
 * can give it (@nr_vcpus of them): 0 yes, 1 no (the reason in @why),
 * -EINVAL a manifest that does not say, other -errno could not ask.
 */
struct json_value;
int arch_config_from_manifest(const struct json_value *m,
			      struct arch_config *cfg, char *why,
			      size_t why_len);
int arch_snapshot_check(const struct json_value *m, uint64_t nr_vcpus,
			char *why, size_t why_len);

/*
 * Everything arch_snapshot_check() reads, as text on @f: what it asks of
 * the manifest, and what KVM says without a VM (the caps and limits it
 * checks, asked of /dev/kvm). Two equal texts in one host boot get the
 * same verdict: a cache key. 0, or -errno when the manifest does not say
 * (the check itself then says why).
 */
int arch_snapshot_check_inputs(const struct json_value *m, uint64_t nr_vcpus,
			       FILE *f);

int arch_vm_load(struct vm *vm, const void *rec, size_t len, char *why,
		 size_t why_len);
int arch_vcpu_save(struct vcpu *vcpu, struct state_writer *w);
int arch_vcpu_load(struct vcpu *vcpu, const void *rec, size_t len, char *why,
		   size_t why_len);

/*
 * Reads the host's vector lengths and the SVE/SME ID register fields a
 * guest sees, through a scratch VM and vcpu (no RAM, no interrupt
 * controller). Returns 0 or -errno after logging.
 */
int arch_sve_probe_host(struct sve_host_info *info);
/*
 * Whether a guest of this host can be given @p (`lkvm sve check
 * --profile`), asked of a scratch VM and vcpu as `lkvm run` would set
 * one up: 0, 1 with the reason in @why, or -errno with @why.
 */
int arch_cpu_profile_check(const struct cpu_profile *p, char *why,
			   size_t why_len);
void arch_vm_destroy(struct vm *vm);

#endif

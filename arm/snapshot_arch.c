// SPDX-License-Identifier: GPL-2.0
/*
 * arm64's part of snapshots: what the manifest records of the guest's
 * machine (interrupt controller, IPA size, vcpu features, the SVE set) and
 * of what it could see of the host (SVE lengths, feature ID registers),
 * and the check a restore makes before anything is built: can KVM on this
 * host give a vcpu exactly what the guest had? The check asks a scratch
 * VM and vcpu initialised with the guest's features, as the build will.
 */
#include <lkvm/arch.h>

#include <lkvm/arm/arm.h>
#include <lkvm/arm/cpu_profile.h>
#include <lkvm/arm/id_regs.h>
#include <lkvm/arm/nested.h>
#include <lkvm/arm/reg_id.h>

#include <lkvm/json.h>
#include <lkvm/kvm.h>
#include <lkvm/parse.h>
#include <lkvm/vm.h>

#include <asm/kvm.h>
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* The most ID registers a manifest may list (the space has 192). */
#define MAX_ID_REGS ARM_FEATURE_ID_SPACE_SIZE

static void put_id_regs(struct vm *vm, FILE *f)
{
	struct vcpu *vcpu = &vm->vcpus[0];
	struct kvm_reg_list *list;
	bool first = true;

	if (vcpu_reg_list(vcpu, &list))
		return;
	for (uint64_t i = 0; i < list->n; i++) {
		uint64_t v;
		char name[48], enc[48];

		if (!arm_is_id_reg(list->reg[i]) ||
		    vcpu_get_reg64(vcpu, list->reg[i], &v))
			continue;
		arm_reg_name(list->reg[i], name, sizeof(name), enc, sizeof(enc));
		fprintf(f, "%s\n      {\"name\": ", first ? "" : ",");
		json_print_string(f, name[0] ? name : enc);
		fprintf(f, ", \"id\": \"0x%llx\", \"value\": \"0x%llx\"}",
			(unsigned long long)list->reg[i], (unsigned long long)v);
		first = false;
	}
	free(list);
}

static const char *json_bool(bool b)
{
	return b ? "true" : "false";
}

int arch_snapshot_describe(struct vm *vm, FILE *f)
{
	fprintf(f, "  \"arch\": {\"irqchip\": \"%s\", \"ipa_bits\": %u, \"pmu\": %s, \"ptrauth\": %s, \"nested\": %s, \"e2h0\": %s, \"cpu_profile\": ",
		vm->arch->gic == GIC_V3 ? "gicv3" : "gicv2", vm->arch->ipa_bits,
		json_bool(vcpu_has_feature(vm, KVM_ARM_VCPU_PMU_V3)),
		json_bool(vcpu_has_feature(vm, KVM_ARM_VCPU_PTRAUTH_ADDRESS)),
		json_bool(vcpu_has_feature(vm, KVM_ARM_VCPU_HAS_EL2)),
		json_bool(vcpu_has_feature(vm, KVM_ARM_VCPU_HAS_EL2_E2H0)));
	if (vm->cfg->arch->has_profile) {
		fputc('{', f);
		cpu_profile_write_body(f, &vm->cfg->arch->profile);
		fputc('}', f);
	} else {
		fprintf(f, "null");
	}
	/* sve_vls last: tools (and the snapshot suite) edit it as "...]}". */
	fprintf(f, ", \"sve_vls\": ");
	sve_vqset_write_json(f, vm->arch->sve_vqs);
	fprintf(f, "},\n  \"host\": {\"kernel\": ");
	json_print_string(f, vm->arch->host_kernel);
	fprintf(f, ", \"sve_vls\": ");
	sve_vqset_write_json(f, vm->arch->sve_host_vqs);
	fprintf(f, ", \"id_regs\": [");
	put_id_regs(vm, f);
	fprintf(f, "\n  ]},\n");
	return 0;
}

/* A scratch VM and vcpu with the guest's features, for asking KVM. */
struct scratch {
	int kvm_fd, vm_fd, vcpu_fd;
};

static void scratch_close(struct scratch *s)
{
	if (s->vcpu_fd >= 0)
		close(s->vcpu_fd);
	if (s->vm_fd >= 0)
		close(s->vm_fd);
	if (s->kvm_fd >= 0)
		close(s->kvm_fd);
}

static int check_caps(struct scratch *s, const struct arm_guest_arch *g,
		      uint64_t nr_vcpus, char *why, size_t why_len)
{
	int max = kvm_ioctl(s->vm_fd, KVM_CHECK_EXTENSION,
			    (void *)KVM_CAP_MAX_VCPUS);
	struct kvm_create_device gic = { .type = KVM_DEV_TYPE_ARM_VGIC_V3,
					 .flags = KVM_CREATE_DEVICE_TEST };
	const struct {
		bool want;
		long cap;
		const char *what;
	} caps[] = {
		{ g->pmu, KVM_CAP_ARM_PMU_V3, "a PMU (KVM_CAP_ARM_PMU_V3)" },
		{ g->ptrauth, KVM_CAP_ARM_PTRAUTH_ADDRESS,
		  "pointer authentication (KVM_CAP_ARM_PTRAUTH_ADDRESS)" },
		{ g->ptrauth, KVM_CAP_ARM_PTRAUTH_GENERIC,
		  "pointer authentication (KVM_CAP_ARM_PTRAUTH_GENERIC)" },
		{ g->sve != 0, KVM_CAP_ARM_SVE, "SVE (KVM_CAP_ARM_SVE)" },
	};

	if (max > 0 && nr_vcpus > (uint64_t)max)
		return arm_refuse(why, why_len,
				   "the guest had %llu vcpus; KVM on this host allows %d",
				   (unsigned long long)nr_vcpus, max);
	if (g->nested && kvm_ioctl(s->vm_fd, KVM_CHECK_EXTENSION,
				   (void *)KVM_CAP_ARM_EL2) <= 0) {
		char reason[160];

		nested_host_reason(reason, sizeof(reason));
		return arm_refuse(why, why_len,
			      "the guest had EL2 (--nested); this host cannot run guest hypervisors: %s",
			      reason);
	}
	if (g->e2h0 && kvm_ioctl(s->vm_fd, KVM_CHECK_EXTENSION,
				 (void *)KVM_CAP_ARM_EL2_E2H0) <= 0)
		return arm_refuse(why, why_len,
			      "the guest had EL2 without VHE (--e2h0); KVM on this host does not give it (no KVM_CAP_ARM_EL2_E2H0)");
	if (kvm_ioctl(s->vm_fd, KVM_CREATE_DEVICE, &gic) < 0)
		return arm_refuse(why, why_len,
				   "the guest had a GICv3, which KVM on this host cannot emulate");
	for (size_t i = 0; i < ARRAY_SIZE(caps); i++)
		if (caps[i].want &&
		    kvm_ioctl(s->vm_fd, KVM_CHECK_EXTENSION,
			      (void *)caps[i].cap) <= 0)
			return arm_refuse(why, why_len,
					   "the guest had %s; KVM on this host does not give it",
					   caps[i].what);
	return 0;
}

static int open_scratch(struct scratch *s, const struct arm_guest_arch *g,
			char *why, size_t why_len)
{
	int limit, ret;

	ret = kvm_open(&s->kvm_fd);
	if (ret) {
		snprintf(why, why_len, "cannot use /dev/kvm: %s",
			 strerror(-ret));
		return ret;
	}
	limit = arm_host_ipa_limit(s->kvm_fd);
	if (g->ipa_bits > (uint64_t)limit)
		return arm_refuse(why, why_len,
				   "the guest had a %llu-bit physical address space; KVM on this host offers %d bits",
				   (unsigned long long)g->ipa_bits, limit);
	ret = arm_scratch_vm_create(s->kvm_fd, (unsigned int)g->ipa_bits, why,
				    why_len);
	if (ret < 0)
		return ret;
	s->vm_fd = ret;
	return 0;
}

/* The vcpu, initialised with the guest's features and its SVE set. */
static int init_vcpu(struct scratch *s, const struct arm_guest_arch *g,
		     char *why, size_t why_len)
{
	struct kvm_vcpu_init init;
	uint64_t vls[KVM_ARM64_SVE_VLS_WORDS] = { 0 };
	struct kvm_one_reg reg = { .id = KVM_REG_ARM64_SVE_VLS,
				   .addr = (uintptr_t)vls };
	char reason[SVE_WHY_MAX], s_guest[SVE_VQSET_STR_MAX];
	struct sve_spec spec = { .kind = SVE_SPEC_SET, .set = g->sve };
	sve_vqset out;
	int what = KVM_ARM_VCPU_SVE, ret;

	ret = kvm_ioctl(s->vm_fd, KVM_ARM_PREFERRED_TARGET, &init);
	if (ret >= 0)
		ret = kvm_ioctl(s->vm_fd, KVM_CREATE_VCPU, 0);
	if (ret < 0) {
		snprintf(why, why_len, "a scratch vcpu: %s", strerror(-ret));
		return ret;
	}
	s->vcpu_fd = ret;
	memset(init.features, 0, sizeof(init.features));
	init.features[0] = 1U << KVM_ARM_VCPU_PSCI_0_2;
	if (g->pmu)
		init.features[0] |= 1U << KVM_ARM_VCPU_PMU_V3;
	if (g->ptrauth)
		init.features[0] |= 1U << KVM_ARM_VCPU_PTRAUTH_ADDRESS |
				    1U << KVM_ARM_VCPU_PTRAUTH_GENERIC;
	if (g->sve)
		init.features[0] |= 1U << KVM_ARM_VCPU_SVE;
	if (g->nested)
		init.features[0] |= 1U << KVM_ARM_VCPU_HAS_EL2;
	if (g->e2h0)
		init.features[0] |= 1U << KVM_ARM_VCPU_HAS_EL2_E2H0;
	ret = kvm_ioctl(s->vcpu_fd, KVM_ARM_VCPU_INIT, &init);
	if (ret < 0) {
		snprintf(why, why_len,
			 "KVM_ARM_VCPU_INIT with the guest's features: %s",
			 strerror(-ret));
		return ret;
	}
	if (!g->sve)
		return 0;
	ret = kvm_ioctl(s->vcpu_fd, KVM_GET_ONE_REG, &reg);
	if (ret < 0) {
		snprintf(why, why_len, "reading KVM_REG_ARM64_SVE_VLS: %s",
			 strerror(-ret));
		return ret;
	}
	if (sve_spec_resolve(&spec, (sve_vqset)(vls[0] & SVE_VQSET_ALL), &out,
			     reason, sizeof(reason)))
		return arm_refuse(why, why_len,
				   "the guest's SVE vector lengths %s bits are %s",
				   sve_vqset_format(g->sve, s_guest,
						    sizeof(s_guest)),
				   reason);
	vls[0] = g->sve;
	ret = kvm_ioctl(s->vcpu_fd, KVM_SET_ONE_REG, &reg);
	if (ret >= 0)
		ret = kvm_ioctl(s->vcpu_fd, KVM_ARM_VCPU_FINALIZE, &what);
	if (ret < 0) {
		return arm_refuse(why, why_len,
			      "KVM refused the guest's SVE set on a scratch vcpu: %s",
			      strerror(-ret));
	}
	return 0;
}

/* Why a host cannot show the guest the ID register value it saw, or 0. */
static int refuse_id_reg(const char *name, uint64_t guest, uint64_t host,
			 uint64_t writable, bool names_cpu, bool have_masks,
			 char *why, size_t why_len)
{
	unsigned int field = 0;
	int ret;

	if (names_cpu) {
		if (!((guest ^ host) & ~writable))
			return 0;
		return arm_refuse(why, why_len,
			      "the guest saw %s = 0x%llx, this host has 0x%llx (another CPU), and %s",
			      name, (unsigned long long)guest,
			      (unsigned long long)host,
			      have_masks ? "KVM does not let lkvm change it" :
					   "KVM on this host cannot show a guest another value (writable ID registers need Linux 6.7)");
	}
	ret = arm_id_reg_lowerable(guest, host, writable, &field);
	if (ret == -ERANGE)
		return arm_refuse(why, why_len,
			      "the guest saw %s = 0x%llx; this host has 0x%llx, less in bits [%u:%u] (a feature the guest may use is missing here)",
			      name, (unsigned long long)guest,
			      (unsigned long long)host, field + 3, field);
	if (ret)
		return arm_refuse(why, why_len,
			      "the guest saw %s = 0x%llx; this host has 0x%llx, and %s (bits [%u:%u])",
			      name, (unsigned long long)guest,
			      (unsigned long long)host,
			      have_masks ? "KVM does not let lkvm change those bits" :
					   "KVM on this host cannot show a guest other ID register values (writable ID registers need Linux 6.7)",
			      field + 3, field);
	return 0;
}

/*
 * Every ID register the guest saw: this host gives the same, or lets lkvm
 * lower its own to the guest's (writable ID registers, KVM 6.7+).
 */
static int check_id_regs(struct scratch *s, const struct json_value *m,
			 char *why, size_t why_len)
{
	const struct json_value *regs = json_get(json_get(m, "host"), "id_regs");
	uint64_t masks[ARM_FEATURE_ID_SPACE_SIZE] = { 0 };
	struct arm_reg_mask_range range = { .addr = (uintptr_t)masks };
	bool have_masks;

	if (!regs || regs->type != JSON_ARRAY || regs->count > MAX_ID_REGS)
		return parse_error(why, why_len,
				   "manifest: host.id_regs is missing or not a list of at most %u",
				   MAX_ID_REGS);
	have_masks = kvm_ioctl(s->vm_fd, KVM_CHECK_EXTENSION,
			       (void *)KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES) > 0 &&
		     kvm_ioctl(s->vm_fd, ARM_KVM_GET_REG_WRITABLE_MASKS,
			       &range) >= 0;
	for (size_t i = 0; i < regs->count; i++) {
		const struct json_value *r = &regs->items[i];
		uint64_t id, guest, host;
		struct kvm_one_reg reg = { .addr = (uintptr_t)&host };
		const char *name;
		char err[160];
		int idx, ret;

		ret = json_member_hex(r, "id", &id, err, sizeof(err));
		ret = ret ?: json_member_hex(r, "value", &guest, err,
					     sizeof(err));
		ret = ret ?: json_member_string(r, "name", &name, err,
						sizeof(err));
		if (ret)
			return parse_error(why, why_len,
					   "manifest: host.id_regs item %zu: %s",
					   i, err);
		if (!arm_is_id_reg(id))
			return parse_error(why, why_len,
					   "manifest: host.id_regs item %zu (%s) is not a feature ID register",
					   i, name);
		reg.id = id;
		if (kvm_ioctl(s->vcpu_fd, KVM_GET_ONE_REG, &reg) < 0)
			return arm_refuse(why, why_len,
					   "the guest saw %s, which KVM on this host does not have",
					   name);
		if (guest == host)
			continue;
		idx = arm_id_reg_mask_index(id);
		ret = refuse_id_reg(name, guest, host,
				    have_masks && idx >= 0 ? masks[idx] : 0,
				    arm_id_reg_names_cpu(id), have_masks, why,
				    why_len);
		if (ret)
			return ret;
		/* KVM has the last word: it takes the value or not. */
		reg.addr = (uintptr_t)&guest;
		if (kvm_ioctl(s->vcpu_fd, KVM_SET_ONE_REG, &reg) < 0)
			return arm_refuse(why, why_len,
				      "the guest saw %s = 0x%llx; this host has 0x%llx, and KVM refuses to show the guest that value",
				      name, (unsigned long long)guest,
				      (unsigned long long)host);
	}
	return 0;
}

/* The guest ran with a CPU profile: this host must give that profile. */
static int check_profile(struct scratch *s, const struct arm_guest_arch *g,
			 char *why, size_t why_len)
{
	char reason[512];
	int ret;

	if (!g->has_profile)
		return 0;
	ret = arm_cpu_profile_apply(s->vm_fd, s->vcpu_fd, &g->profile.floor,
				    reason, sizeof(reason));
	if (ret > 0)
		return arm_refuse(why, why_len, "the guest's CPU profile: %s",
			      reason);
	if (ret)
		snprintf(why, why_len, "the guest's CPU profile: %s", reason);
	return ret;
}

int arch_snapshot_check(const struct json_value *m, uint64_t nr_vcpus,
			char *why, size_t why_len)
{
	struct scratch s = { -1, -1, -1 };
	struct arm_guest_arch g;
	int ret = arm_snapshot_guest_arch(m, &g, why, why_len);

	ret = ret ?: open_scratch(&s, &g, why, why_len);
	ret = ret ?: check_caps(&s, &g, nr_vcpus, why, why_len);
	ret = ret ?: init_vcpu(&s, &g, why, why_len);
	ret = ret ?: check_profile(&s, &g, why, why_len);
	ret = ret ?: check_id_regs(&s, m, why, why_len);
	scratch_close(&s);
	return ret;
}

/* The caps check_caps() and check_id_regs() ask, here of /dev/kvm. */
static const long check_caps_asked[] = {
	KVM_CAP_MAX_VCPUS,	   KVM_CAP_ARM_EL2,
	KVM_CAP_ARM_EL2_E2H0,	   KVM_CAP_ARM_PMU_V3,
	KVM_CAP_ARM_PTRAUTH_ADDRESS, KVM_CAP_ARM_PTRAUTH_GENERIC,
	KVM_CAP_ARM_SVE,	   KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES,
};

static int put_kvm_facts(FILE *f)
{
	int kvm_fd, ret;

	ret = kvm_open(&kvm_fd);
	if (ret)
		return ret;
	fprintf(f, "kvm api %d ipa %d caps",
		kvm_ioctl(kvm_fd, KVM_GET_API_VERSION, NULL),
		arm_host_ipa_limit(kvm_fd));
	for (size_t i = 0; i < ARRAY_SIZE(check_caps_asked); i++)
		fprintf(f, " %ld:%d", check_caps_asked[i],
			kvm_ioctl(kvm_fd, KVM_CHECK_EXTENSION,
				  (void *)check_caps_asked[i]));
	fputc('\n', f);
	close(kvm_fd);
	return 0;
}

int arch_snapshot_check_inputs(const struct json_value *m, uint64_t nr_vcpus,
			       FILE *f)
{
	const struct json_value *regs = json_get(json_get(m, "host"), "id_regs");
	struct arm_guest_arch g;
	char why[SVE_WHY_MAX];

	if (arm_snapshot_guest_arch(m, &g, why, sizeof(why)) || !regs ||
	    regs->type != JSON_ARRAY || regs->count > MAX_ID_REGS)
		return -EINVAL;
	fprintf(f, "guest vcpus %llu ipa %llu pmu %d ptrauth %d nested %d e2h0 %d sve 0x%llx\n",
		(unsigned long long)nr_vcpus, (unsigned long long)g.ipa_bits,
		g.pmu, g.ptrauth, g.nested, g.e2h0, (unsigned long long)g.sve);
	fprintf(f, "profile ");
	if (g.has_profile)
		cpu_profile_write_body(f, &g.profile);
	fputc('\n', f);
	for (size_t i = 0; i < regs->count; i++) {
		const struct json_value *r = &regs->items[i];
		uint64_t id, value;
		const char *name;
		char err[160];

		if (json_member_hex(r, "id", &id, err, sizeof(err)) ||
		    json_member_hex(r, "value", &value, err, sizeof(err)) ||
		    json_member_string(r, "name", &name, err, sizeof(err)))
			return -EINVAL;
		/* The name only goes into messages; as JSON, one line. */
		fprintf(f, "id_reg 0x%llx 0x%llx ", (unsigned long long)id,
			(unsigned long long)value);
		json_print_string(f, name);
		fputc('\n', f);
	}
	return put_kvm_facts(f);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * What a snapshot's manifest says the guest's arm64 machine was, and the
 * arch options that rebuild it (pure: no KVM, so fuzzed natively).
 */
#include <lkvm/arch.h>

#include <lkvm/arm/arm.h>

#include <lkvm/json.h>
#include <lkvm/parse.h>

#include <string.h>

/* arch.cpu_profile: absent or null without one; its set is the guest's. */
static int read_profile(const struct json_value *p, struct arm_guest_arch *g,
			char *why, size_t why_len)
{
	char err[256];

	g->has_profile = p && p->type != JSON_NULL;
	if (!g->has_profile)
		return 0;
	if (cpu_profile_read_body(p, &g->profile, err, sizeof(err)))
		return parse_error(why, why_len, "manifest: arch.cpu_profile: %s",
				   err);
	if (g->profile.sve_vqs != g->sve)
		return parse_error(why, why_len,
				   "manifest: arch.cpu_profile: its SVE set is not the guest's");
	return 0;
}

int arm_snapshot_guest_arch(const struct json_value *m, struct arm_guest_arch *g,
			   char *why, size_t why_len)
{
	const struct json_value *arch = json_get(m, "arch");
	const char *irqchip;
	char err[160];
	int ret;

	ret = json_member_string(arch, "irqchip", &irqchip, err, sizeof(err));
	ret = ret ?: json_member_uint(arch, "ipa_bits", 52, &g->ipa_bits, err,
				      sizeof(err));
	ret = ret ?: json_member_bool(arch, "pmu", &g->pmu, err, sizeof(err));
	ret = ret ?: json_member_bool(arch, "ptrauth", &g->ptrauth, err,
				      sizeof(err));
	/* Absent from manifests before --nested: no EL2. */
	g->nested = g->e2h0 = false;
	if (!ret && json_get(arch, "nested"))
		ret = json_member_bool(arch, "nested", &g->nested, err,
				       sizeof(err));
	if (!ret && json_get(arch, "e2h0"))
		ret = json_member_bool(arch, "e2h0", &g->e2h0, err,
				       sizeof(err));
	ret = ret ?: sve_vqset_read_json(json_get(arch, "sve_vls"),
					 "arch.sve_vls", &g->sve, err,
					 sizeof(err));
	if (ret)
		return parse_error(why, why_len, "manifest: arch: %s", err);
	ret = read_profile(json_get(arch, "cpu_profile"), g, why, why_len);
	if (ret)
		return ret;
	if (strcmp(irqchip, "gicv3"))
		return parse_error(why, why_len,
				   "manifest: arch: the interrupt controller is \"%s\"; snapshots have a GICv3",
				   irqchip);
	if (g->e2h0 && !g->nested)
		return parse_error(why, why_len,
				   "manifest: arch: e2h0 without nested");
	if (g->ipa_bits < 32)
		return parse_error(why, why_len,
				   "manifest: arch: ipa_bits %llu is below 32",
				   (unsigned long long)g->ipa_bits);
	return 0;
}

int arch_config_from_manifest(const struct json_value *m,
			      struct arch_config *cfg, char *why,
			      size_t why_len)
{
	struct arm_guest_arch g;
	int ret = arm_snapshot_guest_arch(m, &g, why, why_len);

	if (ret)
		return ret;
	cfg->irqchip = IRQCHIP_GICV3;
	cfg->pmu = g.pmu;
	cfg->ptrauth = g.ptrauth ? FEATURE_ON : FEATURE_OFF;
	cfg->nested = g.nested;
	cfg->e2h0 = g.e2h0;
	cfg->sve = (struct sve_spec){ .kind = g.sve ? SVE_SPEC_SET :
						      SVE_SPEC_OFF,
				      .set = g.sve };
	cfg->sve_option = "--sve-vls";
	cfg->sve_arg = "(the snapshot's set)";
	cfg->has_profile = g.has_profile;
	cfg->profile = g.profile;
	return 0;
}


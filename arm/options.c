// SPDX-License-Identifier: GPL-2.0
/* `lkvm run` options that shape the arm64 vcpus and interrupt controller. */
#include <lkvm/run_options.h>

#include <lkvm/arch.h>
#include <lkvm/arm/arm.h>

#include <lkvm/json.h>
#include <lkvm/log.h>
#include <lkvm/parse.h>
#include <lkvm/small_file.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Handlers get the whole config; arm's options live in its arch part. */
#define CFG(ctx) (((struct vm_config *)(ctx))->arch)

static int set_irqchip(void *ctx, const char *arg)
{
	static const struct {
		const char *name;
		enum irqchip_kind kind;
	} kinds[] = {
		{ "auto", IRQCHIP_AUTO },
		{ "gicv3", IRQCHIP_GICV3 },
		{ "gicv2", IRQCHIP_GICV2 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (!strcmp(arg, kinds[i].name)) {
			CFG(ctx)->irqchip = kinds[i].kind;
			return 0;
		}
	}
	if (!strcmp(arg, "gicv3-its") || !strcmp(arg, "gicv2m")) {
		pr_err("--irqchip %s: not supported (lkvm has no PCI, which is what %s serves); use gicv3 or gicv2",
		       arg, arg);
		return -EOPNOTSUPP;
	}
	pr_err("--irqchip '%s': expected auto, gicv3 or gicv2", arg);
	return -EINVAL;
}

static int set_pmu(void *ctx, const char *arg)
{
	(void)arg;
	CFG(ctx)->pmu = true;
	return 0;
}

static int set_ptrauth(void *ctx, const char *arg)
{
	bool on;

	if (parse_bool(arg, &on)) {
		pr_err("--ptrauth '%s': expected on or off", arg);
		return -EINVAL;
	}
	CFG(ctx)->ptrauth = on ? FEATURE_ON : FEATURE_OFF;
	return 0;
}

static int set_disable_ptrauth(void *ctx, const char *arg)
{
	(void)arg;
	CFG(ctx)->ptrauth = FEATURE_OFF;
	return 0;
}

/*
 * --sve-vls, --sve-max-vl and --disable-sve describe one thing: one of
 * them may be given, as often as the user likes (the last one counts).
 */
static int set_sve(struct arch_config *cfg, const char *option,
		   const char *arg, const struct sve_spec *spec)
{
	if (cfg->sve_option && strcmp(cfg->sve_option, option)) {
		pr_err("%s%s%s: give only one of --sve-vls, --sve-max-vl, --disable-sve and --cpu-profile (%s%s%s was given too)",
		       option, arg ? "=" : "", arg ? arg : "", cfg->sve_option,
		       cfg->sve_arg ? "=" : "",
		       cfg->sve_arg ? cfg->sve_arg : "");
		return -EINVAL;
	}
	cfg->sve = *spec;
	cfg->sve_option = option;
	cfg->sve_arg = arg;
	return 0;
}

static int set_sve_vls(void *ctx, const char *arg)
{
	struct sve_spec spec;
	char err[160];

	if (sve_spec_parse(arg, &spec, err, sizeof(err))) {
		pr_err("--sve-vls=%s: %s", arg, err);
		return -EINVAL;
	}
	return set_sve(CFG(ctx), "--sve-vls", arg, &spec);
}

static int set_sve_max_vl(void *ctx, const char *arg)
{
	struct sve_spec spec = { .kind = SVE_SPEC_MAX_VL };
	char err[160];

	if (sve_vl_parse(arg, &spec.max_vq, err, sizeof(err))) {
		pr_err("--sve-max-vl=%s: %s", arg, err);
		return -EINVAL;
	}
	return set_sve(CFG(ctx), "--sve-max-vl", arg, &spec);
}

static int set_disable_sve(void *ctx, const char *arg)
{
	static const struct sve_spec off = { .kind = SVE_SPEC_OFF };

	(void)arg;
	return set_sve(CFG(ctx), "--disable-sve", NULL, &off);
}

static int set_nested(void *ctx, const char *arg)
{
	(void)arg;
	CFG(ctx)->nested = true;
	return 0;
}

/* EL2 without VHE is still EL2: --e2h0 alone means --nested --e2h0. */
static int set_e2h0(void *ctx, const char *arg)
{
	(void)arg;
	CFG(ctx)->nested = true;
	CFG(ctx)->e2h0 = true;
	return 0;
}

static int set_cpu_profile(void *ctx, const char *arg)
{
	struct arch_config *cfg = CFG(ctx);
	struct sve_spec spec = { .kind = SVE_SPEC_SET };
	char err[256], *text;
	size_t len = 0;
	int ret = small_file_read(arg, JSON_MAX_INPUT, &text, &len);

	if (ret) {
		pr_err("--cpu-profile=%s: %s", arg,
		       ret == -EFBIG ? "too large for a profile" : strerror(-ret));
		return -EINVAL;
	}
	ret = cpu_profile_parse(text, len, &cfg->profile, err, sizeof(err));
	free(text);
	if (ret) {
		pr_err("--cpu-profile=%s: %s", arg, err);
		return -EINVAL;
	}
	spec.set = cfg->profile.sve_vqs;
	if (!spec.set)
		spec.kind = SVE_SPEC_OFF;
	cfg->has_profile = true;
	return set_sve(cfg, "--cpu-profile", arg, &spec);
}

const struct opt arch_run_options[] = {
	OPT_GROUP_HEADING(" Arch-specific options (arm64):"),
	{ OPT_VALUE, 0, "irqchip", "auto|gicv3|gicv2", "Interrupt controller (default auto: GICv3, else GICv2)", set_irqchip },
	{ OPT_FLAG, 0, "pmu", NULL, "Give the guest a PMUv3", set_pmu },
	{ OPT_VALUE, 0, "ptrauth", "on|off", "Pointer authentication (default on when KVM has it)", set_ptrauth },
	{ OPT_FLAG, 0, "disable-ptrauth", NULL, "Same as --ptrauth off", set_disable_ptrauth },
	{ OPT_VALUE, 0, "sve-vls", "host|off|list", "SVE vector lengths in bits, e.g. 128,256 or 128-512 (default host)", set_sve_vls },
	{ OPT_VALUE, 0, "sve-max-vl", "bits", "The host's SVE lengths up to this one (kvmtool)", set_sve_max_vl },
	{ OPT_FLAG, 0, "disable-sve", NULL, "Same as --sve-vls=off", set_disable_sve },
	{ OPT_FLAG, 0, "nested", NULL, "Give the vcpus EL2: the guest may be a hypervisor", set_nested },
	{ OPT_FLAG, 0, "e2h0", NULL, "With --nested: EL2 without VHE (implies --nested)", set_e2h0 },
	{ OPT_VALUE, 0, "cpu-profile", "file", "A fleet's CPU profile (lkvm sve common --profile): its SVE set and feature floor", set_cpu_profile },
	OPT_TABLE_END,
};

struct arch_config *arch_config_create(void)
{
	struct arch_config *cfg = calloc(1, sizeof(*cfg));

	if (cfg) {
		cfg->irqchip = IRQCHIP_AUTO;
		cfg->ptrauth = FEATURE_DEFAULT;
		cfg->sve.kind = SVE_SPEC_HOST;
	}
	return cfg;
}

void arch_config_destroy(struct arch_config *cfg)
{
	free(cfg);
}

void arch_config_describe(const struct arch_config *cfg, FILE *f)
{
	char floor[SVE_FEATURES_STR_MAX] = "none";

	/* A warm template made without the profile's floor is another machine. */
	if (cfg->has_profile)
		sve_features_format(&cfg->profile.floor, floor, sizeof(floor));
	fprintf(f, "irqchip=%d pmu=%d ptrauth=%d sve=%d:%#x:%u nested=%d:%d profile=%s\n",
		(int)cfg->irqchip, cfg->pmu, (int)cfg->ptrauth,
		(int)cfg->sve.kind, (unsigned int)cfg->sve.set,
		cfg->sve.max_vq, cfg->nested, cfg->e2h0, floor);
}

const char *arch_config_vl_option(const struct arch_config *cfg)
{
	return cfg->sve_option;
}

// SPDX-License-Identifier: GPL-2.0
/* `lkvm run` options that shape the arm64 vcpus and interrupt controller. */
#include <lkvm/run_options.h>

#include <lkvm/log.h>
#include <lkvm/parse.h>

#include <errno.h>
#include <string.h>

#define CFG(ctx) ((struct vm_config *)(ctx))

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

const struct opt arch_run_options[] = {
	OPT_GROUP_HEADING(" Arch-specific options (arm64):"),
	{ OPT_VALUE, 0, "irqchip", "auto|gicv3|gicv2", "Interrupt controller (default auto: GICv3, else GICv2)", set_irqchip },
	{ OPT_FLAG, 0, "pmu", NULL, "Give the guest a PMUv3", set_pmu },
	{ OPT_VALUE, 0, "ptrauth", "on|off", "Pointer authentication (default on when KVM has it)", set_ptrauth },
	OPT_TABLE_END,
};

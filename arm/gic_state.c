// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel GICv3's state for snapshots (Documentation/virt/kvm/
 * devices/arm-vgic-v3.rst): the distributor, every redistributor, every
 * CPU interface and the input line levels, through KVM's device
 * attributes. One plan, computed from the number of interrupts, the vcpus
 * and their MPIDRs, says which attributes are saved and in which order
 * they are written back; the record holds only the values, so restore
 * writes exactly what save read, in KVM's order: GICD_IIDR first, the
 * redistributors, the SPIs, GICD_CTLR (the enables) after them, then the
 * line levels and the CPU interfaces.
 */
#include <lkvm/arm/arm.h>

#include <lkvm/kvm.h>
#include <lkvm/parse.h>
#include <lkvm/state.h>
#include <lkvm/vm.h>

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>

#define GIC_STATE "arm64-vgic-v3"
#define GIC_STATE_VERSION 1

/* Distributor and redistributor offsets (GICv3 architecture spec). */
#define GICD_CTLR 0x0000U
#define GICD_IIDR 0x0008U
#define GICD_IGROUPR 0x0080U
#define GICD_ISENABLER 0x0100U
#define GICD_ICENABLER 0x0180U
#define GICD_ISPENDR 0x0200U
#define GICD_ISACTIVER 0x0300U
#define GICD_ICACTIVER 0x0380U
#define GICD_IPRIORITYR 0x0400U
#define GICD_ICFGR 0x0c00U
#define GICD_IROUTER 0x6000U
#define GICR_CTLR 0x0000U
#define GICR_SGI 0x10000U	/* the SGI and PPI frame */

/* CPU interface system registers: op0 op1 CRn CRm op2. */
#define ICC(op1, crn, crm, op2) \
	((3U << 14) | ((op1) << 11) | ((crn) << 7) | ((crm) << 3) | (op2))
#define ICC_PMR_EL1 ICC(0, 4, 6, 0)
#define ICC_BPR0_EL1 ICC(0, 12, 8, 3)
#define ICC_AP0R_EL1(n) ICC(0, 12, 8, 4 + (n))
#define ICC_AP1R_EL1(n) ICC(0, 12, 9, (n))
#define ICC_BPR1_EL1 ICC(0, 12, 12, 3)
#define ICC_CTLR_EL1 ICC(0, 12, 12, 4)
#define ICC_SRE_EL1 ICC(0, 12, 12, 5)
#define ICC_IGRPEN0_EL1 ICC(0, 12, 12, 6)
#define ICC_IGRPEN1_EL1 ICC(0, 12, 12, 7)

#define MAX_VCPUS_SAVED 512U

/* What one step of the plan does with its attribute. */
enum gic_step_kind {
	STEP_VALUE,	/* save reads it; restore writes the saved value */
	STEP_CLEAR,	/* restore writes all ones first (ICENABLER, ...) */
};

struct gic_step {
	uint32_t group;
	uint64_t attr;
	unsigned int width;	/* 4 or 8 bytes */
	enum gic_step_kind kind;
};

struct gic_plan {
	struct gic_step *steps;
	size_t nr, cap;
	int err;
};

static void add(struct gic_plan *p, uint32_t group, uint64_t attr,
		unsigned int width, enum gic_step_kind kind)
{
	if (p->err)
		return;
	if (p->nr == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		struct gic_step *s = realloc(p->steps, cap * sizeof(*s));

		if (!s) {
			p->err = -ENOMEM;
			return;
		}
		p->steps = s;
		p->cap = cap;
	}
	p->steps[p->nr++] = (struct gic_step){ group, attr, width, kind };
}

/* KVM's encoding of a vcpu's affinity in the attribute's high word. */
static uint64_t attr_mpidr(uint64_t mpidr)
{
	return ((mpidr & 0xffULL) << 32) | (((mpidr >> 8) & 0xffULL) << 40) |
	       (((mpidr >> 16) & 0xffULL) << 48) |
	       (((mpidr >> 32) & 0xffULL) << 56);
}

static void dist(struct gic_plan *p, uint32_t off, enum gic_step_kind k)
{
	add(p, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, off, 4, k);
}

static void redist(struct gic_plan *p, uint64_t aff, uint32_t off,
		   enum gic_step_kind k)
{
	add(p, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, aff | off, 4, k);
}

static void sysreg(struct gic_plan *p, uint64_t aff, uint32_t instr)
{
	add(p, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS, aff | instr, 8, STEP_VALUE);
}

/* How many of each ICC_APxRn_EL1 the CPU interface has: PRIbits. */
static unsigned int nr_aprs(unsigned int pri_bits)
{
	return pri_bits >= 7 ? 4 : pri_bits == 6 ? 2 : 1;
}

/*
 * The plan for @nr_irqs interrupts (SGIs and PPIs included), vcpus with
 * @mpidr, and CPU interfaces with @pri_bits priority bits.
 */
static void make_plan(struct gic_plan *p, unsigned int nr_irqs,
		      unsigned int nr_vcpus, const uint64_t *mpidr,
		      unsigned int pri_bits)
{
	dist(p, GICD_IIDR, STEP_VALUE);
	for (unsigned int v = 0; v < nr_vcpus; v++) {
		uint64_t aff = attr_mpidr(mpidr[v]);

		redist(p, aff, GICR_CTLR, STEP_VALUE);
		redist(p, aff, GICR_SGI + GICD_IGROUPR, STEP_VALUE);
		redist(p, aff, GICR_SGI + GICD_ICFGR, STEP_VALUE);
		redist(p, aff, GICR_SGI + GICD_ICFGR + 4, STEP_VALUE);
		for (unsigned int i = 0; i < 8; i++)
			redist(p, aff, GICR_SGI + GICD_IPRIORITYR + 4 * i,
			       STEP_VALUE);
		redist(p, aff, GICR_SGI + GICD_ICENABLER, STEP_CLEAR);
		redist(p, aff, GICR_SGI + GICD_ISENABLER, STEP_VALUE);
		redist(p, aff, GICR_SGI + GICD_ISPENDR, STEP_VALUE);
		redist(p, aff, GICR_SGI + GICD_ICACTIVER, STEP_CLEAR);
		redist(p, aff, GICR_SGI + GICD_ISACTIVER, STEP_VALUE);
	}
	for (unsigned int irq = 32; irq < nr_irqs; irq += 32) {
		dist(p, GICD_IGROUPR + irq / 8, STEP_VALUE);
		dist(p, GICD_ICFGR + irq / 4, STEP_VALUE);
		dist(p, GICD_ICFGR + irq / 4 + 4, STEP_VALUE);
		for (unsigned int i = 0; i < 32; i += 4)
			dist(p, GICD_IPRIORITYR + irq + i, STEP_VALUE);
		for (unsigned int i = 0; i < 32; i++) {
			dist(p, GICD_IROUTER + 8 * (irq + i), STEP_VALUE);
			dist(p, GICD_IROUTER + 8 * (irq + i) + 4, STEP_VALUE);
		}
		dist(p, GICD_ICENABLER + irq / 8, STEP_CLEAR);
		dist(p, GICD_ISENABLER + irq / 8, STEP_VALUE);
		dist(p, GICD_ISPENDR + irq / 8, STEP_VALUE);
		dist(p, GICD_ICACTIVER + irq / 8, STEP_CLEAR);
		dist(p, GICD_ISACTIVER + irq / 8, STEP_VALUE);
	}
	dist(p, GICD_CTLR, STEP_VALUE);
	for (unsigned int irq = 32; irq < nr_irqs; irq += 32)
		add(p, KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO,
		    ((uint64_t)VGIC_LEVEL_INFO_LINE_LEVEL
		     << KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_SHIFT) | irq,
		    4, STEP_VALUE);
	for (unsigned int v = 0; v < nr_vcpus; v++) {
		uint64_t aff = attr_mpidr(mpidr[v]);

		/* PPIs: the first 32 interrupts, per vcpu. */
		add(p, KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO,
		    aff | ((uint64_t)VGIC_LEVEL_INFO_LINE_LEVEL
			   << KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_SHIFT),
		    4, STEP_VALUE);
		/* SRE first: it decides how the others behave. */
		sysreg(p, aff, ICC_SRE_EL1);
		sysreg(p, aff, ICC_CTLR_EL1);
		sysreg(p, aff, ICC_PMR_EL1);
		sysreg(p, aff, ICC_BPR0_EL1);
		sysreg(p, aff, ICC_BPR1_EL1);
		for (unsigned int i = 0; i < nr_aprs(pri_bits); i++) {
			sysreg(p, aff, ICC_AP0R_EL1(i));
			sysreg(p, aff, ICC_AP1R_EL1(i));
		}
		sysreg(p, aff, ICC_IGRPEN0_EL1);
		sysreg(p, aff, ICC_IGRPEN1_EL1);
	}
}

static int attr_io(struct vm *vm, unsigned long req, const struct gic_step *s,
		   uint64_t *val)
{
	uint32_t v32 = (uint32_t)*val;
	struct kvm_device_attr a = {
		.group = s->group,
		.attr = s->attr,
		.addr = s->width == 4 ? (uintptr_t)&v32 : (uintptr_t)val,
	};
	int ret = kvm_ioctl(vm->arch->gic_fd, req, &a);

	if (ret >= 0 && req == KVM_GET_DEVICE_ATTR && s->width == 4)
		*val = v32;
	return ret < 0 ? ret : 0;
}

static void vcpu_mpidrs(const struct vm *vm, uint64_t *mpidr)
{
	for (unsigned int v = 0; v < vm->nr_vcpus; v++)
		mpidr[v] = vm->vcpus[v].arch->mpidr;
}

/* PRIbits of vcpu 0's CPU interface (ICC_CTLR_EL1[10:8] + 1). */
static int read_pri_bits(struct vm *vm, unsigned int *bits)
{
	struct gic_step s = {
		KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS,
		attr_mpidr(vm->vcpus[0].arch->mpidr) | ICC_CTLR_EL1, 8,
		STEP_VALUE
	};
	uint64_t ctlr = 0;
	int ret = attr_io(vm, KVM_GET_DEVICE_ATTR, &s, &ctlr);

	*bits = (unsigned int)((ctlr >> 8) & 7) + 1;
	return ret;
}

int arch_vm_save(struct vm *vm, struct state_writer *w)
{
	uint64_t mpidr[MAX_VCPUS_SAVED], *vals = NULL;
	struct gic_plan p = { 0 };
	unsigned int pri_bits = 0, nr_irqs = arm_gic_nr_irqs(vm);
	size_t nv = 0;
	int ret = 0;

	if (vm->arch->gic != GIC_V3) {
		pr_err("snapshots need a GICv3 (this VM has a %s)",
		       gic_name(vm->arch->gic));
		return -EOPNOTSUPP;
	}
	vcpu_mpidrs(vm, mpidr);
	ret = read_pri_bits(vm, &pri_bits);
	if (ret) {
		pr_err("GICv3: reading ICC_CTLR_EL1 failed: %s", strerror(-ret));
		return ret;
	}
	make_plan(&p, nr_irqs, vm->nr_vcpus, mpidr, pri_bits);
	vals = calloc(p.nr + 1, sizeof(*vals));
	ret = p.err ?: vals ? 0 : -ENOMEM;
	for (size_t i = 0; !ret && i < p.nr; i++) {
		if (p.steps[i].kind != STEP_VALUE)
			continue;
		ret = attr_io(vm, KVM_GET_DEVICE_ATTR, &p.steps[i], &vals[nv]);
		if (ret)
			pr_err("GICv3: reading attribute %u/0x%llx failed: %s",
			       p.steps[i].group,
			       (unsigned long long)p.steps[i].attr,
			       strerror(-ret));
		nv++;
	}
	if (!ret) {
		state_begin(w, GIC_STATE, GIC_STATE_VERSION);
		state_put_u64(w, "nr_irqs", nr_irqs);
		state_put_u64(w, "nr_vcpus", vm->nr_vcpus);
		state_put_u64(w, "pri_bits", pri_bits);
		state_put_bytes(w, "values", vals, nv * sizeof(*vals));
		ret = state_end(w);
	}
	free(vals);
	free(p.steps);
	return ret;
}

int arch_vm_load(struct vm *vm, const void *rec, size_t len, char *why,
		 size_t why_len)
{
	uint64_t mpidr[MAX_VCPUS_SAVED], nr_irqs, nr_vcpus, pri_bits, v;
	struct gic_plan p = { 0 };
	struct state_reader r;
	const uint8_t *vals;
	size_t vals_len, nv = 0, want = 0;
	unsigned int here_bits;
	int ret;

	ret = state_open(&r, rec, len, GIC_STATE, GIC_STATE_VERSION, why,
			 why_len);
	ret = ret ?: state_get_uint(&r, "nr_irqs", 1024, &nr_irqs);
	ret = ret ?: state_get_uint(&r, "nr_vcpus", MAX_VCPUS_SAVED, &nr_vcpus);
	ret = ret ?: state_get_uint(&r, "pri_bits", 8, &pri_bits);
	ret = ret ?: state_get_bytes(&r, "values", (const void **)&vals,
				     &vals_len);
	if (ret)
		return ret;
	if (vm->arch->gic != GIC_V3 || nr_irqs != arm_gic_nr_irqs(vm) ||
	    nr_vcpus != vm->nr_vcpus)
		return parse_error(why, why_len,
				   "the saved GICv3 has %llu interrupts and %llu vcpus; this VM's %s has %u and %u",
				   (unsigned long long)nr_irqs,
				   (unsigned long long)nr_vcpus,
				   gic_name(vm->arch->gic), arm_gic_nr_irqs(vm),
				   vm->nr_vcpus);
	ret = read_pri_bits(vm, &here_bits);
	if (ret || here_bits != pri_bits)
		return parse_error(why, why_len,
				   "the guest's GIC CPU interface had %llu priority bits; this host's has %u",
				   (unsigned long long)pri_bits, here_bits);
	vcpu_mpidrs(vm, mpidr);
	make_plan(&p, (unsigned int)nr_irqs, vm->nr_vcpus, mpidr,
		  (unsigned int)pri_bits);
	for (size_t i = 0; i < p.nr; i++)
		want += p.steps[i].kind == STEP_VALUE;
	if (p.err || vals_len != want * sizeof(uint64_t)) {
		free(p.steps);
		return parse_error(why, why_len,
				   "arm64-vgic-v3 record: %zu values, %zu expected",
				   vals_len / sizeof(uint64_t), want);
	}
	for (size_t i = 0; !ret && i < p.nr; i++) {
		if (p.steps[i].kind == STEP_CLEAR) {
			v = ~0ULL;
		} else {
			memcpy(&v, vals + nv * sizeof(v), sizeof(v));
			nv++;
		}
		ret = attr_io(vm, KVM_SET_DEVICE_ATTR, &p.steps[i], &v);
		if (ret)
			ret = parse_error(why, why_len,
					  "GICv3: KVM refused the saved attribute %u/0x%llx (%s)%s",
					  p.steps[i].group,
					  (unsigned long long)p.steps[i].attr,
					  strerror(-ret),
					  i == 0 ? ": the GIC revision (GICD_IIDR) differs" : "");
	}
	free(p.steps);
	return ret;
}

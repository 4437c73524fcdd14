// SPDX-License-Identifier: GPL-2.0
/*
 * Naming and ordering arm64 KVM register IDs: pure functions over the
 * encoding in <asm/kvm.h>, shared by the register dumps and unit tests.
 */
#include <lkvm/arm/reg_id.h>

#include <lkvm/arch.h>
#include <lkvm/reg_set.h>

#include <asm/kvm.h>
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>

#define CORE_OFF(field) KVM_REG_ARM_CORE_REG(field)

/* The SVE group's index layout (KVM_REG_ARM64_SVE_*_BASE). */
#define SVE_INDEX_MASK 0xffffU
#define SVE_VLS_INDEX 0xffffU
#define SVE_SLICE_MASK (KVM_ARM64_SVE_MAX_SLICES - 1)

unsigned int arm_reg_id_size(uint64_t id)
{
	return 1U << ((id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT);
}

static int decode_sve(uint64_t id, struct arm_reg_id *r)
{
	unsigned int idx = r->index;

	r->sve_slice = idx & SVE_SLICE_MASK;
	if (idx == SVE_VLS_INDEX) {
		r->sve = ARM_SVE_VLS;
		r->sve_slice = 0;
		return r->size == 64 ? 0 : -EINVAL;
	}
	if (idx < KVM_REG_ARM64_SVE_PREG_BASE) {
		r->sve = ARM_SVE_Z;
		r->sve_n = (idx >> 5) & (KVM_ARM64_SVE_NUM_ZREGS - 1);
		return id == KVM_REG_ARM64_SVE_ZREG(r->sve_n, r->sve_slice) ?
			       0 : -EINVAL;
	}
	if (idx < KVM_REG_ARM64_SVE_FFR_BASE) {
		r->sve = ARM_SVE_P;
		r->sve_n = (idx >> 5) & (KVM_ARM64_SVE_NUM_PREGS - 1);
		return id == KVM_REG_ARM64_SVE_PREG(r->sve_n, r->sve_slice) ?
			       0 : -EINVAL;
	}
	r->sve = ARM_SVE_FFR;
	return id == KVM_REG_ARM64_SVE_FFR(r->sve_slice) ? 0 : -EINVAL;
}

int arm_reg_id_decode(uint64_t id, struct arm_reg_id *r)
{
	memset(r, 0, sizeof(*r));
	r->group = ARM_REG_UNKNOWN;
	r->size = arm_reg_id_size(id);
	r->index = (unsigned int)(id & 0xffff);
	if ((id & KVM_REG_ARCH_MASK) != KVM_REG_ARM64 || r->size > 256)
		return -EINVAL;

	switch (id & KVM_REG_ARM_COPROC_MASK) {
	case KVM_REG_ARM_CORE:
		r->group = ARM_REG_CORE;
		/* Every core register is 32, 64 or 128 bits. */
		return r->size >= 4 && r->size <= 16 &&
				       r->index < sizeof(struct kvm_regs) / 4 ?
			       0 : -EINVAL;
	case KVM_REG_ARM_DEMUX:
		r->group = ARM_REG_DEMUX;
		return 0;
	case KVM_REG_ARM64_SYSREG:
		r->group = ARM_REG_SYSREG;
		r->op0 = (id & KVM_REG_ARM64_SYSREG_OP0_MASK) >>
			 KVM_REG_ARM64_SYSREG_OP0_SHIFT;
		r->op1 = (id & KVM_REG_ARM64_SYSREG_OP1_MASK) >>
			 KVM_REG_ARM64_SYSREG_OP1_SHIFT;
		r->crn = (id & KVM_REG_ARM64_SYSREG_CRN_MASK) >>
			 KVM_REG_ARM64_SYSREG_CRN_SHIFT;
		r->crm = (id & KVM_REG_ARM64_SYSREG_CRM_MASK) >>
			 KVM_REG_ARM64_SYSREG_CRM_SHIFT;
		r->op2 = (id & KVM_REG_ARM64_SYSREG_OP2_MASK) >>
			 KVM_REG_ARM64_SYSREG_OP2_SHIFT;
		return 0;
	case KVM_REG_ARM_FW:
		r->group = ARM_REG_FW;
		return 0;
	case KVM_REG_ARM64_SVE:
		r->group = ARM_REG_SVE;
		return decode_sve(id, r);
	case KVM_REG_ARM_FW_FEAT_BMAP:
		r->group = ARM_REG_FW_BMAP;
		return 0;
	default:
		return -EINVAL;
	}
}

unsigned int arm_reg_shown_size(const struct arm_reg_id *r,
				unsigned int max_vq)
{
	unsigned int bytes;

	if (r->group != ARM_REG_SVE || !max_vq || r->sve == ARM_SVE_VLS)
		return r->size;
	bytes = r->sve == ARM_SVE_Z ? 16 * max_vq : 2 * max_vq;
	return MIN(bytes, r->size);
}

/*
 * System registers lkvm names. The first ones, flagged key, are what a
 * short dump shows and come first in a full one, in this order.
 */
static const struct sysreg_name {
	uint64_t id;
	const char *name;
	bool key;
} sysreg_names[] = {
	{ ARM64_SYS_REG(3, 0, 1, 0, 0), "SCTLR_EL1", true },
	{ ARM64_SYS_REG(3, 0, 2, 0, 2), "TCR_EL1", true },
	{ ARM64_SYS_REG(3, 0, 2, 0, 0), "TTBR0_EL1", true },
	{ ARM64_SYS_REG(3, 0, 2, 0, 1), "TTBR1_EL1", true },
	{ ARM64_SYS_REG(3, 0, 10, 2, 0), "MAIR_EL1", true },
	{ ARM64_SYS_REG(3, 0, 12, 0, 0), "VBAR_EL1", true },
	{ ARM64_SYS_REG(3, 0, 5, 2, 0), "ESR_EL1", true },
	{ ARM64_SYS_REG(3, 0, 6, 0, 0), "FAR_EL1", true },
	{ ARM64_SYS_REG(3, 0, 1, 0, 2), "CPACR_EL1", true },
	{ ARM64_SYS_REG(3, 0, 1, 2, 0), "ZCR_EL1", true },
	{ ARM64_SYS_REG(3, 0, 0, 0, 5), "MPIDR_EL1", true },
	{ ARM64_SYS_REG(3, 0, 0, 0, 0), "MIDR_EL1", false },
	{ ARM64_SYS_REG(3, 0, 0, 0, 6), "REVIDR_EL1", false },
	{ ARM64_SYS_REG(3, 0, 0, 4, 0), "ID_AA64PFR0_EL1", false },
	{ ARM64_SYS_REG(3, 0, 0, 4, 1), "ID_AA64PFR1_EL1", false },
	{ ARM64_SYS_REG(3, 0, 0, 4, 4), "ID_AA64ZFR0_EL1", false },
	{ ARM64_SYS_REG(3, 0, 0, 5, 0), "ID_AA64DFR0_EL1", false },
	{ ARM64_SYS_REG(3, 0, 0, 5, 1), "ID_AA64DFR1_EL1", false },
	{ ARM64_SYS_REG(3, 0, 0, 6, 0), "ID_AA64ISAR0_EL1", false },
	{ ARM64_SYS_REG(3, 0, 0, 6, 1), "ID_AA64ISAR1_EL1", false },
	{ ARM64_SYS_REG(3, 0, 0, 6, 2), "ID_AA64ISAR2_EL1", false },
	{ ARM64_SYS_REG(3, 0, 0, 7, 0), "ID_AA64MMFR0_EL1", false },
	{ ARM64_SYS_REG(3, 0, 0, 7, 1), "ID_AA64MMFR1_EL1", false },
	{ ARM64_SYS_REG(3, 0, 0, 7, 2), "ID_AA64MMFR2_EL1", false },
	{ ARM64_SYS_REG(3, 0, 1, 0, 1), "ACTLR_EL1", false },
	{ ARM64_SYS_REG(3, 0, 2, 1, 0), "APIAKEYLO_EL1", false },
	{ ARM64_SYS_REG(3, 0, 2, 1, 1), "APIAKEYHI_EL1", false },
	{ ARM64_SYS_REG(3, 0, 2, 1, 2), "APIBKEYLO_EL1", false },
	{ ARM64_SYS_REG(3, 0, 2, 1, 3), "APIBKEYHI_EL1", false },
	{ ARM64_SYS_REG(3, 0, 2, 2, 0), "APDAKEYLO_EL1", false },
	{ ARM64_SYS_REG(3, 0, 2, 2, 1), "APDAKEYHI_EL1", false },
	{ ARM64_SYS_REG(3, 0, 2, 2, 2), "APDBKEYLO_EL1", false },
	{ ARM64_SYS_REG(3, 0, 2, 2, 3), "APDBKEYHI_EL1", false },
	{ ARM64_SYS_REG(3, 0, 2, 3, 0), "APGAKEYLO_EL1", false },
	{ ARM64_SYS_REG(3, 0, 2, 3, 1), "APGAKEYHI_EL1", false },
	{ ARM64_SYS_REG(3, 0, 5, 1, 0), "AFSR0_EL1", false },
	{ ARM64_SYS_REG(3, 0, 5, 1, 1), "AFSR1_EL1", false },
	{ ARM64_SYS_REG(3, 0, 7, 4, 0), "PAR_EL1", false },
	{ ARM64_SYS_REG(3, 0, 10, 3, 0), "AMAIR_EL1", false },
	{ ARM64_SYS_REG(3, 0, 13, 0, 1), "CONTEXTIDR_EL1", false },
	{ ARM64_SYS_REG(3, 0, 13, 0, 4), "TPIDR_EL1", false },
	{ ARM64_SYS_REG(3, 0, 14, 1, 0), "CNTKCTL_EL1", false },
	{ ARM64_SYS_REG(3, 2, 0, 0, 0), "CSSELR_EL1", false },
	{ ARM64_SYS_REG(3, 3, 13, 0, 2), "TPIDR_EL0", false },
	{ ARM64_SYS_REG(3, 3, 13, 0, 3), "TPIDRRO_EL0", false },
	{ ARM64_SYS_REG(2, 0, 0, 2, 2), "MDSCR_EL1", false },
	/*
	 * KVM's timer IDs: TIMER_CVAL and TIMER_CNT have each other's
	 * architectural encodings (see <asm/kvm.h>); the macros are the ABI.
	 */
	{ KVM_REG_ARM_TIMER_CTL, "CNTV_CTL_EL0", false },
	{ KVM_REG_ARM_TIMER_CVAL, "CNTV_CVAL_EL0", false },
	{ KVM_REG_ARM_TIMER_CNT, "CNTVCT_EL0", false },
	{ KVM_REG_ARM_PTIMER_CTL, "CNTP_CTL_EL0", false },
	{ KVM_REG_ARM_PTIMER_CVAL, "CNTP_CVAL_EL0", false },
	{ KVM_REG_ARM_PTIMER_CNT, "CNTPCT_EL0", false },
	{ ARM64_SYS_REG(3, 4, 3, 0, 0), "DACR32_EL2", false },
	{ ARM64_SYS_REG(3, 4, 5, 0, 1), "IFSR32_EL2", false },
	{ ARM64_SYS_REG(3, 4, 5, 3, 0), "FPEXC32_EL2", false },
};

static const char *const fw_names[] = {
	"PSCI_VERSION",
	"SMCCC_ARCH_WORKAROUND_1",
	"SMCCC_ARCH_WORKAROUND_2",
	"SMCCC_ARCH_WORKAROUND_3",
};

static const char *const fw_bmap_names[] = {
	"STD_BMAP",
	"STD_HYP_BMAP",
	"VENDOR_HYP_BMAP",
};

/* AArch32 banked SPSRs after SPSR_EL1, as struct kvm_regs keeps them. */
static const char *const spsr_names[KVM_NR_SPSR] = {
	"SPSR_EL1", "SPSR_ABT", "SPSR_UND", "SPSR_IRQ", "SPSR_FIQ",
};

static const struct sysreg_name *find_sysreg(uint64_t id, size_t *pos)
{
	uint64_t key = id & ~KVM_REG_SIZE_MASK;

	for (size_t i = 0; i < ARRAY_SIZE(sysreg_names); i++) {
		if ((sysreg_names[i].id & ~KVM_REG_SIZE_MASK) == key) {
			*pos = i;
			return &sysreg_names[i];
		}
	}
	return NULL;
}

/* Debug breakpoint and watchpoint registers: op0 2, CRn 0, op2 4-7. */
static bool debug_reg_name(const struct arm_reg_id *r, char *name,
			   size_t len)
{
	static const char *const kinds[] = { "DBGBVR", "DBGBCR", "DBGWVR",
					     "DBGWCR" };

	if (r->op0 != 2 || r->op1 || r->crn || r->op2 < 4)
		return false;
	snprintf(name, len, "%s%u_EL1", kinds[r->op2 - 4], r->crm);
	return true;
}

static void core_name(unsigned int off, unsigned int size, char *name,
		      size_t len)
{
	unsigned int x0 = CORE_OFF(regs.regs[0]);
	unsigned int spsr0 = CORE_OFF(spsr[0]);
	unsigned int v0 = CORE_OFF(fp_regs.vregs[0]);

	if (off >= x0 && off < x0 + 31 * 2 && !((off - x0) % 2) && size == 8)
		snprintf(name, len, "X%u", (off - x0) / 2);
	else if (off == CORE_OFF(regs.sp) && size == 8)
		snprintf(name, len, "SP_EL0");
	else if (off == CORE_OFF(regs.pc) && size == 8)
		snprintf(name, len, "PC");
	else if (off == CORE_OFF(regs.pstate) && size == 8)
		snprintf(name, len, "PSTATE");
	else if (off == CORE_OFF(sp_el1) && size == 8)
		snprintf(name, len, "SP_EL1");
	else if (off == CORE_OFF(elr_el1) && size == 8)
		snprintf(name, len, "ELR_EL1");
	else if (off >= spsr0 && off < spsr0 + KVM_NR_SPSR * 2 &&
		 !((off - spsr0) % 2) && size == 8)
		snprintf(name, len, "%s", spsr_names[(off - spsr0) / 2]);
	else if (off >= v0 && off < v0 + 32 * 4 && !((off - v0) % 4) &&
		 size == 16)
		snprintf(name, len, "V%u", (off - v0) / 4);
	else if (off == CORE_OFF(fp_regs.fpsr) && size == 4)
		snprintf(name, len, "FPSR");
	else if (off == CORE_OFF(fp_regs.fpcr) && size == 4)
		snprintf(name, len, "FPCR");
}

static void sve_name(const struct arm_reg_id *r, char *name, size_t len)
{
	static const char *const prefix[] = { "Z", "P", "FFR", "SVE_VLS" };

	if (r->sve == ARM_SVE_VLS)
		snprintf(name, len, "SVE_VLS");
	else if (r->sve == ARM_SVE_FFR)
		snprintf(name, len, r->sve_slice ? "FFR.slice%u" : "FFR",
			 r->sve_slice);
	else if (r->sve_slice)
		snprintf(name, len, "%s%u.slice%u", prefix[r->sve], r->sve_n,
			 r->sve_slice);
	else
		snprintf(name, len, "%s%u", prefix[r->sve], r->sve_n);
}

void arm_reg_name(uint64_t id, char *name, size_t name_len, char *encoding,
		  size_t enc_len)
{
	struct arm_reg_id r;
	const struct sysreg_name *s;
	size_t pos;
	bool ok = !arm_reg_id_decode(id, &r);

	name[0] = '\0';
	encoding[0] = '\0';
	if (!ok)
		return;
	switch (r.group) {
	case ARM_REG_CORE:
		core_name(r.index, r.size, name, name_len);
		break;
	case ARM_REG_SYSREG:
		snprintf(encoding, enc_len, "S%u_%u_C%u_C%u_%u", r.op0, r.op1,
			 r.crn, r.crm, r.op2);
		s = find_sysreg(id, &pos);
		if (s)
			snprintf(name, name_len, "%s", s->name);
		else
			debug_reg_name(&r, name, name_len);
		break;
	case ARM_REG_DEMUX:
		if ((id & KVM_REG_ARM_DEMUX_ID_MASK) ==
		    KVM_REG_ARM_DEMUX_ID_CCSIDR)
			snprintf(name, name_len, "CCSIDR[%llu]",
				 (unsigned long long)(id &
						      KVM_REG_ARM_DEMUX_VAL_MASK));
		break;
	case ARM_REG_FW:
		if (r.index < ARRAY_SIZE(fw_names))
			snprintf(name, name_len, "%s", fw_names[r.index]);
		break;
	case ARM_REG_FW_BMAP:
		if (r.index < ARRAY_SIZE(fw_bmap_names))
			snprintf(name, name_len, "%s", fw_bmap_names[r.index]);
		break;
	case ARM_REG_SVE:
		sve_name(&r, name, name_len);
		break;
	default:
		break;
	}
}

/* Display order: group first, then a position inside it. */
enum {
	RANK_CORE = 0,
	RANK_KEY_SYSREG,
	RANK_FP,
	RANK_SVE,
	RANK_SYSREG,
	RANK_TIMER_FW,
	RANK_OTHER_SYSREG,
	RANK_DEMUX,
	RANK_UNKNOWN,
};

#define RANK(group, pos) ((uint64_t)(group) << 32 | (uint32_t)(pos))

static bool is_key_core(unsigned int off)
{
	return off < CORE_OFF(spsr[1]);	/* X0-X30 ... SPSR_EL1 */
}

void arch_reg_describe(uint64_t id, struct reg_desc *d)
{
	struct arm_reg_id r;
	const struct sysreg_name *s;
	size_t pos;

	memset(d, 0, sizeof(*d));
	arm_reg_name(id, d->name, sizeof(d->name), d->encoding,
		     sizeof(d->encoding));
	d->show = REG_SHOW_HEX;
	if (arm_reg_id_decode(id, &r)) {
		d->rank = RANK(RANK_UNKNOWN, 0);
		return;
	}
	switch (r.group) {
	case ARM_REG_CORE:
		d->key = is_key_core(r.index);
		d->rank = RANK(r.index < CORE_OFF(fp_regs) ? RANK_CORE :
							      RANK_FP,
			       r.index);
		break;
	case ARM_REG_SYSREG:
		s = find_sysreg(id, &pos);
		if (s) {
			d->key = s->key;
			d->rank = RANK(s->key ? RANK_KEY_SYSREG : RANK_SYSREG,
				       pos);
		} else {
			d->rank = RANK(RANK_OTHER_SYSREG, 0);
		}
		break;
	case ARM_REG_SVE:
		d->show = r.sve == ARM_SVE_VLS ? REG_SHOW_VQSET : REG_SHOW_HEX;
		/* VLS, Z0-Z31, P0-P15, FFR; slices after their register. */
		pos = r.sve == ARM_SVE_VLS ? 0 : 1 + r.sve * 64 + r.sve_n;
		d->rank = RANK(RANK_SVE, pos * 32 + r.sve_slice);
		break;
	case ARM_REG_FW:
	case ARM_REG_FW_BMAP:
		d->rank = RANK(RANK_TIMER_FW, 0);
		break;
	case ARM_REG_DEMUX:
		d->rank = RANK(RANK_DEMUX, 0);
		break;
	default:
		d->rank = RANK(RANK_UNKNOWN, 0);
		break;
	}
}

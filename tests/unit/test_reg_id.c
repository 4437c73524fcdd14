#include "harness.h"

#include <lkvm/arch.h>
#include <lkvm/arm/reg_id.h>
#include <lkvm/reg_set.h>

#include <asm/kvm.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>

#define CORE(off, size) (KVM_REG_ARM64 | (size) | KVM_REG_ARM_CORE | (off))

static const char *name_of(uint64_t id)
{
	static char name[32];
	char enc[24];

	arm_reg_name(id, name, sizeof(name), enc, sizeof(enc));
	return name;
}

static void test_size_field(void)
{
	CHECK_EQ(arm_reg_id_size(KVM_REG_ARM64 | KVM_REG_SIZE_U8), 1);
	CHECK_EQ(arm_reg_id_size(KVM_REG_ARM64 | KVM_REG_SIZE_U32), 4);
	CHECK_EQ(arm_reg_id_size(KVM_REG_ARM64 | KVM_REG_SIZE_U64), 8);
	CHECK_EQ(arm_reg_id_size(KVM_REG_ARM64 | KVM_REG_SIZE_U128), 16);
	CHECK_EQ(arm_reg_id_size(KVM_REG_ARM64_SVE_PREG(0, 0)), 32);
	CHECK_EQ(arm_reg_id_size(KVM_REG_ARM64_SVE_VLS), 64);
	CHECK_EQ(arm_reg_id_size(KVM_REG_ARM64_SVE_ZREG(0, 0)), 256);
}

static void test_groups(void)
{
	struct arm_reg_id r;

	CHECK_EQ(arm_reg_id_decode(CORE(0, KVM_REG_SIZE_U64), &r), 0);
	CHECK_EQ(r.group, ARM_REG_CORE);
	CHECK_EQ(arm_reg_id_decode(ARM64_SYS_REG(3, 0, 1, 0, 0), &r), 0);
	CHECK_EQ(r.group, ARM_REG_SYSREG);
	CHECK_EQ(r.op0, 3);
	CHECK_EQ(r.crn, 1);
	CHECK_EQ(arm_reg_id_decode(ARM64_SYS_REG(2, 7, 15, 15, 7), &r), 0);
	CHECK_EQ(r.op0, 2);
	CHECK_EQ(r.op1, 7);
	CHECK_EQ(r.crn, 15);
	CHECK_EQ(r.crm, 15);
	CHECK_EQ(r.op2, 7);
	CHECK_EQ(arm_reg_id_decode(KVM_REG_ARM_PSCI_VERSION, &r), 0);
	CHECK_EQ(r.group, ARM_REG_FW);
	CHECK_EQ(arm_reg_id_decode(KVM_REG_ARM_STD_BMAP, &r), 0);
	CHECK_EQ(r.group, ARM_REG_FW_BMAP);
	CHECK_EQ(arm_reg_id_decode(KVM_REG_ARM64 | KVM_REG_SIZE_U32 |
					   KVM_REG_ARM_DEMUX |
					   KVM_REG_ARM_DEMUX_ID_CCSIDR | 3,
				   &r), 0);
	CHECK_EQ(r.group, ARM_REG_DEMUX);
	/* Not arm64, an unknown group, a core register of a wrong size. */
	CHECK(arm_reg_id_decode(0x4030000000000000ULL, &r) < 0);
	CHECK(arm_reg_id_decode(KVM_REG_ARM64 | KVM_REG_SIZE_U64 |
					(0x0042ULL << KVM_REG_ARM_COPROC_SHIFT),
				&r) < 0);
	CHECK_EQ(r.group, ARM_REG_UNKNOWN);
	CHECK(arm_reg_id_decode(CORE(0, KVM_REG_SIZE_U8), &r) < 0);
	CHECK(arm_reg_id_decode(CORE(0xfff, KVM_REG_SIZE_U64), &r) < 0);
}

static void test_sve_ids(void)
{
	struct arm_reg_id r;

	CHECK_EQ(arm_reg_id_decode(KVM_REG_ARM64_SVE_ZREG(31, 0), &r), 0);
	CHECK_EQ(r.group, ARM_REG_SVE);
	CHECK_EQ(r.sve, ARM_SVE_Z);
	CHECK_EQ(r.sve_n, 31);
	CHECK_EQ(r.sve_slice, 0);
	CHECK_EQ(arm_reg_id_decode(KVM_REG_ARM64_SVE_ZREG(5, 3), &r), 0);
	CHECK_EQ(r.sve_n, 5);
	CHECK_EQ(r.sve_slice, 3);
	CHECK_EQ(arm_reg_id_decode(KVM_REG_ARM64_SVE_PREG(15, 1), &r), 0);
	CHECK_EQ(r.sve, ARM_SVE_P);
	CHECK_EQ(r.sve_n, 15);
	CHECK_EQ(r.sve_slice, 1);
	CHECK_EQ(arm_reg_id_decode(KVM_REG_ARM64_SVE_FFR(0), &r), 0);
	CHECK_EQ(r.sve, ARM_SVE_FFR);
	CHECK_EQ(arm_reg_id_decode(KVM_REG_ARM64_SVE_VLS, &r), 0);
	CHECK_EQ(r.sve, ARM_SVE_VLS);
	/* Z with P's size, P with Z's, a VLS that is not 512 bits. */
	CHECK(arm_reg_id_decode((KVM_REG_ARM64_SVE_ZREG(1, 0) &
				 ~KVM_REG_SIZE_MASK) | KVM_REG_SIZE_U256,
				&r) < 0);
	CHECK(arm_reg_id_decode((KVM_REG_ARM64_SVE_PREG(1, 0) &
				 ~KVM_REG_SIZE_MASK) | KVM_REG_SIZE_U2048,
				&r) < 0);
	CHECK(arm_reg_id_decode((KVM_REG_ARM64_SVE_VLS & ~KVM_REG_SIZE_MASK) |
					KVM_REG_SIZE_U64,
				&r) < 0);
	/* Past FFR's slices: nothing is defined there. */
	CHECK(arm_reg_id_decode(KVM_REG_ARM64_SVE_FFR(0) + 0x20, &r) < 0);
}

static void test_shown_size(void)
{
	struct arm_reg_id r;

	/* A VM whose longest vector is 256 bits (vq 2). */
	arm_reg_id_decode(KVM_REG_ARM64_SVE_ZREG(0, 0), &r);
	CHECK_EQ(arm_reg_shown_size(&r, 2), 32);
	CHECK_EQ(arm_reg_shown_size(&r, 16), 256);
	CHECK_EQ(arm_reg_shown_size(&r, 0), 256);
	arm_reg_id_decode(KVM_REG_ARM64_SVE_PREG(3, 0), &r);
	CHECK_EQ(arm_reg_shown_size(&r, 2), 4);
	CHECK_EQ(arm_reg_shown_size(&r, 16), 32);
	arm_reg_id_decode(KVM_REG_ARM64_SVE_FFR(0), &r);
	CHECK_EQ(arm_reg_shown_size(&r, 4), 8);
	arm_reg_id_decode(KVM_REG_ARM64_SVE_VLS, &r);
	CHECK_EQ(arm_reg_shown_size(&r, 2), 64);
	arm_reg_id_decode(CORE(KVM_REG_ARM_CORE_REG(regs.pc), KVM_REG_SIZE_U64),
			  &r);
	CHECK_EQ(arm_reg_shown_size(&r, 2), 8);
}

static void test_names(void)
{
	char name[32], enc[24];

	CHECK_STR(name_of(CORE(KVM_REG_ARM_CORE_REG(regs.regs[0]),
			       KVM_REG_SIZE_U64)), "X0");
	CHECK_STR(name_of(CORE(KVM_REG_ARM_CORE_REG(regs.regs[30]),
			       KVM_REG_SIZE_U64)), "X30");
	CHECK_STR(name_of(CORE(KVM_REG_ARM_CORE_REG(regs.sp),
			       KVM_REG_SIZE_U64)), "SP_EL0");
	CHECK_STR(name_of(CORE(KVM_REG_ARM_CORE_REG(regs.pc),
			       KVM_REG_SIZE_U64)), "PC");
	CHECK_STR(name_of(CORE(KVM_REG_ARM_CORE_REG(regs.pstate),
			       KVM_REG_SIZE_U64)), "PSTATE");
	CHECK_STR(name_of(CORE(KVM_REG_ARM_CORE_REG(sp_el1),
			       KVM_REG_SIZE_U64)), "SP_EL1");
	CHECK_STR(name_of(CORE(KVM_REG_ARM_CORE_REG(elr_el1),
			       KVM_REG_SIZE_U64)), "ELR_EL1");
	CHECK_STR(name_of(CORE(KVM_REG_ARM_CORE_REG(spsr[0]),
			       KVM_REG_SIZE_U64)), "SPSR_EL1");
	CHECK_STR(name_of(CORE(KVM_REG_ARM_CORE_REG(spsr[4]),
			       KVM_REG_SIZE_U64)), "SPSR_FIQ");
	CHECK_STR(name_of(CORE(KVM_REG_ARM_CORE_REG(fp_regs.vregs[31]),
			       KVM_REG_SIZE_U128)), "V31");
	CHECK_STR(name_of(CORE(KVM_REG_ARM_CORE_REG(fp_regs.fpsr),
			       KVM_REG_SIZE_U32)), "FPSR");
	CHECK_STR(name_of(CORE(KVM_REG_ARM_CORE_REG(fp_regs.fpcr),
			       KVM_REG_SIZE_U32)), "FPCR");
	/* The middle of X1 is no register. */
	CHECK_STR(name_of(CORE(KVM_REG_ARM_CORE_REG(regs.regs[1]) + 1,
			       KVM_REG_SIZE_U64)), "");

	CHECK_STR(name_of(ARM64_SYS_REG(3, 0, 1, 0, 0)), "SCTLR_EL1");
	CHECK_STR(name_of(ARM64_SYS_REG(3, 0, 2, 0, 1)), "TTBR1_EL1");
	CHECK_STR(name_of(ARM64_SYS_REG(3, 0, 1, 2, 0)), "ZCR_EL1");
	CHECK_STR(name_of(ARM64_SYS_REG(3, 0, 1, 0, 2)), "CPACR_EL1");
	CHECK_STR(name_of(KVM_REG_ARM_TIMER_CNT), "CNTVCT_EL0");
	CHECK_STR(name_of(KVM_REG_ARM_TIMER_CVAL), "CNTV_CVAL_EL0");
	CHECK_STR(name_of(ARM64_SYS_REG(2, 0, 0, 5, 4)), "DBGBVR5_EL1");
	CHECK_STR(name_of(ARM64_SYS_REG(2, 0, 0, 15, 7)), "DBGWCR15_EL1");
	CHECK_STR(name_of(KVM_REG_ARM_PSCI_VERSION), "PSCI_VERSION");
	CHECK_STR(name_of(KVM_REG_ARM64 | KVM_REG_SIZE_U32 | KVM_REG_ARM_DEMUX |
			  KVM_REG_ARM_DEMUX_ID_CCSIDR | 2), "CCSIDR[2]");
	CHECK_STR(name_of(KVM_REG_ARM64_SVE_ZREG(7, 0)), "Z7");
	CHECK_STR(name_of(KVM_REG_ARM64_SVE_ZREG(7, 1)), "Z7.slice1");
	CHECK_STR(name_of(KVM_REG_ARM64_SVE_PREG(15, 0)), "P15");
	CHECK_STR(name_of(KVM_REG_ARM64_SVE_FFR(0)), "FFR");
	CHECK_STR(name_of(KVM_REG_ARM64_SVE_VLS), "SVE_VLS");

	/* Unnamed system registers still get their generic encoding. */
	arm_reg_name(ARM64_SYS_REG(3, 0, 0, 1, 0), name, sizeof(name), enc,
		     sizeof(enc));
	CHECK_STR(name, "");
	CHECK_STR(enc, "S3_0_C0_C1_0");
	arm_reg_name(0x1234, name, sizeof(name), enc, sizeof(enc));
	CHECK_STR(name, "");
	CHECK_STR(enc, "");
}

static void test_display_order(void)
{
	static const uint64_t shuffled[] = {
		ARM64_SYS_REG(3, 0, 0, 1, 0),	/* unnamed sysreg */
		KVM_REG_ARM64_SVE_ZREG(1, 0),
		KVM_REG_ARM64_SVE_VLS,
		ARM64_SYS_REG(3, 0, 0, 0, 0),	/* MIDR: named, not key */
		ARM64_SYS_REG(3, 0, 2, 0, 2),	/* TCR: key */
		ARM64_SYS_REG(3, 0, 1, 0, 0),	/* SCTLR: key, first */
		KVM_REG_ARM64_SVE_PREG(0, 0),
		KVM_REG_ARM64_SVE_ZREG(0, 0),
		KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |
			KVM_REG_ARM_CORE_REG(regs.pc),
		KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |
			KVM_REG_ARM_CORE_REG(regs.regs[0]),
	};
	static const char *const want[] = {
		"X0", "PC", "SCTLR_EL1", "TCR_EL1", "SVE_VLS", "Z0", "Z1",
		"P0", "MIDR_EL1", "",
	};
	struct reg_set set;
	struct reg_desc d;
	uint8_t zero[256] = { 0 };

	reg_set_init(&set, 0);
	for (size_t i = 0; i < ARRAY_SIZE(shuffled); i++)
		reg_set_add(&set, shuffled[i], zero,
			    (uint16_t)arm_reg_id_size(shuffled[i]), 0);
	reg_set_sort(&set);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		arch_reg_describe(set.regs[i].id, &d);
		CHECK_STR(d.name, want[i]);
	}
	arch_reg_describe(ARM64_SYS_REG(3, 0, 2, 0, 2), &d);
	CHECK(d.key);
	arch_reg_describe(ARM64_SYS_REG(3, 0, 0, 0, 0), &d);
	CHECK(!d.key);
	arch_reg_describe(KVM_REG_ARM64_SVE_VLS, &d);
	CHECK_EQ(d.show, REG_SHOW_VQSET);
	reg_set_free(&set);
}

/* Formats @set into a string (the caller frees it). */
static char *print(const struct reg_set *set, enum reg_format fmt, bool key)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	reg_set_print(f, set, fmt, key);
	fclose(f);
	return buf;
}

static void test_format(void)
{
	uint64_t pc_id = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |
			 KVM_REG_ARM_CORE_REG(regs.pc);
	uint8_t pc[8] = { 0x00, 0x10, 0x08, 0x80, 0, 0, 0, 0 };
	uint8_t z[32], vls[64] = { 0x03 };
	struct reg_set set;
	char *s;

	for (unsigned int i = 0; i < sizeof(z); i++)
		z[i] = (uint8_t)(0xa0 + i);
	reg_set_init(&set, 1);
	reg_set_add(&set, pc_id, pc, 8, 0);
	reg_set_add(&set, KVM_REG_ARM64_SVE_ZREG(3, 0), z, 32, 0);
	reg_set_add(&set, KVM_REG_ARM64_SVE_VLS, vls, 64, 0);
	reg_set_add(&set, ARM64_SYS_REG(3, 0, 0, 1, 0), pc, 8, 0);
	reg_set_add(&set, ARM64_SYS_REG(3, 0, 1, 0, 0), NULL, 0, 22);
	reg_set_sort(&set);

	s = print(&set, REG_FORMAT_TEXT, false);
	CHECK(strstr(s, "vcpu 1 registers (all 5 from KVM_GET_REG_LIST):\n"));
	/* Most significant byte first, the full width of the register. */
	CHECK(strstr(s, "  PC                 0x0000000080081000\n"));
	CHECK(strstr(s, "  Z3                 0xbfbebdbcbbbab9b8b7b6b5b4b3b2b1b0afaeadacabaaa9a8a7a6a5a4a3a2a1a0  (256 bits)\n"));
	CHECK(strstr(s, "  SVE_VLS            128,256\n"));
	CHECK(strstr(s, "  S3_0_C0_C1_0       0x0000000080081000  (id 0x603000000013c008)\n"));
	CHECK(strstr(s, "  SCTLR_EL1          (not readable: Invalid argument)\n"));
	free(s);

	s = print(&set, REG_FORMAT_TEXT, true);
	CHECK(strstr(s, "vcpu 1 registers:\n"));
	CHECK(strstr(s, "PC "));
	CHECK(!strstr(s, "Z3"));
	free(s);

	s = print(&set, REG_FORMAT_JSON, false);
	CHECK(strstr(s, "{\"id\":1,\"registers\":[{\"name\":\"PC\",\"id\":\"0x6030000000100040\",\"bits\":64,\"value\":\"0x0000000080081000\"}"));
	CHECK(strstr(s, "{\"name\":\"SVE_VLS\",\"id\":\"0x606000000015ffff\",\"bits\":512,"));
	CHECK(strstr(s, "\"vector_lengths\":[128,256]}"));
	CHECK(strstr(s, "{\"name\":\"Z3\",\"id\":\"0x6080000000150060\",\"bits\":256,"));
	CHECK(strstr(s, "{\"name\":null,\"id\":\"0x603000000013c008\",\"encoding\":\"S3_0_C0_C1_0\",\"bits\":64,"));
	CHECK(strstr(s, "\"error\":\"Invalid argument\"}"));
	CHECK_EQ(s[strlen(s) - 1], '}');
	free(s);
	reg_set_free(&set);
}

static const struct unit_test tests[] = {
	{ "reg-id-size-field", test_size_field },
	{ "reg-id-groups", test_groups },
	{ "reg-id-sve", test_sve_ids },
	{ "reg-id-shown-size", test_shown_size },
	{ "reg-id-names", test_names },
	{ "reg-display-order", test_display_order },
	{ "reg-format", test_format },
};

UNIT_MAIN(tests)

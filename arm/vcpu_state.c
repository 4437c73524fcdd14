// SPDX-License-Identifier: GPL-2.0
/*
 * A vcpu's state for snapshots: every register KVM_GET_REG_LIST names, at
 * the full size of its ID (SVE Z, P and FFR included: KVM keeps what lies
 * beyond the vcpu's vector length zero), and the MP state (a secondary
 * still powered off stays so). Restoring writes them back in the order
 * KVM listed them, after the vcpu was initialised with the same features
 * and its vector-length set finalized (the normal build did that); the
 * VLS pseudo-register is compared, never written. The virtual counter
 * goes on from its saved value: the guest sees no time pass while it was
 * not running (its wall clock catches up through NTP or the RTC).
 */
#include <lkvm/arm/arm.h>
#include <lkvm/arm/nested.h>
#include <lkvm/arm/reg_id.h>

#include <lkvm/kvm.h>
#include <lkvm/parse.h>
#include <lkvm/state.h>
#include <lkvm/vm.h>

#include <asm/kvm.h>
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>

#define VCPU_STATE "arm64-vcpu"
#define VCPU_STATE_VERSION 1
/* One register in "regs": u64 id, then the value, its size from the id. */
#define REG_MAX_BYTES 256U

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* The name a refusal gives a register. */
static void reg_label(uint64_t id, char *buf, size_t len)
{
	char name[48], enc[48];

	arm_reg_name(id, name, sizeof(name), enc, sizeof(enc));
	snprintf(buf, len, "%s%s%s", name[0] ? name : enc,
		 name[0] && enc[0] ? " " : "", name[0] && enc[0] ? enc : "");
	if (!buf[0])
		snprintf(buf, len, "0x%llx", (unsigned long long)id);
}

int arch_vcpu_save(struct vcpu *vcpu, struct state_writer *w)
{
	struct kvm_mp_state mp;
	struct kvm_reg_list *list;
	uint8_t *buf = NULL;
	size_t len = 0;
	int ret = vcpu_reg_list(vcpu, &list);

	if (ret)
		return ret;
	buf = malloc((size_t)list->n * (8 + REG_MAX_BYTES) + 1);
	if (!buf)
		ret = -ENOMEM;
	for (uint64_t i = 0; !ret && i < list->n; i++) {
		unsigned int size = arm_reg_id_size(list->reg[i]);
		char label[96];

		if (!size || size > REG_MAX_BYTES) {
			reg_label(list->reg[i], label, sizeof(label));
			pr_err("vcpu %u: register %s has a size lkvm cannot save (%u bytes)",
			       vcpu->id, label, size);
			ret = -EINVAL;
			break;
		}
		put_le64(buf + len, list->reg[i]);
		ret = vcpu_get_reg(vcpu, list->reg[i], buf + len + 8);
		if (ret) {
			reg_label(list->reg[i], label, sizeof(label));
			pr_err("vcpu %u: reading %s failed: %s", vcpu->id,
			       label, strerror(-ret));
			break;
		}
		len += 8 + size;
	}
	if (!ret) {
		ret = kvm_ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp);
		if (ret < 0)
			pr_err("vcpu %u: KVM_GET_MP_STATE failed: %s",
			       vcpu->id, strerror(-ret));
	}
	if (ret >= 0) {
		state_begin(w, VCPU_STATE, VCPU_STATE_VERSION);
		state_put_u64(w, "id", vcpu->id);
		state_put_u64(w, "mp_state", mp.mp_state);
		state_put_u64(w, "nr_regs", list->n);
		state_put_bytes(w, "regs", buf, len);
		ret = state_end(w);
	}
	free(buf);
	free(list);
	return ret < 0 ? ret : 0;
}

static bool in_list(const struct kvm_reg_list *list, uint64_t id)
{
	for (uint64_t i = 0; i < list->n; i++)
		if (list->reg[i] == id)
			return true;
	return false;
}

/*
 * Walks "regs" once to check it: whole registers, sizes from their IDs,
 * each one known to this host's KVM, as many as announced.
 */
static int check_regs(const struct kvm_reg_list *here, const uint8_t *p,
		      size_t len, uint64_t nr, char *why, size_t why_len)
{
	size_t at = 0;
	uint64_t count = 0;

	while (at < len) {
		uint64_t id;
		unsigned int size;
		char label[96];

		if (len - at < 8)
			return parse_error(why, why_len,
					   "arm64-vcpu record: a register is cut short");
		id = get_le64(p + at);
		size = arm_reg_id_size(id);
		if (!size || size > REG_MAX_BYTES || len - at - 8 < size)
			return parse_error(why, why_len,
					   "arm64-vcpu record: register 0x%llx has a bad size",
					   (unsigned long long)id);
		if (!in_list(here, id)) {
			reg_label(id, label, sizeof(label));
			return parse_error(why, why_len,
					   "the guest had register %s, which KVM on this host does not have",
					   label);
		}
		at += 8 + size;
		count++;
	}
	if (count != nr)
		return parse_error(why, why_len,
				   "arm64-vcpu record: %llu registers, %llu announced",
				   (unsigned long long)count,
				   (unsigned long long)nr);
	return 0;
}

int arch_vcpu_load(struct vcpu *vcpu, const void *rec, size_t len, char *why,
		   size_t why_len)
{
	struct kvm_mp_state mp;
	struct kvm_reg_list *here;
	struct state_reader r;
	uint64_t id, mp_state, nr;
	const uint8_t *regs;
	size_t regs_len, at = 0;
	int ret;

	ret = state_open(&r, rec, len, VCPU_STATE, VCPU_STATE_VERSION, why,
			 why_len);
	ret = ret ?: state_get_uint(&r, "id", UINT32_MAX, &id);
	ret = ret ?: state_get_uint(&r, "mp_state", UINT32_MAX, &mp_state);
	ret = ret ?: state_get_u64(&r, "nr_regs", &nr);
	ret = ret ?: state_get_bytes(&r, "regs", (const void **)&regs,
				     &regs_len);
	if (ret)
		return ret;
	if (id != vcpu->id)
		return parse_error(why, why_len,
				   "the record of vcpu %llu was given to vcpu %u",
				   (unsigned long long)id, vcpu->id);
	if (mp_state != KVM_MP_STATE_RUNNABLE &&
	    mp_state != KVM_MP_STATE_STOPPED)
		return parse_error(why, why_len,
				   "vcpu %u: MP state %llu, not runnable or stopped",
				   vcpu->id, (unsigned long long)mp_state);
	ret = vcpu_reg_list(vcpu, &here);
	if (ret)
		return ret;
	ret = check_regs(here, regs, regs_len, nr, why, why_len);
	free(here);
	while (!ret && at < regs_len) {
		uint8_t val[REG_MAX_BYTES] __attribute__((aligned(16)));
		unsigned int size;
		char label[96];

		id = get_le64(regs + at);
		size = arm_reg_id_size(id);
		memcpy(val, regs + at + 8, size);
		at += 8 + size;
		if (id == KVM_REG_ARM64_SVE_VLS) {
			uint8_t now[REG_MAX_BYTES] __attribute__((aligned(16)));

			/* Set before finalize by the build: must agree. */
			ret = vcpu_get_reg(vcpu, id, now);
			if (!ret && memcmp(now, val, size))
				ret = parse_error(why, why_len,
						  "vcpu %u: its SVE vector lengths differ from the saved ones",
						  vcpu->id);
			continue;
		}
		/*
		 * A guest with EL2 has one VM-wide counter offset, and KVM
		 * ignores writes of the counters (arm/nested.c): the
		 * physical counter, and the virtual one with it, go on
		 * from the saved value through the offset instead.
		 */
		if (id == KVM_REG_ARM_PTIMER_CNT &&
		    vcpu_has_feature(vcpu->vm, KVM_ARM_VCPU_HAS_EL2)) {
			ret = vcpu->id ? 0 :
				nested_counter_continue(vcpu->vm,
							get_le64(val));
			continue;
		}
		ret = vcpu_set_reg(vcpu, id, val);
		/*
		 * The physical counter is the host's: KVM before 6.4 has
		 * no offset for it and refuses the write. Linux guests
		 * keep time with the virtual counter, which is restored.
		 */
		if (ret && id == KVM_REG_ARM_PTIMER_CNT)
			ret = 0;
		if (ret) {
			reg_label(id, label, sizeof(label));
			ret = parse_error(why, why_len,
					  "vcpu %u: KVM refused the saved value of %s (%s)",
					  vcpu->id, label, strerror(-ret));
		}
	}
	if (ret)
		return ret;
	mp.mp_state = (uint32_t)mp_state;
	ret = kvm_ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp);
	if (ret < 0)
		return parse_error(why, why_len, "vcpu %u: KVM_SET_MP_STATE: %s",
				   vcpu->id, strerror(-ret));
	return 0;
}

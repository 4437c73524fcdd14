// SPDX-License-Identifier: GPL-2.0
/*
 * --nested: what the host offers guest hypervisors, the refusal that says
 * why not, and the counters a guest hypervisor sees.
 */
#include <lkvm/arm/arm.h>
#include <lkvm/arm/nested.h>

#include <lkvm/arch.h>
#include <lkvm/json.h>
#include <lkvm/kvm.h>
#include <lkvm/log.h>
#include <lkvm/vm.h>

#include <asm/kvm.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

/* /proc/cmdline into @buf ("" if it cannot be read). */
static void read_cmdline(char *buf, size_t len)
{
	int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, len - 1) : -1;

	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

void nested_host_reason(char *buf, size_t len)
{
	struct utsname u;
	char cmdline[4096];

	if (uname(&u))
		u.release[0] = '\0';
	read_cmdline(cmdline, sizeof(cmdline));
	nested_unavailable_reason(u.release, cmdline, buf, len);
}

/* What a host offers guest hypervisors. */
struct nested_host {
	bool el2;	/* KVM_CAP_ARM_EL2 */
	bool e2h0;	/* KVM_CAP_ARM_EL2_E2H0 */
	char why[200];	/* !el2: which of the three causes it is */
};

/* Asks KVM through @fd (/dev/kvm) and fills @h. */
static void nested_host_probe(int fd, struct nested_host *h)
{
	h->el2 = kvm_ioctl(fd, KVM_CHECK_EXTENSION,
			   (void *)KVM_CAP_ARM_EL2) > 0;
	h->e2h0 = h->el2 && kvm_ioctl(fd, KVM_CHECK_EXTENSION,
				      (void *)KVM_CAP_ARM_EL2_E2H0) > 0;
	h->why[0] = '\0';
	if (!h->el2)
		nested_host_reason(h->why, sizeof(h->why));
}

void arch_host_json(FILE *f)
{
	struct nested_host h = { 0 };
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd >= 0) {
		nested_host_probe(fd, &h);
		close(fd);
	} else {
		snprintf(h.why, sizeof(h.why), "cannot open /dev/kvm: %s",
			 strerror(errno));
	}
	fprintf(f, ",\n  \"nested\": {\n    \"available\": %s,\n    \"e2h0\": %s",
		h.el2 ? "true" : "false", h.e2h0 ? "true" : "false");
	if (!h.el2) {
		fprintf(f, ",\n    \"why\": ");
		json_print_string(f, h.why);
	}
	fprintf(f, "\n  }");
}

void nested_explain_unavailable(const struct arch_config *cfg)
{
	char why[200];

	(void)cfg;
	nested_host_reason(why, sizeof(why));
	pr_err("--nested: this host cannot run guest hypervisors: %s", why);
}

/*
 * A guest hypervisor reads both counters and expects the virtual one to
 * lag the physical one by exactly its own CNTVOFF_EL2. KVM's default
 * gives the virtual counter an offset (it starts near 0) and the
 * physical one none; one VM-wide offset for both (KVM_CAP_COUNTER_OFFSET)
 * keeps them in step, and starts both near 0 as an ordinary guest's
 * virtual counter does. After it, KVM ignores writes of the counters
 * through ONE_REG: a restore moves the offset instead
 * (nested_counter_continue()).
 */
static int set_offset(struct vm *vm, uint64_t offset)
{
	struct arm_counter_offset o = { .counter_offset = offset };
	int ret = kvm_ioctl(vm->vm_fd, ARM_KVM_SET_COUNTER_OFFSET, &o);

	if (ret < 0) {
		pr_err("--nested: setting the guest's counter offset (KVM_ARM_SET_COUNTER_OFFSET) failed: %s",
		       strerror(-ret));
		return ret;
	}
	vm->arch->counter_offset = offset;
	return 0;
}

/* The host's counter now: the guest's physical one plus its offset. */
static int host_counter(struct vm *vm, uint64_t *now)
{
	uint64_t guest;
	int ret = vcpu_get_reg64(&vm->vcpus[0], KVM_REG_ARM_PTIMER_CNT, &guest);

	if (ret) {
		pr_err("--nested: reading the physical counter (KVM_REG_ARM_PTIMER_CNT) failed: %s",
		       strerror(-ret));
		return ret;
	}
	*now = guest + vm->arch->counter_offset;
	return 0;
}

int nested_counter_start(struct vm *vm)
{
	uint64_t now;
	int ret;

	if (kvm_vm_check_extension(vm, KVM_CAP_COUNTER_OFFSET) <= 0) {
		pr_err("--nested: KVM on this host has no VM-wide counter offset (KVM_CAP_COUNTER_OFFSET)");
		return -EOPNOTSUPP;
	}
	/*
	 * Without VHE the guest hypervisor's kernel runs at EL1 on the EL1
	 * physical timer. On the test bed (KVM 7.3 on QEMU 10, testing.md)
	 * that timer with a nonzero offset interrupts every entry of the
	 * vcpu at once, before the guest sees anything: the vcpu never
	 * moves again. With no offset it works, so such a guest sees the
	 * host's counters, both of them, still in step.
	 */
	if (vcpu_has_feature(vm, KVM_ARM_VCPU_HAS_EL2_E2H0))
		return set_offset(vm, 0);
	ret = host_counter(vm, &now);
	return ret ?: set_offset(vm, now);
}

int nested_counter_continue(struct vm *vm, uint64_t saved)
{
	uint64_t now;
	int ret = host_counter(vm, &now);

	return ret ?: set_offset(vm, now - saved);
}

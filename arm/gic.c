// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel GIC: v3 with one redistributor per vcpu, or v2 when v3
 * is unavailable (--irqchip auto) or asked for.
 */
#include <lkvm/arm/arm.h>
#include <lkvm/arm/fdt.h>
#include <lkvm/arm/nested.h>
#include <lkvm/arm/memmap.h>

#include <lkvm/kvm.h>
#include <lkvm/log.h>
#include <lkvm/vm.h>

#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <unistd.h>

const char *gic_name(int kind)
{
	return kind == GIC_V3 ? "GICv3" : kind == GIC_V2 ? "GICv2" : "none";
}

static int gic_set_attr(struct vm *vm, uint32_t group, uint64_t attr,
			void *val, const char *what)
{
	struct kvm_device_attr a = {
		.group = group,
		.attr = attr,
		.addr = (uintptr_t)val,
	};
	int ret = kvm_ioctl(vm->arch->gic_fd, KVM_SET_DEVICE_ATTR, &a);

	if (ret < 0)
		pr_err("%s: setting %s failed: %s", gic_name(vm->arch->gic),
		       what, strerror(-ret));
	return ret < 0 ? ret : 0;
}

static int try_create(struct vm *vm, enum gic_kind kind)
{
	struct kvm_create_device cd = {
		.type = kind == GIC_V3 ? KVM_DEV_TYPE_ARM_VGIC_V3 :
					 KVM_DEV_TYPE_ARM_VGIC_V2,
	};
	int ret = kvm_ioctl(vm->vm_fd, KVM_CREATE_DEVICE, &cd);

	if (ret < 0)
		return ret;
	vm->arch->gic_fd = (int)cd.fd;
	vm->arch->gic = kind;
	return 0;
}

static int set_addresses(struct vm *vm)
{
	uint64_t dist = memmap[MM_GIC_DIST].base;
	int ret;

	if (vm->arch->gic == GIC_V3) {
		vm->arch->redist_base = memmap_gicv3_redist_base(vm->nr_vcpus);
		vm->arch->redist_size = (uint64_t)vm->nr_vcpus *
				       MEMMAP_GICV3_REDIST_SIZE_PER_CPU;
		ret = gic_set_attr(vm, KVM_DEV_ARM_VGIC_GRP_ADDR,
				   KVM_VGIC_V3_ADDR_TYPE_DIST, &dist,
				   "the distributor address");
		return ret ?: gic_set_attr(vm, KVM_DEV_ARM_VGIC_GRP_ADDR,
					   KVM_VGIC_V3_ADDR_TYPE_REDIST,
					   &vm->arch->redist_base,
					   "the redistributor address");
	}
	vm->arch->redist_base = dist - MEMMAP_GICV2_CPU_IF_OFFSET;
	vm->arch->redist_size = MEMMAP_GICV2_CPU_IF_SIZE;
	ret = gic_set_attr(vm, KVM_DEV_ARM_VGIC_GRP_ADDR,
			   KVM_VGIC_V2_ADDR_TYPE_DIST, &dist,
			   "the distributor address");
	return ret ?: gic_set_attr(vm, KVM_DEV_ARM_VGIC_GRP_ADDR,
				   KVM_VGIC_V2_ADDR_TYPE_CPU,
				   &vm->arch->redist_base,
				   "the CPU interface address");
}

int gic_create(struct vm *vm)
{
	enum irqchip_kind want = vm->cfg->arch->irqchip;
	int ret = -ENODEV;

	if (want == IRQCHIP_AUTO || want == IRQCHIP_GICV3) {
		ret = try_create(vm, GIC_V3);
		if (ret && want == IRQCHIP_GICV3) {
			pr_err("--irqchip gicv3: KVM cannot emulate a GICv3 on this host (KVM_CREATE_DEVICE: %s)",
			       strerror(-ret));
			return ret;
		}
		if (ret)
			pr_info("no in-kernel GICv3 (%s): trying GICv2",
				strerror(-ret));
	}
	if (ret) {
		ret = try_create(vm, GIC_V2);
		if (ret) {
			pr_err("%s: KVM cannot emulate a GICv2 on this host (KVM_CREATE_DEVICE: %s)%s",
			       want == IRQCHIP_GICV2 ? "--irqchip gicv2" :
						       "no interrupt controller",
			       strerror(-ret),
			       want == IRQCHIP_GICV2 ?
				       "; a GICv3 host without GICv2 compatibility needs --irqchip gicv3" :
				       "");
			return ret;
		}
	}
	if (vm->arch->gic == GIC_V2 && vm->nr_vcpus > ARM_MAX_VCPUS_GICV2) {
		pr_warn("a GICv2 serves at most %u vcpus: using %u instead of %u",
			ARM_MAX_VCPUS_GICV2, ARM_MAX_VCPUS_GICV2, vm->nr_vcpus);
		vm->nr_vcpus = ARM_MAX_VCPUS_GICV2;
	}
	return set_addresses(vm);
}

int gic_finalize(struct vm *vm)
{
	uint32_t nr_irqs = arm_gic_nr_irqs(vm);
	/* The guest hypervisor's vGIC raises it; the device tree names it. */
	uint32_t maint_irq = 16 + PPI_GIC_MAINT;
	int ret;

	ret = gic_set_attr(vm, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs,
			   "the number of interrupts");
	if (!ret && vcpu_has_feature(vm, KVM_ARM_VCPU_HAS_EL2))
		ret = gic_set_attr(vm, KVM_DEV_ARM_VGIC_GRP_MAINT_IRQ, 0,
				   &maint_irq, "the maintenance interrupt");
	return ret ?: gic_set_attr(vm, KVM_DEV_ARM_VGIC_GRP_CTRL,
				   KVM_DEV_ARM_VGIC_CTRL_INIT, NULL,
				   "initialisation (KVM_DEV_ARM_VGIC_CTRL_INIT)");
}

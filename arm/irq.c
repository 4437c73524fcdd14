// SPDX-License-Identifier: GPL-2.0
#include <lkvm/irq.h>

#include <lkvm/arm/arm.h>
#include <lkvm/kvm.h>
#include <lkvm/log.h>
#include <lkvm/vm.h>

#include <errno.h>
#include <linux/kvm.h>
#include <string.h>

int vm_irq_line(struct vm *vm, unsigned int spi, int level)
{
	struct kvm_irq_level irq = {
		.irq = (KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) |
		       (GIC_SPI_BASE + spi),
		.level = (uint32_t)level,
	};
	int ret = kvm_ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq);

	if (ret < 0) {
		if (log_ratelimit_ok(&vm->arch->irq_log_rl, 5))
			pr_warn("KVM_IRQ_LINE (SPI %u, level %d) failed: %s",
				spi, level, strerror(-ret));
	}
	return ret < 0 ? ret : 0;
}

int vm_irqfd(struct vm *vm, unsigned int spi, int fd)
{
	/* arm64 routes irqfd GSIs to SPIs: GSI n is interrupt ID 32 + n. */
	struct kvm_irqfd irqfd = {
		.fd = (uint32_t)fd,
		.gsi = spi,
	};
	int ret = kvm_ioctl(vm->vm_fd, KVM_IRQFD, &irqfd);

	if (ret < 0) {
		pr_err("KVM_IRQFD for SPI %u failed: %s", spi, strerror(-ret));
		return ret;
	}
	return 0;
}

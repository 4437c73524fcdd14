// SPDX-License-Identifier: GPL-2.0
/* The VM's list of device instances, which the VM owns. */
#include <lkvm/device.h>

#include <lkvm/vm.h>

void vm_add_device(struct vm *vm, struct device *dev)
{
	struct device **p = &vm->devices;

	/* Keep creation order: the device tree lists devices in it. */
	while (*p)
		p = &(*p)->next;
	dev->vm = vm;
	dev->next = NULL;
	*p = dev;
}

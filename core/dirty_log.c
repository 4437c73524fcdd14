// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's dirty log over guest RAM, and lkvm's own writes next to it
 * (include/lkvm/dirty_log.h). With manual protection (enabled when the
 * VM was built, where the host has it), KVM_GET_DIRTY_LOG only reads the
 * log and KVM_CLEAR_DIRTY_LOG re-protects exactly the pages read, before
 * they are sent: a write after that is logged again. Without it,
 * KVM_GET_DIRTY_LOG does both at once.
 */
#include <lkvm/dirty_log.h>

#include <lkvm/kvm.h>
#include <lkvm/log.h>
#include <lkvm/vm.h>

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>

int dirty_log_start(struct dirty_log *d, struct vm *vm)
{
	int ret;

	memset(d, 0, sizeof(*d));
	d->vm = vm;
	d->nr_pages = guest_mem_pages(&vm->ram);
	d->words = dirty_bitmap_bytes(d->nr_pages) / sizeof(unsigned long);
	d->kvm = calloc(d->words, sizeof(unsigned long));
	if (!d->kvm)
		return -ENOMEM;
	ret = vm_set_ram_flags(vm, KVM_MEM_LOG_DIRTY_PAGES);
	if (ret) {
		pr_err("migration: KVM cannot log guest RAM's dirty pages: %s",
		       strerror(-ret));
		free(d->kvm);
		d->kvm = NULL;
		return ret;
	}
	d->on = true;
	pr_debug("migration: dirty logging on, %llu pages, %s protection",
		 (unsigned long long)d->nr_pages,
		 vm->dirty_log_manual ? "manual" : "automatic");
	return 0;
}

int dirty_log_sync(struct dirty_log *d, unsigned long *bits)
{
	struct kvm_dirty_log get = { .slot = 0, .dirty_bitmap = d->kvm };
	int ret;

	memset(d->kvm, 0, d->words * sizeof(unsigned long));
	ret = kvm_ioctl(d->vm->vm_fd, KVM_GET_DIRTY_LOG, &get);
	if (ret < 0) {
		pr_err("migration: KVM_GET_DIRTY_LOG failed: %s", strerror(-ret));
		return ret;
	}
	if (d->vm->dirty_log_manual) {
		struct kvm_clear_dirty_log clear = {
			.slot = 0,
			.num_pages = (uint32_t)d->nr_pages,
			.first_page = 0,
			.dirty_bitmap = d->kvm,
		};

		ret = kvm_ioctl(d->vm->vm_fd, KVM_CLEAR_DIRTY_LOG, &clear);
		if (ret < 0) {
			pr_err("migration: KVM_CLEAR_DIRTY_LOG failed: %s",
			       strerror(-ret));
			return ret;
		}
	}
	for (size_t i = 0; i < d->words; i++)
		bits[i] |= d->kvm[i];
	guest_mem_take_written(&d->vm->ram, bits);
	return 0;
}

void dirty_log_stop(struct dirty_log *d)
{
	if (d->on && vm_set_ram_flags(d->vm, 0))
		pr_warn("migration: could not turn dirty logging off: the guest runs on, a little slower");
	d->on = false;
	free(d->kvm);
	d->kvm = NULL;
}

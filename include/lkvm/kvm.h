/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_KVM_H
#define LKVM_KVM_H

#include <lkvm/compiler.h>

/*
 * Thin wrappers over /dev/kvm that turn failures into sentences a user
 * understands. All return 0 or -errno after logging one line.
 */

/* Opens /dev/kvm and checks the API version. */
int kvm_open(int *kvm_fd);

/* A capability the VM cannot work without, with what it is needed for. */
struct kvm_required_cap {
	long cap;
	const char *name;
	const char *needed_for;
};

int kvm_require_caps(int fd, const struct kvm_required_cap *caps,
		     unsigned int nr);

struct vm;

/*
 * KVM_IOEVENTFD: a guest write of @len bytes with value @datamatch at
 * guest physical @addr signals @fd inside KVM instead of exiting to lkvm.
 * It lasts as long as the VM or @fd, as vm_irqfd()'s routes do. Returns 0
 * or -errno (logged).
 */
int vm_ioeventfd(struct vm *vm, uint64_t addr, uint32_t len,
		 uint64_t datamatch, int fd);

/* ioctl() retried on EINTR; returns the ioctl's value or -errno. */
int kvm_ioctl(int fd, unsigned long request, void *arg);

/* KVM_CHECK_EXTENSION on /dev/kvm, or on the VM: the value or -errno. */
int kvm_check_extension(struct vm *vm, long cap);
int kvm_vm_check_extension(struct vm *vm, long cap);

#endif

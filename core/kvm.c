// SPDX-License-Identifier: GPL-2.0
#include <lkvm/kvm.h>

#include <lkvm/log.h>
#include <lkvm/vm.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int kvm_ioctl(int fd, unsigned long request, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, request, arg);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : ret;
}

int kvm_open(int *kvm_fd)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int version;

	if (fd < 0) {
		int err = errno;

		if (err == ENOENT)
			pr_err("/dev/kvm: no such device: this kernel has no KVM, or the host is not running at EL2");
		else if (err == EACCES || err == EPERM)
			pr_err("/dev/kvm: permission denied: run as root or join the group that owns /dev/kvm");
		else
			pr_err("/dev/kvm: cannot open: %s", strerror(err));
		return -err;
	}
	version = kvm_ioctl(fd, KVM_GET_API_VERSION, NULL);
	if (version != KVM_API_VERSION) {
		pr_err("/dev/kvm: KVM API version %d, lkvm needs %d", version,
		       KVM_API_VERSION);
		close(fd);
		return -EINVAL;
	}
	*kvm_fd = fd;
	return 0;
}

int kvm_require_caps(int fd, const struct kvm_required_cap *caps,
		     unsigned int nr)
{
	for (unsigned int i = 0; i < nr; i++) {
		if (kvm_ioctl(fd, KVM_CHECK_EXTENSION,
			      (void *)(long)caps[i].cap) <= 0) {
			pr_err("KVM on this host lacks %s, needed for %s",
			       caps[i].name, caps[i].needed_for);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

int vm_ioeventfd(struct vm *vm, uint64_t addr, uint32_t len,
		 uint64_t datamatch, int fd)
{
	struct kvm_ioeventfd io = {
		.datamatch = datamatch,
		.addr = addr,
		.len = len,
		.fd = fd,
		.flags = KVM_IOEVENTFD_FLAG_DATAMATCH,
	};
	int ret = kvm_ioctl(vm->vm_fd, KVM_IOEVENTFD, &io);

	if (ret < 0) {
		pr_warn("KVM_IOEVENTFD at 0x%llx (value %llu) failed: %s",
			(unsigned long long)addr, (unsigned long long)datamatch,
			strerror(-ret));
		return ret;
	}
	return 0;
}

int kvm_check_extension(struct vm *vm, long cap)
{
	return kvm_ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, (void *)cap);
}

int kvm_vm_check_extension(struct vm *vm, long cap)
{
	return kvm_ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, (void *)cap);
}

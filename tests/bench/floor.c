/*
 * floor PAYLOAD VCPUS MIB: the least a VMM can do to run the bare-metal
 * benchmark payloads (guest/baremetal: poweroff, uart_reads), as a
 * measuring stick for lkvm's start-up and exit costs (tests/bench).
 *
 * It makes only the KVM calls those payloads need: a VM, its RAM at
 * 0x80000000 with the payload at +0x80000 (where lkvm loads a flat
 * binary), a GICv3, vcpus with PSCI (all but the first powered off),
 * the boot vcpu's PC; it answers MMIO reads (the 8250's line status
 * register says "ready to send") and exits at the first system event.
 * No device tree, no devices, no hardening, no tear-down beyond exit:
 * not a VMM, a floor.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define RAM_BASE 0x80000000ULL
#define LOAD_OFFSET 0x80000ULL
#define GIC_DIST 0x3fff0000ULL
#define GIC_REDIST_PER_CPU 0x20000ULL
#define UART_BASE 0x01000000ULL
#define UART_LSR 5
#define UART_LSR_TEMT_THRE 0x60

struct vcpu {
	int fd;
	struct kvm_run *run;
	pthread_t thread;
};

static void die(const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void *vcpu_loop(void *arg)
{
	struct vcpu *v = arg;

	for (;;) {
		struct kvm_run *run = v->run;

		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			die("KVM_RUN");
		}
		switch (run->exit_reason) {
		case KVM_EXIT_MMIO:
			if (!run->mmio.is_write) {
				memset(run->mmio.data, 0, sizeof(run->mmio.data));
				if (run->mmio.phys_addr == UART_BASE + UART_LSR)
					run->mmio.data[0] = UART_LSR_TEMT_THRE;
			}
			break;
		case KVM_EXIT_SYSTEM_EVENT:
			_exit(0);
		default:
			fprintf(stderr, "floor: exit reason %u\n", run->exit_reason);
			_exit(1);
		}
	}
	return NULL;
}

static void set_attr(int fd, uint32_t group, uint64_t attr, void *val)
{
	struct kvm_device_attr a = { .group = group, .attr = attr,
				     .addr = (uintptr_t)val };

	if (ioctl(fd, KVM_SET_DEVICE_ATTR, &a))
		die("KVM_SET_DEVICE_ATTR");
}

int main(int argc, char **argv)
{
	struct kvm_create_device gic = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	struct kvm_userspace_memory_region region = { 0 };
	struct kvm_vcpu_init init;
	uint64_t dist = GIC_DIST, redist, pc = RAM_BASE + LOAD_OFFSET;
	struct kvm_one_reg pc_reg = {
		.id = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |
		      (offsetof(struct kvm_regs, regs.pc) / sizeof(uint32_t)),
		.addr = (uintptr_t)&pc,
	};
	unsigned int nr;
	size_t ram_size;
	struct vcpu *vcpus;
	int kvm, vm, fd, run_size;
	uint8_t *ram;
	ssize_t n;

	if (argc != 4) {
		fprintf(stderr, "usage: floor PAYLOAD VCPUS MIB\n");
		return 2;
	}
	nr = (unsigned int)atoi(argv[2]);
	ram_size = (size_t)atol(argv[3]) << 20;
	if (!nr || ram_size <= LOAD_OFFSET)
		return 2;
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("/dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM");

	ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ram == MAP_FAILED)
		die("mmap");
	region.guest_phys_addr = RAM_BASE;
	region.memory_size = ram_size;
	region.userspace_addr = (uintptr_t)ram;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region))
		die("KVM_SET_USER_MEMORY_REGION");
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(argv[1]);
	n = read(fd, ram + LOAD_OFFSET, ram_size - LOAD_OFFSET);
	if (n <= 0)
		die("reading the payload");
	close(fd);

	if (ioctl(vm, KVM_CREATE_DEVICE, &gic))
		die("KVM_CREATE_DEVICE (GICv3)");
	redist = GIC_DIST - nr * GIC_REDIST_PER_CPU;
	set_attr((int)gic.fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
		 KVM_VGIC_V3_ADDR_TYPE_DIST, &dist);
	set_attr((int)gic.fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
		 KVM_VGIC_V3_ADDR_TYPE_REDIST, &redist);

	if (ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init))
		die("KVM_ARM_PREFERRED_TARGET");
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size <= 0)
		die("KVM_GET_VCPU_MMAP_SIZE");
	vcpus = calloc(nr, sizeof(*vcpus));
	if (!vcpus)
		die("calloc");
	for (unsigned int i = 0; i < nr; i++) {
		struct vcpu *v = &vcpus[i];

		v->fd = ioctl(vm, KVM_CREATE_VCPU, i);
		if (v->fd < 0)
			die("KVM_CREATE_VCPU");
		v->run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE,
			      MAP_SHARED, v->fd, 0);
		if (v->run == MAP_FAILED)
			die("mmap kvm_run");
		memset(init.features, 0, sizeof(init.features));
		init.features[0] = 1U << KVM_ARM_VCPU_PSCI_0_2;
		if (i)
			init.features[0] |= 1U << KVM_ARM_VCPU_POWER_OFF;
		if (ioctl(v->fd, KVM_ARM_VCPU_INIT, &init))
			die("KVM_ARM_VCPU_INIT");
	}
	if (ioctl(vcpus[0].fd, KVM_SET_ONE_REG, &pc_reg))
		die("KVM_SET_ONE_REG (pc)");
	set_attr((int)gic.fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
		 KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);

	for (unsigned int i = 1; i < nr; i++)
		if (pthread_create(&vcpus[i].thread, NULL, vcpu_loop, &vcpus[i]))
			die("pthread_create");
	vcpu_loop(&vcpus[0]);
	return 1;
}

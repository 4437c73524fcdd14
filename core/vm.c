// SPDX-License-Identifier: GPL-2.0
/*
 * VM lifetime: build the machine from a vm_config, run it, tear it down.
 * The order of vm_create() is the order KVM needs; see
 * Documentation/architecture.md.
 */
#include <lkvm/vm.h>

#include <lkvm/fd_io.h>
#include <lkvm/kvm.h>
#include <lkvm/kvm_stats.h>
#include <lkvm/log.h>
#include <lkvm/ram_hot.h>
#include <lkvm/ram_touch.h>
#include <lkvm/restore.h>
#include <lkvm/seccomp.h>

#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

static const struct kvm_required_cap core_caps[] = {
	{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY", "guest RAM" },
	{ KVM_CAP_ONE_REG, "KVM_CAP_ONE_REG", "setting vcpu registers" },
	{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT",
	  "stopping vcpus cleanly" },
	{ KVM_CAP_DEVICE_CTRL, "KVM_CAP_DEVICE_CTRL",
	  "the in-kernel interrupt controller" },
	{ KVM_CAP_SYSTEM_EVENT_DATA, "KVM_CAP_SYSTEM_EVENT_DATA",
	  "guest power-off and reset" },
};

static unsigned int host_online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned int)n : 1;
}

/* Decides the vcpu count: requested (or one per host CPU), clamped. */
static int choose_nr_vcpus(struct vm *vm)
{
	unsigned int want = vm->cfg->nr_cpus ? vm->cfg->nr_cpus :
					       host_online_cpus();
	int max = kvm_check_extension(vm, KVM_CAP_MAX_VCPUS);

	if (max <= 0)
		max = kvm_check_extension(vm, KVM_CAP_NR_VCPUS);
	if (max <= 0)
		max = 4;	/* what KVM guarantees without the capability */
	if (want > (unsigned int)max && vm->cfg->restore) {
		pr_err("the snapshot's guest has %u vcpus; KVM on this host allows %d",
		       want, max);
		return -EINVAL;
	}
	if (want > (unsigned int)max) {
		pr_warn("%u vcpus requested, but KVM allows at most %d: using %d",
			want, max, max);
		want = (unsigned int)max;
	}
	vm->nr_vcpus = want;
	return 0;
}

static int create_vm_fd(struct vm *vm)
{
	unsigned long type = 0;
	int ret = arch_vm_type(vm, &type);

	if (ret)
		return ret;
	ret = kvm_ioctl(vm->kvm_fd, KVM_CREATE_VM, (void *)type);
	if (ret < 0) {
		pr_err("KVM_CREATE_VM (type 0x%lx) failed: %s", type,
		       strerror(-ret));
		return ret;
	}
	vm->vm_fd = ret;
	return 0;
}

/* --mem, or kvmtool's default of 64 MiB per vcpu plus 192 MiB. */
static int choose_ram_size(struct vm *vm)
{
	uint64_t size = vm->cfg->ram_size;

	if (!size)
		size = (uint64_t)(vm->nr_vcpus + 3) * 64 * SZ_1M;
	if (!IS_ALIGNED(size, SZ_2M)) {
		pr_err("--mem %llu KiB: guest RAM must be a multiple of 2 MiB",
		       (unsigned long long)(size >> 10));
		return -EINVAL;
	}
	vm->ram_size = size;
	return 0;
}

int vm_set_ram_flags(struct vm *vm, uint32_t flags)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.flags = flags,
		.guest_phys_addr = vm->ram.gpa_base,
		.memory_size = vm->ram.size,
		.userspace_addr = (uintptr_t)vm->ram.host,
	};
	int ret = kvm_ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region);

	return ret < 0 ? ret : 0;
}

/*
 * Manual dirty-log protection, where KVM has it: a migration's dirty
 * log is then read and re-protected in two steps (core/dirty_log.c), and
 * with KVM_DIRTY_LOG_INITIALLY_SET turning logging on protects nothing
 * up front. Without dirty logging it changes nothing, so every VM asks.
 */
static void enable_manual_dirty_log(struct vm *vm)
{
	int caps = kvm_vm_check_extension(vm, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2);
	struct kvm_enable_cap cap = { .cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 };

	if (caps <= 0 || !(caps & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE))
		return;
	cap.args[0] = (uint64_t)caps & (KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE |
					KVM_DIRTY_LOG_INITIALLY_SET);
	vm->dirty_log_manual = !kvm_ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap);
}

static int create_ram(struct vm *vm, uint64_t gpa_base)
{
	const struct snapshot_source *s = vm->cfg->restore;
	uint64_t size = vm->ram_size;
	int ret;

	/* A migration's RAM arrives later, into fresh (zero) memory. */
	if (s && s->ram_fd >= 0) {
		ret = guest_mem_map_file(&vm->ram, gpa_base, size, s->ram_fd);
		if (!ret && s->hot) {
			ram_hot_collapse(&vm->ram, &s->hot->hot);
			ram_hot_prewrite(&vm->ram, &s->hot->hot);
		}
	} else {
		ret = guest_mem_alloc(&vm->ram, gpa_base, size);
	}
	if (ret)
		return ret;
	ret = vm_set_ram_flags(vm, 0);
	if (ret) {
		pr_err("KVM_SET_USER_MEMORY_REGION (%llu MiB at 0x%llx) failed: %s",
		       (unsigned long long)(size >> 20),
		       (unsigned long long)gpa_base, strerror(-ret));
		return ret;
	}
	enable_manual_dirty_log(vm);
	return 0;
}

static int create_vcpu(struct vm *vm, struct vcpu *vcpu, unsigned int id,
		       int run_size)
{
	int ret;

	vcpu->vm = vm;
	vcpu->id = id;
	ret = kvm_ioctl(vm->vm_fd, KVM_CREATE_VCPU, (void *)(long)id);
	if (ret < 0) {
		pr_err("vcpu %u: KVM_CREATE_VCPU failed: %s", id,
		       strerror(-ret));
		return ret;
	}
	vcpu->fd = ret;
	vcpu->stats_fd = kvm_stats_open(vcpu->fd);
	vcpu->run_size = (size_t)run_size;
	vcpu->run = mmap(NULL, vcpu->run_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		ret = -errno;
		vcpu->run = NULL;
		pr_err("vcpu %u: cannot map kvm_run: %s", id, strerror(-ret));
		return ret;
	}
	return arch_vcpu_init(vcpu);
}

static int create_vcpus(struct vm *vm)
{
	int run_size = kvm_ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, NULL);

	if (run_size < (int)sizeof(struct kvm_run)) {
		pr_err("KVM_GET_VCPU_MMAP_SIZE failed: %s",
		       run_size < 0 ? strerror(-run_size) : "too small");
		return run_size < 0 ? run_size : -EINVAL;
	}
	vm->vcpus = calloc(vm->nr_vcpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return -ENOMEM;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i].fd = vm->vcpus[i].stats_fd = -1;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		int ret = create_vcpu(vm, &vm->vcpus[i], i, run_size);

		if (ret)
			return ret;
	}
	return 0;
}

static int create_devices(struct vm *vm)
{
	for (const struct device_model *const *m = device_models; *m; m++) {
		int ret = (*m)->instantiate(vm);

		if (ret)
			return ret;
	}
	return 0;
}

static int open_kvm(struct vm *vm)
{
	int ret = kvm_open(&vm->kvm_fd);

	return ret ?: kvm_require_caps(vm->kvm_fd, core_caps,
				       ARRAY_SIZE(core_caps));
}

static int create_ram_at_base(struct vm *vm)
{
	return create_ram(vm, arch_ram_base());
}

/* A kernel to boot, or a snapshot's state to take up (RAM is mapped). */
static int load_guest_or_state(struct vm *vm)
{
	return vm->cfg->restore ? snapshot_load_state(vm) :
				  arch_load_guest(vm);
}

static int declare_resources(struct vm *vm)
{
	arch_declare_resources(&vm->res);
	return 0;
}

/* The order KVM needs; each step logs its own failure. */
static const struct {
	const char *name;
	int (*fn)(struct vm *vm);
} build_steps[] = {
	{ "open /dev/kvm", open_kvm },
	{ "choose vcpus", choose_nr_vcpus },
	{ "choose RAM size", choose_ram_size },
	{ "KVM_CREATE_VM", create_vm_fd },
	{ "guest RAM", create_ram_at_base },
	{ "interrupt controller and vcpu features", arch_vm_init },
	{ "vcpus", create_vcpus },
	{ "machine resources", declare_resources },
	{ "devices", create_devices },
	{ "finalize", arch_vm_finalize },
	{ "load guest", load_guest_or_state },
};

int vm_create(struct vm **vmp, const struct vm_config *cfg)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	int ret;

	if (!vm)
		return -ENOMEM;
	vm->cfg = cfg;
	vm->kvm_fd = vm->vm_fd = vm->control_dir_fd = -1;
	vm->vcpu_filter = SECCOMP_VCPU;
	pthread_mutex_init(&vm->stop_lock, NULL);
	atomic_init(&vm->stopping, false);
	atomic_init(&vm->guest_stopped_vcpus, false);
	console_init_fds(&vm->console, STDIN_FILENO, STDOUT_FILENO);
	*vmp = vm;
	/* Before any failure: vm_destroy() undoes them. */
	ret = vm_pause_init(vm);
	ret = ret ?: arch_vm_create(vm);
	vm->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->stop_efd < 0)
		return -errno;
	for (size_t i = 0; !ret && i < ARRAY_SIZE(build_steps); i++) {
		pr_debug("build: %s", build_steps[i].name);
		ret = build_steps[i].fn(vm);
	}
	pr_debug("build: %s", ret ? "failed" : "done");
	return ret;
}

int vm_write_dtb(const struct vm *vm, int fd, const char *path)
{
	const void *dtb;
	size_t len;
	int ret;

	arch_vm_dtb(vm, &dtb, &len);
	ret = fd_write_all(fd, dtb, len);
	if (ret)
		pr_err("--dump-dtb %s: write failed: %s", path, strerror(-ret));
	return ret;
}

void vm_destroy(struct vm *vm)
{
	struct device *dev, *next;

	if (!vm)
		return;
	if (vm->vcpus_left_running) {
		/* A vcpu thread may still use any of it (vcpus_stop()). */
		pr_debug("destroy: skipped, a vcpu thread still runs: the VM is left to the process's exit");
		return;
	}
	pr_debug("destroy: devices");
	for (dev = vm->devices; dev; dev = next) {
		next = dev->next;
		if (dev->ops->destroy)
			dev->ops->destroy(dev);
	}
	pr_debug("destroy: vcpus, RAM and the VM");
	arch_vm_destroy(vm);
	for (unsigned int i = 0; vm->vcpus && i < vm->nr_vcpus; i++) {
		struct vcpu *vcpu = &vm->vcpus[i];

		if (vcpu->stats_fd >= 0) {
			kvm_stats_log(vcpu->stats_fd, vcpu->id);
			close(vcpu->stats_fd);
		}
		if (vcpu->run)
			munmap(vcpu->run, vcpu->run_size);
		if (vcpu->fd >= 0)
			close(vcpu->fd);
		arch_vcpu_destroy(vcpu);
	}
	free(vm->vcpus);
	mmio_bus_free(&vm->mmio);
	/*
	 * The VM goes before its RAM, as at a process's exit: unmapping RAM
	 * that a live VM still maps makes KVM unmap every nested stage 2 of
	 * a guest with EL2 over its whole 48-bit range, a TLB invalidation
	 * per GiB, which took minutes on the nested test bed (testing.md,
	 * "Why lkvm did not exit after an --e2h0 guest's power-off").
	 * Closed first, the VM frees its stage 2 tables without them.
	 */
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	ram_touch_log(&vm->ram);
	if (vm->cfg && vm->cfg->restore)
		ram_hot_record(vm->cfg->restore->hot, &vm->ram);
	guest_mem_free(&vm->ram);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	if (vm->stop_efd >= 0)
		close(vm->stop_efd);
	console_restore(&vm->console);
	seccomp_release_cache(vm);
	vm_pause_fini(vm);
	pthread_mutex_destroy(&vm->stop_lock);
	free(vm);
}

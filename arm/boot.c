// SPDX-License-Identifier: GPL-2.0
/*
 * Loading the guest: kernel (arm64 Image or flat binary), initrd and DTB
 * placed per the arm64 boot protocol, then the boot vcpu's registers.
 */
#include <lkvm/arch.h>

#include <lkvm/arm/arm.h>
#include <lkvm/arm/fdt.h>
#include <lkvm/arm/image.h>
#include <lkvm/arm/memmap.h>
#include <lkvm/arm/nested.h>

#include <lkvm/cmdline.h>
#include <lkvm/log.h>
#include <lkvm/vm.h>

#include <asm/kvm.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

struct guest_file {
	const char *what;	/* "kernel", "initrd" */
	const char *path;
	int fd;
	uint64_t size;
	const void *data;	/* in memory instead of a file (lkvm sandbox) */
};

static int open_guest_file(struct guest_file *f, const char *what,
			   const char *path)
{
	struct stat st;

	f->what = what;
	f->path = path;
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0) {
		int err = errno;

		if (!strcmp(what, "kernel"))	/* kvm-unit-tests matches this */
			fprintf(stderr, "  Fatal: Unable to open kernel %s\n", path);
		else
			pr_err("cannot open %s %s: %s", what, path, strerror(err));
		return -err;
	}
	if (fstat(f->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		pr_err("%s %s is not a regular file", what, path);
		return -EINVAL;
	}
	f->size = (uint64_t)st.st_size;
	return 0;
}

/* Reads the whole file into guest RAM at @gpa (the range is checked). */
static int load_file(struct vm *vm, struct guest_file *f, uint64_t gpa)
{
	uint8_t *dst = guest_mem_ptr(&vm->ram, gpa, f->size);
	uint64_t done = 0;

	if (!dst) {
		pr_err("%s %s does not fit in guest RAM at 0x%llx", f->what,
		       f->path, (unsigned long long)gpa);
		return -ENOSPC;
	}
	if (f->data) {
		memcpy(dst, f->data, f->size);
		return 0;
	}
	while (done < f->size) {
		ssize_t n = pread(f->fd, dst + done, f->size - done,
				  (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			pr_err("reading %s %s failed: %s", f->what, f->path,
			       n < 0 ? strerror(errno) : "file shrank");
			return n < 0 ? -errno : -EIO;
		}
		done += (uint64_t)n;
	}
	return 0;
}

/* Below this, a kernel (with its BSS) is a small blob: see load_all(). */
#define SMALL_KERNEL_MAX SZ_1M

#define ROOT_9P_PARAMS(mode) \
	"root=/dev/root " mode \
	" rootfstype=9p rootflags=trans=virtio,version=9p2000.L"

static int build_cmdline(struct vm *vm)
{
	const char *defaults[4];
	unsigned int nr = 0;

	if (!vm->cfg->nodefaults) {
		if (vm->cfg->console == CONSOLE_SERIAL)
			defaults[nr++] = "console=ttyS0";
		else
			defaults[nr++] = "console=hvc0";
		/*
		 * kvmtool: a directory given with -d is the root file
		 * system over 9p, else the first disk is.
		 */
		if (vm->cfg->p9.root >= 0)
			defaults[nr++] = vm->cfg->p9.shares[vm->cfg->p9.root].ro ?
						 ROOT_9P_PARAMS("ro") :
						 ROOT_9P_PARAMS("rw");
		else if (vm->cfg->blk.nr_disks)
			defaults[nr++] = "root=/dev/vda rw";
	}
	vm->arch->cmdline = cmdline_build(defaults, nr, vm->cfg->params);
	if (!vm->arch->cmdline) {
		pr_err("the kernel command line is longer than the guest kernel's limit of %d bytes",
		       GUEST_CMDLINE_MAX - 1);
		return -E2BIG;
	}
	return 0;
}

static int build_fdt(struct vm *vm)
{
	char uart_path[32];
	uint64_t mpidr[MEMMAP_GICV3_MAX_VCPUS];
	uint8_t seed[FDT_RNG_SEED_SIZE];
	uint64_t kaslr_seed = 0;
	bool have_seed;
	struct fdt_machine m;

	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		mpidr[i] = vm->vcpus[i].arch->mpidr;
	snprintf(uart_path, sizeof(uart_path), "/uart@%llx",
		 (unsigned long long)memmap[MM_UART].base);
	/* Entropy for the guest's early boot and KASLR, as firmware gives. */
	have_seed = getrandom(seed, sizeof(seed), GRND_NONBLOCK) ==
			    (ssize_t)sizeof(seed) &&
		    getrandom(&kaslr_seed, sizeof(kaslr_seed), GRND_NONBLOCK) ==
			    (ssize_t)sizeof(kaslr_seed);

	m = (struct fdt_machine){
		.nr_cpus = vm->nr_vcpus,
		.mpidr = mpidr,
		.gic = vm->arch->gic,
		.gic_dist_base = memmap[MM_GIC_DIST].base,
		.gic_dist_size = MEMMAP_GIC_DIST_SIZE,
		.gic_redist_base = vm->arch->redist_base,
		.gic_redist_size = vm->arch->redist_size,
		.ram_base = vm->ram.gpa_base,
		.ram_size = vm->ram.size,
		.bootargs = vm->arch->cmdline,
		.initrd_start = vm->arch->initrd_base,
		.initrd_end = vm->arch->initrd_size ?
				      vm->arch->initrd_base + vm->arch->initrd_size :
				      0,
		.pmu = vcpu_has_feature(vm, KVM_ARM_VCPU_PMU_V3),
		.nested = vcpu_has_feature(vm, KVM_ARM_VCPU_HAS_EL2),
		.stdout_path = vm->cfg->console == CONSOLE_SERIAL ? uart_path : NULL,
		.serial0 = uart_path,
		.devices = vm->devices,
		.rng_seed = have_seed ? seed : NULL,
		.kaslr_seed = kaslr_seed,
	};
	return fdt_build(&m, &vm->arch->fdt, &vm->arch->fdt_size);
}

static void log_layout(const struct vm *vm, const struct kernel_image *img)
{
	pr_debug("%s %s: %llu KiB at 0x%llx; DTB at 0x%llx; initrd %llu KiB at 0x%llx",
		img->is_image ? "Image" : "flat binary", vm->cfg->kernel,
		(unsigned long long)(img->file_size >> 10),
		(unsigned long long)vm->arch->kernel_base,
		(unsigned long long)vm->arch->fdt_base,
		(unsigned long long)(vm->arch->initrd_size >> 10),
		(unsigned long long)vm->arch->initrd_base);
	pr_debug("command line: \"%s\"", vm->arch->cmdline);
}

static int load_all(struct vm *vm, struct guest_file *kernel,
		    struct guest_file *initrd)
{
	uint8_t head[ARM64_IMAGE_HEADER_SIZE] = { 0 };
	struct kernel_image img;
	struct boot_layout layout;
	const char *why;
	char reason[160];
	ssize_t n;
	int ret;

	n = pread(kernel->fd, head, sizeof(head), 0);
	if (n < 0) {
		pr_err("reading kernel %s failed: %s", kernel->path,
		       strerror(errno));
		return -errno;
	}
	ret = kernel_image_parse(head, (size_t)n, kernel->size, &img, &why);
	if (ret) {
		pr_err("kernel %s cannot be booted: %s", kernel->path, why);
		return ret;
	}
	ret = boot_layout_compute(&img, vm->ram.gpa_base, vm->ram.size,
				  initrd->size, &layout, reason, sizeof(reason));
	if (ret) {
		pr_err("cannot place the guest in RAM: %s", reason);
		return ret;
	}
	vm->arch->kernel_base = layout.kernel_base;
	vm->arch->kernel_size = layout.kernel_end - layout.kernel_base;
	vm->arch->entry = layout.kernel_base;
	vm->arch->fdt_base = layout.fdt_base;
	vm->arch->initrd_base = layout.initrd_base;
	vm->arch->initrd_size = layout.initrd_end - layout.initrd_base;

	/*
	 * The host backs RAM with huge pages and clears a whole one at the
	 * first write: for a bare-metal payload of a few KiB that is most
	 * of what loading it costs, so a small kernel gets small pages (a
	 * real kernel fills its blocks and keeps huge ones). The DTB has
	 * its 2 MiB block to itself: small pages there always.
	 */
	if (vm->arch->kernel_size < SMALL_KERNEL_MAX)
		guest_mem_small_pages(&vm->ram, vm->arch->kernel_base,
				      vm->arch->kernel_size);
	ret = load_file(vm, kernel, layout.kernel_base);

	if (!ret && initrd->size)
		ret = load_file(vm, initrd, layout.initrd_base);
	ret = ret ?: build_cmdline(vm);
	ret = ret ?: build_fdt(vm);
	if (ret)
		return ret;
	guest_mem_small_pages(&vm->ram, layout.fdt_base, vm->arch->fdt_size);
	memcpy(guest_mem_ptr(&vm->ram, layout.fdt_base, vm->arch->fdt_size),
	       vm->arch->fdt, vm->arch->fdt_size);

	log_layout(vm, &img);
	return vcpu_set_boot_regs(&vm->vcpus[0], vm->arch->entry,
				  vm->arch->fdt_base);
}

int arch_load_guest(struct vm *vm)
{
	struct guest_file kernel = { .fd = -1 }, initrd = { .fd = -1 };
	int ret;

	ret = open_guest_file(&kernel, "kernel", vm->cfg->kernel);
	if (!ret && vm->cfg->initrd_data)
		initrd = (struct guest_file){ .what = "initrd",
					      .path = "(the sandbox's)",
					      .fd = -1,
					      .size = vm->cfg->initrd_data_size,
					      .data = vm->cfg->initrd_data };
	else if (!ret && vm->cfg->initrd)
		ret = open_guest_file(&initrd, "initrd", vm->cfg->initrd);
	if (!ret)
		ret = load_all(vm, &kernel, &initrd);
	if (kernel.fd >= 0)
		close(kernel.fd);
	if (initrd.fd >= 0)
		close(initrd.fd);
	return ret;
}

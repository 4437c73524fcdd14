/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_KMOD_H
#define LKVM_KMOD_H

#include <lkvm/compiler.h>

/*
 * Kernel modules for a sandbox guest (sandbox/kmod.c): which release a
 * kernel Image is, and which module files (dependencies first) give a
 * guest the drivers it needs, from an installed module tree
 * (lib/modules/RELEASE: modules.dep, or modules.order plus each
 * module's own depends=; modules.builtin for what needs no module).
 */

#define KMOD_MAX 48
#define KMOD_RELEASE_MAX 65

struct kmod {
	char name[64];		/* '-' written as '_' */
	char *path;
	uint8_t *data;
	size_t size;
	const char *ext;	/* ".ko", ".ko.xz", ".ko.zst" or ".ko.gz" */
};

struct kmod_set {
	struct kmod mods[KMOD_MAX];
	unsigned int nr;
	unsigned int nr_builtin;	/* wanted ones built in */
};

/*
 * Finds "Linux version RELEASE " (the kernel's banner) in @buf and copies
 * RELEASE (1 to KMOD_RELEASE_MAX - 1 of [A-Za-z0-9._+~-]). 0 or -ENOENT.
 */
int kmod_release_scan(const uint8_t *buf, size_t len,
		      char out[KMOD_RELEASE_MAX]);
/* The same, from an uncompressed Image file. */
int kmod_release_of_image(const char *path, char out[KMOD_RELEASE_MAX]);

/*
 * The value of @key in the .modinfo section of the ELF module @elf[0,
 * @len); every offset and size in the file is checked against @len.
 * 0, -ENOEXEC (not a 64-bit little-endian ELF, or a broken one) or
 * -ENOENT (no such key).
 */
int kmod_modinfo(const uint8_t *elf, size_t len, const char *key, char *out,
		 size_t outlen);

/*
 * Collects @wanted (module names) and their dependencies from the module
 * tree @dir into @set, dependencies first, each file read into memory.
 * Modules listed in modules.builtin are skipped. When @release is
 * known, uncompressed modules must carry it in their vermagic. Every
 * refusal is one error line naming the module and @dir. 0 or -errno.
 */
int kmod_resolve(const char *dir, const char *release,
		 const char *const *wanted, unsigned int nr_wanted,
		 struct kmod_set *set);
void kmod_set_free(struct kmod_set *set);

/* Whether @dir looks like an installed module tree. */
bool kmod_dir_ok(const char *dir);

#endif

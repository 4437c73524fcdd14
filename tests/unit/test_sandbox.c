/*
 * The sandbox's pure parts: the guest's status line, the initramfs
 * writer, and reading kernel modules (banner, .modinfo, dependencies)
 * from files that may be broken.
 */
#include "harness.h"

#include <lkvm/kmod.h>
#include <lkvm/sandbox.h>

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int parse(const char *line, struct sandbox_result *r)
{
	memset(r, 0, sizeof(*r));
	return sandbox_parse_status(line, strlen(line), r);
}

static void test_status_line(void)
{
	static const char *const bad[] = {
		"", "exit", "exit ", "exit 256", "exit -1", "exit 01", "exit +1",
		"exit 1 ", " exit 1", "exit 1x", "EXIT 1", "exit 1000",
		"signal 0", "signal 65", "signal 9 ", "signal", "error", "error ",
		"error \x01", "error caf\xc3\xa9", "status 0", "exit\t1",
	};
	struct sandbox_result r;
	char long_error[SANDBOX_ERROR_TEXT_MAX + 10];

	CHECK_EQ(parse("exit 0", &r), 0);
	CHECK(r.reported && !r.init_error);
	CHECK_EQ(r.status, 0);
	CHECK_EQ(parse("exit 42", &r), 0);
	CHECK_EQ(r.status, 42);
	CHECK_EQ(parse("exit 255", &r), 0);
	CHECK_EQ(r.status, 255);
	CHECK_EQ(parse("signal 9", &r), 0);
	CHECK_EQ(r.status, 137);
	CHECK_EQ(parse("signal 64", &r), 0);
	CHECK_EQ(r.status, 192);
	CHECK_EQ(parse("error cannot mount /: No such device", &r), 0);
	CHECK(r.init_error);
	CHECK_EQ(r.status, SANDBOX_EXIT_SETUP);
	CHECK_STR(r.message, "cannot mount /: No such device");
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK_EQ(parse(bad[i], &r), -EINVAL);
		CHECK(!r.reported);
	}
	/* A NUL inside the line: the length, not the terminator, counts. */
	memset(&r, 0, sizeof(r));
	CHECK_EQ(sandbox_parse_status("exit 1\0", 7, &r), -EINVAL);
	memset(long_error, 'e', sizeof(long_error) - 1);
	long_error[sizeof(long_error) - 1] = '\0';
	memcpy(long_error, "error ", 6);
	CHECK_EQ(parse(long_error, &r), -EINVAL);
	long_error[6 + SANDBOX_ERROR_TEXT_MAX] = '\0';
	CHECK_EQ(parse(long_error, &r), 0);
	CHECK_EQ(strlen(r.message), SANDBOX_ERROR_TEXT_MAX);
}

/* Reads a newc entry at *off; returns false at the trailer or on error. */
static bool cpio_next(const uint8_t *buf, size_t len, size_t *off,
		      char *name, unsigned int *mode, const uint8_t **data,
		      size_t *size)
{
	char field[9] = { 0 };
	unsigned long v[13];
	size_t namesize;

	if (*off + 110 > len || memcmp(buf + *off, "070701", 6))
		return false;
	for (int i = 0; i < 13; i++) {
		memcpy(field, buf + *off + 6 + 8 * i, 8);
		v[i] = strtoul(field, NULL, 16);
	}
	*mode = (unsigned int)v[1];
	*size = v[6];
	namesize = v[11];
	memcpy(name, buf + *off + 110, namesize);
	*off = (*off + 110 + namesize + 3) & ~(size_t)3;
	*data = buf + *off;
	*off = (*off + *size + 3) & ~(size_t)3;
	return strcmp(name, "TRAILER!!!") != 0;
}

static void test_cpio(void)
{
	struct cpio c;
	const uint8_t *data;
	unsigned int mode;
	size_t off = 0, size;
	char name[256];

	cpio_init(&c);
	cpio_add_dir(&c, "lkvm", 0755);
	cpio_add_file(&c, "lkvm/argv", 0644, "a b\0c\0", 6);
	cpio_add_chardev(&c, "dev/console", 0600, 5, 1);
	cpio_add_file(&c, "empty", 0600, NULL, 0);
	CHECK_EQ(cpio_finish(&c), 0);
	CHECK_EQ(c.len % 4, 0);

	CHECK(cpio_next(c.buf, c.len, &off, name, &mode, &data, &size));
	CHECK_STR(name, "lkvm");
	CHECK(S_ISDIR(mode) && (mode & 07777) == 0755);
	CHECK(cpio_next(c.buf, c.len, &off, name, &mode, &data, &size));
	CHECK_STR(name, "lkvm/argv");
	CHECK(S_ISREG(mode));
	CHECK_EQ(size, 6);
	CHECK(!memcmp(data, "a b\0c\0", 6));
	CHECK(cpio_next(c.buf, c.len, &off, name, &mode, &data, &size));
	CHECK_STR(name, "dev/console");
	CHECK(S_ISCHR(mode));
	/* rdevmajor and rdevminor: fields 9 and 10. */
	CHECK(cpio_next(c.buf, c.len, &off, name, &mode, &data, &size));
	CHECK_STR(name, "empty");
	CHECK_EQ(size, 0);
	CHECK(!cpio_next(c.buf, c.len, &off, name, &mode, &data, &size));
	CHECK_STR(name, "TRAILER!!!");
	CHECK_EQ(off, c.len);
	cpio_free(&c);
}

static void test_release_scan(void)
{
	static const char image[] =
		"\x7f junk Linux version %s (format) "
		"Linux version 6.1.0-56-arm64 (debian-kernel@lists) #1 SMP";
	char rel[KMOD_RELEASE_MAX];
	char longrel[200];

	CHECK_EQ(kmod_release_scan((const uint8_t *)image, sizeof(image), rel), 0);
	CHECK_STR(rel, "6.1.0-56-arm64");
	CHECK_EQ(kmod_release_scan((const uint8_t *)"no banner", 9, rel), -ENOENT);
	/* At the very end, without the space that ends a release. */
	CHECK_EQ(kmod_release_scan((const uint8_t *)"Linux version 6.1", 17, rel),
		 -ENOENT);
	snprintf(longrel, sizeof(longrel), "Linux version 6%0120d ", 0);
	CHECK_EQ(kmod_release_scan((const uint8_t *)longrel, strlen(longrel), rel),
		 -ENOENT);
}

/*
 * A minimal ELF64 module: the header, then a .shstrtab and a .modinfo
 * section holding @modinfo (@mlen bytes), then the section headers.
 */
static size_t make_module(uint8_t *buf, const char *modinfo, size_t mlen)
{
	static const char shstr[] = "\0.shstrtab\0.modinfo\0";
	Elf64_Ehdr eh = { 0 };
	Elf64_Shdr sh[3] = { { 0 } };
	size_t off = sizeof(eh);

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = 3;
	eh.e_shstrndx = 1;
	memcpy(buf + off, shstr, sizeof(shstr));
	sh[1] = (Elf64_Shdr){ .sh_name = 1, .sh_offset = off,
			      .sh_size = sizeof(shstr) };
	off += sizeof(shstr);
	memcpy(buf + off, modinfo, mlen);
	sh[2] = (Elf64_Shdr){ .sh_name = 11, .sh_offset = off, .sh_size = mlen };
	off = (off + mlen + 7) & ~(size_t)7;
	eh.e_shoff = off;
	memcpy(buf + off, sh, sizeof(sh));
	off += sizeof(sh);
	memcpy(buf, &eh, sizeof(eh));
	return off;
}

static void test_modinfo(void)
{
	static const char info[] = "license=GPL\0depends=9pnet,netfs\0"
				   "vermagic=6.1.0-56-arm64 SMP mod_unload\0";
	uint8_t elf[1024] = { 0 };
	char out[128];
	size_t len = make_module(elf, info, sizeof(info));
	Elf64_Ehdr eh;

	CHECK_EQ(kmod_modinfo(elf, len, "depends", out, sizeof(out)), 0);
	CHECK_STR(out, "9pnet,netfs");
	CHECK_EQ(kmod_modinfo(elf, len, "vermagic", out, sizeof(out)), 0);
	CHECK_STR(out, "6.1.0-56-arm64 SMP mod_unload");
	CHECK_EQ(kmod_modinfo(elf, len, "author", out, sizeof(out)), -ENOENT);
	CHECK_EQ(kmod_modinfo(elf, len, "depends", out, 4), -ENAMETOOLONG);
	/* Every truncation of the file: an error, never a read past it. */
	for (size_t l = 0; l < len; l++) {
		int ret = kmod_modinfo(elf, l, "depends", out, sizeof(out));

		CHECK(ret == -ENOEXEC || ret == -ENOENT);
	}
	CHECK_EQ(kmod_modinfo((const uint8_t *)"not an elf file at all", 22,
			      "depends", out, sizeof(out)),
		 -ENOEXEC);
	/* Section headers, section names and data pointing anywhere. */
	memcpy(&eh, elf, sizeof(eh));
	eh.e_shoff = ~0ULL - 8;
	memcpy(elf, &eh, sizeof(eh));
	CHECK_EQ(kmod_modinfo(elf, len, "depends", out, sizeof(out)), -ENOEXEC);
	len = make_module(elf, info, sizeof(info));
	memcpy(&eh, elf, sizeof(eh));
	eh.e_shnum = 0xffff;
	memcpy(elf, &eh, sizeof(eh));
	CHECK_EQ(kmod_modinfo(elf, len, "depends", out, sizeof(out)), -ENOEXEC);
	len = make_module(elf, info, sizeof(info));
	{
		Elf64_Shdr sh;
		size_t at = ((Elf64_Ehdr *)(void *)elf)->e_shoff + 2 * sizeof(sh);

		memcpy(&sh, elf + at, sizeof(sh));
		sh.sh_size = 1ULL << 40;
		memcpy(elf + at, &sh, sizeof(sh));
		CHECK_EQ(kmod_modinfo(elf, len, "depends", out, sizeof(out)),
			 -ENOEXEC);
		sh.sh_size = sizeof(info);
		sh.sh_name = 5000;
		memcpy(elf + at, &sh, sizeof(sh));
		CHECK_EQ(kmod_modinfo(elf, len, "depends", out, sizeof(out)),
			 -ENOENT);
	}
	/* A .modinfo without a final NUL. */
	len = make_module(elf, "depends=a", 9);
	CHECK_EQ(kmod_modinfo(elf, len, "depends", out, sizeof(out)), 0);
	CHECK_STR(out, "a");
}

static char tree[64];

static void put_module(const char *rel, const char *depends,
		       const char *vermagic)
{
	char info[256], path[PATH_MAX], *slash;
	uint8_t elf[1024] = { 0 };
	size_t ilen, len;
	FILE *f;

	ilen = (size_t)snprintf(info, sizeof(info), "depends=%s", depends) + 1;
	ilen += (size_t)snprintf(info + ilen, sizeof(info) - ilen,
				 "vermagic=%s SMP", vermagic) + 1;
	len = make_module(elf, info, ilen);
	snprintf(path, sizeof(path), "%s/%s", tree, rel);
	for (slash = strchr(path + strlen(tree) + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	CHECK(f);
	if (f) {
		fwrite(elf, 1, len, f);
		fclose(f);
	}
}

static void put_text(const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tree, name);
	f = fopen(path, "w");
	CHECK(f);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void rm_tree(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tree);
	if (system(cmd))
		return;
}

static void test_resolve(void)
{
	static const char *const want[] = { "virtio_mmio", "9p" };
	static const char *const want_cycle[] = { "a" };
	struct kmod_set set;

	snprintf(tree, sizeof(tree), "/tmp/lkvm-kmod-XXXXXX");
	CHECK(mkdtemp(tree));
	put_module("kernel/fs/9p/9p.ko", "9pnet,netfs", "6.1.0-test");
	put_module("kernel/net/9p/9pnet.ko", "", "6.1.0-test");
	put_module("kernel/fs/netfs/netfs.ko", "", "6.1.0-test");
	put_module("kernel/a.ko", "b", "6.1.0-test");
	put_module("kernel/b.ko", "a", "6.1.0-test");
	put_text("modules.order", "kernel/fs/netfs/netfs.ko\nkernel/net/9p/9pnet.ko\n"
				  "kernel/fs/9p/9p.ko\nkernel/a.ko\nkernel/b.ko\n");
	put_text("modules.builtin", "kernel/drivers/virtio/virtio_mmio.ko\n");
	CHECK(kmod_dir_ok(tree));

	CHECK_EQ(kmod_resolve(tree, "6.1.0-test", want, 2, &set), 0);
	CHECK_EQ(set.nr_builtin, 1);
	CHECK_EQ(set.nr, 3);
	/* Dependencies before the module that needs them. */
	CHECK_STR(set.mods[0].name, "9pnet");
	CHECK_STR(set.mods[1].name, "netfs");
	CHECK_STR(set.mods[2].name, "9p");
	CHECK_STR(set.mods[2].ext, ".ko");
	CHECK(set.mods[2].size > 64);
	kmod_set_free(&set);

	/* Built for another kernel: refused, naming both releases. */
	CHECK_EQ(kmod_resolve(tree, "6.1.0-other", want, 2, &set), -EINVAL);
	/* Release unknown: not checked. */
	CHECK_EQ(kmod_resolve(tree, NULL, want, 2, &set), 0);
	kmod_set_free(&set);
	/* A dependency cycle ends in an error, not a stack overflow. */
	CHECK_EQ(kmod_resolve(tree, NULL, want_cycle, 1, &set), -E2BIG);
	/* A module nobody has. */
	put_text("modules.builtin", "");
	CHECK_EQ(kmod_resolve(tree, NULL, want, 2, &set), -ENOENT);
	/* modules.dep, where depmod wrote one, gives paths and order. */
	put_text("modules.dep", "kernel/fs/9p/9p.ko: kernel/net/9p/9pnet.ko\n"
				"kernel/net/9p/9pnet.ko:\n"
				"kernel/drivers/virtio/virtio_mmio.ko:\n");
	put_module("kernel/drivers/virtio/virtio_mmio.ko", "", "6.1.0-test");
	CHECK_EQ(kmod_resolve(tree, NULL, want, 2, &set), 0);
	CHECK_EQ(set.nr, 3);
	CHECK_STR(set.mods[0].name, "virtio_mmio");
	CHECK_STR(set.mods[1].name, "9pnet");
	CHECK_STR(set.mods[2].name, "9p");
	kmod_set_free(&set);
	rm_tree();
	CHECK(!kmod_dir_ok(tree));
}

static const struct unit_test tests[] = {
	{ "sandbox_status_line", test_status_line },
	{ "sandbox_cpio", test_cpio },
	{ "kmod_release_scan", test_release_scan },
	{ "kmod_modinfo", test_modinfo },
	{ "kmod_resolve", test_resolve },
};

UNIT_MAIN(tests)

/*
 * Snapshot manifests: the configuration written by every device model
 * reads back into the same configuration; every way a manifest can be
 * wrong is refused with a reason; the sparse RAM writer and its CRC.
 */
#include "harness.h"

#include <lkvm/arm/arm.h>
#include <lkvm/guest_mem.h>
#include <lkvm/json.h>
#include <lkvm/restore.h>
#include <lkvm/snapshot.h>
#include <lkvm/state.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char arch_host_devices_files[] =
	"  \"arch\": {\"irqchip\": \"gicv3\", \"ipa_bits\": 40, \"pmu\": true, \"ptrauth\": false, \"sve_vls\": [128, 256]},\n"
	"  \"host\": {\"kernel\": \"6.1.0\", \"sve_vls\": [128, 256, 512], \"id_regs\": []},\n"
	"  \"devices\": [],\n"
	"  \"files\": {\"ram\": {\"bytes\": \"0x10000000\", \"crc32\": \"0x12345678\"},\n"
	"            \"state\": {\"bytes\": \"0x100\", \"crc32\": \"0x9abcdef0\", \"records\": 5}}\n"
	"}\n";

/* A manifest as lkvm writes one, with @cfg's configuration. */
static char *manifest_of(const struct vm_config *cfg, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	fprintf(f, "{\n  \"format\": \"lkvm-snapshot\",\n  \"version\": 1,\n  \"name\": \"guest-7\",\n");
	snapshot_write_config(f, cfg, 2, 256ULL << 20);
	fputs(arch_host_devices_files, f);
	fclose(f);
	return text;
}

static void sample_config(struct vm_config *c)
{
	vm_config_init(c);
	c->rng = true;
	c->rtc = false;
	c->console = CONSOLE_VIRTIO;
	c->blk.disks[0] = (struct vm_disk){ .path = "/img/a.raw,junk",
					    .path_len = 10, .ro = true };
	c->blk.disks[1] = (struct vm_disk){ .path = "/img/b \"q\".raw",
					    .path_len = 14, .direct = true };
	c->blk.nr_disks = 2;
	c->net.nics[0] = (struct vm_nic){ .spec = "mode=tap,tapif=tap7",
					  .mode = NET_MODE_TAP };
	c->net.nr_nics = 1;
	c->net.passt = "/opt/passt";
	c->p9.shares[0] = (struct vm_9p){ .path = "/srv/root", .path_len = 9,
					  .tag = "/dev/root", .tag_len = 9 };
	c->p9.shares[1] = (struct vm_9p){ .path = "/srv/data", .path_len = 9,
					  .tag = "data", .tag_len = 4,
					  .ro = true };
	c->p9.nr_shares = 2;
	c->p9.root = 0;
}

static void test_config_round_trip(void)
{
	struct vm_config in, out;
	struct snapshot_source s = { .ram_fd = -1 };
	char why[256] = "";
	size_t len;
	char *text;

	sample_config(&in);
	text = manifest_of(&in, &len);
	CHECK_EQ(snapshot_parse_manifest(text, len, &s, why, sizeof(why)), 0);
	CHECK_STR(why, "");
	CHECK_EQ(s.nr_vcpus, 2);
	CHECK_EQ(s.ram_bytes, 256ULL << 20);
	CHECK_EQ(s.ram_crc, 0x12345678);
	CHECK_EQ(s.state_bytes, 0x100);
	CHECK_EQ(s.state_crc, 0x9abcdef0);
	CHECK_EQ(s.nr_records, 5);
	CHECK(!s.sandbox);

	vm_config_init(&out);
	CHECK_EQ(snapshot_config(&s, &out, NULL, why, sizeof(why)), 0);
	CHECK(out.restore == &s);
	CHECK_STR(out.name, "guest-7");
	CHECK_EQ(out.nr_cpus, 2);
	CHECK_EQ(out.ram_size, 256ULL << 20);
	CHECK_EQ(out.console, CONSOLE_VIRTIO);
	CHECK(out.rng && !out.rtc);
	CHECK_EQ(out.blk.nr_disks, 2);
	CHECK_EQ(out.blk.disks[0].path_len, 10);
	CHECK(!memcmp(out.blk.disks[0].path, "/img/a.raw", 10));
	CHECK(out.blk.disks[0].ro && !out.blk.disks[0].direct);
	CHECK_STR(out.blk.disks[1].path, "/img/b \"q\".raw");
	CHECK(!out.blk.disks[1].ro && out.blk.disks[1].direct);
	CHECK(!out.blk.allow_changed);
	CHECK_EQ(out.net.nr_nics, 1);
	CHECK_EQ(out.net.nics[0].mode, NET_MODE_TAP);
	CHECK_STR(out.net.nics[0].tapif, "tap7");
	CHECK_STR(out.net.passt, "/opt/passt");
	CHECK(!out.net.none);
	CHECK_EQ(out.p9.nr_shares, 2);
	CHECK_EQ(out.p9.root, 0);
	CHECK_STR(out.p9.shares[1].tag, "data");
	CHECK(out.p9.shares[1].ro && !out.p9.shares[0].ro);
	CHECK_EQ(out.arch->irqchip, IRQCHIP_GICV3);
	CHECK(out.arch->pmu);
	CHECK_EQ(out.arch->ptrauth, FEATURE_OFF);
	/* A manifest from before --nested: no EL2. */
	CHECK(!out.arch->nested && !out.arch->e2h0);
	CHECK_EQ(out.arch->sve.kind, SVE_SPEC_SET);
	CHECK_EQ(out.arch->sve.set, SVE_VQ_BIT(1) | SVE_VQ_BIT(2));

	vm_config_release(&out);
	vm_config_release(&in);
	json_free(s.manifest);
	free(text);
}

/*
 * @text (a manifest as manifest_of() writes it) with @members added to
 * "arch" after "ptrauth".
 */
static char *with_arch_members(const char *text, const char *members,
			       size_t *len)
{
	static const char at[] = "\"ptrauth\": false,";
	const char *p = strstr(text, at) + sizeof(at) - 1;
	char *out = NULL;
	FILE *f = open_memstream(&out, len);

	fprintf(f, "%.*s %s%s", (int)(p - text), text, members, p);
	fclose(f);
	return out;
}

/* --nested and --e2h0 come back from the manifest; nonsense is refused. */
static void test_nested_manifest(void)
{
	static const struct {
		const char *members;
		bool ok, nested, e2h0;
	} cases[] = {
		{ "\"nested\": true, \"e2h0\": false,", true, true, false },
		{ "\"nested\": true, \"e2h0\": true,", true, true, true },
		{ "\"nested\": false,", true, false, false },
		{ "\"nested\": false, \"e2h0\": true,", false, false, false },
		{ "\"nested\": \"yes\",", false, false, false },
	};
	struct vm_config in, out;
	size_t len, len2;
	char *text;

	sample_config(&in);
	text = manifest_of(&in, &len);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct snapshot_source s = { .ram_fd = -1 };
		char *t = with_arch_members(text, cases[i].members, &len2);
		char why[256] = "";
		int ret;

		CHECK_EQ(snapshot_parse_manifest(t, len2, &s, why, sizeof(why)), 0);
		vm_config_init(&out);
		ret = snapshot_config(&s, &out, NULL, why, sizeof(why));
		CHECK_EQ(ret == 0, cases[i].ok);
		if (!cases[i].ok)
			CHECK(strstr(why, "manifest: arch") != NULL);
		else
			CHECK(out.arch->nested == cases[i].nested &&
			      out.arch->e2h0 == cases[i].e2h0);
		vm_config_release(&out);
		json_free(s.manifest);
		free(t);
	}
	vm_config_release(&in);
	free(text);
}

/* --disk-path moves a disk; one that names no disk is refused. */
static void test_disk_remap(void)
{
	struct disk_remap r[2] = {
		{ "/img/a.raw", 10, "/new/a.raw" },
		{ "/img/zzz", 8, "/new/z" },
	};
	struct restore_options ro = { .remaps = r, .nr_remaps = 1,
				      .allow_changed_disks = true };
	struct vm_config in, out;
	struct snapshot_source s = { .ram_fd = -1 };
	char why[256];
	size_t len;
	char *text;

	sample_config(&in);
	text = manifest_of(&in, &len);
	CHECK_EQ(snapshot_parse_manifest(text, len, &s, why, sizeof(why)), 0);
	vm_config_init(&out);
	CHECK_EQ(snapshot_config(&s, &out, &ro, why, sizeof(why)), 0);
	CHECK_STR(out.blk.disks[0].path, "/new/a.raw");
	CHECK_STR(out.blk.disks[1].path, "/img/b \"q\".raw");
	CHECK(out.blk.allow_changed);
	vm_config_release(&out);

	ro.nr_remaps = 2;
	vm_config_init(&out);
	CHECK_EQ(snapshot_config(&s, &out, &ro, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "--disk-path /img/zzz=...: the snapshot has no disk /img/zzz"));
	vm_config_release(&out);
	vm_config_release(&in);
	json_free(s.manifest);
	free(text);
}

/* One edit of a good manifest, and the reason it must be refused for. */
struct bad_edit {
	const char *from, *to, *why;
};

static const struct bad_edit bad_edits[] = {
	{ "\"lkvm-snapshot\"", "\"other\"", "not an lkvm snapshot" },
	{ "\"version\": 1", "\"version\": 2",
	  "snapshot format version 2; this lkvm reads version 1" },
	{ "\"vcpus\": 2", "\"vcpus\": 0", "no vcpus" },
	{ "\"vcpus\": 2", "\"vcpus\": 5000", "\"vcpus\" is" },
	{ "\"ram_bytes\": \"0x10000000\"", "\"ram_bytes\": \"0x10000001\"",
	  "not a multiple of 2 MiB" },
	{ "\"console\": \"virtio\"", "\"console\": \"vga\"",
	  "console \"vga\" is neither" },
	{ "\"name\": \"guest-7\"", "\"name\": \"../x\"", "name: missing or not a VM name" },
	{ "\"devices\": []", "\"devices\": {}", "devices: missing" },
	{ "\"bytes\": \"0x10000000\"", "\"bytes\": \"0x20000000\"",
	  "files: sizes or checksums out of range" },
	{ "\"crc32\": \"0x12345678\"", "\"crc32\": \"0x112345678\"",
	  "files: sizes or checksums out of range" },
	{ "\"records\": 5", "\"records\": -1", "files:" },
	{ "{\n  \"format\"", "[\n  \"format\"", "manifest: " },
};

#define FEATURES_SVE "{\"SVE\": 1, \"SME\": 0, \"SVEver\": 0, \"AES\": 0, \"BitPerm\": 0, \"BF16\": 0, \"B16B16\": 0, \"SHA3\": 0, \"SM4\": 0, \"I8MM\": 0, \"F32MM\": 0, \"F64MM\": 0}"

/* Edits the model parts: each is refused by the model that owns it. */
static const struct bad_edit bad_config_edits[] = {
	{ "\"rng\": true", "\"rng\": 1", "\"rng\" is missing or not" },
	{ "\"/opt/passt\"", "7", "passt" },
	{ "\"mode=tap,tapif=tap7\"", "\"mode=none\"",
	  "nic 0 is not a NIC -n would take" },
	{ "\"mode=tap,tapif=tap7\"", "\"mode=warp\"",
	  "nic 0 is not a NIC -n would take" },
	{ "\"tag\": \"data\"", "\"tag\": \"/dev/root\"",
	  "two shares have the tag /dev/root" },
	{ "\"tag\": \"data\"", "\"tag\": \"a b\"", "a bad tag" },
	{ "\"ro\": true, \"root\": false", "\"ro\": true, \"root\": true",
	  "a second root" },
	{ "\"path\": \"/img/a.raw\"", "\"path\": \"\"", "an empty path" },
	{ "\"gicv3\"", "\"gicv2\"", "snapshots have a GICv3" },
	{ "\"ipa_bits\": 40", "\"ipa_bits\": 60", "\"ipa_bits\"" },
	{ "\"sve_vls\": [128, 256]}", "\"sve_vls\": [128, 100]}", "arch" },
	{ "\"sve_vls\": [128, 256]}",
	  "\"sve_vls\": [128, 256], \"cpu_profile\": {\"sve_vls\": [128, 256]}}",
	  "arch.cpu_profile: \"features\" is missing" },
	{ "\"sve_vls\": [128, 256]}",
	  "\"sve_vls\": [128, 256], \"cpu_profile\": {\"sve_vls\": [128], \"features\": " FEATURES_SVE "}}",
	  "its SVE set is not the guest's" },
	{ "\"sandbox_channel\": false", "\"sandbox_channel\": true",
	  "only lkvm sandbox restores it" },
};

static char *edited(const char *text, const struct bad_edit *e)
{
	const char *at = strstr(text, e->from);
	size_t n;
	char *out;

	if (!at)
		return NULL;
	n = strlen(text) - strlen(e->from) + strlen(e->to) + 1;
	out = malloc(n);
	snprintf(out, n, "%.*s%s%s", (int)(at - text), text, e->to,
		 at + strlen(e->from));
	return out;
}

static void check_refused(const char *good, const struct bad_edit *e,
			  bool config)
{
	struct snapshot_source s = { .ram_fd = -1 };
	struct vm_config cfg;
	char why[256] = "";
	char *text = edited(good, e);
	int ret;

	if (!text) {
		check_failed(__FILE__, __LINE__, "edit '%s' does not apply",
			     e->from);
		return;
	}
	ret = snapshot_parse_manifest(text, strlen(text), &s, why,
				      sizeof(why));
	if (config) {
		CHECK_EQ(ret, 0);
		vm_config_init(&cfg);
		ret = snapshot_config(&s, &cfg, NULL, why, sizeof(why));
		vm_config_release(&cfg);
	}
	if (ret != -EINVAL || !strstr(why, e->why))
		check_failed(__FILE__, __LINE__,
			     "'%s' -> '%s': got %d \"%s\", wanted \"%s\"",
			     e->from, e->to, ret, why, e->why);
	json_free(s.manifest);
	free(text);
}

static void test_bad_manifests(void)
{
	struct vm_config in;
	size_t len;
	char *good;

	sample_config(&in);
	good = manifest_of(&in, &len);
	for (size_t i = 0; i < sizeof(bad_edits) / sizeof(bad_edits[0]); i++)
		check_refused(good, &bad_edits[i], false);
	for (size_t i = 0;
	     i < sizeof(bad_config_edits) / sizeof(bad_config_edits[0]); i++)
		check_refused(good, &bad_config_edits[i], true);
	vm_config_release(&in);
	free(good);
}

/* A guest that ran with a CPU profile is restored with it. */
static void test_profile_restored(void)
{
	static const struct bad_edit with = {
		"\"sve_vls\": [128, 256]}",
		"\"sve_vls\": [128, 256], \"cpu_profile\": {\"sve_vls\": [128, 256], \"features\": " FEATURES_SVE "}}",
		NULL
	};
	struct vm_config in, out;
	struct snapshot_source s = { .ram_fd = -1 };
	char why[256] = "";
	size_t len;
	char *good, *text;

	sample_config(&in);
	good = manifest_of(&in, &len);
	text = edited(good, &with);
	CHECK(text != NULL);
	if (!text)
		return;
	CHECK_EQ(snapshot_parse_manifest(text, strlen(text), &s, why, sizeof(why)), 0);
	vm_config_init(&out);
	CHECK_EQ(snapshot_config(&s, &out, NULL, why, sizeof(why)), 0);
	CHECK_STR(why, "");
	CHECK(out.arch->has_profile);
	CHECK_EQ(out.arch->profile.sve_vqs, 3);
	CHECK_EQ(out.arch->profile.floor.level[0], 1);
	vm_config_release(&out);
	snapshot_close(&s);
	vm_config_release(&in);
	free(text);
	free(good);
}

/* Zero blocks stay holes; the CRC covers every byte, holes included. */
static void test_sparse_ram(void)
{
	char path[] = "/tmp/lkvm-test-ram-XXXXXX";
	int fd = mkstemp(path);
	size_t size = 4U << 20;
	uint8_t *ram = calloc(1, size), *back = malloc(size);
	struct guest_mem mem;
	uint64_t written;
	uint32_t crc;
	struct stat st;

	CHECK(fd >= 0);
	unlink(path);
	ram[3] = 0x5a;
	ram[size - 1] = 0xa5;
	ram[(2U << 20) + 77] = 1;
	guest_mem_wrap(&mem, 0, ram, size);
	CHECK_EQ(snapshot_write_ram(fd, &mem, &written, &crc), 0);
	CHECK_EQ(written, 3 * 65536);
	CHECK_EQ(crc, state_crc32(0, ram, size));
	CHECK_EQ(fstat(fd, &st), 0);
	CHECK_EQ(st.st_size, size);
	CHECK_EQ(pread(fd, back, size, 0), (ssize_t)size);
	CHECK(!memcmp(back, ram, size));
	/* A file system with holes allocates only what was written. */
	CHECK((uint64_t)st.st_blocks * 512 < size);
	close(fd);
	free(ram);
	free(back);
}

static const struct unit_test tests[] = {
	{ "config-round-trip", test_config_round_trip },
	{ "nested-manifest", test_nested_manifest },
	{ "disk-remap", test_disk_remap },
	{ "bad-manifests", test_bad_manifests },
	{ "profile-restored", test_profile_restored },
	{ "sparse-ram", test_sparse_ram },
};

UNIT_MAIN(tests)

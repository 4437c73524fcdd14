// SPDX-License-Identifier: GPL-2.0
/*
 * Reading a snapshot back (include/lkvm/restore.h). Everything in the
 * directory is input anyone may have edited: the manifest is parsed by
 * the strict JSON reader with every member checked, the state file is
 * read whole, bounded, and checked against its CRC before any record is
 * looked at, and each record checks itself again as it loads.
 */
#include <lkvm/restore.h>

#include <lkvm/arch.h>
#include <lkvm/device.h>
#include <lkvm/ipc_path.h>
#include <lkvm/json.h>
#include <lkvm/migrate_wire.h>
#include <lkvm/parse.h>
#include <lkvm/ram_hot.h>
#include <lkvm/snapshot.h>
#include <lkvm/state.h>
#include <lkvm/vm.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bounds on what a manifest may ask for. */
#define RESTORE_VCPUS_MAX 4096
#define RESTORE_RAM_MAX (1ULL << 42)
#define RESTORE_DEVICES_MAX 256

static int read_whole(int dir_fd, const char *name, size_t max,
		      uint8_t **out, size_t *len, char *why, size_t why_len)
{
	int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	uint8_t *buf;
	size_t got = 0;

	if (fd < 0) {
		int err = errno;

		snprintf(why, why_len, "%s: %s", name, strerror(err));
		return -err;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > max) {
		close(fd);
		return parse_error(why, why_len,
				   "%s: not a regular file of at most %zu bytes",
				   name, max);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got != (size_t)st.st_size) {
		free(buf);
		return parse_error(why, why_len, "%s: could not read it whole",
				   name);
	}
	buf[got] = 0;
	*out = buf;
	*len = got;
	return 0;
}

static int get_files(struct snapshot_source *s, char *why, size_t why_len)
{
	const struct json_value *files = json_get(s->manifest, "files");
	const struct json_value *ram = json_get(files, "ram");
	const struct json_value *state = json_get(files, "state");
	uint64_t ram_bytes, ram_crc, state_crc;
	char err[160];
	int ret;

	ret = json_member_hex(ram, "bytes", &ram_bytes, err, sizeof(err));
	ret = ret ?: json_member_hex(ram, "crc32", &ram_crc, err, sizeof(err));
	ret = ret ?: json_member_hex(state, "bytes", &s->state_bytes, err,
				     sizeof(err));
	ret = ret ?: json_member_hex(state, "crc32", &state_crc, err,
				     sizeof(err));
	ret = ret ?: json_member_uint(state, "records", 1U << 20,
				      &s->nr_records, err, sizeof(err));
	if (ret)
		return parse_error(why, why_len, "manifest: files: %s", err);
	if (ram_bytes != s->ram_bytes || ram_crc > UINT32_MAX ||
	    state_crc > UINT32_MAX || s->state_bytes > SNAPSHOT_STATE_MAX)
		return parse_error(why, why_len,
				   "manifest: files: sizes or checksums out of range");
	s->ram_crc = (uint32_t)ram_crc;
	s->state_crc = (uint32_t)state_crc;
	return 0;
}

static int get_config(struct snapshot_source *s, char *why, size_t why_len)
{
	const struct json_value *cfg = json_get(s->manifest, "config");
	const struct json_value *devs = json_get(s->manifest, "devices");
	const char *console, *name;
	char err[160];
	int ret;

	ret = json_member_uint(cfg, "vcpus", RESTORE_VCPUS_MAX, &s->nr_vcpus,
			       err, sizeof(err));
	ret = ret ?: json_member_hex(cfg, "ram_bytes", &s->ram_bytes, err,
				     sizeof(err));
	ret = ret ?: json_member_string(cfg, "console", &console, err,
					sizeof(err));
	ret = ret ?: json_member_bool(cfg, "sandbox_channel", &s->sandbox,
				      err, sizeof(err));
	if (ret)
		return parse_error(why, why_len, "manifest: config: %s", err);
	if (!s->nr_vcpus)
		return parse_error(why, why_len, "manifest: config: no vcpus");
	if (s->ram_bytes < SZ_2M || s->ram_bytes > RESTORE_RAM_MAX ||
	    !IS_ALIGNED(s->ram_bytes, SZ_2M))
		return parse_error(why, why_len,
				   "manifest: config: ram_bytes 0x%llx is not a multiple of 2 MiB up to 4 TiB",
				   (unsigned long long)s->ram_bytes);
	if (strcmp(console, "serial") && strcmp(console, "virtio"))
		return parse_error(why, why_len,
				   "manifest: config: console \"%s\" is neither serial nor virtio",
				   console);
	if (json_member_string(s->manifest, "name", &name, err, sizeof(err)) ||
	    !vm_name_valid(name))
		return parse_error(why, why_len,
				   "manifest: name: missing or not a VM name");
	if (!devs || devs->type != JSON_ARRAY ||
	    devs->count > RESTORE_DEVICES_MAX)
		return parse_error(why, why_len,
				   "manifest: devices: missing or not a list of at most %u",
				   RESTORE_DEVICES_MAX);
	return 0;
}

/* The members a snapshot's and a migration's manifests share. */
static int parse_machine(const char *text, size_t len,
			 struct snapshot_source *s, const char *format,
			 const char *what, char *why, size_t why_len)
{
	const char *got;
	uint64_t version;
	char err[200];
	int ret = json_parse(text, len, &s->manifest, err, sizeof(err));

	if (ret)
		return parse_error(why, why_len, "manifest: %s", err);
	if (json_member_string(s->manifest, "format", &got, err,
			       sizeof(err)) ||
	    strcmp(got, format))
		return parse_error(why, why_len,
				   "manifest: not an lkvm %s (no \"format\": \"%s\")",
				   what, format);
	ret = json_member_uint(s->manifest, "version", UINT32_MAX, &version,
			       err, sizeof(err));
	if (ret)
		return parse_error(why, why_len, "manifest: %s", err);
	if (version != SNAPSHOT_VERSION)
		return parse_error(why, why_len,
				   "manifest: %s format version %llu; this lkvm reads version %d",
				   what, (unsigned long long)version,
				   SNAPSHOT_VERSION);
	return get_config(s, why, why_len);
}

int snapshot_parse_manifest(const char *text, size_t len,
			    struct snapshot_source *s, char *why,
			    size_t why_len)
{
	int ret = parse_machine(text, len, s, SNAPSHOT_FORMAT, "snapshot", why,
				why_len);

	return ret ?: get_files(s, why, why_len);
}

int migration_parse_manifest(const char *text, size_t len,
			     struct snapshot_source *s, char *why,
			     size_t why_len)
{
	const struct json_value *m;
	uint64_t page_size;
	char err[160];
	int ret = parse_machine(text, len, s, MIGRATION_FORMAT, "migration",
				why, why_len);

	if (ret)
		return ret;
	m = json_get(s->manifest, "migration");
	ret = json_member_uint(m, "page_size", 1U << MIG_PAGE_SHIFT_MAX,
			       &page_size, err, sizeof(err));
	if (ret)
		return parse_error(why, why_len, "manifest: migration: %s", err);
	if (page_size < (1U << MIG_PAGE_SHIFT_MIN) ||
	    (page_size & (page_size - 1)) ||
	    !IS_ALIGNED(s->ram_bytes, page_size))
		return parse_error(why, why_len,
				   "manifest: migration: a page size of %llu bytes is not one of 4 KiB to 64 KiB",
				   (unsigned long long)page_size);
	s->page_shift = (unsigned int)__builtin_ctzll(page_size);
	s->incoming = true;
	return 0;
}

static int open_ram(struct snapshot_source *s, int dir_fd, char *why,
		    size_t why_len)
{
	struct stat st;

	s->ram_fd = openat(dir_fd, SNAPSHOT_RAM,
			   O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (s->ram_fd < 0) {
		int err = errno;

		snprintf(why, why_len, "%s: %s", SNAPSHOT_RAM, strerror(err));
		return -err;
	}
	if (fstat(s->ram_fd, &st) || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size != s->ram_bytes)
		return parse_error(why, why_len,
				   "%s: not a regular file of the %llu bytes the manifest says",
				   SNAPSHOT_RAM, (unsigned long long)s->ram_bytes);
	return 0;
}

int snapshot_open(struct snapshot_source *s, const char *dir, char *why,
		  size_t why_len)
{
	uint8_t *text = NULL;
	size_t len = 0;
	int dir_fd, ret;

	memset(s, 0, sizeof(*s));
	s->ram_fd = -1;
	s->dir = strdup(dir);
	if (!s->dir)
		return -ENOMEM;
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0) {
		ret = -errno;
		snprintf(why, why_len, "%s", strerror(-ret));
		return ret;
	}
	ret = read_whole(dir_fd, SNAPSHOT_MANIFEST, SNAPSHOT_MANIFEST_MAX,
			 &text, &len, why, why_len);
	ret = ret ?: snapshot_parse_manifest((const char *)text, len, s, why,
					     why_len);
	free(text);
	ret = ret ?: read_whole(dir_fd, SNAPSHOT_STATE, SNAPSHOT_STATE_MAX,
				&s->state, &s->state_len, why, why_len);
	if (!ret && (s->state_len != s->state_bytes ||
		     state_crc32(0, s->state, s->state_len) != s->state_crc))
		ret = parse_error(why, why_len,
				  "%s: its size or CRC-32 is not what the manifest says (damaged)",
				  SNAPSHOT_STATE);
	ret = ret ?: open_ram(s, dir_fd, why, why_len);
	close(dir_fd);
	return ret;
}

void snapshot_use_hot_blocks(struct snapshot_source *s)
{
	if (s->dir && s->ram_fd >= 0 && !s->hot)
		s->hot = ram_hot_plan_open(s->dir, s->ram_bytes);
}

void snapshot_close(struct snapshot_source *s)
{
	if (s->ram_fd >= 0)
		close(s->ram_fd);
	ram_hot_plan_free(s->hot);
	json_free(s->manifest);
	free(s->state);
	free(s->dir);
	memset(s, 0, sizeof(*s));
	s->ram_fd = -1;
}

int snapshot_verify_ram(const struct snapshot_source *s, char *why,
			size_t why_len)
{
	size_t chunk = SZ_1M;
	uint8_t *buf = malloc(chunk);
	uint32_t crc = 0;
	uint64_t off = 0;

	if (!buf)
		return -ENOMEM;
	while (off < s->ram_bytes) {
		size_t want = (size_t)MIN((uint64_t)chunk, s->ram_bytes - off);
		ssize_t n = pread(s->ram_fd, buf, want, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(buf);
			return parse_error(why, why_len,
					   "%s: cannot read it at %llu: %s",
					   SNAPSHOT_RAM,
					   (unsigned long long)off,
					   n < 0 ? strerror(errno) :
						   "it ends early");
		}
		crc = state_crc32(crc, buf, (size_t)n);
		off += (uint64_t)n;
	}
	free(buf);
	if (crc != s->ram_crc)
		return parse_error(why, why_len,
				   "%s: its CRC-32 is 0x%08x, the manifest says 0x%08x (damaged)",
				   SNAPSHOT_RAM, crc, s->ram_crc);
	return 0;
}

int snapshot_config(const struct snapshot_source *s, struct vm_config *cfg,
		    const struct restore_options *ro, char *why,
		    size_t why_len)
{
	const struct json_value *config = json_get(s->manifest, "config");
	const char *console, *name;
	int ret;

	json_member_string(config, "console", &console, why, why_len);
	json_member_string(s->manifest, "name", &name, why, why_len);
	cfg->nr_cpus = (unsigned int)s->nr_vcpus;
	cfg->ram_size = s->ram_bytes;
	cfg->console = strcmp(console, "virtio") ? CONSOLE_SERIAL :
						   CONSOLE_VIRTIO;
	cfg->name = name;
	for (const struct device_model *const *m = device_models; *m; m++) {
		if (!(*m)->config_from_manifest)
			continue;
		ret = (*m)->config_from_manifest(config, cfg, ro, why, why_len);
		if (ret)
			return ret;
	}
	ret = arch_config_from_manifest(s->manifest, cfg->arch, why, why_len);
	if (!ret)
		cfg->restore = s;
	return ret;
}

int snapshot_check_host(const struct snapshot_source *s, char *why,
			size_t why_len)
{
	return arch_snapshot_check(s->manifest, s->nr_vcpus, why, why_len);
}

/*
 * Each device where the snapshot's was: the guest knows these places.
 * For a migration, also what backs each device.
 */
static int check_devices(struct vm *vm, const struct json_value *devs,
			 char *why, size_t why_len)
{
	const struct snapshot_source *s = vm->cfg->restore;
	struct device *d = vm->devices;
	size_t i = 0;

	for (; d && i < devs->count; d = d->next, i++) {
		const struct json_value *j = &devs->items[i];
		uint64_t mmio, size, irq;
		const char *name;
		bool state;
		char err[160];
		int ret;

		ret = json_member_string(j, "name", &name, err, sizeof(err));
		ret = ret ?: json_member_hex(j, "mmio", &mmio, err, sizeof(err));
		ret = ret ?: json_member_hex(j, "size", &size, err, sizeof(err));
		ret = ret ?: json_member_uint(j, "irq", UINT32_MAX, &irq, err,
					      sizeof(err));
		ret = ret ?: json_member_bool(j, "state", &state, err,
					      sizeof(err));
		if (ret)
			return parse_error(why, why_len,
					   "manifest: devices item %zu: %s", i,
					   err);
		if (strcmp(name, d->name) || mmio != d->mmio_base ||
		    size != d->mmio_size || irq != d->spi ||
		    state != (d->ops->save != NULL))
			return parse_error(why, why_len,
					   "device %zu is %s at 0x%llx (SPI %u) here, but was %s at 0x%llx (SPI %llu) in the %s",
					   i, d->name,
					   (unsigned long long)d->mmio_base,
					   d->spi, name,
					   (unsigned long long)mmio,
					   (unsigned long long)irq,
					   s->incoming ? "source" : "snapshot");
		if (s->incoming && d->ops->check_backing) {
			ret = d->ops->check_backing(d, json_get(j, "backing"),
						    s->same_host, why, why_len);
			if (ret)
				return ret;
		}
	}
	if (d || i != devs->count)
		return parse_error(why, why_len,
				   "this machine has a different number of devices than the %s's (%zu)",
				   s->incoming ? "source" : "snapshot",
				   devs->count);
	return 0;
}

int snapshot_check_devices(struct vm *vm, char *why, size_t why_len)
{
	return check_devices(vm, json_get(vm->cfg->restore->manifest,
					  "devices"),
			     why, why_len);
}

/* The next record of the state file; NULL at its end or a bad header. */
static const uint8_t *next_record(const struct snapshot_source *s,
				  size_t *at, size_t *len)
{
	const uint8_t *p = s->state + *at;

	*len = state_record_len(p, s->state_len - *at);
	if (!*len)
		return NULL;
	*at += *len;
	return p;
}

static int load_one(struct vm *vm, unsigned int idx, const uint8_t *rec,
		    size_t len, const char **what, char *why, size_t why_len)
{
	struct device *d = vm->devices;

	if (idx < vm->nr_vcpus) {
		*what = "a vcpu";
		return arch_vcpu_load(&vm->vcpus[idx], rec, len, why, why_len);
	}
	if (idx == vm->nr_vcpus) {
		*what = "the interrupt controller";
		return arch_vm_load(vm, rec, len, why, why_len);
	}
	idx -= vm->nr_vcpus + 1;
	for (; d; d = d->next) {
		if (!d->ops->save || !d->ops->load)
			continue;
		if (!idx--)
			break;
	}
	if (!d) {
		snprintf(why, why_len, "more records than devices with state");
		return -EINVAL;
	}
	*what = d->name;
	return d->ops->load(d, rec, len, why, why_len);
}

int snapshot_load_records(struct vm *vm, char *why, size_t why_len)
{
	const struct snapshot_source *s = vm->cfg->restore;
	unsigned int expected = vm->nr_vcpus + 1;
	size_t at = 0, len;
	unsigned int idx = 0;
	char err[SVE_WHY_MAX];
	int ret;

	ret = snapshot_check_devices(vm, why, why_len);
	if (ret)
		return ret;
	for (const struct device *d = vm->devices; d; d = d->next)
		expected += d->ops->save != NULL;
	if (s->nr_records != expected)
		return parse_error(why, why_len,
				   "the %s has %llu state records; this machine needs %u",
				   s->incoming ? "source" : "snapshot",
				   (unsigned long long)s->nr_records, expected);
	for (; idx < expected; idx++) {
		const uint8_t *rec = next_record(s, &at, &len);
		const char *what = "a record";

		err[0] = 0;
		ret = rec ? load_one(vm, idx, rec, len, &what, err,
				     sizeof(err)) :
			    parse_error(err, sizeof(err),
					"the state records end early");
		if (ret) {
			snprintf(why, why_len, "%s: %s", what,
				 err[0] ? err : strerror(-ret));
			return ret;
		}
	}
	if (at != s->state_len)
		return parse_error(why, why_len,
				   "the state records have %zu bytes after the last",
				   s->state_len - at);
	return 0;
}

int snapshot_load_state(struct vm *vm)
{
	char why[SVE_WHY_MAX];
	int ret;

	/* A migration's records come at its end: only the places now. */
	if (vm->cfg->restore->incoming)
		ret = snapshot_check_devices(vm, why, sizeof(why));
	else
		ret = snapshot_load_records(vm, why, sizeof(why));
	if (ret)
		pr_err("restore: %s", why);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Writing a snapshot of a paused VM into the files `lkvm snapshot` opened
 * (include/lkvm/snapshot.h): RAM, the state records, the manifest last.
 * Runs on the main thread with every vcpu parked; the device threads are
 * quiet while it reads their state.
 */
#include <lkvm/snapshot.h>

#include <lkvm/arch.h>
#include <lkvm/deadline.h>
#include <lkvm/device.h>
#include <lkvm/fd_io.h>
#include <lkvm/json.h>
#include <lkvm/log.h>
#include <lkvm/ram_scan.h>
#include <lkvm/state.h>
#include <lkvm/vm.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int snapshot_write_ram(int fd, const struct guest_mem *mem, uint64_t *written,
		       uint32_t *crc)
{
	unsigned long *maybe_data;
	int ret = 0;

	*written = 0;
	*crc = 0;
	/* The size first: blocks never written read back as zeroes. */
	if (ftruncate(fd, (off_t)mem->size))
		return -errno;
	/* Only what the guest touched is read: the pause follows that. */
	maybe_data = ram_scan_blocks(mem);
	if (!maybe_data)
		return -ENOMEM;
	for (uint64_t off = 0; !ret && off < mem->size; off += RAM_BLOCK) {
		const uint8_t *p = mem->host + off;
		size_t n = (size_t)MIN(RAM_BLOCK, mem->size - off);

		if (!ram_block_test(maybe_data, off / RAM_BLOCK)) {
			*crc = state_crc32_zeros(*crc, n);
			continue;
		}
		*crc = state_crc32(*crc, p, n);
		if (guest_mem_is_zero(p, n))
			continue;
		ret = fd_pwrite_all(fd, p, n, off);
		if (!ret)
			*written += n;
	}
	free(maybe_data);
	return ret;
}

int snapshot_save_records(struct vm *vm, struct state_writer *w,
			  unsigned int *nr)
{
	int ret = 0;

	*nr = 0;
	for (unsigned int i = 0; !ret && i < vm->nr_vcpus; i++, (*nr)++)
		ret = arch_vcpu_save(&vm->vcpus[i], w);
	if (!ret) {
		ret = arch_vm_save(vm, w);
		(*nr)++;
	}
	for (struct device *d = vm->devices; !ret && d; d = d->next) {
		if (!d->ops->save)
			continue;
		ret = d->ops->save(d, w);
		if (ret)
			pr_err("%s: saving its state failed: %s", d->name,
			       strerror(-ret));
		(*nr)++;
	}
	return ret;
}

int snapshot_quiesce_devices(struct vm *vm, bool quiet)
{
	int ret = 0;

	for (struct device *d = vm->devices; d; d = d->next) {
		int r = d->ops->quiesce ? d->ops->quiesce(d, quiet) : 0;

		if (r && !ret)
			ret = r;
	}
	return ret;
}

static void put_u64(FILE *f, const char *key, uint64_t v, bool comma)
{
	fprintf(f, "\"%s\": \"0x%llx\"%s", key, (unsigned long long)v,
		comma ? ", " : "");
}

/*
 * The configuration a restore builds the same machine from: each device
 * model writes its own part, the core its own last (no trailing comma).
 */
void snapshot_write_config(FILE *f, const struct vm_config *c,
			   unsigned int nr_vcpus, uint64_t ram_size)
{
	fprintf(f, "  \"config\": {\n");
	for (const struct device_model *const *m = device_models; *m; m++)
		if ((*m)->describe_config)
			(*m)->describe_config(c, f);
	fprintf(f, "    \"vcpus\": %u, ", nr_vcpus);
	put_u64(f, "ram_bytes", ram_size, true);
	fprintf(f, "\"console\": \"%s\"\n  },\n",
		c->console == CONSOLE_VIRTIO ? "virtio" : "serial");
}

/*
 * Where each device sits: a restore must put it at the same place. A
 * migration's manifest also says what backs each device, for the
 * destination to compare with its own.
 */
static void write_devices(FILE *f, struct vm *vm, bool backing)
{
	fprintf(f, "  \"devices\": [");
	for (struct device *d = vm->devices; d; d = d->next) {
		fprintf(f, "%s\n    {\"name\": ", d == vm->devices ? "" : ",");
		json_print_string(f, d->name);
		fprintf(f, ", ");
		put_u64(f, "mmio", d->mmio_base, true);
		put_u64(f, "size", d->mmio_size, true);
		fprintf(f, "\"irq\": %u, \"state\": %s", d->spi,
			d->ops->save ? "true" : "false");
		if (backing) {
			fprintf(f, ", \"backing\": {");
			if (d->ops->describe_backing)
				d->ops->describe_backing(d, f);
			fprintf(f, "}");
		}
		fprintf(f, "}");
	}
	fprintf(f, "\n  ],\n");
}

int snapshot_write_machine(FILE *f, struct vm *vm, const char *format,
			   bool backing)
{
	int ret;

	fprintf(f, "  \"format\": \"%s\",\n  \"version\": %d,\n", format,
		SNAPSHOT_VERSION);
	fprintf(f, "  \"lkvm_version\": ");
	json_print_string(f, LKVM_VERSION);
	fprintf(f, ",\n  \"created\": %lld,\n  \"name\": ",
		(long long)time(NULL));
	json_print_string(f, vm->cfg->name);
	fprintf(f, ",\n");
	snapshot_write_config(f, vm->cfg, vm->nr_vcpus, vm->ram_size);
	ret = arch_snapshot_describe(vm, f);
	write_devices(f, vm, backing);
	return ret;
}

static int write_manifest(struct vm *vm, int fd, uint64_t ram_size,
			  uint32_t ram_crc, size_t state_len,
			  uint32_t state_crc, unsigned int nr_records)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int ret;

	if (!f)
		return -ENOMEM;
	fprintf(f, "{\n");
	ret = snapshot_write_machine(f, vm, SNAPSHOT_FORMAT, false);
	fprintf(f, "  \"files\": {\n    \"ram\": {");
	put_u64(f, "bytes", ram_size, true);
	fprintf(f, "\"crc32\": \"0x%08x\"},\n    \"state\": {", ram_crc);
	put_u64(f, "bytes", state_len, true);
	fprintf(f, "\"crc32\": \"0x%08x\", \"records\": %u}\n  }\n}\n",
		state_crc, nr_records);
	if (fclose(f) || !text)
		ret = ret ?: -ENOMEM;
	if (!ret)
		ret = fd_pwrite_all(fd, text, len, 0);
	free(text);
	return ret;
}

int snapshot_write(struct vm *vm, const struct snapshot_files *f,
		   struct snapshot_stats *st)
{
	struct state_writer w;
	unsigned int nr_records = 0;
	uint32_t ram_crc = 0, state_crc;
	int64_t t0 = monotonic_ms();
	int ret;

	memset(st, 0, sizeof(*st));
	state_writer_init(&w);
	/*
	 * Quiet until RAM is written too: a device thread that went on
	 * would write rings and buffers the saved indices do not know.
	 */
	ret = snapshot_quiesce_devices(vm, true);
	if (ret)
		pr_err("snapshot: a device could not flush: %s", strerror(-ret));
	if (!ret)
		ret = snapshot_save_records(vm, &w, &nr_records);
	if (!ret) {
		ret = snapshot_write_ram(f->ram, &vm->ram, &st->ram_written,
					 &ram_crc);
		if (ret)
			pr_err("snapshot: writing guest RAM failed: %s",
			       strerror(-ret));
	}
	snapshot_quiesce_devices(vm, false);
	if (!ret) {
		ret = fd_pwrite_all(f->state, w.data, w.len, 0);
		if (ret)
			pr_err("snapshot: writing the state records failed: %s",
			       strerror(-ret));
	}
	if (!ret) {
		state_crc = state_crc32(0, w.data, w.len);
		ret = write_manifest(vm, f->manifest, vm->ram.size, ram_crc,
				     w.len, state_crc, nr_records);
		if (ret)
			pr_err("snapshot: writing the manifest failed: %s",
			       strerror(-ret));
	}
	/* Complete on disk before the command renames it into place. */
	if (!ret && (fsync(f->ram) || fsync(f->state) || fsync(f->manifest))) {
		ret = -errno;
		pr_err("snapshot: fsync failed: %s", strerror(-ret));
	}
	st->state_bytes = w.len;
	st->write_ms = (uint64_t)(monotonic_ms() - t0);
	state_writer_free(&w);
	return ret;
}

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_RESTORE_H
#define LKVM_RESTORE_H

#include <lkvm/compiler.h>
#include <lkvm/config.h>

/*
 * Restoring a snapshot (include/lkvm/snapshot.h). The directory is read
 * and checked before anything is built: the manifest's format and
 * version, the state file's size and CRC, the RAM file's size. Then the
 * manifest becomes a vm_config, the host is asked whether it can give the
 * guest exactly what it had, and vm_create() builds the same machine with
 * the RAM file mapped copy-on-write in place of a loaded kernel, and
 * loads the state records into it before any vcpu runs.
 */

#define RESTORE_MAX_REMAPS VM_MAX_DISKS

/* --disk-path OLD=NEW: the disk that was at OLD is now at NEW. */
struct disk_remap {
	const char *old_path;
	size_t old_len;
	const char *new_path;
};

/* What `lkvm restore` may change about the machine it rebuilds. */
struct restore_options {
	const struct disk_remap *remaps;
	unsigned int nr_remaps;
	/* Restore over disks whose contents changed since the snapshot. */
	bool allow_changed_disks;
};

struct json_value;

/* An open snapshot; the config built from it points into it. */
struct snapshot_source {
	char *dir;
	int ram_fd;
	struct json_value *manifest;
	uint8_t *state;			/* the whole state file */
	size_t state_len;
	uint64_t state_bytes;		/* what the manifest says of it */
	uint32_t state_crc;
	uint64_t ram_bytes;
	uint32_t ram_crc;
	uint64_t nr_vcpus;
	uint64_t nr_records;
	bool sandbox;			/* a sandbox's (its channel) */
	/*
	 * A live migration's (lkvm restore --incoming): no files; RAM comes
	 * over the stream into fresh memory (ram_fd is -1), in pages of
	 * 1 << page_shift bytes, and the state records at its end.
	 */
	bool incoming;
	bool same_host;			/* the source runs in this boot */
	unsigned int page_shift;
	/* A sandbox template's hot RAM blocks (ram_hot.h); NULL: none. */
	struct ram_hot_plan *hot;
};

/*
 * Opens and checks the snapshot in @dir. Returns 0, or -errno with @why
 * saying what is wrong (-EINVAL: not a snapshot this lkvm can read).
 */
int snapshot_open(struct snapshot_source *s, const char *dir, char *why,
		  size_t why_len);
void snapshot_close(struct snapshot_source *s);

/*
 * For a sandbox template, before any filter: the RAM blocks this
 * restore asks the host to hold in huge pages, or, with none recorded
 * yet, this run records them for the next (core/ram_hot.c). Never
 * fails the restore.
 */
void snapshot_use_hot_blocks(struct snapshot_source *s);

/* Reads all of RAM and compares its CRC (--verify); 0 or -errno, @why. */
int snapshot_verify_ram(const struct snapshot_source *s, char *why,
			size_t why_len);

/*
 * The configuration that builds the snapshot's machine, into @cfg (from
 * vm_config_init()), each device model reading its own part. 0 or
 * -EINVAL with @why.
 */
int snapshot_config(const struct snapshot_source *s, struct vm_config *cfg,
		    const struct restore_options *ro, char *why,
		    size_t why_len);

/*
 * Whether this host can run the snapshot's guest as it was: 0 yes; 1 no,
 * the reason in @why; -EINVAL the manifest does not say; other -errno
 * could not ask KVM.
 */
int snapshot_check_host(const struct snapshot_source *s, char *why,
			size_t why_len);

struct vm;
/*
 * vm_create()'s last step for a restore: checks that every device sits
 * where the manifest says, then loads the records into the vcpus, the
 * interrupt controller and the devices. For a migration only the first:
 * its records arrive later (snapshot_load_records()). 0, or -errno after
 * logging.
 */
int snapshot_load_state(struct vm *vm);

/*
 * Every device at its place (and for a migration, backed by what backs
 * the source's); then, for snapshot_load_records(), the records loaded.
 * 0, or -errno with @why.
 */
int snapshot_check_devices(struct vm *vm, char *why, size_t why_len);
int snapshot_load_records(struct vm *vm, char *why, size_t why_len);

/* The manifest's parts, for unit tests and fuzzing (pure). */
int snapshot_parse_manifest(const char *text, size_t len,
			    struct snapshot_source *s, char *why,
			    size_t why_len);

/*
 * A live migration's manifest (format MIGRATION_FORMAT): the machine as
 * in a snapshot's, no files, and the page size of the stream. Sets
 * s->incoming and s->page_shift.
 */
int migration_parse_manifest(const char *text, size_t len,
			     struct snapshot_source *s, char *why,
			     size_t why_len);

#endif

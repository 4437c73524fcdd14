/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_SNAPSHOT_H
#define LKVM_SNAPSHOT_H

#include <lkvm/compiler.h>
#include <lkvm/config.h>

#include <stdio.h>

/*
 * Snapshots of a running VM and restoring them (Documentation/snapshot.md).
 * A snapshot is a directory of three files:
 *
 *   manifest.json  what the machine was (configuration, the guest's SVE
 *                  set and ID registers, devices and their places), the
 *                  host facts the guest could see, each file's CRC-32
 *   ram            guest RAM, sparse (zero blocks are holes)
 *   state          state records (include/lkvm/state.h): every vcpu, the
 *                  interrupt controller, then every device with state,
 *                  in the device list's order
 *
 * `lkvm snapshot` makes the directory and the files and hands the VM the
 * open files over the control socket (the VM's filtered threads open
 * nothing); the VM fills them; the command renames the directory into
 * place, so a snapshot is complete or absent.
 */

#define SNAPSHOT_FORMAT "lkvm-snapshot"
/* A live migration's manifest: the same machine description, no files. */
#define MIGRATION_FORMAT "lkvm-migration"
#define SNAPSHOT_VERSION 1
#define SNAPSHOT_MANIFEST "manifest.json"
#define SNAPSHOT_RAM "ram"
#define SNAPSHOT_STATE "state"
/* Bounds a restore trusts, for files anyone may have edited. */
#define SNAPSHOT_MANIFEST_MAX (1U << 20)
#define SNAPSHOT_STATE_MAX (256U << 20)

/* The open files a snapshot is written into. */
struct snapshot_files {
	int ram;
	int state;
	int manifest;
};

/* What writing one took. */
struct snapshot_stats {
	uint64_t ram_written;		/* bytes of RAM that were not zero */
	uint64_t state_bytes;
	uint64_t write_ms;		/* with the guest paused */
};

struct vm;

/*
 * With every vcpu parked: quiets the devices (disks flushed), writes RAM,
 * the state records and the manifest into @f, then lets the devices go
 * on. Returns 0, or -errno after logging (the files are then partial: the
 * command removes them).
 */
int snapshot_write(struct vm *vm, const struct snapshot_files *f,
		   struct snapshot_stats *st);

/*
 * The manifest's "config" member (and a comma): what a restore builds the
 * same machine from; each device model writes its own part.
 */
void snapshot_write_config(FILE *f, const struct vm_config *c,
			   unsigned int nr_vcpus, uint64_t ram_size);

/*
 * The manifest's members that describe the machine ("format" @format
 * to "devices", each line ending in a comma), for a snapshot and for a
 * live migration's handshake, which adds what backs each device
 * (@backing: device_ops.describe_backing). With every vcpu parked: the
 * arch part reads vcpu 0's ID registers. 0 or -errno.
 */
int snapshot_write_machine(FILE *f, struct vm *vm, const char *format,
			   bool backing);

/*
 * With every vcpu parked: @quiet stops the devices' threads touching
 * guest state and flushes disks; !@quiet lets them go on. Returns the
 * first error.
 */
int snapshot_quiesce_devices(struct vm *vm, bool quiet);

struct state_writer;
/*
 * Every vcpu's, the interrupt controller's and each device's state
 * record into @w (the devices quiet), counting them in @nr. 0 or -errno.
 */
int snapshot_save_records(struct vm *vm, struct state_writer *w,
			  unsigned int *nr);

struct guest_mem;
/*
 * RAM into @fd, sparse (zero blocks stay holes), its CRC-32 in @crc:
 * reads only the blocks that may hold data (ram_scan.h).
 */
int snapshot_write_ram(int fd, const struct guest_mem *mem, uint64_t *written,
		       uint32_t *crc);

#endif

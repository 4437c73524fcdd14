/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_CONFIG_H
#define LKVM_CONFIG_H

#include <lkvm/compiler.h>
#include <lkvm/log.h>
#include <lkvm/net_spec.h>
#include <lkvm/sandbox_config.h>
#include <lkvm/sve_vls.h>

/*
 * Everything `lkvm run` was asked for, filled in by the option handlers
 * before any side effect. vm_create() reads it and never writes it.
 */

enum console_kind {
	CONSOLE_SERIAL,
	CONSOLE_VIRTIO,
};

enum feature_choice {
	FEATURE_DEFAULT,	/* on when the host supports it */
	FEATURE_ON,		/* required: an error when unsupported */
	FEATURE_OFF,
};

#define VM_NAME_MAX 64

struct arch_config;
struct snapshot_source;
#define VM_MAX_DISKS 32

#define VM_MAX_9P 16

/*
 * One --9p DIR[,TAG][,ro], or -d DIR (the root file system, tag
 * "/dev/root"). Path and tag are not copied: they point into argv or
 * into strings the builtin keeps until the VM is gone.
 */
struct vm_9p {
	const char *path;
	size_t path_len;
	const char *tag;
	size_t tag_len;
	bool ro;
	const char *option;	/* "--9p" or "--disk", for messages */
};

/* One -d/--disk: the path is not copied, it points into argv. */
struct vm_disk {
	const char *path;
	size_t path_len;
	bool ro;
	bool direct;
};

/* -n/--network (virtio/net.c). */
struct net_config {
	bool none;			/* -n mode=none was given */
	unsigned int nr_nics;		/* -n: none means one user-mode NIC */
	struct vm_nic nics[VM_MAX_NICS];
	const char *passt;		/* --passt; NULL: passt from PATH */
};

/* -d/--disk images (virtio/blk.c). */
struct disk_config {
	unsigned int nr_disks;
	struct vm_disk disks[VM_MAX_DISKS];
	/* lkvm restore --allow-changed-disks */
	bool allow_changed;
};

/* --9p shares and -d DIR (virtio/9p.c). */
struct share_config {
	unsigned int nr_shares;
	struct vm_9p shares[VM_MAX_9P];
	int root;			/* index in shares of -d DIR, or -1 */
};

struct vm_config {
	const char *kernel;
	const char *initrd;
	const char *params;
	const char *name;
	char default_name[VM_NAME_MAX];

	unsigned int nr_cpus;		/* 0: one per online host CPU */
	uint64_t ram_size;		/* 0: 64 MiB x (cpus + 3) */

	bool nodefaults;
	bool seccomp;			/* per-thread filters; --seccomp=off */
	bool debug;
	bool start_paused;		/* lkvm restore --paused */
	/*
	 * Devices with an I/O thread do a queue's work on the vcpu thread
	 * whose QueueNotify asked for it (lkvm sandbox; virtio.md).
	 */
	bool notify_on_vcpu;
	enum log_level loglevel;
	const char *dump_dtb;

	enum console_kind console;
	/* The architecture's options (arm/options.c): only arm/ looks inside. */
	struct arch_config *arch;
	/* Each device model's own part, filled by its options. */
	struct net_config net;		/* virtio/net.c */
	struct disk_config blk;		/* virtio/blk.c */
	struct share_config p9;		/* virtio/9p.c */
	bool rng;			/* virtio/rng.c: --rng */
	bool rtc;			/* hw/pl031.c: --no-rtc clears it */

	/* lkvm restore: the snapshot the VM is rebuilt from; NULL: boot. */
	const struct snapshot_source *restore;

	const void *initrd_data;	/* an initramfs in memory, not -i */
	size_t initrd_data_size;
	struct sandbox_config sandbox;
};

/* The defaults; 0 or -ENOMEM. vm_config_release() frees what it holds. */
int vm_config_init(struct vm_config *cfg);
void vm_config_release(struct vm_config *cfg);

#endif

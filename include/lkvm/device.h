/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_DEVICE_H
#define LKVM_DEVICE_H

#include <lkvm/compiler.h>
#include <lkvm/options.h>

#include <stdio.h>

struct vm;
struct vm_config;
struct device;
struct state_writer;
struct json_value;
struct restore_options;

/* What one created device instance can do; one const table per model. */
struct device_ops {
	/* Adds the device's node under the FDT root (libfdt sequential). */
	int (*fdt_node)(const struct device *dev, void *fdt);
	/* Starts device threads; called before the first vcpu runs. */
	int (*start)(struct device *dev);
	/* Stops device threads; called after every vcpu has stopped. */
	void (*stop)(struct device *dev);
	void (*destroy)(struct device *dev);
	/*
	 * The device's guest-visible state as one state record
	 * (include/lkvm/state.h): saved with the vcpus paused and the
	 * device quiet, loaded before the VM first runs. Loading checks
	 * everything (the record comes from a file) and says why it
	 * refuses in @why; 0 or -errno. NULL: no state worth saving.
	 */
	int (*save)(struct device *dev, struct state_writer *w);
	int (*load)(struct device *dev, const void *rec, size_t len,
		    char *why, size_t why_len);
	/*
	 * With the vcpus parked, before save(): @quiet makes the device's
	 * own threads stop touching guest state and flushes what the guest
	 * wrote (disks); !@quiet lets them go on. May be NULL.
	 */
	int (*quiesce)(struct device *dev, bool quiet);
	/*
	 * A live migration's handshake (Documentation/migration.md): what
	 * backs the device (a disk image), as members of a JSON object in
	 * the manifest; and on the destination, whether its own backing is
	 * the same one (@same_host: source and destination run in one boot
	 * of one host). 0, or -EINVAL with @why. May be NULL.
	 */
	void (*describe_backing)(struct device *dev, FILE *f);
	int (*check_backing)(struct device *dev, const struct json_value *j,
			     bool same_host, char *why, size_t why_len);
};

struct device {
	const struct device_ops *ops;
	const char *name;
	struct vm *vm;
	uint64_t mmio_base;
	uint64_t mmio_size;
	unsigned int spi;	/* shared peripheral interrupt number (0-based) */
	bool irq_edge;
	void *priv;
	struct device *next;
};

/*
 * A device model as `lkvm run` sees it: its options (parsed into
 * struct vm_config) and a constructor that creates however many
 * instances the configuration asks for.
 */
struct device_model {
	const char *name;
	const struct opt *options;	/* may be NULL */
	int (*instantiate)(struct vm *vm);
	/*
	 * Snapshots: the model's part of the configuration as members of
	 * the manifest's "config" object, each `"key": value,` on its own
	 * line; and reading them back into @cfg for a restore (@ro: the
	 * restore's options), checking them as the options' handlers
	 * would: 0, or -EINVAL with @why. NULL: nothing configurable.
	 */
	void (*describe_config)(const struct vm_config *cfg, FILE *f);
	int (*config_from_manifest)(const struct json_value *config,
				    struct vm_config *cfg,
				    const struct restore_options *ro,
				    char *why, size_t why_len);
};

/* The explicit, ordered list of models (core/devices.c). */
extern const struct device_model *const device_models[];

/* Adds @dev to the VM's list; the VM owns it from then on. */
void vm_add_device(struct vm *vm, struct device *dev);

#endif

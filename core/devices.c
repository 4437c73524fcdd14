// SPDX-License-Identifier: GPL-2.0
#include <lkvm/device.h>

#include <lkvm/devices.h>

#include <stddef.h>

/*
 * Every device model, in the order instances are created, get their
 * interrupt numbers and MMIO windows, and appear in the device tree.
 */
const struct device_model *const device_models[] = {
	&uart8250_model,
	&pl031_model,
	&virtio_mmio_model,
	&virtio_console_model,
	&virtio_blk_model,
	&virtio_rng_model,
	&virtio_net_model,
	&virtio_9p_model,
	&sandbox_channel_model,
	NULL,
};

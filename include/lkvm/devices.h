/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_DEVICES_H
#define LKVM_DEVICES_H

#include <lkvm/device.h>

/* The models listed in core/devices.c. */
extern const struct device_model uart8250_model;
extern const struct device_model pl031_model;
extern const struct device_model virtio_mmio_model;
extern const struct device_model virtio_console_model;
extern const struct device_model virtio_rng_model;
extern const struct device_model virtio_blk_model;
extern const struct device_model virtio_net_model;
extern const struct device_model virtio_9p_model;
extern const struct device_model sandbox_channel_model;

#endif

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
	NULL,
};

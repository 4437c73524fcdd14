// SPDX-License-Identifier: GPL-2.0
/*
 * A vcpu's counters from KVM's binary statistics (KVM_GET_STATS_FD,
 * Linux 5.14+), logged at debug level as the VM goes: how often the
 * guest left it and why. On a nested host every exit is costly, so this
 * is where a run's time often goes (testing.md, "Where start-up time
 * goes"). The descriptor is opened before any seccomp filter and read
 * with pread() at the end.
 */
#include <lkvm/kvm_stats.h>

#include <lkvm/kvm.h>
#include <lkvm/log.h>

#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Bounds on what the kernel describes, so that a bad header costs little. */
#define STATS_MAX_DESC 256
#define STATS_MAX_NAME 256

int kvm_stats_open(int vcpu_fd)
{
	int fd;

	if (log_get_level() < LOG_DEBUG)
		return -1;
	fd = kvm_ioctl(vcpu_fd, KVM_GET_STATS_FD, NULL);
	return fd < 0 ? -1 : fd;
}

static bool pread_all(int fd, void *buf, size_t len, off_t off)
{
	return pread(fd, buf, len, off) == (ssize_t)len;
}

/* "name=value" for each counter that is not zero, on one line. */
void kvm_stats_log(int fd, unsigned int vcpu_id)
{
	struct kvm_stats_header h;
	char line[1024];
	size_t at = 0, dsize;
	uint8_t *descs = NULL;

	if (fd < 0 || !pread_all(fd, &h, sizeof(h), 0) ||
	    h.num_desc > STATS_MAX_DESC || h.name_size > STATS_MAX_NAME)
		return;
	dsize = sizeof(struct kvm_stats_desc) + h.name_size;
	descs = malloc(dsize * h.num_desc);
	if (!descs || !pread_all(fd, descs, dsize * h.num_desc, h.desc_offset)) {
		free(descs);
		return;
	}
	line[0] = '\0';
	for (uint32_t i = 0; i < h.num_desc; i++) {
		const struct kvm_stats_desc *d =
			(const void *)(descs + (size_t)i * dsize);
		uint64_t v;
		int n;

		if ((d->flags & KVM_STATS_TYPE_MASK) != KVM_STATS_TYPE_CUMULATIVE ||
		    d->size != 1 ||
		    !pread_all(fd, &v, sizeof(v), (off_t)h.data_offset + d->offset) ||
		    !v)
			continue;
		n = snprintf(line + at, sizeof(line) - at, " %.*s=%llu",
			     (int)h.name_size, d->name, (unsigned long long)v);
		if (n < 0 || (size_t)n >= sizeof(line) - at)
			break;
		at += (size_t)n;
	}
	free(descs);
	pr_debug("destroy: vcpu %u's KVM counters:%s", vcpu_id, line);
}

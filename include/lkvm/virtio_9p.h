/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_VIRTIO_9P_H
#define LKVM_VIRTIO_9P_H

#include <lkvm/config.h>

/* kvmtool's defaults: the tag of --9p DIR, and of the -d DIR root. */
#define VIRTIO_9P_DEFAULT_TAG "kvm_9p"
#define VIRTIO_9P_ROOT_TAG "/dev/root"

/*
 * Adds a share to @cfg (parse time, no side effects). @option names the
 * option in messages. Refuses, with one error line, a bad or duplicate
 * tag and more than VM_MAX_9P shares. Returns its index or -errno.
 */
int virtio_9p_add_share(struct vm_config *cfg, const char *option,
			const char *path, size_t path_len, const char *tag,
			size_t tag_len, bool ro);

/* -d DIR: the share that is the root file system (tag /dev/root). */
int virtio_9p_set_root(struct vm_config *cfg, const char *path,
		       size_t path_len, bool ro);

/* What a share's I/O thread may do beyond the I/O set (seccomp.h). */
struct seccomp_extra;
extern const struct seccomp_extra virtio_9p_seccomp;

#endif

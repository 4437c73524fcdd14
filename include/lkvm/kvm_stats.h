/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_KVM_STATS_H
#define LKVM_KVM_STATS_H

/*
 * With --loglevel debug: a vcpu's KVM statistics descriptor, or -1
 * (another level, or a kernel without them). Open it before seccomp.
 */
int kvm_stats_open(int vcpu_fd);
/* Logs the vcpu's non-zero cumulative counters (debug level). */
void kvm_stats_log(int fd, unsigned int vcpu_id);

#endif

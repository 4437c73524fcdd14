/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_FD_IO_H
#define LKVM_FD_IO_H

#include <stddef.h>

/*
 * Writes all @len bytes to a blocking @fd, retrying after signals and
 * short writes. Returns 0, -errno, or -EIO when write() wrote nothing.
 */
int fd_write_all(int fd, const void *buf, size_t len);

#endif

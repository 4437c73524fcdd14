/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_FD_IO_H
#define LKVM_FD_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/*
 * Writes all @len bytes to a blocking @fd, retrying after signals and
 * short writes. Returns 0, -errno, or -EIO when write() wrote nothing.
 */
int fd_write_all(int fd, const void *buf, size_t len);

/* The same at file offset @off, leaving the descriptor's offset alone. */
int fd_pwrite_all(int fd, const void *buf, size_t len, uint64_t off);

/*
 * Writes all bytes of @iov[0..@nr) to a blocking @fd in as few writev()
 * calls as it takes, in order, retrying after signals and short writes.
 * @iov is the caller's and is not changed. Returns as fd_write_all().
 */
int fd_writev_all(int fd, const struct iovec *iov, unsigned int nr);

/*
 * Adds one to eventfd @fd's counter. It fails only when the counter is
 * saturated, which has the same effect: the reader is woken.
 */
void efd_signal(int fd);

/* Resets non-blocking eventfd @fd's counter; an empty one stays empty. */
void efd_drain(int fd);

#endif

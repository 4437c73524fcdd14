/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_SMALL_FILE_H
#define LKVM_SMALL_FILE_H

#include <lkvm/compiler.h>

/*
 * Reads a whole file of at most @max bytes (a probe or profile document)
 * into a NUL-terminated buffer to free(). Returns 0, -EFBIG when it is
 * larger, or -errno.
 */
int small_file_read(const char *path, size_t max, char **text, size_t *len);

/*
 * The same for a file anyone may have put there (@name beneath @dir_fd,
 * or AT_FDCWD): a symlink is not followed, a FIFO or device does not
 * block, and what is not a regular file gives -EINVAL.
 */
int small_file_read_at(int dir_fd, const char *name, size_t max, char **text,
		       size_t *len);

/*
 * Writes @len bytes to @path atomically: into ".NAME.XXXXXX" (a name
 * of its own) in the same directory, mode 0644, then renamed over NAME,
 * so a reader sees the old file or the whole new one (and readers that
 * skip dot-files, such as NFD, never see the temporary one). Returns 0
 * or -errno.
 */
int small_file_write_atomic(const char *path, const char *text, size_t len);

#endif

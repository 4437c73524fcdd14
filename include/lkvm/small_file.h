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

#endif

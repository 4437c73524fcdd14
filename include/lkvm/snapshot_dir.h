/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_SNAPSHOT_DIR_H
#define LKVM_SNAPSHOT_DIR_H

#include <lkvm/compiler.h>

/*
 * A snapshot's directory on disk (core/snapshot_dir.c), for whoever makes
 * one (`lkvm snapshot`, the sandbox's warm templates): made private under
 * a temporary name, filled by the VM, then renamed into place so that a
 * snapshot is whole or absent.
 */

/*
 * Makes @tmp (0700) and in it the ram, state and manifest files (0600,
 * new), open for writing in @fds in that order (IPC_SNAPSHOT_FDS of
 * them). Returns 0 or -errno after logging; whatever it made stays for
 * snapshot_dir_remove().
 */
int snapshot_dir_create(const char *tmp, int fds[3]);
/* The same three files in the directory @dir_fd (@dir names it in errors). */
int snapshot_dir_fill(int dir_fd, const char *dir, int fds[3]);

/*
 * Renames the complete @tmp to @dir after syncing it: with @replace,
 * atomically exchanged with the snapshot already at @dir (which is then
 * removed), else only if @dir does not exist (-EEXIST otherwise, not
 * logged: someone else was first). Returns 0 or -errno.
 */
int snapshot_dir_publish(const char *tmp, const char *dir, bool replace);

/* Removes a snapshot directory: its three files, then it; nothing else. */
void snapshot_dir_remove(const char *dir);

#endif

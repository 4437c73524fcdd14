/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_IPC_PATH_H
#define LKVM_IPC_PATH_H

#include <lkvm/compiler.h>

#include <sys/un.h>

/*
 * Where control sockets live: $HOME/.lkvm/NAME.sock (kvmtool's place),
 * in a directory only its owner can enter. Shared by the VM side
 * (core/control.c) and the commands (core/ipc_client.c).
 */

#define IPC_DIR_NAME ".lkvm"
#define IPC_SOCK_SUFFIX ".sock"
#define IPC_PATH_MAX sizeof(((struct sockaddr_un *)0)->sun_path)

/* 1-63 letters, digits, '.', '_' or '-', not starting with '.'. */
bool vm_name_valid(const char *name);

/* $HOME/.lkvm; -ENOENT when HOME is unset, -ENAMETOOLONG. Logs nothing. */
int ipc_dir_path(char *buf, size_t len);

/*
 * $HOME/.lkvm/NAME.sock; -ENAMETOOLONG when it does not fit a UNIX
 * socket address. Logs nothing.
 */
int ipc_sock_path(const char *name, char *buf, size_t len);

/*
 * Creates $HOME/.lkvm (0700) if needed and checks that it is a directory
 * of ours that nobody else can write to. Returns 0 or -errno with @why
 * saying what is wrong (it logs nothing).
 */
int ipc_dir_prepare(char *dir, size_t len, char *why, size_t why_len);

/*
 * Serialises stale-socket removal and socket creation between lkvm
 * processes of one user (flock on $HOME/.lkvm/.lock). Returns the lock
 * fd or -errno.
 */
int ipc_dir_lock(const char *dir);
void ipc_dir_unlock(int fd);

enum ipc_probe {
	IPC_PROBE_ABSENT,	/* no socket file */
	IPC_PROBE_LIVE,		/* something accepts connections on it */
	IPC_PROBE_STALE,	/* a socket file nobody listens on */
};

/*
 * Tries to connect to @path. For a live socket, *@pid is the listener's
 * pid (SO_PEERCRED), or 0. Returns the verdict or -errno (e.g. EACCES).
 */
int ipc_probe(const char *path, uint32_t *pid);

/*
 * Removes @path when it is a stale socket, under the directory lock so
 * that a VM starting with that name at the same time is not harmed.
 * Returns 1 when removed, 0 when it was not stale, or -errno.
 */
int ipc_remove_stale(const char *dir, const char *path);

#endif

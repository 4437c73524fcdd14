/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_IPC_CLIENT_H
#define LKVM_IPC_CLIENT_H

#include <lkvm/ipc.h>

/*
 * The command side of the control socket: find running VMs, send one
 * request, read the reply frames with a deadline. Functions return 0 or
 * -errno and leave a sentence for the user in client->err (they do not
 * log): the builtin decides how to report it.
 */

/* Reply deadlines (the VM side's own limits are in control.h). */
#define IPC_TIMEOUT_MS 5000
#define IPC_PAUSE_TIMEOUT_MS 15000
#define IPC_DUMP_TIMEOUT_MS 60000
#define IPC_EXIT_TIMEOUT_MS 30000	/* stop: until the VM has gone */
/* A snapshot: parking the vcpus, then writing all of guest RAM. */
#define IPC_SNAPSHOT_TIMEOUT_MS (15 * 60 * 1000)

struct ipc_client {
	int fd;
	char name[64];
	uint32_t pid;		/* the VM's, from SO_PEERCRED; 0 if unknown */
	struct ipc_reader rd;	/* the last frame received */
	char err[IPC_ERROR_MSG_MAX + 128];
};

/*
 * Connects to the VM @name. Returns 0; -ENOENT when no VM has that name;
 * -ECONNREFUSED when its socket was stale (it is removed, and err says
 * so); -EINVAL for a name that cannot be a VM's; other -errno.
 */
int ipc_client_open(struct ipc_client *c, const char *name);
void ipc_client_close(struct ipc_client *c);

int ipc_client_send(struct ipc_client *c, uint16_t type, const void *payload,
		    size_t len);
/* The same, passing @nr_fds descriptors along (SCM_RIGHTS). */
int ipc_client_send_fds(struct ipc_client *c, uint16_t type,
			const void *payload, size_t len, const int *fds,
			unsigned int nr_fds);

/*
 * Receives the next frame into c->rd within @timeout_ms. An ERROR frame
 * returns its status with its message in err; other failures: -ETIMEDOUT,
 * -ECONNRESET (closed before a whole frame), -EPROTO (not a valid frame,
 * or a protocol version this lkvm does not speak).
 */
int ipc_client_recv(struct ipc_client *c, int timeout_ms);

/* A request and its one-frame reply of type @want. */
int ipc_client_call(struct ipc_client *c, uint16_t type, const void *payload,
		    size_t len, uint16_t want, int timeout_ms);

/* Waits until the VM closes the connection (after a stop). */
int ipc_client_wait_closed(struct ipc_client *c, int timeout_ms);

/*
 * The names of every VM with a socket in $HOME/.lkvm, sorted; stale
 * sockets are not filtered here. Free with ipc_names_free().
 */
struct ipc_names {
	char (*names)[64];
	size_t nr;
};

int ipc_list_names(struct ipc_names *out);
void ipc_names_free(struct ipc_names *n);

#endif

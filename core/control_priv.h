/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_CORE_CONTROL_PRIV_H
#define LKVM_CORE_CONTROL_PRIV_H

/*
 * Shared between the two halves of the control socket: control.c (the
 * socket, its clients and their I/O, deadlines) and control_requests.c
 * (what each request does to the VM).
 */
#include <lkvm/control.h>
#include <lkvm/event_loop.h>
#include <lkvm/ipc.h>
#include <lkvm/ipc_path.h>

#include <lkvm/snapshot.h>

#include <pthread.h>
#include <sys/types.h>

enum client_state {
	CLIENT_READ,		/* collecting the request */
	CLIENT_WAIT_PAUSE,	/* pause or dump: until every vcpu has parked */
	CLIENT_WRITE,		/* sending the reply, then closing */
	CLIENT_WAIT_EXIT,	/* stop: held open until the VM has gone */
};

struct control_client {
	struct control *ctl;
	struct event_handler ev;
	enum client_state state;
	uint32_t events;
	struct ipc_reader rd;
	uint16_t request;
	struct ipc_buf out;
	size_t out_off;
	int64_t deadline;	/* ms; 0: none */
	/* Descriptors the client passed (a snapshot's files), or -1. */
	int fds[IPC_SNAPSHOT_FDS];
	unsigned int nr_fds;
	struct control_client *next;
};

/* A snapshot lkvm asked of itself (control_request_snapshot()). */
struct control_self_snapshot {
	pthread_mutex_t lock;
	bool requested;		/* any thread; under the lock */
	bool waiting;		/* main thread: the pause is for it */
	struct snapshot_files files;
	void (*done)(void *opaque, int ret);
	void *opaque;
	struct event_handler ev;	/* an eventfd: a request came */
};

struct control {
	struct vm *vm;
	struct event_loop *loop;
	int listen_fd;
	int dir_fd;		/* O_PATH: the socket's directory, or -1 */
	char path[IPC_PATH_MAX];
	dev_t dev;
	ino_t ino;
	struct event_handler listen_ev;
	struct event_handler pause_ev;
	struct event_handler timer_ev;
	bool timer_armed;
	struct control_client *clients;
	unsigned int nr_clients;
	bool user_paused;	/* `lkvm pause` without a `resume` since */
	bool pausing;		/* vm_pause_request() is in force */
	bool parked_logged;
	bool user_pause_seen;	/* this pause served `lkvm pause` */
	int64_t pause_ms;	/* when the current pause was requested */
	int64_t start_ms;
	struct control_self_snapshot self;
	struct migrate_source *migrate;	/* a live migration, or NULL */
};

/* Client I/O (control_client.c). */
/* Made at the first call with @on; 0 or -errno. */
int control_arm_timer(struct control *ctl, bool on);
/* Disarms it when no client is left. */
void control_release_timer(struct control *ctl);
void client_set_events(struct control_client *c, uint32_t events);
void client_free(struct control_client *c);
/*
 * Frees a client that went away or misbehaved. What it waited for may
 * no longer be needed: the event handler that got here ends the pause
 * with control_release_if_unneeded().
 */
void client_drop(struct control_client *c, const char *why);
/*
 * Sends what is queued without blocking. Returns false when the client
 * was freed (done, or the peer is gone).
 */
bool client_flush(struct control_client *c);
/* Sends what c->out holds, then closes (or holds a STOP client open). */
void client_reply(struct control_client *c);
/* Replaces c->out with an ERROR frame and sends it. */
void client_error(struct control_client *c, int err, const char *msg);

/* Requests (control_requests.c). */
/* A complete, validated request frame in c->rd: act on it. */
void control_dispatch(struct control_client *c);
/* Answers pause and dump waiters once every vcpu has parked. */
void control_pause_progress(struct control *ctl);
/* Ends a pause nobody needs any more (no `lkvm pause`, no dump waiting). */
void control_release_if_unneeded(struct control *ctl);
/* The main thread's handler of control_request_snapshot()'s eventfd. */
void control_on_self_snapshot(struct event_handler *h, uint32_t events);
/*
 * A migration needs the vcpus parked (to describe them, to hand over):
 * migrate_source_parked() is called once they are, perhaps at once.
 */
void control_migrate_pause(struct control *ctl);

/*
 * A live migration's VM side (migrate_source.c), driven by `lkvm
 * migrate` over the stream socket @fd it passed (which it takes).
 * 0 or -errno.
 */
struct migrate_source;
/*
 * How it pauses the VM and lets it go again: control_migrate_pause() and
 * control_release_if_unneeded(), handed in by control_requests.c so that
 * migrate_source.c never calls back into the file that dispatches to it.
 */
struct migrate_source_pausing {
	void (*pause)(struct control *ctl);
	void (*release_if_unneeded)(struct control *ctl);
};
int migrate_source_start(struct control *ctl, int fd,
			 const struct migrate_source_pausing *pausing);
/* Whether it waits for, or holds, the vcpus parked. */
bool migrate_source_wants_pause(const struct migrate_source *m);
/* Every vcpu has parked; it may end the migration (and free it). */
void migrate_source_parked(struct migrate_source *m);
/* The VM stops: the migration ends, its devices let go (frees it). */
void migrate_source_stopping(struct migrate_source *m);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_MIGRATE_H
#define LKVM_MIGRATE_H

#include <lkvm/compiler.h>
#include <lkvm/migrate_wire.h>

#include <sys/socket.h>

/*
 * Live migration, the parts both ends share (Documentation/migration.md):
 * where the destination listens, the shared secret of a TCP link, the
 * rule that decides when the pre-copy rounds end, and blocking frame I/O
 * with deadlines for the two commands (`lkvm migrate`, `lkvm restore
 * --incoming`), which run no guest while they use it.
 */

/* A bare name in unix:NAME is a socket in $HOME/.lkvm with this suffix. */
#define MIG_SOCK_SUFFIX ".migration"
#define MIG_PATH_MAX 108	/* sizeof(sockaddr_un.sun_path) */

/* Deadlines: each frame of a live stream, and the slow steps. */
#define MIG_FRAME_TIMEOUT_MS 60000
#define MIG_HELLO_TIMEOUT_MS 10000
#define MIG_BUILD_TIMEOUT_MS 300000	/* the destination builds a VM */
/* How long a destination waits for the source to let go of a name or a disk. */
#define MIG_TAKEOVER_WAIT_MS 10000

enum mig_addr_kind {
	MIG_ADDR_UNIX,
	MIG_ADDR_TCP,
};

/* unix:PATH or tcp:HOST:PORT, as --to and --incoming take it. */
struct mig_addr {
	enum mig_addr_kind kind;
	char path[MIG_PATH_MAX];	/* unix */
	char host[64];			/* tcp: the address as given */
	char port[12];
	struct sockaddr_storage sa;	/* tcp: parsed */
	socklen_t sa_len;
};

/*
 * Parses @s. unix:NAME (no '/') is $HOME/.lkvm/NAME.migration, unix:PATH
 * any other path; tcp:HOST:PORT takes an IP address ([v6] in brackets;
 * no names: a static lkvm cannot use the host's resolver) and a port
 * 1-65535. Returns 0 or -EINVAL with @why.
 */
int mig_addr_parse(const char *s, struct mig_addr *a, char *why,
		   size_t why_len);

/* The shared secret of a TCP link (--token-file). */
struct mig_token {
	uint8_t bytes[MIG_TOKEN_MAX];
	size_t len;		/* 0: none */
};

/*
 * Reads a token file: a regular file that only its owner may read or
 * write, MIG_TOKEN_MIN to MIG_TOKEN_MAX bytes once trailing white space
 * is cut. Returns 0 or -errno with @why.
 */
int mig_token_read(const char *path, struct mig_token *t, char *why,
		   size_t why_len);

/*
 * Whether @got is the token, in a time that depends on neither's bytes
 * (nor on where they first differ).
 */
bool mig_token_equal(const struct mig_token *want, const uint8_t *got,
		     size_t got_len);

/* This boot's identity (/proc/sys/kernel/random/boot_id), or zeroes. */
void mig_boot_id(uint8_t id[MIG_BOOT_ID_LEN]);

/* When the pre-copy rounds end (lkvm migrate's options). */
struct mig_policy {
	uint64_t max_downtime_ms;	/* --max-downtime */
	unsigned int max_rounds;	/* --max-rounds */
	bool force_converge;		/* --force-converge */
};

#define MIG_DEFAULT_DOWNTIME_MS 300
#define MIG_DEFAULT_ROUNDS 30

enum mig_step {
	MIG_STEP_ROUND,		/* send what is dirty and look again */
	MIG_STEP_HANDOVER,	/* pause and send the rest */
	MIG_STEP_GIVE_UP,	/* it does not converge: the guest stays */
};

/* Milliseconds to send @bytes at @rate bytes/s; UINT64_MAX at rate 0. */
uint64_t mig_expected_ms(uint64_t bytes, uint64_t rate);

/*
 * After @rounds full rounds, with @dirty_bytes dirty and the last round's
 * @rate: hand over when what is left fits max_downtime_ms at that rate;
 * otherwise another round, until max_rounds, then give up (or, with
 * force_converge, hand over anyway). The first round always runs: it
 * sends all of RAM, and measures the rate.
 */
enum mig_step mig_next_step(const struct mig_policy *p, unsigned int rounds,
			    uint64_t dirty_bytes, uint64_t rate);

/* Blocking I/O with deadlines (ms of monotonic_ms()), for the commands. */
/* A connection to @a within @timeout_ms, or -errno with @why. */
int mig_connect(const struct mig_addr *a, int timeout_ms, char *why,
		size_t why_len);
/* A listening socket at @a (a stale unix socket is replaced). */
int mig_listen(const struct mig_addr *a, char *why, size_t why_len);
/* Removes a unix socket mig_listen() made. */
void mig_unlisten(const struct mig_addr *a, int fd);

/*
 * Writes all of @buf by @deadline. 0, -ETIMEDOUT, or -errno (-EPIPE: the
 * peer is gone).
 */
int mig_send(int fd, const void *buf, size_t len, int64_t deadline);
/* A frame, encoded here. */
int mig_send_frame(int fd, uint16_t type, const void *payload, size_t len,
		   int64_t deadline);
/*
 * Reads one frame into @r by @deadline. 0; -ETIMEDOUT; -ECONNRESET (the
 * peer closed, or reset the connection); a reader error (a bad frame:
 * mig_read_error() says what); -errno.
 */
int mig_recv_frame(int fd, struct mig_reader *r, int64_t deadline);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_MIGRATE_DEST_H
#define LKVM_MIGRATE_DEST_H

#include <lkvm/migrate.h>

/*
 * The destination of a live migration (`lkvm restore --incoming`): it
 * waits for one source, checks it knows the secret, hears what machine
 * it brings, answers go or no-go, takes guest RAM and the state records
 * into a VM built but not yet run, and runs it once the source commits.
 * Everything it reads is untrusted input: framing and CRC by the reader
 * (migrate_wire.h), the stream's rules by mig_stream_frame() below (pure,
 * fuzzed), the manifest by the snapshot's checks.
 */

/* The HELLO frame: 0 when @t is empty or the token matches, else -EACCES. */
int mig_hello_check(const uint8_t *p, size_t len, const struct mig_token *t,
		    uint8_t boot_id[MIG_BOOT_ID_LEN]);

/* The stream after a go: pages into @ram, the records, the end. */
struct mig_stream {
	uint8_t *ram;
	uint64_t ram_size;
	unsigned int page_shift;
	uint8_t *state;		/* the state records, as they came */
	size_t state_len;
	size_t state_cap;
	uint32_t nr_records;	/* from END */
	bool ended;
	uint64_t data_pages, zero_pages;
};

void mig_stream_init(struct mig_stream *s, uint8_t *ram, uint64_t ram_size,
		     unsigned int page_shift);
void mig_stream_fini(struct mig_stream *s);

enum {
	MIG_STREAM_MORE,	/* go on reading */
	MIG_STREAM_END,		/* everything arrived */
	MIG_STREAM_ABORT,	/* the source keeps the guest; @why says why */
};

/*
 * One frame (a reader checked its framing and CRC) of type @type with
 * @len bytes at @p. Page frames must lie in RAM, whole pages; zero runs
 * too; no page after the first state bytes; state at most
 * SNAPSHOT_STATE_MAX bytes, whose length END must repeat; nothing after
 * END. Returns a MIG_STREAM_* value, or -EINVAL with @why.
 */
int mig_stream_frame(struct mig_stream *s, uint16_t type, const uint8_t *p,
		     size_t len, char *why, size_t why_len);

/* The I/O side: one connection from one source at a time. */
struct migrate_dest {
	struct mig_addr addr;
	const struct mig_token *token;	/* NULL or empty: none asked */
	int listen_fd;
	int fd;
	struct mig_reader rd;
	bool same_host;		/* the source runs in this boot */
};

/* Listens at @a (a TCP address needs a token). 0 or -errno, logged. */
int migrate_dest_listen(struct migrate_dest *d, const struct mig_addr *a,
			const struct mig_token *token);
void migrate_dest_close(struct migrate_dest *d);

/*
 * Waits for a source that is this user (unix) and knows the token; one
 * that is not is refused and logged, and the wait goes on. Then reads
 * its manifest into d->rd (mig_payload()). 0 or -errno (logged).
 */
int migrate_dest_accept(struct migrate_dest *d);

/* Tells the source go (@why NULL) or no-go with @why. */
int migrate_dest_verdict(struct migrate_dest *d, const char *why);

/*
 * Takes the stream into @s until END (0), an ABORT (1, with @why), or a
 * failure (-errno, with @why).
 */
int migrate_dest_receive(struct migrate_dest *d, struct mig_stream *s,
			 char *why, size_t why_len);

/*
 * Everything is loaded (@why NULL: READY) or could not be (FAILED with
 * @why). With READY, waits for the source's COMMIT and confirms it
 * (RUNNING): 0, the guest is this side's now; or -errno with @why: the
 * source keeps it.
 */
int migrate_dest_finish(struct migrate_dest *d, const char *failed,
			char *why, size_t why_len);

#endif

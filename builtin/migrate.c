// SPDX-License-Identifier: GPL-2.0
/*
 * `lkvm migrate -n NAME --to ADDR`: moves a running guest to `lkvm
 * restore --incoming ADDR` (Documentation/migration.md). This process
 * is the only one that talks to both: it greets the destination, passes
 * the VM one end of a socket pair over the control socket, and then
 * relays the VM's frames (manifest, pages, state) to the destination
 * and the destination's answers back as commands, deciding between the
 * rounds when to hand over. The VM itself opens nothing.
 */
#include "control_args.h"

#include <lkvm/builtin.h>
#include <lkvm/deadline.h>
#include <lkvm/ipc_client.h>
#include <lkvm/log.h>
#include <lkvm/migrate.h>
#include <lkvm/parse.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char migrate_usage_line[] =
	"lkvm migrate -n name --to ADDR [--token-file FILE] [--max-downtime MS] [--max-rounds N] [--force-converge] [--json]";

/* Exit statuses (Documentation/lkvm-migrate.txt). */
#define MIGRATE_FAILED 1	/* not moved: the guest runs on here */
#define MIGRATE_UNSURE 3	/* handed over, unconfirmed: paused here */

struct migrate_args {
	struct control_args ca;	/* first: the -n handler takes it */
	const char *to;
	const char *token_file;
	struct mig_policy policy;
};

#define ARGS(ctx) ((struct migrate_args *)(ctx))

static int set_to(void *ctx, const char *arg)
{
	ARGS(ctx)->to = arg;
	return 0;
}

static int set_token_file(void *ctx, const char *arg)
{
	ARGS(ctx)->token_file = arg;
	return 0;
}

static int set_downtime(void *ctx, const char *arg)
{
	unsigned int ms;

	if (parse_uint(arg, 600000, &ms) || !ms) {
		pr_err("--max-downtime %s: milliseconds from 1 to 600000", arg);
		return -EINVAL;
	}
	ARGS(ctx)->policy.max_downtime_ms = ms;
	return 0;
}

static int set_rounds(void *ctx, const char *arg)
{
	unsigned int n;

	if (parse_uint(arg, 1000, &n) || !n) {
		pr_err("--max-rounds %s: a number from 1 to 1000", arg);
		return -EINVAL;
	}
	ARGS(ctx)->policy.max_rounds = n;
	return 0;
}

static int set_force(void *ctx, const char *arg)
{
	(void)arg;
	ARGS(ctx)->policy.force_converge = true;
	return 0;
}

static const struct opt migrate_options[] = {
	CONTROL_OPT_NAME,
	{ OPT_VALUE, 0, "to", "addr", "Where lkvm restore --incoming waits: unix:PATH (or unix:NAME in $HOME/.lkvm) or tcp:ADDR:PORT", set_to },
	{ OPT_VALUE, 0, "token-file", "file", "The secret the destination was given (needed for tcp:)", set_token_file },
	{ OPT_VALUE, 0, "max-downtime", "ms", "The longest the guest may stay paused for the hand-over (default 300)", set_downtime },
	{ OPT_VALUE, 0, "max-rounds", "n", "Give up after this many copy rounds that do not fit the downtime (default 30)", set_rounds },
	{ OPT_FLAG, 0, "force-converge", NULL, "After the last round hand over anyway, however long the pause", set_force },
	{ OPT_FLAG, 0, "json", NULL, "Progress and result as one JSON object a line", control_opt_json },
	OPT_TABLE_END,
};

void migrate_usage(void)
{
	const struct opt *tables[] = { migrate_options, NULL };

	opt_usage(stdout, migrate_usage_line, tables);
}

/* One migration in progress. */
struct run {
	const struct migrate_args *a;
	const char *name;
	int vm;			/* the socket pair's end to the VM */
	int dest;
	struct mig_reader vm_rd, dest_rd;
	size_t page_size;
	bool report;		/* progress lines: a terminal or --json */
	int64_t t0;
	unsigned int rounds;
	uint64_t rate;		/* bytes/s of the last round */
	uint64_t sent;		/* bytes, all rounds */
	uint64_t last_bytes;	/* the last round's */
	int64_t last_ms;
	char why[MIG_TEXT_MAX + 200];
};

static int64_t vm_deadline(void)
{
	return monotonic_ms() + MIG_FRAME_TIMEOUT_MS;
}

static const char *io_error(int ret)
{
	switch (ret) {
	case -ETIMEDOUT:
		return "no answer in time";
	case -ECONNRESET:
	case -EPIPE:
		return "the connection closed";
	default:
		return mig_read_error(ret);
	}
}

/* A text frame's payload (ABORTED, FAILED, a no-go) into r->why. */
static void why_from(struct run *r, const struct mig_reader *rd,
		     const char *prefix, size_t skip)
{
	char text[MIG_TEXT_MAX + 1];

	mig_text(mig_payload(rd) + skip, rd->hdr.len - skip, text,
		 sizeof(text));
	snprintf(r->why, sizeof(r->why), "%s%s", prefix,
		 text[0] ? text : "no reason given");
}

/*
 * After a failed send to the destination: it may have said why before
 * it closed (FAILED, a no-go).
 */
static void dest_reason(struct run *r, int ret)
{
	if (!mig_recv_frame(r->dest, &r->dest_rd, monotonic_ms() + 1000) &&
	    (r->dest_rd.hdr.type == MIG_FAILED ||
	     r->dest_rd.hdr.type == MIG_VERDICT))
		why_from(r, &r->dest_rd, "the destination failed: ",
			 r->dest_rd.hdr.type == MIG_VERDICT);
	else
		snprintf(r->why, sizeof(r->why), "the destination: %s",
			 io_error(ret));
}

/* The next frame from the VM; an ABORTED one is a failure with its text. */
static int from_vm(struct run *r)
{
	int ret = mig_recv_frame(r->vm, &r->vm_rd, vm_deadline());

	if (ret) {
		snprintf(r->why, sizeof(r->why), "the VM: %s", io_error(ret));
		return ret;
	}
	if (r->vm_rd.hdr.type == MIG_ABORTED) {
		why_from(r, &r->vm_rd, "the VM gave up: ", 0);
		return -ECANCELED;
	}
	return 0;
}

static int to_vm(struct run *r, uint16_t type)
{
	int ret = mig_send_frame(r->vm, type, NULL, 0, vm_deadline());

	if (ret)
		snprintf(r->why, sizeof(r->why), "the VM: %s", io_error(ret));
	return ret;
}

static int expect_vm(struct run *r, uint16_t type)
{
	int ret = from_vm(r);

	if (!ret && r->vm_rd.hdr.type != type) {
		snprintf(r->why, sizeof(r->why), "the VM sent %s, not %s",
			 mig_type_name(r->vm_rd.hdr.type), mig_type_name(type));
		ret = -EPROTO;
	}
	return ret;
}

/* The destination's next frame within @ms. */
static int from_dest(struct run *r, int64_t ms)
{
	int ret = mig_recv_frame(r->dest, &r->dest_rd, monotonic_ms() + ms);

	if (ret)
		snprintf(r->why, sizeof(r->why), "the destination: %s",
			 io_error(ret));
	return ret;
}

/* Passes the VM's last frame on, unchanged. */
static int relay_frame(struct run *r)
{
	int ret = mig_send(r->dest, r->vm_rd.frame, mig_frame_len(&r->vm_rd),
			   vm_deadline());

	if (ret)
		dest_reason(r, ret);
	return ret;
}

/*
 * HELLO with this boot's identity and the token; the destination
 * answers go once it knows the token.
 */
static int greet(struct run *r, const struct mig_token *t)
{
	uint8_t hello[MIG_BOOT_ID_LEN + MIG_TOKEN_MAX];
	int ret;

	mig_boot_id(hello);
	memcpy(hello + MIG_BOOT_ID_LEN, t->bytes, t->len);
	ret = mig_send_frame(r->dest, MIG_HELLO, hello,
			     MIG_BOOT_ID_LEN + t->len,
			     monotonic_ms() + MIG_HELLO_TIMEOUT_MS);
	if (ret) {
		dest_reason(r, ret);
		return ret;
	}
	ret = from_dest(r, MIG_HELLO_TIMEOUT_MS);
	if (ret)
		return ret;
	if (r->dest_rd.hdr.type != MIG_VERDICT) {
		snprintf(r->why, sizeof(r->why),
			 "the destination sent %s, not VERDICT",
			 mig_type_name(r->dest_rd.hdr.type));
		return -EPROTO;
	}
	if (!mig_payload(&r->dest_rd)[0]) {
		why_from(r, &r->dest_rd, "the destination refused: ", 1);
		return -EACCES;
	}
	return 0;
}

/* Gives the VM its end of the stream over the control socket. */
static int start_vm(struct run *r)
{
	struct ipc_client c;
	int sv[2], ret;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		snprintf(r->why, sizeof(r->why), "socketpair: %s",
			 strerror(errno));
		return -errno;
	}
	r->vm = sv[0];
	ret = ipc_client_open(&c, r->name);
	ret = ret ?: ipc_client_send_fds(&c, IPC_REQ_MIGRATE, NULL, 0, &sv[1],
					 1);
	ret = ret ?: ipc_client_recv(&c, IPC_TIMEOUT_MS);
	if (!ret && c.rd.hdr.type != IPC_REP_DONE) {
		snprintf(c.err, sizeof(c.err), "a malformed reply");
		ret = -EPROTO;
	}
	if (ret)
		snprintf(r->why, sizeof(r->why), "%s", c.err);
	ipc_client_close(&c);
	close(sv[1]);
	return ret;
}

/* After a round: what it sent, and what the next sync found dirty. */
static void report_round(struct run *r, uint64_t left)
{
	uint64_t round_bytes = r->last_bytes;
	int64_t ms = r->last_ms;
	uint64_t expect = mig_expected_ms(left, r->rate);

	if (!r->report)
		return;
	if (r->a->ca.json)
		printf("{\"event\": \"round\", \"round\": %u, \"sent_bytes\": %llu, \"ms\": %lld, \"rate_bytes_per_s\": %llu, \"dirty_bytes\": %llu, \"expected_downtime_ms\": %lld}\n",
		       r->rounds, (unsigned long long)round_bytes, (long long)ms,
		       (unsigned long long)r->rate, (unsigned long long)left,
		       expect == UINT64_MAX ? -1LL : (long long)expect);
	else
		printf("%s: round %u: %llu MiB in %lld ms (%llu MiB/s); %llu MiB left, about %llu ms paused to send it\n",
		       r->name, r->rounds, (unsigned long long)(round_bytes >> 20),
		       (long long)ms, (unsigned long long)(r->rate >> 20),
		       (unsigned long long)(left >> 20),
		       (unsigned long long)MIN(expect, 999999999ULL));
	fflush(stdout);
}

/* One round: the VM sends what it synced, we relay it to ROUND_END. */
static int round_trip(struct run *r)
{
	int64_t t = monotonic_ms();
	int ret = to_vm(r, MIG_CMD_SEND);
	uint64_t bytes = 0;

	while (!ret) {
		ret = from_vm(r);
		if (ret)
			break;
		if (r->vm_rd.hdr.type == MIG_ROUND_END)
			break;
		if (r->vm_rd.hdr.type != MIG_PAGES &&
		    r->vm_rd.hdr.type != MIG_ZERO) {
			snprintf(r->why, sizeof(r->why),
				 "the VM sent %s in a round",
				 mig_type_name(r->vm_rd.hdr.type));
			return -EPROTO;
		}
		ret = relay_frame(r);
		bytes += mig_frame_len(&r->vm_rd);
	}
	if (ret)
		return ret;
	r->last_ms = monotonic_ms() - t;
	r->last_bytes = bytes;
	r->sent += bytes;
	/* Bytes per second; a round too short to time counts as 1 ms. */
	r->rate = bytes * 1000 / (uint64_t)MAX(r->last_ms, 1);
	r->rounds++;
	return 0;
}

/*
 * Pre-copy: rounds until what is dirty fits the downtime. Returns 0 to
 * hand over, or -errno (r->why says why; -EAGAIN: it does not converge).
 */
static int precopy(struct run *r)
{
	for (;;) {
		uint64_t dirty;
		int ret = to_vm(r, MIG_CMD_SYNC);

		ret = ret ?: expect_vm(r, MIG_SYNCED);
		if (ret)
			return ret;
		dirty = mig_get_u64(mig_payload(&r->vm_rd)) * r->page_size;
		if (r->rounds)
			report_round(r, dirty);
		switch (mig_next_step(&r->a->policy, r->rounds, dirty, r->rate)) {
		case MIG_STEP_HANDOVER:
			return 0;
		case MIG_STEP_GIVE_UP:
			snprintf(r->why, sizeof(r->why),
				 "it does not converge: after %u rounds %llu MiB are still dirty, about %llu ms paused at %llu MiB/s, more than --max-downtime %llu (--force-converge hands over anyway)",
				 r->rounds, (unsigned long long)(dirty >> 20),
				 (unsigned long long)MIN(mig_expected_ms(dirty, r->rate), 999999999ULL),
				 (unsigned long long)(r->rate >> 20),
				 (unsigned long long)r->a->policy.max_downtime_ms);
			return -EAGAIN;
		case MIG_STEP_ROUND:
			break;
		}
		ret = round_trip(r);
		if (ret)
			return ret;
	}
}

/*
 * The hand-over: the VM pauses and sends the rest and its state; the
 * destination loads it and says READY. Then the VM commits (never runs
 * again on its own), the destination hears COMMIT and runs the guest.
 * Returns 0 (the guest runs there), -ECANCELED and friends (it runs on
 * here), or -EINPROGRESS (committed, unconfirmed).
 */
static int hand_over(struct run *r, int64_t *paused_ms)
{
	int64_t t = monotonic_ms();
	int ret = to_vm(r, MIG_CMD_HANDOVER);

	while (!ret) {
		ret = from_vm(r);
		if (ret)
			break;
		if (r->vm_rd.hdr.type != MIG_PAGES &&
		    r->vm_rd.hdr.type != MIG_ZERO &&
		    r->vm_rd.hdr.type != MIG_STATE &&
		    r->vm_rd.hdr.type != MIG_END) {
			snprintf(r->why, sizeof(r->why),
				 "the VM sent %s in the hand-over",
				 mig_type_name(r->vm_rd.hdr.type));
			return -EPROTO;
		}
		ret = relay_frame(r);
		r->sent += mig_frame_len(&r->vm_rd);
		if (!ret && r->vm_rd.hdr.type == MIG_END)
			break;
	}
	/* The destination loads the state: READY, or FAILED with why. */
	ret = ret ?: from_dest(r, MIG_BUILD_TIMEOUT_MS);
	if (ret)
		return ret;
	if (r->dest_rd.hdr.type == MIG_FAILED) {
		why_from(r, &r->dest_rd, "the destination could not load it: ",
			 0);
		return -ECANCELED;
	}
	if (r->dest_rd.hdr.type != MIG_READY) {
		snprintf(r->why, sizeof(r->why),
			 "the destination sent %s, not READY",
			 mig_type_name(r->dest_rd.hdr.type));
		return -EPROTO;
	}
	ret = to_vm(r, MIG_CMD_COMMIT);
	ret = ret ?: expect_vm(r, MIG_COMMITTED);
	if (ret)
		return ret;
	/* From here the guest never runs here again without the user. */
	ret = mig_send_frame(r->dest, MIG_COMMIT, NULL, 0,
			     monotonic_ms() + MIG_HELLO_TIMEOUT_MS);
	ret = ret ?: from_dest(r, MIG_FRAME_TIMEOUT_MS);
	if (!ret && r->dest_rd.hdr.type != MIG_RUNNING)
		ret = -EPROTO;
	*paused_ms = monotonic_ms() - t;
	if (ret) {
		snprintf(r->why, sizeof(r->why),
			 "the destination did not confirm that it runs the guest");
		return -EINPROGRESS;
	}
	/* The VM stops; it closes its end as it goes. */
	if (!to_vm(r, MIG_CMD_DONE))
		mig_recv_frame(r->vm, &r->vm_rd, vm_deadline());
	return 0;
}

/* Before the commit: both sides drop it, the guest runs on here. */
static void abort_both(struct run *r)
{
	size_t len = MIN(strlen(r->why), (size_t)MIG_TEXT_MAX);

	if (r->dest >= 0)
		mig_send_frame(r->dest, MIG_ABORT, r->why, len,
			       monotonic_ms() + 1000);
	if (r->vm >= 0)
		mig_send_frame(r->vm, MIG_CMD_ABORT, r->why, len,
			       monotonic_ms() + 1000);
}

static int migrate(const struct migrate_args *a)
{
	struct mig_token token = { .len = 0 };
	struct run r = { .a = a, .name = a->ca.name, .vm = -1, .dest = -1 };
	struct mig_addr addr;
	int64_t paused_ms = 0;
	int ret;

	r.report = a->ca.json || isatty(STDOUT_FILENO);
	r.page_size = (size_t)sysconf(_SC_PAGESIZE);
	if (mig_addr_parse(a->to, &addr, r.why, sizeof(r.why))) {
		pr_err("--to %s", r.why);
		return MIGRATE_FAILED;
	}
	if (a->token_file &&
	    mig_token_read(a->token_file, &token, r.why, sizeof(r.why))) {
		pr_err("--token-file %s", r.why);
		return MIGRATE_FAILED;
	}
	if (addr.kind == MIG_ADDR_TCP && !token.len) {
		pr_err("--to %s: a TCP link needs --token-file, the secret the destination was given (the stream is not encrypted: see lkvm help migrate)",
		       a->to);
		return MIGRATE_FAILED;
	}
	mig_reader_init(&r.vm_rd, MIG_FROM_VM);
	mig_reader_init(&r.dest_rd, MIG_FROM_DEST);
	r.t0 = monotonic_ms();
	r.dest = mig_connect(&addr, MIG_HELLO_TIMEOUT_MS, r.why, sizeof(r.why));
	ret = r.dest < 0 ? r.dest : greet(&r, &token);
	/* The VM hears of it only once the destination let us in. */
	ret = ret ?: start_vm(&r);
	/* The handshake: the VM's manifest, the destination's verdict. */
	ret = ret ?: expect_vm(&r, MIG_MANIFEST);
	ret = ret ?: relay_frame(&r);
	ret = ret ?: from_dest(&r, MIG_BUILD_TIMEOUT_MS);
	if (!ret && r.dest_rd.hdr.type != MIG_VERDICT) {
		snprintf(r.why, sizeof(r.why), "the destination sent %s, not VERDICT",
			 mig_type_name(r.dest_rd.hdr.type));
		ret = -EPROTO;
	}
	if (!ret && !mig_payload(&r.dest_rd)[0]) {
		why_from(&r, &r.dest_rd, "the destination refused (no-go): ", 1);
		ret = -EACCES;
	}
	ret = ret ?: precopy(&r);
	ret = ret ?: hand_over(&r, &paused_ms);
	if (ret == -EINPROGRESS) {
		pr_err("migrate %s: %s; the guest stays paused here: if it does not run at the destination, lkvm resume -n %s, otherwise lkvm stop -n %s",
		       r.name, r.why, r.name, r.name);
		ret = MIGRATE_UNSURE;
	} else if (ret) {
		abort_both(&r);
		pr_err("migrate %s: %s; the guest runs on here", r.name,
		       r.why);
		ret = MIGRATE_FAILED;
	} else if (a->ca.json) {
		printf("{\"event\": \"done\", \"name\": \"%s\", \"rounds\": %u, \"bytes\": %llu, \"downtime_ms\": %lld, \"total_ms\": %lld}\n",
		       r.name, r.rounds, (unsigned long long)r.sent,
		       (long long)paused_ms, (long long)(monotonic_ms() - r.t0));
	} else {
		printf("%s: migrated to %s in %lld ms (%u rounds, %llu MiB); the guest was paused %lld ms\n",
		       r.name, a->to, (long long)(monotonic_ms() - r.t0), r.rounds,
		       (unsigned long long)(r.sent >> 20), (long long)paused_ms);
	}
	if (r.vm >= 0)
		close(r.vm);
	if (r.dest >= 0)
		close(r.dest);
	mig_reader_fini(&r.vm_rd);
	mig_reader_fini(&r.dest_rd);
	return ret;
}

int cmd_migrate(int argc, char **argv)
{
	const struct opt *tables[] = { migrate_options, NULL };
	struct migrate_args a = {
		.policy = { .max_downtime_ms = MIG_DEFAULT_DOWNTIME_MS,
			    .max_rounds = MIG_DEFAULT_ROUNDS },
	};
	struct opt_args args;
	enum opt_status st;
	const char *why = NULL;

	if (builtin_wants_help(argc, argv)) {
		migrate_usage();
		return 0;
	}
	st = opt_parse(tables, &a, argc - 1, argv + 1, &args);
	if (st == OPT_BAD_VALUE)
		return 1;
	if (st == OPT_OK) {
		if (!a.ca.name)
			why = "say which VM: -n NAME";
		else if (!a.to)
			why = "say where to: --to unix:PATH or --to tcp:ADDR:PORT";
		else if (args.nr_positional)
			why = "no arguments besides the options";
		if (why)
			fprintf(stderr, "  Error: %s\n", why);
	}
	opt_args_free(&args);
	if (st == OPT_UNKNOWN || why) {
		opt_usage(stderr, migrate_usage_line, tables);
		return EXIT_USAGE;
	}
	return migrate(&a);
}

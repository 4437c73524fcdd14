// SPDX-License-Identifier: GPL-2.0
/*
 * The VM's side of a live migration (Documentation/migration.md), on the
 * main thread's event loop. `lkvm migrate` passes one end of a socket
 * pair over the control socket; it talks to the destination, this side
 * only to it: a command comes in (sync, send, hand over, commit, done,
 * abort), frames go out. So the VM opens nothing, connects nowhere and
 * parses nothing from the network: its filter only gains the dirty-log
 * ioctls.
 *
 * Frames are written without blocking, a bounded amount per event, so
 * the loop keeps serving the console, the control socket and the stop
 * request while pages stream; a command or progress must come within
 * MIG_VM_TIMEOUT_MS, or the migration ends and the guest runs on.
 *
 * Until the commit the guest is this VM's: any failure or an abort lets
 * the devices and vcpus go on. After it, the guest is the destination's
 * unless the destination never heard: the vcpus stay parked, and only
 * `lkvm migrate` (done: stop) or the user (`lkvm resume`) decides.
 */
#include "control_priv.h"

#include <lkvm/deadline.h>
#include <lkvm/dirty_log.h>
#include <lkvm/log.h>
#include <lkvm/migrate_wire.h>
#include <lkvm/snapshot.h>
#include <lkvm/state.h>
#include <lkvm/vm.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

/* No command and no progress for this long: lkvm migrate is gone. */
#define MIG_VM_TIMEOUT_MS 60000
#define MIG_TICK_S 1
/*
 * Work per event, so that the loop serves everything else in between:
 * frames sent, and zero pages looked at (skipped in the first round).
 */
#define PUMP_FRAMES 16
#define SCAN_PAGES 4096

enum ms_state {
	MS_MANIFEST,	/* waiting for the vcpus to park, to describe them */
	MS_IDLE,	/* waiting for a command */
	MS_SENDING,	/* a round's pages */
	MS_PARKING,	/* hand-over: waiting for the vcpus to park */
	MS_FINAL,	/* the last pages, the state records, END */
	MS_WAIT_COMMIT,
	MS_COMMITTED,	/* never resumes on its own */
	MS_DONE,	/* the destination runs the guest: stopping */
};

struct migrate_source {
	struct control *ctl;
	struct migrate_source_pausing pausing;
	struct vm *vm;
	struct event_handler ev;	/* the socket to lkvm migrate */
	struct event_handler tick;	/* deadlines */
	uint32_t events;
	struct mig_reader rd;
	enum ms_state state;
	int64_t deadline;
	bool synced;		/* SYNC answered: SEND may follow */
	bool quiet;		/* the devices are quiesced */

	struct dirty_log log;
	unsigned long *todo;	/* pages still to send this round */
	uint64_t nr_pages, cursor;
	unsigned int page_shift;
	bool first_pass;	/* zero pages need not go: the destination's are */

	uint8_t *buf;		/* the frame being sent */
	size_t buf_len, buf_off;
	struct state_writer records;
	size_t records_off;
	unsigned int nr_records;
	bool end_sent;

	uint64_t data_pages, zero_pages, bytes;	/* this round */
};

static size_t buf_cap(void)
{
	return MIG_HDR_SIZE + MIG_PAYLOAD_MAX;
}

static void set_events(struct migrate_source *m, uint32_t events)
{
	if (m->events != events &&
	    !event_loop_mod(m->ctl->loop, &m->ev, events))
		m->events = events;
}

static void progress(struct migrate_source *m)
{
	m->deadline = monotonic_ms() + MIG_VM_TIMEOUT_MS;
}

/* Best effort, without blocking: the peer may be gone or full. */
static void tell(struct migrate_source *m, uint16_t type, const char *why)
{
	uint8_t frame[MIG_TEXT_FRAME_MAX];
	size_t n = mig_text_frame(frame, sizeof(frame), type, "%s", why);

	if (m->buf_off == m->buf_len &&
	    send(m->ev.fd, frame, n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		pr_debug("migration: could not tell lkvm migrate: %s",
			 strerror(errno));
}

/*
 * Ends the migration and frees @m. Before the commit the guest runs on
 * here; after it (unless the destination confirmed: MS_DONE) it stays
 * paused for the user to decide, since it may run at the destination.
 */
static void finish(struct migrate_source *m, const char *why)
{
	struct control *ctl = m->ctl;
	bool committed = m->state >= MS_COMMITTED;
	void (*release)(struct control *ctl) = m->pausing.release_if_unneeded;

	if (m->quiet)
		snapshot_quiesce_devices(m->vm, false);
	dirty_log_stop(&m->log);
	if (m->state == MS_DONE) {
		pr_debug("migration: finished");
	} else if (committed) {
		pr_warn("migration: %s after the guest was handed over: it may be running at the destination, so it stays paused here; if it does not run there, lkvm resume -n %s, otherwise lkvm stop -n %s",
			why, m->vm->cfg->name, m->vm->cfg->name);
	} else if (why) {
		pr_warn("migration: %s; the guest runs on here", why);
	}
	/* Never let a handed-over guest run again on its own. */
	if (committed)
		ctl->user_paused = true;
	event_loop_del(ctl->loop, &m->ev);
	event_loop_del(ctl->loop, &m->tick);
	close(m->ev.fd);
	close(m->tick.fd);
	mig_reader_fini(&m->rd);
	state_writer_free(&m->records);
	free(m->todo);
	free(m->buf);
	free(m);
	ctl->migrate = NULL;
	release(ctl);
}

/* The VM gives up by itself: lkvm migrate hears why. */
static void give_up(struct migrate_source *m, const char *why)
{
	if (m->state < MS_COMMITTED)
		tell(m, MIG_ABORTED, why);
	finish(m, why);
}

/* Queues a small frame; the buffer is empty between rounds. */
static bool queue(struct migrate_source *m, uint16_t type, const void *p,
		  size_t len)
{
	if (m->buf_off != m->buf_len) {
		give_up(m, "lkvm migrate sent a command while a round was being sent");
		return false;
	}
	m->buf_len = mig_frame(m->buf, buf_cap(), type, p, len);
	m->buf_off = 0;
	return true;
}

static uint64_t next_bit(const unsigned long *bits, uint64_t nr, uint64_t from)
{
	while (from < nr) {
		unsigned long w = bits[from / BITS_PER_WORD] >>
				  (from % BITS_PER_WORD);

		if (w)
			return MIN(nr, from + (uint64_t)__builtin_ctzl(w));
		from = ALIGN_DOWN(from, BITS_PER_WORD) + BITS_PER_WORD;
	}
	return nr;
}

static bool bit_set(const unsigned long *bits, uint64_t i)
{
	return bits[i / BITS_PER_WORD] >> (i % BITS_PER_WORD) & 1;
}

static void clear_bit(unsigned long *bits, uint64_t i)
{
	bits[i / BITS_PER_WORD] &= ~(1UL << (i % BITS_PER_WORD));
}

static uint64_t count_bits(const unsigned long *bits, uint64_t nr)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < dirty_bitmap_bytes(nr) / sizeof(long); i++)
		n += (uint64_t)__builtin_popcountl(bits[i]);
	return n;
}

static const uint8_t *page(const struct migrate_source *m, uint64_t i)
{
	return m->vm->ram.host + (i << m->page_shift);
}

static bool page_zero(const struct migrate_source *m, uint64_t i)
{
	return guest_mem_is_zero(page(m, i), (size_t)1 << m->page_shift);
}

/*
 * The next frame of the round's pages: a run of dirty pages that are
 * not zero (copied, so that what the CRC covers is what goes), or of
 * dirty zero pages (one ZERO frame; none at all in the first round).
 * Returns 1 with a frame queued, 0 after some work and no frame, -1
 * when no page is left.
 */
static int next_pages(struct migrate_source *m)
{
	size_t psize = (size_t)1 << m->page_shift;
	uint64_t i = next_bit(m->todo, m->nr_pages, m->cursor);
	uint64_t first = i, n = 0;
	uint8_t *payload = m->buf + MIG_HDR_SIZE;

	if (i == m->nr_pages)
		return -1;
	if (page_zero(m, i)) {
		while (i < m->nr_pages && n < SCAN_PAGES && bit_set(m->todo, i) &&
		       page_zero(m, i)) {
			clear_bit(m->todo, i);
			n++;
			i++;
		}
		m->cursor = i;
		m->zero_pages += n;
		if (m->first_pass)
			return 0;
		mig_put_u64(payload, first);
		mig_put_u64(payload + 8, n);
		m->buf_len = mig_frame(m->buf, buf_cap(), MIG_ZERO, payload, 16);
		m->buf_off = 0;
		return 1;
	}
	/* The first page was not zero a moment ago: it goes as it is now. */
	while (i < m->nr_pages && (n + 1) * psize <= MIG_PAGES_MAX &&
	       bit_set(m->todo, i) && (!n || !page_zero(m, i))) {
		clear_bit(m->todo, i);
		memcpy(payload + 8 + n * psize, page(m, i), psize);
		n++;
		i++;
	}
	m->cursor = i;
	m->data_pages += n;
	mig_put_u64(payload, first);
	m->buf_len = mig_frame(m->buf, buf_cap(), MIG_PAGES, payload,
			       8 + n * psize);
	m->buf_off = 0;
	return 1;
}

/* After the last pages of the hand-over: the records, then END. */
static bool next_final(struct migrate_source *m)
{
	uint8_t end[16];
	size_t n = MIN((size_t)MIG_STATE_CHUNK,
		       m->records.len - m->records_off);

	if (n) {
		m->buf_len = mig_frame(m->buf, buf_cap(), MIG_STATE,
				       m->records.data + m->records_off, n);
		m->buf_off = 0;
		m->records_off += n;
		return true;
	}
	if (m->end_sent)
		return false;
	mig_put_u64(end, m->records.len);
	mig_put_u32(end + 8, m->nr_records);
	mig_put_u32(end + 12, 0);
	m->buf_len = mig_frame(m->buf, buf_cap(), MIG_END, end, sizeof(end));
	m->buf_off = 0;
	m->end_sent = true;
	m->state = MS_WAIT_COMMIT;
	pr_debug("migration: %llu pages and %zu bytes of state sent with the guest paused; waiting for the commit",
		 (unsigned long long)m->data_pages, m->records.len);
	return true;
}

/* The next frame to send, if any. */
static bool next_frame(struct migrate_source *m)
{
	uint8_t rend[24];
	int r;

	if (m->state != MS_SENDING && m->state != MS_FINAL)
		return false;
	r = next_pages(m);
	if (r > 0) {
		m->bytes += m->buf_len;
		return true;
	}
	if (r == 0)
		return false;	/* zero pages skipped: the caller comes back */
	if (m->state == MS_FINAL)
		return next_final(m);
	mig_put_u64(rend, m->data_pages);
	mig_put_u64(rend + 8, m->zero_pages);
	mig_put_u64(rend + 16, m->bytes);
	m->buf_len = mig_frame(m->buf, buf_cap(), MIG_ROUND_END, rend,
			       sizeof(rend));
	m->buf_off = 0;
	m->state = MS_IDLE;
	m->first_pass = false;
	return true;
}

/*
 * Writes what there is to write, at most PUMP_FRAMES frames per call.
 * Returns false when @m was freed.
 */
static bool pump(struct migrate_source *m)
{
	for (unsigned int frames = 0; frames < PUMP_FRAMES;) {
		ssize_t n;

		if (m->buf_off == m->buf_len) {
			bool scanning = m->state == MS_SENDING ||
					m->state == MS_FINAL;

			if (next_frame(m)) {
				frames++;
				continue;
			}
			if (scanning && (m->state == MS_SENDING ||
					 m->state == MS_FINAL)) {
				/* Zero pages skipped: come back soon. */
				set_events(m, EPOLLIN | EPOLLOUT);
				return true;
			}
			set_events(m, EPOLLIN);
			return true;
		}
		n = send(m->ev.fd, m->buf + m->buf_off, m->buf_len - m->buf_off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			set_events(m, EPOLLIN | EPOLLOUT);
			return true;
		}
		if (n <= 0) {
			finish(m, "lkvm migrate went away");
			return false;
		}
		m->buf_off += (size_t)n;
		progress(m);
	}
	set_events(m, EPOLLIN | EPOLLOUT);
	return true;
}

static bool sync_pages(struct migrate_source *m)
{
	uint8_t synced[16];
	int ret = m->log.on ? 0 : dirty_log_start(&m->log, m->vm);

	ret = ret ?: dirty_log_sync(&m->log, m->todo);
	if (ret) {
		give_up(m, "the dirty log of guest RAM failed (lkvm's log says why)");
		return false;
	}
	m->synced = true;
	mig_put_u64(synced, count_bits(m->todo, m->nr_pages));
	mig_put_u64(synced + 8, m->nr_pages);
	return queue(m, MIG_SYNCED, synced, sizeof(synced));
}

/* The vcpus are parked for the hand-over: the devices go quiet. */
static void hand_over(struct migrate_source *m)
{
	int ret = snapshot_quiesce_devices(m->vm, true);

	m->quiet = true;
	if (ret) {
		give_up(m, "a device could not flush its disk");
		return;
	}
	ret = dirty_log_sync(&m->log, m->todo);
	ret = ret ?: snapshot_save_records(m->vm, &m->records, &m->nr_records);
	if (ret) {
		give_up(m, ret == -ENOMEM ? "out of memory" :
			   "saving the guest's state failed (lkvm's log says why)");
		return;
	}
	pr_info("migration: the guest is paused for the hand-over: %llu pages left",
		(unsigned long long)count_bits(m->todo, m->nr_pages));
	m->cursor = 0;
	m->data_pages = m->zero_pages = m->bytes = 0;
	m->state = MS_FINAL;
	progress(m);
	pump(m);
}

/* The vcpus are parked for the manifest: it reads their ID registers. */
static void describe(struct migrate_source *m)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int ret = f ? 0 : -ENOMEM;

	if (f) {
		fprintf(f, "{\n");
		ret = snapshot_write_machine(f, m->vm, MIGRATION_FORMAT, true);
		fprintf(f, "  \"migration\": {\"page_size\": %u}\n}\n",
			1U << m->page_shift);
		if (fclose(f) || !text)
			ret = ret ?: -ENOMEM;
	}
	m->state = MS_IDLE;
	/* The guest runs again while the destination decides. */
	m->pausing.release_if_unneeded(m->ctl);
	if (!ret && len > MIG_MANIFEST_MAX)
		ret = -E2BIG;
	if (ret)
		give_up(m, "describing the machine failed");
	else if (queue(m, MIG_MANIFEST, text, len))
		pump(m);
	free(text);
}

bool migrate_source_wants_pause(const struct migrate_source *m)
{
	return m->state == MS_MANIFEST || m->state >= MS_PARKING;
}

void migrate_source_parked(struct migrate_source *m)
{
	if (m->state == MS_MANIFEST)
		describe(m);
	else if (m->state == MS_PARKING)
		hand_over(m);
}

/* One command from lkvm migrate. Returns false when @m may be gone. */
static bool command(struct migrate_source *m)
{
	char why[MIG_TEXT_MAX + 1];
	uint16_t type = m->rd.hdr.type;

	progress(m);
	switch (type) {
	case MIG_CMD_SYNC:
		if (m->state != MS_IDLE)
			break;
		return sync_pages(m) && pump(m);
	case MIG_CMD_SEND:
		if (m->state != MS_IDLE || !m->synced)
			break;
		m->synced = false;
		m->cursor = 0;
		m->data_pages = m->zero_pages = m->bytes = 0;
		m->state = MS_SENDING;
		return pump(m);
	case MIG_CMD_HANDOVER:
		if (m->state != MS_IDLE || !m->log.on)
			break;
		m->state = MS_PARKING;
		/* May hand over (and end) at once: @m is not touched after. */
		m->pausing.pause(m->ctl);
		return false;
	case MIG_CMD_COMMIT:
		if (m->state != MS_WAIT_COMMIT)
			break;
		m->state = MS_COMMITTED;
		pr_info("migration: committed: the guest is the destination's once it confirms");
		return queue(m, MIG_COMMITTED, NULL, 0) && pump(m);
	case MIG_CMD_DONE:
		if (m->state != MS_COMMITTED)
			break;
		m->state = MS_DONE;
		pr_info("migration: the guest runs at the destination: stopping here");
		vm_request_stop(m->vm, VM_EXIT_OK);
		return true;
	case MIG_CMD_ABORT:
		mig_text(mig_payload(&m->rd), m->rd.hdr.len, why, sizeof(why));
		finish(m, why[0] ? why : "lkvm migrate gave up");
		return false;
	}
	snprintf(why, sizeof(why), "lkvm migrate sent %s out of turn",
		 mig_type_name(type));
	give_up(m, why);
	return false;
}

/*
 * Reads commands; returns false when @m may have been freed (epoll is
 * level-triggered: what is left to read comes back).
 */
static bool read_commands(struct migrate_source *m)
{
	for (;;) {
		uint8_t *dst;
		size_t want = mig_reader_want(&m->rd, &dst);
		ssize_t n;
		int ret;

		if (!want) {
			give_up(m, "out of memory");
			return false;
		}
		n = recv(m->ev.fd, dst, want, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		if (n <= 0) {
			finish(m, n ? "lost the connection to lkvm migrate" :
				      "lkvm migrate went away");
			return false;
		}
		ret = mig_reader_advance(&m->rd, (size_t)n);
		if (ret < 0) {
			char why[160];

			snprintf(why, sizeof(why), "lkvm migrate sent %s",
				 mig_read_error(ret));
			give_up(m, why);
			return false;
		}
		if (ret && !command(m))
			return false;
	}
}

static void on_socket(struct event_handler *h, uint32_t events)
{
	struct migrate_source *m = container_of(h, struct migrate_source, ev);

	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !read_commands(m))
		return;
	if (events & EPOLLOUT)
		pump(m);
}

static void on_tick(struct event_handler *h, uint32_t events)
{
	struct migrate_source *m = container_of(h, struct migrate_source, tick);
	uint64_t ticks;

	(void)events;
	if (read(h->fd, &ticks, sizeof(ticks)) < 0)
		return;
	if (monotonic_ms() < m->deadline || m->state == MS_DONE)
		return;
	give_up(m, m->state == MS_MANIFEST || m->state == MS_PARKING ?
			   "the vcpus did not stop in time" :
			   "lkvm migrate stopped responding");
}

int migrate_source_start(struct control *ctl, int fd,
			 const struct migrate_source_pausing *pausing)
{
	struct itimerspec its = { .it_interval.tv_sec = MIG_TICK_S,
				  .it_value.tv_sec = MIG_TICK_S };
	struct migrate_source *m = calloc(1, sizeof(*m));
	struct vm *vm = ctl->vm;
	int ret;

	if (!m)
		return -ENOMEM;
	m->ctl = ctl;
	m->pausing = *pausing;
	m->vm = vm;
	m->ev = (struct event_handler){ .fn = on_socket, .fd = fd };
	m->tick = (struct event_handler){ .fn = on_tick, .fd = -1 };
	m->page_shift = vm->ram.page_shift;
	m->nr_pages = guest_mem_pages(&vm->ram);
	m->first_pass = true;
	mig_reader_init(&m->rd, MIG_FROM_CLIENT);
	state_writer_init(&m->records);
	m->todo = malloc(dirty_bitmap_bytes(m->nr_pages));
	m->buf = malloc(buf_cap());
	m->tick.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	ret = m->todo && m->buf ? 0 : -ENOMEM;
	if (!ret && m->tick.fd < 0)
		ret = -errno;
	if (!ret && timerfd_settime(m->tick.fd, 0, &its, NULL))
		ret = -errno;
	if (!ret)
		ret = event_loop_add(ctl->loop, &m->ev, EPOLLIN);
	if (!ret && event_loop_add(ctl->loop, &m->tick, EPOLLIN)) {
		event_loop_del(ctl->loop, &m->ev);
		ret = -ENOMEM;
	}
	if (ret) {
		if (m->tick.fd >= 0)
			close(m->tick.fd);
		free(m->todo);
		free(m->buf);
		free(m);
		return ret;
	}
	/* The first round: every page (the zero ones are skipped). */
	memset(m->todo, 0xff, dirty_bitmap_bytes(m->nr_pages));
	if (m->nr_pages % BITS_PER_WORD)
		m->todo[m->nr_pages / BITS_PER_WORD] &=
			(1UL << (m->nr_pages % BITS_PER_WORD)) - 1;
	m->events = EPOLLIN;
	m->state = MS_MANIFEST;
	progress(m);
	ctl->migrate = m;
	pr_info("migration: started by lkvm migrate (%llu MiB of RAM)",
		(unsigned long long)(vm->ram.size >> 20));
	m->pausing.pause(ctl);
	return 0;
}

void migrate_source_stopping(struct migrate_source *m)
{
	finish(m, "the VM is stopping");
}

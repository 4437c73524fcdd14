// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk (VIRTIO 1.2 section 5.2): -d/--disk FILE[,ro][,direct], raw
 * images and block devices. The I/O thread takes requests off the queue
 * and checks them (blk_req_parse()); a small pool of workers carries them
 * out with preadv/pwritev/fdatasync/fallocate, so several requests are in
 * flight at once, at most BLK_SLOTS.
 */
#include <lkvm/virtio.h>
#include <lkvm/virtio_blk.h>
#include <lkvm/virtio_9p.h>

#include <lkvm/devices.h>
#include <lkvm/json.h>
#include <lkvm/migrate.h>
#include <lkvm/restore.h>
#include <lkvm/parse.h>
#include <lkvm/seccomp.h>
#include <lkvm/state.h>
#include <lkvm/vm.h>

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLK_WORKERS 4U
#define BLK_SLOTS 64U
/* Data segments: the queue size less the header and status descriptors. */
#define BLK_SEG_MAX (VIRTQ_MAX_SIZE - 2U)
#define BLK_SIZE_MAX (1U << 20)
#define BLK_MAX_DISCARD_SECTORS (1U << 22)
#define BLK_CONFIG_SIZE 60U

#define CFG(ctx) ((struct vm_config *)(ctx))

struct blk_slot {
	struct virtq_chain chain;
	struct blk_req req;
	struct blk_slot *next;
};

struct vblk {
	struct virtio_dev vd;
	char name[24];
	char *path;
	int fd;
	bool is_blkdev;
	uint32_t blk_size;
	struct blk_limits lim;
	char serial[VIRTIO_BLK_ID_BYTES];
	struct blk_backend backend;	/* fd, serial and names, for blk_io.c */
	struct log_ratelimit io_rl;

	/* Slots, the work list, and pushes to the used ring. */
	pthread_mutex_t lock;
	pthread_cond_t work_cv;
	pthread_cond_t idle_cv;
	struct blk_slot *slots;
	struct blk_slot *free;
	struct blk_slot *work_head, *work_tail;
	unsigned int inflight;
	atomic_bool cancel;	/* a reset waits: cut long requests short */
	atomic_bool unsynced;	/* written since the last flush began */
	bool starved;		/* the I/O thread ran out of slots */
	bool stopping;
	bool lock_deferred;	/* a migration's: taken once it runs here */
	pthread_t workers[BLK_WORKERS];
	unsigned int nr_workers;
};

static struct vblk *to_vblk(struct virtio_dev *vd)
{
	return container_of(vd, struct vblk, vd);
}

/* struct virtio_blk_config, little-endian, up to write_zeroes_may_unmap. */
static void blk_config_read(struct virtio_dev *vd, uint32_t offset,
			    uint8_t *data, unsigned int len)
{
	struct vblk *b = to_vblk(vd);
	uint8_t cfg[BLK_CONFIG_SIZE] = { 0 };
	uint64_t cap = htole64(b->lim.capacity);
	uint32_t v;

#define PUT32(off, val) (v = htole32(val), memcpy(cfg + (off), &v, 4))
	memcpy(cfg, &cap, 8);
	PUT32(8, b->lim.size_max);
	PUT32(12, b->lim.seg_max);
	PUT32(20, b->blk_size);
	PUT32(36, BLK_MAX_DISCARD_SECTORS);	/* max_discard_sectors */
	PUT32(40, BLK_MAX_DISCARD_SEG);		/* max_discard_seg */
	PUT32(44, 1);				/* discard_sector_alignment */
	PUT32(48, b->lim.max_write_zeroes_sectors);
	PUT32(52, b->lim.max_write_zeroes_seg);
	cfg[56] = 1;				/* write_zeroes_may_unmap */
#undef PUT32
	memcpy(data, cfg + offset, len);
}

/*
 * Carries out @s's request and gives the chain back: status byte, used
 * ring, interrupt. On a worker, or on the I/O thread for a lone request.
 */
static void blk_complete(struct vblk *b, struct blk_slot *s)
{
	struct virtio_dev *vd = &b->vd;
	uint32_t id_len = 0, written;
	bool wake;

	if (s->req.status == VIRTIO_BLK_S_OK)
		s->req.status = blk_req_execute(&b->backend, &s->req, &id_len);
	written = blk_req_written(&s->req, id_len);
	*s->req.status_byte = s->req.status;
	/* The data read, the ID, the status byte: all went in directly. */
	virtq_chain_wrote(&s->chain);

	pthread_mutex_lock(&b->lock);
	virtq_push(&vd->queues[0].vq, s->chain.head, written);
	/*
	 * Before the request stops counting as in flight: a reset that
	 * waits for it (blk_drain()) then clears the ISR after this, and the
	 * reset device stays silent.
	 */
	if (virtq_should_interrupt(&vd->queues[0].vq))
		virtio_raise_irq(vd, VIRTIO_ISR_VRING);
	s->next = b->free;
	b->free = s;
	wake = b->starved;
	b->starved = false;
	if (!--b->inflight)
		pthread_cond_broadcast(&b->idle_cv);
	pthread_mutex_unlock(&b->lock);
	if (wake)
		virtio_wake(vd);
}

static void *blk_worker(void *arg)
{
	struct vblk *b = arg;
	struct virtio_dev *vd = &b->vd;
	char name[16];

	snprintf(name, sizeof(name), "lkvm-blk-worker");
	/* By name in /proc, apart from the main thread that started it. */
	pthread_setname_np(pthread_self(), name);
	if (seccomp_enter(vd->dev.vm, SECCOMP_IO, name, NULL)) {
		vm_request_stop(vd->dev.vm, VM_EXIT_ERROR);
		return NULL;
	}
	for (;;) {
		struct blk_slot *s;

		pthread_mutex_lock(&b->lock);
		while (!b->work_head && !b->stopping)
			pthread_cond_wait(&b->work_cv, &b->lock);
		s = b->work_head;
		if (s) {
			b->work_head = s->next;
			if (!b->work_head)
				b->work_tail = NULL;
		}
		pthread_mutex_unlock(&b->lock);
		if (!s)
			break;	/* stopping, and no work left */
		blk_complete(b, s);
	}
	return NULL;
}

/* A free slot, or NULL (then a completing worker wakes the I/O thread). */
static struct blk_slot *get_slot(struct vblk *b)
{
	struct blk_slot *s;

	pthread_mutex_lock(&b->lock);
	s = b->free;
	if (s)
		b->free = s->next;
	else
		b->starved = true;
	pthread_mutex_unlock(&b->lock);
	return s;
}

static void put_slot(struct vblk *b, struct blk_slot *s)
{
	pthread_mutex_lock(&b->lock);
	s->next = b->free;
	b->free = s;
	pthread_mutex_unlock(&b->lock);
}

static void queue_work(struct vblk *b, struct blk_slot *s)
{
	pthread_mutex_lock(&b->lock);
	s->next = NULL;
	if (b->work_tail)
		b->work_tail->next = s;
	else
		b->work_head = s;
	b->work_tail = s;
	b->inflight++;
	pthread_cond_signal(&b->work_cv);
	pthread_mutex_unlock(&b->lock);
}

/* Counts a request in flight, but only when it would be the only one. */
static bool blk_claim_if_idle(struct vblk *b)
{
	bool idle;

	pthread_mutex_lock(&b->lock);
	idle = !b->inflight;
	if (idle)
		b->inflight++;
	pthread_mutex_unlock(&b->lock);
	return idle;
}

/*
 * On the I/O thread. Guest-controlled: the request queue (virtq_pop) and
 * each request (blk_req_parse). A chain that cannot carry a status byte
 * breaks the device; other bad requests are answered with an error.
 *
 * Requests go to the workers, except a lone one (the queue empty after
 * it, nothing in flight): that one runs here, which spares a thread
 * hand-off per request when the guest waits for each (QD1 latency).
 */
static void blk_queue_notify(struct virtio_dev *vd, unsigned int q)
{
	struct vblk *b = to_vblk(vd);
	struct virtq *vq = &vd->queues[q].vq;
	unsigned int budget = VIRTIO_QUEUE_BUDGET;
	struct blk_slot *held = NULL;
	const char *why = NULL;

	/* Requests of features the driver did not accept are UNSUPP. */
	b->lim.discard = virtio_has_feature(vd, VIRTIO_BLK_F_DISCARD);
	b->lim.write_zeroes = virtio_has_feature(vd, VIRTIO_BLK_F_WRITE_ZEROES);
	do {
		virtq_disable_notify(vq);
		for (;;) {
			struct blk_slot *s;
			int r;

			if (!budget) {
				virtio_queue_yield(vd, q);
				goto hand_off;
			}
			s = get_slot(b);
			if (!s)
				goto hand_off; /* resumed when one completes */
			r = virtq_pop(vq, &s->chain, &why);
			if (r > 0)
				r = blk_req_parse(&s->chain, &b->lim, &s->req,
						  &why);
			else if (r == 0)
				r = 1;	/* nothing available */
			if (r) {
				put_slot(b, s);
				if (r < 0) {
					virtio_broken(vd, why);
					goto hand_off;
				}
				break;
			}
			/* The one before has company: both go to workers. */
			if (held)
				queue_work(b, held);
			held = s;
			budget--;
		}
	} while (virtq_enable_notify(vq));
	if (held && blk_claim_if_idle(b)) {
		blk_complete(b, held);
		return;
	}
hand_off:
	if (held)
		queue_work(b, held);
}

static void blk_wake(struct virtio_dev *vd)
{
	if (vd->queues[0].ready)
		blk_queue_notify(vd, 0);
}

static void blk_drain(struct virtio_dev *vd, bool cancel)
{
	struct vblk *b = to_vblk(vd);

	atomic_store(&b->cancel, cancel);
	pthread_mutex_lock(&b->lock);
	while (b->inflight)
		pthread_cond_wait(&b->idle_cv, &b->lock);
	b->starved = false;
	pthread_mutex_unlock(&b->lock);
	atomic_store(&b->cancel, false);
}

static int blk_flush(struct virtio_dev *vd)
{
	struct vblk *b = to_vblk(vd);

	if (b->lim.ro || b->fd < 0 || !fdatasync(b->fd))
		return 0;
	pr_err("%s: %s: fdatasync failed: %s", b->name, b->path,
	       strerror(errno));
	return -errno;
}

static void blk_take_over_lock(struct vblk *b);

static int blk_start(struct virtio_dev *vd)
{
	struct vblk *b = to_vblk(vd);
	pthread_attr_t attr;
	int ret = 0;

	if (b->lock_deferred)
		blk_take_over_lock(b);
	pthread_attr_init(&attr);
	/* Workers only copy between files and guest RAM. */
	pthread_attr_setstacksize(&attr, 256 * 1024);
	for (; b->nr_workers < BLK_WORKERS; b->nr_workers++) {
		ret = -pthread_create(&b->workers[b->nr_workers], &attr,
				      blk_worker, b);
		if (ret) {
			pr_err("%s: cannot start its I/O workers: %s", b->name,
			       strerror(-ret));
			break;
		}
	}
	pthread_attr_destroy(&attr);
	return ret;
}

/* After the I/O thread: workers finish queued requests, then exit. */
static void blk_stop(struct virtio_dev *vd)
{
	struct vblk *b = to_vblk(vd);

	pthread_mutex_lock(&b->lock);
	b->stopping = true;
	pthread_cond_broadcast(&b->work_cv);
	pthread_mutex_unlock(&b->lock);
	for (unsigned int i = 0; i < b->nr_workers; i++)
		pthread_join(b->workers[i], NULL);
	b->nr_workers = 0;
	/* A disk the guest did not write since its last flush is on disk. */
	if (!b->lim.ro && b->fd >= 0 && atomic_load(&b->unsynced) &&
	    fdatasync(b->fd))
		pr_warn("%s: %s: final fdatasync failed: %s", b->name, b->path,
			strerror(errno));
}

static void blk_destroy(struct virtio_dev *vd)
{
	struct vblk *b = to_vblk(vd);

	if (b->fd >= 0)
		close(b->fd);
	pthread_mutex_destroy(&b->lock);
	pthread_cond_destroy(&b->work_cv);
	pthread_cond_destroy(&b->idle_cv);
	free(b->slots);
	free(b->path);
	free(b);
}

/* When the image's contents last changed: 0 for a block device. */
static uint64_t blk_mtime_ns(struct vblk *b)
{
	struct stat st;

	if (b->is_blkdev || fstat(b->fd, &st))
		return 0;
	return (uint64_t)st.st_mtim.tv_sec * 1000000000ULL +
	       (uint64_t)st.st_mtim.tv_nsec;
}

/*
 * The image is not in the snapshot, only what the guest knows of it:
 * its size, and when it last changed (after the flush), so that a
 * restore can tell that the guest's cached blocks still match it.
 */
static int blk_save(struct virtio_dev *vd, struct state_writer *w)
{
	struct vblk *b = to_vblk(vd);

	state_begin(w, "virtio-blk", 1);
	state_put_u64(w, "capacity", b->lim.capacity);
	state_put_u64(w, "mtime_ns", blk_mtime_ns(b));
	return state_end(w);
}

static int blk_load(struct virtio_dev *vd, const void *rec, size_t len,
		    char *why, size_t why_len)
{
	struct vblk *b = to_vblk(vd);
	struct state_reader r;
	uint64_t capacity, mtime, now;
	int ret = state_open(&r, rec, len, "virtio-blk", 1, why, why_len);

	ret = ret ?: state_get_u64(&r, "capacity", &capacity);
	ret = ret ?: state_get_u64(&r, "mtime_ns", &mtime);
	if (ret)
		return ret;
	if (capacity != b->lim.capacity)
		return parse_error(why, why_len,
				   "%s: %s has %llu sectors; the guest had %llu",
				   b->name, b->path,
				   (unsigned long long)b->lim.capacity,
				   (unsigned long long)capacity);
	now = blk_mtime_ns(b);
	if (now != mtime && !vd->dev.vm->cfg->blk.allow_changed)
		return parse_error(why, why_len,
				   "%s: %s changed after the snapshot (the guest's cached blocks would not match it and its file system would be corrupted); restore with --allow-changed-disks if it holds what it held then (a copy)",
				   b->name, b->path);
	return 0;
}

/*
 * A live migration moves the guest, not its disks: both ends must use
 * the same image (shared storage). The handshake carries what the
 * source's image is; the destination refuses one of another size, and
 * on the same host one that is another file. Its contents are checked
 * at the end, by blk_load(): the source flushes the disk before its last
 * record, whose modification time the destination's image must have.
 */
static void blk_describe_backing(struct virtio_dev *vd, FILE *f)
{
	struct vblk *b = to_vblk(vd);
	struct stat st;

	if (fstat(b->fd, &st))
		memset(&st, 0, sizeof(st));
	fprintf(f, "\"bytes\": \"0x%llx\", \"dev\": \"0x%llx\", \"ino\": \"0x%llx\"",
		(unsigned long long)(b->lim.capacity * BLK_SECTOR_SIZE),
		(unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
}

static int blk_check_backing(struct virtio_dev *vd, const struct json_value *j,
			     bool same_host, char *why, size_t why_len)
{
	struct vblk *b = to_vblk(vd);
	uint64_t bytes, dev, ino;
	struct stat st;
	char err[160];
	int ret;

	ret = json_member_hex(j, "bytes", &bytes, err, sizeof(err));
	ret = ret ?: json_member_hex(j, "dev", &dev, err, sizeof(err));
	ret = ret ?: json_member_hex(j, "ino", &ino, err, sizeof(err));
	if (ret)
		return parse_error(why, why_len, "%s: manifest: %s", b->name,
				   err);
	if (bytes != b->lim.capacity * BLK_SECTOR_SIZE)
		return parse_error(why, why_len,
				   "%s: %s has %llu bytes here; the source's disk has %llu (a migration needs the disks the source uses)",
				   b->name, b->path,
				   (unsigned long long)(b->lim.capacity *
							BLK_SECTOR_SIZE),
				   (unsigned long long)bytes);
	if (!same_host || b->lim.ro || vd->dev.vm->cfg->blk.allow_changed)
		return 0;
	if (fstat(b->fd, &st) || st.st_dev != dev || st.st_ino != ino)
		return parse_error(why, why_len,
				   "%s: %s is not the file the source uses on this host (a migration needs the source's disks; --allow-changed-disks if this copy is the same)",
				   b->name, b->path);
	return 0;
}

static const struct virtio_dev_ops blk_ops = {
	.device_id = VIRTIO_ID_BLOCK,
	.nr_queues = 1,
	.config_size = BLK_CONFIG_SIZE,
	.config_read = blk_config_read,
	.queue_notify = blk_queue_notify,
	.wake = blk_wake,
	.drain = blk_drain,
	.flush = blk_flush,
	.save = blk_save,
	.load = blk_load,
	.describe_backing = blk_describe_backing,
	.check_backing = blk_check_backing,
	.start = blk_start,
	.stop = blk_stop,
	.destroy = blk_destroy,
};

/*
 * Two writers, or a writer and a reader, of one image corrupt it or
 * see it torn: a read-write disk takes an exclusive lock, a read-only
 * one a shared lock. Open file description locks, so that they belong
 * to this open file and go when lkvm closes it (or dies), and other
 * programs that lock images (QEMU) see them too. A file system without
 * locks is used without.
 */
static int blk_lock(struct vblk *b, bool ro)
{
	struct flock fl = { .l_type = ro ? F_RDLCK : F_WRLCK,
			    .l_whence = SEEK_SET };

	if (!fcntl(b->fd, F_OFD_SETLK, &fl))
		return 0;
	if (errno != EAGAIN && errno != EACCES) {
		pr_debug("--disk %s: not locked: %s", b->path, strerror(errno));
		return 0;
	}
	if (ro)
		pr_err("--disk %s,ro: another VM or program is writing to it (it holds a write lock), or it is named twice here, once read-write",
		       b->path);
	else
		pr_err("--disk %s: already in use (by another VM or program, or named twice here); two users, one writing, would corrupt it (,ro everywhere shares it read-only)",
		       b->path);
	return -EBUSY;
}

/*
 * A live migration's destination opens the source's disk while the
 * source still holds its lock: it takes the lock only once the guest is
 * its own, when the source (which stops writing at the hand-over and
 * exits once this side runs) lets go. The guest must run here now, so
 * a lock still held after the wait is a warning, not a failure.
 */
static void blk_take_over_lock(struct vblk *b)
{
	struct flock fl = { .l_type = b->lim.ro ? F_RDLCK : F_WRLCK,
			    .l_whence = SEEK_SET };

	b->lock_deferred = false;
	for (int ms = 0; ms < MIG_TAKEOVER_WAIT_MS; ms += 20) {
		if (!fcntl(b->fd, F_OFD_SETLK, &fl))
			return;
		if (errno != EAGAIN && errno != EACCES)
			return;
		usleep(20000);
	}
	pr_warn("--disk %s: the migration's source still holds its lock; running without it",
		b->path);
}

/* Opens the image; every refusal is one line naming the file. */
static int blk_open(struct vblk *b, const struct vm_disk *d)
{
	int flags = (d->ro ? O_RDONLY : O_RDWR) | O_CLOEXEC |
		    (d->direct ? O_DIRECT : 0);
	struct stat st;
	uint64_t size;

	b->fd = open(b->path, flags);
	if (b->fd < 0) {
		int err = errno;

		if (err == EISDIR)
			pr_err("--disk %s: became a directory after the options were read",
			       b->path);
		else if (!d->ro && (err == EACCES || err == EROFS || err == EPERM))
			pr_err("--disk %s: cannot open read-write: %s (add ,ro to use it read-only)",
			       b->path, strerror(err));
		else if (d->direct && err == EINVAL)
			pr_err("--disk %s,direct: cannot open with O_DIRECT: its file system does not support direct I/O",
			       b->path);
		else
			pr_err("--disk %s: cannot open: %s", b->path,
			       strerror(err));
		return -err;
	}
	if (fstat(b->fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode)) {
		pr_err("--disk %s: became a directory after the options were read",
		       b->path);
		return -EISDIR;
	}
	if (S_ISBLK(st.st_mode)) {
		int ssz = 0;

		if (ioctl(b->fd, BLKGETSIZE64, &size) < 0) {
			pr_err("--disk %s: cannot read the device size: %s",
			       b->path, strerror(errno));
			return -errno;
		}
		if (ioctl(b->fd, BLKSSZGET, &ssz) == 0 && ssz >= 512 &&
		    !(ssz & (ssz - 1)))
			b->blk_size = (uint32_t)ssz;
		b->is_blkdev = true;
	} else if (S_ISREG(st.st_mode)) {
		size = (uint64_t)st.st_size;
	} else {
		pr_err("--disk %s: not a regular file or a block device",
		       b->path);
		return -EINVAL;
	}
	if (size % BLK_SECTOR_SIZE) {
		pr_err("--disk %s: its size, %llu bytes, is not a multiple of 512",
		       b->path, (unsigned long long)size);
		return -EINVAL;
	}
	b->lim.capacity = size / BLK_SECTOR_SIZE;
	/* Stable across runs for the same image: device and inode. */
	snprintf(b->serial, sizeof(b->serial), "%llx-%llu",
		 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	return 0;
}

static int blk_create(struct vm *vm, const struct vm_disk *d,
		      unsigned int index)
{
	struct vblk *b = calloc(1, sizeof(*b));
	uint64_t features;
	int ret;

	if (!b)
		return -ENOMEM;
	b->fd = -1;
	b->blk_size = BLK_SECTOR_SIZE;
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->work_cv, NULL);
	pthread_cond_init(&b->idle_cv, NULL);
	snprintf(b->name, sizeof(b->name), "virtio-blk%u", index);
	b->path = strndup(d->path, d->path_len);
	b->slots = calloc(BLK_SLOTS, sizeof(*b->slots));
	if (!b->path || !b->slots) {
		blk_destroy(&b->vd);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < BLK_SLOTS; i++) {
		b->slots[i].next = b->free;
		b->free = &b->slots[i];
	}
	ret = blk_open(b, d);
	/* --dump-dtb only describes the disks: it runs nothing on them. */
	b->lock_deferred = vm->cfg->restore && vm->cfg->restore->incoming;
	if (!ret && !vm->cfg->dump_dtb && !b->lock_deferred)
		ret = blk_lock(b, d->ro);
	if (ret) {
		blk_destroy(&b->vd);
		return ret;
	}
	b->lim.seg_max = BLK_SEG_MAX;
	b->lim.size_max = BLK_SIZE_MAX;
	b->lim.ro = d->ro;
	b->backend = (struct blk_backend){
		.fd = b->fd,
		.ro = d->ro,
		.serial = b->serial,
		.name = b->name,
		.path = b->path,
		.io_rl = &b->io_rl,
		.cancel = &b->cancel,
		.unsynced = &b->unsynced,
	};
	b->lim.max_discard_sectors = BLK_MAX_DISCARD_SECTORS;
	b->lim.max_write_zeroes_sectors = BLK_MAX_WRITE_ZEROES_SECTORS;
	b->lim.max_write_zeroes_seg = BLK_MAX_WRITE_ZEROES_SEG;
	features = BIT_ULL(VIRTIO_BLK_F_SIZE_MAX) | BIT_ULL(VIRTIO_BLK_F_SEG_MAX) |
		   BIT_ULL(VIRTIO_BLK_F_BLK_SIZE) | BIT_ULL(VIRTIO_BLK_F_FLUSH) |
		   BIT_ULL(VIRTIO_RING_F_EVENT_IDX) |
		   BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC);
	if (d->ro)
		features |= BIT_ULL(VIRTIO_BLK_F_RO);
	else
		features |= BIT_ULL(VIRTIO_BLK_F_DISCARD) |
			    BIT_ULL(VIRTIO_BLK_F_WRITE_ZEROES);
	return virtio_mmio_create(vm, &b->vd, &blk_ops, features, b->name);
}

static int blk_instantiate(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->cfg->blk.nr_disks; i++) {
		int ret = blk_create(vm, &vm->cfg->blk.disks[i], i);

		if (ret)
			return ret;
	}
	return 0;
}

/* kvmtool: a directory given as a disk is the root file system, over 9p. */
static bool is_directory(const char *path, size_t len)
{
	char *p = strndup(path, len);
	struct stat st;
	bool dir = p && !stat(p, &st) && S_ISDIR(st.st_mode);

	free(p);
	return dir;
}

/* FILE[,ro][,direct]; the path ends at the first comma, as in kvmtool. */
static int set_disk(void *ctx, const char *arg)
{
	struct vm_config *cfg = CFG(ctx);
	struct vm_disk d = { .path = arg, .path_len = strcspn(arg, ",") };
	const char *p = arg + d.path_len;

	if (!d.path_len) {
		pr_err("--disk '%s': expected FILE[,ro][,direct]", arg);
		return -EINVAL;
	}
	while (*p == ',') {
		size_t n = strcspn(++p, ",");

		if (n == 2 && !strncmp(p, "ro", 2)) {
			d.ro = true;
		} else if (n == 6 && !strncmp(p, "direct", 6)) {
			d.direct = true;
		} else {
			pr_err("--disk '%s': unknown flag '%.*s' (expected ro or direct)",
			       arg, (int)n, p);
			return -EINVAL;
		}
		p += n;
	}
	if (is_directory(d.path, d.path_len)) {
		if (d.direct) {
			pr_err("--disk '%s': ,direct is for images; a directory is shared over 9p",
			       arg);
			return -EINVAL;
		}
		return virtio_9p_set_root(cfg, d.path, d.path_len, d.ro);
	}
	if (cfg->blk.nr_disks == VM_MAX_DISKS) {
		pr_err("--disk %s: at most %u disks", arg, VM_MAX_DISKS);
		return -E2BIG;
	}
	cfg->blk.disks[cfg->blk.nr_disks++] = d;
	return 0;
}

static const struct opt blk_options[] = {
	{ OPT_VALUE, 'd', "disk", "image[,ro][,direct]", "A raw disk image or block device as virtio-blk (repeatable; the first is root=/dev/vda), or a directory: the root file system over 9p", set_disk },
	OPT_TABLE_END,
};

const struct device_model virtio_blk_model = {
	.name = "virtio-blk",
	.options = blk_options,
	.instantiate = blk_instantiate,
	.describe_config = blk_describe_config,
	.config_from_manifest = blk_config_from_manifest,
};

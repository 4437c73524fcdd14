/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_VIRTIO_H
#define LKVM_VIRTIO_H

#include <lkvm/device.h>
#include <lkvm/guest_mem.h>
#include <lkvm/log.h>
#include <lkvm/seccomp.h>
#include <lkvm/virtqueue.h>

#include <pthread.h>
#include <stdatomic.h>

/*
 * virtio devices on the virtio-mmio transport, version 2 (VIRTIO 1.2
 * section 4.2). The transport (virtio/mmio.c) owns the registers, the
 * status state machine, feature negotiation, the queues' configuration,
 * the interrupt status and one I/O thread per device; a device model
 * (virtio/console.c, rng.c, blk.c) supplies a const struct
 * virtio_dev_ops and handles its queues on that thread.
 */

#define VIRTIO_MMIO_MAGIC 0x74726976U	/* "virt" */
#define VIRTIO_MMIO_VERSION 2U
#define VIRTIO_MMIO_VENDOR 0x4d564b4cU	/* "LKVM", as kvmtool */

/* Register offsets (section 4.2.2). */
enum {
	VIRTIO_MMIO_MAGIC_VALUE = 0x000,
	VIRTIO_MMIO_VERSION_REG = 0x004,
	VIRTIO_MMIO_DEVICE_ID = 0x008,
	VIRTIO_MMIO_VENDOR_ID = 0x00c,
	VIRTIO_MMIO_DEVICE_FEATURES = 0x010,
	VIRTIO_MMIO_DEVICE_FEATURES_SEL = 0x014,
	VIRTIO_MMIO_DRIVER_FEATURES = 0x020,
	VIRTIO_MMIO_DRIVER_FEATURES_SEL = 0x024,
	VIRTIO_MMIO_QUEUE_SEL = 0x030,
	VIRTIO_MMIO_QUEUE_NUM_MAX = 0x034,
	VIRTIO_MMIO_QUEUE_NUM = 0x038,
	VIRTIO_MMIO_QUEUE_READY = 0x044,
	VIRTIO_MMIO_QUEUE_NOTIFY = 0x050,
	VIRTIO_MMIO_INTERRUPT_STATUS = 0x060,
	VIRTIO_MMIO_INTERRUPT_ACK = 0x064,
	VIRTIO_MMIO_STATUS = 0x070,
	VIRTIO_MMIO_QUEUE_DESC_LOW = 0x080,
	VIRTIO_MMIO_QUEUE_DESC_HIGH = 0x084,
	VIRTIO_MMIO_QUEUE_DRIVER_LOW = 0x090,
	VIRTIO_MMIO_QUEUE_DRIVER_HIGH = 0x094,
	VIRTIO_MMIO_QUEUE_DEVICE_LOW = 0x0a0,
	VIRTIO_MMIO_QUEUE_DEVICE_HIGH = 0x0a4,
	VIRTIO_MMIO_SHM_SEL = 0x0ac,
	VIRTIO_MMIO_SHM_LEN_LOW = 0x0b0,
	VIRTIO_MMIO_SHM_LEN_HIGH = 0x0b4,
	VIRTIO_MMIO_SHM_BASE_LOW = 0x0b8,
	VIRTIO_MMIO_SHM_BASE_HIGH = 0x0bc,
	VIRTIO_MMIO_CONFIG_GENERATION = 0x0fc,
	VIRTIO_MMIO_CONFIG = 0x100,
};

/* Device status bits (section 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1U
#define VIRTIO_STATUS_DRIVER 2U
#define VIRTIO_STATUS_DRIVER_OK 4U
#define VIRTIO_STATUS_FEATURES_OK 8U
#define VIRTIO_STATUS_NEEDS_RESET 64U
#define VIRTIO_STATUS_FAILED 128U

/* Transport feature bits (section 6). */
#define VIRTIO_RING_F_INDIRECT_DESC 28
#define VIRTIO_RING_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32

/* InterruptStatus bits. */
#define VIRTIO_ISR_VRING 1U
#define VIRTIO_ISR_CONFIG 2U

enum {
	VIRTIO_ID_BLOCK = 2,
	VIRTIO_ID_CONSOLE = 3,
	VIRTIO_ID_RNG = 4,
};

/* The sandbox channel: four ports and the control pair, two each. */
#define VIRTIO_MAX_QUEUES 10U

#define BIT_ULL(n) (1ULL << (n))

struct virtio_dev;
struct state_writer;

/* What a device model supplies; one const table per model. */
struct virtio_dev_ops {
	uint32_t device_id;
	unsigned int nr_queues;
	uint32_t config_size;
	/* @offset + @len <= config_size, naturally aligned: checked. */
	void (*config_read)(struct virtio_dev *vd, uint32_t offset,
			    uint8_t *data, unsigned int len);
	void (*config_write)(struct virtio_dev *vd, uint32_t offset,
			     const uint8_t *data, unsigned int len);
	/*
	 * On the I/O thread with the queue lock held, the device live
	 * (DRIVER_OK, not NEEDS_RESET) and queue @q ready.
	 */
	void (*queue_notify)(struct virtio_dev *vd, unsigned int q);
	/*
	 * The device's start() puts its queues' kick eventfds (and whatever
	 * else it waits on) in the main thread's event loop (vm->loop), and
	 * its handlers do the queues' work with the queue lock held: the
	 * transport starts no I/O thread for it (no thread to start, filter
	 * and join, no hand-off per kick), and calls neither queue_notify
	 * nor wake. Such a device has quiet().
	 */
	bool on_main_loop;
	/* On the I/O thread, queue lock held: virtio_wake() was called. */
	void (*wake)(struct virtio_dev *vd);
	/*
	 * Queue lock held: returns once no request is in flight; @cancel
	 * (a reset) cuts long requests short.
	 */
	void (*drain)(struct virtio_dev *vd, bool cancel);
	/* After drain, for a snapshot: what was written reaches the disk. */
	int (*flush)(struct virtio_dev *vd);
	/*
	 * On the main thread, for an on_main_loop device: @quiet, quiesced
	 * (the main thread holds the queue lock until it is let go: its
	 * handlers must leave the loop); !@quiet, back to work.
	 */
	void (*quiet)(struct virtio_dev *vd, bool quiet);
	/*
	 * Queue lock held, after drain, on a device reset: forget what the
	 * driver set up, so that the next driver meets a device as new.
	 */
	void (*reset)(struct virtio_dev *vd);
	/* Device threads beyond the transport's I/O thread (if any). */
	int (*start)(struct virtio_dev *vd);
	void (*stop)(struct virtio_dev *vd);
	void (*destroy)(struct virtio_dev *vd);
	/* What the device's threads need beyond SECCOMP_IO (may be NULL). */
	const struct seccomp_extra *seccomp;
	/*
	 * The device's own guest-visible state, a record nested in the
	 * transport's (virtio_dev_save()); both locks held, queues quiet.
	 * load() checks everything and explains in @why. NULL: none.
	 */
	int (*save)(struct virtio_dev *vd, struct state_writer *w);
	int (*load)(struct virtio_dev *vd, const void *rec, size_t len,
		    char *why, size_t why_len);
	/* device_ops' describe_backing and check_backing. NULL: none. */
	void (*describe_backing)(struct virtio_dev *vd, FILE *f);
	int (*check_backing)(struct virtio_dev *vd, const struct json_value *j,
			     bool same_host, char *why, size_t why_len);
};

struct virtio_queue {
	uint32_t num;
	bool ready;
	uint64_t desc, avail, used;	/* as the guest wrote them */
	struct virtq vq;		/* valid while ready */
	int kick_efd;			/* QueueNotify for this queue */
};

struct virtio_dev {
	struct device dev;
	const struct virtio_dev_ops *vops;
	const struct guest_mem *mem;
	uint64_t host_features;

	/* Register state; taken on vcpu threads. */
	pthread_mutex_t reg_lock;
	uint32_t dev_features_sel;
	uint32_t drv_features_sel;
	uint32_t queue_sel;
	uint64_t driver_features;
	uint32_t config_generation;

	/*
	 * Held by the I/O thread while it handles a queue, and by a vcpu
	 * thread while it reconfigures queues or resets the device.
	 */
	pthread_mutex_t queue_lock;
	struct virtio_queue queues[VIRTIO_MAX_QUEUES];

	atomic_uint status;
	atomic_uint isr;
	int irq_efd;			/* KVM_IRQFD; written to interrupt */
	int wake_efd;
	int stop_efd;
	pthread_t thread;
	bool thread_started;
	/*
	 * QueueNotify is handled on the vcpu thread that wrote it, which
	 * does the queue's work there and then, and no ioeventfd is bound
	 * (vm_config.notify_on_vcpu; virtio.md).
	 */
	bool notify_on_vcpu;
	struct log_ratelimit log_rl;
};

/*
 * Sets up the transport state of @vd (no KVM, no threads: unit tests use
 * it with fake guest memory). Returns 0 or -errno.
 */
int virtio_dev_setup(struct virtio_dev *vd, const struct guest_mem *mem,
		     const struct virtio_dev_ops *vops, uint64_t features,
		     const char *name);
void virtio_dev_teardown(struct virtio_dev *vd);

/*
 * Creates the virtio-mmio device: the next free slot of the virtio-mmio
 * window, an SPI, the MMIO region, and adds it to the VM.
 */
int virtio_mmio_create(struct vm *vm, struct virtio_dev *vd,
		       const struct virtio_dev_ops *vops, uint64_t features,
		       const char *name);

/* One guest access to the register window (the MMIO bus handler). */
void virtio_mmio_access(struct virtio_dev *vd, uint64_t offset,
			uint8_t *data, unsigned int len, bool is_write);

/* Whether the driver took feature @bit. */
static inline bool virtio_has_feature(const struct virtio_dev *vd,
				      unsigned int bit)
{
	return bit < 64 && (vd->driver_features & BIT_ULL(bit));
}

/* Sets @bits in InterruptStatus and signals the interrupt. */
void virtio_raise_irq(struct virtio_dev *vd, unsigned int bits);

/* Interrupts the guest if @q's used ring asks for it (queue lock held). */
void virtio_queue_interrupt(struct virtio_dev *vd, struct virtq *vq);

/*
 * The guest broke the device's rules (@why): sets DEVICE_NEEDS_RESET,
 * stops handling its queues until the guest resets it, and logs one
 * rate-limited line. lkvm goes on.
 */
void virtio_broken(struct virtio_dev *vd, const char *why);

/*
 * The transport's state (registers, features, every queue) with the
 * device's own nested inside, as a "virtio-mmio" record, from a device
 * that is quiet (virtio_dev_quiesce(), or no threads yet); and back,
 * before the device starts: every queue is checked as a driver enabling
 * it would be, and one that had requests in flight is refused. 0, or
 * -errno (-EINVAL with @why for a record this device cannot take).
 */
int virtio_dev_save(struct virtio_dev *vd, struct state_writer *w);
/*
 * @quiet: holds the device's locks, waits until no request is in flight
 * and flushes what was written (0 or -errno); !@quiet lets it go on.
 */
int virtio_dev_quiesce(struct virtio_dev *vd, bool quiet);
int virtio_dev_load(struct virtio_dev *vd, const void *rec, size_t len,
		    char *why, size_t why_len);

/* Makes the I/O thread call ops->wake(); safe from any thread. */
void virtio_wake(struct virtio_dev *vd);

/*
 * Chains one call of a queue handler takes before it lets the I/O thread
 * do other work. A guest that keeps adding buffers from another vcpu, or
 * whose buffers alias its own ring so that the device's writes add more,
 * must not hold the thread, and a stop that waits for it, forever.
 */
#define VIRTIO_QUEUE_BUDGET VIRTQ_MAX_SIZE

/*
 * A handler that used its budget with work left: the I/O thread comes
 * back to queue @q after what else is pending (a stop included).
 */
void virtio_queue_yield(struct virtio_dev *vd, unsigned int q);

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio-mmio transport, version 2 (VIRTIO 1.2 section 4.2): the
 * register window, the status state machine, feature negotiation, queue
 * configuration, and one I/O thread per device that handles queue
 * notifications (KVM_IOEVENTFD on QueueNotify) and interrupts the guest
 * through KVM_IRQFD, so that device work never runs on a vcpu thread.
 */
#include <lkvm/virtio.h>

#include <lkvm/fd_io.h>
#include <lkvm/irq.h>
#include <lkvm/kvm.h>
#include <lkvm/run_options.h>
#include <lkvm/seccomp.h>
#include <lkvm/vm.h>

#include <endian.h>
#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define IO_EVENT_STOP (VIRTIO_MAX_QUEUES + 1)
#define IO_EVENT_WAKE (VIRTIO_MAX_QUEUES + 2)

static int new_efd(void)
{
	return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

int virtio_dev_setup(struct virtio_dev *vd, const struct guest_mem *mem,
		     const struct virtio_dev_ops *vops, uint64_t features,
		     const char *name)
{
	vd->vops = vops;
	vd->mem = mem;
	vd->dev.name = name;
	vd->host_features = features | BIT_ULL(VIRTIO_F_VERSION_1);
	pthread_mutex_init(&vd->reg_lock, NULL);
	pthread_mutex_init(&vd->queue_lock, NULL);
	atomic_init(&vd->status, 0);
	atomic_init(&vd->isr, 0);
	vd->irq_efd = new_efd();
	vd->wake_efd = new_efd();
	vd->stop_efd = new_efd();
	for (unsigned int q = 0; q < VIRTIO_MAX_QUEUES; q++)
		vd->queues[q].kick_efd = q < vops->nr_queues ? new_efd() : -1;
	if (vd->irq_efd < 0 || vd->wake_efd < 0 || vd->stop_efd < 0)
		return -errno;
	for (unsigned int q = 0; q < vops->nr_queues; q++)
		if (vd->queues[q].kick_efd < 0)
			return -errno;
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void virtio_dev_teardown(struct virtio_dev *vd)
{
	close_fd(&vd->irq_efd);
	close_fd(&vd->wake_efd);
	close_fd(&vd->stop_efd);
	for (unsigned int q = 0; q < VIRTIO_MAX_QUEUES; q++)
		close_fd(&vd->queues[q].kick_efd);
	pthread_mutex_destroy(&vd->reg_lock);
	pthread_mutex_destroy(&vd->queue_lock);
}

void virtio_raise_irq(struct virtio_dev *vd, unsigned int bits)
{
	atomic_fetch_or(&vd->isr, bits);
	efd_signal(vd->irq_efd);
}

void virtio_queue_interrupt(struct virtio_dev *vd, struct virtq *vq)
{
	if (virtq_should_interrupt(vq))
		virtio_raise_irq(vd, VIRTIO_ISR_VRING);
}

void virtio_broken(struct virtio_dev *vd, const char *why)
{
	unsigned int old = atomic_fetch_or(&vd->status,
					   VIRTIO_STATUS_NEEDS_RESET);

	if (log_ratelimit_ok(&vd->log_rl, 3))
		pr_warn("%s: the guest broke the virtio rules (%s): device needs reset",
			vd->dev.name, why);
	if (!(old & VIRTIO_STATUS_NEEDS_RESET))
		virtio_raise_irq(vd, VIRTIO_ISR_CONFIG);
}

void virtio_wake(struct virtio_dev *vd)
{
	efd_signal(vd->wake_efd);
}

void virtio_queue_yield(struct virtio_dev *vd, unsigned int q)
{
	if (q < vd->vops->nr_queues)
		efd_signal(vd->queues[q].kick_efd);
}

/* The device handles its queues only between DRIVER_OK and a reset. */
static bool device_live(const struct virtio_dev *vd)
{
	unsigned int s = atomic_load(&vd->status);

	return (s & VIRTIO_STATUS_DRIVER_OK) &&
	       !(s & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED));
}

/* Register side. Everything below runs with reg_lock held. */

static struct virtio_queue *selected_queue(struct virtio_dev *vd)
{
	if (vd->queue_sel >= vd->vops->nr_queues)
		return NULL;
	return &vd->queues[vd->queue_sel];
}

/* Waits for in-flight requests and stops using every queue. */
static void quiesce_queues(struct virtio_dev *vd, struct virtio_queue *only)
{
	pthread_mutex_lock(&vd->queue_lock);
	if (vd->vops->drain)
		vd->vops->drain(vd, true);
	if (!only && vd->vops->reset)
		vd->vops->reset(vd);
	for (unsigned int q = 0; q < vd->vops->nr_queues; q++) {
		struct virtio_queue *vq = &vd->queues[q];

		if (only && vq != only)
			continue;
		vq->ready = false;
		memset(&vq->vq, 0, sizeof(vq->vq));
		if (!only) {
			vq->num = 0;
			vq->desc = vq->avail = vq->used = 0;
		}
	}
	pthread_mutex_unlock(&vd->queue_lock);
}

static void device_reset(struct virtio_dev *vd)
{
	quiesce_queues(vd, NULL);
	vd->dev_features_sel = 0;
	vd->drv_features_sel = 0;
	vd->queue_sel = 0;
	vd->driver_features = 0;
	atomic_store(&vd->isr, 0);
	atomic_store(&vd->status, 0);
}

/*
 * Guest-controlled: the queue's size and addresses, written earlier.
 * Checked by virtq_init(); a queue the guest cannot have meant breaks
 * the device instead of being used.
 */
static void enable_queue(struct virtio_dev *vd, struct virtio_queue *q)
{
	const char *why = NULL;
	struct virtq vq;

	if (!(atomic_load(&vd->status) & VIRTIO_STATUS_FEATURES_OK)) {
		virtio_broken(vd, "queue enabled before FEATURES_OK");
		return;
	}
	if (virtq_init(&vq, vd->mem, q->num, q->desc, q->avail, q->used,
		       virtio_has_feature(vd, VIRTIO_RING_F_EVENT_IDX),
		       virtio_has_feature(vd, VIRTIO_RING_F_INDIRECT_DESC),
		       &why)) {
		virtio_broken(vd, why);
		return;
	}
	pthread_mutex_lock(&vd->queue_lock);
	q->vq = vq;
	q->ready = true;
	pthread_mutex_unlock(&vd->queue_lock);
}

static bool features_acceptable(const struct virtio_dev *vd)
{
	return !(vd->driver_features & ~vd->host_features) &&
	       (vd->driver_features & BIT_ULL(VIRTIO_F_VERSION_1));
}

/*
 * Guest-controlled: @v. Writing 0 resets the device. Otherwise the
 * driver may only add bits (section 2.1.2); FEATURES_OK sticks only for
 * a feature set the device offered that includes VERSION_1; DRIVER_OK
 * needs FEATURES_OK. NEEDS_RESET is the device's and survives.
 */
static void write_status(struct virtio_dev *vd, uint32_t v)
{
	unsigned int old = atomic_load(&vd->status), next;

	if (!v) {
		device_reset(vd);
		return;
	}
	do {
		next = v & 0xffU & ~VIRTIO_STATUS_NEEDS_RESET;
		if ((old & ~VIRTIO_STATUS_NEEDS_RESET) & ~next)
			return;	/* a bit cleared without a reset: ignored */
		if ((next & VIRTIO_STATUS_FEATURES_OK) &&
		    !(old & VIRTIO_STATUS_FEATURES_OK) &&
		    !features_acceptable(vd))
			next &= ~VIRTIO_STATUS_FEATURES_OK;
		if (!(next & VIRTIO_STATUS_FEATURES_OK))
			next &= ~VIRTIO_STATUS_DRIVER_OK;
		next |= old & VIRTIO_STATUS_NEEDS_RESET;
	} while (!atomic_compare_exchange_weak(&vd->status, &old, next));

	/* Buffers queued before DRIVER_OK get looked at now. */
	if ((next & VIRTIO_STATUS_DRIVER_OK) && !(old & VIRTIO_STATUS_DRIVER_OK))
		for (unsigned int q = 0; q < vd->vops->nr_queues; q++)
			efd_signal(vd->queues[q].kick_efd);
}

static void set_half(uint64_t *v, bool high, uint32_t half)
{
	if (high)
		*v = (*v & 0xffffffffULL) | ((uint64_t)half << 32);
	else
		*v = (*v & ~0xffffffffULL) | half;
}

/* Guest-controlled: @off (4-byte aligned, below the config space), @v. */
static void write_reg(struct virtio_dev *vd, uint64_t off, uint32_t v)
{
	struct virtio_queue *q = selected_queue(vd);
	/* Queue registers are writable only while the queue is disabled. */
	struct virtio_queue *qw = q && !q->ready ? q : NULL;

	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		vd->dev_features_sel = v;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		vd->drv_features_sel = v;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		/* Features are fixed once FEATURES_OK is set. */
		if (vd->drv_features_sel < 2 &&
		    !(atomic_load(&vd->status) & VIRTIO_STATUS_FEATURES_OK))
			set_half(&vd->driver_features, vd->drv_features_sel, v);
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		vd->queue_sel = v;
		break;
	case VIRTIO_MMIO_QUEUE_NUM:
		if (qw)
			qw->num = v;
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		if (q && (v & 1) && !q->ready)
			enable_queue(vd, q);
		else if (q && !(v & 1) && q->ready)
			quiesce_queues(vd, q);
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		/* Reached only when KVM's ioeventfd did not take the write. */
		if (v < vd->vops->nr_queues)
			efd_signal(vd->queues[v].kick_efd);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		atomic_fetch_and(&vd->isr, ~v);
		break;
	case VIRTIO_MMIO_STATUS:
		write_status(vd, v);
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		if (qw)
			set_half(&qw->desc, off & 4, v);
		break;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		if (qw)
			set_half(&qw->avail, off & 4, v);
		break;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		if (qw)
			set_half(&qw->used, off & 4, v);
		break;
	default:	/* read-only or unknown: ignored */
		break;
	}
}

static uint32_t read_reg(struct virtio_dev *vd, uint64_t off)
{
	struct virtio_queue *q = selected_queue(vd);

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION_REG:
		return VIRTIO_MMIO_VERSION;
	case VIRTIO_MMIO_DEVICE_ID:
		return vd->vops->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		if (vd->dev_features_sel >= 2)
			return 0;
		return (uint32_t)(vd->host_features >>
				  (32 * vd->dev_features_sel));
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return q ? VIRTQ_MAX_SIZE : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return q ? q->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return atomic_load(&vd->isr);
	case VIRTIO_MMIO_STATUS:
		return atomic_load(&vd->status);
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
	case VIRTIO_MMIO_SHM_BASE_LOW:
	case VIRTIO_MMIO_SHM_BASE_HIGH:
		return 0xffffffffU;	/* no shared memory regions */
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return vd->config_generation;
	default:	/* write-only or unknown */
		return 0;
	}
}

static void io_event(struct virtio_dev *vd, uint64_t what);

/*
 * Guest-controlled: @offset, @len and @data. The bus guarantees only
 * that the access lies inside the 512-byte window. Registers take
 * aligned 32-bit accesses; the config space takes naturally aligned 1, 2
 * or 4-byte accesses inside its size. Anything else reads as zero and is
 * ignored.
 */
void virtio_mmio_access(struct virtio_dev *vd, uint64_t offset,
			uint8_t *data, unsigned int len, bool is_write)
{
	uint32_t v = 0;

	/*
	 * The queue's work, there and then, without the register lock: a
	 * request may take long, and the queue lock is what orders it
	 * with the I/O thread's work and with queue changes.
	 */
	if (vd->notify_on_vcpu && is_write &&
	    offset == VIRTIO_MMIO_QUEUE_NOTIFY && len == 4) {
		memcpy(&v, data, 4);
		v = le32toh(v);
		if (v < vd->vops->nr_queues)
			io_event(vd, v);
		return;
	}

	if (!is_write)
		memset(data, 0, len);
	if (offset >= VIRTIO_MMIO_CONFIG) {
		uint64_t off = offset - VIRTIO_MMIO_CONFIG;

		if ((len != 1 && len != 2 && len != 4) || off % len ||
		    off + len > vd->vops->config_size)
			return;
		pthread_mutex_lock(&vd->reg_lock);
		if (!is_write)
			vd->vops->config_read(vd, (uint32_t)off, data, len);
		else if (vd->vops->config_write)
			vd->vops->config_write(vd, (uint32_t)off, data, len);
		pthread_mutex_unlock(&vd->reg_lock);
		return;
	}
	if (len != 4 || offset % 4)
		return;
	pthread_mutex_lock(&vd->reg_lock);
	if (is_write) {
		memcpy(&v, data, 4);
		write_reg(vd, offset, le32toh(v));
	} else {
		v = htole32(read_reg(vd, offset));
		memcpy(data, &v, 4);
	}
	pthread_mutex_unlock(&vd->reg_lock);
}

/* The I/O thread: queue notifications, wake-ups, stop. */

static void io_event(struct virtio_dev *vd, uint64_t what)
{
	pthread_mutex_lock(&vd->queue_lock);
	if (device_live(vd)) {
		if (what == IO_EVENT_WAKE) {
			if (vd->vops->wake)
				vd->vops->wake(vd);
		} else if (what < vd->vops->nr_queues &&
			   vd->queues[what].ready) {
			vd->vops->queue_notify(vd, (unsigned int)what);
		}
	}
	pthread_mutex_unlock(&vd->queue_lock);
}

static int io_add(int epfd, int fd, uint64_t what)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = what };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static void *io_thread(void *arg)
{
	struct virtio_dev *vd = arg;
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	char name[16];
	bool stop = false;

	snprintf(name, sizeof(name), "lkvm-%s", vd->dev.name);
	pthread_setname_np(pthread_self(), name);
	if (epfd < 0 || io_add(epfd, vd->stop_efd, IO_EVENT_STOP) ||
	    io_add(epfd, vd->wake_efd, IO_EVENT_WAKE)) {
		pr_err("%s: cannot set up its I/O thread: %s", vd->dev.name,
		       strerror(errno));
		vm_request_stop(vd->dev.vm, VM_EXIT_ERROR);
		stop = true;
	}
	for (unsigned int q = 0; !stop && q < vd->vops->nr_queues; q++)
		io_add(epfd, vd->queues[q].kick_efd, q);
	/* Set up; from here on only guest-driven work. */
	if (!stop && seccomp_enter(vd->dev.vm, SECCOMP_IO, name,
				   vd->vops->seccomp)) {
		vm_request_stop(vd->dev.vm, VM_EXIT_ERROR);
		stop = true;
	}

	while (!stop) {
		struct epoll_event ev[VIRTIO_MAX_QUEUES + 2];
		int n = epoll_wait(epfd, ev, (int)ARRAY_SIZE(ev), -1);

		for (int i = 0; i < n; i++) {
			uint64_t what = ev[i].data.u64;

			if (what == IO_EVENT_STOP) {
				stop = true;
				break;
			}
			efd_drain(what == IO_EVENT_WAKE ?
					  vd->wake_efd :
					  vd->queues[what].kick_efd);
			io_event(vd, what);
		}
	}
	if (epfd >= 0)
		close(epfd);
	return NULL;
}

static uint64_t notify_addr(const struct virtio_dev *vd)
{
	return vd->dev.mmio_base + VIRTIO_MMIO_QUEUE_NOTIFY;
}

static int virtio_mmio_start(struct device *dev)
{
	struct virtio_dev *vd = container_of(dev, struct virtio_dev, dev);
	int ret;

	/* The vGIC is initialised by now, as KVM_IRQFD on arm64 needs. */
	ret = vm_irqfd(dev->vm, dev->spi, vd->irq_efd);
	if (ret)
		return ret;
	/* Where one fails, QueueNotify exits and the handler kicks. */
	for (unsigned int q = 0; !vd->notify_on_vcpu && q < vd->vops->nr_queues;
	     q++)
		vm_ioeventfd(dev->vm, notify_addr(vd), 4, q,
			     vd->queues[q].kick_efd);
	if (!vd->vops->on_main_loop) {
		ret = -pthread_create(&vd->thread, NULL, io_thread, vd);
		if (ret) {
			pr_err("%s: cannot start its I/O thread: %s", dev->name,
			       strerror(-ret));
			return ret;
		}
		vd->thread_started = true;
	}
	ret = vd->vops->start ? vd->vops->start(vd) : 0;
	/* A loaded device may have buffers waiting since before it was saved. */
	for (unsigned int q = 0; !ret && q < vd->vops->nr_queues; q++)
		if (vd->queues[q].ready)
			efd_signal(vd->queues[q].kick_efd);
	/*
	 * And an interrupt the guest has not acknowledged: KVM injects an
	 * irqfd's interrupt asynchronously, so one raised as the device was
	 * quiesced may have missed the saved GIC state. Raising it again is
	 * harmless if it did not (an edge that is already pending).
	 */
	if (!ret && atomic_load(&vd->isr))
		efd_signal(vd->irq_efd);
	return ret;
}

static void virtio_mmio_stop(struct device *dev)
{
	struct virtio_dev *vd = container_of(dev, struct virtio_dev, dev);

	if (vd->thread_started) {
		efd_signal(vd->stop_efd);
		pthread_join(vd->thread, NULL);
		vd->thread_started = false;
	}
	/* After the I/O thread: it may still have been handing out work. */
	if (vd->vops->stop)
		vd->vops->stop(vd);
	/*
	 * The ioeventfds and the irqfd stay bound: a stopped VM never runs
	 * again, and closing the VM (or the eventfds) releases them. Undoing
	 * them here, one at a time, waited for a KVM SRCU grace period each
	 * (synchronize_srcu() after KVM_IRQFD's deassign, the expedited one
	 * after KVM_IOEVENTFD's): 25 to 120 ms of a sandbox's stop in the
	 * nested test host (testing.md, issue 17), where the VM's close lets
	 * KVM's workqueue drop every irqfd at once.
	 */
}

static void virtio_mmio_destroy(struct device *dev)
{
	struct virtio_dev *vd = container_of(dev, struct virtio_dev, dev);

	virtio_dev_teardown(vd);
	/* The model frees the structure that embeds @vd. */
	vd->vops->destroy(vd);
}

static int virtio_mmio_fdt_node(const struct device *dev, void *fdt)
{
	fdt64_t reg[2] = { cpu_to_fdt64(dev->mmio_base),
			   cpu_to_fdt64(dev->mmio_size) };
	char name[32];
	int ret;

	snprintf(name, sizeof(name), "virtio@%llx",
		 (unsigned long long)dev->mmio_base);
	ret = fdt_begin_node(fdt, name);
	ret = ret ?: fdt_property_string(fdt, "compatible", "virtio,mmio");
	ret = ret ?: fdt_property(fdt, "reg", reg, sizeof(reg));
	ret = ret ?: fdt_property(fdt, "dma-coherent", NULL, 0);
	ret = ret ?: fdt_prop_spi(fdt, dev->spi, true);
	return ret ?: fdt_end_node(fdt);
}

static int virtio_mmio_save(struct device *dev, struct state_writer *w)
{
	return virtio_dev_save(container_of(dev, struct virtio_dev, dev), w);
}

static int virtio_mmio_load(struct device *dev, const void *rec, size_t len,
			    char *why, size_t why_len)
{
	return virtio_dev_load(container_of(dev, struct virtio_dev, dev), rec,
			       len, why, why_len);
}

static int virtio_mmio_quiesce(struct device *dev, bool quiet)
{
	return virtio_dev_quiesce(container_of(dev, struct virtio_dev, dev),
				  quiet);
}

static void virtio_mmio_describe_backing(struct device *dev, FILE *f)
{
	struct virtio_dev *vd = container_of(dev, struct virtio_dev, dev);

	if (vd->vops->describe_backing)
		vd->vops->describe_backing(vd, f);
}

static int virtio_mmio_check_backing(struct device *dev,
				     const struct json_value *j,
				     bool same_host, char *why, size_t why_len)
{
	struct virtio_dev *vd = container_of(dev, struct virtio_dev, dev);

	return vd->vops->check_backing ?
		       vd->vops->check_backing(vd, j, same_host, why, why_len) :
		       0;
}

static const struct device_ops virtio_mmio_ops = {
	.fdt_node = virtio_mmio_fdt_node,
	.start = virtio_mmio_start,
	.stop = virtio_mmio_stop,
	.destroy = virtio_mmio_destroy,
	.save = virtio_mmio_save,
	.load = virtio_mmio_load,
	.quiesce = virtio_mmio_quiesce,
	.describe_backing = virtio_mmio_describe_backing,
	.check_backing = virtio_mmio_check_backing,
};

static void virtio_mmio_handler(void *opaque, uint64_t offset,
				uint8_t *data, unsigned int len, bool is_write)
{
	virtio_mmio_access(opaque, offset, data, len, is_write);
}

/*
 * The vcpu threads will do @vd's queue work: their filter becomes
 * SECCOMP_VCPU_IO with the device's extra. One extra only: the filters
 * are compiled when lkvm is built, one per kind and extra.
 */
static int notify_on_vcpu(struct vm *vm, struct virtio_dev *vd)
{
	const struct seccomp_extra *x = vd->vops->seccomp;

	if (x && vm->vcpu_filter_extra && vm->vcpu_filter_extra != x) {
		pr_err("%s: its queue work cannot run on the vcpu threads beside another device's (system-call filters %s and %s)",
		       vd->dev.name, x->name, vm->vcpu_filter_extra->name);
		return -EINVAL;
	}
	if (x)
		vm->vcpu_filter_extra = x;
	vm->vcpu_filter = SECCOMP_VCPU_IO;
	vd->notify_on_vcpu = true;
	return 0;
}

int virtio_mmio_create(struct vm *vm, struct virtio_dev *vd,
		       const struct virtio_dev_ops *vops, uint64_t features,
		       const char *name)
{
	int ret;

	vd->dev.ops = &virtio_mmio_ops;
	vd->dev.irq_edge = true;
	ret = virtio_dev_setup(vd, &vm->ram, vops, features, name);
	/* From here on the VM owns @vd and destroys it. */
	vm_add_device(vm, &vd->dev);
	if (ret) {
		pr_err("%s: cannot create its eventfds: %s", name,
		       strerror(-ret));
		return ret;
	}
	if (vm->cfg->notify_on_vcpu && !vops->on_main_loop) {
		ret = notify_on_vcpu(vm, vd);
		if (ret)
			return ret;
	}
	ret = res_alloc_mmio(&vm->res, RES_VIRTIO_MMIO, name,
			     &vd->dev.mmio_base, &vd->dev.mmio_size);
	ret = ret ?: res_alloc_irq(&vm->res, name, &vd->dev.spi);
	return ret ?: mmio_bus_register(&vm->mmio, vd->dev.mmio_base,
					vd->dev.mmio_size, virtio_mmio_handler,
					vd, name);
}

/* The transport's own option: kvmtool's --virtio-transport. */

static int set_transport(void *ctx, const char *arg)
{
	(void)ctx;
	if (!strcmp(arg, "mmio"))
		return 0;
	if (!strcmp(arg, "pci") || !strcmp(arg, "pci-legacy")) {
		pr_err("--virtio-transport %s: not supported yet (lkvm has virtio-mmio only); use mmio",
		       arg);
		return -EOPNOTSUPP;
	}
	if (!strcmp(arg, "mmio-legacy")) {
		pr_err("--virtio-transport mmio-legacy: legacy virtio-mmio (version 1) is not supported; use mmio");
		return -EOPNOTSUPP;
	}
	pr_err("--virtio-transport '%s': expected mmio", arg);
	return -EINVAL;
}

static const struct opt virtio_mmio_options[] = {
	OPT_GROUP_HEADING(" virtio options:"),
	{ OPT_VALUE, 0, "virtio-transport", "mmio", "virtio transport (only mmio, the default)", set_transport },
	OPT_TABLE_END,
};

/* Devices are created by their own models; the transport only parses. */
static int virtio_mmio_instantiate(struct vm *vm)
{
	(void)vm;
	return 0;
}

const struct device_model virtio_mmio_model = {
	.name = "virtio-mmio",
	.options = virtio_mmio_options,
	.instantiate = virtio_mmio_instantiate,
};

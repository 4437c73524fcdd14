#include "harness.h"
#include "state_check.h"
#include "virtq_builder.h"

#include <lkvm/state.h>
#include <lkvm/virtio.h>

#include <errno.h>

#include <unistd.h>

/* A device with two queues and 8 bytes of config: 0x11, 0x22, ... */
static void cfg_read(struct virtio_dev *vd, uint32_t offset, uint8_t *data,
		     unsigned int len)
{
	(void)vd;
	for (unsigned int i = 0; i < len; i++)
		data[i] = (uint8_t)(0x11 * (offset + i + 1));
}

static unsigned int notified;

static void queue_notify(struct virtio_dev *vd, unsigned int q)
{
	(void)vd;
	(void)q;
	notified++;
}

static const struct virtio_dev_ops test_ops = {
	.device_id = 42,
	.nr_queues = 2,
	.config_size = 8,
	.config_read = cfg_read,
	.queue_notify = queue_notify,
};

#define OFFERED (BIT_ULL(VIRTIO_RING_F_EVENT_IDX) | BIT_ULL(3))

static struct vqb b;

static void setup(struct virtio_dev *vd)
{
	memset(vd, 0, sizeof(*vd));
	vqb_init(&b, 8);
	CHECK_EQ(virtio_dev_setup(vd, &b.mem, &test_ops, OFFERED, "test"), 0);
}

static void teardown(struct virtio_dev *vd)
{
	virtio_dev_teardown(vd);
	vqb_free(&b);
}

static uint32_t rd(struct virtio_dev *vd, uint64_t off)
{
	uint32_t v = 0xdeadbeef;

	virtio_mmio_access(vd, off, (uint8_t *)&v, 4, false);
	return v;
}

static void wr(struct virtio_dev *vd, uint64_t off, uint32_t v)
{
	virtio_mmio_access(vd, off, (uint8_t *)&v, 4, true);
}

/* How often @fd was signalled since the last call (0 if never). */
static uint64_t efd_count(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static void driver_features(struct virtio_dev *vd, uint64_t f)
{
	wr(vd, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(vd, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
	wr(vd, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(vd, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
}

static void to_features_ok(struct virtio_dev *vd, uint64_t f)
{
	wr(vd, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(vd, VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	driver_features(vd, f);
	wr(vd, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE |
					   VIRTIO_STATUS_DRIVER |
					   VIRTIO_STATUS_FEATURES_OK);
}

static void setup_queue(struct virtio_dev *vd, unsigned int q, uint32_t num,
			uint64_t desc)
{
	wr(vd, VIRTIO_MMIO_QUEUE_SEL, q);
	wr(vd, VIRTIO_MMIO_QUEUE_NUM, num);
	wr(vd, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	wr(vd, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	wr(vd, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)VQB_AVAIL);
	wr(vd, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, 0);
	wr(vd, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)VQB_USED);
	wr(vd, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 0);
	wr(vd, VIRTIO_MMIO_QUEUE_READY, 1);
}

static void test_identity(void)
{
	struct virtio_dev vd;

	setup(&vd);
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_VERSION_REG), 2);
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_DEVICE_ID), 42);
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_VENDOR_ID), VIRTIO_MMIO_VENDOR);
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_DEVICE_FEATURES), (uint32_t)OFFERED);
	wr(&vd, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_DEVICE_FEATURES), 1);	/* VERSION_1 */
	wr(&vd, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_DEVICE_FEATURES), 0);
	wr(&vd, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0xffffffff);
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_DEVICE_FEATURES), 0);
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_CONFIG_GENERATION), 0);
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_SHM_LEN_LOW), 0xffffffff);
	teardown(&vd);
}

static void test_features_need_version_1(void)
{
	struct virtio_dev vd;

	setup(&vd);
	to_features_ok(&vd, BIT_ULL(VIRTIO_RING_F_EVENT_IDX));
	CHECK(!(rd(&vd, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK));
	/* DRIVER_OK without FEATURES_OK does not stick either. */
	wr(&vd, VIRTIO_MMIO_STATUS, 0x0f);
	CHECK(!(rd(&vd, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DRIVER_OK));
	teardown(&vd);
}

static void test_features_not_offered(void)
{
	struct virtio_dev vd;

	setup(&vd);
	to_features_ok(&vd, BIT_ULL(VIRTIO_F_VERSION_1) | BIT_ULL(4));
	CHECK(!(rd(&vd, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK));
	wr(&vd, VIRTIO_MMIO_STATUS, 0);
	to_features_ok(&vd, BIT_ULL(VIRTIO_F_VERSION_1) | BIT_ULL(40));
	CHECK(!(rd(&vd, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK));
	teardown(&vd);
}

static void test_features_accepted_then_fixed(void)
{
	struct virtio_dev vd;

	setup(&vd);
	to_features_ok(&vd, BIT_ULL(VIRTIO_F_VERSION_1) | BIT_ULL(3));
	CHECK(rd(&vd, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
	CHECK(virtio_has_feature(&vd, 3));
	CHECK(!virtio_has_feature(&vd, VIRTIO_RING_F_EVENT_IDX));
	/* After FEATURES_OK the driver cannot change its mind. */
	driver_features(&vd, BIT_ULL(VIRTIO_F_VERSION_1) |
				     BIT_ULL(VIRTIO_RING_F_EVENT_IDX));
	CHECK(!virtio_has_feature(&vd, VIRTIO_RING_F_EVENT_IDX));
	CHECK(virtio_has_feature(&vd, 3));
	/* Selectors beyond the two feature words are ignored. */
	wr(&vd, VIRTIO_MMIO_STATUS, 0);
	wr(&vd, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 5);
	wr(&vd, VIRTIO_MMIO_DRIVER_FEATURES, 0xffffffff);
	CHECK(!virtio_has_feature(&vd, 3));
	teardown(&vd);
}

static void test_status_bits_only_added(void)
{
	struct virtio_dev vd;

	setup(&vd);
	to_features_ok(&vd, BIT_ULL(VIRTIO_F_VERSION_1));
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_STATUS), 0x0b);
	wr(&vd, VIRTIO_MMIO_STATUS, 0x01);	/* clears bits: ignored */
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_STATUS), 0x0b);
	wr(&vd, VIRTIO_MMIO_STATUS, 0x0f);
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_STATUS), 0x0f);
	wr(&vd, VIRTIO_MMIO_STATUS, 0);
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_STATUS), 0);
	CHECK(!virtio_has_feature(&vd, VIRTIO_F_VERSION_1));
	teardown(&vd);
}

static void test_odd_accesses(void)
{
	struct virtio_dev vd;
	uint8_t d[8];

	setup(&vd);
	memset(d, 0xaa, sizeof(d));
	virtio_mmio_access(&vd, VIRTIO_MMIO_MAGIC_VALUE, d, 1, false);
	CHECK_EQ(d[0], 0);
	memset(d, 0xaa, sizeof(d));
	virtio_mmio_access(&vd, VIRTIO_MMIO_MAGIC_VALUE, d, 8, false);
	CHECK_EQ(d[0] | d[7], 0);
	memset(d, 0xaa, sizeof(d));
	virtio_mmio_access(&vd, VIRTIO_MMIO_MAGIC_VALUE + 2, d, 4, false);
	CHECK_EQ(d[0], 0);
	/* A two-byte status write changes nothing. */
	d[0] = 0x0f;
	d[1] = 0;
	virtio_mmio_access(&vd, VIRTIO_MMIO_STATUS, d, 2, true);
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_STATUS), 0);
	/* Config: 1, 2 and 4 bytes inside, nothing past the end. */
	virtio_mmio_access(&vd, VIRTIO_MMIO_CONFIG + 1, d, 1, false);
	CHECK_EQ(d[0], 0x22);
	virtio_mmio_access(&vd, VIRTIO_MMIO_CONFIG + 6, d, 2, false);
	CHECK_EQ(d[0], 0x77);
	CHECK_EQ(d[1], 0x88);
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_CONFIG + 4), 0x88776655);
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_CONFIG + 8), 0);
	memset(d, 0xaa, sizeof(d));
	virtio_mmio_access(&vd, VIRTIO_MMIO_CONFIG + 7, d, 2, false);
	CHECK_EQ(d[0], 0);	/* crosses the end */
	virtio_mmio_access(&vd, VIRTIO_MMIO_CONFIG + 1, d, 2, false);
	CHECK_EQ(d[0], 0);	/* misaligned */
	virtio_mmio_access(&vd, VIRTIO_MMIO_CONFIG, d, 8, false);
	CHECK_EQ(d[0], 0);	/* 8-byte access */
	virtio_mmio_access(&vd, 0x1fc, d, 4, false);
	CHECK_EQ(d[0], 0);
	teardown(&vd);
}

static void test_queue_select_out_of_range(void)
{
	struct virtio_dev vd;

	setup(&vd);
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_QUEUE_NUM_MAX), VIRTQ_MAX_SIZE);
	wr(&vd, VIRTIO_MMIO_QUEUE_SEL, 2);
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	wr(&vd, VIRTIO_MMIO_QUEUE_SEL, 0xffffffff);
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	wr(&vd, VIRTIO_MMIO_QUEUE_NUM, 8);
	wr(&vd, VIRTIO_MMIO_QUEUE_READY, 1);
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_QUEUE_READY), 0);
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_STATUS), 0);
	teardown(&vd);
}

static void test_queue_notify(void)
{
	struct virtio_dev vd;

	setup(&vd);
	wr(&vd, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	CHECK_EQ(efd_count(vd.queues[1].kick_efd), 1);
	CHECK_EQ(efd_count(vd.queues[0].kick_efd), 0);
	wr(&vd, VIRTIO_MMIO_QUEUE_NOTIFY, 2);
	wr(&vd, VIRTIO_MMIO_QUEUE_NOTIFY, 0xffff);
	CHECK_EQ(efd_count(vd.queues[0].kick_efd), 0);
	CHECK_EQ(efd_count(vd.queues[1].kick_efd), 0);
	teardown(&vd);
}

/*
 * Notifications on the vcpu thread (lkvm sandbox): the write itself does
 * the queue's work, only for a live device and a ready queue, and kicks
 * no eventfd.
 */
static void test_queue_notify_on_vcpu(void)
{
	struct virtio_dev vd;

	setup(&vd);
	vd.notify_on_vcpu = true;
	notified = 0;
	wr(&vd, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	CHECK_EQ(notified, 0);		/* no driver yet */
	to_features_ok(&vd, BIT_ULL(VIRTIO_F_VERSION_1));
	setup_queue(&vd, 1, 8, VQB_DESC);
	wr(&vd, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	CHECK_EQ(notified, 0);		/* no DRIVER_OK yet */
	wr(&vd, VIRTIO_MMIO_STATUS, rd(&vd, VIRTIO_MMIO_STATUS) |
					    VIRTIO_STATUS_DRIVER_OK);
	/* DRIVER_OK's look at every queue, for the I/O thread. */
	CHECK_EQ(efd_count(vd.queues[0].kick_efd), 1);
	CHECK_EQ(efd_count(vd.queues[1].kick_efd), 1);
	wr(&vd, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	CHECK_EQ(notified, 1);
	wr(&vd, VIRTIO_MMIO_QUEUE_NOTIFY, 0);	/* queue 0 not ready */
	wr(&vd, VIRTIO_MMIO_QUEUE_NOTIFY, 2);	/* no such queue */
	wr(&vd, VIRTIO_MMIO_QUEUE_NOTIFY, 0xffffffff);
	CHECK_EQ(notified, 1);
	CHECK_EQ(efd_count(vd.queues[0].kick_efd), 0);
	CHECK_EQ(efd_count(vd.queues[1].kick_efd), 0);
	teardown(&vd);
}

static void test_queue_enable(void)
{
	struct virtio_dev vd;

	setup(&vd);
	to_features_ok(&vd, BIT_ULL(VIRTIO_F_VERSION_1) |
				    BIT_ULL(VIRTIO_RING_F_EVENT_IDX));
	setup_queue(&vd, 1, 8, VQB_DESC);
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_QUEUE_READY), 1);
	CHECK(vd.queues[1].ready);
	CHECK(vd.queues[1].vq.event_idx);
	CHECK(!vd.queues[1].vq.indirect);
	/* Registers of a ready queue are read-only. */
	wr(&vd, VIRTIO_MMIO_QUEUE_NUM, 4);
	wr(&vd, VIRTIO_MMIO_QUEUE_DESC_LOW, 0);
	CHECK_EQ(vd.queues[1].num, 8);
	CHECK_EQ(vd.queues[1].desc, VQB_DESC);
	/* Disabling keeps the configuration; a reset clears it. */
	wr(&vd, VIRTIO_MMIO_QUEUE_READY, 0);
	CHECK(!vd.queues[1].ready);
	CHECK_EQ(vd.queues[1].num, 8);
	wr(&vd, VIRTIO_MMIO_STATUS, 0);
	CHECK_EQ(vd.queues[1].num, 0);
	CHECK_EQ(vd.queue_sel, 0);
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_STATUS), 0);
	teardown(&vd);
}

static void expect_needs_reset(struct virtio_dev *vd)
{
	CHECK(rd(vd, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	CHECK(rd(vd, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_ISR_CONFIG);
	CHECK_EQ(efd_count(vd->irq_efd), 1);
}

static void test_bad_queue_needs_reset(void)
{
	struct virtio_dev vd;

	setup(&vd);
	/* Before FEATURES_OK. */
	setup_queue(&vd, 0, 8, VQB_DESC);
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_QUEUE_READY), 0);
	expect_needs_reset(&vd);
	/* NEEDS_RESET survives status writes, and the ACK, until reset. */
	wr(&vd, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_ISR_CONFIG);
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	wr(&vd, VIRTIO_MMIO_STATUS, 0x01);
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_STATUS), 0x41);
	wr(&vd, VIRTIO_MMIO_STATUS, 0);
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_STATUS), 0);

	/* Ring outside RAM, and a size that is not a power of two. */
	to_features_ok(&vd, BIT_ULL(VIRTIO_F_VERSION_1));
	setup_queue(&vd, 0, 8, 0x1000000000ULL);
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_QUEUE_READY), 0);
	expect_needs_reset(&vd);
	wr(&vd, VIRTIO_MMIO_STATUS, 0);
	to_features_ok(&vd, BIT_ULL(VIRTIO_F_VERSION_1));
	setup_queue(&vd, 0, 12, VQB_DESC);
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_QUEUE_READY), 0);
	expect_needs_reset(&vd);
	teardown(&vd);
}

static void test_broken_ring_and_irq(void)
{
	struct virtio_dev vd;

	setup(&vd);
	virtio_raise_irq(&vd, VIRTIO_ISR_VRING);
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_ISR_VRING);
	CHECK_EQ(efd_count(vd.irq_efd), 1);
	wr(&vd, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_ISR_VRING);
	CHECK_EQ(rd(&vd, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	/* A second breakage does not interrupt again. */
	virtio_broken(&vd, "test");
	virtio_broken(&vd, "test");
	CHECK_EQ(efd_count(vd.irq_efd), 1);
	teardown(&vd);
}

static void test_driver_ok_kicks_queues(void)
{
	struct virtio_dev vd;

	setup(&vd);
	to_features_ok(&vd, BIT_ULL(VIRTIO_F_VERSION_1));
	wr(&vd, VIRTIO_MMIO_STATUS, 0x0f);
	/* Buffers offered before DRIVER_OK get looked at. */
	CHECK_EQ(efd_count(vd.queues[0].kick_efd), 1);
	CHECK_EQ(efd_count(vd.queues[1].kick_efd), 1);
	teardown(&vd);
}

static int load_dev(void *ctx, const void *rec, size_t len, char *why,
		    size_t why_len)
{
	return virtio_dev_load(ctx, rec, len, why, why_len);
}

/* A driven device: features, one queue in use, registers selected. */
static void drive(struct virtio_dev *vd)
{
	struct virtq *vq;

	to_features_ok(vd, BIT_ULL(VIRTIO_F_VERSION_1) |
				   BIT_ULL(VIRTIO_RING_F_EVENT_IDX));
	setup_queue(vd, 1, 8, VQB_DESC);
	wr(vd, VIRTIO_MMIO_STATUS, 0x0f);
	wr(vd, VIRTIO_MMIO_QUEUE_SEL, 1);
	wr(vd, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	/* As if the device had taken and given back three chains. */
	vq = &vd->queues[1].vq;
	vq->last_avail = vq->used_idx = 3;
	vq->signalled_used = 2;
}

/* Saved, then loaded into a new device on the same guest RAM. */
static void test_state_round_trip(void)
{
	struct virtio_dev a, c;
	struct state_writer wa, wc;
	char why[200];

	setup(&a);
	drive(&a);
	state_writer_init(&wa);
	CHECK_EQ(virtio_dev_save(&a, &wa), 0);

	memset(&c, 0, sizeof(c));
	CHECK_EQ(virtio_dev_setup(&c, &b.mem, &test_ops, OFFERED, "copy"), 0);
	CHECK_EQ(virtio_dev_load(&c, wa.data, wa.len, why, sizeof(why)), 0);
	CHECK_EQ(rd(&c, VIRTIO_MMIO_STATUS), 0x0f);
	CHECK_EQ(rd(&c, VIRTIO_MMIO_QUEUE_READY), 1);	/* queue 1 selected */
	CHECK(c.queues[1].vq.desc == a.queues[1].vq.desc);
	CHECK_EQ(c.queues[1].vq.last_avail, 3);
	CHECK_EQ(c.queues[1].vq.signalled_used, 2);
	CHECK(!c.queues[0].ready);
	state_writer_init(&wc);
	CHECK_EQ(virtio_dev_save(&c, &wc), 0);
	CHECK(wa.len == wc.len && !memcmp(wa.data, wc.data, wa.len));

	check_record_refused_when_damaged(wa.data, wa.len, load_dev, &c);
	state_writer_free(&wa);
	state_writer_free(&wc);
	virtio_dev_teardown(&c);
	teardown(&a);
}

/* Well-formed records this device cannot take. */
static void test_state_refused(void)
{
	struct virtio_dev a, c;
	struct state_writer w;
	char why[200];

	setup(&a);
	drive(&a);
	memset(&c, 0, sizeof(c));
	/* Requests in flight when it was saved. */
	a.queues[1].vq.last_avail = 5;
	state_writer_init(&w);
	CHECK_EQ(virtio_dev_save(&a, &w), 0);
	CHECK_EQ(virtio_dev_setup(&c, &b.mem, &test_ops, OFFERED, "copy"), 0);
	CHECK_EQ(virtio_dev_load(&c, w.data, w.len, why, sizeof(why)),
		 -EINVAL);
	CHECK(strstr(why, "2 requests were in flight"));
	CHECK_EQ(rd(&c, VIRTIO_MMIO_STATUS), 0);	/* nothing taken */
	state_writer_free(&w);
	virtio_dev_teardown(&c);

	/* The same device where fewer features are offered. */
	a.queues[1].vq.last_avail = 3;
	state_writer_init(&w);
	CHECK_EQ(virtio_dev_save(&a, &w), 0);
	CHECK_EQ(virtio_dev_setup(&c, &b.mem, &test_ops, 0, "copy"), 0);
	CHECK_EQ(virtio_dev_load(&c, w.data, w.len, why, sizeof(why)),
		 -EINVAL);
	CHECK(strstr(why, "does not offer here"));
	virtio_dev_teardown(&c);

	/* A queue that lies outside the guest's RAM on this side. */
	a.queues[1].desc = VQB_RAM_BASE + VQB_RAM_SIZE;
	state_writer_free(&w);
	state_writer_init(&w);
	CHECK_EQ(virtio_dev_save(&a, &w), 0);
	CHECK_EQ(virtio_dev_setup(&c, &b.mem, &test_ops, OFFERED, "copy"), 0);
	CHECK_EQ(virtio_dev_load(&c, w.data, w.len, why, sizeof(why)),
		 -EINVAL);
	CHECK(strstr(why, "queue 1: descriptor table"));
	virtio_dev_teardown(&c);
	state_writer_free(&w);
	teardown(&a);
}

static const struct unit_test tests[] = {
	{ "virtio_mmio_identity", test_identity },
	{ "virtio_mmio_features_need_version_1", test_features_need_version_1 },
	{ "virtio_mmio_features_not_offered", test_features_not_offered },
	{ "virtio_mmio_features_fixed", test_features_accepted_then_fixed },
	{ "virtio_mmio_status_bits_only_added", test_status_bits_only_added },
	{ "virtio_mmio_odd_accesses", test_odd_accesses },
	{ "virtio_mmio_queue_select_out_of_range", test_queue_select_out_of_range },
	{ "virtio_mmio_queue_notify", test_queue_notify },
	{ "virtio_mmio_queue_notify_on_vcpu", test_queue_notify_on_vcpu },
	{ "virtio_mmio_queue_enable", test_queue_enable },
	{ "virtio_mmio_bad_queue_needs_reset", test_bad_queue_needs_reset },
	{ "virtio_mmio_broken_ring_and_irq", test_broken_ring_and_irq },
	{ "virtio_mmio_driver_ok_kicks_queues", test_driver_ok_kicks_queues },
	{ "virtio_mmio_state_round_trip", test_state_round_trip },
	{ "virtio_mmio_state_refused", test_state_refused },
};

UNIT_MAIN(tests)

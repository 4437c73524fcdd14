// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net (VIRTIO 1.2 section 5.1): -n/--network, one receive and one
 * transmit queue per NIC, frames to and from a backend (net/tap.c,
 * net/passt.c). Without -n the guest gets one user-mode NIC, as kvmtool
 * gives it.
 *
 * Each NIC's work runs on the main thread's event loop, which watches
 * the backend and the queues' kick eventfds (the transport starts no I/O
 * thread for it: on_main_loop) and does all queue work under the queue
 * lock: no thread of its own to start and filter. Frames are
 * copied between guest memory and the backend in one bounded buffer per
 * direction, so at most one frame per direction is in flight and nothing
 * is lost: a frame the guest has no buffers for stays with the backend
 * (the host queues or drops it, as for any NIC) until the guest posts
 * buffers.
 */
#include <lkvm/virtio.h>
#include <lkvm/virtio_net.h>

#include <lkvm/devices.h>
#include <lkvm/event_loop.h>
#include <lkvm/fd_io.h>
#include <lkvm/json.h>
#include <lkvm/net_backend.h>
#include <lkvm/parse.h>
#include <lkvm/state.h>
#include <lkvm/vm.h>

#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define RX_Q 0
#define TX_Q 1
#define NET_CONFIG_SIZE 12U	/* mac, status, max_virtqueue_pairs, mtu */
/* Frames per direction before the thread polls again: fairness. */
#define NET_BATCH 256U

#define CFG(ctx) ((struct vm_config *)(ctx))

/* kvmtool's guest address; the last byte counts NICs up from it. */
static const uint8_t default_mac[NET_ETH_ALEN] = { 0x02, 0x15, 0x15,
						   0x15, 0x15, 0x15 };

struct vnet {
	struct virtio_dev vd;
	char name[16];
	unsigned int index;
	uint8_t mac[NET_ETH_ALEN];
	struct net_backend be;
	atomic_uint link;	/* VIRTIO_NET_S_LINK_UP or 0 */

	/* The main thread only. */
	struct event_loop *loop;	/* while started */
	struct event_handler rx_ev, tx_ev, be_ev;
	uint32_t be_events;	/* what be_ev waits for */
	bool be_watched;	/* be_ev is in the loop */
	bool quiet;		/* quiesced: out of the loop */
	bool be_gone;
	bool rx_stalled;	/* a frame waits for receive buffers */
	uint8_t *txbuf;		/* NET_HDR_SIZE + NET_FRAME_MAX */
	struct virtq_chain txc;
	struct net_rx_scratch rxs;
	struct log_ratelimit tx_rl, rx_rl;
};

static struct vnet *to_vnet(struct virtio_dev *vd)
{
	return container_of(vd, struct vnet, vd);
}

/* As the transport decides it: between DRIVER_OK and a reset. */
static bool net_live(const struct virtio_dev *vd)
{
	unsigned int s = atomic_load(&vd->status);

	return (s & VIRTIO_STATUS_DRIVER_OK) &&
	       !(s & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED));
}

/* struct virtio_net_config, little-endian, up to mtu. */
static void net_config_read(struct virtio_dev *vd, uint32_t offset,
			    uint8_t *data, unsigned int len)
{
	struct vnet *n = to_vnet(vd);
	uint8_t cfg[NET_CONFIG_SIZE];
	uint16_t v;

	memcpy(cfg, n->mac, NET_ETH_ALEN);
	v = htole16((uint16_t)atomic_load(&n->link));
	memcpy(cfg + 6, &v, 2);
	v = htole16(1);				/* max_virtqueue_pairs */
	memcpy(cfg + 8, &v, 2);
	v = htole16(n->be.mtu);
	memcpy(cfg + 10, &v, 2);
	memcpy(data, cfg + offset, len);
}

/*
 * Guest-controlled: the transmit queue and every frame in it (checked by
 * virtq_pop() and net_tx_copy()). A frame that breaks the rules is
 * dropped with a rate-limited warning; only a broken ring breaks the
 * device. Frames are consumed even without a backend, as a NIC without
 * a cable does, so the guest never waits for them.
 */
static void net_tx(struct vnet *n)
{
	struct virtio_dev *vd = &n->vd;
	struct virtq *vq = &vd->queues[TX_Q].vq;
	struct net_offloads ok = net_tx_offloads(vd->driver_features);
	unsigned int done = 0;
	const char *why;
	int r = 0;

	if (!vd->queues[TX_Q].ready)
		return;
	do {
		virtq_disable_notify(vq);
		while ((n->be_gone || !n->be.ops->tx_busy(&n->be)) &&
		       done < NET_BATCH &&
		       (r = virtq_pop(vq, &n->txc, &why)) > 0) {
			const char *bad;
			int len = net_tx_copy(&n->txc, n->txbuf, &ok, &bad);

			virtq_push(vq, n->txc.head, 0);
			done++;
			if (len < 0) {
				if (log_ratelimit_ok(&n->tx_rl, 1))
					pr_warn("%s: dropped a frame the guest sent: %s",
						n->name, bad);
				continue;
			}
			if (!n->be_gone &&
			    n->be.ops->send(&n->be, n->txbuf, (size_t)len) < 0)
				n->be_gone = true;
		}
		if (r < 0) {
			virtio_broken(vd, why);
			return;
		}
		/* Busy or batch done: the thread comes back to the rest. */
		if ((!n->be_gone && n->be.ops->tx_busy(&n->be)) ||
		    done == NET_BATCH) {
			if (done == NET_BATCH)
				virtio_queue_yield(vd, TX_Q);
			break;
		}
	} while (virtq_enable_notify(vq));
	virtio_queue_interrupt(vd, vq);
}

/* Frames arriving while no driver runs the device: a NIC drops them. */
static void net_drop_rx(struct vnet *n)
{
	struct net_hdr hdr;
	const uint8_t *frame;
	size_t len;
	int r;

	for (unsigned int i = 0; i < NET_BATCH; i++) {
		r = n->be.ops->recv(&n->be, &hdr, &frame, &len);
		if (r < 0)
			n->be_gone = true;
		if (r <= 0)
			return;
		n->be.ops->recv_done(&n->be);
	}
}

/*
 * Backend-controlled: each frame and its header (checked against what
 * the driver accepts: a frame it cannot take is dropped).
 * Guest-controlled: the receive queue (net_rx_put()).
 */
static void net_rx(struct vnet *n)
{
	struct virtio_dev *vd = &n->vd;
	struct virtq *vq = &vd->queues[RX_Q].vq;
	bool mergeable = virtio_has_feature(vd, VIRTIO_NET_F_MRG_RXBUF);
	struct net_offloads ok = net_rx_offloads(vd->driver_features);
	unsigned int delivered = 0;

	if (!vd->queues[RX_Q].ready) {
		n->rx_stalled = true;
		return;
	}
	n->be.ops->set_offloads(&n->be, &ok);
	virtq_disable_notify(vq);
	for (unsigned int i = 0; i < NET_BATCH; i++) {
		const char *why;
		const uint8_t *frame;
		struct net_hdr hdr;
		size_t len;
		int r = n->be.ops->recv(&n->be, &hdr, &frame, &len);

		if (r < 0)
			n->be_gone = true;
		if (r <= 0)
			break;
		why = net_hdr_check(&hdr, &ok, len);
		if (why) {
			if (log_ratelimit_ok(&n->rx_rl, 1))
				pr_debug("%s: dropped a frame from %s: %s",
					 n->name, n->be.desc, why);
			n->be.ops->recv_done(&n->be);
			continue;
		}
		r = net_rx_put(vq, &n->rxs, mergeable, &hdr, frame, len, &why);
		if (r == 0) {
			/* Buffers may have arrived as we asked to be told. */
			if (virtq_enable_notify(vq))
				continue;
			n->rx_stalled = true;
			break;
		}
		if (r == -EMSGSIZE) {
			if (log_ratelimit_ok(&n->rx_rl, 1))
				pr_warn("%s: dropped a %zu-byte frame: larger than the guest's receive buffers",
					n->name, len);
		} else if (r < 0) {
			virtio_broken(vd, why);
			break;
		} else {
			delivered++;
		}
		n->be.ops->recv_done(&n->be);
	}
	if (delivered)
		virtio_queue_interrupt(vd, vq);
}

/* The backend is gone: the guest sees its link go down. */
static void net_link_down(struct vnet *n)
{
	struct virtio_dev *vd = &n->vd;

	pr_warn("%s: %s: the guest's network is down", n->name, n->be.err);
	pthread_mutex_lock(&vd->reg_lock);
	atomic_store(&n->link, 0);
	vd->config_generation++;
	pthread_mutex_unlock(&vd->reg_lock);
	virtio_raise_irq(vd, VIRTIO_ISR_CONFIG);
}

/* What the backend's fd is watched for: frames to take, room to send. */
static uint32_t be_wanted(const struct vnet *n)
{
	return (n->rx_stalled ? 0 : EPOLLIN) |
	       (n->be.ops->tx_busy(&n->be) ? EPOLLOUT : 0);
}

/*
 * Level-triggered: a gone backend leaves the loop (its hang-up would
 * wake it for ever), and a stalled receive stops watching for input
 * until the guest kicks.
 */
static void watch_backend(struct vnet *n)
{
	uint32_t want;

	if (n->be_gone) {
		if (n->be_watched)
			event_loop_del(n->loop, &n->be_ev);
		n->be_watched = false;
		return;
	}
	want = be_wanted(n);
	if (!n->be_watched) {
		n->be_watched = !event_loop_add(n->loop, &n->be_ev, want);
		n->be_events = want;
	} else if (want != n->be_events &&
		   !event_loop_mod(n->loop, &n->be_ev, want)) {
		n->be_events = want;
	}
}

/* Everything there is to do, after any event: the queues and the backend. */
static void net_work(struct vnet *n)
{
	struct virtio_dev *vd = &n->vd;
	bool gone = n->be_gone;

	pthread_mutex_lock(&vd->queue_lock);
	/* The tail of a frame passt could not take yet goes first. */
	if (!n->be_gone && n->be.ops->tx_flush(&n->be) < 0)
		n->be_gone = true;
	if (net_live(vd)) {
		net_tx(n);
		if (!n->be_gone)
			net_rx(n);
	} else if (!n->be_gone) {
		net_drop_rx(n);
	}
	pthread_mutex_unlock(&vd->queue_lock);
	if (n->be_gone && !gone)
		net_link_down(n);
	watch_backend(n);
}

/* A guest's kick: it may also have posted receive buffers. */
static void kicked(struct vnet *n, int efd)
{
	efd_drain(efd);
	n->rx_stalled = false;
	net_work(n);
}

static void on_rx_kick(struct event_handler *h, uint32_t events)
{
	(void)events;
	kicked(container_of(h, struct vnet, rx_ev), h->fd);
}

static void on_tx_kick(struct event_handler *h, uint32_t events)
{
	(void)events;
	kicked(container_of(h, struct vnet, tx_ev), h->fd);
}

static void on_backend(struct event_handler *h, uint32_t events)
{
	(void)events;
	net_work(container_of(h, struct vnet, be_ev));
}

static void net_unwatch(struct vnet *n)
{
	event_loop_del(n->loop, &n->rx_ev);
	event_loop_del(n->loop, &n->tx_ev);
	if (n->be_watched)
		event_loop_del(n->loop, &n->be_ev);
	n->be_watched = false;
}

static int net_watch(struct vnet *n)
{
	int ret = event_loop_add(n->loop, &n->rx_ev, EPOLLIN);

	if (!ret) {
		ret = event_loop_add(n->loop, &n->tx_ev, EPOLLIN);
		if (ret)
			event_loop_del(n->loop, &n->rx_ev);
	}
	if (!ret)
		watch_backend(n);
	return ret;
}

/* On the main thread, its event loop running the VM (vm_run()). */
static int net_start(struct virtio_dev *vd)
{
	struct vnet *n = to_vnet(vd);
	int ret;

	if (!vd->dev.vm->loop)
		return -EINVAL;
	n->loop = vd->dev.vm->loop;
	n->rx_ev = (struct event_handler){ .fn = on_rx_kick,
					   .fd = vd->queues[RX_Q].kick_efd };
	n->tx_ev = (struct event_handler){ .fn = on_tx_kick,
					   .fd = vd->queues[TX_Q].kick_efd };
	n->be_ev = (struct event_handler){ .fn = on_backend, .fd = n->be.fd };
	n->quiet = false;
	ret = net_watch(n);
	if (ret) {
		pr_err("%s: cannot watch its queues and backend: %s", n->name,
		       strerror(-ret));
		n->loop = NULL;
	}
	return ret;
}

static void net_stop(struct virtio_dev *vd)
{
	struct vnet *n = to_vnet(vd);

	if (!n->loop)
		return;
	if (!n->quiet)
		net_unwatch(n);
	n->loop = NULL;
}

/*
 * On the main thread: a quiesced device leaves the loop (the main
 * thread holds its queue lock meanwhile) and comes back to it after.
 */
static void net_quiet(struct virtio_dev *vd, bool quiet)
{
	struct vnet *n = to_vnet(vd);

	if (!n->loop || n->quiet == quiet)
		return;
	n->quiet = quiet;
	if (quiet)
		net_unwatch(n);
	else if (net_watch(n))
		pr_warn("%s: cannot watch its queues and backend again: the guest's network stops",
			n->name);
}

static void net_free(struct vnet *n)
{
	if (n->be.ops)
		n->be.ops->close(&n->be);
	free(n->txbuf);
	free(n);
}

static void net_destroy(struct virtio_dev *vd)
{
	net_free(to_vnet(vd));
}

/* What the guest saw of the link: up, or down since its backend went. */
static int net_save(struct virtio_dev *vd, struct state_writer *w)
{
	state_begin(w, "virtio-net", 1);
	state_put_u64(w, "link", atomic_load(&to_vnet(vd)->link));
	return state_end(w);
}

static int net_load(struct virtio_dev *vd, const void *rec, size_t len,
		    char *why, size_t why_len)
{
	struct state_reader r;
	uint64_t link;
	int ret = state_open(&r, rec, len, "virtio-net", 1, why, why_len);

	/*
	 * Checked, not applied: the link is the new backend's, up; a guest
	 * that saw it down reads it up from the config space.
	 */
	(void)vd;
	return ret ?: state_get_uint(&r, "link", VIRTIO_NET_S_LINK_UP, &link);
}

static const struct virtio_dev_ops net_ops = {
	.device_id = VIRTIO_ID_NET,
	.nr_queues = 2,
	.config_size = NET_CONFIG_SIZE,
	.config_read = net_config_read,
	.on_main_loop = true,
	.start = net_start,
	.stop = net_stop,
	.quiet = net_quiet,
	.destroy = net_destroy,
	.save = net_save,
	.load = net_load,
};

static const char *mode_name(enum net_mode mode)
{
	return mode == NET_MODE_TAP ? "tap" : "user";
}

/*
 * One NIC. The default one (@implicit) that cannot get a backend is
 * left out with a warning; a NIC the user asked for is an error.
 */
static int net_create(struct vm *vm, const struct vm_nic *nic,
		      unsigned int index, bool implicit)
{
	struct vnet *n = calloc(1, sizeof(*n));
	const char *passt = vm->cfg->net.passt ? vm->cfg->net.passt : "passt";
	uint64_t features;
	char why[320];
	int ret;

	if (!n)
		return -ENOMEM;
	n->txbuf = malloc(NET_HDR_SIZE + NET_FRAME_MAX);
	if (!n->txbuf) {
		net_free(n);
		return -ENOMEM;
	}
	n->index = index;
	snprintf(n->name, sizeof(n->name), "virtio-net%u", index);
	if (nic->mode == NET_MODE_TAP)
		ret = net_tap_open(&n->be, nic, why, sizeof(why));
	else
		/*
		 * The default NIC does not hold up the boot (passt takes
		 * ~300 ms to start under emulation); one the user asked for
		 * is checked before the guest runs.
		 */
		ret = net_passt_open(&n->be, nic, passt, !implicit, why,
				     sizeof(why));
	if (ret) {
		net_free(n);
		if (!implicit) {
			pr_err("--network %s: %s", nic->spec, why);
			return ret;
		}
		pr_warn("the guest has no network: %s; --network mode=none leaves the NIC out without this warning",
			why);
		return 0;
	}
	if (nic->mode == NET_MODE_TAP && !*nic->tapif)
		pr_info("%s: %s", n->name, n->be.desc);
	memcpy(n->mac, nic->has_mac ? nic->mac : default_mac, NET_ETH_ALEN);
	if (!nic->has_mac)
		n->mac[5] = (uint8_t)(n->mac[5] + index);
	atomic_init(&n->link, VIRTIO_NET_S_LINK_UP);
	pr_debug("%s: mode=%s, %s", n->name, mode_name(nic->mode), n->be.desc);
	features = BIT_ULL(VIRTIO_NET_F_MAC) | BIT_ULL(VIRTIO_NET_F_STATUS) |
		   BIT_ULL(VIRTIO_NET_F_MRG_RXBUF) |
		   BIT_ULL(VIRTIO_RING_F_EVENT_IDX) |
		   BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC) | n->be.features;
	if (n->be.mtu)
		features |= BIT_ULL(VIRTIO_NET_F_MTU);
	return virtio_mmio_create(vm, &n->vd, &net_ops, features, n->name);
}

static int net_instantiate(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	static const struct vm_nic default_nic = {
		.spec = "mode=user",
		.mode = NET_MODE_USER,
	};

	if (cfg->net.none)
		return 0;
	if (!cfg->net.nr_nics)
		return net_create(vm, &default_nic, 0, true);
	for (unsigned int i = 0; i < cfg->net.nr_nics; i++) {
		int ret = net_create(vm, &cfg->net.nics[i], i, false);

		if (ret)
			return ret;
	}
	return 0;
}

static int set_network(void *ctx, const char *arg)
{
	struct vm_config *cfg = CFG(ctx);
	struct vm_nic nic;
	char err[200];

	if (net_spec_parse(arg, &nic, err, sizeof(err))) {
		pr_err("--network '%s': %s", arg, err);
		return -EINVAL;
	}
	if ((nic.mode == NET_MODE_NONE && cfg->net.nr_nics) ||
	    (nic.mode != NET_MODE_NONE && cfg->net.none)) {
		pr_err("--network mode=none cannot be combined with other --network options");
		return -EINVAL;
	}
	if (nic.mode == NET_MODE_NONE) {
		cfg->net.none = true;
		return 0;
	}
	if (cfg->net.nr_nics == VM_MAX_NICS) {
		pr_err("--network %s: at most %u NICs", arg, VM_MAX_NICS);
		return -E2BIG;
	}
	nic.spec = arg;
	cfg->net.nics[cfg->net.nr_nics++] = nic;
	return 0;
}

static int set_passt(void *ctx, const char *arg)
{
	if (!*arg) {
		pr_err("--passt: expected the path of the passt program");
		return -EINVAL;
	}
	CFG(ctx)->net.passt = arg;
	return 0;
}

static const struct opt net_options[] = {
	OPT_GROUP_HEADING(" Network options:"),
	{ OPT_VALUE, 'n', "network", "mode=user|tap|none[,...]", "A virtio-net NIC, repeatable: mode=user[,hostfwd=tcp:HOSTPORT:GUESTPORT] (through passt) or mode=tap[,tapif=NAME], each with [,guest_mac=MAC]; mode=none: no NIC. Default: one user-mode NIC", set_network },
	{ OPT_VALUE, 0, "passt", "path", "The passt program for user-mode networking (default: passt in PATH)", set_passt },
	OPT_TABLE_END,
};

static void net_describe_config(const struct vm_config *cfg, FILE *f)
{
	fprintf(f, "    \"network_none\": %s, \"passt\": ",
		cfg->net.none ? "true" : "false");
	json_print_string(f, cfg->net.passt ? cfg->net.passt : "");
	fprintf(f, ",\n    \"nics\": [");
	for (unsigned int i = 0; i < cfg->net.nr_nics; i++) {
		fprintf(f, "%s", i ? ", " : "");
		json_print_string(f, cfg->net.nics[i].spec);
	}
	fprintf(f, "],\n");
}

/* The NICs as -n gave them: a restore connects each to a new backend. */
static int net_config_from_manifest(const struct json_value *config,
				    struct vm_config *cfg,
				    const struct restore_options *ro,
				    char *why, size_t why_len)
{
	const struct json_value *nics;
	const char *passt;
	char err[200];
	int ret;

	(void)ro;
	ret = json_member_bool(config, "network_none", &cfg->net.none, err,
			       sizeof(err));
	ret = ret ?: json_member_string(config, "passt", &passt, err,
					sizeof(err));
	ret = ret ?: json_member_array(config, "nics", VM_MAX_NICS, &nics,
				       err, sizeof(err));
	if (ret)
		return parse_error(why, why_len, "manifest: config: %s", err);
	cfg->net.passt = passt[0] ? passt : NULL;
	for (size_t i = 0; i < nics->count; i++) {
		struct vm_nic *nic = &cfg->net.nics[i];

		if (nics->items[i].type != JSON_STRING ||
		    net_spec_parse(nics->items[i].string, nic, err,
				   sizeof(err)) ||
		    nic->mode == NET_MODE_NONE || cfg->net.none)
			return parse_error(why, why_len,
					   "manifest: config: nic %zu is not a NIC -n would take",
					   i);
		nic->spec = nics->items[i].string;
	}
	cfg->net.nr_nics = (unsigned int)nics->count;
	return 0;
}

const struct device_model virtio_net_model = {
	.name = "virtio-net",
	.options = net_options,
	.instantiate = net_instantiate,
	.describe_config = net_describe_config,
	.config_from_manifest = net_config_from_manifest,
};

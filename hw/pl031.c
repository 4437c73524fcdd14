// SPDX-License-Identifier: GPL-2.0
/*
 * ARM PL031 real-time clock (ARM DDI 0224), in the RTC window: the guest's
 * wall clock, following the host's CLOCK_REALTIME from where the guest
 * last set it. Linux drives it with rtc-pl031, built into Debian's arm64
 * kernels (which have no MC146818 driver), and sets its clock from it
 * at boot (CONFIG_RTC_HCTOSYS).
 */
#include <lkvm/pl031.h>

#include <lkvm/devices.h>
#include <lkvm/fdt_phandles.h>
#include <lkvm/event_loop.h>
#include <lkvm/irq.h>
#include <lkvm/json.h>
#include <lkvm/log.h>
#include <lkvm/state.h>
#include <lkvm/vm.h>

#include <endian.h>
#include <errno.h>
#include <libfdt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

enum {
	RTCDR = 0x000,		/* counter, read-only */
	RTCMR = 0x004,
	RTCLR = 0x008,
	RTCCR = 0x00c,
	RTCIMSC = 0x010,
	RTCRIS = 0x014,
	RTCMIS = 0x018,
	RTCICR = 0x01c,		/* write-only */
	RTC_ID = 0xfe0,		/* PeriphID0-3, PCellID0-3: a byte each */
};

/* Part 0x031, designer ARM (0x41), revision 1; the PrimeCell preamble. */
#define PL031_PERIPH_ID 0x00141031U
#define PRIMECELL_ID 0xb105f00dU

static uint32_t counter(const struct pl031 *rtc, int64_t now)
{
	return (uint32_t)((uint64_t)now + (uint64_t)rtc->regs.offset);
}

/* Seconds from @now until the counter next ticks onto RTCMR: 1 to 2^32. */
static int64_t until_match(const struct pl031 *rtc, int64_t now)
{
	uint32_t ahead = rtc->regs.mr - counter(rtc, now);

	return ahead ? (int64_t)ahead : INT64_C(1) << 32;
}

/*
 * Latches a match the counter ticked onto since the last look. A clock
 * that went back reached nothing; the counter goes back with it.
 */
static void catch_up(struct pl031 *rtc, int64_t now)
{
	if (now > rtc->checked &&
	    now - rtc->checked >= until_match(rtc, rtc->checked))
		rtc->regs.ris = 1;
	rtc->checked = now;
}

/* Re-aims the host timer at the next match and drives the line. */
static void update(struct pl031 *rtc, int64_t now)
{
	int64_t when = now + until_match(rtc, now);
	int level = (rtc->regs.ris & rtc->regs.imsc & 1) != 0;

	if (when != rtc->timer_at) {
		rtc->timer_at = when;
		rtc->hooks->set_timer(rtc->opaque, when);
	}
	if (level != rtc->irq_level) {
		rtc->irq_level = level;
		rtc->hooks->set_irq(rtc->opaque, level);
	}
}

void pl031_init(struct pl031 *rtc, const struct pl031_hooks *hooks,
		void *opaque)
{
	memset(rtc, 0, sizeof(*rtc));
	pthread_mutex_init(&rtc->lock, NULL);
	rtc->hooks = hooks;
	rtc->opaque = opaque;
	rtc->checked = hooks->now(opaque);
	update(rtc, rtc->checked);
}

void pl031_destroy(struct pl031 *rtc)
{
	pthread_mutex_destroy(&rtc->lock);
}

static uint32_t read_reg(const struct pl031 *rtc, uint64_t offset,
			 int64_t now)
{
	const struct pl031_regs *r = &rtc->regs;

	switch (offset) {
	case RTCDR:
		return counter(rtc, now);
	case RTCMR:
		return r->mr;
	case RTCLR:
		return r->lr;
	case RTCCR:
		/* Started, as firmware leaves it: the counter always runs. */
		return 1;
	case RTCIMSC:
		return r->imsc;
	case RTCRIS:
		return r->ris;
	case RTCMIS:
		return r->ris & r->imsc;
	default:
		if (offset >= RTC_ID) {
			unsigned int n = (unsigned int)(offset - RTC_ID) / 4;
			uint32_t id = n < 4 ? PL031_PERIPH_ID : PRIMECELL_ID;

			return (id >> (8 * (n % 4))) & 0xff;
		}
		return 0;	/* RTCICR, reserved and test registers */
	}
}

static void write_reg(struct pl031 *rtc, uint64_t offset, uint32_t v,
		      int64_t now)
{
	struct pl031_regs *r = &rtc->regs;

	switch (offset) {
	case RTCMR:
		r->mr = v;
		break;
	case RTCLR:
		/* Loads the counter at once; the host's clock is untouched. */
		r->lr = v;
		r->offset = (int64_t)v - now;
		break;
	case RTCIMSC:
		r->imsc = v & 1;
		return;
	case RTCICR:
		r->ris &= ~v & 1;
		return;
	default:
		/* RTCCR cannot stop a started RTC; the rest are read-only. */
		return;
	}
	/* A counter that equals RTCMR after RTCMR or RTCLR changed matches. */
	if (counter(rtc, now) == r->mr)
		r->ris = 1;
}

void pl031_mmio(struct pl031 *rtc, uint64_t offset, uint8_t *data,
		unsigned int len, bool is_write)
{
	uint32_t v;
	int64_t now;

	if (len != 4 || offset % 4 || offset >= PL031_SIZE) {
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	pthread_mutex_lock(&rtc->lock);
	now = rtc->hooks->now(rtc->opaque);
	catch_up(rtc, now);
	if (is_write) {
		memcpy(&v, data, 4);
		write_reg(rtc, offset, le32toh(v), now);
	} else {
		v = htole32(read_reg(rtc, offset, now));
		memcpy(data, &v, 4);
	}
	update(rtc, now);
	pthread_mutex_unlock(&rtc->lock);
}

void pl031_timer(struct pl031 *rtc)
{
	int64_t now;

	pthread_mutex_lock(&rtc->lock);
	now = rtc->hooks->now(rtc->opaque);
	catch_up(rtc, now);
	update(rtc, now);
	pthread_mutex_unlock(&rtc->lock);
}

#define PL031_STATE "pl031"
#define PL031_STATE_VERSION 1

void pl031_save(struct pl031 *rtc, struct state_writer *w)
{
	pthread_mutex_lock(&rtc->lock);
	state_begin(w, PL031_STATE, PL031_STATE_VERSION);
	state_put_u64(w, "offset", (uint64_t)rtc->regs.offset);
	state_put_u64(w, "mr", rtc->regs.mr);
	state_put_u64(w, "lr", rtc->regs.lr);
	state_put_u64(w, "imsc", rtc->regs.imsc);
	state_put_u64(w, "ris", rtc->regs.ris);
	pthread_mutex_unlock(&rtc->lock);
	state_end(w);
}

int pl031_load(struct pl031 *rtc, const void *rec, size_t len, char *why,
	       size_t why_len)
{
	struct state_reader sr;
	uint64_t offset, mr, lr, imsc, ris;
	int64_t now;
	int ret;

	ret = state_open(&sr, rec, len, PL031_STATE, PL031_STATE_VERSION, why,
			 why_len);
	ret = ret ?: state_get_u64(&sr, "offset", &offset);
	ret = ret ?: state_get_uint(&sr, "mr", UINT32_MAX, &mr);
	ret = ret ?: state_get_uint(&sr, "lr", UINT32_MAX, &lr);
	ret = ret ?: state_get_uint(&sr, "imsc", 1, &imsc);
	ret = ret ?: state_get_uint(&sr, "ris", 1, &ris);
	if (ret)
		return ret;
	pthread_mutex_lock(&rtc->lock);
	rtc->regs = (struct pl031_regs){ .offset = (int64_t)offset,
					 .mr = (uint32_t)mr,
					 .lr = (uint32_t)lr,
					 .imsc = (uint32_t)imsc,
					 .ris = (uint32_t)ris };
	/* The counter goes on from the host's clock now. */
	now = rtc->hooks->now(rtc->opaque);
	rtc->checked = now;
	rtc->timer_at = 0;
	rtc->irq_level = -1;
	update(rtc, now);
	pthread_mutex_unlock(&rtc->lock);
	return 0;
}

/*
 * The device glue: the host's clock, a timerfd on the main thread's
 * event loop for matches (so the interrupt is raised there, or on the
 * vcpu thread whose access caused it), the MMIO window, SPI and node.
 */

struct rtc_dev {
	struct device dev;
	struct pl031 rtc;
	struct event_handler timer_ev;	/* a CLOCK_REALTIME timerfd */
	bool timer_on_loop;
	struct log_ratelimit timer_log_rl;
};

static int64_t rtc_now(void *opaque)
{
	struct timespec ts;

	(void)opaque;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

static void rtc_set_irq(void *opaque, int level)
{
	struct rtc_dev *rd = opaque;

	vm_irq_line(rd->dev.vm, rd->dev.spi, level);
}

static void rtc_set_timer(void *opaque, int64_t when)
{
	struct rtc_dev *rd = opaque;
	/* Absolute: a host clock that is set moves the expiry with it. */
	struct itimerspec its = { .it_value.tv_sec = (time_t)when };

	if (timerfd_settime(rd->timer_ev.fd, TFD_TIMER_ABSTIME, &its, NULL) &&
	    log_ratelimit_ok(&rd->timer_log_rl, 3))
		pr_warn("rtc: arming the match timer failed: %s: the guest's RTC alarm will not fire",
			strerror(errno));
}

static const struct pl031_hooks rtc_hooks = {
	.now = rtc_now,
	.set_irq = rtc_set_irq,
	.set_timer = rtc_set_timer,
};

static void rtc_timer_expired(struct event_handler *h, uint32_t events)
{
	struct rtc_dev *rd = container_of(h, struct rtc_dev, timer_ev);
	uint64_t expirations;

	(void)events;
	/* EAGAIN: a vcpu re-armed it meanwhile; the model sorts that out. */
	if (read(h->fd, &expirations, sizeof(expirations)) < 0 &&
	    errno != EAGAIN)
		return;
	pl031_timer(&rd->rtc);
}

static int rtc_start(struct device *dev)
{
	struct rtc_dev *rd = container_of(dev, struct rtc_dev, dev);
	int ret = event_loop_add(dev->vm->loop, &rd->timer_ev, EPOLLIN);

	if (ret) {
		pr_err("rtc: cannot watch the match timer: %s", strerror(-ret));
		return ret;
	}
	rd->timer_on_loop = true;
	return 0;
}

static void rtc_stop(struct device *dev)
{
	struct rtc_dev *rd = container_of(dev, struct rtc_dev, dev);

	if (rd->timer_on_loop)
		event_loop_del(dev->vm->loop, &rd->timer_ev);
	rd->timer_on_loop = false;
}

/* A PrimeCell needs its bus clock named: a fixed clock stands for it. */
static int rtc_fdt_node(const struct device *dev, void *fdt)
{
	static const char compat[] = "arm,pl031\0arm,primecell";
	fdt64_t reg[2] = { cpu_to_fdt64(dev->mmio_base),
			   cpu_to_fdt64(dev->mmio_size) };
	char name[32];
	int ret = fdt_begin_node(fdt, "apb-pclk");

	ret = ret ?: fdt_property_string(fdt, "compatible", "fixed-clock");
	ret = ret ?: fdt_property_u32(fdt, "#clock-cells", 0);
	ret = ret ?: fdt_property_u32(fdt, "clock-frequency", 24000000);
	ret = ret ?: fdt_property_string(fdt, "clock-output-names", "clk24mhz");
	ret = ret ?: fdt_property_u32(fdt, "phandle", FDT_APB_PCLK_PHANDLE);
	ret = ret ?: fdt_end_node(fdt);
	snprintf(name, sizeof(name), "rtc@%llx",
		 (unsigned long long)dev->mmio_base);
	ret = ret ?: fdt_begin_node(fdt, name);
	ret = ret ?: fdt_property(fdt, "compatible", compat, sizeof(compat));
	ret = ret ?: fdt_property(fdt, "reg", reg, sizeof(reg));
	ret = ret ?: fdt_prop_spi(fdt, dev->spi, false);
	ret = ret ?: fdt_property_u32(fdt, "clocks", FDT_APB_PCLK_PHANDLE);
	ret = ret ?: fdt_property_string(fdt, "clock-names", "apb_pclk");
	return ret ?: fdt_end_node(fdt);
}

static void rtc_destroy(struct device *dev)
{
	struct rtc_dev *rd = container_of(dev, struct rtc_dev, dev);

	pl031_destroy(&rd->rtc);
	if (rd->timer_ev.fd >= 0)
		close(rd->timer_ev.fd);
	free(rd);
}

static int rtc_save(struct device *dev, struct state_writer *w)
{
	struct rtc_dev *rd = container_of(dev, struct rtc_dev, dev);

	pl031_save(&rd->rtc, w);
	return w->err;
}

static int rtc_load(struct device *dev, const void *rec, size_t len,
		    char *why, size_t why_len)
{
	struct rtc_dev *rd = container_of(dev, struct rtc_dev, dev);

	return pl031_load(&rd->rtc, rec, len, why, why_len);
}

static const struct device_ops rtc_ops = {
	.fdt_node = rtc_fdt_node,
	.start = rtc_start,
	.stop = rtc_stop,
	.destroy = rtc_destroy,
	.save = rtc_save,
	.load = rtc_load,
};

static void rtc_mmio(void *opaque, uint64_t offset, uint8_t *data,
		     unsigned int len, bool is_write)
{
	struct rtc_dev *rd = opaque;

	pl031_mmio(&rd->rtc, offset, data, len, is_write);
}

static int rtc_instantiate(struct vm *vm)
{
	struct rtc_dev *rd;
	int ret;

	if (!vm->cfg->rtc)
		return 0;
	rd = calloc(1, sizeof(*rd));
	if (!rd)
		return -ENOMEM;
	rd->dev.ops = &rtc_ops;
	rd->dev.name = "rtc";
	rd->timer_ev.fn = rtc_timer_expired;
	rd->timer_ev.fd = timerfd_create(CLOCK_REALTIME,
					 TFD_CLOEXEC | TFD_NONBLOCK);
	if (rd->timer_ev.fd < 0) {
		ret = -errno;
		pr_err("rtc: timerfd_create: %s", strerror(errno));
		free(rd);
		return ret;
	}
	vm_add_device(vm, &rd->dev);
	pl031_init(&rd->rtc, &rtc_hooks, rd);

	ret = res_alloc_mmio(&vm->res, RES_RTC, rd->dev.name,
			     &rd->dev.mmio_base, &rd->dev.mmio_size);
	ret = ret ?: res_alloc_irq(&vm->res, rd->dev.name, &rd->dev.spi);
	if (ret)
		return ret;
	if (rd->dev.mmio_size < PL031_SIZE) {
		pr_err("rtc: the RTC window has %llu bytes, a PL031 needs %llu",
		       (unsigned long long)rd->dev.mmio_size, PL031_SIZE);
		return -ENOSPC;
	}
	return mmio_bus_register(&vm->mmio, rd->dev.mmio_base, PL031_SIZE,
				 rtc_mmio, rd, "pl031");
}

#define CFG(ctx) ((struct vm_config *)(ctx))

static int set_no_rtc(void *ctx, const char *arg)
{
	(void)arg;
	CFG(ctx)->rtc = false;
	return 0;
}

static const struct opt rtc_options[] = {
	OPT_GROUP_HEADING(" Device options:"),
	{ OPT_FLAG, 0, "no-rtc", NULL, "No real-time clock (PL031): the guest's clock starts at 1970", set_no_rtc },
	OPT_TABLE_END,
};

static void rtc_describe_config(const struct vm_config *cfg, FILE *f)
{
	fprintf(f, "    \"rtc\": %s,\n", cfg->rtc ? "true" : "false");
}

static int rtc_config_from_manifest(const struct json_value *config,
				    struct vm_config *cfg,
				    const struct restore_options *ro,
				    char *why, size_t why_len)
{
	(void)ro;
	return json_member_bool(config, "rtc", &cfg->rtc, why, why_len);
}

const struct device_model pl031_model = {
	.name = "pl031",
	.options = rtc_options,
	.instantiate = rtc_instantiate,
	.describe_config = rtc_describe_config,
	.config_from_manifest = rtc_config_from_manifest,
};

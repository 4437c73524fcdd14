/*
 * A minimal virtio-mmio driver for hostile payloads: one queue (0) of
 * QNUM entries laid out in AREA, polled rather than interrupt-driven.
 * Payloads break the rules on purpose through these helpers.
 */
#ifndef VDRV_H
#define VDRV_H

#include "baremetal.h"

#define REG_MAGIC 0x000
#define REG_DEVICE_ID 0x008
#define REG_DEV_FEAT_SEL 0x014
#define REG_DRV_FEAT 0x020
#define REG_DRV_FEAT_SEL 0x024
#define REG_QUEUE_SEL 0x030
#define REG_QUEUE_NUM_MAX 0x034
#define REG_QUEUE_NUM 0x038
#define REG_QUEUE_READY 0x044
#define REG_QUEUE_NOTIFY 0x050
#define REG_INT_STATUS 0x060
#define REG_INT_ACK 0x064
#define REG_STATUS 0x070
#define REG_DESC_LO 0x080
#define REG_DESC_HI 0x084
#define REG_AVAIL_LO 0x090
#define REG_AVAIL_HI 0x094
#define REG_USED_LO 0x0a0
#define REG_USED_HI 0x0a4
#define REG_CONFIG 0x100

#define S_ACK 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8
#define S_NEEDS_RESET 64

#define F_NEXT 1
#define F_WRITE 2
#define F_INDIRECT 4

/* Feature bits of the first word: ring features. */
#define F_RING_INDIRECT (1U << 28)
#define F_RING_EVENT_IDX (1U << 29)

/* lkvm's virtio-mmio slots: 512 bytes each from 0x3000000. */
#define VIRTIO_MMIO_BASE 0x03000000UL
#define VIRTIO_MMIO_SLOT 0x200UL

/* A queue's rings in an area of RAM: room for QueueNumMax (256) each. */
#define QDESC(area) (area)
#define QAVAIL(area) ((area) + 0x1000)
#define QUSED(area) ((area) + 0x2000)

/* 8 MiB into RAM: far from the payload, inside the smallest --mem. */
#define AREA 0x80800000UL
#define DESC QDESC(AREA)
#define AVAIL QAVAIL(AREA)
#define USED QUSED(AREA)
#define IND (AREA + 0x3000)
#define BUF (AREA + 0x4000)
#define AREA_SIZE 0x5000UL
#define QNUM 8

/* What each "FAIL" and progress line starts with, e.g. "evil: ". */
extern const char *vdrv_prefix;
extern int vdrv_failures;

void w32(u64 base, u64 off, u32 v);
u32 r32(u64 base, u64 off);
void w64(u64 addr, u64 v);
void w16(u64 addr, unsigned short v);
unsigned short r16(u64 addr);
void barrier(void);
void fail(const char *what);
void clear(u64 addr, u64 len);
void put_desc(u64 table, u32 i, u64 addr, u32 len, u32 flags, u32 next);
/* Notifies queue @q of the device at @base. */
void kick(u64 base, u32 q);
/*
 * Publishes head @head as avail entry (@idx - 1) % QNUM, sets avail->idx
 * to @idx and notifies queue 0.
 */
void submit(u64 base, u32 head, unsigned short idx);
/* Resets the device and sets these features; FEATURES_OK? */
int negotiate_with(u64 base, u32 low_features, u32 high_features);
/* Sets features (indirect, event idx, @high_features); FEATURES_OK? */
int negotiate(u64 base, u32 high_features);
/* Queue @q of @num entries, its rings in @area (QDESC() ...), enabled. */
void enable_queue(u64 base, u32 q, u32 num, u64 area);
/* Features negotiated, queue 0 of @num entries at AREA enabled. */
void setup_queue(u64 base, u32 num);
/* A fresh, well-formed queue 0 of QNUM entries, device live. */
void setup(u64 base);
int wait_needs_reset(u64 base);
/*
 * Polls used->idx of the ring at @used (USED for wait_used) until it is
 * @idx, without exits; 0 after 10 s.
 */
int wait_used_at(u64 used, unsigned short idx);
int wait_used(unsigned short idx);
/* The generic timer: the time @seconds from now; is it not yet @when? */
u64 deadline(u64 seconds);
int before(u64 when);
/* Spins for @us microseconds, without exits. */
void delay_us(u64 us);
void expect_broken(u64 base, const char *what);
/* The first slot holding device @id, or 0. */
u64 find_device(u32 id);

#endif

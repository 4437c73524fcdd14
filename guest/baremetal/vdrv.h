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

/* lkvm's virtio-mmio slots: 512 bytes each from 0x3000000. */
#define VIRTIO_MMIO_BASE 0x03000000UL
#define VIRTIO_MMIO_SLOT 0x200UL

/* 8 MiB into RAM: far from the payload, inside the smallest --mem. */
#define AREA 0x80800000UL
#define DESC (AREA)
#define AVAIL (AREA + 0x1000)
#define USED (AREA + 0x2000)
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
/*
 * Publishes head @head as avail entry (@idx - 1) % QNUM, sets avail->idx
 * to @idx and notifies queue 0.
 */
void submit(u64 base, u32 head, unsigned short idx);
/* Sets features (indirect, event idx, @high_features); FEATURES_OK? */
int negotiate(u64 base, u32 high_features);
/* Features negotiated, queue 0 of @num entries at AREA enabled. */
void setup_queue(u64 base, u32 num);
/* A fresh, well-formed queue 0 of QNUM entries, device live. */
void setup(u64 base);
int wait_needs_reset(u64 base);
int wait_used(unsigned short idx);
void expect_broken(u64 base, const char *what);
/* The first slot holding device @id, or 0. */
u64 find_device(u32 id);

#endif

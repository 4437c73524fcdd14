/* Helpers for bare-metal payloads (MMU off: every access is Device memory). */
#ifndef BAREMETAL_H
#define BAREMETAL_H

typedef unsigned long u64;
typedef unsigned int u32;
typedef unsigned char u8;

#define UART_BASE 0x01000000UL

#define PSCI_VERSION 0x84000000UL
#define PSCI_CPU_OFF 0x84000002UL
#define PSCI_CPU_ON 0xc4000003UL
#define PSCI_SYSTEM_OFF 0x84000008UL
#define PSCI_SYSTEM_RESET 0x84000009UL

static inline void mmio_write8(u64 addr, u8 v)
{
	*(volatile u8 *)addr = v;
}

static inline u8 mmio_read8(u64 addr)
{
	return *(volatile u8 *)addr;
}

static inline void mmio_write32(u64 addr, u32 v)
{
	*(volatile u32 *)addr = v;
}

static inline u32 mmio_read32(u64 addr)
{
	return *(volatile u32 *)addr;
}

u64 psci_call(u64 fn, u64 a1, u64 a2, u64 a3);
void secondary_entry(void);

void putc(char c);
void puts(const char *s);
void put_hex(u64 v);
void put_dec(u64 v);
void psci_system_off(void);
void psci_system_reset(void);

/* Implemented by each payload. */
void payload_main(u64 dtb);
void payload_secondary(u64 context);

#endif

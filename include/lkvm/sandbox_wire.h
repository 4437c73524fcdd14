/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_SANDBOX_WIRE_H
#define LKVM_SANDBOX_WIRE_H

/*
 * What lkvm hands the sandbox's guest init on the status port, once the
 * init has said "ready" (after booting, or after a restore from a warm
 * template): the command and everything that belongs to this one run.
 * Shared by lkvm (sandbox/command.c) and the guest init
 * (guest/init/command.c), which includes it by path: plain C only.
 *
 *   "LKC1" | u32 length of the entries | entries
 *   entry: u8 type | u32 length | that many bytes     (little-endian)
 *
 * ARG entries, in order, are the command (none with a SCRIPT); TTY is one
 * byte, 1 when the command runs on the console; REALTIME is the host's
 * wall clock in nanoseconds since the epoch (u64) when lkvm sent it; SEED
 * is fresh host entropy the guest mixes into its RNG and reseeds from.
 * PATH, for a command named without a "/", is where lkvm found it in
 * the guest's SBX_COMMAND_PATH (sandbox/command_path.c): the init execs
 * it first and searches the PATH itself only when that fails.
 */
#define SBX_WIRE_MAGIC "LKC1"
#define SBX_WIRE_HEADER 8U
#define SBX_WIRE_ENTRY_HEADER 5U
/* The whole message, a 16 MiB --sandbox script included. */
#define SBX_WIRE_MAX ((16U << 20) + (1U << 20))
#define SBX_WIRE_SEED_BYTES 64U

enum sbx_wire_type {
	SBX_WIRE_ARG = 1,
	SBX_WIRE_SCRIPT = 2,
	SBX_WIRE_CWD = 3,
	SBX_WIRE_HOSTNAME = 4,
	SBX_WIRE_TTY = 5,
	SBX_WIRE_TERM = 6,
	SBX_WIRE_REALTIME = 7,
	SBX_WIRE_SEED = 8,
	SBX_WIRE_PATH = 9,
};

/* The command's PATH in the guest. */
#define SBX_COMMAND_PATH \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The init's first line on the status port: booted, waiting for this. */
#define SBX_WIRE_READY "ready"

#endif

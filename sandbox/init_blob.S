/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sandbox's guest init (guest/init), embedded in lkvm: `lkvm
 * sandbox` puts it in the initramfs it builds, `lkvm setup` in the root.
 *
 * A section of its own, not .rodata.*: the linker then puts it after
 * .rodata instead of in its middle, where its 650 KiB, which `lkvm run`
 * never reads, kept the read-only data a run does read in more 64 KiB
 * windows, each a page fault that maps 16 pages (testing.md).
 */
	.section .lkvm_cold_rodata.guest_init, "a"
	.balign 16
	.global lkvm_guest_init
lkvm_guest_init:
	.incbin GUEST_INIT_PATH
	.global lkvm_guest_init_end
lkvm_guest_init_end:
	.section .note.GNU-stack, "", %progbits

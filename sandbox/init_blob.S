/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sandbox's guest init (guest/init), embedded in lkvm: `lkvm
 * sandbox` puts it in the initramfs it builds, `lkvm setup` in the root.
 */
	.section .rodata.lkvm_guest_init, "a"
	.balign 16
	.global lkvm_guest_init
lkvm_guest_init:
	.incbin GUEST_INIT_PATH
	.global lkvm_guest_init_end
lkvm_guest_init_end:
	.section .note.GNU-stack, "", %progbits

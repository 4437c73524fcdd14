/*
 * Entry of every bare-metal payload. The boot CPU arrives with x0 = DTB
 * address (arm64 boot protocol); secondaries arrive through PSCI CPU_ON
 * with x0 = their context id.
 */
	.section .text.head, "ax"
	.global _head_entry
_head_entry:
#ifdef IMAGE_HEADER
	/* arm64 Image header (Documentation/arch/arm64/booting.rst). */
	b	boot_entry		/* code0 */
	.long	0			/* code1 */
	.quad	0x80000			/* text_offset */
	.quad	_image_size		/* image_size (linker script) */
	.quad	0xa			/* flags: LE, 4K pages, anywhere */
	.quad	0, 0, 0			/* res2-4 */
	.ascii	"ARM\x64"		/* magic */
	.long	0			/* res5 */
#endif
boot_entry:
	mov	x19, x0
	ldr	x1, =_stack_top
	mov	sp, x1
	/* Clear .bss with plain stores (no DC ZVA with the MMU off). */
	ldr	x1, =_bss_start
	ldr	x2, =_bss_end
1:	cmp	x1, x2
	b.hs	2f
	str	xzr, [x1], #8
	b	1b
2:	mov	x0, x19
	bl	payload_main
	bl	psci_system_off
3:	wfi
	b	3b

	.global secondary_entry
secondary_entry:
	/* x0 = context id: the index of a 4 KiB stack below _stack_top. */
	ldr	x1, =_stack_top
	sub	x1, x1, #0x1000
	mov	sp, x1
	bl	payload_secondary
4:	wfi
	b	4b

	/*
	 * PSCI's conduit is HVC at EL1; at EL2 (lkvm run --nested) HVC would
	 * call the payload's own hypervisor level, so PSCI is reached by SMC.
	 */
	.global psci_call
psci_call:
	mrs	x9, CurrentEL
	cmp	x9, #(2 << 2)
	b.eq	5f
	hvc	#0
	ret
5:	smc	#0
	ret

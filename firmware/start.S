/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/* Entry point of the pbus remote firmware: set a stack, run main. */
	.syntax unified
	.arm
	.section .text.start, "ax", %progbits
	.global _start
	.type _start, %function
_start:
	ldr	sp, =__stack_top
	bl	pbus_fw_main
1:	wfi
	b	1b
	.size _start, . - _start

/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Types of the portable cores (the protocol core here, the remote's rpmsg
 * endpoint layer): the kernel's own in kernel builds, the same names over
 * <stdint.h> types everywhere else.
 */
#ifndef PBUS_TYPES_H
#define PBUS_TYPES_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
/*
 * GCC and clang predefine these. Ports whose compiler lacks them, or that
 * already have u8/u16/u32, define PBUS_HAVE_KERNEL_TYPES.
 */
#ifndef PBUS_HAVE_KERNEL_TYPES
typedef __UINT8_TYPE__ u8;
typedef __UINT16_TYPE__ u16;
typedef __UINT32_TYPE__ u32;
#endif
#endif

#endif /* PBUS_TYPES_H */

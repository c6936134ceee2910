#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The target environment the other tests rely on.
. "$(dirname "$0")/lib.sh"

dmesg_mark
assert_cmd "debugfs mounted" grep -q ' /sys/kernel/debug debugfs ' /proc/mounts
assert_cmd "/dev is populated" test -c /dev/null
assert_cmd "a gpiochip exists" sh -c 'ls /dev/gpiochip*'
assert_cmd "module dir writable" test -w "/lib/modules/$(uname -r)"
assert_cmd "modprobe works" load_modules crc-itu-t
if [ -e /sys/bus/virtio ]; then
	assert_cmd "rpmsg stack loads" load_modules rpmsg_core rpmsg_char virtio_rpmsg_bus
else
	skip "no virtio bus: not the QEMU guest"
fi
unload_modules
dmesg_clean
finish

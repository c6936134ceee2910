#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Access control of /dev/pbus/<name> (the model in include/uapi/linux/pbus.h),
# as an unprivileged user in group gpio (user "pbus" of the guest image) and
# as root: RESET pulses need CAP_SYS_ADMIN and no kernel user; a file holds
# at most 64 merged claims and releases any part of one; a claim holds for
# the whole write; while remoteproc runs, its window and the remote's
# registers are neither readable nor claimable without CAP_SYS_RAWIO. TAP.
#
# The device is given the owner and mode of udev/60-pbus.rules (root:gpio
# 0660): the guest has no udev.
#
# Env: PBUS_DEV (default /dev/pbus/pbus0), PBUS_ACCESS (the helper), FW_SRC.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/rproc-lib.sh"

DEV=${PBUS_DEV:-/dev/pbus/pbus0}
ACC=${PBUS_ACCESS:-$(find_tool pbus-access)}
GOOD=pbus-remote-fw.elf
FWDIR=/lib/firmware

[ -n "$ACC" ] || skip_all "no pbus-access helper"
uid=$(awk -F: '$1 == "pbus" { print $3 }' /etc/passwd)
gid=$(awk -F: '$1 == "gpio" { print $3 }' /etc/group)
[ -n "$uid" ] && [ -n "$gid" ] || skip_all "no user pbus or group gpio in this image"
load_modules pbus_cable pbus pbus_remote || skip_all "pbus modules do not load"
wait_for 5 test -c "$DEV" || skip_all "no $DEV"
chgrp gpio "$DEV" && chmod 0660 "$DEV"
dmesg_mark

user() { "$ACC" -u "$uid:$gid" "$@"; }

# Nothing reserved by the kernel yet.
assert_eq "user: read of free window space" OK "$(user read "$DEV" 0x1000 16)"
assert_eq "user: claim + write, one byte past it refused" "OK EACCES" \
	"$(user claimwrite "$DEV" 0x20000 64)"
assert_eq "user: RESET pulse refused without CAP_SYS_ADMIN" EPERM \
	"$(user reset "$DEV" 1)"
assert_eq "user: resync allowed to writers" OK "$(user reset "$DEV" 0)"
assert_eq "user: RESET value other than 0/1" EINVAL "$(user reset "$DEV" 2)"
assert_eq "user: 64 claims per file, then ENOSPC" "64 ENOSPC" \
	"$(user cap "$DEV" 0x30000)"
assert_eq "user: adjacent claims merge; a release cuts out of the middle" \
	"OK OK OK OK EACCES EACCES OK" "$(user merge "$DEV" 0x38000)"
assert_eq "user: a release waits for the write its claim allowed" \
	"OK OK release-after-write" "$(user hold "$DEV" 0x10000 0x20000)"
assert_eq "root: RESET pulse with no kernel user" OK "$("$ACC" reset "$DEV" 1)"

# remoteproc running: window and registers are the kernel's.
src=${FW_SRC:-$(dirname "$0")/../../firmware}
[ -f "$src/$GOOD" ] && [ "$(cd "$src" && pwd)" != "$FWDIR" ] &&
	mkdir -p "$FWDIR" && cp "$src/$GOOD" "$FWDIR/"
if load_modules pbus_rproc && wait_for 5 find_rproc; then
	RP=$(find_rproc)
	echo "$GOOD" > "$RP/firmware"
	rp_start
fi
if [ -n "$RP" ] && state_is running; then
	ok "remoteproc running"
	assert_eq "user: read of the loaded firmware" EPERM "$(user read "$DEV" 0 16)"
	assert_eq "user: read of the remote's registers" EPERM \
		"$(user read "$DEV" 0xffff0100 4)"
	assert_eq "user: claim and write of the control block" "EBUSY EPERM" \
		"$(user claimwrite "$DEV" 0xffff0100 4)"
	assert_eq "user: RESET pulse" EPERM "$(user reset "$DEV" 1)"
	assert_eq "root: read of the registers (CAP_SYS_RAWIO)" OK \
		"$("$ACC" read "$DEV" 0xffff0000 4)"
	assert_eq "root: claim of the control block" EBUSY \
		"$("$ACC" claim "$DEV" 0xffff0100 4)"
	assert_eq "root: RESET pulse while remoteproc holds the remote" EBUSY \
		"$("$ACC" reset "$DEV" 1)"
	assert_eq "remote still running after the refused resets" running "$(state)"
	rp_stop
	assert_eq "stopped: the registers are free again" OK \
		"$(user read "$DEV" 0xffff0000 4)"
else
	not_ok "remoteproc running (state $(state))"
fi

dmesg_clean
finish

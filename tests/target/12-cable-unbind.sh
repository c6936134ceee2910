#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The test cable cannot be unbound under a bound pbus (issue 9, defect 12):
# no sysfs unbind/bind files, no rmmod while the bus holds its lines, and
# the bus still works afterwards; a plain unbind (rmmod) of an idle cable
# is clean. TAP output.

. "$(dirname "$0")/lib.sh"

DRV=/sys/bus/platform/drivers/pbus-cable
DEV=/dev/pbus/pbus0
PBUSCTL=$(find_tool pbusctl)
[ -n "$PBUSCTL" ] || skip_all "no pbusctl"
unload_modules pbus pbus_cable
dmesg_mark
load_modules pbus_cable pbus || skip_all "cannot load pbus_cable and pbus"
wait_for 5 test -c "$DEV"

[ -d "$DRV" ] && ok "cable driver registered" || not_ok "cable driver registered"
[ ! -e "$DRV/unbind" ] && ok "no sysfs unbind for the cable" ||
	not_ok "no sysfs unbind for the cable ($DRV/unbind exists)"
[ ! -e "$DRV/bind" ] && ok "no sysfs bind for the cable" ||
	not_ok "no sysfs bind for the cable ($DRV/bind exists)"
if rmmod pbus_cable 2>/dev/null; then
	not_ok "rmmod pbus_cable refused while pbus holds its lines"
	load_modules pbus_cable
else
	ok "rmmod pbus_cable refused while pbus holds its lines"
fi
assert_cmd "bus still reads MAGIC" "$PBUSCTL" -d "$DEV" info
unload_modules pbus
if rmmod pbus_cable 2>/dev/null; then
	ok "idle cable unloads"
else
	not_ok "idle cable unloads"
fi
T_LOADED=
dmesg_clean
finish

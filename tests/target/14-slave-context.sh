#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Line direction changes of both bus ends happen where pinctrl-bcm2835's
# direction path may sleep (issue 9, defect 7): never in hard IRQ context or
# with interrupts disabled. The test cable counts the offending calls per
# side ("atomic_direction" in its stats); this test drives the slave's edge,
# RESET and idle-timeout paths and asserts both counts stay 0. TAP output.
#
# Env: PBUS_DEV (/dev/pbus/pbus0).

. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/target/cable-lib.sh
. "$(dirname "$0")/cable-lib.sh"

unload_modules pbus pbus_cable
dmesg_mark
load_modules pbus_cable pbus || skip_all "cannot load pbus_cable and pbus"
wait_for 5 test -c "$DEV" || skip_all "no $DEV"
T=$(mktemp -d /tmp/pbus-ctx.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT


echo 0 > "$CBL/stats"
r0=$(sstat resets)
i0=$(sstat idle_timeouts)

# Edge path: writes, and reads (the slave turns the data lines around).
head -c 16384 /dev/urandom > "$T/w"
pc load 0 "$T/w" && pc dump 0 16384 "$T/r" && cmp -s "$T/w" "$T/r"
assert_eq "16 KiB written and read back" 0 $?

# RESET path.
assert_cmd "hard reset (RESET pulse)" pc reset --hard
# Idle-timeout path: ACK stuck, the host gives up in the middle of a read.
echo "10 1" > "$CBL/stick"
pc dump 0 64 "$T/r" 2>/dev/null
echo off > "$CBL/stick"
sleep 0.3
pc reset >/dev/null 2>&1
magic=$(pc peek 0xffff0000 4 2>/dev/null | cut -d' ' -f2-5)
assert_eq "link back after the stuck ACK (MAGIC)" "50 42 55 53" "$magic"

r1=$(sstat resets)
i1=$(sstat idle_timeouts)
[ "$r1" -gt "$r0" ] && ok "RESET path ran ($r0 -> $r1)" ||
	not_ok "RESET path ran ($r0 -> $r1)"
[ "$i1" -gt "$i0" ] && ok "idle-timeout path ran ($i0 -> $i1)" ||
	not_ok "idle-timeout path ran ($i0 -> $i1)"
d=$(cstat b.direction)
[ "${d:-0}" -gt 0 ] && ok "slave changed line directions ($d calls)" ||
	not_ok "slave changed line directions ('$d')"
assert_eq "slave: no direction change in atomic context" 0 "$(cstat b.atomic_direction)"
assert_eq "master: no direction change in atomic context" 0 "$(cstat a.atomic_direction)"
dmesg_clean
finish

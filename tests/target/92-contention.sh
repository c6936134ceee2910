#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# No end drives a data line the other may be driving (issue 9, defect 11).
# The test cable counts, per line, each time both sides start driving it
# (debugfs "contention"). First the power-up case: the remote still drives
# D0..D7 (side b held as outputs by hand, as a remote in TX would) when the
# master binds; then master and slave are bound, unbound, reloaded and reset
# in several orders, with transfers in between and in flight. The count
# stays 0 throughout. TAP output.

. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/target/cable-lib.sh
. "$(dirname "$0")/cable-lib.sh"

need_gpio_tools
DRV=/sys/bus/platform/drivers
T=$(mktemp -d /tmp/pbus-cont.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT

# sum of the per-line counts
contention() { awk '{ n += $2 } END { print n + 0 }' "$CBL/contention"; }
lines() { awk '$2 > 0 { printf "%s%s", s, $1; s = "," }' "$CBL/contention"; }
# check0 DESC: no contention since the last check0
check0() {
	c=$(contention)
	[ "$c" = 0 ] || c="$c (lines $(lines))"
	assert_eq "$1: contention" 0 "$c"
	echo 0 > "$CBL/stats"
}
magic() { pc peek 0xffff0000 4 2>/dev/null | cut -d' ' -f2-5; }
link() { wait_for 5 test -c "$DEV" && [ "$(magic)" = "50 42 55 53" ]; }
traffic() {
	head -c 8192 /dev/urandom > "$T/w"
	pc load 0 "$T/w" && pc dump 0 8192 "$T/r" && cmp -s "$T/w" "$T/r"
}
bind() { echo "$2" > "$DRV/$1/bind" 2>/dev/null; }
unbind() { echo "$2" > "$DRV/$1/unbind" 2>/dev/null; }

unload_modules pbus pbus_cable
dmesg_mark
load_modules pbus_cable pbus || skip_all "cannot load pbus_cable and pbus"
# No link right after the load is a defect (the probe's patience), not a skip.
if ! link; then
	not_ok "link after loading pbus_cable and pbus (MAGIC '$(magic)')"
	finish
fi
M=$(basename "$(readlink -f "$DRV/pbus-master/"*master* 2>/dev/null | head -1)")
S=$(basename "$(readlink -f "$DRV/pbus-slave/"*slave* 2>/dev/null | head -1)")
[ -n "$M" ] && [ -n "$S" ] || skip_all "master or slave device not found"
chip_b=$(find_chip side-b)
echo 0 > "$CBL/stats"
check0 "probe, link up"

# Power-up: the remote drives D0..D7 when the master binds.
unbind pbus-slave "$S"; unbind pbus-master "$M"
gpio_set "$chip_b" 0=1 1=0 2=1 3=0 4=1 5=0 6=1 7=0
bind pbus-master "$M"
check0 "master bound while the remote drives D0..D7"
bind pbus-slave "$S"
pc reset >/dev/null 2>&1
assert_cmd "slave bound: transfers work" traffic
check0 "after the first frames"

# Orders of bind/unbind/reset/reload, with traffic between.
for seq in "um bm" "us bs" "um us bs bm" "us um bm bs" "um us bm bs" \
	   "hr" "rl" "us rl" "hr um bm" "rl hr"; do
	for op in $seq; do
		case $op in
		um) unbind pbus-master "$M" ;;
		bm) bind pbus-master "$M" ;;
		us) unbind pbus-slave "$S" ;;
		bs) bind pbus-slave "$S" ;;
		hr) pc reset --hard >/dev/null 2>&1 ;;
		rl) unload_modules pbus; modprobe pbus ;;
		esac
	done
	link || pc reset >/dev/null 2>&1
	assert_cmd "$seq: transfers work" traffic
	check0 "$seq"
done

# In flight: unbind either end in the middle of a long read.
for end in master slave; do
	head -c 262144 /dev/urandom > "$T/big"
	pc load 0 "$T/big" >/dev/null 2>&1
	pc dump 0 262144 "$T/r" >/dev/null 2>&1 &
	sleep 0.3
	if [ $end = master ]; then
		unbind pbus-master "$M"; wait; bind pbus-master "$M"
	else
		unbind pbus-slave "$S"; wait; bind pbus-slave "$S"
	fi
	link || pc reset >/dev/null 2>&1
	assert_cmd "$end unbound during a read: transfers work after" traffic
	check0 "$end unbound during a read"
done

unload_modules pbus pbus_cable
dmesg_clean
finish

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The test cable's asynchronous mode (issue 9, "Asynchronous cable"),
# selected with delay_ns=1000 jitter_ns=4000: a level change reaches the other side only after the
# configured delay (the reader sees the old level until then) and from the
# cable's delivery timer, not inside the caller; the bus works over it; with
# delay_ns=0 the cable is synchronous again (nothing goes through the
# timer). TAP output.

. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/target/cable-lib.sh
. "$(dirname "$0")/cable-lib.sh"

need_gpio_tools
PAR=/sys/module/pbus_cable/parameters
T=$(mktemp -d /tmp/pbus-async.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT

# shellcheck disable=SC2317 # run by wait_for
# The probe brought the link up (its patience covers a remote that is slow
# right after the load: docs/protocol.md, "Patience before a loss").
link_up() { pc info 2>/dev/null | grep -q '^link_up 1'; }

traffic() {
	head -c 32768 /dev/urandom > "$T/w"
	pc load 0 "$T/w" && pc dump 0 32768 "$T/r" && cmp -s "$T/w" "$T/r"
}

unload_modules pbus pbus_cable
dmesg_mark
modprobe pbus_cable delay_ns=1000 jitter_ns=4000 && T_LOADED="pbus_cable $T_LOADED" ||
	skip_all "cannot load pbus_cable"
d=$(cat "$PAR/delay_ns")
[ "$d" -gt 0 ] && ok "asynchronous when selected (delay_ns $d, jitter_ns $(cat "$PAR/jitter_ns"))" ||
	not_ok "asynchronous when selected (delay_ns '$d')"
a=$(find_chip side-a)
b=$(find_chip side-b)

# A slow wire: 300 ms. b reads the old level until the change arrives.
echo 300000000 > "$CBL/delay_ns"
echo 0 > "$CBL/jitter_ns"
gpio_get "$b" 3 >/dev/null
n0=$(cstat b.delivered)
gpio_set "$a" 3=1
early=$(gpio_get "$b" 3)
n1=$(cstat b.delivered)
sleep 0.6
late=$(gpio_get "$b" 3)
n2=$(cstat b.delivered)
assert_eq "before the delay: b reads the old level" 0 "$early"
assert_eq "before the delay: nothing delivered" "$n0" "$n1"
assert_eq "after the delay: b reads the new level" 1 "$late"
assert_eq "after the delay: one change delivered by the timer" $((n0 + 1)) "$n2"
gpio_set "$a" 3=0
sleep 0.6
echo "$d" > "$CBL/delay_ns"
echo "$(cat "$PAR/jitter_ns")" > "$CBL/jitter_ns"

# The bus over the asynchronous cable.
load_modules pbus || skip_all "cannot load pbus"
wait_for 5 test -c "$DEV" && wait_for 5 link_up
echo 0 > "$CBL/stats"
pc stats --reset >/dev/null 2>&1
assert_cmd "async: 32 KiB written and read back" traffic
da=$(cstat a.delivered)
db=$(cstat b.delivered)
[ "${da:-0}" -gt 0 ] && [ "${db:-0}" -gt 0 ] &&
	ok "async: changes delivered by the timer (to a $da, to b $db)" ||
	not_ok "async: changes delivered by the timer (to a '$da', to b '$db')"
assert_eq "async: no change merged by a full queue" "0 0" "$(cstat a.coalesced) $(cstat b.coalesced)"
assert_eq "async: no failed transfer" 0 "$(pc stats | sed -n 's/^failed //p')"
diag "async: $(pc stats | grep -E '^(timeouts|retries|resyncs) ' | tr '\n' ' ')"

# Synchronous mode, selected explicitly.
unload_modules
load_modules pbus_cable || skip_all "cannot reload pbus_cable"
rmmod pbus_cable
T_LOADED=
modprobe pbus_cable delay_ns=0 && modprobe pbus && T_LOADED="pbus pbus_cable"
wait_for 5 test -c "$DEV" && wait_for 5 link_up
echo 0 > "$CBL/stats"
assert_cmd "sync: 32 KiB written and read back" traffic
assert_eq "sync: nothing through the timer" "0 0" "$(cstat a.delivered) $(cstat b.delivered)"
dmesg_clean
finish

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Target test of the test cable (pbus_cable.ko): load it, find its two
# gpiochips, drive lines from one side and read them on the other, check the
# debugfs counters and fault injectors, unload. TAP output, POSIX sh (busybox).
#
# Needs: the DT node "pbus,test-cable" (dts/qemu/pbus-cable-test.dtso),
# libgpiod tools (v1 or v2), debugfs.
# Environment: PBUS_CABLE_KO = path of pbus_cable.ko if modprobe cannot find it
# (default: pbus_cable.ko next to this script, then in the current folder).

n=0
failed=0

ok() {
	n=$((n + 1))
	echo "ok $n - $*"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $*"
}

skip() {
	n=$((n + 1))
	echo "ok $n - $* # SKIP"
}

# check DESCRIPTION EXPECTED ACTUAL
check() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1 (expected '$2', got '$3')"
	fi
}

finish() {
	echo "1..$n"
	[ "$failed" -eq 0 ]
	exit $?
}

bail() {
	echo "Bail out! $*"
	echo "1..$n"
	exit 1
}

here=$(dirname "$0")
dbgroot=/sys/kernel/debug/pbus-cable

[ -d /sys/kernel/debug/pbus-cable ] || [ -d /sys/kernel/debug/tracing ] ||
	mount -t debugfs none /sys/kernel/debug 2>/dev/null

# libgpiod v1 (Debian 12) or v2 command syntax.
if gpioset --version 2>/dev/null | grep -q 'v1\.'; then
	gpiod_v2=0
else
	gpiod_v2=1
fi

gpio_set() { # CHIP LINE VALUE: drive and release (the line keeps its level)
	if [ "$gpiod_v2" = 1 ]; then
		gpioset -t 0 -c "$1" "$2=$3"
	else
		gpioset "$1" "$2=$3"
	fi
}

gpio_get() { # CHIP LINE...: request as input, print values
	chip=$1
	shift
	if [ "$gpiod_v2" = 1 ]; then
		gpioget --numeric -c "$chip" "$@"
	else
		gpioget "$chip" "$@"
	fi
}

stat_get() { # KEY, e.g. a.line_ops
	awk -v k="$1" '$1 == k { print $2 }' "$dbg/stats"
}

load_cable() { # [PARAM...]
	modprobe pbus_cable "$@" 2>/dev/null && return 0
	for ko in "$PBUS_CABLE_KO" "$here/pbus_cable.ko" ./pbus_cable.ko; do
		[ -n "$ko" ] && [ -f "$ko" ] && insmod "$ko" "$@" && return 0
	done
	return 1
}

# Find the gpiochip whose DT node is NAME (side-a or side-b).
find_chip() {
	for d in /sys/bus/gpio/devices/gpiochip*; do
		[ -e "$d/of_node" ] || continue
		case "$(readlink "$d/of_node")" in
		*/pbus-cable/"$1") basename "$d"; return 0 ;;
		esac
	done
	return 1
}

dmesg_mark=$(dmesg | wc -l)

# --- load ---------------------------------------------------------------
if lsmod | grep -q '^pbus_cable '; then
	rmmod pbus_cable 2>/dev/null ||
		echo "# pbus_cable already loaded and in use, testing it as is"
fi
if lsmod | grep -q '^pbus_cable ' || load_cable; then
	ok "pbus_cable loaded"
else
	bail "cannot load pbus_cable (set PBUS_CABLE_KO)"
fi

dbg=
for d in "$dbgroot"/*/; do
	[ -f "${d}stats" ] && dbg=${d%/} && break
done
if [ -n "$dbg" ]; then
	ok "debugfs directory $dbg"
else
	bail "no debugfs directory under $dbgroot"
fi

chip_a=$(find_chip side-a)
chip_b=$(find_chip side-b)
if [ -n "$chip_a" ] && [ -n "$chip_b" ]; then
	ok "gpiochips found: side a $chip_a, side b $chip_b"
else
	bail "cable gpiochips not found (a='$chip_a' b='$chip_b')"
fi

lines=$(gpiodetect | awk -v c="$chip_a" '$1 == c { gsub(/[()]/, "", $3); print $3 }')
check "side a has 16 lines" 16 "$lines"

# --- wiring -------------------------------------------------------------
echo 0 > "$dbg/stats"
check "stats reset" "0 0" "$(stat_get a.line_ops) $(stat_get b.line_ops)"

gpio_set "$chip_a" 3 1
check "a3=1 read on b3" 1 "$(gpio_get "$chip_b" 3)"
gpio_set "$chip_a" 3 0
check "a3=0 read on b3" 0 "$(gpio_get "$chip_b" 3)"
gpio_set "$chip_b" 5 1
check "b5=1 read on a5" 1 "$(gpio_get "$chip_a" 5)"
gpio_set "$chip_b" 5 0
check "b5=0 read on a5" 0 "$(gpio_get "$chip_a" 5)"

# Undriven lines read the pull-down level; a side reads back its own output.
gpio_get "$chip_a" 7 > /dev/null
check "undriven line reads 0 on both sides" "0 0" \
	"$(gpio_get "$chip_b" 7) $(gpio_get "$chip_a" 7)"

a_ops=$(stat_get a.line_ops)
b_ops=$(stat_get b.line_ops)
if [ "${a_ops:-0}" -gt 0 ] && [ "${b_ops:-0}" -gt 0 ]; then
	ok "line_ops counted (a $a_ops, b $b_ops)"
else
	not_ok "line_ops counted (a '$a_ops', b '$b_ops')"
fi

before=$(stat_get b.get_multiple)
gpio_set "$chip_a" 0 1
gpio_set "$chip_a" 1 0
gpio_set "$chip_a" 2 1
check "three data lines read at once" "1 0 1" "$(gpio_get "$chip_b" 0 1 2)"
after=$(stat_get b.get_multiple)
check "multi-line read is one get_multiple" $((before + 1)) "$after"

t=$(stat_get a.transitions)
if [ "${t:-0}" -ge 3 ]; then
	ok "transitions counted ($t)"
else
	not_ok "transitions counted ('$t')"
fi

# --- fault injection ----------------------------------------------------
gpio_get "$chip_b" 4 > /dev/null
gpio_get "$chip_a" 4 > /dev/null
echo "4 1" > "$dbg/stick"
check "stick 4 1: undriven line reads 1 on b" 1 "$(gpio_get "$chip_b" 4)"
gpio_set "$chip_a" 4 0
check "stick 4 1: driven 0 by a still reads 1 on b" 1 "$(gpio_get "$chip_b" 4)"
check "stick reads back" "4 1" "$(cat "$dbg/stick")"
echo off > "$dbg/stick"
check "stick off: b reads a's 0" 0 "$(gpio_get "$chip_b" 4)"
check "stick off reads back" off "$(cat "$dbg/stick")"

# drop_ack: the next transition of b's ACK (line 10) is not propagated.
gpio_set "$chip_b" 10 0
f0=$(stat_get b.faults)
echo 1 > "$dbg/drop_ack"
gpio_set "$chip_b" 10 1
check "drop_ack 1: a does not see ACK rise" 0 "$(gpio_get "$chip_a" 10)"
check "drop_ack consumed" 0 "$(cat "$dbg/drop_ack")"
check "drop counted as a fault" $((f0 + 1)) "$(stat_get b.faults)"
gpio_set "$chip_b" 10 0
gpio_set "$chip_b" 10 1
check "after drop: a sees ACK rise" 1 "$(gpio_get "$chip_a" 10)"

# flip_every 1 on line 2 only: every transition of line 2 arrives inverted.
gpio_set "$chip_a" 2 0
echo 4 > "$dbg/flip_mask"
echo 1 > "$dbg/flip_every"
gpio_set "$chip_a" 2 1
check "flip_every 1: a2=1 read as 0 on b" 0 "$(gpio_get "$chip_b" 2)"
gpio_set "$chip_a" 6 1
check "flip_mask: line 6 not flipped" 1 "$(gpio_get "$chip_b" 6)"
echo 0 > "$dbg/flip_every"
echo 0xffffffff > "$dbg/flip_mask"
check "flipped level held: a2=1 again still 0 on b" 0 "$(gpio_set "$chip_a" 2 1; gpio_get "$chip_b" 2)"
gpio_set "$chip_a" 2 0
gpio_set "$chip_a" 2 1
check "flip off: a2=1 read as 1 on b" 1 "$(gpio_get "$chip_b" 2)"

if echo 1001 > "$dbg/delay_us" 2>/dev/null; then
	not_ok "delay_us above 1000 refused"
else
	ok "delay_us above 1000 refused"
fi

# Both sides driving line 9: contention, and each reads the other's level.
c0=$(stat_get b.contention)
gpio_set "$chip_a" 9 1
gpio_set "$chip_b" 9 0
c1=$(stat_get b.contention)
if [ "${c1:-0}" -gt "${c0:-0}" ]; then
	ok "contention counted ($c0 -> $c1)"
else
	not_ok "contention counted ('$c0' -> '$c1')"
fi
gpio_get "$chip_a" 9 > /dev/null
gpio_get "$chip_b" 9 > /dev/null

# --- interrupts -----------------------------------------------------------
gpio_set "$chip_a" 1 0
out=/tmp/pbus-cable-mon.$$
if [ "$gpiod_v2" = 1 ]; then
	gpiomon -e rising -n 1 -c "$chip_b" 1 > "$out" 2>&1 &
else
	gpiomon -r -n 1 "$chip_b" 1 > "$out" 2>&1 &
fi
mon=$!
sleep 1
i0=$(stat_get b.irqs)
gpio_set "$chip_a" 1 1
i=0
while kill -0 "$mon" 2>/dev/null && [ $i -lt 20 ]; do
	sleep 0.1 2>/dev/null || sleep 1
	i=$((i + 1))
done
if kill -0 "$mon" 2>/dev/null; then
	kill "$mon"
	not_ok "gpiomon on b1 sees a1 rise (no event: $(cat "$out"))"
else
	if grep -qi 'rising' "$out"; then
		ok "gpiomon on b1 sees a1 rise"
	else
		not_ok "gpiomon on b1 sees a1 rise ($(cat "$out"))"
	fi
fi
wait "$mon" 2>/dev/null
rm -f "$out"
check "one irq delivered to b" $((i0 + 1)) "$(stat_get b.irqs)"

if head -n 40 "$dbg/vcd" | grep -q 'enddefinitions'; then
	ok "vcd readable"
else
	not_ok "vcd readable"
fi

# --- multiple=0: gpiolib falls back to one call per line ----------------
if rmmod pbus_cable 2>/dev/null; then
	ok "pbus_cable unloaded"
	[ ! -d "$dbg" ]
	check "debugfs directory removed" 0 $?
	check "gpiochips removed" "" "$(find_chip side-a)$(find_chip side-b)"

	if load_cable multiple=0; then
		ok "pbus_cable loaded with multiple=0"
		chip_a=$(find_chip side-a)
		chip_b=$(find_chip side-b)
		gpio_set "$chip_a" 0 1
		gpio_set "$chip_a" 2 1
		echo 0 > "$dbg/stats"
		check "multiple=0: values" "1 0 1" "$(gpio_get "$chip_b" 0 1 2)"
		check "multiple=0: no get_multiple" 0 \
			"$(stat_get b.get_multiple)"
		check "multiple=0: three get calls" 3 "$(stat_get b.get)"
		rmmod pbus_cable
		check "pbus_cable unloaded again" 0 $?
	else
		not_ok "pbus_cable loaded with multiple=0"
	fi
else
	skip "pbus_cable in use, not unloaded"
fi

# --- kernel log -----------------------------------------------------------
bad=$(dmesg | tail -n +"$((dmesg_mark + 1))" |
	grep -E 'WARNING:|BUG:|Oops|circular locking|possible recursive|inconsistent lock|Invalid wait context|suspicious RCU' |
	head -n 3)
check "no kernel warnings" "" "$bad"

finish

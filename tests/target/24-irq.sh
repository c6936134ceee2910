#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The remote's IRQ line at the master end (issue 10, defects 6 and 7): it is
# level-triggered, so an IRQ is never lost, and a storm is bounded. The
# master's debugfs irq_ack installs a handler that clears the IRQ_STATUS bits
# of its mask; the slave end's debugfs raise_irq sets bits. TAP output.
#
#  a) a raised bit is cleared by the handler; a bit raised while no handler
#     is installed is cleared once one is;
#  b) the IRQ asserted while the handler's bus reads fail (cable: D0 stuck):
#     after the bus recovers it is still delivered and cleared (an edge
#     IRQ was lost for good after the failed reruns);
#  c) a lying remote keeps the line asserted (a bit the handler does not
#     clear): storms are counted (irq_storms), the handler's runs are bounded,
#     another process's bus access gets through meanwhile, and once the line
#     drops a new IRQ is delivered;
#  d) a remote that raises the bit again as fast as it is cleared: with the
#     module's irq_rate_max lowered the rate bound masks it too (irq_storms).
#
# Needs both ends in one guest (the cable), pbusctl, no pbus_rproc (which
# owns the IRQ). Env: PBUS_DEV (default /dev/pbus/pbus0), PBUSCTL,
# IRQ_STORM_S (seconds of the storm in c), default 3), IRQ_RUNS_MAX (bound of
# the handler runs in c), default 100 per second), IRQ_WAIT_MS (bound of the
# bus access during the storm, default 1500).

# shellcheck source=tests/target/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/target/cable-lib.sh
. "$(dirname "$0")/cable-lib.sh"

STORM_S=${IRQ_STORM_S:-3}
RUNS_MAX=${IRQ_RUNS_MAX:-100}
WAIT_MS=${IRQ_WAIT_MS:-1500}
MDBG=/sys/kernel/debug/pbus/$(basename "$DEV")
PARAM=/sys/module/pbus/parameters

# Not loaded yet (QEMU guest with the test cable): load; finish unloads.
if [ ! -c "$DEV" ] && command -v modprobe >/dev/null 2>&1; then
	modinfo pbus_cable >/dev/null 2>&1 && load_modules pbus_cable
	load_modules pbus
	wait_for 5 test -c "$DEV"
fi
[ -d /sys/kernel/debug/pbus ] ||
	mount -t debugfs none /sys/kernel/debug 2>/dev/null
[ -c "$DEV" ] || skip_all "no $DEV"
[ -f "$SLV/raise_irq" ] || skip_all "no slave end debugfs at $SLV"
irq=$(sed -n 's/^irq //p' "$MDBG/info" 2>/dev/null)
case ${irq:-0} in 0|-*) skip_all "the master has no IRQ line" ;; esac

REG=0xffff0000
IRQ_STATUS=$((REG + 0x10))
IRQ_ENABLE=$((REG + 0x14))

# poke32 ADDR VALUE: write a 32-bit little-endian register
poke32() {
	v=$(($2))
	pc poke "$1" $((v & 0xff)) $(((v >> 8) & 0xff)) \
		$(((v >> 16) & 0xff)) $(((v >> 24) & 0xff)) >/dev/null 2>&1
}
sstate() { sed -n "s/^$1 //p" "$SLV/state"; }
ack() { sed -n "s/^$1 //p" "$MDBG/irq_ack"; }
storms() { sed -n 's/^irq_storms //p' "$MDBG/stats"; }
status_is() { [ "$(sstate irq_status)" = "$1" ]; }
now_ms() {
	read -r up _ < /proc/uptime
	echo $(( ${up%.*} * 1000 + (1${up#*.} - 100) * 10 ))
}

rate0=$(cat "$PARAM/irq_rate_max" 2>/dev/null)
cleanup() {
	[ -n "$rate0" ] && echo "$rate0" > "$PARAM/irq_rate_max"
	echo off > "$CBL/stick" 2>/dev/null
	[ -f "$MDBG/irq_ack" ] && echo 0 > "$MDBG/irq_ack"
	poke32 $IRQ_ENABLE 0
	poke32 $IRQ_STATUS 0xffffffff
}
trap cleanup EXIT
trap 'exit 1' INT TERM

dmesg_mark
if [ ! -f "$MDBG/irq_ack" ]; then
	not_ok "the master has IRQ $irq but no debugfs irq_ack"
	trap - EXIT
	finish
fi
poke32 $IRQ_ENABLE 0
poke32 $IRQ_STATUS 0xffffffff

# ---- a) ------------------------------------------------------------------
assert_cmd "a) irq_ack handler installed (mask 0x1)" sh -c "echo 1 > '$MDBG/irq_ack'"
assert_cmd "a) IRQ_ENABLE = 0x1" poke32 $IRQ_ENABLE 1
echo 1 > "$SLV/raise_irq"
if wait_for 3 status_is 0x00000000; then
	ok "a) raised bit 0 cleared by the handler ($(ack cleared) cleared)"
else
	not_ok "a) raised bit 0 cleared by the handler (irq_status $(sstate irq_status), irq_ack: $(tr '\n' ' ' < "$MDBG/irq_ack"))"
fi
echo 0 > "$MDBG/irq_ack"
echo 1 > "$SLV/raise_irq"
sleep 0.3
assert_eq "a) without a handler the bit stays (IRQ disabled)" 0x00000001 "$(sstate irq_status)"
echo 1 > "$MDBG/irq_ack"
if wait_for 3 status_is 0x00000000; then
	ok "a) an IRQ asserted before the handler was installed is delivered"
else
	not_ok "a) an IRQ asserted before the handler was installed is delivered (irq_status $(sstate irq_status))"
fi

# ---- b) defect 6 -----------------------------------------------------------
echo "0 1" > "$CBL/stick"
e0=$(ack errors)
echo 1 > "$SLV/raise_irq"
sleep 3
e1=$(ack errors)
if [ "$((e1 - e0))" -ge 2 ] && status_is 0x00000001; then
	ok "b) D0 stuck: the handler failed $((e1 - e0)) times, the bit is still set"
else
	not_ok "b) D0 stuck: the handler fails, the bit stays (errors $e0 -> $e1, irq_status $(sstate irq_status))"
fi
echo off > "$CBL/stick"
t0=$(now_ms)
if wait_for 5 status_is 0x00000000; then
	ok "b) bus recovered: the still-asserted IRQ delivered, bit cleared in $(( $(now_ms) - t0 )) ms"
else
	not_ok "b) bus recovered: the still-asserted IRQ delivered (irq_status $(sstate irq_status), irq_ack: $(tr '\n' ' ' < "$MDBG/irq_ack"))"
fi

# ---- c) defect 7: the line kept asserted -----------------------------------
s0=$(storms)
r0=$(ack runs)
poke32 $IRQ_ENABLE 3
echo 2 > "$SLV/raise_irq"
assert_eq "c) bit 1 (not cleared by the handler) keeps the line up" 1 "$(sstate irq_line)"
sleep 1
t0=$(now_ms)
magic=$(pc peek 0xffff0000 4 2>/dev/null | cut -d' ' -f2-5)
t1=$(now_ms)
if [ "$magic" = "50 42 55 53" ] && [ $((t1 - t0)) -le "$WAIT_MS" ]; then
	ok "c) another process's read during the storm: $((t1 - t0)) ms <= $WAIT_MS ms"
else
	not_ok "c) another process's read during the storm within $WAIT_MS ms ('$magic' in $((t1 - t0)) ms)"
fi
sleep $((STORM_S - 1))
s1=$(storms)
r1=$(ack runs)
runs=$((r1 - r0))
if [ "$((s1 - s0))" -ge 2 ] && [ "$runs" -le $((RUNS_MAX * STORM_S)) ]; then
	ok "c) ${STORM_S} s of a stuck line: $((s1 - s0)) storms, $runs handler runs (<= $((RUNS_MAX * STORM_S)))"
else
	not_ok "c) ${STORM_S} s of a stuck line: storms $s0 -> $s1 (>= 2 wanted), $runs handler runs (<= $((RUNS_MAX * STORM_S)))"
fi
poke32 $IRQ_ENABLE 1
poke32 $IRQ_STATUS 2
assert_eq "c) line low once bit 1 is disabled and cleared" 0 "$(sstate irq_line)"
echo 1 > "$SLV/raise_irq"
if wait_for 3 status_is 0x00000000; then
	ok "c) after the storms a new IRQ is delivered"
else
	not_ok "c) after the storms a new IRQ is delivered (irq_status $(sstate irq_status))"
fi

# ---- d) defect 7: raised again as fast as it is cleared --------------------
if [ -n "$rate0" ]; then
	s0=$(storms)
	echo 10 > "$PARAM/irq_rate_max"
	(
		end=$(( $(now_ms) + 2000 ))
		while [ "$(now_ms)" -lt "$end" ]; do
			echo 1 > "$SLV/raise_irq"
		done
	) &
	wait $!
	s1=$(storms)
	echo "$rate0" > "$PARAM/irq_rate_max"
	if [ "$((s1 - s0))" -ge 1 ]; then
		ok "d) re-raised as fast as cleared, irq_rate_max 10: $((s1 - s0)) storms"
	else
		not_ok "d) re-raised as fast as cleared, irq_rate_max 10: no storm ($(ack runs) runs)"
	fi
	if wait_for 3 status_is 0x00000000; then
		ok "d) the last one is delivered too"
	else
		not_ok "d) the last one is delivered too (irq_status $(sstate irq_status))"
	fi
else
	skip "d) no irq_rate_max module parameter"
fi

n=$(dmesg_since | grep -c 'IRQ storm')
diag "storm messages in the log: $n (ratelimited)"
cleanup
trap - EXIT
dmesg_clean "kernel log clean"
finish

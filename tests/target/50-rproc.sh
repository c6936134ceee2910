#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# pbus_rproc: the remote processor driven through the standard remoteproc
# sysfs ABI. Boot and stop, start/stop cycles, crash recovery (enabled and
# disabled), devcoredump of the remote's memory, heartbeat watchdog, trace
# buffer, bad firmware images refused, auto-boot, module unload order. TAP.
#
# Recovery time: a crash reported by the remote's IRQ is handled at once; a
# hang is seen by the heartbeat monitor within 2 heartbeat timeouts; the
# reboot then takes the firmware load plus at most the boot timeout. With
# the test DT (1 s heartbeat, 2 s boot) the remote is back within
# RPROC_RECOVER_S (default 10 s).
#
# Env: FW_SRC (directory with pbus-remote-fw.elf and the bad-*.elf images,
# default: ../../firmware next to this script, else /lib/firmware),
# RPROC_CYCLES (default 50), RPROC_RECOVER_S (default 10),
# RPROC_BANNER (text the firmware's trace starts with, default
# "pbus-remote"), REMOTE_DBG (debugfs directory of pbus_remote with its
# crash and hang files; default: searched under /sys/kernel/debug).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/rproc-lib.sh"

here=$(cd "$(dirname "$0")" && pwd)
CYCLES=${RPROC_CYCLES:-$(scaled 50)}
RECOVER_S=${RPROC_RECOVER_S:-10}
BANNER=${RPROC_BANNER:-pbus-remote}
GOOD=pbus-remote-fw.elf
FWDIR=/lib/firmware
BAD="bad-truncated.elf bad-class.elf bad-machine.elf bad-segment.elf
bad-overlap.elf bad-entry.elf bad-rsc-offset.elf bad-rsc-align.elf
bad-rsc-count.elf bad-vring.elf bad-vdev-nvrings.elf bad-rsc-type.elf"

[ -d /sys/class/remoteproc ] || skip_all "no remoteproc class in this kernel"

load_modules pbus_cable pbus pbus_remote pbus_rproc ||
	skip_all "pbus modules do not load"
dmesg_mark

# Firmware images.
src=${FW_SRC:-$here/../../firmware}
if [ -f "$src/$GOOD" ] && [ "$(cd "$src" && pwd)" != "$FWDIR" ]; then
	mkdir -p "$FWDIR" && cp "$src"/*.elf "$FWDIR"/ 2>/dev/null
fi
assert_cmd "good firmware in $FWDIR" test -f "$FWDIR/$GOOD"

if wait_for 5 find_rproc; then
	RP=$(find_rproc)
	ok "pbus remoteproc registered ($RP)"
else
	not_ok "pbus remoteproc registered"
	finish
fi

assert_eq "offline after probe (no auto-boot in the test DT)" offline "$(state)"
assert_eq "recovery enabled by default" enabled "$(cat "$RP/recovery")"
assert_eq "coredump enabled by default" enabled "$(cat "$RP/coredump" 2>/dev/null)"
rp_stop
echo "$GOOD" > "$RP/firmware"

# Boot, trace, stop.
if rp_start && state_is running; then ok "boot via sysfs: running"; else
	not_ok "boot via sysfs: running (state $(state))"; fi
TRACE=/sys/kernel/debug/remoteproc/$(basename "$RP")/trace0
if wait_for 3 grep -q "$BANNER" "$TRACE"; then
	ok "trace0 shows the firmware's banner"
else
	not_ok "trace0 shows '$BANNER' ($(head -c 80 "$TRACE" 2>&1))"
fi
if rp_stop && state_is offline; then ok "stop via sysfs: offline"; else
	not_ok "stop via sysfs: offline (state $(state))"; fi

# Start/stop cycles.
i=0 bad=0
while [ $i -lt "$CYCLES" ]; do
	i=$((i + 1))
	rp_start && state_is running || bad=$((bad + 1))
	rp_stop && state_is offline || bad=$((bad + 1))
done
assert_eq "$CYCLES start/stop cycles" 0 "$bad"
dmesg_clean "no kernel warning during the cycles"

# Crash with recovery enabled, devcoredump of the remote's memory.
CRASH=$(remote_dbg crash)
if [ -z "$CRASH" ]; then
	CRASH=/sys/kernel/debug/remoteproc/$(basename "$RP")/crash
	diag "no pbus_remote debugfs crash file: using remoteproc's $CRASH"
fi
drop_dumps
rp_start
dmesg_mark
echo 1 > "$CRASH" 2>/dev/null
if recovered_after; then
	ok "crash -> recovered, running within ${RECOVER_S} s"
else
	not_ok "crash -> recovered, running within ${RECOVER_S} s (state $(state))"
fi
if wait_for 5 dump_of_rproc; then
	D=$(dump_of_rproc)
	ok "devcoredump appeared ($D)"
	cp "$D" /tmp/pbus-rproc.core 2>/dev/null
	echo 1 > "$D" 2>/dev/null
	magic=$(od -An -c -N4 /tmp/pbus-rproc.core | tr -d ' ')
	etype=$(od -An -tu2 -j16 -N2 /tmp/pbus-rproc.core | tr -d ' ')
	assert_eq "dump is an ELF core file" "177ELF4" "$magic$etype"
	# the loaded resource table (from the image) and the trace text the
	# remote wrote at run time are both in the remote's memory
	assert_cmd "dump holds the loaded image (resource table)" \
		grep -q pbus-remote-trace /tmp/pbus-rproc.core
	assert_cmd "dump holds the remote's run-time trace text" \
		grep -q "$BANNER" /tmp/pbus-rproc.core
	rm -f /tmp/pbus-rproc.core
else
	not_ok "devcoredump appeared"
	skip "dump contents: no dump"
	skip "dump contents: no dump"
	skip "dump contents: no dump"
fi

# Crash with recovery disabled: stays crashed until asked to recover.
drop_dumps
echo disabled > "$RP/recovery"
dmesg_mark
echo 1 > "$CRASH" 2>/dev/null
if wait_for 5 state_is crashed; then
	sleep 2
	assert_eq "recovery disabled: stays crashed" crashed "$(state)"
else
	not_ok "recovery disabled: crashed (state $(state))"
fi
echo enabled > "$RP/recovery"
echo recover > "$RP/recovery" 2>/dev/null
if wait_for "$RECOVER_S" state_is running; then
	ok "'recover' brings it back"
else
	not_ok "'recover' brings it back (state $(state))"
fi
drop_dumps

# Hang: the heartbeat stops, the watchdog recovers.
HANG=$(remote_dbg hang)
if [ -n "$HANG" ]; then
	dmesg_mark
	echo 1 > "$HANG" 2>/dev/null
	if recovered_after; then
		ok "hang -> watchdog -> running within ${RECOVER_S} s"
	else
		not_ok "hang -> watchdog -> running (state $(state))"
	fi
	assert_cmd "the watchdog named the stuck heartbeat" \
		sh -c "dmesg | sed -n '/$T_MARK/,\$p' | grep -q 'heartbeat'"
	drop_dumps
else
	skip "hang: no pbus_remote debugfs hang file"
	skip "hang: no pbus_remote debugfs hang file"
fi
rp_stop

# Bad firmware images: refused, offline, and the good one boots after.
for f in $BAD missing-firmware.elf; do
	if [ "$f" != missing-firmware.elf ] && [ ! -f "$FWDIR/$f" ]; then
		skip "$f: not built"
		continue
	fi
	dmesg_mark
	echo "$f" > "$RP/firmware"
	if rp_start; then
		not_ok "$f refused (it booted)"
		rp_stop
	elif state_is offline; then
		why=$(dmesg_since | grep -iE 'remoteproc|pbus' |
		      grep -vE 'Boot failed|can.t start rproc' | tail -1 |
		      sed 's/^\[[ 0-9.]*\] //' | cut -c1-100)
		ok "$f refused, offline ($why)"
	else
		not_ok "$f refused, offline (state $(state))"
	fi
done
echo "$GOOD" > "$RP/firmware"
if rp_start && state_is running; then ok "good firmware boots after the bad ones"; else
	not_ok "good firmware boots after the bad ones (state $(state))"; fi

# Unload order: pbus is pinned while pbus_rproc holds it.
if rmmod pbus 2>/dev/null; then
	not_ok "pbus cannot be unloaded under pbus_rproc"
else
	ok "pbus cannot be unloaded under pbus_rproc"
fi
assert_cmd "rmmod pbus_rproc with the remote running" rmmod pbus_rproc

# Auto-boot.
if modprobe pbus_rproc auto_boot=1 && wait_for 5 find_rproc; then
	RP=$(find_rproc)
	if wait_for 5 state_is running; then ok "auto_boot=1: running after probe"; else
		not_ok "auto_boot=1: running after probe (state $(state))"; fi
	rp_stop
	rmmod pbus_rproc
else
	not_ok "auto_boot=1: module loads"
fi
modprobe pbus_rproc

dmesg_clean
finish

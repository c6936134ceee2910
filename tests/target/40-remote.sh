#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Target test of the remote processor (pbus_remote.ko) alone, driven over
# the bus from user space the way the host's remoteproc driver drives it:
# write firmware into the window (pbusctl load), set RSC_ADDR/RSC_SIZE,
# CONTROL=START, poll STATUS; heartbeat, trace buffer, CRC registers, STOP,
# RESET line, the debugfs fault injectors, and every bad image of
# firmware/ refused with the expected PBUS_RP_ERR_*. TAP, POSIX sh.
#
# Needs: the DT nodes of dts/qemu/pbus-cable-test.dtso and
# dts/qemu/pbus-remote-test.dtso, pbusctl, the images of firmware/ (make -C
# firmware) in $PBUS_FW_DIR, debugfs, od and awk.
# Environment: PBUS_DEV (default /dev/pbus/pbus0), PBUSCTL (default: in
# PATH or tools/), PBUS_FW_DIR (default /lib/firmware, then ../../firmware).

. "$(dirname "$0")/lib.sh"

DEV=${PBUS_DEV:-/dev/pbus/pbus0}
here=$(cd "$(dirname "$0")" && pwd)
PBUSCTL=${PBUSCTL:-$(find_tool pbusctl)}
if [ -z "$PBUS_FW_DIR" ]; then
	for d in /lib/firmware "$here/../../firmware"; do
		[ -f "$d/pbus-remote-fw.elf" ] && PBUS_FW_DIR=$d && break
	done
fi
FW=$PBUS_FW_DIR/pbus-remote-fw.elf

[ -n "$PBUSCTL" ] || skip_all "no pbusctl"
[ -f "$FW" ] || skip_all "no pbus-remote-fw.elf (make -C firmware, deploy)"

# Register offsets (include/linux/pbus-remote.h), from 0xffff0100.
RP_ID=0x00 RP_CONTROL=0x04 RP_STATUS=0x08 RP_BOOT_ADDR=0x0c
RP_RSC_ADDR=0x10 RP_RSC_SIZE=0x14 RP_HEARTBEAT=0x18 RP_ERROR=0x1c
RP_CRC_ADDR=0x24 RP_CRC_LEN=0x28 RP_CRC_RESULT=0x2c RP_HB_PERIOD=0x30
RP_CRASH_CAUSE=0x34 RP_CRC_STATUS=0x38
ST_OFFLINE=0 ST_RUNNING=2 ST_CRASHED=3 ST_ERROR=4
IRQ_STATUS=0xffff0010 IRQ_READY=2 IRQ_CRASH=4

T=$(mktemp -d /tmp/pbus-remote.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT INT TERM

# peek32 ADDR: the little-endian word at ADDR, in decimal
peek32() {
	# shellcheck disable=SC2046
	set -- $("$PBUSCTL" -d "$DEV" peek "$1" 4 2>/dev/null)
	[ $# -eq 5 ] || return 1
	echo $((0x$5 << 24 | 0x$4 << 16 | 0x$3 << 8 | 0x$2))
}

# poke32 ADDR VALUE
poke32() {
	"$PBUSCTL" -d "$DEV" poke "$1" $(($2 & 255)) $(($2 >> 8 & 255)) \
		$(($2 >> 16 & 255)) $(($2 >> 24 & 255)) >/dev/null
}

rd() { peek32 $((0xffff0100 + $1)); }
wr() { poke32 $((0xffff0100 + $1)) "$2"; }

# crc_is STATUS: CRC_STATUS reads STATUS
crc_is() { [ "$(rd $RP_CRC_STATUS)" = "$1" ]; }

# status_is STATE: STATUS reads STATE
status_is() { [ "$(rd $RP_STATUS)" = "$1" ]; }

# wait_status STATE: poll STATUS for up to 10 s
wait_status() { wait_for 10 status_is "$1"; }

# u32 FILE OFFSET / u16 FILE OFFSET: little-endian field of a file
u32() { od -An -v -j "$2" -N4 -tu4 "$1" | tr -d ' '; }
u16() { od -An -v -j "$2" -N2 -tu2 "$1" | tr -d ' '; }

# rsc_of ELF: "ADDR SIZE" of its .resource_table (identity-mapped image)
rsc_of() {
	shoff=$(u32 "$1" 32) shnum=$(u16 "$1" 48) shstrndx=$(u16 "$1" 50)
	stroff=$(u32 "$1" $((shoff + shstrndx * 40 + 16)))
	i=0
	while [ "$i" -lt "$shnum" ]; do
		sh=$((shoff + i * 40))
		name=$(dd if="$1" bs=1 skip=$((stroff + $(u32 "$1" "$sh"))) \
			count=15 2>/dev/null | tr -d '\000')
		if [ "$name" = ".resource_table" ]; then
			echo "$(u32 "$1" $((sh + 12))) $(u32 "$1" $((sh + 20)))"
			return 0
		fi
		i=$((i + 1))
	done
	return 1
}

# crc32 FILE: CRC-32 (zlib) in decimal
crc32() {
	od -An -v -tu1 "$1" | awk '
	BEGIN { c = 4294967295 }
	{
		for (i = 1; i <= NF; i++) {
			c = xor(c, $i)
			for (k = 0; k < 8; k++)
				c = and(c, 1) ? xor(rshift(c, 1), 3988292384) : rshift(c, 1)
		}
	}
	END { printf "%.0f\n", xor(c, 4294967295) }'
}

# boot IMAGE: clear the image area, load IMAGE at 0, set the resource
# table registers of the good image, clear IRQ_STATUS, START
boot() {
	"$PBUSCTL" -d "$DEV" load 0 "$T/zero" >/dev/null &&
	"$PBUSCTL" -d "$DEV" load 0 "$1" >/dev/null &&
	wr $RP_RSC_ADDR "$RSC_ADDR" && wr $RP_RSC_SIZE "$RSC_SIZE" &&
	wr $RP_BOOT_ADDR 0 && poke32 $IRQ_STATUS 0xffffffff &&
	wr $RP_CONTROL 1
}

heartbeat_moves() {
	a=$(rd $RP_HEARTBEAT); sleep 0.5; b=$(rd $RP_HEARTBEAT)
	[ -n "$a" ] && [ -n "$b" ] && [ "$b" -gt "$a" ]
}

dmesg_mark
load_modules pbus_cable pbus pbus_remote || {
	echo "Bail out! cannot load pbus_cable, pbus, pbus_remote"
	exit 1
}
DBG=
wait_for 5 sh -c 'ls -d /sys/kernel/debug/pbus-remote/*/state' &&
	DBG=$(dirname "$(ls -d /sys/kernel/debug/pbus-remote/*/state | head -1)")
if [ -n "$DBG" ]; then
	ok "pbus_remote bound: $DBG"
else
	not_ok "pbus_remote bound (is dts/qemu/pbus-remote-test.dtso applied?)"
	finish
fi
wait_for 5 test -c "$DEV" || diag "no $DEV"

RSC=$(rsc_of "$FW") || RSC=
RSC_ADDR=${RSC% *} RSC_SIZE=${RSC#* }
assert_cmd "good image has a .resource_table ($RSC)" test -n "$RSC"
dd if=/dev/zero of="$T/zero" bs=1024 count=16 2>/dev/null

assert_eq "ID reads PBUS_RP_MAGIC" $((0x43525052)) "$(rd $RP_ID)"
assert_eq "STATUS offline after probe" $ST_OFFLINE "$(rd $RP_STATUS)"
assert_eq "debugfs state offline" offline "$(cat "$DBG/state")"
assert_eq "HB_PERIOD_MS is 100" 100 "$(rd $RP_HB_PERIOD)"
if wr $RP_HEARTBEAT 5 2>/dev/null; then
	not_ok "HEARTBEAT is read-only"
else
	ok "HEARTBEAT is read-only"
fi

# --- CRC of a window range
"$PBUSCTL" -d "$DEV" load 0 "$FW" >/dev/null
size=$(wc -c < "$FW")
wr $RP_CRC_ADDR 0 && wr $RP_CRC_LEN "$size"
if wait_for 5 crc_is 2; then
	assert_eq "CRC_RESULT of the image is its CRC-32" "$(crc32 "$FW")" \
		"$(rd $RP_CRC_RESULT)"
else
	not_ok "CRC_STATUS reaches DONE"
fi
win=$(sed -n 's/^window_size: //p' "$DBG/info")
wr $RP_CRC_ADDR $((win - 4)) && wr $RP_CRC_LEN 8
wait_for 5 crc_is 3
assert_eq "CRC of a range crossing the window end: RANGE" 3 "$(rd $RP_CRC_STATUS)"

# --- good image
if boot "$FW" && wait_status $ST_RUNNING; then
	ok "good image: RUNNING"
else
	not_ok "good image: RUNNING (status $(rd $RP_STATUS), error $(rd $RP_ERROR))"
fi
assert_eq "ERROR none" 0 "$(rd $RP_ERROR)"
assert_eq "IRQ_STATUS has READY" $IRQ_READY $(($(peek32 $IRQ_STATUS) & IRQ_READY))
assert_cmd "heartbeat increases" heartbeat_moves

# shellcheck disable=SC2046
set -- $(sed -n 's/^trace: //p' "$DBG/info")
trace_da=$1 trace_len=$2
sleep 1.2
"$PBUSCTL" -d "$DEV" dump "$trace_da" "$trace_len" "$T/trace" >/dev/null 2>&1
tr -d '\000' < "$T/trace" > "$T/trace.txt"
assert_cmd "trace buffer has the boot banner with the version" \
	grep -q "firmware 'pbus-remote-fw.*' booted" "$T/trace.txt"
assert_cmd "trace buffer has periodic lines" grep -q "alive, heartbeat" "$T/trace.txt"

# --- hang: heartbeat stops, nothing reported
poke32 $IRQ_STATUS 0xffffffff
echo 1 > "$DBG/hang"
sleep 0.3
if heartbeat_moves; then not_ok "hang: heartbeat stops"; else ok "hang: heartbeat stops"; fi
assert_eq "hang: STATUS still RUNNING" $ST_RUNNING "$(rd $RP_STATUS)"
assert_eq "hang: no IRQ raised" 0 "$(peek32 $IRQ_STATUS)"

# --- STOP
wr $RP_CONTROL 2
if wait_status $ST_OFFLINE; then ok "STOP: OFFLINE"; else not_ok "STOP: OFFLINE"; fi

# --- crash
boot "$FW" && wait_status $ST_RUNNING
echo 1 > "$DBG/crash"
assert_eq "crash: STATUS CRASHED" $ST_CRASHED "$(rd $RP_STATUS)"
assert_eq "crash: CRASH_CAUSE FATAL" 1 "$(rd $RP_CRASH_CAUSE)"
assert_eq "crash: IRQ_STATUS has CRASH" $IRQ_CRASH $(($(peek32 $IRQ_STATUS) & IRQ_CRASH))
a=$(rd $RP_HEARTBEAT); sleep 0.3
assert_eq "crash: heartbeat stopped" "$a" "$(rd $RP_HEARTBEAT)"
if echo 1 > "$DBG/crash" 2>/dev/null; then
	not_ok "crash refused unless running"
else
	ok "crash refused unless running"
fi

# --- debugfs reset
echo 1 > "$DBG/reset"
assert_eq "debugfs reset: OFFLINE" $ST_OFFLINE "$(rd $RP_STATUS)"
assert_eq "debugfs reset: CRASH_CAUSE cleared" 0 "$(rd $RP_CRASH_CAUSE)"

# --- RESET line
boot "$FW" && wait_status $ST_RUNNING
"$PBUSCTL" -d "$DEV" reset --hard >/dev/null 2>&1
if wait_status $ST_OFFLINE; then
	ok "RESET line: OFFLINE"
else
	not_ok "RESET line: OFFLINE (status $(rd $RP_STATUS))"
fi

# --- bad images
for e in bad-truncated:1 bad-class:1 bad-machine:1 bad-segment:2 \
	 bad-overlap:2 bad-entry:4 bad-rsc-offset:3 bad-rsc-align:3 \
	 bad-rsc-count:3 bad-vring:3 bad-vdev-nvrings:3 bad-rsc-type:3; do
	img=$PBUS_FW_DIR/${e%:*}.elf want=${e#*:}
	if [ ! -f "$img" ]; then
		skip "${e%:*}: image missing"
		continue
	fi
	if boot "$img" && wait_status $ST_ERROR; then
		assert_eq "${e%:*}: STATE_ERROR with error $want" "$want" "$(rd $RP_ERROR)"
	else
		not_ok "${e%:*}: STATE_ERROR (status $(rd $RP_STATUS))"
	fi
done
assert_eq "refusals raise READY" $IRQ_READY $(($(peek32 $IRQ_STATUS) & IRQ_READY))
assert_cmd "refusals logged" sh -c 'dmesg | grep -q "firmware refused (error 3)"'

# --- a good image boots again after refusals; unload while running
if boot "$FW" && wait_status $ST_RUNNING; then
	ok "good image boots after refusals"
else
	not_ok "good image boots after refusals"
fi
unload_modules pbus_remote
if grep -q '^pbus_remote ' /proc/modules; then
	not_ok "pbus_remote unloads while running"
else
	ok "pbus_remote unloads while running"
fi
assert_cmd "no service thread left" sh -c '! grep -l "pbus-rp" /proc/[0-9]*/comm'
dmesg_clean
finish

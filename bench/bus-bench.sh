#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# pbus GPIO bus benchmark, run on the target (QEMU guest with the test cable).
# For two modes, (1) set_multiple: cable multiple=1, master default, and
# (2) no set_multiple: cable multiple=0 + master no_set_multiple=1, prints
#  - write and read bytes/s for 16, 512, 4096 and 65536-byte transfers
#    (pbusctl bench; timing is informative, never asserted),
#  - GPIO line operations per payload byte over 512-byte transfers: the delta
#    of the cable's a.line_ops (the master's side) / payload bytes,
#  - wire efficiency over 512-byte transfers: payload bytes / the master's
#    wire_bytes delta (PBUS_IOC_STATS),
# with PASS/MISS against the targets: <= 3.5 line ops per byte with
# set_multiple, >= 97 % wire efficiency. Always exits 0 unless it cannot run.
#
# Needs pbus_cable and pbus installed, no other pbus module loaded (pbus and
# pbus_cable are reloaded per mode; afterwards they are left as found).
# Env: PBUS_DEV (default /dev/pbus/pbus0), BENCH_OPS_COUNT (512-byte transfers
# per direction for the counts, default 64), BENCH_QUICK=1 (fewer transfers).

DEV=${PBUS_DEV:-/dev/pbus/pbus0}
CBL=/sys/kernel/debug/pbus-cable/pbus-cable
NOPS=${BENCH_OPS_COUNT:-64}
OPS_TARGET=3.5
EFF_TARGET=97
PBUSCTL=$(command -v pbusctl 2>/dev/null)
[ -n "$PBUSCTL" ] || PBUSCTL=$(cd "$(dirname "$0")/../.." && pwd)/tools/pbusctl
die() { echo "bus-bench: $*" >&2; exit 1; }
[ -x "$PBUSCTL" ] || die "no pbusctl"
[ "$(id -u)" = 0 ] || die "run as root (debugfs, modprobe)"
for m in pbus_rproc pbus_remote pbus_rpmsg; do
	! grep -q "^$m " /proc/modules || die "$m is loaded: unload it first (it would share the bus)"
done
was_loaded=
grep -q '^pbus ' /proc/modules && was_loaded=1
T=$(mktemp -d /tmp/pbus-bench.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT

pc() { "$PBUSCTL" -d "$DEV" "$@"; }
mstat() { pc stats | sed -n "s/^$1 //p"; }
cstat() { sed -n "s/^$1 //p" "$CBL/stats"; }
unload() { rmmod pbus 2>/dev/null; rmmod pbus_cable 2>/dev/null
	! grep -qE '^(pbus|pbus_cable) ' /proc/modules; }
# load CABLE_ARG PBUS_ARG: reload both, wait for the link
load() {
	unload || die "cannot unload pbus/pbus_cable (in use?)"
	modprobe pbus_cable $1 && modprobe pbus $2 || die "modprobe failed"
	t=50
	until pc info 2>/dev/null | grep -q '^link_up 1'; do
		t=$((t - 1)); [ $t -gt 0 ] || die "link not up"; sleep 0.1
	done
	[ -d "$CBL" ] || die "no cable debugfs $CBL"
}
# verdict VALUE OP TARGET: PASS or MISS
verdict() { awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN {
	ok = (op == "<=") ? (v <= t) : (v >= t); print ok ? "PASS" : "MISS" }'; }
ratio() { awk -v a="$1" -v b="$2" -v s="${3:-1}" 'BEGIN { printf "%.2f", a * s / b }'; }

# count DIR: NOPS 512-byte transfers (one frame each), one per pbusctl call, in
# batches of 8; prints "ops wire payload" summed over the batches without a
# retry and with one frame per transfer: the counts are those of the clean path. Batches with retries (in QEMU
# when a host stall of the guest's vCPU outlasts the slave's 20 ms idle
# timeout; see the slave's idle_timeouts) are reported and dropped; at most
# 4 x NOPS transfers are tried.
SLDBG=/sys/kernel/debug/pbus/remote0
count() {
	ops=0 wire=0 pay=0 tries=0 bad=0 badrt=0 badit=0
	while [ $pay -lt $((NOPS * 512)) ] && [ $tries -lt $((NOPS / 2)) ]; do
		tries=$((tries + 1))
		echo 0 > "$CBL/stats"
		pc stats --reset >/dev/null
		it0=$(sed -n 's/^idle_timeouts //p' "$SLDBG/stats" 2>/dev/null)
		i=0
		while [ $i -lt 8 ]; do
			if [ "$1" = write ]; then pc load 0 "$T/p512" || die "write failed"
			else pc dump 0 512 "$T/r" || die "read failed"; fi
			i=$((i + 1))
		done
		o=$(cstat a.line_ops) w=$(mstat wire_bytes) rt=$(mstat retries)
		fr=$(mstat frames)
		# clean: no retry, and one frame per transfer (after a retry the
		# adaptive frame size is halved until 16 clean frames went by)
		if [ "$rt" = 0 ] && [ "$fr" = 8 ]; then
			ops=$((ops + o)) wire=$((wire + w)) pay=$((pay + 8 * 512))
		else
			it1=$(sed -n 's/^idle_timeouts //p' "$SLDBG/stats" 2>/dev/null)
			bad=$((bad + 1)) badrt=$((badrt + rt))
			badit=$((badit + ${it1:-0} - ${it0:-0}))
		fi
	done
	[ $bad = 0 ] || echo "  ($1: $bad batches of 8 dropped: $badrt retries, slave idle_timeouts +$badit, or split frames)" >&2
	[ $pay -gt 0 ] || die "no clean $1 batch"
	echo "$ops $wire $pay"
}

bench_mode() { # NAME CABLE_ARG PBUS_ARG
	load "$2" "$3"
	sm=$(pc info | sed -n 's/^set_multiple //p')
	echo "== $1 ($2, pbus ${3:-default}; master set_multiple=$sm, max_payload $(pc info | sed -n 's/^max_payload //p'))"
	printf '%-8s %14s %14s\n' size "write B/s" "read B/s"
	for sc in 16:512 512:128 4096:24 65536:3; do
		size=${sc%:*} cnt=${sc#*:}
		[ -z "$BENCH_QUICK" ] || cnt=$(( (cnt + 3) / 4 ))
		pc bench --size "$size" --count "$cnt" 0 > "$T/b" 2>&1 || { cat "$T/b"; die "bench failed"; }
		w=$(sed -n 's/^write .*: \([0-9]*\) bytes\/s/\1/p' "$T/b")
		r=$(sed -n 's/^read .*: \([0-9]*\) bytes\/s/\1/p' "$T/b")
		printf '%-8s %14s %14s\n' "$size" "$w" "$r"
	done
	[ "$(mstat failed)" = 0 ] || echo "bus-bench: warning: failed transfers: $(mstat failed)" >&2
	set -- $(count write); wops=$1 wwire=$2 wpay=$3
	set -- $(count read); rops=$1 rwire=$2 rpay=$3
	wo=$(ratio "$wops" "$wpay") ro=$(ratio "$rops" "$rpay")
	bo=$(ratio $((wops + rops)) $((wpay + rpay)))
	we=$(ratio "$wpay" "$wwire" 100) re=$(ratio "$rpay" "$rwire" 100)
	if [ "$sm" = 1 ]; then
		v() { verdict "$1" "<=" "$OPS_TARGET"; }
	else
		v() { echo "(target applies with set_multiple)"; }
	fi
	echo "line ops per payload byte, 512-byte transfers (side a line_ops; target <= $OPS_TARGET with set_multiple):"
	echo "  write  $wo  ($wops ops / $wpay B)  $(v "$wo")"
	echo "  read   $ro  ($rops ops / $rpay B)  $(v "$ro")"
	echo "  both   $bo  $(v "$bo")"
	echo "wire efficiency, 512-byte transfers (payload / wire_bytes; target >= $EFF_TARGET %):"
	echo "  write  $we %  ($wpay / $wwire)  $(verdict "$we" ">=" "$EFF_TARGET")"
	echo "  read   $re %  ($rpay / $rwire)  $(verdict "$re" ">=" "$EFF_TARGET")"
}

head -c 512 /dev/urandom > "$T/p512"
echo "pbus bus benchmark: $(uname -r) $(uname -m), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "(QEMU TCG timings say nothing about a real Pi; line-op counts and wire efficiency are exact)"
# delay_ns=0: the synchronous cable, for exact line-op counts and times
bench_mode "set_multiple" "multiple=1 delay_ns=0" ""
bench_mode "no set_multiple" "multiple=0 delay_ns=0" "no_set_multiple=1"
unload || echo "bus-bench: warning: cannot unload pbus/pbus_cable" >&2
[ -z "$was_loaded" ] || load "" ""
exit 0

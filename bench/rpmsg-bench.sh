#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# rpmsg over pbus: round-trip latency (median, p99) and messages/s for 16 B and
# 496 B payloads to the remote's echo endpoint, printed beside the raw bus
# throughput measured in the same run (pbusctl bench, remote stopped: the
# remoteproc reserves the window while it runs). Runs on the target (POSIX sh).
case "${1:-}" in
-h|--help)
	cat <<USAGE
usage: [N=2000] [WINDOW=8] [ECHO=0x400] [BUS=/dev/pbus/pbus0] $0
  Loads pbus_cable (if present), pbus, pbus_remote, pbus_rproc, pbus_rpmsg, boots the
  remote with pbus-remote-fw.elf, runs rpmsg-echo bench (N round trips one at a time for
  latency, then N with WINDOW in flight for messages/s) and pbusctl bench.
USAGE
	exit 0 ;;
esac
N=${N:-2000}
WINDOW=${WINDOW:-8}
ECHO=${ECHO:-0x400}
BUS=${BUS:-/dev/pbus/pbus0}
die() { echo "rpmsg-bench: $*" >&2; exit 1; }

for m in virtio_rpmsg_bus rpmsg_ns rpmsg_ctrl rpmsg_char; do modprobe $m || die "no $m"; done
modprobe pbus_cable 2>/dev/null
for m in pbus pbus_remote pbus_rproc pbus_rpmsg; do modprobe $m || die "cannot load $m"; done

RP=
i=0
while [ -z "$RP" ] && [ $i -lt 50 ]; do
	for r in /sys/class/remoteproc/remoteproc*; do
		[ "$(basename "$(readlink "$r/device/driver" 2>/dev/null)")" = pbus-rproc ] && RP=$r
	done
	[ -n "$RP" ] || sleep 0.1
	i=$((i + 1))
done
[ -n "$RP" ] || die "no pbus remoteproc"

# Raw bus first: the remote offline, the window free for pbusctl.
echo stop > "$RP/state" 2>/dev/null
raw=$(pbusctl -d "$BUS" bench --size 4096 --count 32) || die "pbusctl bench failed"
wr=$(echo "$raw" | sed -n 's/^write.*: \([0-9]*\) bytes\/s/\1/p')
rd=$(echo "$raw" | sed -n 's/^read.*: \([0-9]*\) bytes\/s/\1/p')

echo pbus-remote-fw.elf > "$RP/firmware"
echo start > "$RP/state" || die "remote does not boot"
i=0
until grep -q "state: ready" /sys/kernel/debug/pbus-rpmsg/"$(basename "$RP")"/mbox 2>/dev/null; do
	[ $i -lt 50 ] || die "rpmsg transport not ready"
	sleep 0.1
	i=$((i + 1))
done

echo "pbus rpmsg benchmark ($(uname -r), $(tr -d '\0' < /proc/device-tree/model 2>/dev/null))"
echo "raw bus (pbusctl bench, 4 KiB frames): write $((wr / 1024)) KiB/s, read $((rd / 1024)) KiB/s"
printf "%-8s %10s %10s %12s %12s\n" payload median_us p99_us msgs_per_s payload_KiB/s
for size in 16 496; do
	out=$(rpmsg-echo bench -d "$ECHO" -s $size -n "$N" -w "$WINDOW" -t 10) ||
		die "rpmsg-echo bench -s $size failed"
	v() { echo "$out" | sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
	printf "%-8s %10s %10s %12s %12s\n" "$size B" "$(v median_us)" "$(v p99_us)" \
		"$(v msgs_per_s)" "$(v kib_per_s)"
done
echo "(round trip = host -> remote -> host; messages/s with $WINDOW in flight, each echoed:"
echo " every message crosses the bus twice; slot header 4 B + rpmsg header 16 B each way)"

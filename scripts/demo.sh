#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# End-to-end demo on a target that has the suite deployed (the QEMU guest
# started by `make demo`, or TARGET=user@host): bring up the bus, boot the
# remote processor through remoteproc, read its trace, talk rpmsg to it if
# the transport is there, crash it and watch it recover.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)

usage() {
	cat <<USAGE
usage: [TARGET=user@host [SSH_PORT=22]] $(basename "$0")

Runs the demo over ssh and prints each step. Default target: the QEMU guest
of scripts/qemu.sh (PBUS_RUN selects its run dir).
USAGE
}
case ${1:-} in
-h|--help) usage; exit 0 ;;
"") ;;
*) echo "demo: unknown argument $1 (see --help)" >&2; exit 2 ;;
esac

opts=(-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
      -o ConnectTimeout=10 -o LogLevel=ERROR)
if [ -n "${TARGET:-}" ]; then
	target=$TARGET
	opts+=(-p "${SSH_PORT:-22}")
else
	state=${PBUS_RUN:-$top/.cache/arm/run}/state
	[ -e "$state" ] || { echo "demo: no TARGET and no QEMU guest running (scripts/qemu.sh start)" >&2; exit 1; }
	# shellcheck disable=SC1090
	. "$state"
	target=$TARGET
	opts+=(-p "$PORT" -i "$KEY")
fi

ssh "${opts[@]}" "$target" sh -s <<'DEMO'
set -u
step() { printf '\n== %s\n' "$*"; }
fail() { echo "demo: FAILED: $*"; exit 1; }
S=; [ "$(id -u)" = 0 ] || S="sudo -n"

step "load the suite (test cable wires master and slave inside this machine)"
for m in pbus_cable pbus pbus_remote pbus_rproc; do
	$S modprobe $m || fail "modprobe $m"
done
if modinfo pbus_rpmsg >/dev/null 2>&1; then
	for m in virtio_rpmsg_bus rpmsg_char rpmsg_ctrl rpmsg_tty pbus_rpmsg; do
		$S modprobe $m 2>/dev/null
	done
fi
lsmod | grep -E '^(pbus|rpmsg|virtio_rpmsg)' | cut -d' ' -f1 | tr '\n' ' '; echo
for i in 1 2 3 4 5 6 7 8 9 10; do [ -e /dev/pbus/pbus0 ] && break; sleep 0.5; done

step "the bus: pbusctl info, the remote's magic register, a short benchmark"
pbusctl info || fail "pbusctl info"
pbusctl peek 0xffff0000 4 || fail "peek"
pbusctl bench --size 4096 --count 8 || fail "bench"

step "boot the remote through remoteproc"
rp=
for r in /sys/class/remoteproc/remoteproc*; do
	[ "$(basename "$(readlink "$r/device/driver" 2>/dev/null)")" = pbus-rproc ] && rp=$r
done
[ -n "$rp" ] || fail "no pbus remoteproc"
echo "$rp: firmware $(cat "$rp/firmware"), state $(cat "$rp/state")"
[ "$(cat "$rp/state")" = running ] || echo start | $S tee "$rp/state" >/dev/null
for i in $(seq 50); do [ "$(cat "$rp/state")" = running ] && break; sleep 0.2; done
echo "state: $(cat "$rp/state")"
[ "$(cat "$rp/state")" = running ] || fail "remote did not boot"
sleep 1
trace=/sys/kernel/debug/remoteproc/$(basename "$rp")/trace0
echo "the remote's trace buffer ($trace):"
$S head -n 5 "$trace"

if [ -e /dev/ttyRPMSG0 ]; then
	step "rpmsg: a line through /dev/ttyRPMSG0 comes back from the remote"
	stty -F /dev/ttyRPMSG0 raw -echo 2>/dev/null
	( head -n1 /dev/ttyRPMSG0 > /tmp/demo-tty & )
	sleep 0.3
	echo "hello over the GPIO bus" > /dev/ttyRPMSG0
	sleep 1
	echo "echo: $(cat /tmp/demo-tty)"
fi
ls /dev/rpmsg* /dev/ttyRPMSG* 2>/dev/null | tr '\n' ' '; echo

step "crash the remote and watch remoteproc recover it"
crash=$(find /sys/kernel/debug -name crash 2>/dev/null | grep -v remoteproc | grep -i remote | head -1)
if [ -n "$crash" ]; then
	echo 1 | $S tee "$crash" >/dev/null
	sleep 0.5
	for i in $(seq 100); do [ "$(cat "$rp/state")" = running ] && break; sleep 0.1; done
	echo "state after the crash: $(cat "$rp/state")"
	dmesg | grep -E 'crash detected|recover' | tail -n 3
	for d in /sys/class/devcoredump/devcd*; do
		[ -e "$d/data" ] && echo "devcoredump of the remote's memory: $d/data ($(wc -c < "$d/data") bytes)"
	done
fi

step "stop the remote, bus statistics"
echo stop | $S tee "$rp/state" >/dev/null
echo "state: $(cat "$rp/state")"
pbusctl stats
echo
echo "demo: done"
DEMO

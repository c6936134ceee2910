#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# pbus_rpmsg, the transport itself (issue 9): the rx callback that sends
# (ping-pong with more messages in flight than buffers), VIRTIO_RING_F_EVENT_IDX
# with poll_ms=0, the vdev buffer pool (a forged tx or rx descriptor outside it is
# refused and counted), rebinding the virtio driver and reloading the
# transport (rings resynced, no channel announced twice), and stop, crash and
# `rmmod virtio_rpmsg_bus` with traffic in flight in both directions. TAP.
#
# Env: XPORT_CYCLES (cycles of each teardown kind, default 40: about 3
# minutes in QEMU for the 120 cycles),
# XPORT_PINGPONG_N (echoes of the ping-pong, default 2000).

# shellcheck source=tests/target/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/target/rproc-lib.sh
. "$(dirname "$0")/rproc-lib.sh"

CYCLES=${XPORT_CYCLES:-$(scaled 40)}
PP_N=${XPORT_PINGPONG_N:-$(scaled 2000)}
# at least twice the in-flight window of 256 (the client refuses count < window)
[ "$PP_N" -ge 512 ] || PP_N=512
ECHO=0x400
GOOD=pbus-remote-fw.elf
EVIDX=pbus-remote-fw-evidx.elf
DEVS=/sys/bus/rpmsg/devices
VDRV=/sys/bus/virtio/drivers/virtio_rpmsg_bus
POLL=/sys/module/pbus_rpmsg/parameters/poll_ms

up() { state_is running && chan rpmsg-client-sample && chan rpmsg-tty && test -c /dev/rpmsg_ctrl0; }
dbg() { echo /sys/kernel/debug/pbus-rpmsg/"$(basename "$RP")"; }
rpmsg_stat() { sed -n "s/^$1: //p" "$(dbg)/stats" 2>/dev/null | head -1; }
# the rpmsg virtio device of this remote
vdev() {
	for d in /sys/bus/virtio/devices/virtio*; do
		[ "$(cat "$d/device" 2>/dev/null)" = 0x0007 ] || continue
		case "$(readlink -f "$d")" in
		*"$(basename "$RP")"*) basename "$d"; return 0 ;;
		esac
	done
	return 1
}
boot() {
	echo stop > "$RP/state" 2>/dev/null
	wait_for 5 state_is offline
	echo "$1" > "$RP/firmware"
	echo start > "$RP/state" 2>/dev/null
	wait_for 10 up
}
twice() { dmesg_since | grep -E 'already exist|rpmsg_create_channel failed' | head -2; }

load_rpmsg_stack
rmmod rpmsg_client_sample 2>/dev/null
dmesg_mark
MARK0=$T_MARK

if wait_for 5 find_rproc; then
	RP=$(find_rproc)
else
	not_ok "pbus remoteproc registered"
	finish
fi
assert_cmd "remote boots, channels up" boot "$GOOD"

# Defect 3: the rx callback sends, more in flight than rx + tx buffers.
if modinfo pbus_rpmsg_pingpong >/dev/null 2>&1; then
	dmesg_mark
	modprobe pbus_rpmsg_pingpong count="$PP_N" window=256 stall_ms=10000
	wait_for 90 sh -c "dmesg | sed -n '/$T_MARK/,\$p' | grep -qE 'pbus-pingpong: (done|stalled)'"
	res=$(dmesg_since | sed -n 's/.*pbus-pingpong: //p' | head -1)
	diag "ping-pong: $res"
	case "$res" in
	"done: $PP_N/$PP_N echoes, 0 errors, 0 failed sends"*) ok "ping-pong from the rx callback, window 256 > 128 buffers: $PP_N echoes" ;;
	*) not_ok "ping-pong from the rx callback, window 256: $res" ;;
	esac
	rmmod pbus_rpmsg_pingpong
else
	skip "ping-pong: pbus_rpmsg_pingpong not installed"
fi

# Defect 10: a 1 MiB file through rpmsg_tty (trysend, no flow control) and back.
tty_file() {
	dd if=/dev/urandom of=/tmp/xport-tty.in bs=1024 count=1024 2>/dev/null
	exec 3<>/dev/ttyRPMSG0
	stty raw -echo <&3 || return 1
	head -c 1048576 <&3 > /tmp/xport-tty.out &
	r=$!
	cat /tmp/xport-tty.in >&3 2>/tmp/xport-tty.err
	wrc=$?
	t=0
	while kill -0 $r 2>/dev/null && [ $t -lt 300 ]; do sleep 0.1; t=$((t + 1)); done
	kill $r 2>/dev/null
	exec 3>&-
	diag "tty: cat exit $wrc $(cat /tmp/xport-tty.err), $(wc -c < /tmp/xport-tty.out) bytes back"
	[ $wrc = 0 ] && cmp -s /tmp/xport-tty.in /tmp/xport-tty.out
}
if wait_for 3 test -c /dev/ttyRPMSG0; then
	if tty_file; then
		ok "cat of a 1 MiB file into /dev/ttyRPMSG0 arrives and echoes back byte-identical"
	else
		not_ok "cat of a 1 MiB file into /dev/ttyRPMSG0 arrives and echoes back byte-identical"
	fi
	rm -f /tmp/xport-tty.in /tmp/xport-tty.out /tmp/xport-tty.err
else
	not_ok "1 MiB through rpmsg_tty: no /dev/ttyRPMSG0"
fi

# Defect 1: the vdev buffer pool; a forged descriptor outside it is refused.
pool=$(sed -n 's/^pool: base \(0x[0-9a-f]*\) size \(0x[0-9a-f]*\).*/\1 \2/p' "$(dbg)/mbox" 2>/dev/null)
if [ -n "$pool" ]; then
	ok "transport maps the vdev buffer pool ($pool)"
	base=${pool% *}
	size=${pool#* }
	assert_cmd "echoes through the pool" rpmsg-echo echo -d $ECHO -n 500 -s 496 -w 4 -t 10
	assert_eq "no descriptor outside the pool in normal traffic" 0 "$(rpmsg_stat out_of_pool)"
	n=0
	for a in $((base - 512)) $((base + size)) $((base + size - 256)) 0x1000; do
		n=$((n + 1))
		dmesg_mark
		printf '0x%x\n' "$a" > "$(dbg)/forge_tx"
		rpmsg-echo echo -d $ECHO -n 1 -s 496 -t 1 >/dev/null 2>&1
		assert_eq "forged tx descriptor $(printf 0x%x "$a") refused and counted" \
			"$n" "$(rpmsg_stat out_of_pool)"
		assert_cmd "forged descriptor $(printf 0x%x "$a") logged" \
			sh -c "dmesg | sed -n '/$T_MARK/,\$p' | grep -q 'outside the vdev buffer pool'"
	done
	assert_cmd "after the forged descriptors: echoes work" \
		rpmsg-echo echo -d $ECHO -n 500 -s 496 -w 4 -t 10
	# An rx descriptor outside the pool: nothing may be written to it, and
	# a buffer cannot be given back unwritten, so the transport stops
	# until the remote restarts.
	n=$((n + 1))
	dmesg_mark
	printf '0x%x\n' $((base + size)) > "$(dbg)/forge_rx"
	rpmsg-echo echo -d $ECHO -n 1 -s 64 -t 2 >/dev/null 2>&1
	assert_eq "forged rx descriptor refused and counted" "$n" "$(rpmsg_stat out_of_pool)"
	assert_cmd "forged rx descriptor: transport stopped, logged" \
		sh -c "dmesg | sed -n '/$T_MARK/,\$p' | grep -q 'rpmsg transport disabled until the remote restarts'"
	if boot "$GOOD" && rpmsg-echo echo -d $ECHO -n 100 -s 496 -w 4 -t 10; then
		ok "after a restart of the remote: echoes work"
	else
		not_ok "after a restart of the remote: echoes work"
	fi
else
	not_ok "transport maps the vdev buffer pool (debugfs mbox has no pool line)"
fi

# Defect 4: EVENT_IDX offered by the firmware, poll_ms=0.
FW=/lib/firmware/$GOOD
hdr=$(od -An -tx4 -j 4096 -N 40 "$FW" 2>/dev/null | tr -s ' \n' '  ')
case "$hdr" in
" 00000001 00000002 "*" 00000003 00000007 00000000 00000001 "*)
	cp "$FW" "/lib/firmware/$EVIDX"
	# dfeatures (resource table at 0x1000, vdev entry + 8) = NS | EVENT_IDX (bit 29)
	printf '\001\000\000\040' | dd of="/lib/firmware/$EVIDX" bs=1 seek=$((4096 + 36)) conv=notrunc 2>/dev/null
	echo 0 > "$POLL"
	if boot "$EVIDX"; then
		ok "EVENT_IDX firmware boots with poll_ms=0"
		f=$(cat /sys/bus/virtio/devices/"$(vdev)"/features 2>/dev/null)
		diag "negotiated features: $f"
		assert_eq "VIRTIO_RING_F_EVENT_IDX negotiated" 1 "$(echo "$f" | cut -c30)"
		assert_cmd "poll_ms=0, EVENT_IDX: 2000 echoes one at a time" \
			rpmsg-echo echo -d $ECHO -n 2000 -s 496 -w 1 -t 5
		assert_cmd "poll_ms=0, EVENT_IDX: 4 endpoints x 1000, window 8" \
			rpmsg-echo echo -d $ECHO -n 1000 -s 496 -e 4 -w 8 -t 5
		assert_cmd "poll_ms=0, EVENT_IDX: rpmsg_tty line" \
			rpmsg-echo tty /dev/ttyRPMSG0 "evidx $$"
	else
		not_ok "EVENT_IDX firmware boots with poll_ms=0"
	fi
	echo 0 > "$POLL"
	if boot "$GOOD"; then
		assert_cmd "poll_ms=0, no EVENT_IDX: 2000 echoes one at a time" \
			rpmsg-echo echo -d $ECHO -n 2000 -s 496 -w 1 -t 5
	else
		not_ok "good firmware boots with poll_ms=0"
	fi
	echo 100 > "$POLL"
	rm -f "/lib/firmware/$EVIDX"
	;;
*)
	skip "EVENT_IDX: resource table of $GOOD not where expected ($hdr)"
	;;
esac

# Defect 5: rebind the virtio driver, reload the transport.
boot "$GOOD" >/dev/null
dmesg_mark
V=$(vdev)
if [ -n "$V" ] && [ -e "$VDRV/unbind" ]; then
	echo "$V" > "$VDRV/unbind"
	assert_cmd "unbound: channels gone" wait_for 5 no_chan rpmsg-client-sample
	echo "$V" > "$VDRV/bind"
	assert_cmd "rebound: the remote announces its channels again" wait_for 5 up
	assert_cmd "rebound: echoes work (rings resynced)" \
		rpmsg-echo echo -d $ECHO -n 1000 -s 496 -w 4 -t 5
	assert_cmd "rebound: rpmsg_tty works" wait_for 3 rpmsg-echo tty /dev/ttyRPMSG0 "rebind $$"
	for i in 1 2 3 4 5; do
		echo "$V" > "$VDRV/unbind"
		echo "$V" > "$VDRV/bind"
	done
	assert_cmd "5 more rebinds: echoes work" sh -c \
		"sleep 0.5; rpmsg-echo echo -d $ECHO -n 500 -s 496 -w 4 -t 5"
else
	not_ok "rpmsg virtio device of $RP found"
fi
rmmod pbus_rpmsg && modprobe pbus_rpmsg
assert_cmd "transport reloaded: echoes work" rpmsg-echo echo -d $ECHO -n 500 -s 496 -w 4 -t 5
if [ -d /proc/device-tree/pbus-remoteproc/rpmsg-channels ]; then
	assert_cmd "static DT channel still there" sh -c "ls -d $DEVS/*.rpmsg-raw.-1.1024"
fi
assert_eq "no channel announced twice (rebind, reload)" "" "$(twice)"

# Defect 2: stop, crash and rmmod virtio_rpmsg_bus with traffic in flight.
CRASH=$(find /sys/kernel/debug/pbus-remote -name crash 2>/dev/null | head -1)
# in-kernel traffic (the ping-pong: both directions, sent from the rx
# callback): rpmsg_char's poll of a vanished endpoint WARNs in 6.1 itself
traffic() {
	modprobe pbus_rpmsg_pingpong count=100000 window=200 stall_ms=60000
	sleep 0.$((i % 3 + 1))
}
reap() { rmmod pbus_rpmsg_pingpong 2>/dev/null; }
# The crash cycles are deliberate, each recovered before the next: no crash
# loop. pbus_rproc's bound (recovery_limit automatic recoveries within
# recovery_window_s, with a backoff) is lifted for them and restored after;
# 64-lying-remote.sh tests it.
RPARAM=/sys/module/pbus_rproc/parameters
rec_limit=$(cat "$RPARAM/recovery_limit" 2>/dev/null)
rec_delay=$(cat "$RPARAM/recovery_delay_ms" 2>/dev/null)
[ -z "$rec_limit" ] || echo 0 > "$RPARAM/recovery_limit"
[ -z "$rec_delay" ] || echo 0 > "$RPARAM/recovery_delay_ms"
dmesg_mark
t0=$(cut -d. -f1 /proc/uptime)
fails=0
for kind in stop crash rmmod; do
	[ $kind = crash ] && [ -z "$CRASH" ] && { skip "crash cycles: no crash file"; continue; }
	bad=0
	i=0
	while [ $i -lt "$CYCLES" ]; do
		i=$((i + 1))
		up || boot "$GOOD" >/dev/null || { bad=$((bad + 1)); continue; }
		traffic
		case $kind in
		stop) echo stop > "$RP/state" ;;
		crash) echo 1 > "$CRASH"; wait_for 10 up || bad=$((bad + 1)) ;;
		rmmod) rmmod virtio_rpmsg_bus || bad=$((bad + 1))
		       modprobe virtio_rpmsg_bus; wait_for 5 up || bad=$((bad + 1)) ;;
		esac
		reap
	done
	assert_eq "$CYCLES $kind cycles with traffic in flight" 0 "$bad"
	fails=$((fails + bad))
done
t1=$(cut -d. -f1 /proc/uptime)
[ -z "$rec_limit" ] || echo "$rec_limit" > "$RPARAM/recovery_limit"
[ -z "$rec_delay" ] || echo "$rec_delay" > "$RPARAM/recovery_delay_ms"
diag "teardown cycles: $((t1 - t0)) s"
assert_eq "no echo corrupted or duplicated in the cycles" "" \
	"$(dmesg_since | grep 'pbus-pingpong: ' | grep -v ' 0 errors' | head -2)"
diag "ping-pong runs in the cycles: $(dmesg_since | grep -c 'pbus-pingpong: ')"
dmesg_clean "teardown cycles: kernel log clean"
assert_cmd "after the cycles: remote boots, channels up" boot "$GOOD"
assert_cmd "after the cycles: 2000 echoes" rpmsg-echo echo -d $ECHO -n 2000 -s 496 -w 4 -t 10

echo stop > "$RP/state" 2>/dev/null
T_MARK=$MARK0
dmesg_clean "no kernel warning in the whole run"
finish

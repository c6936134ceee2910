#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# pbus_rpmsg: the kernel's virtio_rpmsg_bus over the bus to the remote.
# Channels announced by the remote and the static one from the DT, the
# kernel's rpmsg_client_sample (built unmodified: make samples), rpmsg_char
# endpoints (one and several at once, random sizes up to the MTU, every
# echo checked byte for byte and in order), rpmsg_tty, remote crash and
# recovery, the same echoes under bus fault injection, module unload and
# reload while the remote runs. TAP.
#
# Env: RPMSG_ECHO_N (messages of the long echo runs, default 10000),
# RPMSG_FAULT_N (messages under fault injection, default 3000: each costs about
# 5 faults, each fault one or two bus timeouts),
# RPMSG_ECHO_ADDR (the remote's unannounced echo endpoint, default 0x400),
# RPMSG_FLIP_EVERY (cable fault injection period, default 1000),
# RPMSG_RECOVER_S (default 15).

# shellcheck source=tests/target/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/target/rproc-lib.sh
. "$(dirname "$0")/rproc-lib.sh"

N=${RPMSG_ECHO_N:-$(scaled 10000)}
NF=${RPMSG_FAULT_N:-$(scaled 3000)}
ECHO=${RPMSG_ECHO_ADDR:-0x400}
FLIP=${RPMSG_FLIP_EVERY:-1000}
RECOVER_S=${RPMSG_RECOVER_S:-15}
GOOD=pbus-remote-fw.elf
DEVS=/sys/bus/rpmsg/devices

# rpmsg_stat KEY: a counter of pbus_rpmsg's debugfs stats
rpmsg_stat() { sed -n "s/^$1: //p" /sys/kernel/debug/pbus-rpmsg/*/stats 2>/dev/null | head -1; }
logged_since() { dmesg_since | grep -q "$1"; }

load_rpmsg_stack
dmesg_mark
MARK0=$T_MARK

if wait_for 5 find_rproc; then
	RP=$(find_rproc)
	ok "pbus remoteproc registered with pbus_rpmsg loaded ($RP)"
else
	not_ok "pbus remoteproc registered"
	finish
fi
echo stop > "$RP/state" 2>/dev/null
echo "$GOOD" > "$RP/firmware"

# Boot: HOST_READY, announcements, the static channel.
echo start > "$RP/state" 2>/dev/null
assert_cmd "remote running" state_is running
if wait_for 5 chan rpmsg-client-sample; then
	ok "remote announced rpmsg-client-sample"
else
	not_ok "remote announced rpmsg-client-sample ($(echo "$DEVS"/*))"
fi
assert_cmd "remote announced rpmsg-tty" wait_for 2 chan rpmsg-tty
assert_cmd "transport ready (debugfs mbox)" \
	grep -q "state: ready" /sys/kernel/debug/pbus-rpmsg/"$(basename "$RP")"/mbox
if [ -d /proc/device-tree/pbus-remoteproc/rpmsg-channels ]; then
	assert_cmd "static DT channel announced (rpmsg-raw -> 1024)" \
		wait_for 2 sh -c "ls -d $DEVS/*.rpmsg-raw.-1.1024"
else
	skip "static DT channel: no rpmsg-channels node in this DT"
fi
assert_cmd "/dev/rpmsg_ctrl0 present" wait_for 2 test -c /dev/rpmsg_ctrl0

# The kernel's sample: 100 messages, then goodbye.
if modinfo rpmsg_client_sample >/dev/null 2>&1; then
	dmesg_mark
	modprobe rpmsg_client_sample
	if wait_for 30 logged_since "goodbye!"; then
		ok "rpmsg_client_sample: 100 messages echoed, goodbye"
	else
		not_ok "rpmsg_client_sample: goodbye ($(dmesg_since | grep -c 'incoming msg') messages)"
	fi
	assert_eq "rpmsg_client_sample: 100 incoming messages" 100 \
		"$(dmesg_since | grep -c 'incoming msg')"
	rmmod rpmsg_client_sample
else
	skip "rpmsg_client_sample not installed (make samples, deploy)"
	skip "rpmsg_client_sample not installed"
fi

# rpmsg_char endpoints through rpmsg_ctrl.
assert_cmd "$N echoes of 1..496 bytes, byte-equal, in order" \
	rpmsg-echo echo -d "$ECHO" -n "$N" -s 496 -w 4 -t 10
assert_cmd "4 endpoints at once, 1000 echoes each" \
	rpmsg-echo echo -d "$ECHO" -n 1000 -s 496 -e 4 -w 4 -t 10
assert_cmd "announced rpmsg-raw echo (rpmsg_char device)" \
	rpmsg-echo echo -d 0x402 -n 200 -s 496 -t 10

# rpmsg_tty.
if wait_for 3 test -c /dev/ttyRPMSG0; then
	assert_cmd "rpmsg_tty: a line comes back" rpmsg-echo tty /dev/ttyRPMSG0 "pbus tty $$"
else
	not_ok "rpmsg_tty: /dev/ttyRPMSG0 appeared"
fi
assert_eq "no malformed message so far" 0 "$(rpmsg_stat malformed)"

# Remote crash: channels vanish, come back, clients reopen.
CRASH=$(find /sys/kernel/debug/pbus-remote -name crash 2>/dev/null | head -1)
if [ -n "$CRASH" ]; then
	dmesg_mark
	echo 1 > "$CRASH"
	assert_cmd "crash: channels vanish" wait_for 5 no_chan rpmsg-client-sample
	if wait_for "$RECOVER_S" chan rpmsg-client-sample && state_is running; then
		ok "recovered: channels announced again"
	else
		not_ok "recovered: channels announced again (state $(cat "$RP/state"))"
	fi
	assert_cmd "after recovery: 1000 echoes on a new endpoint" \
		rpmsg-echo echo -d "$ECHO" -n 1000 -s 496 -w 4 -t 10
	if wait_for 3 test -c /dev/ttyRPMSG0; then
		assert_cmd "after recovery: rpmsg_tty reopened" \
			rpmsg-echo tty /dev/ttyRPMSG0 "again $$"
	else
		not_ok "after recovery: /dev/ttyRPMSG0"
	fi
else
	skip "crash: no pbus_remote debugfs crash file"
	skip "recovery"
	skip "after recovery: echoes"
	skip "after recovery: tty"
fi

# Bus fault injection: nothing lost, duplicated or corrupted.
FLIPF=$(find /sys/kernel/debug/pbus-cable -name flip_every 2>/dev/null | head -1)
if [ -n "$FLIPF" ]; then
	errs=$(rpmsg_stat bus_errors)
	echo "$FLIP" > "$FLIPF"
	assert_cmd "flip_every=$FLIP: $NF echoes, none lost, duplicated or corrupted" \
		rpmsg-echo echo -d "$ECHO" -n "$NF" -s 496 -w 4 -t 20
	echo 0 > "$FLIPF"
	diag "transport bus errors during the faults: $(($(rpmsg_stat bus_errors) - errs))"
	assert_cmd "remote still running after the faults" state_is running
else
	skip "fault injection: no pbus-cable flip_every"
	skip "fault injection"
fi
assert_eq "no malformed message" 0 "$(rpmsg_stat malformed)"

# Unload and reload the transport while the remote runs.
if rmmod pbus_rpmsg; then
	ok "pbus_rpmsg unloads while the remote runs"
	modprobe pbus_rpmsg
	assert_cmd "reloaded: takes over the running vrings, echoes work" \
		rpmsg-echo echo -d "$ECHO" -n 500 -s 496 -t 10
else
	not_ok "pbus_rpmsg unloads while the remote runs"
	skip "reload"
fi

echo stop > "$RP/state" 2>/dev/null
assert_cmd "stopped: channels gone" wait_for 5 no_chan rpmsg-client-sample
T_MARK=$MARK0
dmesg_clean "no kernel warning in the whole run"
finish

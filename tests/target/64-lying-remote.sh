#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# A lying remote (issue 10, defect 7) is bounded and counted. The remote's
# debugfs ns_forge makes it announce channels no endpoint serves, its crash
# file makes it crash right after each recovery:
#  - name service (pbus_rpmsg): a flood of announcements leaves at most
#    ns_max_channels channels of the remote, the drops are counted and
#    logged ratelimited, the real channels still echo; destructions of live
#    channels still work, of unknown ones are dropped; duplicates are
#    dropped; the rate bound (ns_rate) holds when the count bound does not;
#  - crash loop (pbus_rproc): the 2nd and 3rd crash are recovered after a
#    backoff, during which the remote stays crashed; the crash after
#    recovery_limit recoveries is not recovered (state crashed, recovery
#    disabled, logged, counted); "echo enabled > recovery" and "stop" then
#    "start" bring it back; a stop and an rmmod during a backoff cancel
#    the delayed recovery. TAP.
#
# Needs both ends in one guest (the cable). Env: LYING_NS_N (forged
# announcements of a flood, default 1000 scaled by PBUS_TEST_SCALE, at
# least 100), RPMSG_RECOVER_S (default 15).

# shellcheck source=tests/target/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/target/rproc-lib.sh
. "$(dirname "$0")/rproc-lib.sh"

NS_N=${LYING_NS_N:-$(scaled 1000)}
[ "$NS_N" -ge 100 ] || NS_N=100	# well above ns_max_channels
RECOVER_S=${RPMSG_RECOVER_S:-15}
ECHO=0x400
GOOD=pbus-remote-fw.elf
DEVS=/sys/bus/rpmsg/devices
NSPAR=/sys/module/pbus_rpmsg/parameters
RPAR=/sys/module/pbus_rproc/parameters
LEGIT=4		# channels the test firmware's remote announces

# shellcheck disable=SC2317 # up and boot are called through wait_for and assert_cmd
up() { state_is running && chan rpmsg-client-sample && chan rpmsg-tty && test -c /dev/rpmsg_ctrl0; }
# shellcheck disable=SC2317
boot() {
	echo stop > "$RP/state" 2>/dev/null
	wait_for 5 state_is offline
	echo "$GOOD" > "$RP/firmware"
	echo start > "$RP/state" 2>/dev/null
	wait_for 10 up
}
rpmsg_stat() { sed -n "s/^$1: //p" /sys/kernel/debug/pbus-rpmsg/"$(basename "$RP")"/stats 2>/dev/null | head -1; }
remote_mbox() { sed -n "s/^$1: //p" "$RDBG/mbox" 2>/dev/null | head -1; }
forged() {
	f_n=0
	for f_d in "$DEVS"/*.pbus-forged.*; do [ -e "$f_d" ] && f_n=$((f_n + 1)); done
	echo "$f_n"
}
cl() { sed -n "s/^$1: //p" "$CL" 2>/dev/null | head -1; }
# centiseconds since boot
now_cs() { sed 's/ .*//; s/\.//' /proc/uptime; }
# forge KIND N: the remote sends N forged announcements; the host has read them
forge() {
	f_rx0=$(rpmsg_stat ns_rx)
	echo "$1 $2" > "$RDBG/ns_forge" || return 1
	wait_for 60 sh -c "[ \"\$(sed -n 's/^ns_forge_left: //p' '$RDBG/mbox')\" = 0 ]" || return 1
	wait_for 30 sh -c "[ \$(sed -n 's/^ns_rx: //p' /sys/kernel/debug/pbus-rpmsg/$(basename "$RP")/stats) -ge $((f_rx0 + $2)) ]" || return 1
	sleep 0.5	# the name service's rx callbacks
}
# stat_delta KEY BEFORE: growth of a pbus_rpmsg counter
stat_delta() { echo $(($(rpmsg_stat "$1") - $2)); }

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
FORGE=$(remote_dbg ns_forge)
[ -n "$FORGE" ] || skip_all "no pbus_remote debugfs ns_forge (remote not in this guest)"
RDBG=$(dirname "$FORGE")
[ -w "$NSPAR/ns_max_channels" ] || skip_all "pbus_rpmsg without ns_max_channels"
[ -w "$RPAR/recovery_limit" ] || skip_all "pbus_rproc without recovery_limit"
ns_cap0=$(cat "$NSPAR/ns_max_channels")
ns_rate0=$(cat "$NSPAR/ns_rate")
rl0=$(cat "$RPAR/recovery_limit")
rw0=$(cat "$RPAR/recovery_window_s")
rd0=$(cat "$RPAR/recovery_delay_ms")
restore_params() {
	echo "$ns_cap0" > "$NSPAR/ns_max_channels" 2>/dev/null
	echo "$ns_rate0" > "$NSPAR/ns_rate" 2>/dev/null
	echo "$rl0" > "$RPAR/recovery_limit" 2>/dev/null
	echo "$rw0" > "$RPAR/recovery_window_s" 2>/dev/null
	echo "$rd0" > "$RPAR/recovery_delay_ms" 2>/dev/null
}
echo 32 > "$NSPAR/ns_max_channels"
echo 8 > "$NSPAR/ns_rate"
CAP=32

# ---------------------------------------------------------------- name service
drops() { echo $(($(rpmsg_stat ns_over_limit) + $(rpmsg_stat ns_over_rate) + $(rpmsg_stat ns_duplicates) + $(rpmsg_stat ns_unknown))); }
drops0=$(drops)
assert_cmd "remote boots, channels up" boot
assert_eq "the remote's own announcements are tracked" "$LEGIT" "$(rpmsg_stat ns_channels)"
assert_eq "a legitimate remote meets no bound (no drop)" "$drops0" "$(drops)"

# A flood of creations: the count bound.
lim0=$(rpmsg_stat ns_over_limit)
cre0=$(rpmsg_stat ns_created)
dmesg_mark
t0=$(now_cs)
if forge create "$NS_N"; then
	ok "remote sent $NS_N forged creations, the host read them"
else
	not_ok "remote sent $NS_N forged creations ($(remote_mbox ns_forge_left) left, host ns_rx $(rpmsg_stat ns_rx))"
fi
secs=$((($(now_cs) - t0) / 100 + 1))
n=$(forged)
diag "flood of $NS_N in about $secs s: forged channels on the host: $n"
assert_eq "flood: the remote's channels stop at ns_max_channels ($CAP)" "$CAP" "$(rpmsg_stat ns_channels)"
assert_eq "flood: $((CAP - LEGIT)) forged channels created, no more" "$((CAP - LEGIT))" "$n"
assert_eq "flood: the $((NS_N - CAP + LEGIT)) others dropped, counted in ns_over_limit" \
	"$((NS_N - CAP + LEGIT))" "$(stat_delta ns_over_limit "$lim0")"
assert_eq "flood: ns_created counts the ones passed on" "$((CAP - LEGIT))" "$(stat_delta ns_created "$cre0")"
logged=$(dmesg_since | grep -c "remote's name service: creation of 'pbus-forged'")
# dev_warn_ratelimited: 10 lines per 5 s
if [ "$logged" -ge 1 ] && [ "$logged" -le $(((secs / 5 + 2) * 10)) ] &&
   [ "$logged" -lt $((NS_N - CAP + LEGIT)) ]; then
	ok "flood: drops logged, ratelimited ($logged lines for $((NS_N - CAP + LEGIT)) drops)"
else
	not_ok "flood: drops logged, ratelimited ($logged lines for $((NS_N - CAP + LEGIT)) drops)"
fi
assert_eq "flood: nothing malformed" 0 "$(rpmsg_stat malformed)"
assert_cmd "flood: the real channels still up" up
assert_cmd "flood: 500 echoes on a new endpoint" rpmsg-echo echo -d $ECHO -n 500 -s 496 -w 4 -t 10
assert_cmd "flood: announced rpmsg-raw still echoes" rpmsg-echo echo -d 0x402 -n 200 -s 496 -t 10
if wait_for 3 test -c /dev/ttyRPMSG0; then
	assert_cmd "flood: rpmsg_tty still echoes" rpmsg-echo tty /dev/ttyRPMSG0 "lying $$"
else
	not_ok "flood: /dev/ttyRPMSG0 still there"
fi

# Destructions: of live channels passed on, of unknown ones dropped.
des0=$(rpmsg_stat ns_destroyed)
unk0=$(rpmsg_stat ns_unknown)
forge destroy "$NS_N" || diag "destroy flood incomplete"
assert_eq "destroy: every forged channel is gone" 0 "$(forged)"
assert_eq "destroy: the $((CAP - LEGIT)) live ones passed on" "$((CAP - LEGIT))" "$(stat_delta ns_destroyed "$des0")"
assert_eq "destroy: the $((NS_N - CAP + LEGIT)) never announced dropped (ns_unknown)" \
	"$((NS_N - CAP + LEGIT))" "$(stat_delta ns_unknown "$unk0")"
assert_eq "destroy: the remote's own channels remain" "$LEGIT" "$(rpmsg_stat ns_channels)"
assert_cmd "destroy: the real channels still up" up

# Within the bounds: creation, duplicate, destruction.
sleep 4	# the bucket refills (8/s, burst 32)
dup0=$(rpmsg_stat ns_duplicates)
forge create 3 || diag "create 3 incomplete"
assert_eq "3 forged channels created" 3 "$(forged)"
forge create 3 || diag "create 3 again incomplete"
assert_eq "announced again: duplicates dropped, counted" 3 "$(stat_delta ns_duplicates "$dup0")"
assert_eq "announced again: still 3 channels" 3 "$(forged)"
forge destroy 3 || diag "destroy 3 incomplete"
assert_eq "destroyed: the 3 channels are gone" 0 "$(forged)"

# The rate bound, where the count bound does not bind: 256 channels, 1/s.
echo 256 > "$NSPAR/ns_max_channels"
echo 1 > "$NSPAR/ns_rate"
rat0=$(rpmsg_stat ns_over_rate)
lim0=$(rpmsg_stat ns_over_limit)
cre0=$(rpmsg_stat ns_created)
t0=$(now_cs)
forge create "$NS_N" || diag "rate flood incomplete"
secs=$((($(now_cs) - t0) / 100 + 1))
passed=$(stat_delta ns_created "$cre0")
diag "rate flood: $passed passed in about $secs s"
# at most the bucket (<= 32, refilled at 1/s since) plus 1/s of the flood
if [ "$passed" -le $((CAP + secs + 10)) ]; then
	ok "ns_rate=1: at most burst + 1/s passed ($passed, $secs s)"
else
	not_ok "ns_rate=1: at most burst + 1/s passed ($passed in $secs s)"
fi
assert_eq "ns_rate=1: the others dropped, counted in ns_over_rate" \
	"$((NS_N - passed))" "$(stat_delta ns_over_rate "$rat0")"
assert_eq "ns_rate=1: none dropped by the count bound" 0 "$(stat_delta ns_over_limit "$lim0")"
assert_eq "ns_rate=1: forged channels = those passed" "$passed" "$(forged)"
forge destroy "$NS_N" || diag "rate destroy incomplete"
assert_eq "rate flood destroyed" 0 "$(forged)"
echo 32 > "$NSPAR/ns_max_channels"
echo 8 > "$NSPAR/ns_rate"
assert_cmd "after the floods: 1000 echoes" rpmsg-echo echo -d $ECHO -n 1000 -s 496 -w 4 -t 10

# ---------------------------------------------------------------- crash loop
CL=/sys/kernel/debug/remoteproc/$(basename "$RP")/crash_loop
echo 3 > "$RPAR/recovery_limit"
echo 60 > "$RPAR/recovery_window_s"
echo 1000 > "$RPAR/recovery_delay_ms"
assert_cmd "fresh boot for the crash loop" boot
assert_eq "crash_loop: automatic, nothing recent" "automatic 0" "$(cl recovery) $(cl recent)"
c0=$(cl crashes)
d0=$(cl delayed)
st0=$(cl stopped)
# crash: the remote crashes, the host has seen it
crash() {
	s0=$(rpmsg_stat sessions)
	k0=$(cl crashes)
	t0=$(now_cs)
	echo 1 > "$RDBG/crash"
	wait_for 5 sh -c "[ \$(sed -n 's/^crashes: //p' '$CL') -gt $k0 ]"
}
# recovered: the remote was started again and is up; $took: centiseconds
recovered() {
	wait_for "$RECOVER_S" sh -c "[ \$(sed -n 's/^sessions: //p' /sys/kernel/debug/pbus-rpmsg/$(basename "$RP")/stats) -gt $s0 ]" ||
		return 1
	wait_for "$RECOVER_S" up || return 1
	took=$(($(now_cs) - t0))
}

dmesg_mark
crash
if recovered; then ok "crash 1: recovered at once ($took cs)"; else
	not_ok "crash 1: recovered (state $(state))"; fi
assert_eq "crash 1: not delayed" "$d0" "$(cl delayed)"

# crash 2: 1 s of backoff, the remote held crashed meanwhile
crash
if wait_for 2 sh -c "grep -q '^recovery: delayed' '$CL'"; then
	ok "crash 2: recovery delayed (pending $(cl pending_ms) ms)"
	assert_eq "crash 2: the remote stays crashed during the backoff" crashed \
		"$(cat "$RDBG/state")"
else
	not_ok "crash 2: recovery delayed ($(cl recovery))"
	skip "crash 2: remote state during the backoff"
fi
if recovered && [ "$took" -ge 100 ]; then ok "crash 2: recovered after the 1 s backoff ($took cs)"; else
	not_ok "crash 2: recovered after >= 1 s (${took:-?} cs, state $(state))"; fi

# crash 3: 2 s
crash
if recovered && [ "$took" -ge 200 ]; then ok "crash 3: recovered after the 2 s backoff ($took cs)"; else
	not_ok "crash 3: recovered after >= 2 s (${took:-?} cs, state $(state))"; fi
assert_eq "crash 3: 2 recoveries delayed, 3 recent" "$((d0 + 2)) 3" "$(cl delayed) $(cl recent)"

# crash 4, after recovery_limit=3 recoveries: left crashed
crash
assert_cmd "crash 4: crashed" wait_for 5 state_is crashed
sleep 5	# beyond the 4 s the next backoff would be
assert_eq "crash 4: not recovered, still crashed after 5 s" crashed "$(state)"
assert_eq "crash 4: remoteproc's recovery disabled" disabled "$(cat "$RP/recovery")"
assert_eq "crash 4: crash_loop says stopped, once" "stopped $((st0 + 1))" "$(cl recovery) $(cl stopped)"
assert_eq "crash 4: 4 crashes counted" "$((c0 + 4))" "$(cl crashes)"
assert_cmd "crash 4: logged, with how to restart" \
	sh -c "dmesg | sed -n '/$T_MARK/,\$p' | grep 'automatic recovery stopped' | grep -q 'echo enabled > /sys/class/remoteproc/'"
assert_eq "4 crashes: 3 recoveries ('recovering' logged 3 times)" 3 \
	"$(dmesg_since | grep -c 'recovering ')"

# restart by the administrator: echo enabled > recovery
echo enabled > "$RP/recovery"
assert_cmd "echo enabled > recovery: the remote comes back" wait_for "$RECOVER_S" up
assert_cmd "restarted: 1000 echoes" rpmsg-echo echo -d $ECHO -n 1000 -s 496 -w 4 -t 10
assert_eq "restarted: recovery enabled, crash_loop automatic, history forgotten" \
	"enabled automatic 0" "$(cat "$RP/recovery") $(cl recovery) $(cl recent)"

# recovery_limit=1, restart by stop then start
echo 1 > "$RPAR/recovery_limit"
crash
recovered || diag "limit 1: first crash not recovered"
crash
assert_cmd "recovery_limit=1: the 2nd crash is left crashed" wait_for 5 state_is crashed
echo stop > "$RP/state" 2>/dev/null
assert_cmd "stop of the crashed remote: offline" wait_for 5 state_is offline
echo start > "$RP/state" 2>/dev/null
assert_cmd "start: the remote comes back" wait_for 10 up
assert_cmd "started: echoes" rpmsg-echo echo -d $ECHO -n 500 -s 496 -w 4 -t 10
assert_eq "started: recovery enabled again" enabled "$(cat "$RP/recovery")"

# A stop during a backoff cancels the delayed recovery.
echo 5 > "$RPAR/recovery_limit"
echo 5000 > "$RPAR/recovery_delay_ms"
crash
recovered || diag "backoff: first crash not recovered"
dmesg_mark
crash
if wait_for 2 sh -c "grep -q '^recovery: delayed' '$CL'"; then
	echo stop > "$RP/state" 2>/dev/null
	assert_cmd "stop during a 5 s backoff: offline" wait_for 3 state_is offline
	sleep 6
	assert_eq "stop during a backoff: no recovery after it" \
		"offline 0" "$(state) $(dmesg_since | grep -c 'crash detected\|recovering ')"
	assert_eq "stop during a backoff: nothing pending" "0" "$(cl pending_ms)"
	assert_eq "stop during a backoff: halted as crashed (no 'did not stop')" 0 \
		"$(dmesg_since | grep -c 'did not stop')"
else
	not_ok "backoff of 5 s before the stop ($(cl recovery))"
	skip "stop during a backoff"
	skip "stop during a backoff"
fi

# rmmod during a backoff: the delayed recovery is cancelled, no use after free.
assert_cmd "boot for the rmmod" boot
crash
recovered || diag "rmmod: first crash not recovered"
dmesg_mark
crash
if wait_for 2 sh -c "grep -q '^recovery: delayed' '$CL'"; then
	t0=$(now_cs)
	rmmod pbus_rpmsg
	if rmmod pbus_rproc; then
		ok "rmmod pbus_rproc during a 5 s backoff ($(($(now_cs) - t0)) cs)"
	else
		not_ok "rmmod pbus_rproc during a 5 s backoff"
	fi
	sleep 6
	dmesg_clean "rmmod during a backoff: nothing ran after it"
	assert_eq "rmmod during a backoff: halted as crashed (no 'did not stop')" 0 \
		"$(dmesg_since | grep -c 'did not stop')"
	modprobe pbus_rproc && modprobe pbus_rpmsg
	wait_for 5 find_rproc && RP=$(find_rproc)
else
	not_ok "backoff of 5 s before the rmmod ($(cl recovery))"
	skip "rmmod during a backoff"
fi

restore_params
echo stop > "$RP/state" 2>/dev/null
T_MARK=$MARK0
dmesg_clean "no kernel warning in the whole run"
finish

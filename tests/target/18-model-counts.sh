#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The cost model (bench/pbus-model, issue 11 item 1) counts what the test
# cable counts: for four fixed transfers (a 4-byte MAGIC read, a 4-byte
# SCRATCH write, a 512-byte write, a 4096-byte read: four frames) the
# cable's line operations per side in its synchronous mode must be exactly
# those of 18-model-counts.expect (made by `make -C bench expect` from the
# model), in three modes: cable multiple=1 with the master's default
# (multi), multiple=1 with no_set_multiple=1 (nomulti: what pbus does on a
# Pi's GPIO16..23 with get/set_multiple), multiple=0 with no_set_multiple=1
# (single: on a Pi's stock pinctrl-bcm2835). TAP output.
#
# What makes the counts exact:
#  - delay_ns=0: the remote's IRQ handler runs inside the host's set call;
#  - the slave's STROBE IRQ thread (the turnarounds) and pbusctl pinned to
#    CPU 0: the thread, SCHED_FIFO, runs at the host's next call that may
#    sleep, before its first look at ACK, so every wait for ACK ends at its
#    first read (on two CPUs the host would poll while the thread runs); on
#    a fully preemptible kernel it runs right after that look: one more
#    (the model's MODE-preempt lines);
#  - the data: window 0..4095 holds i & 0xff, the writes send i & 0xff
#    (SCRATCH: 0x12345678). Which data lines change depends on the CRC
#    bytes, hence on the frame's tag, random per probe: the expectations
#    are listed per tag, and the tag of a transfer's first frame comes from
#    the pbus_frame trace event;
#  - the remote's gets: its lost-edge check reads STROBE every 1 ms while
#    no edge came for 1 ms, for 1 s after the last one, so b.get is not
#    the model's: b.line_ops - b.get is exact, and b.get at least the
#    model's count (the per-line reads of the single mode).
# A transfer with a retry (a vCPU stall beyond the slave's idle timeout)
# is tried again, up to 3 times.

# shellcheck source=tests/target/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/target/cable-lib.sh
. "$(dirname "$0")/cable-lib.sh"

EXP=$T_HERE/18-model-counts.expect
[ -r "$EXP" ] || skip_all "no $EXP"
command -v taskset >/dev/null 2>&1 || skip_all "no taskset"
TR=/sys/kernel/tracing
[ -d "$TR/events" ] || TR=/sys/kernel/debug/tracing
[ -w "$TR/trace" ] || skip_all "no tracefs"
T=$(mktemp -d /tmp/pbus-model.XXXXXX) || exit 1
# shellcheck disable=SC2317 # run by the trap
cleanup() {
	echo 0 > "$TR/events/pbus/pbus_frame/enable" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

KEYS="frames handshakes wire_bytes edges a.get a.set a.get_multiple a.set_multiple
a.direction a.line_ops a.irqs b.get_multiple b.set b.set_multiple b.direction b.irqs
b.line_ops-get spurious_edges"

# Where the thread woken in the host's set call runs: at the host's next call
# that may sleep (PREEMPT_VOLUNTARY, Debian's armmp: before its read), or at
# the first preempt_enable() after it (PREEMPT, PREEMPT_RT: after the read
# sampled; one more look at each handshake the thread serves).
PV=
case "$(uname -v)" in
*PREEMPT_DYNAMIC*)
	m=$(cat /sys/kernel/debug/sched/preempt 2>/dev/null)
	case $m in
	*"(full)"*) PV=-preempt ;;
	*"(voluntary)"*) ;;
	*) skip_all "preemption model '$m': the IRQ thread runs at no fixed point" ;;
	esac ;;
*PREEMPT*) PV=-preempt ;;
esac

# expect MODE TRANSFER KEY TAG: the model's count (one value, or one per tag),
# MODE-preempt's where the kernel is fully preemptible and the file has one
expect() {
	awk -v m="$1" -v p="$1$PV" -v x="$2" -v k="$3" -v t="$4" '
		function val(f,  n, v) {
			n = split(f, v, ",")
			return n == 1 ? v[1] : v[t + 1]
		}
		$2 == x && $3 == k && $1 == m { plain = val($4) }
		$2 == x && $3 == k && $1 == p && p != m { pre = val($4); got = 1 }
		END { print (got ? pre : plain) }' "$EXP"
}

# The data: bytes 0..255, then 512 and 4096 bytes of them.
i=0
while [ $i -lt 256 ]; do
	# shellcheck disable=SC2059
	printf "\\$(printf %03o $i)"
	i=$((i + 1))
done > "$T/p256"
cat "$T/p256" "$T/p256" > "$T/p512"
for i in 1 2 3 4 5 6 7 8; do cat "$T/p512"; done > "$T/p4096"
[ "$(wc -c < "$T/p4096")" = 4096 ] || skip_all "cannot make the test data"

# xfer NAME: the transfer, pinned to CPU 0; checks the data moved
xfer() {
	case $1 in
	read4)
		[ "$(taskset 1 "$PBUSCTL" -d "$DEV" peek 0xffff0000 4 | cut -d' ' -f2-5)" = \
		  "50 42 55 53" ] ;;
	write4)
		taskset 1 "$PBUSCTL" -d "$DEV" poke 0xffff0018 0x78 0x56 0x34 0x12 ;;
	write512)
		taskset 1 "$PBUSCTL" -d "$DEV" load 0x1000 "$T/p512" ;;
	read4096)
		taskset 1 "$PBUSCTL" -d "$DEV" dump 0 4096 "$T/r" && cmp -s "$T/r" "$T/p4096" ;;
	esac
}

# measure MODE NAME: one clean run of the transfer, its counts against the model's
measure() {
	try=0
	while [ $try -lt 3 ]; do
		try=$((try + 1))
		echo 0 > "$CBL/stats"
		pc stats --reset >/dev/null
		e0=$(sstat edges) s0=$(sstat spurious_edges)
		echo > "$TR/trace"
		if ! xfer "$2"; then
			not_ok "$1 $2: transfer and its data"
			return
		fi
		frames=$(grep -c 'pbus_frame: pbus0 .* result=0$' "$TR/trace")
		tag=$(sed -n 's/.* pbus_frame: pbus0 .* tag=\([0-9]*\) .*/\1/p' "$TR/trace" | head -1)
		[ "$(mstat retries)" = 0 ] && [ -n "$tag" ] && break
		diag "$1 $2: try $try had $(mstat retries) retries (tag '$tag'), again"
	done
	got="frames=$frames handshakes=$(cstat b.irqs)"
	got="$got wire_bytes=$(mstat wire_bytes) edges=$(( $(sstat edges) - e0 ))"
	for k in a.get a.set a.get_multiple a.set_multiple a.direction a.line_ops \
		 a.irqs b.get_multiple b.set b.set_multiple b.direction b.irqs; do
		got="$got $k=$(cstat "$k")"
	done
	got="$got b.line_ops-get=$(( $(cstat b.line_ops) - $(cstat b.get) ))"
	got="$got spurious_edges=$(( $(sstat spurious_edges) - s0 ))"
	want=
	for k in $KEYS; do
		want="$want $k=$(expect "$1" "$2" "$k" "$tag")"
	done
	want=${want# }
	if [ "$got" = "$want" ]; then
		ok "$1 $2 (tag $tag): counts as the model's"
	else
		bad=
		for k in $KEYS; do
			g=$(echo "$got" | tr ' ' '\n' | sed -n "s/^$k=//p")
			w=$(echo "$want" | tr ' ' '\n' | sed -n "s/^$k=//p")
			[ "$g" = "$w" ] || bad="$bad $k: $g (model $w)"
		done
		not_ok "$1 $2 (tag $tag): counts as the model's;$bad"
	fi
	bg=$(cstat b.get) bm=$(expect "$1" "$2" b.get_min "$tag")
	if [ -n "$bm" ] && [ "$bg" -ge "$bm" ]; then
		ok "$1 $2: b.get $bg >= the model's $bm (+ the lost-edge check's)"
	else
		not_ok "$1 $2: b.get '$bg' >= the model's '$bm'"
	fi
}

# shellcheck disable=SC2317 # run by wait_for
link_up() { pc info 2>/dev/null | grep -q '^link_up 1'; }

# pin: the STROBE IRQ thread of remote0 (irq/N-pbus-slave-remote0) to CPU 0
pin() {
	irq=$(awk '$NF == "pbus-slave-remote0" { sub(":", "", $1); print $1 }' /proc/interrupts)
	[ -n "$irq" ] || return 1
	for d in /proc/[0-9]*; do
		case "$(cat "$d/comm" 2>/dev/null)" in
		"irq/$irq-"*)
			taskset -p 1 "${d#/proc/}" >/dev/null 2>&1 || return 1
			taskset -p "${d#/proc/}" 2>/dev/null | grep -q ': 1$' || return 1
			return 0 ;;
		esac
	done
	return 1
}

unload_modules pbus pbus_cable
dmesg_mark
for mode in multi nomulti single; do
	case $mode in
	multi) carg=multiple=1 parg='' sm=1 ;;
	nomulti) carg=multiple=1 parg=no_set_multiple=1 sm=0 ;;
	single) carg=multiple=0 parg=no_set_multiple=1 sm=0 ;;
	esac
	# shellcheck disable=SC2086
	if ! { modprobe pbus_cable $carg delay_ns=0 && modprobe pbus $parg; }; then
		not_ok "$mode: load pbus_cable $carg delay_ns=0, pbus $parg"
		unload_modules pbus pbus_cable
		continue
	fi
	# shellcheck disable=SC2034 # lib.sh's finish unloads what it names
	T_LOADED="pbus pbus_cable"
	if ! wait_for 5 link_up; then
		not_ok "$mode: link up"
		unload_modules
		continue
	fi
	assert_eq "$mode: master set_multiple" "$sm" "$(pc info | sed -n 's/^set_multiple //p')"
	echo 1 > "$TR/events/pbus/pbus_frame/enable"
	# The window's data; the IRQ thread has run (its first run sets its CPUs).
	if ! taskset 1 "$PBUSCTL" -d "$DEV" load 0 "$T/p4096" || ! xfer read4096; then
		not_ok "$mode: window 0..4095 written and read back"
		unload_modules
		continue
	fi
	if ! pin; then
		not_ok "$mode: the slave's STROBE IRQ thread pinned to CPU 0"
		unload_modules
		continue
	fi
	for x in read4 write4 write512 read4096; do
		measure "$mode" "$x"
	done
	echo 0 > "$TR/events/pbus/pbus_frame/enable"
	unload_modules
done
dmesg_clean "model counts: kernel log clean"
finish

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Unload and reload every pbus module (pbus_cable, pbus, pbus_remote,
# pbus_rproc, and pbus_rpmsg when it is installed) RELOAD_CYCLES times in
# varying orders, with a peek of the MAGIC register in between. Loading in
# any modprobe order works (the cable last: the master, the remoteproc and
# the remote defer until its GPIO chips appear); rmmod of a module in use
# (pbus under pbus_rproc/pbus_remote, pbus_rproc under pbus_rpmsg, pbus_cable
# under a bound pbus) fails
# cleanly and leaves the bus working. Afterwards: no Oops/WARNING/BUG, no
# pbus debugfs entry, no device or gpiochip left, vmalloc use back within a
# tolerance of the value after one warm-up cycle, and unreclaimable slab
# flat over the second half of the cycles. TAP output.
#
# Env: RELOAD_CYCLES (default 50), PBUS_DEV (default /dev/pbus/pbus0),
# RELOAD_SLAB_TOL_KB (SUnreclaim growth allowed over the second half of
# the cycles, default 128: 5 kB a cycle; slab use on the guest moves by
# tens of kB between cycles even without a leak, and Debian's kernel has no
# kmemleak, so smaller leaks are out of reach of this test),
# RELOAD_VMALLOC_TOL_KB (VmallocUsed growth allowed, default 256).
. "$(dirname "$0")/lib.sh"

CYCLES=${RELOAD_CYCLES:-$(scaled 50)}
DEV=${PBUS_DEV:-/dev/pbus/pbus0}
SLAB_TOL=${RELOAD_SLAB_TOL_KB:-128}
VM_TOL=${RELOAD_VMALLOC_TOL_KB:-256}
DBG=/sys/kernel/debug

command -v modprobe >/dev/null 2>&1 || skip_all "no modprobe"
PBUSCTL=$(find_tool pbusctl) || skip_all "no pbusctl"
# installed: MOD is in modules.dep (busybox modinfo succeeds for unknown modules)
installed() { grep -q "/$1\.ko" "/lib/modules/$(uname -r)/modules.dep" 2>/dev/null; }
for m in pbus_cable pbus pbus_remote pbus_rproc; do
	installed "$m" || skip_all "module $m not installed"
done
RPMSG=
if installed pbus_rpmsg; then
	RPMSG=pbus_rpmsg
else
	diag "pbus_rpmsg not installed: cycles without it"
fi

loaded() { grep -q "^$1 " /proc/modules; }
# unload_all: every pbus module, users first; 0 when none is left
unload_all() {
	for m in $RPMSG pbus_rproc pbus_remote pbus pbus_cable; do
		loaded "$m" && rmmod "$m" 2>/dev/null
	done
	for m in $RPMSG pbus_rproc pbus_remote pbus pbus_cable; do
		! loaded "$m" || return 1
	done
}
magic() { "$PBUSCTL" -d "$DEV" peek 0xffff0000 4 2>/dev/null | cut -d' ' -f2-5; }
magic_ok() { [ "$(magic)" = "50 42 55 53" ]; }
rproc_bound() {
	for r in /sys/class/remoteproc/remoteproc*; do
		[ -e "$r/device/driver" ] &&
			[ "$(basename "$(readlink "$r/device/driver")")" = pbus-rproc ] && return 0
	done
	return 1
}
remote_bound() { [ -e /sys/bus/platform/drivers/pbus-remote/pbus-remote ]; }
all_bound() { magic_ok && rproc_bound && remote_bound; }

# snapshot: counts and memory (kB) that must come back after the cycles
meminfo() { sed -n "s/^$1: *\([0-9]*\) kB/\1/p" /proc/meminfo; }
snapshot() {
	sync
	echo 3 > /proc/sys/vm/drop_caches
	sleep 1
	S_SLAB=$(meminfo Slab) S_SUNREC=$(meminfo SUnreclaim) S_VM=$(meminfo VmallocUsed)
	S_CHIPS=$(ls /sys/bus/gpio/devices 2>/dev/null | wc -l)
	# a previous test's deferred teardown may still remove a device: wait until
	# the count holds for a second (at most 10 s)
	S_DEVS=$(find /sys/devices -name uevent 2>/dev/null | wc -l)
	t_i=0
	while [ $t_i -lt 10 ]; do
		sleep 1
		t_d=$(find /sys/devices -name uevent 2>/dev/null | wc -l)
		[ "$t_d" = "$S_DEVS" ] && break
		S_DEVS=$t_d t_i=$((t_i + 1))
	done
	S_DBG=$(find $DBG -maxdepth 2 -type d 2>/dev/null | wc -l)
	S_RPROC=$(ls /sys/class/remoteproc 2>/dev/null | wc -l)
}

dmesg_mark
for m in $RPMSG pbus_rproc pbus_remote pbus pbus_cable; do
	if loaded "$m"; then
		unload_all || skip_all "pbus modules in use, cannot unload"
		break
	fi
done

# Warm-up: one full cycle, so that first-use allocations (module sysfs,
# debugfs, firmware/class caches) are in the baseline.
modprobe pbus_cable && modprobe pbus && modprobe pbus_remote && modprobe pbus_rproc &&
	{ [ -z "$RPMSG" ] || modprobe "$RPMSG"; } && wait_for 10 all_bound
warm=$?
if [ $warm -eq 0 ]; then ok "warm-up: all modules loaded and bound, MAGIC read"; else not_ok "warm-up: all modules loaded and bound"; fi
unload_all
snapshot
B_SLAB=$S_SLAB B_SUNREC=$S_SUNREC B_VM=$S_VM B_CHIPS=$S_CHIPS B_DEVS=$S_DEVS B_DBG=$S_DBG B_RPROC=$S_RPROC
diag "baseline: Slab $B_SLAB kB, SUnreclaim $B_SUNREC kB, VmallocUsed $B_VM kB, gpio devices $B_CHIPS, devices $B_DEVS, debugfs dirs $B_DBG, remoteprocs $B_RPROC"

# Load orders (modprobe pulls pbus in for its users). The cable last means
# every consumer probes through deferral.
ORDERS="pbus_cable,pbus,pbus_remote,pbus_rproc,RPMSG
pbus_rproc,pbus_remote,RPMSG,pbus_cable
pbus_remote,pbus_cable,RPMSG,pbus_rproc
pbus,RPMSG,pbus_rproc,pbus_cable,pbus_remote
RPMSG,pbus_cable,pbus_rproc,pbus_remote"
NORD=$(echo "$ORDERS" | wc -l)
# Unload orders; pbus_cable and pbus before their users are tried (and must
# fail) where they appear early.
UNORDERS="RPMSG,pbus_rproc,pbus_remote,pbus,pbus_cable
pbus_remote,RPMSG,pbus_rproc,pbus,pbus_cable
pbus,pbus_cable,pbus_rproc,RPMSG,pbus_remote,pbus,pbus_cable
pbus_cable,pbus_remote,pbus,RPMSG,pbus_rproc,pbus,pbus_cable"
NUN=$(echo "$UNORDERS" | wc -l)

n_load_fail=0 n_bound_fail=0 n_magic_fail=0
n_refuse=0 n_refuse_bad=0 n_unload_fail=0 n_after_refuse_bad=0
t0=$(cut -d' ' -f1 /proc/uptime)
i=0
while [ $i -lt "$CYCLES" ]; do
	ord=$(echo "$ORDERS" | sed -n "$((i % NORD + 1))p" | sed "s/RPMSG/$RPMSG/; s/,,*/,/g; s/^,//; s/,$//")
	unord=$(echo "$UNORDERS" | sed -n "$(((i + i / NORD) % NUN + 1))p" | sed "s/RPMSG/$RPMSG/; s/,,*/,/g; s/^,//; s/,$//")
	i=$((i + 1))
	for m in $(echo "$ord" | tr , ' '); do
		if ! modprobe "$m" 2>/dev/null; then
			n_load_fail=$((n_load_fail + 1))
			diag "cycle $i: modprobe $m failed (order $ord)"
		fi
	done
	if ! wait_for 10 all_bound; then
		n_bound_fail=$((n_bound_fail + 1))
		diag "cycle $i: not all bound after order $ord (magic '$(magic)', deferred: $(cat $DBG/devices_deferred 2>/dev/null | tr '\n' ' '))"
	fi
	magic_ok || n_magic_fail=$((n_magic_fail + 1))
	# unload in order; a module with users loaded must refuse
	for m in $(echo "$unord" | tr , ' '); do
		loaded "$m" || continue
		users=
		case $m in
		pbus) for u in $RPMSG pbus_rproc pbus_remote; do loaded "$u" && users="$users $u"; done ;;
		pbus_cable) loaded pbus && users=pbus ;;
		pbus_rproc) [ -n "$RPMSG" ] && loaded "$RPMSG" && users=$RPMSG ;;
		esac
		if [ -n "$users" ]; then
			if rmmod "$m" 2>/dev/null || ! loaded "$m"; then
				n_refuse_bad=$((n_refuse_bad + 1))
				diag "cycle $i: rmmod $m succeeded while$users loaded"
			else
				n_refuse=$((n_refuse + 1))
				magic_ok || { n_after_refuse_bad=$((n_after_refuse_bad + 1))
					diag "cycle $i: bus broken after refused rmmod $m"; }
			fi
			continue
		fi
		rmmod "$m" 2>/dev/null
		if loaded "$m"; then
			n_unload_fail=$((n_unload_fail + 1))
			diag "cycle $i: rmmod $m failed (order $unord): $(grep "^$m " /proc/modules)"
		fi
	done
	unload_all || { n_unload_fail=$((n_unload_fail + 1)); diag "cycle $i: modules left: $(grep -E '^pbus' /proc/modules | cut -d' ' -f1 | tr '\n' ' ')"; }
	if [ $i -eq $((CYCLES / 2)) ]; then
		snapshot
		M_SUNREC=$S_SUNREC
	fi
done
t1=$(cut -d' ' -f1 /proc/uptime)
diag "$CYCLES cycles in $(echo "$t0 $t1" | awk '{printf "%.0f", $2 - $1}') s"

assert_eq "$CYCLES cycles: every modprobe succeeded" 0 "$n_load_fail"
assert_eq "$CYCLES cycles: master, remoteproc and remote bound in every load order" 0 "$n_bound_fail"
assert_eq "$CYCLES cycles: MAGIC read after every load" 0 "$n_magic_fail"
if [ "$n_refuse_bad" = 0 ] && [ "$n_refuse" -gt 0 ]; then
	ok "rmmod of a module in use refused $n_refuse times, never succeeded"
else
	not_ok "rmmod of a module in use: refused $n_refuse times, succeeded $n_refuse_bad times"
fi
assert_eq "bus still works after every refused rmmod" 0 "$n_after_refuse_bad"
assert_eq "every unload in order worked" 0 "$n_unload_fail"

left=$(ls -d $DBG/pbus* 2>/dev/null | tr '\n' ' ')
assert_eq "no /sys/kernel/debug/pbus* after the final unload" "" "$left"
left=$(grep -E '^(pbus|pbus_cable|pbus_remote|pbus_rproc|pbus_rpmsg) ' /proc/modules | cut -d' ' -f1 | tr '\n' ' ')
assert_eq "no pbus module left" "" "$left"
assert_cmd "no /dev/pbus nodes left" sh -c '! ls /dev/pbus/* >/dev/null 2>&1'

snapshot
diag "after:    Slab $S_SLAB kB, SUnreclaim $S_SUNREC kB, VmallocUsed $S_VM kB, gpio devices $S_CHIPS, devices $S_DEVS, debugfs dirs $S_DBG, remoteprocs $S_RPROC"
assert_eq "gpio devices back to the baseline" "$B_CHIPS" "$S_CHIPS"
# a leak adds devices; one fewer is another test's device going away late
if [ "$S_DEVS" -le "$B_DEVS" ]; then
	ok "devices back to the baseline ($S_DEVS, baseline $B_DEVS)"
else
	not_ok "devices back to the baseline (expected <= $B_DEVS, got $S_DEVS)"
fi
assert_eq "debugfs dirs back to the baseline" "$B_DBG" "$S_DBG"
assert_eq "remoteprocs back to the baseline" "$B_RPROC" "$S_RPROC"
# The first cycles fill slab caches (each load order takes other paths) and
# the whole run grew up to ~256 kB on the guest; a leak grows with every
# cycle, so the second half of the run is what must stay flat.
diag "SUnreclaim grew $((S_SUNREC - B_SUNREC)) kB over all $CYCLES cycles (Slab $((S_SLAB - B_SLAB)) kB)"
d=$((S_SUNREC - M_SUNREC))
if [ $d -le "$SLAB_TOL" ]; then
	ok "SUnreclaim grew $d kB over the last $((CYCLES - CYCLES / 2)) cycles (<= $SLAB_TOL kB)"
else
	not_ok "SUnreclaim grew $d kB over the last $((CYCLES - CYCLES / 2)) cycles (> $SLAB_TOL kB: a leak?)"
fi
d=$((S_VM - B_VM))
if [ $d -le "$VM_TOL" ]; then
	ok "VmallocUsed grew $d kB over $CYCLES cycles (<= $VM_TOL kB)"
else
	not_ok "VmallocUsed grew $d kB over $CYCLES cycles (> $VM_TOL kB)"
fi
dmesg_clean "no Oops/WARNING/BUG in the kernel log"
finish

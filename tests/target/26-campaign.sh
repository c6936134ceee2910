#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The fault campaign through the kernel (issue 10), the short run of make
# check (bench/README.md has the long one): for each fault class of the
# cable's chaos injector alone, then all of them mixed, pbus-campaign does
# random writes and reads of a 16 KiB region while the cable injects faults
# at one in PBUS_CAMPAIGN_EVERY transitions on average; the slave's execution log
# counts what ran. Every class must be injected; no undetected corruption,
# no double execution, no write reported done that never ran; with faults
# off the region reads back as the reference says. TAP output.
#
# Env: PBUS_CAMPAIGN_OPS (operations per class, default 1500 scaled),
# PBUS_CAMPAIGN_MIX (operations of the mixed phase, default 6000 scaled),
# PBUS_CAMPAIGN_EVERY (default 2000), PBUS_CAMPAIGN_SEED (default: random).

# shellcheck source=tests/target/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/target/cable-lib.sh
. "$(dirname "$0")/cable-lib.sh"

OPS=${PBUS_CAMPAIGN_OPS:-$(scaled 1500)}
MIX=${PBUS_CAMPAIGN_MIX:-$(scaled 6000)}
EVERY=${PBUS_CAMPAIGN_EVERY:-2000}
SEED=${PBUS_CAMPAIGN_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
CAMP=$(find_tool pbus-campaign)
[ -n "$CAMP" ] || skip_all "no pbus-campaign"
CLASSES="flip flip2 burst glitch drop lost_edge stuck reset"
T=$(mktemp -d /tmp/pbus-campaign.XXXXXX) || exit 1
# shellcheck disable=SC2317 # run by the trap
cleanup() {
	[ -d "$CBL" ] && { echo 0 > "$CBL/chaos_every"; echo 0 > "$CBL/drop_strobe_irq"; } 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# shellcheck disable=SC2317 # run by wait_for
link_up() { pc peek 0xffff0000 4 >/dev/null 2>&1; pc info 2>/dev/null | grep -q '^link_up 1'; }
unload_modules pbus pbus_cable
dmesg_mark
# shellcheck disable=SC2034 # lib.sh's finish unloads what it names
modprobe pbus_cable && modprobe pbus && T_LOADED="pbus pbus_cable" ||
	skip_all "cannot load pbus_cable, pbus"
wait_for 5 test -c "$DEV" && wait_for 5 link_up || { not_ok "link up"; finish; }
[ -w "$SLV/exec_log" ] || { not_ok "the slave has an execution log ($SLV/exec_log)"; finish; }
diag "seed $SEED, one fault in $EVERY transitions, $OPS operations per class, $MIX mixed"

# kv FILE KEY: a "key value" line's value
kv() { sed -n "s/^$2 //p" "$1"; }

# phase NAME MASK OPS: one run; its report in $T/NAME
phase() {
	echo 0 > "$CBL/stats"
	echo "$2" > "$CBL/chaos_classes"
	echo "$SEED" > "$CBL/chaos_seed"
	"$CAMP" -d "$DEV" -n "$3" -r 16384 -m 256 -s "$SEED" -x "$SLV/exec_log" \
		-C "$CBL" -e "$EVERY" > "$T/$1" 2> "$T/$1.err"
	echo $? > "$T/$1.rc"
	echo 0 > "$CBL/drop_strobe_irq"
	sed -n "s/^chaos\\.//p" "$CBL/stats" > "$T/$1.chaos"
	SEED=$((SEED + 1))
}

# judge NAME CLASS: the assertions of one phase
judge() {
	f=$T/$1
	inj=0
	if [ "$2" = all ]; then
		for c in $CLASSES; do inj=$((inj + $(kv "$f.chaos" "$c"))); done
	else
		inj=$(kv "$f.chaos" "$2")
	fi
	det=$(( $(kv "$f" crc_errors) + $(kv "$f" status_errors) + $(kv "$f" timeouts) ))
	fail=$(( $(kv "$f" writes_failed) + $(kv "$f" writes_short) + $(kv "$f" reads_failed) ))
	diag "$(printf '%-9s injected %6s detected %6s retries %6s resyncs %6s failed %5s undetected %s double %s lost %s frames %7s %6s s' \
		"$1" "$inj" "$det" "$(kv "$f" retries)" "$(kv "$f" resyncs)" "$fail" \
		"$(kv "$f" undetected)" "$(kv "$f" double_exec)" "$(kv "$f" lost)" \
		"$(kv "$f" frames)" "$(kv "$f" seconds)")"
	[ "${inj:-0}" -gt 0 ] && ok "$1: faults injected ($inj)" || not_ok "$1: no fault injected"
	if [ "$(cat "$f.rc")" = 0 ]; then
		ok "$1: no undetected corruption, double execution or lost write ($(kv "$f" records) executions logged)"
	else
		not_ok "$1: undetected $(kv "$f" undetected), double $(kv "$f" double_exec), lost $(kv "$f" lost), misdirected $(kv "$f" misdirected) (rc $(cat "$f.rc"): $(head -3 "$f.err" | tr '\n' ' '))"
	fi
}

i=0
for c in $CLASSES; do
	phase "$c" $((1 << i)) "$OPS"
	judge "$c" "$c"
	i=$((i + 1))
done
phase mixed 255 "$MIX"
judge mixed all
missing=
for c in $CLASSES; do
	[ "$(kv "$T/mixed.chaos" "$c")" -gt 0 ] || missing="$missing $c"
done
[ -z "$missing" ] && ok "mixed: every class injected" || not_ok "mixed: not injected:$missing"

assert_cmd "after the campaign, faults off: a 4 KiB write and read back" \
	sh -c "head -c 4096 /dev/urandom > '$T/w' && '$PBUSCTL' -d '$DEV' load 0 '$T/w' &&
	       '$PBUSCTL' -d '$DEV' dump 0 4096 '$T/r' && cmp -s '$T/w' '$T/r'"
dmesg_clean
finish

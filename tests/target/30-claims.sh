#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Claims on /dev/pbus/<name>: racing claimers, exactly one wins; reads keep
# working while a range is claimed; unclaimed writes get EACCES; claims die
# with their file. TAP output.
#
# Env: PBUS_DEV (default /dev/pbus/pbus0), PBUSCTL, PBUS_ACCESS
# (default: found in PATH or next to this script).

. "$(dirname "$0")/lib.sh"

DEV=${PBUS_DEV:-/dev/pbus/pbus0}
PBUSCTL=${PBUSCTL:-$(find_tool pbusctl)}
ACC=${PBUS_ACCESS:-$(find_tool pbus-access)}
T=$(mktemp -d /tmp/pbus-claims.XXXXXX) || exit 1
# Not loaded yet (QEMU guest with the test cable): load, and unload after.
loaded=
if [ ! -c "$DEV" ] && command -v modprobe >/dev/null 2>&1; then
	modprobe pbus_cable 2>/dev/null && loaded=pbus_cable
	modprobe pbus 2>/dev/null && loaded="pbus $loaded"
	t=50
	while [ ! -c "$DEV" ] && [ $t -gt 0 ]; do sleep 0.1; t=$((t - 1)); done
fi
cleanup() {
	rm -rf "$T"
	for m in $loaded; do rmmod "$m" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 1' INT TERM

n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); echo "not ok $n - $*"; }
is() { d=$1; got=$2; want=$3
	if [ "$got" = "$want" ]; then ok "$d"; else nok "$d (got '$got', want '$want')"; fi; }

if [ ! -c "$DEV" ] || [ -z "$PBUSCTL" ] || [ -z "$ACC" ]; then
	echo "1..0 # SKIP no $DEV, pbusctl or pbus-access"
	exit 0
fi

echo "1..13"

r=$("$ACC" race "$DEV" 0x1000 0x100 8)
is "8 racing claimers: exactly one wins" "$r" "winners 1 busy 7 other 0"
r=$("$ACC" race "$DEV" 0x1000 0x100 8)
is "claim freed with its file: again exactly one wins" "$r" \
	"winners 1 busy 7 other 0"

# Hold a claim in the background while the rest runs.
"$PBUSCTL" -d "$DEV" claim 0x2000 0x1000 4 &
holder=$!
sleep 1

is "overlapping claim of another file: EBUSY" \
	"$("$ACC" claim "$DEV" 0x2800 0x1000)" EBUSY
is "adjacent claim is fine" "$("$ACC" claim "$DEV" 0x3000 0x10)" OK
is "unclaimed write into a foreign claim: EACCES" \
	"$("$ACC" write "$DEV" 0x2000)" EACCES
is "unclaimed write elsewhere: EACCES" "$("$ACC" write "$DEV" 0x9000)" \
	EACCES
if "$PBUSCTL" -d "$DEV" dump 0x2000 0x1000 "$T/r" &&
   [ "$(wc -c < "$T/r")" -eq 4096 ]; then
	ok "reads of a claimed range keep working"
else
	nok "reads of a claimed range keep working"
fi
is "poke into a foreign claim fails" \
	"$("$PBUSCTL" -d "$DEV" poke 0x2010 1 >/dev/null 2>&1; echo $?)" 1
is "claimed write ok, one byte past the claim: EACCES" \
	"$("$ACC" claimwrite "$DEV" 0x5000 0x40)" "OK EACCES"
is "zero-length claim: EINVAL" "$("$ACC" claim "$DEV" 0x100 0)" EINVAL
is "claim past 2^32: EINVAL" \
	"$("$ACC" claim "$DEV" 0xfffffff0 0x20)" EINVAL
is "claim up to exactly 2^32: OK" \
	"$("$ACC" claim "$DEV" 0xfffffff0 0x10)" OK

wait "$holder"
is "claim free after its holder exited" \
	"$("$ACC" claim "$DEV" 0x2000 0x1000)" OK

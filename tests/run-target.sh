#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Run every tests/target/*.sh on the target (POSIX sh, busybox), aggregate their TAP.
# Last line: "N passed, N failed, N skipped"; exit status non-zero on any failure.
case "${1:-}" in
-h|--help)
	echo "usage: $0 [PATTERN]   run target/*.sh (or those whose name contains PATTERN)"
	exit 0 ;;
esac
dir=$(cd "$(dirname "$0")" && pwd)/target
pass=0 fail=0 skipped=0
out=/tmp/pbus-tap.$$
for t in $(ls "$dir"/*.sh 2>/dev/null | sort); do
	name=$(basename "$t")
	case "$name" in lib.sh|*-lib.sh) continue ;; esac
	case "$name" in *"${1:-}"*) ;; *) continue ;; esac
	echo "# --- $name"
	t0=$(cut -d. -f1 /proc/uptime)
	sh "$t" >"$out" 2>&1
	rc=$?
	sed 's/^/    /' "$out"
	p=$(grep -E '^ok [0-9]' "$out" | grep -viE '# *(SKIP|TODO)' | wc -l)
	s=$(grep -E '^(not )?ok [0-9]' "$out" | grep -ciE '# *SKIP')
	f=$(grep -E '^not ok [0-9]' "$out" | grep -viE '# *(SKIP|TODO)' | wc -l)
	plan=$(grep -E '^1\.\.[0-9]+' "$out" | tail -1 | sed 's/^1\.\.\([0-9]*\).*/\1/')
	ran=$(grep -cE '^(not )?ok [0-9]' "$out")
	if grep -q '^Bail out!' "$out"; then
		echo "not ok - $name: $(grep -m1 '^Bail out!' "$out")"; f=$((f + 1))
	elif [ -z "$plan" ]; then
		echo "not ok - $name: no TAP plan line"; f=$((f + 1))
	elif [ "$plan" = 0 ] && [ "$ran" = 0 ]; then
		s=$((s + 1))
	elif [ "$plan" != "$ran" ]; then
		echo "not ok - $name: planned $plan tests, ran $ran"; f=$((f + 1))
	fi
	if [ $rc -ne 0 ] && [ "$f" = 0 ]; then
		echo "not ok - $name: exited $rc"; f=$((f + 1))
	fi
	echo "# $name: $p passed, $f failed, $s skipped ($(($(cut -d. -f1 /proc/uptime) - t0)) s)"
	pass=$((pass + p)) fail=$((fail + f)) skipped=$((skipped + s))
done
rm -f "$out"
echo "$pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ]

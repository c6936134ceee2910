#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# One kernel lane of make check-rt / check-debug: boot the lane's guest, deploy, run target
# tests one file at a time (a kernel log marker before each), optionally scan kmemleak, and
# fail on any failed test or any kernel report (each attributed to the test it followed).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
KERNEL='' BUILD='' TESTS='' KMEMLEAK=0 TTIMEOUT=900 SCALE=100
usage() {
	cat <<USAGE
usage: $0 --kernel rt|debug --build DIR [--tests "NN NN ..."] [--kmemleak] [--test-timeout S]
          [--scale P]
  Boots scripts/qemu.sh --kernel KERNEL in PBUS_RUN (default .cache/arm-KERNEL/run-check),
  deploys BUILD, runs tests/target/NN-*.sh for each NN of --tests (default: every test file,
  as tests/run-target.sh does), each under a marker line in the kernel log and a host-side
  timeout (default 900 s per file). --kmemleak: clear kmemleak after boot and scan twice
  (with a pause) at the end; its entries go to RUN/kmemleak.txt and count as reports.
  --scale P: the tests run with PBUS_TEST_SCALE=P (tests/target/lib.sh: P% of their
  iteration counts; default 100).
  Then fails on any failed test and on any kernel log line (dmesg, RUN/dmesg.txt) matching
  BUG:, WARNING:, Oops, lockdep, KASAN, ODEBUG, sleeping/atomic context reports and
  "RT throttling activated" (an RT-priority thread, e.g. a threaded IRQ, spinning).
  The guest is stopped on exit. Report: RUN/lane-report.txt. Last line "N passed, N failed,
  N skipped" (a kernel report counts as a failure).
USAGE
}
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) KERNEL=${2:-}; shift 2 ;;
	--build) BUILD=${2:-}; shift 2 ;;
	--tests) TESTS=${2:-}; shift 2 ;;
	--kmemleak) KMEMLEAK=1; shift ;;
	--test-timeout) TTIMEOUT=${2:-}; shift 2 ;;
	--scale) SCALE=${2:-}; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "$0: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done
die() { echo "check-lane[$KERNEL]: $*" >&2; exit 1; }
log() { echo "check-lane[$KERNEL]: $*"; }
case "$KERNEL" in rt|debug) ;; *) usage >&2; exit 2 ;; esac
[ -d "$BUILD" ] || die "--build DIR missing or not a directory"
case "$TTIMEOUT" in ''|*[!0-9]*) die "--test-timeout needs seconds" ;; esac
case "$SCALE" in [1-9]|[1-9][0-9]|100) ;; *) die "--scale needs a percentage (1..100)" ;; esac

# The test files: each NN of --tests must name exactly one tests/target/NN-*.sh.
files=()
if [ -z "$TESTS" ]; then
	for f in "$TOP"/tests/target/[0-9]*.sh; do files+=("$(basename "$f" .sh)"); done
else
	for n in $TESTS; do
		m=("$TOP"/tests/target/"$n"-*.sh)
		[ ${#m[@]} = 1 ] && [ -e "${m[0]}" ] || die "test $n: no single tests/target/$n-*.sh"
		files+=("$(basename "${m[0]}" .sh)")
	done
fi

export PBUS_RUN=${PBUS_RUN:-$TOP/.cache/arm-$KERNEL/run-check}
RUN=$PBUS_RUN
Q=$TOP/scripts/qemu.sh
trap '"$Q" stop >/dev/null 2>&1 || true' EXIT
"$Q" stop >/dev/null
t0=$SECONDS
"$Q" start --kernel "$KERNEL"
BUILD=$BUILD "$TOP/scripts/deploy.sh"
if [ $KMEMLEAK = 1 ]; then
	# only what leaks from here on counts (boot-time objects are the kernel's own business)
	"$Q" ssh 'echo clear > /sys/kernel/debug/kmemleak' || die "no /sys/kernel/debug/kmemleak in the guest"
fi

P=0 F=0 S=0
REPORT=$RUN/lane-report.txt
: >"$REPORT"
OUT=$(mktemp)
trap 'rm -f "$OUT"; "$Q" stop >/dev/null 2>&1 || true' EXIT
R=/usr/local/share/pbus/tests/run-target.sh
for t in "${files[@]}"; do
	ts=$SECONDS
	"$Q" ssh "echo 'pbus-lane: test $t' > /dev/kmsg" || die "guest unreachable before $t"
	rc=0
	timeout "$TTIMEOUT" "$Q" ssh "echo \$\$ > /tmp/pbus-lane.pid; export PBUS_TEST_SCALE=$SCALE; exec $R $t" >"$OUT" 2>&1 || rc=$?
	cat "$OUT"
	if [ $rc = 124 ]; then
		# the guest side outlives the ssh client: end the test's process tree there
		echo "not ok - $t: timed out after $TTIMEOUT s"
		"$Q" ssh 'kt() { for c in $(grep -l "^PPid:[[:space:]]*$1\$" /proc/[0-9]*/status 2>/dev/null |
			cut -d/ -f3); do kt "$c"; done; kill -KILL "$1" 2>/dev/null; }; kt "$(cat /tmp/pbus-lane.pid)"' ||
			true
	fi
	l=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?' "$OUT" | tail -1) || l=
	if [ -n "$l" ]; then
		# shellcheck disable=SC2086 # the counts line, split into words
		set -- $l
		P=$((P + $1)) F=$((F + $3)) S=$((S + ${5:-0}))
		[ $rc = 0 ] || [ "$3" != 0 ] || F=$((F + 1))
	else
		F=$((F + 1))
	fi
	echo "check-lane[$KERNEL]: $t: exit $rc in $((SECONDS - ts)) s" | tee -a "$REPORT"
	"$Q" status >/dev/null || { echo "check-lane[$KERNEL]: guest died during $t" | tee -a "$REPORT"; F=$((F + 1)); break; }
done
tsuite=$((SECONDS - t0))

leaks=0
if [ $KMEMLEAK = 1 ] && "$Q" status >/dev/null; then
	"$Q" ssh 'echo "pbus-lane: kmemleak scan" > /dev/kmsg; echo scan > /sys/kernel/debug/kmemleak;
		sleep 5; echo scan > /sys/kernel/debug/kmemleak; cat /sys/kernel/debug/kmemleak' \
		>"$RUN/kmemleak.txt" || echo "check-lane[$KERNEL]: kmemleak scan failed" | tee -a "$REPORT"
	leaks=$(grep -c '^unreferenced object' "$RUN/kmemleak.txt" || true)
	echo "check-lane[$KERNEL]: kmemleak: $leaks unreferenced objects (RUN/kmemleak.txt)" | tee -a "$REPORT"
fi

# Kernel reports, each with the test it came under, from dmesg (the debug guest's serial
# console has only emergencies), or from the serial console when the guest died.
KLOG=$RUN/dmesg.txt
"$Q" status >/dev/null && "$Q" ssh dmesg >"$KLOG" 2>/dev/null || KLOG=$RUN/console.log
PAT='BUG:|WARNING:|Oops|Unable to handle|Kernel panic|sleeping function called from invalid context'
PAT="$PAT|scheduling while atomic|possible circular locking|circular locking dependency"
PAT="$PAT|inconsistent lock state|Invalid wait context|possible recursive locking|bad unlock balance"
PAT="$PAT|held lock freed|lock held when returning|suspicious RCU usage|non-static key|ODEBUG:|KASAN"
PAT="$PAT|INFO: possible irq lock inversion|possible deadlock|locking correctness validator|RT throttling activated"
awk -v pat="$PAT" '
	/pbus-lane: / { sub(/.*pbus-lane: /, ""); cur = $0; next }
	$0 ~ pat { printf "[%s] %s\n", (cur == "" ? "boot" : cur), $0 }
 ' "$KLOG" | tr -d '\r' >"$RUN/kernel-reports.txt"
nrep=$(wc -l <"$RUN/kernel-reports.txt")
if [ "$nrep" -gt 0 ]; then
	echo "check-lane[$KERNEL]: FAIL: $nrep kernel log lines (all in $RUN/kernel-reports.txt):" | tee -a "$REPORT"
	head -40 "$RUN/kernel-reports.txt" | tee -a "$REPORT"
	F=$((F + 1))
else
	echo "check-lane[$KERNEL]: kernel log clean" | tee -a "$REPORT"
	P=$((P + 1))
fi
if [ "$leaks" -gt 0 ]; then
	grep -A6 '^unreferenced object' "$RUN/kmemleak.txt" | head -40 | tee -a "$REPORT"
	F=$((F + 1))
fi
echo "check-lane[$KERNEL]: ${#files[@]} test files, guest boot + deploy + tests $tsuite s" | tee -a "$REPORT"
echo "$P passed, $F failed, $S skipped"
[ $F -eq 0 ]

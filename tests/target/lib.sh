# SPDX-License-Identifier: GPL-2.0-only
# Helpers for target tests (POSIX sh, busybox): . "$(dirname "$0")/lib.sh"
# TAP: ok/not_ok/skip DESC, assert_eq DESC EXPECTED ACTUAL, then finish (prints the plan).

T_N=0
T_FAILED=0
T_LOADED=

ok() { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
not_ok() { T_N=$((T_N + 1)); T_FAILED=$((T_FAILED + 1)); echo "not ok $T_N - $*"; }
skip() { T_N=$((T_N + 1)); echo "ok $T_N # SKIP $*"; }
diag() { echo "# $*"; }

# assert_eq DESC EXPECTED ACTUAL
assert_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (expected '$2', got '$3')"; fi
}

# assert_cmd DESC CMD...: ok when CMD succeeds; on failure the last lines
# CMD printed go to the log as diag lines (a CI log is all a later reader has)
assert_cmd() {
	d=$1; shift
	T_OUT=$(mktemp /tmp/pbus-cmd.XXXXXX) || T_OUT=/dev/null
	if "$@" >"$T_OUT" 2>&1; then
		ok "$d"
	else
		not_ok "$d ($* failed)"
		[ "$T_OUT" = /dev/null ] || tail -n 5 "$T_OUT" | sed 's/^/#   /'
	fi
	[ "$T_OUT" = /dev/null ] || rm -f "$T_OUT"
}

# find_tool NAME: print the path of the executable NAME: in PATH, next to the
# tests, in the source tree's tools/ or /usr/local/bin; fails when none is
T_HERE=$(cd "$(dirname "$0")" && pwd)
find_tool() {
	for p in "$(command -v "$1" 2>/dev/null)" "$T_HERE/$1" \
		 "$T_HERE/../../tools/$1" "/usr/local/bin/$1"; do
		[ -n "$p" ] && [ -x "$p" ] && echo "$p" && return 0
	done
	return 1
}

# PBUS_TEST_SCALE=P (percent, 1..100, default 100): slow kernels (the debug lane:
# KASAN + lockdep under TCG) run P% of the tests' own iteration counts; what each
# iteration asserts is unchanged. A test writes its default as
#   N=${MY_COUNT:-$(scaled 50)}
# so that a count set explicitly is never scaled.
case ${PBUS_TEST_SCALE:=100} in
[1-9]|[1-9][0-9]|100) ;;
*) echo "# PBUS_TEST_SCALE=$PBUS_TEST_SCALE ignored (1..100)"; PBUS_TEST_SCALE=100 ;;
esac
# scaled N: N at PBUS_TEST_SCALE percent, at least 1
scaled() {
	t_v=$(($1 * PBUS_TEST_SCALE / 100))
	[ "$t_v" -ge 1 ] || t_v=1
	echo "$t_v"
}

# skip_all REASON: the whole script is skipped
skip_all() { echo "1..0 # SKIP $*"; exit 0; }

# finish: print the plan, unload what load_modules loaded, exit 1 on failure
finish() {
	# A failed test leaves its kernel log behind for the reader of the CI log.
	if [ "$T_FAILED" -gt 0 ]; then
		diag "kernel log since the test's last mark (last 40 lines):"
		if [ -n "$T_MARK" ]; then dmesg_since; else dmesg; fi |
			tail -n 40 | sed 's/^/#   /'
	fi
	[ -z "$T_LOADED" ] || unload_modules
	echo "1..$T_N"
	[ "$T_FAILED" -eq 0 ]
	exit $?
}

# load_modules MOD...: modprobe each (recorded for unload_modules); returns 1 on failure
load_modules() {
	for m in "$@"; do
		modprobe "$m" || { diag "modprobe $m failed"; return 1; }
		T_LOADED="$m $T_LOADED"
	done
}

# unload_modules [MOD...]: remove MODs (default: those loaded by load_modules, reverse order)
unload_modules() {
	for m in ${*:-$T_LOADED}; do
		mm=$(echo "$m" | tr - _)
		grep -q "^$mm " /proc/modules || continue
		# busybox modprobe -r fails when a dependency stays in use: check the module itself
		modprobe -r "$m" 2>/dev/null || rmmod "$m" 2>/dev/null
		! grep -q "^$mm " /proc/modules || diag "cannot unload $m"
	done
	T_LOADED=
}

# wait_for TIMEOUT_S CMD...: poll CMD every 0.1 s until it succeeds; 1 on timeout
wait_for() {
	t=$(($1 * 10)); shift
	while [ $t -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		t=$((t - 1))
	done
	return 1
}

# dmesg_mark: write a unique marker to the kernel log and remember it;
# dmesg_since: print the kernel log after the last marker
dmesg_mark() {
	T_MARK="pbus-test-mark $$ $(cat /proc/uptime | cut -d' ' -f1)"
	echo "$T_MARK" >/dev/kmsg
}
dmesg_since() { dmesg | sed -n "/$T_MARK/,\$p" | sed 1d; }

# dmesg_clean: ok when no oops/warning appeared since dmesg_mark
# QEMU raspi2b's emulated dwc2 USB host (its only network) warns in dwc2's
# queue code now and then: the emulator's, not a report about this suite.
T_NOT_OURS='drivers/usb/dwc2/hcd_queue\.c'
dmesg_clean() {
	bad=$(dmesg_since | grep -vE "$T_NOT_OURS" |
		grep -E 'Oops|WARNING:|BUG:|possible circular locking|Unable to handle' | head -3)
	if [ -z "$bad" ]; then ok "${1:-kernel log clean}"; else not_ok "${1:-kernel log clean}: $bad"; fi
}

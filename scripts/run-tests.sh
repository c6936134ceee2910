#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Host tests, then the deployed target tests over ssh, then a kernel log check.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
HOST=1 TGT=1
usage() {
	cat <<USAGE
usage: [TARGET=user@host [SSH_PORT=22]] $0 [--no-host] [--no-target]
  host:   make -C tests/unit check, make -C tests/fuzz check, make -C bench check (the
          protocol fault campaign, short run, and the cost model's self-check) (when their
          Makefiles exist),
          scripts/check-dts.sh, scripts/check-config.sh against the armmp kernel config,
          scripts/check-config-tree.sh (fragment + Pi defconfig of a source tree),
          scripts/dkms-check.sh (a real cross DKMS build of dkms.conf),
          scripts/kernel-patches.sh check (patches/ apply and build W=1 on 6.1 and 6.12)
  target: /usr/local/share/pbus/tests/run-target.sh over ssh (default TARGET: the QEMU guest,
          deploy first with scripts/deploy.sh), then dmesg must show no Oops/WARNING/BUG/lockdep.
  Last line: "N passed, N failed, N skipped"; exit status 1 on any failure.
USAGE
}
for a in "$@"; do
	case "$a" in
	--no-host) HOST=0 ;;
	--no-target) TGT=0 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "$0: unknown argument '$a' (see --help)" >&2; exit 2 ;;
	esac
done
P=0 F=0 S=0
# add the counts of a "N passed, N failed, N skipped" line; 1 when found
add_counts() {
	local l
	l=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?' "$1" | tail -1) || return 1
	set -- $l
	P=$((P + $1)) F=$((F + $3)) S=$((S + ${5:-0}))
}
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT

if [ $HOST = 1 ]; then
	for d in tests/unit tests/fuzz bench; do
		if [ ! -f "$TOP/$d/Makefile" ]; then
			echo "run-tests: $d: no Makefile, skipped"; S=$((S + 1)); continue
		fi
		echo "run-tests: make -C $d check"
		if make -s -C "$TOP/$d" check >"$LOG" 2>&1; then rc=0; else rc=$?; fi
		tail -n 20 "$LOG"
		before=$F
		add_counts "$LOG" || [ $rc != 0 ] || P=$((P + 1))
		[ $rc = 0 ] || [ $F -gt $before ] || F=$((F + 1))
		[ $rc = 0 ] || echo "run-tests: FAIL: make -C $d check (exit $rc)"
	done
	# Device trees and the kernel config fragment: one pass/fail each.
	for cmd in "scripts/check-dts.sh" \
		   "scripts/check-config.sh $TOP/.cache/arm/kdir/.config" \
		   "scripts/check-config-tree.sh" \
		   "scripts/dkms-check.sh" \
		   "scripts/kernel-patches.sh check"; do
		echo "run-tests: $cmd"
		if (cd "$TOP" && $cmd) >"$LOG" 2>&1; then
			P=$((P + 1))
		else
			F=$((F + 1))
			echo "run-tests: FAIL: $cmd"
		fi
		tail -n 5 "$LOG"
	done
fi

if [ $TGT = 1 ]; then
	SSHOPT=(-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
		-o ConnectTimeout=10 -o LogLevel=ERROR)
	GUEST=0
	if [ -n "${TARGET:-}" ]; then
		T=$TARGET SSHOPT+=(-p "${SSH_PORT:-22}")
	else
		STATE=${PBUS_RUN:-$TOP/.cache/arm/run}/state
		[ -e "$STATE" ] || { echo "run-tests: no TARGET and no QEMU guest running (scripts/qemu.sh start)" >&2; exit 1; }
		# shellcheck disable=SC1090
		. "$STATE"
		T=$TARGET GUEST=1 SSHOPT+=(-p "$PORT" -i "$KEY")
	fi
	ssh "${SSHOPT[@]}" "$T" true 2>/dev/null || { echo "run-tests: cannot reach $T over ssh" >&2; exit 1; }
	echo "run-tests: target tests on $T"
	R=/usr/local/share/pbus/tests/run-target.sh
	if ssh "${SSHOPT[@]}" "$T" "test -x $R || exit 99; S=; [ \$(id -u) = 0 ] || S='sudo -n'; \$S $R" >"$LOG" 2>&1; then
		rc=0
	else
		rc=$?
	fi
	cat "$LOG"
	[ $rc != 99 ] || { echo "run-tests: $R missing on $T (run scripts/deploy.sh)" >&2; exit 1; }
	add_counts "$LOG" || { echo "run-tests: FAIL: no summary line from the target"; F=$((F + 1)); }
	[ $rc = 0 ] || [ "$F" -gt 0 ] || F=$((F + 1))
	if [ $GUEST = 1 ] || [ -n "${CHECK_DMESG:-}" ]; then
		bad=$(ssh "${SSHOPT[@]}" "$T" dmesg |
			grep -E 'Oops|WARNING:|BUG:|possible circular locking|lockdep|Unable to handle' || true)
		if [ -n "$bad" ]; then
			echo "run-tests: FAIL: kernel log of $T:"
			echo "$bad" | head -20
			F=$((F + 1))
		else
			echo "run-tests: kernel log of $T is clean"
			P=$((P + 1))
		fi
	fi
fi
echo "$P passed, $F failed, $S skipped"
[ $F -eq 0 ]

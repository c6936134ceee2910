#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Host side of the bus benchmark: boot (or reuse) the QEMU guest, deploy, run
# bench/bus-bench.sh on it over ssh, stop the guest if this script started it.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
DEPLOY=1
usage() {
	cat <<USAGE
usage: [TARGET=user@host [SSH_PORT=22]] [PBUS_RUN=dir] [BUILD=dir] $0 [--no-deploy]
  Default target: the QEMU guest of PBUS_RUN (default $TOP/.cache/arm/run-bench),
  started with scripts/qemu.sh start when not running and stopped afterwards.
  Deploys BUILD (default $TOP; see scripts/deploy.sh) unless --no-deploy, then runs
  /usr/local/share/pbus/tests/bench/bus-bench.sh as root (env BENCH_* passed on).
USAGE
}
for a in "$@"; do
	case "$a" in
	--no-deploy) DEPLOY=0 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "$0: unknown argument '$a' (see --help)" >&2; exit 2 ;;
	esac
done
SSHOPT=(-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o ConnectTimeout=10 -o LogLevel=ERROR)
if [ -n "${TARGET:-}" ]; then
	T=$TARGET SSHOPT+=(-p "${SSH_PORT:-22}")
else
	export PBUS_RUN=${PBUS_RUN:-$TOP/.cache/arm/run-bench}
	if ! "$TOP/scripts/qemu.sh" status >/dev/null 2>&1; then
		"$TOP/scripts/qemu.sh" start
		trap '"$TOP/scripts/qemu.sh" stop >/dev/null' EXIT
	fi
	# shellcheck disable=SC1091
	. "$PBUS_RUN/state"
	T=$TARGET SSHOPT+=(-p "$PORT" -i "$KEY")
fi
[ $DEPLOY = 0 ] || BUILD=${BUILD:-$TOP} "$TOP/scripts/deploy.sh"
B=/usr/local/share/pbus/tests/bench/bus-bench.sh
ENV=$(env | grep -E '^BENCH_[A-Z_]*=[A-Za-z0-9_.]*$' | tr '\n' ' ' || true)
ssh "${SSHOPT[@]}" "$T" "test -f $B || { echo 'bench: $B missing (deploy first)' >&2; exit 1; }; S=; [ \$(id -u) = 0 ] || S='sudo -n'; \$S env $ENV sh $B"

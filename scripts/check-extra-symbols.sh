#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build a consumer of the bus API on its own, the way a separate package
# would: only drivers/remoteproc (pbus_rproc) in a scratch tree, with the
# core's exported symbols taken from its Module.symvers through
# KBUILD_EXTRA_SYMBOLS. modpost must resolve every pbus_* symbol.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
usage() {
	cat <<USAGE
usage: $(basename "$0") [--kdir DIR] SYMVERS

SYMVERS: the Module.symvers of a build of the whole suite (e.g. build/check/Module.symvers).
--kdir:  kernel build dir (default: .cache/arm/kdir), ARCH=arm.
USAGE
}
kdir=$top/.cache/arm/kdir
while [ $# -gt 0 ]; do
	case $1 in
	-h|--help) usage; exit 0 ;;
	--kdir) kdir=${2:?--kdir needs a directory}; shift 2 ;;
	-*) echo "check-extra-symbols: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || { usage >&2; exit 2; }
symvers=$(realpath "$1")
[ -f "$symvers" ] || { echo "check-extra-symbols: no $1 (build the suite first)" >&2; exit 1; }
grep -q '	pbus_read	' "$symvers" ||
	{ echo "check-extra-symbols: $1 does not export pbus_read: not the suite's" >&2; exit 1; }
[ -e "$kdir/Makefile" ] || { echo "check-extra-symbols: no kernel build dir $kdir" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/drivers"
cp -r "$top/drivers/remoteproc" "$work/drivers/"
cp -r "$top/include" "$work/"
find "$work" -name '*.o' -o -name '*.ko' -o -name '*.mod*' -o -name '.*.cmd' | xargs rm -f
echo 'obj-m += drivers/remoteproc/' > "$work/Kbuild"

log=$work/build.log
make -C "$kdir" M="$work" ARCH=arm CROSS_COMPILE=arm-linux-gnueabihf- O= \
	KBUILD_EXTRA_SYMBOLS="$symvers" modules >"$log" 2>&1 ||
	{ cat "$log"; echo "check-extra-symbols: build failed" >&2; exit 1; }
if grep -E 'undefined!|WARNING' "$log"; then
	echo "check-extra-symbols: unresolved symbols building pbus_rproc alone" >&2
	exit 1
fi
[ -f "$work/drivers/remoteproc/pbus_rproc.ko" ] ||
	{ echo "check-extra-symbols: pbus_rproc.ko not built" >&2; exit 1; }
n=$(grep -c '	pbus_' "$symvers")
echo "check-extra-symbols: pbus_rproc built alone, all symbols resolved ($n pbus_* exports from $1)"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Merge configs/pbus.config into a defconfig of a kernel source tree (merge_config.sh +
# olddefconfig, in a temp O= dir, no kernel build) and check that the result still has every
# option of the fragment (Kconfig drops options whose dependencies are not met).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
usage() {
	cat <<USAGE
usage: $0 [--src DIR] [--defconfig NAME] [--arch arm|arm64] [--keep]
  Default tree: \$RPI_KERNEL_SRC (a Raspberry Pi kernel checkout) with bcm2711_defconfig,
  else Debian's linux-source-6.1 in .cache/src/linux-source-6.1 (scripts/prepare-kernel.sh)
  with bcm2835_defconfig, the closest in-tree Raspberry Pi config. ARCH defaults to arm.
  Runs defconfig, scripts/kconfig/merge_config.sh -m, olddefconfig in a temp O= dir, then
  scripts/check-config.sh on the result. Takes seconds.
  --keep  keep the temp dir (its .config) and print its path
USAGE
}
SRC='' DEFCONFIG='' ARCH=arm KEEP=0
while [ $# -gt 0 ]; do
	case "$1" in
	--src) SRC=${2:-}; shift 2 || { echo "check-config-tree: --src needs a directory" >&2; exit 2; } ;;
	--defconfig) DEFCONFIG=${2:-}; shift 2 || { echo "check-config-tree: --defconfig needs a name" >&2; exit 2; } ;;
	--arch) ARCH=${2:-}; shift 2 || { echo "check-config-tree: --arch needs a value" >&2; exit 2; } ;;
	--keep) KEEP=1; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "check-config-tree: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done
die() { echo "check-config-tree: $*" >&2; exit 1; }
case "$ARCH" in
arm) CROSS=arm-linux-gnueabihf- ;;
arm64) CROSS=aarch64-linux-gnu- ;;
*) die "unknown arch '$ARCH' (arm or arm64)" ;;
esac
if [ -z "$SRC" ]; then
	if [ -n "${RPI_KERNEL_SRC:-}" ]; then
		SRC=$RPI_KERNEL_SRC DEFCONFIG=${DEFCONFIG:-bcm2711_defconfig}
	else
		SRC=$TOP/.cache/src/linux-source-6.1 DEFCONFIG=${DEFCONFIG:-bcm2835_defconfig}
	fi
fi
DEFCONFIG=${DEFCONFIG:-bcm2711_defconfig}
[ -f "$SRC/Makefile" ] && [ -f "$SRC/scripts/kconfig/merge_config.sh" ] ||
	die "$SRC is not a kernel source tree (no Makefile or scripts/kconfig/merge_config.sh); run scripts/prepare-kernel.sh or pass --src"
[ -f "$SRC/arch/$ARCH/configs/$DEFCONFIG" ] || die "$SRC has no arch/$ARCH/configs/$DEFCONFIG"
FRAG=$TOP/configs/pbus.config

O=$(mktemp -d /tmp/pbus-config-tree.XXXXXX)
# shellcheck disable=SC2064
[ $KEEP = 1 ] || trap "rm -rf '$O'" EXIT
M=(make -s -C "$SRC" O="$O" ARCH="$ARCH" CROSS_COMPILE="$CROSS")
t0=$SECONDS
"${M[@]}" "$DEFCONFIG" >"$O/log" 2>&1 || { tail -n 20 "$O/log"; die "make $DEFCONFIG failed in $SRC"; }
# -m: merge only; the kernel's own olddefconfig then resolves dependencies and selects.
(cd "$O" && ARCH=$ARCH CROSS_COMPILE=$CROSS "$SRC/scripts/kconfig/merge_config.sh" -m -O "$O" \
	"$O/.config" "$FRAG") >>"$O/log" 2>&1 || { tail -n 20 "$O/log"; die "merge_config.sh failed"; }
"${M[@]}" olddefconfig >>"$O/log" 2>&1 || { tail -n 20 "$O/log"; die "make olddefconfig failed"; }
echo "check-config-tree: $DEFCONFIG + $(basename "$FRAG") in $SRC (ARCH=$ARCH, $((SECONDS - t0)) s)"
[ $KEEP = 0 ] || echo "check-config-tree: merged config kept in $O/.config"
"$TOP/scripts/check-config.sh" --fragment "$FRAG" "$O/.config"

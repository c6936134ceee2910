#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Cross-build a Raspberry Pi kernel with the options pbus needs.
#
# Stock Raspberry Pi kernels have no REMOTEPROC (a bool), RPMSG or VIRTIO,
# so pbus_rproc and pbus_rpmsg cannot load on them. This merges
# configs/pbus.config into the board's defconfig, builds image, modules and
# dtbs from a Raspberry Pi kernel checkout, and leaves an installable bundle
# plus the build tree to compile pbus against (KDIR). The kernel patches of
# patches/ (scripts/kernel-patches.sh) are applied to the tree first.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)

usage() {
	cat <<USAGE
usage: $(basename "$0") --src DIR --board BOARD [--out DIR] [--jobs N] [--config-only]
                        [--no-patches]

  --src DIR      a checkout of the Raspberry Pi kernel tree (raspberrypi/linux)
  --board BOARD  bcm2709        Pi 2/3, 32-bit   (kernel7.img)
                 bcm2711        Pi 4, 32-bit     (kernel7l.img)
                 bcm2711-arm64  Pi 3/4, 64-bit   (kernel8.img)
                 bcm2712        Pi 5, 64-bit     (kernel_2712.img)
  --out DIR      output (default: .cache/rpi/BOARD); KDIR is DIR/build,
                 the bundle DIR/bundle (boot/firmware + lib/modules)
  --jobs N       parallel jobs (default: number of CPUs)
  --config-only  merge and check the config, run modules_prepare, stop
                 (enough to build pbus against it, not to boot it)
  --no-patches   leave the tree as it is; by default every patches/*.patch
                 is applied to it first (once: an applied one is skipped),
                 e.g. get_multiple/set_multiple for pinctrl-bcm2835, which
                 lets the bus read and write its 8 data lines in one
                 register access instead of one per line

Install on the Pi (as the Raspberry Pi documentation does for custom
kernels): copy bundle/boot/firmware/* to /boot/firmware/, bundle/lib/modules
to /lib/modules, and add "kernel=<image name>" to /boot/firmware/config.txt.
USAGE
}

die() { echo "build-rpi-kernel: $*" >&2; exit 1; }

src= board= out= jobs=$(nproc) config_only=0 patches=1
while [ $# -gt 0 ]; do
	case $1 in
	-h|--help) usage; exit 0 ;;
	--src) src=${2:?}; shift 2 ;;
	--board) board=${2:?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	--jobs) jobs=${2:?}; shift 2 ;;
	--config-only) config_only=1; shift ;;
	--no-patches) patches=0; shift ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
done
[ -n "$src" ] || die "--src is required (see --help)"
[ -n "$board" ] || die "--board is required (see --help)"
[ -f "$src/Makefile" ] && [ -d "$src/arch" ] || die "$src is not a kernel tree"

case $board in
bcm2709) arch=arm; cross=arm-linux-gnueabihf-; defconfig=bcm2709_defconfig; image=zImage; kname=kernel7 ;;
bcm2711) arch=arm; cross=arm-linux-gnueabihf-; defconfig=bcm2711_defconfig; image=zImage; kname=kernel7l ;;
bcm2711-arm64) arch=arm64; cross=aarch64-linux-gnu-; defconfig=bcm2711_defconfig; image=Image; kname=kernel8 ;;
bcm2712) arch=arm64; cross=aarch64-linux-gnu-; defconfig=bcm2712_defconfig; image=Image; kname=kernel_2712 ;;
*) die "unknown board '$board' (bcm2709, bcm2711, bcm2711-arm64, bcm2712)" ;;
esac
[ -f "$src/arch/$arch/configs/$defconfig" ] ||
	die "$src has no arch/$arch/configs/$defconfig: is it a Raspberry Pi kernel tree?"
command -v "${cross}gcc" >/dev/null || die "${cross}gcc not found (run scripts/install-deps.sh)"

[ "$patches" = 0 ] || "$top/scripts/kernel-patches.sh" apply "$src"

out=${out:-$top/.cache/rpi/$board}
build=$out/build
bundle=$out/bundle
mkdir -p "$build"
kmake() { make -C "$src" O="$build" ARCH=$arch CROSS_COMPILE=$cross -j"$jobs" "$@"; }

echo "build-rpi-kernel: $defconfig + configs/pbus.config -> $build"
kmake "$defconfig" >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$build" "$build/.config" \
	"$top/configs/pbus.config" >/dev/null
kmake olddefconfig >/dev/null
"$top/scripts/check-config.sh" "$build/.config"
kmake modules_prepare >/dev/null
if [ "$config_only" -eq 1 ]; then
	echo "build-rpi-kernel: config ready; KDIR=$build"
	exit 0
fi

kmake "$image" modules dtbs
rm -rf "$bundle"
mkdir -p "$bundle/boot/firmware/overlays"
kmake INSTALL_MOD_PATH="$bundle" modules_install >/dev/null
cp "$build/arch/$arch/boot/$image" "$bundle/boot/firmware/$kname-pbus.img"
find "$build/arch/$arch/boot/dts" -name 'bcm27*.dtb' -exec cp {} "$bundle/boot/firmware/" \;
find "$build/arch/$arch/boot/dts" -path '*overlays*' -name '*.dtbo' \
	-exec cp {} "$bundle/boot/firmware/overlays/" \;
krel=$(cat "$build/include/config/kernel.release")
cat <<DONE
build-rpi-kernel: kernel $krel built.
  bundle: $bundle
  KDIR:   $build   (make KDIR=$build ARCH=$arch CROSS_COMPILE=$cross)
On the Pi:
  sudo cp -r boot/firmware/* /boot/firmware/
  sudo cp -r lib/modules/$krel /lib/modules/
  echo "kernel=$kname-pbus.img" | sudo tee -a /boot/firmware/config.txt
  sudo reboot
DONE

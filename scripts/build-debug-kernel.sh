#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build the debug guest kernel (KASAN, lockdep, kmemleak, ...) from .cache/src/linux-source-6.1.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
SRC=$TOP/.cache/src/linux-source-6.1
FRAG=$TOP/configs/debug-virt.config
D=$TOP/.cache/arm-debug
CROSS=arm-linux-gnueabihf-
JOBS=${JOBS:-2}
usage() {
	cat <<USAGE
usage: $0 [--config-only]
  Configures (allnoconfig + $FRAG, olddefconfig), checks that every option of the
  fragment came out as asked, and builds zImage + modules of the armmp kernel's source
  (.cache/src/linux-source-6.1, version from .cache/arm/kernel.env) for
  qemu-system-arm -M virt -cpu cortex-a15 -smp 2. Cached by source version + fragment
  hash in $D/<version>-<hash>/ (a second run is instant).
  Outputs (stable names): $D/{kdir,vmlinuz,modules,root,kernel.env}; kdir is the full
  build tree (KDIR for the suite), root/ has lib/modules/KREL and boot/config-KREL.
  --config-only: stop after the configuration check.  JOBS=n (default 2), run niced.
USAGE
}
CONFIG_ONLY=0
case "${1:-}" in
-h|--help) usage; exit 0 ;;
--config-only) CONFIG_ONLY=1 ;;
"") ;;
*) echo "$0: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac
log() { echo "build-debug-kernel: $*"; }
die() { echo "build-debug-kernel: $*" >&2; exit 1; }

[ -e "$TOP/.cache/arm/kernel.env" ] && [ -e "$SRC/Makefile" ] ||
	die "no armmp kernel or source: run scripts/prepare-kernel.sh --arch arm"
# shellcheck disable=SC1091
VER=$(. "$TOP/.cache/arm/kernel.env" && echo "$VER")
[ -e "$TOP/.cache/src/.done-$VER" ] || die "$SRC is not linux-source-6.1 $VER (kernel.env): run scripts/prepare-kernel.sh"
HASH=$(sha256sum "$FRAG" | cut -c1-12)
B=$D/$VER-$HASH
O=$B/build
# A new fragment: start from the previous build tree of this source version (kbuild rebuilds
# only what the changed options touch) instead of from scratch; that tree's key is stale.
if [ ! -d "$O" ]; then
	prev=$(ls -td "$D/$VER"-*/build 2>/dev/null | head -1) || true
	if [ -n "$prev" ]; then
		log "reusing $prev for $VER-$HASH (incremental)"
		mkdir -p "$B"
		mv "$prev" "$O"
		rm -rf "$(dirname "$prev")"
	fi
fi
mkdir -p "$O"

# Every CONFIG_X=v of the fragment must be in .config as written; "# CONFIG_X is not set" unset.
check_config() {
	local bad=0 n=0 opt want have line
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*) opt=${line%%=*}; want=${line#*=} ;;
		"# CONFIG_"*" is not set") opt=${line#\# }; opt=${opt%% *}; want="unset" ;;
		*) continue ;;
		esac
		n=$((n + 1))
		have=$(sed -n "s/^$opt=//p" "$O/.config" | head -1)
		[ -n "$have" ] || have="unset"
		if [ "$have" != "$want" ]; then
			echo "build-debug-kernel: $opt: asked $want, got $have" >&2
			bad=$((bad + 1))
		fi
	done <"$FRAG"
	[ $bad = 0 ] || die "$bad of $n options of $(basename "$FRAG") did not come out as asked (see $O/.config)"
	log "all $n options of $(basename "$FRAG") as asked"
}

MK=(make -C "$SRC" O="$O" ARCH=arm CROSS_COMPILE="$CROSS")
if [ ! -e "$B/.done" ]; then
	if [ ! -e "$O/.config" ] || [ "$O/.config" -ot "$FRAG" ]; then
		log "configuring $O (allnoconfig + $(basename "$FRAG"), source $VER)"
		"${MK[@]}" -s KCONFIG_ALLCONFIG="$FRAG" allnoconfig >"$B/config.log" 2>&1 ||
			die "allnoconfig failed, see $B/config.log"
		"${MK[@]}" -s olddefconfig >>"$B/config.log" 2>&1 || die "olddefconfig failed, see $B/config.log"
	fi
	check_config
	[ $CONFIG_ONLY = 0 ] || exit 0
	log "building zImage + modules (-j$JOBS, niced; log $B/build.log)"
	t0=$SECONDS
	nice -n 10 "${MK[@]}" -j"$JOBS" zImage modules >"$B/build.log" 2>&1 ||
		{ tail -20 "$B/build.log" >&2; die "kernel build failed, see $B/build.log"; }
	KREL=$(cat "$O/include/config/kernel.release")
	rm -rf "$B/root"
	"${MK[@]}" -s INSTALL_MOD_PATH="$B/root" modules_install >>"$B/build.log" 2>&1 ||
		die "modules_install failed, see $B/build.log"
	rm -f "$B/root/lib/modules/$KREL/build" "$B/root/lib/modules/$KREL/source"
	mkdir -p "$B/root/boot"
	cp "$O/.config" "$B/root/boot/config-$KREL"
	cat >"$B/kernel.env" <<ENV
ARCH=arm
KREL=$KREL
VER=$VER
FRAGMENT_HASH=$HASH
CROSS_COMPILE=$CROSS
BUILD_SECONDS=$((SECONDS - t0))
ENV
	touch "$B/.done"
	log "built $KREL in $((SECONDS - t0)) s"
else
	check_config
	[ $CONFIG_ONLY = 0 ] || exit 0
fi
# shellcheck disable=SC1091
KREL=$(. "$B/kernel.env" && echo "$KREL")
ln -sfn "$VER-$HASH/build" "$D/kdir"
ln -sfn "$VER-$HASH/build/arch/arm/boot/zImage" "$D/vmlinuz"
ln -sfn "$VER-$HASH/root" "$D/root"
ln -sfn "$VER-$HASH/root/lib/modules/$KREL" "$D/modules"
ln -sfn "$VER-$HASH/kernel.env" "$D/kernel.env"
log "KDIR=$D/kdir ready ($KREL, source $VER, fragment $HASH)"

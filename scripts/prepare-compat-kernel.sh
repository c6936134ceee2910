#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Prepare configured kernel trees of the newest kernel of the compat range (Debian's
# linux-source-6.12) to compile the suite against: `make compat`.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
KVER=6.12
ARCHES="arm arm64"
usage() {
	cat <<USAGE
usage: $0 [--version 6.12] [--arch arm|arm64|all]
  Downloads Debian's linux-source-<version> (apt-get download, version resolved with
  apt-cache, never installed), extracts it into .cache/src/linux-source-<version>, and
  prepares one O= tree per architecture with configs/pbus.config and the options the
  suite needs merged in (scripts/kconfig/merge_config.sh), then modules_prepare:
    .cache/compat-<version>-arm    multi_v7_defconfig  (CROSS_COMPILE=arm-linux-gnueabihf-)
    .cache/compat-<version>-arm64  defconfig           (CROSS_COMPILE=aarch64-linux-gnu-)
  Each step leaves a stamp file and is skipped when done. Default: --arch all.
  Build against it:  make -C .cache/compat-<version>-arm M=\$PWD ARCH=arm \\
                       CROSS_COMPILE=arm-linux-gnueabihf- KBUILD_MODPOST_WARN=1 modules
  (or simply: make compat)
USAGE
}
while [ $# -gt 0 ]; do
	case "$1" in
	--version) KVER=${2:-}; shift 2 || { echo "$0: --version needs a value" >&2; exit 2; } ;;
	--version=*) KVER=${1#--version=}; shift ;;
	--arch) ARCHES=${2:-}; shift 2 || { echo "$0: --arch needs a value" >&2; exit 2; } ;;
	--arch=*) ARCHES=${1#--arch=}; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "$0: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done
[ "$ARCHES" = all ] && ARCHES="arm arm64"
[[ "$KVER" =~ ^[0-9]+\.[0-9]+$ ]] || { echo "$0: bad --version '$KVER' (e.g. 6.12)" >&2; exit 2; }

log() { echo "prepare-compat[$KVER]: $*"; }
die() { echo "prepare-compat[$KVER]: $*" >&2; exit 1; }

PKG=linux-source-$KVER
SRC=$TOP/.cache/src/$PKG
DEBS=$TOP/.cache/src/debs
mkdir -p "$DEBS"

# 1. Source: resolve the candidate version (never hard-coded), download, extract.
if [ ! -e "$SRC/.pbus-extracted" ]; then
	VER=$(apt-cache policy "$PKG" 2>/dev/null | sed -n 's/^ *Candidate: //p')
	if [ -z "$VER" ] || [ "$VER" = "(none)" ]; then
		die "apt has no $PKG (run apt-get update, or scripts/install-deps.sh)"
	fi
	DEB=$DEBS/${PKG}_${VER}_all.deb
	if [ ! -s "$DEB" ]; then
		log "downloading $PKG $VER"
		(cd "$DEBS" || exit 1
		 apt-get download -qq "$PKG=$VER" 2>&1 |
			grep -v '^W: Download is performed unsandboxed' || true)
		[ -s "$DEB" ] || die "apt-get download $PKG=$VER failed"
	fi
	log "extracting $PKG $VER into $SRC"
	rm -rf "$SRC"
	mkdir -p "$SRC.tmp"
	dpkg-deb --fsys-tarfile "$DEB" | tar -xO "./usr/src/$PKG.tar.xz" |
		tar -xJ -C "$SRC.tmp" || die "cannot extract $DEB"
	mv "$SRC.tmp/$PKG" "$SRC" && rmdir "$SRC.tmp"
	echo "$VER" >"$SRC/.pbus-extracted"
	rm -f "$DEB"
fi
VER=$(cat "$SRC/.pbus-extracted")

# 2. One configured + modules_prepare'd O= tree per architecture.
prepare() {
	local arch=$1 cross defcfg out stamp
	case "$arch" in
	arm) cross=arm-linux-gnueabihf- defcfg=multi_v7_defconfig ;;
	arm64) cross=aarch64-linux-gnu- defcfg=defconfig ;;
	*) die "unknown arch '$arch' (arm, arm64 or all)" ;;
	esac
	command -v "${cross}gcc" >/dev/null || die "${cross}gcc not found (scripts/install-deps.sh)"
	out=$TOP/.cache/compat-$KVER-$arch
	stamp=$out/.pbus-prepared
	# Redo when the source or the fragments changed.
	local want
	want="$VER $(cat "$TOP/configs/pbus.config" "$0" | md5sum | cut -d' ' -f1)"
	if [ -e "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
		log "$arch: $out is ready"
		return
	fi
	log "$arch: configuring $defcfg + configs/pbus.config in $out"
	rm -rf "$out"
	mkdir -p "$out"
	# What the suite needs to compile on top of configs/pbus.config (which targets Pi
	# defconfigs): OF, tracepoints (TRACING via the default tracers), rpmsg over virtio.
	cat >"$out/pbus-compat.config" <<'CFG'
CONFIG_MODULES=y
CONFIG_MODULE_UNLOAD=y
CONFIG_OF=y
CONFIG_GPIOLIB=y
CONFIG_GPIOLIB_IRQCHIP=y
CONFIG_GPIO_CDEV=y
CONFIG_REMOTEPROC=y
CONFIG_VIRTIO=y
CONFIG_RPMSG=m
CONFIG_RPMSG_NS=m
CONFIG_RPMSG_VIRTIO=m
CONFIG_RPMSG_CHAR=m
CONFIG_RPMSG_CTRL=m
CONFIG_CRC_ITU_T=m
CONFIG_DEBUG_FS=y
CONFIG_FTRACE=y
CONFIG_ENABLE_DEFAULT_TRACERS=y
CONFIG_DYNAMIC_DEBUG=y
CFG
	local mk=(make -s -C "$SRC" O="$out" ARCH="$arch" CROSS_COMPILE="$cross" -j2)
	{
		"${mk[@]}" "$defcfg" &&
			(cd "$out" && ARCH=$arch CROSS_COMPILE=$cross \
				"$SRC/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
				"$TOP/configs/pbus.config" "$out/pbus-compat.config") &&
			"${mk[@]}" olddefconfig
	} >"$out/prepare.log" 2>&1 || die "$arch: configuration failed, see $out/prepare.log"
	local opt missing=
	for opt in REMOTEPROC OF GPIOLIB DEBUG_FS TRACING TRACEPOINTS RPMSG RPMSG_VIRTIO CRC_ITU_T; do
		grep -Eq "^CONFIG_$opt=[ym]" "$out/.config" || missing="$missing $opt"
	done
	[ -z "$missing" ] || die "$arch: options not set after merge:$missing (see $out/.config)"
	log "$arch: modules_prepare"
	"${mk[@]}" modules_prepare >>"$out/prepare.log" 2>&1 ||
		die "$arch: modules_prepare failed, see $out/prepare.log"
	echo "$want" >"$stamp"
	log "$arch: $out ready ($PKG $VER)"
}
for a in $ARCHES; do
	prepare "$a"
done

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A real DKMS build of dkms.conf against the embedded target's kernel headers, in a private
# dkms/source tree (the host's /var/lib/dkms and /usr/src are never touched).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
ARCH=arm
usage() {
	cat <<USAGE
usage: $0 [--arch arm|arm64] [--kdir DIR] [--keep]
  Copies the source tree to a temp dir, then runs dkms add + dkms build -k KREL
  --kernelsourcedir KDIR with ARCH/CROSS_COMPILE set (a cross build), with private
  --dkmstree/--sourcetree, and checks that every BUILT_MODULE_NAME of dkms.conf was built
  with vermagic KREL. KDIR defaults to .cache/<arch>/kdir (scripts/prepare-kernel.sh),
  KREL to that tree's UTS_RELEASE.
  --keep  leave the temp dir (printed) for inspection
USAGE
}
KDIR='' KEEP=0
while [ $# -gt 0 ]; do
	case "$1" in
	--arch) ARCH=${2:-}; shift 2 || { echo "dkms-check: --arch needs a value" >&2; exit 2; } ;;
	--kdir) KDIR=${2:-}; shift 2 || { echo "dkms-check: --kdir needs a directory" >&2; exit 2; } ;;
	--keep) KEEP=1; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "dkms-check: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done
die() { echo "dkms-check: $*" >&2; exit 1; }
case "$ARCH" in
arm) CROSS=arm-linux-gnueabihf- DARCH=armv7l ;;
arm64) CROSS=aarch64-linux-gnu- DARCH=aarch64 ;;
*) die "unknown arch '$ARCH' (arm or arm64)" ;;
esac
KDIR=${KDIR:-$TOP/.cache/$ARCH/kdir}
command -v dkms >/dev/null || die "dkms not installed (apt-get install dkms)"
[ -f "$KDIR/Makefile" ] && [ -f "$KDIR/.config" ] ||
	die "no prepared kernel headers in $KDIR: run scripts/prepare-kernel.sh --arch $ARCH"
KDIR=$(cd "$KDIR" && pwd -P)
# UTS_RELEASE, not include/config/kernel.release (Debian's headers put the upstream version there).
KREL=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$KDIR/include/generated/utsrelease.h" 2>/dev/null) || true
[ -n "$KREL" ] || die "$KDIR has no include/generated/utsrelease.h"
[ -f "$TOP/dkms.conf" ] || die "no dkms.conf at the top of the tree"
VER=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$TOP/dkms.conf")
NAME=$(sed -n 's/^PACKAGE_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$TOP/dkms.conf")
[ -n "$VER" ] && [ -n "$NAME" ] || die "dkms.conf lacks PACKAGE_NAME or PACKAGE_VERSION"

T=$(mktemp -d /tmp/pbus-dkms.XXXXXX)
# shellcheck disable=SC2064
if [ $KEEP = 1 ]; then echo "dkms-check: keeping $T"; else trap "rm -rf '$T'" EXIT; fi
SRC=$T/src/$NAME-$VER TREE=$T/dkms
mkdir -p "$SRC" "$TREE"
# What `dkms add` would copy from a clean checkout: sources only, no build products.
rsync -a --exclude=/.git --exclude=/.cache --exclude=/build --exclude='*.o' --exclude='*.ko' \
	--exclude='*.mod' --exclude='*.mod.c' --exclude='.*.cmd' --exclude=modules.order \
	--exclude=Module.symvers --exclude='*.dtbo' --exclude='/tests/fuzz/out' --exclude='/tests/unit/out' --exclude='/bench/out' \
	"$TOP/" "$SRC/"

# Private everything: trees by option, a signing key (if dkms finds sign-file) in $T.
D=(dkms --dkmstree "$TREE" --sourcetree "$T/src" --installtree "$T/install")
export mok_signing_key=$T/mok.key mok_certificate=$T/mok.pub
t0=$SECONDS
"${D[@]}" add -m "$NAME" -v "$VER" >"$T/add.log" 2>&1 || { cat "$T/add.log"; die "dkms add failed"; }
echo "dkms-check: dkms build $NAME/$VER -k $KREL -a $DARCH --kernelsourcedir $KDIR"
if ! ARCH=$ARCH CROSS_COMPILE=$CROSS "${D[@]}" build -m "$NAME" -v "$VER" -k "$KREL" -a "$DARCH" \
	--kernelsourcedir "$KDIR" >"$T/build.log" 2>&1; then
	cat "$T/build.log"
	log=$(ls "$TREE/$NAME/$VER/build/make.log" 2>/dev/null) && tail -n 30 "$log"
	die "dkms build failed"
fi

# Every module dkms.conf names must be there, built for KREL.
mapfile -t want < <(bash -c '. "$1"; printf "%s\n" "${BUILT_MODULE_NAME[@]}"' _ "$SRC/dkms.conf")
[ ${#want[@]} -gt 0 ] || die "dkms.conf names no module"
out=$TREE/$NAME/$VER/$KREL/$DARCH/module
bad=0
for m in "${want[@]}"; do
	f=$(ls "$out/$m.ko"* 2>/dev/null | head -1) || true
	if [ -z "$f" ]; then
		echo "dkms-check: FAIL: $m.ko not in $out"; bad=1; continue
	fi
	vm=$(modinfo -F vermagic "$f" | cut -d' ' -f1)
	if [ "$vm" != "$KREL" ]; then
		echo "dkms-check: FAIL: $m.ko has vermagic $vm, want $KREL"; bad=1; continue
	fi
	echo "dkms-check: ok $m.ko ($vm, $(stat -c %s "$f") bytes)"
done
[ $bad = 0 ] || die "dkms build incomplete (log: $TREE/$NAME/$VER/build/make.log)"
echo "dkms-check: $NAME/$VER built ${#want[@]} modules (${want[*]}) for $KREL/$DARCH in $((SECONDS - t0)) s"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Fetch Debian's kernel image + headers for a target and make a KDIR to build pbus against.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
ARCH=arm
KFLAVOUR=
usage() {
	cat <<USAGE
usage: $0 [--arch arm|arm64] [--flavour rt]
  Downloads (apt-get download, never installs) Debian's kernel image, headers,
  linux-kbuild-6.1 and (arm) linux-source-6.1 of the same version into .cache/<arch>/,
  and prepares .cache/<arch>/kdir for: make -C KDIR M=... ARCH=<arch> CROSS_COMPILE=...
  Outputs: .cache/<arch>/{kdir,vmlinuz,modules,dtbs,kernel.env}, .cache/src/linux-source-6.1
  --flavour rt (arm only): the PREEMPT_RT kernel (linux-image-rt-armmp) instead, in
  .cache/arm-rt/ (same outputs); its version must be the one of the armmp kernel's
  linux-kbuild/linux-source when those are already prepared.
USAGE
}
while [ $# -gt 0 ]; do
	case "$1" in
	--arch) ARCH=${2:-}; shift 2 || { echo "$0: --arch needs a value" >&2; exit 2; } ;;
	--arch=*) ARCH=${1#--arch=}; shift ;;
	--flavour) KFLAVOUR=${2:-}; shift 2 || { echo "$0: --flavour needs a value" >&2; exit 2; } ;;
	--flavour=*) KFLAVOUR=${1#--flavour=}; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "$0: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done

case "$ARCH" in
arm) DEBARCH=armhf FLAVOUR=armmp CROSS=arm-linux-gnueabihf- ;;
arm64) DEBARCH=arm64 FLAVOUR=arm64 CROSS=aarch64-linux-gnu- ;;
*) echo "$0: unknown arch '$ARCH' (arm or arm64)" >&2; exit 2 ;;
esac
# Debian's common headers package: linux-headers-ABI-common, -common-rt for the rt flavour.
COMMON_SFX=common
C=$TOP/.cache/$ARCH
case "$ARCH:$KFLAVOUR" in
*:) ;;
arm:rt) FLAVOUR=rt-armmp COMMON_SFX=common-rt C=$TOP/.cache/arm-rt ;;
*) echo "$0: unknown flavour '$KFLAVOUR' for $ARCH (arm has: rt)" >&2; exit 2 ;;
esac
SRC=$TOP/.cache/src
mkdir -p "$C/debs" "$SRC"
log() { echo "prepare-kernel[$ARCH${KFLAVOUR:+-$KFLAVOUR}]: $*"; }
die() { echo "prepare-kernel[$ARCH${KFLAVOUR:+-$KFLAVOUR}]: $*" >&2; exit 1; }

# apt for the target architecture: armhf is a foreign arch of the host, arm64 uses a private state.
if [ "$ARCH" = arm64 ]; then
	A=$C/apt
	mkdir -p "$A/state/lists/partial" "$A/cache/archives/partial"
	: >>"$A/state/status"
	APTOPT=(-o APT::Architecture=arm64 -o APT::Architectures=arm64 -o Dir::State="$A/state"
		-o Dir::State::status="$A/state/status" -o Dir::Cache="$A/cache")
	if [ ! -e "$A/updated" ]; then
		log "updating private arm64 apt lists"
		apt-get "${APTOPT[@]}" update -q >/dev/null 2>&1 || log "apt-get update reported errors, continuing"
		touch "$A/updated"
	fi
else
	APTOPT=()
	dpkg --print-foreign-architectures | grep -qx armhf ||
		die "armhf is not a foreign architecture: run scripts/install-deps.sh"
fi
tcache() { apt-cache "${APTOPT[@]}" "$@"; }

# 1. Resolve versions: meta package -> ABI image package -> headers version.
if [ -e "$C/kernel.env" ]; then
	# shellcheck disable=SC1091
	. "$C/kernel.env"
else
	IMG=$(tcache depends "linux-image-$FLAVOUR:$DEBARCH" 2>/dev/null |
		sed -n "s/^ *Depends: \(linux-image-6\.[0-9.]*-[0-9]*-$FLAVOUR\)\b.*/\1/p" | head -1)
	[ -n "$IMG" ] || die "cannot resolve linux-image-$FLAVOUR:$DEBARCH (apt lists missing? run scripts/install-deps.sh)"
	KREL=${IMG#linux-image-}
	KREL=${KREL%-unsigned}
	IMGVER=$(tcache show --no-all-versions "$IMG:$DEBARCH" | sed -n 's/^Version: //p' | head -1)
	VER=$(tcache show --no-all-versions "linux-headers-$KREL:$DEBARCH" 2>/dev/null | sed -n 's/^Version: //p' | head -1)
	[ -n "$VER" ] || die "no linux-headers-$KREL:$DEBARCH to match $IMG $IMGVER"
	ABI=${KREL%-$FLAVOUR}
	have() { apt-cache madison "$1" | awk -F'|' '{gsub(/ /,"",$2); print $2}' | grep -qx "$2"; }
	have linux-kbuild-6.1:amd64 "$VER" ||
		die "linux-kbuild-6.1:amd64=$VER (matching $IMG) is not in the host apt lists; run apt-get update or wait for the mirror"
	if [ -n "$KFLAVOUR" ] && [ -e "$TOP/.cache/$ARCH/kernel.env" ]; then
		# shellcheck disable=SC1090,SC1091
		base=$(. "$TOP/.cache/$ARCH/kernel.env" && echo "$VER")
		[ "$base" = "$VER" ] ||
			die "$IMG $VER does not match the prepared $ARCH kernel's kbuild/source $base"
	fi
	if [ "$ARCH" = arm ]; then
		have linux-source-6.1 "$VER" ||
			die "linux-source-6.1=$VER (matching $IMG) is not available; armhf modpost needs the same version"
	fi
	cat >"$C/kernel.env.tmp" <<ENV
ARCH=$ARCH
KREL=$KREL
VER=$VER
IMG=$IMG
IMGVER=$IMGVER
ABI=$ABI
CROSS_COMPILE=$CROSS
ENV
	mv "$C/kernel.env.tmp" "$C/kernel.env"
fi
log "kernel $KREL (image $IMG $IMGVER, headers/kbuild/source $VER)"

# 2. Download.
if [ ! -e "$C/debs/.done-$VER" ]; then
	cd "$C/debs"
	log "downloading packages"
	apt-get "${APTOPT[@]}" download -qq "$IMG:$DEBARCH=$IMGVER" "linux-headers-$KREL:$DEBARCH=$VER" \
		"linux-headers-$ABI-$COMMON_SFX=$VER" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true
	apt-get download -qq "linux-kbuild-6.1:amd64=$VER" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true
	if [ "$ARCH" = arm ] && [ ! -e "$SRC/.done-$VER" ]; then
		apt-get download -qq "linux-source-6.1=$VER" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true
	fi
	ls ./*"$KREL"*.deb ./linux-headers-"$ABI"-"$COMMON_SFX"_*.deb ./linux-kbuild-6.1_*.deb >/dev/null ||
		die "download failed"
	touch "$C/debs/.done-$VER"
	cd "$TOP"
fi

# 3. Extract image, headers and kbuild into a private root.
R=$C/root
H=$R/usr/src/linux-headers-$KREL
if [ ! -e "$R/.done-$VER" ]; then
	log "extracting into $R"
	rm -rf "$R"
	mkdir -p "$R"
	for d in "$C"/debs/*"$KREL"*_*.deb "$C"/debs/linux-headers-"$ABI"-"$COMMON_SFX"_"$VER"_*.deb \
		"$C"/debs/linux-kbuild-6.1_"$VER"_amd64.deb; do
		dpkg-deb -x "$d" "$R"
	done
	# The headers Makefile includes the common headers by absolute path: make it relative.
	echo "include \$(dir \$(realpath \$(lastword \$(MAKEFILE_LIST))))../linux-headers-$ABI-$COMMON_SFX/Makefile" >"$H/Makefile"
	depmod -b "$R" "$KREL"
	touch "$R/.done-$VER"
fi

# 4. arm: full source (checkpatch, samples) and an armhf-correct modpost.
if [ "$ARCH" = arm ]; then
	if [ ! -e "$SRC/.done-$VER" ]; then
		log "extracting linux-source-6.1 $VER into $SRC"
		rm -rf "$SRC/linux-source-6.1"
		dpkg-deb --fsys-tarfile "$C/debs/linux-source-6.1_${VER}_all.deb" |
			tar -xO ./usr/src/linux-source-6.1.tar.xz | tar -xJ -C "$SRC"
		rm -f "$SRC"/.done-*
		touch "$SRC/.done-$VER"
		rm -f "$C/debs/linux-source-6.1_${VER}_all.deb"
	fi
	# modpost is a host tool of the source version: another flavour of the same version
	# reuses the armmp one (built the same way) when it is there.
	MB=$C/modpost-build
	[ -n "$KFLAVOUR" ] && [ -e "$TOP/.cache/arm/modpost-build/.done-$VER" ] &&
		[ ! -e "$MB/.done-$VER" ] && MB=$TOP/.cache/arm/modpost-build
	if [ ! -e "$MB/.done-$VER" ]; then
		log "building modpost for armhf (modules_prepare, armmp config)"
		rm -rf "$C/modpost-build"
		mkdir -p "$C/modpost-build"
		cp "$R/boot/config-$KREL" "$C/modpost-build/.config"
		make -s -C "$SRC/linux-source-6.1" O="$C/modpost-build" ARCH=arm CROSS_COMPILE="$CROSS" \
			-j2 olddefconfig modules_prepare >"$C/modpost-build.log" 2>&1 ||
			die "modules_prepare failed, see $C/modpost-build.log"
		touch "$C/modpost-build/.done-$VER"
	fi
	cp "$MB/scripts/mod/modpost" "$R/usr/lib/linux-kbuild-6.1/scripts/mod/modpost"
elif [ ! -d "$SRC/linux-source-6.1" ]; then
	log "note: .cache/src/linux-source-6.1 comes from: $0 --arch arm"
fi

# 5. Stable names.
ln -sfn "root/usr/src/linux-headers-$KREL" "$C/kdir"
ln -sfn "root/lib/modules/$KREL" "$C/modules"
ln -sfn "root/usr/lib/linux-image-$KREL" "$C/dtbs"
ln -sfn "root/boot/vmlinuz-$KREL" "$C/vmlinuz"
[ "$ARCH" = arm ] && [ -z "$KFLAVOUR" ] && echo "$C/kdir ready: $KREL (make -C .cache/arm/kdir M=\$PWD ARCH=arm CROSS_COMPILE=$CROSS)" >"$TOP/.cache/KDIR_READY"
log "KDIR=$C/kdir ready ($KREL)"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The kernel patches of patches/: apply them to a kernel tree, or check that they apply
# cleanly and build W=1-clean on every tree the suite targets.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
usage() {
	cat <<USAGE
usage: $0 apply SRC      apply every patches/*.patch to the kernel tree SRC, in name
                         order; one already applied is skipped; one that does not apply
                         cleanly (no fuzz) stops it, SRC unchanged by that patch
       $0 check          each patch applies with no fuzz to Debian's linux-source-6.1 and
                         -6.12 (.cache/src) and to RPI_KERNEL_SRC if set (a Raspberry Pi
                         tree, e.g. rpi-6.12.y); the files it touches under drivers/ build
                         with W=1 and no new warning against the 6.1 (arm) and 6.12 (arm,
                         arm64) trees the suite builds against (scripts/prepare-kernel.sh,
                         scripts/prepare-compat-kernel.sh)
USAGE
}
die() { echo "kernel-patches: $*" >&2; exit 1; }
PATCHES=("$TOP"/patches/*.patch)
[ -e "${PATCHES[0]}" ] || die "no patches in $TOP/patches"

# applied SRC PATCH: 0 when PATCH is in SRC already
applied() { patch -d "$1" -p1 -R --dry-run --fuzz=0 -s -f <"$2" >/dev/null 2>&1; }
applies() { patch -d "$1" -p1 --dry-run --fuzz=0 -s -f --forward <"$2" >/dev/null 2>&1; }
files_of() { sed -n 's|^+++ b/||p' "$1"; }

apply() {
	local src=$1 p
	[ -f "$src/Makefile" ] && [ -d "$src/drivers" ] || die "$src is not a kernel tree"
	for p in "${PATCHES[@]}"; do
		if applied "$src" "$p"; then
			echo "kernel-patches: $(basename "$p"): already in $src"
		elif applies "$src" "$p"; then
			patch -d "$src" -p1 --fuzz=0 -s -f --forward <"$p"
			echo "kernel-patches: $(basename "$p"): applied to $src"
		else
			die "$(basename "$p") does not apply cleanly to $src"
		fi
	done
}

# warnings KDIR ARCH CROSS DIR: W=1 warnings of DIR/*.c built against KDIR
warnings() {
	make -s -C "$1" M="$4" ARCH="$2" CROSS_COMPILE="$3" W=1 \
		$(cd "$4" && ls ./*.c | sed 's|^\./||; s|\.c$|.o|') 2>&1 |
		grep -c 'warning:' || true
}

check() {
	local rc=0 p t src f tmp kd arch cross before after
	local trees=("$TOP/.cache/src/linux-source-6.1" "$TOP/.cache/src/linux-source-6.12")
	[ -z "${RPI_KERNEL_SRC:-}" ] || trees+=("$RPI_KERNEL_SRC")
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' RETURN
	for p in "${PATCHES[@]}"; do
		for src in "${trees[@]}"; do
			[ -d "$src/drivers" ] || die "no kernel tree $src (scripts/prepare-kernel.sh, prepare-compat-kernel.sh)"
			if applies "$src" "$p"; then
				echo "ok    $(basename "$p") applies to $(basename "$src")"
			else
				echo "FAIL  $(basename "$p") does not apply cleanly to $src"; rc=1
			fi
		done
		# Build: the touched driver files as one external object each, before and after.
		for t in "6.1 arm arm-linux-gnueabihf- $TOP/.cache/arm/modpost-build" \
			 "6.12 arm arm-linux-gnueabihf- $TOP/.cache/compat-6.12-arm" \
			 "6.12 arm64 aarch64-linux-gnu- $TOP/.cache/compat-6.12-arm64"; do
			set -- $t
			src=$TOP/.cache/src/linux-source-$1 arch=$2 cross=$3 kd=$4
			[ -f "$kd/Makefile" ] || die "no prepared tree $kd"
			for f in $(files_of "$p"); do
				case $f in drivers/*.c) ;; *) continue ;; esac
				rm -rf "$tmp/b"; mkdir -p "$tmp/b/$(dirname "$f")"
				cp "$src/$f" "$tmp/b/$f"
				printf 'obj-m := %s.o\nccflags-y := -I$(srctree)/%s\n' \
					"$(basename "$f" .c)" "$(dirname "$f")" >"$tmp/b/$(dirname "$f")/Kbuild"
				before=$(warnings "$kd" "$arch" "$cross" "$tmp/b/$(dirname "$f")")
				rm -f "$tmp/b/${f%.c}.o"
				patch -d "$tmp/b" -p1 --fuzz=0 -s -f <"$p" 2>/dev/null || true
				after=$(warnings "$kd" "$arch" "$cross" "$tmp/b/$(dirname "$f")")
				if [ -s "$tmp/b/${f%.c}.o" ] && [ "$after" -le "$before" ]; then
					echo "ok    $(basename "$f") builds W=1 on $1 $arch ($after warnings, $before before)"
				else
					echo "FAIL  $(basename "$f") on $1 $arch: $after W=1 warnings ($before before) or no object"; rc=1
				fi
			done
		done
	done
	[ $rc = 0 ] && echo "kernel-patches: ${#PATCHES[@]} patch(es) apply and build on ${#trees[@]} trees"
	return $rc
}

case "${1:-}" in
apply) [ $# = 2 ] || die "apply needs SRC (see --help)"; apply "$2" ;;
check) check ;;
-h|--help) usage ;;
*) usage >&2; exit 2 ;;
esac

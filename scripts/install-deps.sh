#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Install the host packages the pbus suite needs on Debian 12 (amd64).
set -euo pipefail

PKGS=(
	make gcc libc6-dev git python3 python3-yaml
	bc bison flex libssl-dev libelf-dev cpio kmod xz-utils zstd
	gcc-arm-linux-gnueabihf gcc-aarch64-linux-gnu libc6-dev-armhf-cross
	qemu-system-arm device-tree-compiler sparse dkms
	clang llvm libclang-rt-14-dev
	openssh-client rsync ca-certificates dt-schema
)

case "${1:-}" in
-h|--help)
	echo "usage: $0    install host packages (apt, idempotent); adds the armhf foreign arch"
	exit 0 ;;
"") ;;
*) echo "$0: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac

command -v dpkg-query >/dev/null || { echo "$0: not a Debian system (no dpkg-query)" >&2; exit 1; }
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo

need_update=0
if ! dpkg --print-foreign-architectures | grep -qx armhf; then
	$SUDO dpkg --add-architecture armhf
	need_update=1
fi

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
# armhf package lists present? (needed by prepare-kernel.sh / build-guest.sh)
ls /var/lib/apt/lists/*_binary-armhf_Packages* >/dev/null 2>&1 || need_update=1

if [ ${#missing[@]} -eq 0 ] && [ $need_update = 0 ]; then
	echo "install-deps: all ${#PKGS[@]} packages present"
	exit 0
fi
# One index may be mid-sync on the mirror: apt-get update then fails but the rest is usable.
$SUDO apt-get update -q || echo "install-deps: apt-get update reported errors, continuing" >&2
if [ ${#missing[@]} -gt 0 ]; then
	echo "install-deps: installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

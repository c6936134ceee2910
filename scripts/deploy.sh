#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Deploy the built modules, tools, tests, firmware and overlays to a target over ssh.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP}
case "${1:-}" in
-h|--help)
	cat <<USAGE
usage: [TARGET=user@host] [SSH_PORT=22] [REMOTE_TARGET=user@pi] [BUILD=dir] $0
  Default TARGET: the running QEMU guest (scripts/qemu.sh start).
  Installs *.ko under BUILD (default: the tree) to /lib/modules/\$(uname -r)/extra/pbus + depmod,
  tools/ binaries and tools/pbus-doctor to /usr/local/bin, configs/pbus.config to
  /usr/local/share/pbus, tests/target, tests/run-target.sh and bench/ to
  /usr/local/share/pbus/tests, firmware/*.elf to /lib/firmware, *.dtbo to the boot overlays
  dir (only on a real Pi). REMOTE_TARGET, if set, gets the same deployment.
  Refuses when a module's vermagic differs from the target's uname -r.
USAGE
	exit 0 ;;
"") ;;
*) echo "$0: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac
die() { echo "deploy: $*" >&2; exit 1; }
[ -d "$BUILD" ] || die "BUILD dir $BUILD does not exist"

SSHOPT=(-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o ConnectTimeout=10 -o LogLevel=ERROR)

deploy_to() { # target port [key]
	local t=$1 port=$2 key=${3:-} opt=("${SSHOPT[@]}" -p "$2")
	[ -n "$key" ] && opt+=(-i "$key")
	rsh() { ssh "${opt[@]}" "$t" "$@"; }
	local krel
	krel=$(rsh uname -r 2>/dev/null) || die "cannot reach $t (port $port) over ssh"

	local stage
	stage=$(mktemp -d)
	# shellcheck disable=SC2064
	trap "rm -rf '$stage'" RETURN
	local r=$stage/root n=0 f vm
	mkdir -p "$r/lib/modules/$krel/extra/pbus" "$r/usr/local/bin" "$r/usr/local/share/pbus/tests" \
		"$r/lib/firmware" "$r/boot/overlays"
	while IFS= read -r f; do
		vm=$(modinfo -F vermagic "$f" | cut -d' ' -f1)
		[ "$vm" = "$krel" ] || die "$f is built for $vm but $t runs $krel"
		cp "$f" "$r/lib/modules/$krel/extra/pbus/"
		n=$((n + 1))
	# In the tree itself, build/ holds other builds (arm64, compat): not ours.
	done < <(find "$BUILD" \( -path "$TOP/.cache" -o -path "$TOP/build" \) -prune -o \
		-name '*.ko' -print | sort)
	[ $n -gt 0 ] || echo "deploy: warning: no *.ko under $BUILD (build with make first)" >&2
	for f in "$BUILD"/tools/* "$TOP"/tools/*; do
		[ -f "$f" ] && [ -x "$f" ] && [ "$(head -c4 "$f")" = $'\x7fELF' ] && cp "$f" "$r/usr/local/bin/"
	done
	# the preflight tool (a script) and the config fragment it checks against
	cp "$TOP/tools/pbus-doctor" "$r/usr/local/bin/"
	cp "$TOP/configs/pbus.config" "$r/usr/local/share/pbus/"
	[ -d "$TOP/tests/target" ] && cp -r "$TOP/tests/target" "$r/usr/local/share/pbus/tests/"
	[ -f "$TOP/tests/run-target.sh" ] && cp "$TOP/tests/run-target.sh" "$r/usr/local/share/pbus/tests/"
	[ -d "$TOP/bench" ] && cp -r "$TOP/bench" "$r/usr/local/share/pbus/tests/"
	for f in "$TOP"/firmware/*.elf "$BUILD"/firmware/*.elf; do [ -f "$f" ] && cp "$f" "$r/lib/firmware/"; done
	for f in $(find "$BUILD/dts/overlays" "$TOP/dts/overlays" -name '*.dtbo' 2>/dev/null | sort -u); do
		cp "$f" "$r/boot/overlays/"
	done

	# Stage on the target, then move into place in one step at the end.
	local tmp
	tmp=$(rsh 'mktemp -d /tmp/pbus-deploy.XXXXXX') || die "mktemp failed on $t"
	tar -C "$r" -cf - . | rsh "tar -xf - -C $tmp" || { rsh "rm -rf $tmp" || true; die "copy to $t failed"; }
	rsh "sh -s" "$tmp" "$krel" <<'REMOTE' || die "install on $t failed (staged files left in $tmp)"
set -e
S=$1/.; K=$2
SUDO=; [ "$(id -u)" = 0 ] || SUDO="sudo -n"
OV=
for d in /boot/firmware/overlays /boot/overlays; do [ -d "$d" ] && { OV=$d; break; }; done
[ -d /boot/firmware ] && [ -z "$OV" ] && OV=/boot/firmware/overlays
$SUDO rm -rf /lib/modules/$K/extra/pbus /usr/local/share/pbus/tests
if [ -n "$OV" ] && [ -n "$(ls $S/boot/overlays)" ]; then
	$SUDO mkdir -p "$OV"; $SUDO cp $S/boot/overlays/* "$OV/"
fi
rm -rf $S/boot
$SUDO mkdir -p /lib/modules/$K/extra /usr/local/bin /usr/local/share/pbus /lib/firmware
$SUDO cp -R $S/lib/. /lib/
$SUDO cp -R $S/usr/. /usr/
$SUDO depmod -a "$K"
rm -rf "$1"
REMOTE
	echo "deploy: $t ($krel): $n modules, $(ls "$r/usr/local/bin" | wc -l) tools, tests$(
		[ -n "$(ls "$r/boot/overlays")" ] && echo ", overlays if a Pi")"
}

if [ -n "${TARGET:-}" ]; then
	deploy_to "$TARGET" "${SSH_PORT:-22}"
else
	STATE=${PBUS_RUN:-$TOP/.cache/arm/run}/state
	[ -e "$STATE" ] || die "no TARGET given and no QEMU guest running (scripts/qemu.sh start)"
	# shellcheck disable=SC1090
	. "$STATE"
	deploy_to "$TARGET" "$PORT" "$KEY"
fi
[ -z "${REMOTE_TARGET:-}" ] || deploy_to "$REMOTE_TARGET" "${REMOTE_SSH_PORT:-22}"

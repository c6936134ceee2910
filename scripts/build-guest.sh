#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build the QEMU guest initramfs (.cache/arm/guest/initramfs.cpio.gz) from Debian armhf packages.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
C=$TOP/.cache/arm
KERNEL=armmp
FORCE=0
usage() {
	cat <<USAGE
usage: $0 [--force] [--kernel armmp|rt|debug]
  Builds .cache/arm/guest/initramfs.cpio.gz: busybox, dropbear (+sftp-server), gpiod tools,
  kernel modules (virtio, rpmsg, crc-itu-t; dwc2/usb-net for -M raspi2b) of the prepared
  armmp kernel and its config (/boot/config-KREL), an init that brings up eth0 or usb0 (10.0.2.15), dropbear on :22 with the project key $TOP/.cache/ssh/id_ed25519,
  and prints "pbus-guest: ready". Needs scripts/prepare-kernel.sh first.
  --kernel rt: the same for the PREEMPT_RT kernel (scripts/prepare-kernel.sh --flavour rt),
  into .cache/arm-rt/guest/; --kernel debug: for scripts/build-debug-kernel.sh's kernel, into
  .cache/arm-debug/guest/ (both -M virt only: no raspi2b modules).
USAGE
}
while [ $# -gt 0 ]; do
	case "$1" in
	-h|--help) usage; exit 0 ;;
	--force) FORCE=1; shift ;;
	--kernel) KERNEL=${2:-}; shift 2 || { echo "$0: --kernel needs a value" >&2; exit 2; } ;;
	--kernel=*) KERNEL=${1#--kernel=}; shift ;;
	*) echo "$0: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done
case "$KERNEL" in
armmp) ;;
rt) C=$TOP/.cache/arm-rt ;;
debug) C=$TOP/.cache/arm-debug ;;
*) echo "$0: unknown kernel '$KERNEL' (armmp, rt or debug)" >&2; exit 2 ;;
esac
G=$C/guest
[ $FORCE = 0 ] || rm -f "$G/initramfs.cpio.gz"
log() { echo "build-guest: $*"; }
die() { echo "build-guest: $*" >&2; exit 1; }

[ -e "$C/kernel.env" ] && [ -d "$C/modules/" ] ||
	die "no prepared $KERNEL kernel in $C: run scripts/prepare-kernel.sh$(
		[ $KERNEL = rt ] && echo " --flavour rt")$([ $KERNEL = debug ] && echo " (build-debug-kernel.sh)")"
# shellcheck disable=SC1091
. "$C/kernel.env"

# Project-local ssh key (never ~/.ssh).
KEY=$TOP/.cache/ssh/id_ed25519
if [ ! -e "$KEY" ]; then
	mkdir -p "$(dirname "$KEY")"
	ssh-keygen -q -t ed25519 -N '' -C pbus-guest -f "$KEY"
fi

OUT=$G/initramfs.cpio.gz
if [ -e "$OUT" ] && [ "$OUT" -nt "$0" ] && [ "$OUT" -nt "$C/kernel.env" ] && [ "$OUT" -nt "$KEY.pub" ]; then
	log "up to date: $OUT"
	exit 0
fi

PKGS=(busybox-static dropbear-bin libtomcrypt1 libtommath1 libgmp10 libcrypt1 zlib1g libc6 libgcc-s1
	openssh-sftp-server gpiod libgpiod2 libstdc++6)
MODS=(virtio_mmio virtio_net virtio-rng virtio_rpmsg_bus rpmsg_core rpmsg_char rpmsg_ctrl rpmsg_tty
	rpmsg_ns crc-itu-t)
# -M raspi2b: usb-net on dwc2, hwrng (the armmp guest only)
[ $KERNEL != armmp ] || MODS+=(dwc2 phy-generic usbnet cdc_ether rndis_host bcm2835-rng)

mkdir -p "$G/debs"
cd "$G/debs"
# The other kernels' guests take the user-space packages the armmp guest already has.
if [ $KERNEL != armmp ] && [ -d "$TOP/.cache/arm/guest/debs" ]; then
	for p in "${PKGS[@]}"; do
		ls "${p}"_*_armhf.deb >/dev/null 2>&1 ||
			cp "$TOP"/.cache/arm/guest/debs/"${p}"_*_armhf.deb . 2>/dev/null || true
	done
fi
get=()
for p in "${PKGS[@]}"; do
	ls "${p}"_*_armhf.deb >/dev/null 2>&1 || get+=("$p:armhf")
done
if [ ${#get[@]} -gt 0 ]; then
	apt-get download -qq "${get[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true
fi
for p in "${PKGS[@]}"; do
	ls "${p}"_*_armhf.deb >/dev/null 2>&1 || die "cannot download $p:armhf"
done

R=$G/rootfs
rm -rf "$R"
mkdir -p "$R"
for p in "${PKGS[@]}"; do
	dpkg-deb -x "$(ls "${p}"_*_armhf.deb | tail -1)" "$R"
done
cd "$R"
rm -rf usr/share/doc usr/share/man usr/share/lintian usr/share/locale usr/share/gdb \
	usr/lib/arm-linux-gnueabihf/gconv usr/share/bug etc/init.d etc/default
# Debian 12 is merged-/usr: make /bin /sbin /lib point into /usr.
mkdir -p usr/bin usr/sbin usr/lib
for d in bin sbin lib; do
	if [ -d "$d" ] && [ ! -L "$d" ]; then cp -a "$d"/. "usr/$d"/; rm -rf "$d"; fi
	ln -sfn "usr/$d" "$d"
done
mkdir -p dev proc sys tmp run root/.ssh etc/dropbear var/log usr/local/bin usr/local/share/pbus \
	lib/firmware boot mnt
ln -sfn openssh/sftp-server usr/lib/sftp-server
ln -sfn busybox usr/bin/sh
cp "$KEY.pub" root/.ssh/authorized_keys
chmod 700 root root/.ssh
cat >etc/passwd <<P
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
pbus:x:1000:1000:unprivileged test user in group gpio:/tmp:/bin/sh
P
cat >etc/group <<P
root:x:0:
gpio:x:997:pbus
pbus:x:1000:
nogroup:x:65534:
P
echo 'root:*:19000:0:99999:7:::' >etc/shadow
echo /bin/sh >etc/shells
echo pbus-guest >etc/hostname
printf '127.0.0.1 localhost\n10.0.2.15 pbus-guest\n' >etc/hosts
echo 'nameserver 10.0.2.3' >etc/resolv.conf

# Kernel modules and their dependencies, resolved on the host.
MD=$C/modules
KR=$C/root
deps=$(for m in "${MODS[@]}"; do
	modprobe -d "$KR" -S "$KREL" --show-depends "$m" || die "module $m missing from $KREL"
done | awk '$1 == "insmod" { print $2 }' | sort -u)
for f in $deps; do
	rel=${f#"$KR"/}
	mkdir -p "$(dirname "$rel")"
	cp "$f" "$rel"
done
cp "$MD"/modules.order "$MD"/modules.builtin "$MD"/modules.builtin.modinfo "lib/modules/$KREL/" 2>/dev/null || true
depmod -b "$R" "$KREL"
# The running kernel's config, where pbus-doctor (and check-config.sh) look for it.
cp "$KR/boot/config-$KREL" "boot/config-$KREL"

cat >init <<'INIT'
#!/bin/sh
# pbus guest init: the root is the initramfs tmpfs, so everything is writable.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
/bin/busybox --install -s 2>/dev/null
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || true
mount -t configfs configfs /sys/kernel/config 2>/dev/null || true
hostname pbus-guest
KREL=$(uname -r)
mkdir -p /lib/modules/$KREL/extra
IF=eth0 n=50
case "$(cat /proc/device-tree/model 2>/dev/null)" in
"Raspberry Pi"*)	# -M raspi2b: -device usb-net on dwc2 (usb0: locally administered MAC)
	for m in bcm2835-rng phy-generic dwc2 cdc_ether rndis_host; do modprobe $m; done
	IF=usb0 n=600 ;;
*)	for m in virtio_mmio virtio_net virtio-rng; do modprobe $m; done ;;
esac
ifconfig lo 127.0.0.1 up
while [ ! -e /sys/class/net/$IF ] && [ ! -e /sys/class/net/eth0 ] && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
[ -e /sys/class/net/$IF ] || IF=eth0
ifconfig $IF 10.0.2.15 netmask 255.255.255.0 up
route add default gw 10.0.2.2
dropbear -R -s -p 22 -P /run/dropbear.pid
echo "pbus-guest: ready $KREL $(cat /proc/uptime)" >/dev/kmsg
echo "pbus-guest: ready"
# respawn a console shell; init must never exit
while true; do setsid cttyhack /bin/sh -l; done
INIT
chmod 755 init
cat >etc/profile <<'PROF'
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
PS1='pbus-guest:\w# '
PROF

# Fail early if a binary needs a library we do not ship.
for b in usr/sbin/dropbear usr/lib/openssh/sftp-server usr/bin/gpioset; do
	for lib in $(readelf -d "$b" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
		[ -e "usr/lib/arm-linux-gnueabihf/$lib" ] || [ -e "usr/lib/$lib" ] || die "$b needs $lib which is not in the guest"
	done
done

mkdir -p "$G"
find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -6 >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
log "$OUT ($(du -h "$OUT" | cut -f1), kernel $KREL)"

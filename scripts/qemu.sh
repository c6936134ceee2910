#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Start/stop the armmp QEMU guest used for target tests.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
C=$TOP/.cache/arm
RUN=${PBUS_RUN:-$C/run}
STATE=$RUN/state
KEY=$TOP/.cache/ssh/id_ed25519
MACHINE=virt
KERNEL_FLAVOUR=armmp
usage() {
	cat <<USAGE
usage: $0 start|stop|status|ssh [CMD...] [--machine virt|raspi2b] [--kernel armmp|rt|debug]
  start   boot .cache/arm/vmlinuz + guest initramfs in the background (DT = virt dtb
          + every dts/qemu/*.dtso applied with fdtoverlay), wait for ssh
          --machine raspi2b: a "Raspberry Pi 2 Model B" (real pinctrl-bcm2835 gpiochip):
          DT = Debian's bcm2836-rpi-2-b.dtb + dts/overlays/pbus-host-overlay.dts
          (RPI_OVERLAY=pbus-loopback or a .dts path selects another), usb-net on dwc2
          (slow: 15-60 s to ssh)
          --kernel rt: the PREEMPT_RT kernel and guest of .cache/arm-rt (prepare-kernel.sh
          --flavour rt, build-guest.sh --kernel rt); --kernel debug: .cache/arm-debug
          (build-debug-kernel.sh, build-guest.sh --kernel debug; 1 GiB, 600 s to boot).
          Both -M virt only.
  stop    kill the guest started by start (by its pid file)
  status  print pid/port; exit 0 when running, 3 when not
  ssh     run CMD (or a shell) in the guest as root with the project key
Files: $RUN/{console.log,qemu.pid,state} (state has PORT=, KEY=, TARGET=);
        PBUS_RUN=dir selects another run dir (a second guest);
        QEMU_DTSO="x.dtso ..." selects the overlays (default dts/qemu/*.dtso)
        QEMU_DT_DELETE="label:prop ..." deletes properties after the overlays
        QEMU_DT_SET="label:prop=u32 ..." sets one-cell properties after the overlays
        QEMU_APPEND="..." adds to the kernel command line (e.g. threadirqs)
USAGE
}
die() { echo "qemu: $*" >&2; exit 1; }

CMD=${1:-}
[ $# -gt 0 ] && shift
case "$CMD" in
-h|--help|"") usage; [ -n "$CMD" ]; exit ;;
start|stop|status|ssh) ;;
*) echo "qemu: unknown command '$CMD' (see --help)" >&2; exit 2 ;;
esac
if [ "$CMD" != ssh ]; then
	while [ $# -gt 0 ]; do
		case "$1" in
		--machine) MACHINE=${2:-}; shift 2 || die "--machine needs a value" ;;
		--machine=*) MACHINE=${1#--machine=}; shift ;;
		--kernel) KERNEL_FLAVOUR=${2:-}; shift 2 || die "--kernel needs a value" ;;
		--kernel=*) KERNEL_FLAVOUR=${1#--kernel=}; shift ;;
		*) echo "qemu: unknown argument '$1' (see --help)" >&2; exit 2 ;;
		esac
	done
	case "$MACHINE" in virt|raspi2b) ;; *) die "unsupported machine '$MACHINE' (virt or raspi2b)" ;; esac
	case "$KERNEL_FLAVOUR" in
	armmp) KC=$C ;;
	rt) KC=$TOP/.cache/arm-rt ;;
	debug) KC=$TOP/.cache/arm-debug ;;
	*) die "unknown kernel '$KERNEL_FLAVOUR' (armmp, rt or debug)" ;;
	esac
	[ "$KERNEL_FLAVOUR" = armmp ] || [ "$MACHINE" = virt ] || die "--kernel $KERNEL_FLAVOUR is for -M virt only"
fi

running() {
	[ -s "$RUN/qemu.pid" ] || return 1
	PID=$(cat "$RUN/qemu.pid")
	kill -0 "$PID" 2>/dev/null && grep -q qemu-system "/proc/$PID/cmdline" 2>/dev/null
}
SSHOPT=(-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o ConnectTimeout=5 -o LogLevel=ERROR -i "$KEY")
gssh() { # shellcheck disable=SC1090
	. "$STATE"; ssh "${SSHOPT[@]}" -p "$PORT" root@127.0.0.1 "$@"; }

case "$CMD" in
status)
	if running; then
		# shellcheck disable=SC1090
		. "$STATE"
		echo "qemu: running, pid $PID, ssh root@127.0.0.1 -p $PORT"
		exit 0
	fi
	echo "qemu: not running"
	exit 3 ;;
ssh)
	running || die "guest not running (scripts/qemu.sh start)"
	gssh "$@"
	exit ;;
stop)
	if running; then
		kill "$PID"
		for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$PID" 2>/dev/null && kill -9 "$PID"
		echo "qemu: stopped pid $PID"
	else
		echo "qemu: not running"
	fi
	rm -f "$RUN/qemu.pid" "$STATE"
	exit 0 ;;
esac

# start
if running; then
	echo "qemu: already running (pid $PID)"
	exit 0
fi
KERNEL=$KC/vmlinuz
INITRD=$KC/guest/initramfs.cpio.gz
[ -e "$KERNEL" ] || die "no kernel $KERNEL: run scripts/prepare-kernel.sh (or build-debug-kernel.sh)"
[ -e "$INITRD" ] || die "no initramfs $INITRD: run scripts/build-guest.sh"
[ -e "$KEY" ] || die "no ssh key $KEY: run scripts/build-guest.sh"
command -v qemu-system-arm >/dev/null || die "qemu-system-arm missing: run scripts/install-deps.sh"
mkdir -p "$RUN"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
NET="user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:$PORT-:22"
APPEND="console=ttyAMA0 loglevel=7 printk.devkmsg=on"
if [ "$MACHINE" = raspi2b ]; then
	# 4 cores and 1 GiB are fixed by the board; the network is a USB device on dwc2, and
	# dropbear needs entropy early: credit the bcm2835 hwrng fully.
	QOPT=(-M raspi2b -netdev "$NET" -device usb-net,netdev=net0)
	APPEND="$APPEND rng_core.default_quality=1000"
	BASE=$C/dtbs/bcm2836-rpi-2-b.dtb
	[ -e "$BASE" ] || die "no $BASE: run scripts/prepare-kernel.sh"
	# The mainline DT hogs GPIO4-11 (alt0) and GPIO18-21 (i2s_alt0) in the gpio node's own
	# pinctrl-0 (the Raspberry Pi firmware's DT does not): pbus-host's RESET (5) and D2-D5
	# would be refused ("pin gpio18 already requested"). Keep only the gpioout hog (GPIO6).
	cp "$BASE" "$RUN/rpi2b.dtb"
	BASE=$RUN/rpi2b.dtb
	g=$(fdtget "$BASE" /__symbols__ gpio) && o=$(fdtget "$BASE" /__symbols__ gpioout) &&
		fdtput -t u "$BASE" "$g" pinctrl-0 "$(fdtget -t u "$BASE" "$o" phandle)" ||
		die "cannot drop the gpio pin hogs of $BASE"
	ovl=${RPI_OVERLAY:-pbus-host}
	case "$ovl" in */*|*.dts) ;; *) ovl=$TOP/dts/overlays/$ovl-overlay.dts ;; esac
	[ -e "$ovl" ] || die "no overlay $ovl"
	DTSO=$ovl
	TIMEOUT=300
else
	# The debug kernel's KASAN shadow (1/8), lockdep and kmemleak want more memory and time.
	MEM=512 TIMEOUT=120
	if [ "$KERNEL_FLAVOUR" = debug ]; then
		MEM=1024 TIMEOUT=600
		# Only emergencies on the serial console: printk from hard IRQ context (hrtimer's
		# "interrupt took" under TCG, a driver's ratelimited error) would take the PL011's
		# spinlock_t port lock there, which PROVE_RAW_LOCK_NESTING reports as an invalid
		# wait context of the console, not of the caller, and lockdep turns itself off.
		# The log is read with dmesg instead (a large buffer).
		APPEND="${APPEND/loglevel=7/loglevel=1} log_buf_len=8M"
	fi
	QOPT=(-M virt -cpu cortex-a15 -m "$MEM" -smp 2
		-netdev "$NET" -device virtio-net-device,netdev=net0 -device virtio-rng-device)
	# Device tree: the virt machine's own, plus our overlays (the kernel has no OF_OVERLAY).
	qemu-system-arm "${QOPT[@]}" -machine dumpdtb="$RUN/virt.dtb" -display none >/dev/null 2>&1 ||
		die "could not dump the virt dtb"
	BASE=$RUN/virt.dtb
	# QEMU_DTSO="a.dtso b.dtso" selects overlays (default: all of dts/qemu, in name order)
	DTSO=${QEMU_DTSO:-"$TOP"/dts/qemu/*.dtso}
fi
DTB=$BASE
OVL=()
for s in $DTSO; do
	[ -e "$s" ] || continue
	o=$RUN/$(basename "${s%.dts*}").dtbo
	dtc -q -@ -I dts -O dtb -o "$o" "$s" || die "dtc failed on $s"
	OVL+=("$o")
done
if [ ${#OVL[@]} -gt 0 ]; then
	fdtoverlay -i "$BASE" -o "$RUN/guest.dtb" "${OVL[@]}" ||
		die "fdtoverlay failed on ${OVL[*]##*/} (labels must exist in the overlays before)"
	DTB=$RUN/guest.dtb
fi
# QEMU_DT_DELETE="label:prop ...": delete properties after the overlays (a board
# variant, e.g. pbus_master0:reset-gpios for a bus without a reset line)
for lp in ${QEMU_DT_DELETE:-}; do
	[ "$DTB" = "$RUN/guest.dtb" ] || { cp "$DTB" "$RUN/guest.dtb"; DTB=$RUN/guest.dtb; }
	node=$(fdtget "$DTB" /__symbols__ "${lp%%:*}") || die "QEMU_DT_DELETE: no label ${lp%%:*}"
	fdtput -d "$DTB" "$node" "${lp#*:}" || die "QEMU_DT_DELETE: cannot delete $lp"
done
# QEMU_DT_SET="label:prop=value ...": set a one-cell property (a slower lane's timeout,
# e.g. pbus_master0:pbus,timeout-us=50000 for the debug kernel)
for lpv in ${QEMU_DT_SET:-}; do
	lp=${lpv%%=*}
	case "$lpv" in *=*) ;; *) die "QEMU_DT_SET: '$lpv' is not label:prop=value" ;; esac
	[ "$DTB" = "$RUN/guest.dtb" ] || { cp "$DTB" "$RUN/guest.dtb"; DTB=$RUN/guest.dtb; }
	node=$(fdtget "$DTB" /__symbols__ "${lp%%:*}") || die "QEMU_DT_SET: no label ${lp%%:*}"
	fdtput -t u "$DTB" "$node" "${lp#*:}" "${lpv#*=}" || die "QEMU_DT_SET: cannot set $lpv"
done

rm -f "$RUN/console.log" "$RUN/qemu.pid"
APPEND="$APPEND${QEMU_APPEND:+ $QEMU_APPEND}"
qemu-system-arm "${QOPT[@]}" -kernel "$KERNEL" -initrd "$INITRD" -dtb "$DTB" \
	-append "$APPEND" \
	-display none -monitor none -serial "file:$RUN/console.log" \
	-pidfile "$RUN/qemu.pid" -daemonize || die "qemu failed to start"
printf 'PORT=%s\nKEY=%s\nTARGET=root@127.0.0.1\nDTB=%s\nMACHINE=%s\nKERNEL_FLAVOUR=%s\n' "$PORT" "$KEY" "$DTB" "$MACHINE" \
	"$KERNEL_FLAVOUR" >"$STATE"
running || die "qemu exited at once; see $RUN/console.log"

fail() { "$0" stop >/dev/null; die "$*"; }
t0=$SECONDS
until grep -q 'pbus-guest: ready' "$RUN/console.log" 2>/dev/null; do
	running || fail "guest died during boot; see $RUN/console.log"
	grep -q 'Kernel panic' "$RUN/console.log" && fail "kernel panic during boot; see $RUN/console.log"
	[ $((SECONDS - t0)) -lt $TIMEOUT ] || fail "no ready line after $TIMEOUT s; see $RUN/console.log"
	sleep 0.5
done
until gssh true 2>/dev/null; do
	[ $((SECONDS - t0)) -lt $((TIMEOUT + 60)) ] || fail "guest ready but ssh on port $PORT fails; see $RUN/console.log"
	sleep 0.5
done
echo "qemu: $MACHINE ($KERNEL_FLAVOUR) guest up in $((SECONDS - t0)) s (pid $(cat "$RUN/qemu.pid"), ssh root@127.0.0.1 -p $PORT, log $RUN/console.log)"

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# pbus-doctor (tools/pbus-doctor): the target as deployed must be ready (exit 0), and each
# broken input built here in a temp dir gives exactly its own one-line message and exit 1:
# a config without REMOTEPROC, a module copy whose vermagic names another kernel, a device
# tree without the overlay, a firmware dir without the image, a line held by another user.
. "$(dirname "$0")/lib.sh"

DOC=$(command -v pbus-doctor 2>/dev/null) || DOC=$(dirname "$0")/../../../bin/pbus-doctor
[ -x "$DOC" ] || skip_all "pbus-doctor not installed (scripts/deploy.sh)"
KREL=$(uname -r)
T=$(mktemp -d /tmp/pbus-doctor-test.XXXXXX) || exit 1
trap 'rm -rf "$T"; [ -z "${GPIOSET:-}" ] || kill "$GPIOSET" 2>/dev/null' EXIT
dmesg_mark
grep -q '^pbus ' /proc/modules && unload_modules pbus_rproc pbus_remote pbus_rpmsg pbus
# the QEMU virt guest wires pbus to the simulated cable: its gpiochips must exist
if grep -rqs 'pbus,test-cable' /proc/device-tree/*/compatible /proc/device-tree/*/*/compatible; then
	load_modules pbus_cable || diag "pbus_cable did not load"
fi

# doc NAME ARGS...: run the doctor quietly, output in $T/NAME.out, status in $RC
doc() { n=$1; shift; "$DOC" --quiet "$@" >"$T/$n.out" 2>&1; RC=$?; }
# expect NAME STATUS PATTERN DESC: exit status and a line matching PATTERN
expect() {
	if [ "$RC" = "$2" ] && grep -q -- "$3" "$T/$1.out"; then ok "$4"
	else not_ok "$4 (status $RC, want $2; output: $(tr '\n' '|' <"$T/$1.out"))"; fi
}

# 1. the deployed target is ready
doc good
if [ "$RC" = 0 ] && [ ! -s "$T/good.out" ]; then ok "target ready: pbus-doctor exits 0, prints nothing with --quiet"
else not_ok "target ready (status $RC: $(tr '\n' '|' <"$T/good.out"))"; fi

# 2. kernel config without REMOTEPROC (the running kernel's config minus that line)
CFG=/boot/config-$KREL
[ -r "$CFG" ] || { zcat /proc/config.gz >"$T/running.config" 2>/dev/null && CFG=$T/running.config; }
if [ -r "$CFG" ]; then
	sed '/^CONFIG_REMOTEPROC=/d' "$CFG" >"$T/noremoteproc.config"
	doc noremoteproc --config "$T/noremoteproc.config"
	expect noremoteproc 1 'FAIL config: CONFIG_REMOTEPROC is unset.*scripts/build-rpi-kernel.sh' \
		"config without REMOTEPROC: its own message pointing to build-rpi-kernel.sh, exit 1"
	sed -e '/^CONFIG_REMOTEPROC=/d' -e 's/^CONFIG_RPMSG_CHAR=.*/# CONFIG_RPMSG_CHAR is not set/' \
		"$CFG" >"$T/two.config"
	doc two --config "$T/two.config"
	expect two 2 'FAIL config: .* lacks CONFIG_RPMSG_CHAR=m(unset)' \
		"config also without RPMSG_CHAR: a second line naming it, exit 2"
else
	skip "no kernel config on this target (/boot/config-$KREL, /proc/config.gz)"
	skip "no kernel config on this target"
fi

# 3. a module built for another kernel: a copy of the deployed pbus.ko whose vermagic
#    string names another release of the same length (every digit changed)
KO=$(find "/lib/modules/$KREL" -name pbus.ko 2>/dev/null | head -n1)
if [ -n "$KO" ]; then
	OTHER=$(echo "$KREL" | tr 0-9 9876543210)
	mkdir -p "$T/mods"
	sed "s/$KREL/$OTHER/g" "$KO" >"$T/mods/pbus.ko"
	assert_eq "the copy's vermagic names $OTHER" "$OTHER" "$(modinfo -F vermagic "$T/mods/pbus.ko" | cut -d' ' -f1)"
	doc vermagic --modules "$T/mods"
	expect vermagic 1 "FAIL modules: pbus.ko is built for $OTHER but this kernel is $KREL" \
		"module with a wrong vermagic: named with both releases, exit 1"
else
	skip "no deployed pbus.ko"; skip "no deployed pbus.ko"
fi

# 4. overlay not applied: a device tree with a gpio controller and no pbus node; with a
#    pbus,remoteproc node whose firmware-name is not installed, that is a second failure
mkdir -p "$T/dt/soc/gpio@7e200000" "$T/dt/rproc"
printf 'brcm,bcm2835-gpio\000' >"$T/dt/soc/gpio@7e200000/compatible"
printf 'Raspberry Pi 2 Model B\000' >"$T/dt/model"
doc nooverlay --dt "$T/dt"
expect nooverlay 1 'FAIL overlay: no pbus,gpio-master or pbus,gpio-slave node.*dtoverlay=pbus-host' \
	"device tree without the overlay: its message, exit 1"
printf 'pbus,remoteproc\000' >"$T/dt/rproc/compatible"
printf 'other-fw.elf\000' >"$T/dt/rproc/firmware-name"
doc fwname --dt "$T/dt"
expect fwname 2 'FAIL firmware: /lib/firmware/other-fw.elf is missing' \
	"firmware-name from the DT is the file looked for"

# 5. firmware dir without the image
mkdir -p "$T/fw"
doc nofw --firmware-dir "$T/fw"
expect nofw 1 "FAIL firmware: $T/fw/pbus-remote-fw.elf is missing" "missing firmware: its message, exit 1"

# 6. a pbus line held by someone else (Raspberry Pi: GPIO17 = D1 of pbus-host)
if grep -q 'Raspberry Pi' /proc/device-tree/model 2>/dev/null && command -v gpioset >/dev/null &&
   [ -d /proc/device-tree/pbus0 ]; then
	gpioset -m signal gpiochip0 17=0 &
	GPIOSET=$!
	wait_for 5 sh -c 'gpioinfo gpiochip0 | grep -q "line  17:.*gpioset"'
	doc busy
	expect busy 1 'FAIL pins: pbus0: lines already in use before pbus is loaded: gpiochip0:17(data)="gpioset"' \
		"a pbus line held by gpioset: named with its consumer, exit 1"
	kill "$GPIOSET"; wait "$GPIOSET" 2>/dev/null; GPIOSET=
else
	skip "line-conflict case needs the Raspberry Pi target (pbus-host overlay) and gpioset"
fi

# 7. bad usage is not a count of failures
"$DOC" --bogus >"$T/usage.out" 2>&1; RC=$?
expect usage 125 "unknown argument '--bogus'" "unknown option: one-line reason, exit 125"

unload_modules
dmesg_clean
finish

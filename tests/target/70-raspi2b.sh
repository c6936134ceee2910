#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# pbus on the emulated Raspberry Pi 2 (scripts/qemu.sh start --machine raspi2b): the master of
# the pbus-host overlay probes on the real pinctrl-bcm2835 lines, reports the (absent) remote
# cleanly, a read fails with ENOTCONN/ETIMEDOUT in bounded time, the lines are held as the
# overlay says while loaded and free again after a clean unload. Skipped elsewhere.
. "$(dirname "$0")/lib.sh"

grep -q 'Raspberry Pi 2' /proc/device-tree/model 2>/dev/null || skip_all "not the raspi2b machine"
N=/proc/device-tree/pbus0
[ -d "$N" ] || skip_all "no pbus0 node: the guest was not booted with the pbus-host overlay"
command -v gpioinfo >/dev/null || skip_all "no gpioinfo (libgpiod tools)"
DEV=/dev/pbus/pbus0
T=$(mktemp -d /tmp/pbus-rpi.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
grep -q '^pbus ' /proc/modules && unload_modules pbus_rproc pbus_remote pbus_rpmsg pbus

# the overlay's lines, from the DT itself: "PROP LINE" (cells: phandle line flags)
for p in data rw strobe ack irq reset; do
	[ -f "$N/$p-gpios" ] || continue
	od -An -v -tu1 "$N/$p-gpios" | awk -v p="$p" '{ for (i = 1; i <= NF; i++) b[n++] = $i }
		END { for (i = 0; i + 11 < n; i += 12) print p, b[i+7] + 256 * b[i+6] }'
done >"$T/lines"
assert_eq "overlay names 13 lines (D0-D7 RW STROBE ACK IRQ RESET)" 13 "$(wc -l <"$T/lines")"
assert_eq "data lines are GPIO16-23 (pbus-host defaults)" "16 17 18 19 20 21 22 23" \
	"$(awk '$1 == "data" { printf "%s%s", s, $2; s = " " }' "$T/lines")"
gpiodetect >"$T/chips"
if grep -q 'gpiochip0 \[pinctrl-bcm2835\] (54 lines)' "$T/chips"; then ok "gpiochip0 is pinctrl-bcm2835, 54 lines"
else not_ok "gpiochip0 is pinctrl-bcm2835 ($(tr '\n' ' ' <"$T/chips"))"; fi

# consumers LABEL: the lines whose gpioinfo consumer differs from what LABEL expects
# (LABEL "free": unused; "pbus": the property name, e.g. "data")
consumers() {
	gpioinfo gpiochip0 >"$T/info"
	while read -r p l; do
		c=$(awk -v l="$l:" '$1 == "line" && $2 == l { print ($0 ~ /\[used/ ? $4 : "unused"); exit }' "$T/info" | tr -d '"')
		w=unused; [ "$1" = pbus ] && w=$p
		[ "$c" = "$w" ] || echo "GPIO$l($p)=$c"
	done <"$T/lines"
}
assert_eq "before loading, every pbus line is free" "" "$(consumers free | tr '\n' ' ')"

dmesg_mark
if load_modules pbus && wait_for 10 test -c "$DEV"; then ok "pbus loads, $DEV appears"
else not_ok "pbus loads and $DEV appears"; fi
if wait_for 10 sh -c "dmesg | sed -n '/$T_MARK/,\$p' | grep -q 'pbus-master pbus0: remote absent (-[0-9]*); retrying on first use'"; then
	ok "master probed and reported the remote absent: $(dmesg_since | grep -m1 'remote absent' | sed 's/^\[[^]]*\] //')"
else
	not_ok "no 'remote absent' line from pbus-master pbus0 ($(dmesg_since | grep -i pbus | tail -3 | tr '\n' '|'))"
fi
assert_eq "loaded, every line is held by pbus under its DT name (data, rw, strobe, ack, irq, reset)" "" \
	"$(consumers pbus | tr '\n' ' ')"

# a read with nobody at the other end: ENOTCONN or ETIMEDOUT, never a hang
t0=$(date +%s)
timeout 60 dd if="$DEV" of=/dev/null bs=16 count=1 2>"$T/err"
rc=$?
dt=$(($(date +%s) - t0))
if [ $rc = 1 ] && grep -qE 'Transport endpoint is not connected|Connection timed out' "$T/err" && [ $dt -le 30 ]; then
	ok "read fails cleanly in ${dt} s: $(tail -n1 "$T/err")"
else
	not_ok "read fails with ENOTCONN/ETIMEDOUT within 30 s (status $rc after ${dt} s: $(tr '\n' ' ' <"$T/err"))"
fi
if command -v pbus-doctor >/dev/null; then
	out=$(pbus-doctor --quiet 2>&1); rc=$?
	assert_eq "pbus-doctor with pbus loaded: ready (pins held by pbus)" "0:" "$rc:$out"
else
	skip "pbus-doctor not installed"
fi

unload_modules
if grep -q '^pbus ' /proc/modules; then not_ok "pbus unloads"; else ok "pbus unloads"; fi
assert_eq "after unloading, every pbus line is free again" "" "$(consumers free | tr '\n' ' ')"
dmesg_clean
finish

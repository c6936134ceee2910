# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh
# Helpers of the bus tests on the test cable (POSIX sh, busybox), after lib.sh:
#   . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/cable-lib.sh"
# Sets DEV (PBUS_DEV, default /dev/pbus/pbus0), CBL (the cable's debugfs),
# SLV (the slave end's debugfs) and PBUSCTL (PBUSCTL, or found); skips the
# test without pbusctl, or when a module that would share the bus is loaded.

DEV=${PBUS_DEV:-/dev/pbus/pbus0}
CBL=/sys/kernel/debug/pbus-cable/pbus-cable
SLV=/sys/kernel/debug/pbus/remote0
PBUSCTL=${PBUSCTL:-$(find_tool pbusctl)}
[ -n "$PBUSCTL" ] || skip_all "no pbusctl"
for m in pbus_rproc pbus_remote pbus_rpmsg; do
	! grep -q "^$m " /proc/modules || skip_all "$m is loaded (it would share the bus)"
done

pc() { "$PBUSCTL" -d "$DEV" "$@"; }
# mstat KEY: master counter (PBUS_IOC_STATS); cstat: cable; sstat: slave end
mstat() { pc stats 2>/dev/null | sed -n "s/^$1 //p"; }
cstat() { sed -n "s/^$1 //p" "$CBL/stats"; }
sstat() { sed -n "s/^$1 //p" "$SLV/stats"; }

# find_chip side-a|side-b: the gpiochip name of one side of the cable
find_chip() {
	for d in /sys/bus/gpio/devices/gpiochip*; do
		case "$(readlink "$d/of_node" 2>/dev/null)" in
		*/pbus-cable/"$1") basename "$d"; return 0 ;;
		esac
	done
	return 1
}

# need_gpio_tools: skip without libgpiod's tools, else define
#   gpio_set CHIP LINE=VALUE...: drive lines (released when it returns)
#   gpio_get CHIP LINE: print the line's value
need_gpio_tools() {
	command -v gpioset >/dev/null 2>&1 || skip_all "no libgpiod tools"
	if gpioset --version 2>/dev/null | grep -q 'v1\.'; then
		gpio_set() { c=$1; shift; gpioset "$c" "$@"; }
		gpio_get() { gpioget "$1" "$2"; }
	else
		gpio_set() { c=$1; shift; gpioset -t 0 -c "$c" "$@"; }
		gpio_get() { gpioget --numeric -c "$1" "$2"; }
	fi
}

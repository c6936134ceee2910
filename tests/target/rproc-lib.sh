# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh
# Helpers of the remoteproc target tests (POSIX sh, busybox), after lib.sh:
#   . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/rproc-lib.sh"
# RP (the remoteproc's sysfs directory) is set by the caller from find_rproc;
# RECOVER_S bounds recovered_after; REMOTE_DBG, if set, is pbus_remote's
# debugfs directory (default: searched under /sys/kernel/debug).

# find_rproc: print the sysfs directory of the pbus remoteproc
find_rproc() {
	for r in /sys/class/remoteproc/remoteproc*; do
		[ -e "$r/device/driver" ] || continue
		[ "$(basename "$(readlink "$r/device/driver")")" = pbus-rproc ] &&
			echo "$r" && return 0
	done
	return 1
}

state() { cat "$RP/state" 2>/dev/null; }
state_is() { [ "$(state)" = "$1" ]; }
rp_start() { echo start > "$RP/state" 2>/dev/null; }
rp_stop() { echo stop > "$RP/state" 2>/dev/null; }

# drop_dumps: delete every pending devcoredump
drop_dumps() {
	for d in /sys/class/devcoredump/devcd*/data; do
		[ -e "$d" ] && echo 1 > "$d" 2>/dev/null
	done
	return 0
}

# dump_of_rproc: print the data file of a devcoredump of our remoteproc
dump_of_rproc() {
	for c in /sys/class/devcoredump/devcd*; do
		[ -e "$c/failing_device" ] || continue
		[ "$(basename "$(readlink "$c/failing_device")")" = \
		  "$(basename "$RP")" ] && echo "$c/data" && return 0
	done
	return 1
}

# remote_dbg FILE: print the path of pbus_remote's debugfs FILE
remote_dbg() {
	if [ -n "$REMOTE_DBG" ]; then
		[ -e "$REMOTE_DBG/$1" ] && echo "$REMOTE_DBG/$1"
		return
	fi
	find /sys/kernel/debug -name "$1" 2>/dev/null |
		grep -v '/remoteproc/' | grep -i 'remote' | head -1
}

# recovered_after: a crash was reported since dmesg_mark, running again
recovered_after() {
	wait_for "$RECOVER_S" sh -c "dmesg | sed -n '/$T_MARK/,\$p' | grep -q 'crash detected'" &&
		wait_for "$RECOVER_S" state_is running
}


# chan NAME: an rpmsg device of channel NAME exists
chan() { ls -d /sys/bus/rpmsg/devices/*."$1".* >/dev/null 2>&1; }
no_chan() { ! chan "$1"; }

# load_rpmsg_stack: the kernel's rpmsg modules, then the pbus ones with the
# transport (rpmsg_tty where the kernel has it); skips the test without them
load_rpmsg_stack() {
	[ -d /sys/class/remoteproc ] || skip_all "no remoteproc class in this kernel"
	command -v rpmsg-echo >/dev/null ||
		skip_all "rpmsg-echo helper not installed (make tools, deploy)"
	load_modules rpmsg_ns virtio_rpmsg_bus rpmsg_char rpmsg_ctrl ||
		skip_all "no virtio rpmsg in this kernel"
	load_modules pbus_cable pbus pbus_remote pbus_rproc pbus_rpmsg ||
		skip_all "pbus modules do not load"
	modprobe rpmsg_tty 2>/dev/null && T_LOADED="rpmsg_tty $T_LOADED"
	return 0
}

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# pbus_rproc halts a crashed or hung remote with what the bus has: a RESET
# pulse where there is a reset line, a STOP through the control block where
# there is none (reset-gpios is optional). Either way: no "resetting the
# remote failed", and once halted nothing the remote ran is left running.
# make check runs it twice: on the test DT (reset line) and on a guest
# booted with the master's reset-gpios deleted (QEMU_DT_DELETE). TAP.
#
# The remote's own state is read from pbus_remote's debugfs and its service
# threads (pbus-rp-*) from ps: this needs both ends in one guest (the cable).
#
# Env: RPROC_RECOVER_S (default 10), FW_SRC as in 50-rproc.sh.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/rproc-lib.sh"

RECOVER_S=${RPROC_RECOVER_S:-10}
GOOD=pbus-remote-fw.elf
FWDIR=/lib/firmware

# remote_threads: the number of pbus_remote service threads alive
remote_threads() { ps | grep -c '\[pbus-rp-[h]b\]\|\[pbus-rp-[t]race\]'; }
remote_state() { cat "$(remote_dbg state)" 2>/dev/null; }
reset_failures() { dmesg_since | grep -c 'reset.*failed\|no reset line'; }

[ -d /sys/class/remoteproc ] || skip_all "no remoteproc class in this kernel"
load_modules pbus_cable pbus pbus_remote pbus_rproc ||
	skip_all "pbus modules do not load"
[ -n "$(remote_dbg hang)" ] || skip_all "no pbus_remote debugfs (remote not in this guest)"

if grep -q '^reset_line 1' /sys/kernel/debug/pbus/pbus0/info 2>/dev/null; then
	how=reset
else
	how=stop
fi
diag "the master has $( [ $how = reset ] && echo a || echo no ) reset line: halts by $how"

src=${FW_SRC:-$(dirname "$0")/../../firmware}
[ -f "$src/$GOOD" ] && [ "$(cd "$src" && pwd)" != "$FWDIR" ] &&
	mkdir -p "$FWDIR" && cp "$src/$GOOD" "$FWDIR/"
wait_for 5 find_rproc || { not_ok "pbus remoteproc registered"; finish; }
RP=$(find_rproc)
echo enabled > "$RP/recovery"
echo "$GOOD" > "$RP/firmware"

dmesg_mark
if rp_start && state_is running; then ok "boot: running"; else
	not_ok "boot: running (state $(state))"; finish; fi

# A crash reported by the remote (IRQ): recovered, no failed reset.
dmesg_mark
echo 1 > "$(remote_dbg crash)"
if recovered_after; then ok "crash -> recovered (halt by $how)"; else
	not_ok "crash -> recovered (state $(state))"; fi
assert_eq "crash: no failed or impossible reset in the log" 0 "$(reset_failures)"

# A hang (services alive, heartbeat stuck): the watchdog recovers it.
dmesg_mark
echo 1 > "$(remote_dbg hang)"
if recovered_after; then ok "hang -> watchdog -> recovered (halt by $how)"; else
	not_ok "hang -> watchdog -> recovered (state $(state))"; fi
assert_eq "hang: no failed or impossible reset in the log" 0 "$(reset_failures)"
drop_dumps

# A hang whose recovery cannot reload (the firmware file is gone): the
# remote is halted before the reload, so it must be offline with no service
# thread left, not hung with its threads still running.
mv "$FWDIR/$GOOD" "$FWDIR/$GOOD.away"
dmesg_mark
echo 1 > "$(remote_dbg hang)"
if wait_for "$RECOVER_S" sh -c "dmesg | sed -n '/$T_MARK/,\$p' | grep -q 'request_firmware failed\|Direct firmware load.*failed'"; then
	ok "hang with the firmware gone: recovery gave up on the reload"
else
	not_ok "hang with the firmware gone: recovery gave up on the reload (state $(state))"
fi
wait_for 3 sh -c "[ \"\$(cat '$(remote_dbg state)')\" = offline ]"
assert_eq "halted remote reports offline" offline "$(remote_state)"
assert_eq "no remote service thread left running" 0 "$(remote_threads)"
assert_eq "halt: no failed or impossible reset in the log" 0 "$(reset_failures)"
mv "$FWDIR/$GOOD.away" "$FWDIR/$GOOD"
drop_dumps

dmesg_clean
finish

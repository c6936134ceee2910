#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Target test of the rpmsg mailboxes and services of the remote processor
# (pbus_remote.ko), driven over the bus from user space the way the host's
# rpmsg transport drives them, without that transport: boot the firmware,
# write MBOX_CTRL = HOST_READY, read the name-service announcements from
# the outbox, post messages into the inbox and read the echoes back, the
# bridge device on the remote, flow control on both rings (inbox full,
# outbox full), malformed slots dropped and counted, ring reset on STOP,
# crash and the RESET line, and an image reaching into the mailboxes
# refused. TAP, POSIX sh.
#
# Needs: the DT nodes of dts/qemu/pbus-cable-test.dtso and
# dts/qemu/pbus-remote-test.dtso, pbusctl, pbus-remote-fw.elf (make -C
# firmware) in $PBUS_FW_DIR, debugfs, od, dd, cmp.
# Environment: PBUS_DEV (default /dev/pbus/pbus0), PBUSCTL (default: in
# PATH or tools/), PBUS_FW_DIR (default /lib/firmware, then ../../firmware).

. "$(dirname "$0")/lib.sh"

DEV=${PBUS_DEV:-/dev/pbus/pbus0}
here=$(cd "$(dirname "$0")" && pwd)
PBUSCTL=${PBUSCTL:-$(find_tool pbusctl)}
if [ -z "$PBUS_FW_DIR" ]; then
	for d in /lib/firmware "$here/../../firmware"; do
		[ -f "$d/pbus-remote-fw.elf" ] && PBUS_FW_DIR=$d && break
	done
fi
FW=$PBUS_FW_DIR/pbus-remote-fw.elf

[ -n "$PBUSCTL" ] || skip_all "no pbusctl"
[ -f "$FW" ] || skip_all "no pbus-remote-fw.elf (make -C firmware, deploy)"

# Register offsets (include/linux/pbus-remote.h), from 0xffff0100.
RP_CONTROL=0x04 RP_STATUS=0x08 RP_BOOT_ADDR=0x0c RP_RSC_ADDR=0x10
RP_RSC_SIZE=0x14 RP_ERROR=0x1c
MB_CTRL=0x100 MB_SLOT_SIZE=0x104 MB_IN_ADDR=0x108 MB_IN_SLOTS=0x10c
MB_IN_HEAD=0x110 MB_IN_TAIL=0x114 MB_OUT_ADDR=0x118 MB_OUT_SLOTS=0x11c
MB_OUT_HEAD=0x120 MB_OUT_TAIL=0x124
ST_OFFLINE=0 ST_RUNNING=2 ST_CRASHED=3 ST_ERROR=4
IRQ_STATUS=0xffff0010 IRQ_VRING=1
EPT_ECHO=1024 EPT_SAMPLE=1025 EPT_RAW=1026 EPT_TTY=1027 EPT_BRIDGE=1028
BRIDGE=/dev/pbus-rpmsg-bridge0

T=$(mktemp -d /tmp/pbus-rpmsg.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT INT TERM

# peek32 ADDR: the little-endian word at ADDR, in decimal
peek32() {
	# shellcheck disable=SC2046
	set -- $("$PBUSCTL" -d "$DEV" peek "$1" 4 2>/dev/null)
	[ $# -eq 5 ] || return 1
	echo $((0x$5 << 24 | 0x$4 << 16 | 0x$3 << 8 | 0x$2))
}

# poke32 ADDR VALUE
poke32() {
	"$PBUSCTL" -d "$DEV" poke "$1" $(($2 & 255)) $(($2 >> 8 & 255)) \
		$(($2 >> 16 & 255)) $(($2 >> 24 & 255)) >/dev/null 2>&1
}

rd() { peek32 $((0xffff0100 + $1)); }
wr() { poke32 $((0xffff0100 + $1)) "$2"; }
is() { [ "$(rd "$1")" = "$2" ]; }
at_least() { v=$(rd "$1") && [ "$v" -ge "$2" ]; }
status_is() { is $RP_STATUS "$1"; }
wait_status() { wait_for 10 status_is "$1"; }
wait_reg() { wait_for "${3:-5}" is "$1" "$2"; }

# u32 FILE OFFSET / u16 FILE OFFSET: little-endian field of a file
u32() { od -An -v -j "$2" -N4 -tu4 "$1" | tr -d ' '; }
u16() { od -An -v -j "$2" -N2 -tu2 "$1" | tr -d ' '; }

# bin16 V / bin32 V: V as little-endian bytes
oct() { printf '\\%03o' "$(($1 & 255))"; }
# shellcheck disable=SC2059 # the format is the bytes
bin16() { printf "$(oct "$1")$(oct $(($1 >> 8)))"; }
# shellcheck disable=SC2059
bin32() { printf "$(oct "$1")$(oct $(($1 >> 8)))$(oct $(($1 >> 16)))$(oct $(($1 >> 24)))"; }

# mkslot FILE SRC DST PAYLOAD [SLOT_LEN [HDR_LEN [RESERVED]]]: one inbox slot
mkslot() {
	n=${#4}
	{
		bin16 "${5:-$((16 + n))}"; bin16 "${7:-0}"
		bin32 "$2"; bin32 "$3"; bin32 0; bin16 "${6:-$n}"; bin16 0
		printf '%s' "$4"
	} > "$1"
}

# post FILE: write FILE into the next inbox slot, bump IN_HEAD
post() {
	h=$(rd $MB_IN_HEAD) &&
	"$PBUSCTL" -d "$DEV" load $((IN_A + h % SLOTS * SLOT)) "$1" >/dev/null &&
	wr $MB_IN_HEAD $((h + 1))
}

# post_msg SRC DST PAYLOAD: post a well-formed message
post_msg() { mkslot "$T/slot" "$1" "$2" "$3" && post "$T/slot"; }

# out_slot INDEX: outbox slot INDEX (free-running) into $T/out, its
# fields into O_LEN O_SRC O_DST O_HLEN, the payload into $T/out.data
out_slot() {
	"$PBUSCTL" -d "$DEV" dump $((OUT_A + $1 % SLOTS * SLOT)) "${2:-80}" \
		"$T/out" >/dev/null 2>&1 || return 1
	O_LEN=$(u16 "$T/out" 0) O_RES=$(u16 "$T/out" 2)
	O_SRC=$(u32 "$T/out" 4) O_DST=$(u32 "$T/out" 8) O_HLEN=$(u16 "$T/out" 16)
	dd if="$T/out" of="$T/out.data" bs=1 skip=20 count="$O_HLEN" 2>/dev/null
}

# counter NAME: a counter of debugfs mbox
counter() { sed -n "s/^$1: //p" "$DBG/mbox"; }

# expect_echo SRC DST PAYLOAD: post, the echo arrives in the outbox
expect_echo() {
	oh=$(rd $MB_OUT_HEAD)
	post_msg "$1" "$2" "$3"
	if ! wait_reg $MB_OUT_HEAD $((oh + 1)); then
		not_ok "echo from $2: OUT_HEAD $(rd $MB_OUT_HEAD), expected $((oh + 1))"
		return
	fi
	out_slot "$oh" $((20 + ${#3}))
	printf '%s' "$3" > "$T/want"
	if [ "$O_SRC $O_DST $O_HLEN $O_LEN" = "$2 $1 ${#3} $((16 + ${#3}))" ] &&
	   cmp -s "$T/want" "$T/out.data"; then
		ok "echo from $2 to $1: '$3'"
	else
		not_ok "echo from $2 to $1: got src $O_SRC dst $O_DST len $O_HLEN/$O_LEN '$(cat "$T/out.data")'"
	fi
	wr $MB_OUT_TAIL $((oh + 1))
}

# rsc_of ELF: "ADDR SIZE" of its .resource_table (identity-mapped image)
rsc_of() {
	shoff=$(u32 "$1" 32) shnum=$(u16 "$1" 48) shstrndx=$(u16 "$1" 50)
	stroff=$(u32 "$1" $((shoff + shstrndx * 40 + 16)))
	i=0
	while [ "$i" -lt "$shnum" ]; do
		sh=$((shoff + i * 40))
		name=$(dd if="$1" bs=1 skip=$((stroff + $(u32 "$1" "$sh"))) \
			count=15 2>/dev/null | tr -d '\000')
		if [ "$name" = ".resource_table" ]; then
			echo "$(u32 "$1" $((sh + 12))) $(u32 "$1" $((sh + 20)))"
			return 0
		fi
		i=$((i + 1))
	done
	return 1
}

# load_fw: the good image at 0, boot registers set, IRQ_STATUS cleared
load_fw() {
	"$PBUSCTL" -d "$DEV" load 0 "$T/zero" >/dev/null &&
	"$PBUSCTL" -d "$DEV" load 0 "$FW" >/dev/null &&
	wr $RP_RSC_ADDR "$RSC_ADDR" && wr $RP_RSC_SIZE "$RSC_SIZE" &&
	wr $RP_BOOT_ADDR 0 && poke32 $IRQ_STATUS 0xffffffff
}
boot() { load_fw && wr $RP_CONTROL 1 && wait_status $ST_RUNNING; }

# rings_reset: every ring register and CTRL reads 0
rings_reset() {
	[ "$(rd $MB_CTRL) $(rd $MB_IN_HEAD) $(rd $MB_IN_TAIL) $(rd $MB_OUT_HEAD) $(rd $MB_OUT_TAIL)" = "0 0 0 0 0" ]
}

dmesg_mark
load_modules pbus_cable pbus pbus_remote || {
	echo "Bail out! cannot load pbus_cable, pbus, pbus_remote"
	exit 1
}
DBG=
wait_for 5 sh -c 'ls -d /sys/kernel/debug/pbus-remote/*/mbox' &&
	DBG=$(dirname "$(ls -d /sys/kernel/debug/pbus-remote/*/mbox | head -1)")
if [ -n "$DBG" ]; then
	ok "pbus_remote bound with mailboxes: $DBG"
else
	not_ok "pbus_remote bound (is dts/qemu/pbus-remote-test.dtso applied?)"
	finish
fi
wait_for 5 test -c "$DEV" || diag "no $DEV"
RSC=$(rsc_of "$FW") || RSC=
RSC_ADDR=${RSC% *} RSC_SIZE=${RSC#* }
dd if=/dev/zero of="$T/zero" bs=1024 count=16 2>/dev/null

# --- layout
SLOT=$(rd $MB_SLOT_SIZE) SLOTS=$(rd $MB_IN_SLOTS)
IN_A=$(rd $MB_IN_ADDR) OUT_A=$(rd $MB_OUT_ADDR)
WIN=$(sed -n 's/^window_size: //p' "$DBG/info")
assert_eq "SLOT_SIZE: 4 + 512" 516 "$SLOT"
assert_eq "IN_SLOTS 16" 16 "$SLOTS"
assert_eq "OUT_SLOTS = IN_SLOTS" "$SLOTS" "$(rd $MB_OUT_SLOTS)"
assert_eq "outbox follows the inbox" $((IN_A + SLOTS * SLOT)) "$OUT_A"
if [ $((OUT_A + SLOTS * SLOT)) -le $((WIN)) ] && [ "$IN_A" -ge $((WIN / 2)) ]; then
	ok "mailboxes in the top half of the window ($IN_A..$((OUT_A + SLOTS * SLOT)) of $((WIN)))"
else
	not_ok "mailboxes in the top half of the window ($IN_A, $OUT_A, $WIN)"
fi
assert_eq "rings empty, CTRL 0 after probe" 0 "$(rings_reset && echo 0)"
if wr $MB_SLOT_SIZE 8; then not_ok "SLOT_SIZE read-only"; else ok "SLOT_SIZE read-only"; fi
if rd 0x128 >/dev/null; then not_ok "0x128 unknown"; else ok "0x128 unknown"; fi
if wr $MB_CTRL 2; then not_ok "CTRL 2 refused"; else ok "CTRL 2 refused"; fi

# --- an image reaching into the mailboxes is refused
load_fw
phoff=$(u32 "$FW" 28)
# Second program header (data PT_LOAD): p_paddr/p_vaddr just below the inbox.
poke32 $((phoff + 32 + 8)) $((IN_A - 0x100))
poke32 $((phoff + 32 + 12)) $((IN_A - 0x100))
wr $RP_CONTROL 1
if wait_status $ST_ERROR; then
	assert_eq "image over the mailboxes: error SEGMENT" 2 "$(rd $RP_ERROR)"
else
	not_ok "image over the mailboxes refused (status $(rd $RP_STATUS))"
fi
assert_cmd "refusal names the mailboxes" \
	sh -c 'dmesg | grep -q "overlaps the rpmsg mailboxes"'

# --- boot, announcements only after HOST_READY
if boot; then ok "good image: RUNNING"; else not_ok "good image: RUNNING"; fi
sleep 0.5
assert_eq "no announcement before HOST_READY" 0 "$(rd $MB_OUT_HEAD)"
wr $MB_CTRL 1
assert_cmd "HOST_READY: 4 announcements" wait_reg $MB_OUT_HEAD 4
assert_eq "IRQ VRING raised" $IRQ_VRING $(($(peek32 $IRQ_STATUS) & IRQ_VRING))
i=0
for e in $EPT_SAMPLE:rpmsg-client-sample $EPT_RAW:rpmsg-raw \
	 $EPT_TTY:rpmsg-tty $EPT_BRIDGE:rpmsg-raw; do
	addr=${e%%:*} name=${e#*:}
	out_slot $i
	got_name=$(dd if="$T/out" bs=1 skip=20 count=32 2>/dev/null | tr -d '\000')
	assert_eq "ns $i: $name at $addr" \
		"56 0 $addr 53 40 $name $addr 0" \
		"$O_LEN $O_RES $O_SRC $O_DST $O_HLEN $got_name $(u32 "$T/out" 52) $(u32 "$T/out" 56)"
	i=$((i + 1))
done
if wr $MB_OUT_TAIL 5; then not_ok "OUT_TAIL beyond OUT_HEAD refused"; else ok "OUT_TAIL beyond OUT_HEAD refused"; fi
wr $MB_OUT_TAIL 4
if wr $MB_OUT_TAIL 3; then not_ok "OUT_TAIL backwards refused"; else ok "OUT_TAIL backwards refused"; fi

# --- echoes
expect_echo 8192 $EPT_ECHO "ping the plain echo endpoint"
expect_echo 8193 $EPT_SAMPLE "hello world!"
expect_echo 8194 $EPT_RAW "raw bytes 0123456789"
expect_echo 8195 $EPT_TTY "tty line"
expect_echo 8196 $EPT_RAW ""
big=$(printf '%0496d' 7)
expect_echo 8197 $EPT_RAW "$big"
assert_eq "IN_TAIL caught up with IN_HEAD" "$(rd $MB_IN_HEAD)" "$(rd $MB_IN_TAIL)"

# --- malformed slots: dropped and counted, the ring goes on
u0=$(counter unknown_dst) m0=$(counter malformed) s0=$(counter oversize)
oh=$(rd $MB_OUT_HEAD)
post_msg 8192 2457 "nobody here"
mkslot "$T/bad" 8192 $EPT_ECHO "header says 9" "" 9 && post "$T/bad"
mkslot "$T/bad" 8192 $EPT_ECHO "slot too long" 600 && post "$T/bad"
mkslot "$T/bad" 8192 $EPT_ECHO "reserved set" "" "" 1 && post "$T/bad"
mkslot "$T/bad" 8192 $EPT_ECHO "short" 10 && post "$T/bad"
ih=$(rd $MB_IN_HEAD)
wait_reg $MB_IN_TAIL "$ih"
assert_eq "malformed slots consumed" "$ih" "$(rd $MB_IN_TAIL)"
assert_eq "unknown destination counted" $((u0 + 1)) "$(counter unknown_dst)"
assert_eq "malformed counted (length, reserved, short)" $((m0 + 3)) "$(counter malformed)"
assert_eq "oversize counted" $((s0 + 1)) "$(counter oversize)"
assert_eq "nothing produced for them" "$oh" "$(rd $MB_OUT_HEAD)"
expect_echo 8192 $EPT_ECHO "still alive"

# --- bridge to /dev/pbus-rpmsg-bridge0 on the remote
if [ -c "$BRIDGE" ]; then
	ok "bridge device $BRIDGE"
else
	not_ok "bridge device $BRIDGE"
fi
if printf x 2>/dev/null > "$BRIDGE"; then
	not_ok "bridge write before the host spoke: refused"
else
	ok "bridge write before the host spoke: refused"
fi
n0=$(sed -n 's/.* rx_nobody \([0-9]*\) .*/\1/p' "$DBG/mbox")
post_msg 12288 $EPT_BRIDGE "nobody reads"
wait_reg $MB_IN_TAIL "$(rd $MB_IN_HEAD)"
assert_eq "bridge closed: message dropped, counted" $((n0 + 1)) \
	"$(sed -n 's/.* rx_nobody \([0-9]*\) .*/\1/p' "$DBG/mbox")"

dd if="$BRIDGE" of="$T/br.in" bs=512 count=1 2>/dev/null &
rpid=$!
wait_for 5 grep -q "open 1" "$DBG/mbox"
post_msg 12288 $EPT_BRIDGE "from the host to the remote program"
t=50
while kill -0 $rpid 2>/dev/null && [ $t -gt 0 ]; do sleep 0.1; t=$((t - 1)); done
kill $rpid 2>/dev/null
printf '%s' "from the host to the remote program" > "$T/want"
assert_cmd "bridge read: the host's message, byte-equal" cmp -s "$T/want" "$T/br.in"

oh=$(rd $MB_OUT_HEAD)
printf '%s' "reply of the remote program" > "$BRIDGE"
if wait_reg $MB_OUT_HEAD $((oh + 1)); then
	out_slot "$oh"
	printf '%s' "reply of the remote program" > "$T/want"
	if [ "$O_SRC $O_DST" = "$EPT_BRIDGE 12288" ] && cmp -s "$T/want" "$T/out.data"; then
		ok "bridge write: in the outbox to the host's address"
	else
		not_ok "bridge write: src $O_SRC dst $O_DST '$(cat "$T/out.data")'"
	fi
	wr $MB_OUT_TAIL $((oh + 1))
else
	not_ok "bridge write reaches the outbox"
fi
if dd if=/dev/zero bs=497 count=1 of="$BRIDGE" 2>/dev/null; then
	not_ok "bridge write of 497 bytes refused"
else
	ok "bridge write of 497 bytes refused"
fi

# Bridge backpressure: 16 held for a reader that does not read, the 17th
# stays in the inbox until one is read. Every read is bounded: with the bus
# down a blocking read would hang the test.
exec 3<"$BRIDGE"
wait_for 5 grep -q "open 1" "$DBG/mbox"
it=$(rd $MB_IN_TAIL)
k=0
while [ $k -lt 16 ]; do
	post_msg 12288 $EPT_BRIDGE "bridge message $k"
	k=$((k + 1))
done
wait_reg $MB_IN_TAIL $((it + 16))
post_msg 12288 $EPT_BRIDGE "bridge message 16"
sleep 0.5
assert_eq "bridge queue full: 17th held in the inbox" $((it + 16)) "$(rd $MB_IN_TAIL)"
timeout 10 dd bs=512 count=1 <&3 > "$T/br.0" 2>/dev/null
assert_cmd "bridge read frees room: 17th taken" wait_reg $MB_IN_TAIL $((it + 17))
k=1 bad=0
while [ $k -lt 17 ]; do
	timeout 10 dd bs=512 count=1 <&3 > "$T/br.k" 2>/dev/null ||
		{ bad=$((bad + 17 - k)); break; }
	[ "$(cat "$T/br.k")" = "bridge message $k" ] || bad=$((bad + 1))
	k=$((k + 1))
done
exec 3<&-
assert_eq "bridge messages in order" "0 bridge message 0" "$bad $(cat "$T/br.0")"

# --- flow control on the outbox: the remote stops, resumes on OUT_TAIL
# fill_inbox SEQ: 16 echo requests "seq SEQ..SEQ+15" written as one ring image
fill_inbox() {
	h=$(rd $MB_IN_HEAD)
	: > "$T/ring"
	k=0
	while [ $k -lt 16 ]; do
		mkslot "$T/slot" 8200 $EPT_RAW "seq $(($1 + k))"
		dd if="$T/slot" of="$T/ring" bs="$SLOT" seek=$(((h + k) % SLOTS)) \
			conv=notrunc 2>/dev/null
		k=$((k + 1))
	done
	"$PBUSCTL" -d "$DEV" load "$IN_A" "$T/ring" >/dev/null &&
	wr $MB_IN_HEAD $((h + 16))
}
ot=$(rd $MB_OUT_HEAD)
wr $MB_OUT_TAIL "$ot"
ih=$(rd $MB_IN_HEAD)
fill_inbox 0
assert_cmd "16 echoes fill the outbox" wait_reg $MB_OUT_HEAD $((ot + 16))
wait_reg $MB_IN_TAIL $((ih + 16))
fill_inbox 16
sleep 0.5
assert_eq "outbox full: no more produced" $((ot + 16)) "$(rd $MB_OUT_HEAD)"
assert_eq "outbox full: inbox stays full" "$((ih + 16)) $((ih + 32))" \
	"$(rd $MB_IN_TAIL) $(rd $MB_IN_HEAD)"
if wr $MB_IN_HEAD $((ih + 33)); then
	not_ok "IN_HEAD beyond the free slots refused"
else
	ok "IN_HEAD beyond the free slots refused"
fi
# check_seq K: outbox slot ot + K holds the echo of "seq K"
check_seq() {
	out_slot $((ot + $1)) 40
	[ "$O_SRC $O_DST $(cat "$T/out.data")" = "$EPT_RAW 8200 seq $1" ] ||
		bad=$((bad + 1))
}
k=0 bad=0
while [ $k -lt 4 ]; do check_seq $k; k=$((k + 1)); done
wr $MB_OUT_TAIL $((ot + 4))
assert_cmd "OUT_TAIL + 4: 4 more produced" wait_reg $MB_OUT_HEAD $((ot + 20))
assert_cmd "... and IN_TAIL moves by 4" wait_reg $MB_IN_TAIL $((ih + 20))
# Drain in order.
while [ $k -lt 32 ]; do
	wait_for 5 at_least $MB_OUT_HEAD $((ot + k + 1))
	check_seq $k
	wr $MB_OUT_TAIL $((ot + k + 1))
	k=$((k + 1))
done
assert_eq "32 echoes through a full outbox, in order, none lost" 0 "$bad"
assert_eq "inbox drained" "$(rd $MB_IN_HEAD)" "$(rd $MB_IN_TAIL)"
assert_cmd "outbox-full stalls counted" test "$(counter tx_full)" -gt 0

# --- rings reset by STOP, crash, RESET line; announced again
wr $RP_CONTROL 2
wait_status $ST_OFFLINE
assert_cmd "STOP: rings reset, HOST_READY cleared" rings_reset
boot
wr $MB_CTRL 1
assert_cmd "reboot + HOST_READY: announced again" wait_reg $MB_OUT_HEAD 4
echo 1 > "$DBG/crash"
assert_eq "crash: CRASHED" $ST_CRASHED "$(rd $RP_STATUS)"
assert_cmd "crash: rings reset" rings_reset
boot
wr $MB_CTRL 1
wait_reg $MB_OUT_HEAD 4
"$PBUSCTL" -d "$DEV" reset --hard >/dev/null 2>&1
wait_status $ST_OFFLINE
assert_cmd "RESET line: rings reset" rings_reset
assert_cmd "no rpmsg thread after RESET" sh -c '! grep -qx "pbus-rp-rpmsg" /proc/[0-9]*/comm'

# --- unload while running
boot
wr $MB_CTRL 1
wait_reg $MB_OUT_HEAD 4
unload_modules pbus_remote
if grep -q '^pbus_remote ' /proc/modules; then
	not_ok "pbus_remote unloads while running"
else
	ok "pbus_remote unloads while running"
fi
assert_cmd "no service thread left" sh -c '! grep -l "pbus-rp" /proc/[0-9]*/comm'
dmesg_clean
finish

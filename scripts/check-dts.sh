#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Check the pbus device-tree side: overlays, their parameters, README entries
# and YAML bindings. Called from "make check"; see --help.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OVL_DIR=$ROOT/dts/overlays
BIND_DIR=$ROOT/dts/bindings
OUT=${PBUS_DTS_OUT:-$ROOT/build/dts}
PARAMS=$ROOT/scripts/dtoverlay-params.py
DTB_CACHE=$ROOT/.cache/dtbs
BASES=(bcm2836-rpi-2-b bcm2837-rpi-3-b bcm2711-rpi-4-b)

usage() {
	cat <<EOF
usage: $0 [--dtb-dir DIR] [--no-fetch]

Checks, printing one line per check and "check-dts: N passed, N failed, N skipped":
  1. every dts/overlays/*-overlay.dts compiles with "dtc -@" without any warning;
  2. every overlay applies with fdtoverlay onto the Raspberry Pi 2/3/4 base dtbs
     (${BASES[*]}) and the pbus node(s) and pinctrl node(s) carry the
     documented default pins, label and properties (fdtget);
  3. overlay parameters (__overrides__) work: they are applied to the .dtbo
     with scripts/dtoverlay-params.py (the firmware's rules; fdtoverlay has
     none), then merged and checked; every parameter changes the tree; two
     instances of pbus-host load side by side;
  4. every parameter is documented in dts/overlays/README.pbus;
  5. dts/bindings/*.yaml: dt-doc-validate, examples through dt-validate, and
     the merged trees validated against them (needs Debian package dt-schema;
     without it only the YAML syntax is checked and the rest is skipped).

Base dtbs come from Debian's armhf kernel image (linux-image-*-armmp): the one
scripts/prepare-kernel.sh extracted under .cache/arm/, else one this script
downloads (apt-get download, version resolved by apt-cache) into
.cache/dtbs/. Options:
  --dtb-dir DIR   take the base dtbs from DIR instead
  --no-fetch      never download; skip the base-dtb checks if none is found
Compiled overlays are left in \$PBUS_DTS_OUT (default build/dts/).
EOF
}

DTB_DIR=${PBUS_DTB_DIR:-}
FETCH=1
while [ $# -gt 0 ]; do
	case "$1" in
	-h|--help) usage; exit 0 ;;
	--dtb-dir) DTB_DIR=${2:?--dtb-dir needs a directory}; shift ;;
	--no-fetch) FETCH=0 ;;
	*) echo "$0: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done

PASS=0 FAIL=0 SKIP=0
ok()   { PASS=$((PASS + 1)); echo "ok    $*"; }
bad()  { FAIL=$((FAIL + 1)); echo "FAIL  $*"; }
skip() { SKIP=$((SKIP + 1)); echo "skip  $*"; }
check() { # check "description" command...
	local what=$1; shift
	local msg
	if msg=$("$@" 2>&1); then ok "$what"; else bad "$what"; [ -n "$msg" ] && sed 's/^/      /' <<<"$msg"; fi
}
finish() {
	echo "check-dts: $PASS passed, $FAIL failed, $SKIP skipped"
	[ "$FAIL" = 0 ]
	exit $?
}

# the system python starts much faster than a pyenv shim; the params script needs no modules
PY=$(command -v /usr/bin/python3 || command -v python3)
for t in dtc fdtoverlay fdtget fdtput python3; do
	command -v $t >/dev/null || { bad "tool $t missing (apt-get install device-tree-compiler python3)"; finish; }
done
mkdir -p "$OUT"

# ---------------------------------------------------------------- expected values
# Signal order everywhere: D0..D7 RW STROBE ACK IRQ RESET (also the brcm,pins order).
SIGNALS=(d0 d1 d2 d3 d4 d5 d6 d7 rw strobe ack irq reset)
PINS_DEFAULT="16 17 18 19 20 21 22 23 24 25 26 27 5"
PINS_LOOP_SLAVE="6 7 8 9 10 11 12 13 2 3 14 15 4"
PINS_ALT="4 6 7 8 9 10 11 12 13 14 15 2 3"   # any distinct set, used by the parameter tests

# ---------------------------------------------------------------- 1. compile
OVERLAYS=()
for src in "$OVL_DIR"/*-overlay.dts; do
	[ -e "$src" ] || continue
	name=$(basename "$src" -overlay.dts)
	OVERLAYS+=("$name")
	if msg=$(dtc -@ -I dts -O dtb -o "$OUT/$name.dtbo" "$src" 2>&1) && [ -z "$msg" ]; then
		ok "compile $name-overlay.dts with dtc -@, no warnings"
	else
		bad "compile $name-overlay.dts with dtc -@, no warnings"
		sed 's/^/      /' <<<"$msg"
		rm -f "$OUT/$name.dtbo"
	fi
done
[ ${#OVERLAYS[@]} -gt 0 ] || bad "no overlays found in $OVL_DIR"
for need in pbus-host pbus-remote pbus-loopback; do
	[ -f "$OUT/$need.dtbo" ] || bad "$need.dtbo was not built"
done

# ---------------------------------------------------------------- 4. README entries
readme_params() { # overlay name -> documented parameter names
	awk -v want="$1" '
		/^Name:/ { cur = $2; inparams = 0; next }
		/^Params:/ { if (cur == want) { inparams = 1; sub(/^Params:[ ]*/, ""); if ($1 != "") print $1 } ; next }
		/^[A-Z][a-z]*:/ { inparams = 0 }
		inparams && /^        [a-z0-9_]+( |$)/ { print $1 }
	' "$OVL_DIR/README.pbus"
}
for name in "${OVERLAYS[@]}"; do
	[ -f "$OUT/$name.dtbo" ] || continue
	if [ ! -f "$OVL_DIR/README.pbus" ]; then bad "README.pbus missing"; break; fi
	mapfile -t have < <("$PY" "$PARAMS" --list "$OUT/$name.dtbo" | awk '{print $1}')
	mapfile -t doc < <(readme_params "$name")
	missing=$(comm -23 <(printf '%s\n' "${have[@]}" | sort) <(printf '%s\n' "${doc[@]}" | sort) | xargs)
	extra=$(comm -13 <(printf '%s\n' "${have[@]}" | sort) <(printf '%s\n' "${doc[@]}" | sort) | xargs)
	if [ ${#doc[@]} -gt 0 ] && [ -z "$missing$extra" ]; then
		ok "README.pbus documents the ${#have[@]} parameters of $name"
	else
		bad "README.pbus vs $name parameters: undocumented [${missing}] unknown [${extra}]"
	fi
done

# ---------------------------------------------------------------- base dtbs
find_dtb_dir() {
	local d
	for d in "$DTB_DIR" "$ROOT"/.cache/arm/root/usr/lib/linux-image-*-armmp \
		 "$DTB_CACHE"/root/usr/lib/linux-image-*-armmp; do
		[ -n "$d" ] && [ -f "$d/bcm2837-rpi-3-b.dtb" ] && { echo "$d"; return 0; }
	done
	return 1
}
fetch_dtbs() {
	local pkg deb
	command -v apt-cache >/dev/null || { echo "no apt-cache"; return 1; }
	pkg=$(apt-cache depends linux-image-armmp:armhf 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { sub(/:armhf$/, "", $2); print $2; exit }')
	[ -n "$pkg" ] || { echo "apt-cache cannot resolve linux-image-armmp:armhf (armhf lists missing? run scripts/install-deps.sh)"; return 1; }
	mkdir -p "$DTB_CACHE/debs" "$DTB_CACHE/root"
	deb=$(ls "$DTB_CACHE/debs/${pkg}_"*_armhf.deb 2>/dev/null | head -1)
	if [ -z "$deb" ]; then
		(cd "$DTB_CACHE/debs" && apt-get download -q "$pkg:armhf") || { echo "apt-get download $pkg:armhf failed"; return 1; }
		deb=$(ls "$DTB_CACHE/debs/${pkg}_"*_armhf.deb | head -1)
	fi
	# only the Raspberry Pi dtbs are needed: no need to unpack the whole image
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$DTB_CACHE/root" --wildcards '*/bcm2*-rpi-*.dtb' ||
		{ echo "extracting dtbs from $deb failed"; return 1; }
	rm -f "$deb"	# ~45 MB; the dtbs are all we keep
	echo "fetched $pkg into $DTB_CACHE"
}
if ! dir=$(find_dtb_dir) && [ $FETCH = 1 ] && [ -z "$DTB_DIR" ]; then
	echo "info  no base dtbs yet; downloading Debian's armmp kernel image for them"
	msg=$(fetch_dtbs 2>&1); echo "$msg" | sed 's/^/      /'
	dir=$(find_dtb_dir) || dir=""
fi

# Base with symbols: fdtoverlay resolves &gpio through /__symbols__. Debian's
# dtbs are built with -@, but if a base has no symbols, add /__symbols__/gpio
# by hand (decompiling and recompiling with -@ would not help: the labels are
# gone from a dtb without symbols).
prepare_base() { # src dtb -> prepared copy path on stdout
	local src=$1 dst=$OUT/base-$(basename "$1") n
	cp "$src" "$dst"
	if ! fdtget -t s "$dst" /__symbols__ gpio >/dev/null 2>&1; then
		for n in $(fdtget -l "$dst" /soc 2>/dev/null | grep '^gpio@'); do
			if fdtget -t s "$dst" "/soc/$n" compatible 2>/dev/null | grep -q 'brcm,bcm2.*-gpio'; then
				fdtput -c "$dst" /__symbols__ 2>/dev/null
				fdtput -t s "$dst" /__symbols__ gpio "/soc/$n"
				echo "info  $(basename "$src") has no __symbols__: added gpio=/soc/$n" >&2
				break
			fi
		done
	fi
	fdtget -t s "$dst" /__symbols__ gpio >/dev/null 2>&1 || return 1
	echo "$dst"
}

# ---------------------------------------------------------------- 2./3. verification helpers
# node_ok DTB NODEPATH COMPAT LABEL "13 pins" -> prints problems, returns non-zero on any
node_ok() {
	local dtb=$1 node=$2 compat=$3 label=$4 pins=($5) err=0 gpio gph v prop i want pc pcpath
	gpio=$(fdtget -t s "$dtb" /__symbols__ gpio)
	gph=$(fdtget "$dtb" "$gpio" phandle)
	v=$(fdtget -t s "$dtb" "$node" compatible 2>&1) || { echo "$node missing"; return 1; }
	[ "$v" = "$compat" ] || { echo "$node compatible '$v' != '$compat'"; err=1; }
	v=$(fdtget -t s "$dtb" "$node" label 2>&1)
	[ "$v" = "$label" ] || { echo "$node label '$v' != '$label'"; err=1; }
	v=$(fdtget -t s "$dtb" "$node" status 2>&1)
	[ "$v" = okay ] || { echo "$node status '$v'"; err=1; }
	want=""
	for i in 0 1 2 3 4 5 6 7; do want+="$gph ${pins[$i]} 0 "; done
	v=$(fdtget "$dtb" "$node" data-gpios 2>&1)
	[ "$v " = "$want" ] || { echo "$node data-gpios '$v' != '$want'"; err=1; }
	i=8
	for prop in rw strobe ack irq reset; do
		want="$gph ${pins[$i]} $([ $prop = reset ] && echo 1 || echo 0)"
		v=$(fdtget "$dtb" "$node" $prop-gpios 2>&1)
		[ "$v" = "$want" ] || { echo "$node $prop-gpios '$v' != '$want'"; err=1; }
		i=$((i + 1))
	done
	pc=$(fdtget "$dtb" "$node" pinctrl-0 2>&1)
	pcpath=""
	for n in $(fdtget -l "$dtb" "$gpio"); do
		[ "$(fdtget "$dtb" "$gpio/$n" phandle 2>/dev/null)" = "$pc" ] && pcpath=$gpio/$n
	done
	if [ -z "$pcpath" ]; then
		echo "$node pinctrl-0 <$pc> is no node under $gpio"; err=1
	else
		v=$(fdtget "$dtb" "$pcpath" brcm,pins)
		[ "$v" = "${pins[*]}" ] || { echo "$pcpath brcm,pins '$v' != '${pins[*]}'"; err=1; }
		v=$(fdtget "$dtb" "$pcpath" brcm,function)
		[ "$v" = 0 ] || { echo "$pcpath brcm,function '$v' != 0"; err=1; }
		v=$(fdtget "$dtb" "$pcpath" brcm,pull | wc -w)
		[ "$v" = 13 ] || { echo "$pcpath brcm,pull has $v cells, not 13"; err=1; }
		[ "$(basename "$pcpath")" = "$(basename "$node")" ] || { echo "pinctrl node $pcpath not named like $node"; err=1; }
	fi
	return $err
}
prop_is() { # DTB NODE PROP VALUE
	local v
	v=$(fdtget "$1" "$2" "$3" 2>&1)
	[ "$v" = "$4" ] || { echo "$2 $3 = '$v', want '$4'"; return 1; }
}
apply() { # BASE OUT.dtb overlay-name [params...]
	local base=$1 out=$2 name=$3; shift 3
	"$PY" "$PARAMS" "$OUT/$name.dtbo" "$out.dtbo" "$@" && fdtoverlay -i "$base" -o "$out" "$out.dtbo"
}
pins_params() { # prefix "13 pins" -> d0_pin=.. list
	local pre=$1 p=($2) i
	for i in "${!SIGNALS[@]}"; do echo "${pre}${SIGNALS[$i]}_pin=${p[$i]}"; done
}

# ---------------------------------------------------------------- 2./3. per base
MERGED=()
if [ -z "$dir" ]; then
	skip "fdtoverlay checks: no Raspberry Pi base dtbs (see --help)"
else
	echo "info  base dtbs from $dir"
	for b in "${BASES[@]}"; do
		if [ ! -f "$dir/$b.dtb" ]; then skip "$b.dtb not in $dir"; continue; fi
		if ! base=$(prepare_base "$dir/$b.dtb"); then bad "$b: no usable &gpio symbol"; continue; fi
		t=$OUT/$b

		# defaults
		if [ -f "$OUT/pbus-host.dtbo" ]; then
			check "$b + pbus-host: /pbus0 master, default pins" \
				eval 'apply "$base" "$t-host.dtb" pbus-host && node_ok "$t-host.dtb" /pbus0 pbus,gpio-master pbus0 "$PINS_DEFAULT" &&
				prop_is "$t-host.dtb" /pbus0 pbus,timeout-us 5000 && prop_is "$t-host.dtb" /pbus0 pbus,spin-us 20 &&
				prop_is "$t-host.dtb" /pbus0 pbus,retries 8'
			MERGED+=("$t-host.dtb")
			check "$b + pbus-host all pins, timeout_us, spin_us, retries, devname" \
				eval 'apply "$base" "$t-host-p.dtb" pbus-host $(pins_params "" "$PINS_ALT") timeout_us=1234 spin_us=7 retries=3 devname=fpga &&
				node_ok "$t-host-p.dtb" /fpga pbus,gpio-master fpga "$PINS_ALT" &&
				prop_is "$t-host-p.dtb" /fpga pbus,timeout-us 1234 && prop_is "$t-host-p.dtb" /fpga pbus,spin-us 7 &&
				prop_is "$t-host-p.dtb" /fpga pbus,retries 3 && ! fdtget "$t-host-p.dtb" /pbus0 label 2>/dev/null'
			MERGED+=("$t-host-p.dtb")
			check "$b + pbus-host twice (devname=pbus1 on other pins): two masters, own pinctrl each" \
				eval '"$PY" "$PARAMS" "$OUT/pbus-host.dtbo" "$t-i1.dtbo" &&
				"$PY" "$PARAMS" "$OUT/pbus-host.dtbo" "$t-i2.dtbo" devname=pbus1 $(pins_params "" "$PINS_LOOP_SLAVE") &&
				fdtoverlay -i "$base" -o "$t-two.dtb" "$t-i1.dtbo" "$t-i2.dtbo" &&
				node_ok "$t-two.dtb" /pbus0 pbus,gpio-master pbus0 "$PINS_DEFAULT" &&
				node_ok "$t-two.dtb" /pbus1 pbus,gpio-master pbus1 "$PINS_LOOP_SLAVE" &&
				[ "$(fdtget "$t-two.dtb" /pbus0 pinctrl-0)" != "$(fdtget "$t-two.dtb" /pbus1 pinctrl-0)" ]'
			MERGED+=("$t-two.dtb")
		fi
		if [ -f "$OUT/pbus-remote.dtbo" ]; then
			check "$b + pbus-remote: /pbus-remote0 slave, default pins" \
				eval 'apply "$base" "$t-remote.dtb" pbus-remote && node_ok "$t-remote.dtb" /pbus-remote0 pbus,gpio-slave pbus-remote0 "$PINS_DEFAULT" &&
				prop_is "$t-remote.dtb" /pbus-remote0 pbus,window-size 262144 && prop_is "$t-remote.dtb" /pbus-remote0 pbus,max-payload 1024 &&
				prop_is "$t-remote.dtb" /pbus-remote0 pbus,idle-timeout-us 100000 && prop_is "$t-remote.dtb" /pbus-remote0 pbus,poll-us 0'
			MERGED+=("$t-remote.dtb")
			check "$b + pbus-remote all pins, window_size, max_payload, idle_timeout_us, poll_us, devname" \
				eval 'apply "$base" "$t-remote-p.dtb" pbus-remote $(pins_params "" "$PINS_ALT") window_size=0x100000 max_payload=256 idle_timeout_us=5000 poll_us=50 devname=rem1 &&
				node_ok "$t-remote-p.dtb" /rem1 pbus,gpio-slave rem1 "$PINS_ALT" &&
				prop_is "$t-remote-p.dtb" /rem1 pbus,window-size 1048576 && prop_is "$t-remote-p.dtb" /rem1 pbus,max-payload 256 &&
				prop_is "$t-remote-p.dtb" /rem1 pbus,idle-timeout-us 5000 && prop_is "$t-remote-p.dtb" /rem1 pbus,poll-us 50'
			MERGED+=("$t-remote-p.dtb")
		fi
		if [ -f "$OUT/pbus-loopback.dtbo" ]; then
			check "$b + pbus-loopback: master /pbus0 and slave /pbus-remote0 on the jumper pins" \
				eval 'apply "$base" "$t-loop.dtb" pbus-loopback &&
				node_ok "$t-loop.dtb" /pbus0 pbus,gpio-master pbus0 "$PINS_DEFAULT" &&
				node_ok "$t-loop.dtb" /pbus-remote0 pbus,gpio-slave pbus-remote0 "$PINS_LOOP_SLAVE"'
			MERGED+=("$t-loop.dtb")
			check "$b + pbus-loopback parameters of both ends" \
				eval 'apply "$base" "$t-loop-p.dtb" pbus-loopback $(pins_params "" "$PINS_LOOP_SLAVE") $(pins_params remote_ "$PINS_DEFAULT") \
					devname=m remote_devname=s timeout_us=99 retries=1 window_size=0x1000 max_payload=16 &&
				node_ok "$t-loop-p.dtb" /m pbus,gpio-master m "$PINS_LOOP_SLAVE" &&
				node_ok "$t-loop-p.dtb" /s pbus,gpio-slave s "$PINS_DEFAULT" &&
				prop_is "$t-loop-p.dtb" /m pbus,timeout-us 99 && prop_is "$t-loop-p.dtb" /m pbus,retries 1 &&
				prop_is "$t-loop-p.dtb" /s pbus,window-size 4096 && prop_is "$t-loop-p.dtb" /s pbus,max-payload 16'
			MERGED+=("$t-loop-p.dtb")
		fi

		# every parameter of every overlay, alone, must apply and change the
		# merged tree (on one base: the others add nothing but time)
		OVL_EACH=()
		[ "$b" = bcm2837-rpi-3-b ] && OVL_EACH=("${OVERLAYS[@]}")
		for name in "${OVL_EACH[@]}"; do
			[ -f "$OUT/$name.dtbo" ] || continue
			apply "$base" "$t-$name-ref.dtb" "$name" >/dev/null 2>&1 || continue
			dtc -q -I dtb -O dts "$t-$name-ref.dtb" > "$t-$name-ref.dts"
			n=0 failed=""
			while read -r param targets; do
				case "$targets" in *'"label"'*) val=x-test ;; *) val=45 ;; esac
				if apply "$base" "$t-one.dtb" "$name" "$param=$val" >/dev/null 2>&1 &&
				   ! dtc -q -I dtb -O dts "$t-one.dtb" | cmp -s - "$t-$name-ref.dts"; then
					n=$((n + 1))
				else
					failed+=" $param"
				fi
			done < <("$PY" "$PARAMS" --list "$OUT/$name.dtbo")
			if [ -z "$failed" ]; then ok "$b + $name: each of $n parameters applies alone and changes the tree"
			else bad "$b + $name: parameters without effect or failing:$failed"; fi
		done
		check "$b + pbus-host: unknown parameter is rejected" \
			eval '! apply "$base" "$t-x.dtb" pbus-host no_such_param=1'
	done
fi

# ---------------------------------------------------------------- 5. bindings
YAMLS=("$BIND_DIR"/*.yaml)
for y in "${YAMLS[@]}"; do
	[ -e "$y" ] || { bad "no bindings in $BIND_DIR"; break; }
	check "$(basename "$y"): YAML syntax, \$id matches file name" \
		"$PY" -c '
import sys, os, yaml
d = yaml.safe_load(open(sys.argv[1]))
name = os.path.basename(sys.argv[1])
assert d["$id"] == "http://devicetree.org/schemas/" + name + "#", "$id " + d["$id"]
for k in ("$schema", "title", "maintainers", "properties", "required", "examples"):
    assert k in d, "missing " + k
assert d.get("additionalProperties") is False or d.get("unevaluatedProperties") is False
' "$y"
done
# The bindings' minimum/maximum of the numeric properties equal what the drivers' probes
# accept: a DT that validates must not be refused at probe, nor one that probes flagged.
check "bindings: numeric limits equal the drivers' probe checks" "$PY" - "$ROOT" <<'PYEOF'
import os, re, sys, yaml
root = sys.argv[1]
src = ["drivers/pbus/pbus-master.c", "drivers/pbus/pbus-slave.c",
       "drivers/pbus/proto/pbus_proto.h", "include/linux/pbus-regs.h"]
defs = {}
for f in src:
    for m in re.finditer(r"^#define\s+(PBUS_\w+)\s+(.+?)\s*(?:/\*.*)?$",
                         open(os.path.join(root, f)).read(), re.M):
        defs[m.group(1)] = m.group(2)
def val(name):
    e = re.sub(r"\b(\d+)u\b", r"\1", defs[name])
    e = re.sub(r"\bPBUS_\w+\b", lambda m: str(val(m.group(0))), e)
    assert re.fullmatch(r"[\d\s()*+x-]+", e), name + ": " + e
    return eval(e)
# binding, property: (probe's minimum, probe's maximum)
limits = {
    ("pbus,gpio-master.yaml", "pbus,timeout-us"): ("PBUS_TIMEOUT_US_MIN", "PBUS_TIMEOUT_US_MAX"),
    ("pbus,gpio-master.yaml", "pbus,spin-us"): (0, "PBUS_SPIN_US_MAX"),
    ("pbus,gpio-master.yaml", "pbus,retries"): (0, "PBUS_RETRIES_MAX"),
    ("pbus,gpio-slave.yaml", "pbus,window-size"): (4, "PBUS_SLAVE_WINDOW_MAX"),
    ("pbus,gpio-slave.yaml", "pbus,max-payload"): ("PBUS_MIN_PAYLOAD", "PBUS_MAX_PAYLOAD"),
    ("pbus,gpio-slave.yaml", "pbus,idle-timeout-us"): ("PBUS_SLAVE_IDLE_MIN_US", "PBUS_SLAVE_IDLE_MAX_US"),
    ("pbus,gpio-slave.yaml", "pbus,poll-us"): (0, "PBUS_SLAVE_POLL_MAX_US"),
}
bad = []
for (b, prop), (lo, hi) in limits.items():
    p = yaml.safe_load(open(os.path.join(root, "dts/bindings", b)))["properties"][prop]
    want = (lo if isinstance(lo, int) else val(lo), val(hi))
    got = (p.get("minimum", 0), p.get("maximum"))
    if got != want:
        bad.append("%s %s: binding %s..%s, probe %s..%s" % (b, prop, got[0], got[1], want[0], want[1]))
print("\n".join(bad))
sys.exit(1 if bad else 0)
PYEOF
# dt-validate and dt-doc-validate exit 0 on most findings: any output is a failure
quiet() { # run a command; fail (showing its output) if it fails or prints anything
	local m
	m=$("$@" 2>&1) && [ -z "$m" ] && return 0
	echo "$m"
	return 1
}
example_ok() { # yaml -> its examples compile and validate
	local y=$1 b
	b=$(basename "$1" .yaml)
	dt-extract-example "$y" > "$OUT/$b.example.dts" || return 1
	# the example template itself trips avoid_unnecessary_addr_size
	quiet dtc -Wno-avoid_unnecessary_addr_size -I dts -O dtb -o "$OUT/$b.example.dtb" "$OUT/$b.example.dts" &&
		quiet dt-validate -s "$schema" "$OUT/$b.example.dtb"
}
merged_ok() { # merged dtb -> pbus nodes are matched by our schemas and pass them
	local m
	quiet dt-validate -l pbus -s "$schema" "$1" || return 1
	m=$(dt-validate -M -l pbus -s "$schema" "$1" 2>&1)
	grep -q 'pbus,gpio-' <<<"$m" || { echo "no node matched the pbus schemas"; echo "$m"; return 1; }
}
if command -v dt-doc-validate >/dev/null && command -v dt-mk-schema >/dev/null && command -v dt-validate >/dev/null; then
	schema=$OUT/processed-schema.json
	check "dt-mk-schema of dts/bindings" quiet dt-mk-schema -j -o "$schema" "$BIND_DIR"
	for y in "${YAMLS[@]}"; do
		[ -e "$y" ] || continue
		check "$(basename "$y"): dt-doc-validate" quiet dt-doc-validate -u "$BIND_DIR" "$y"
		check "$(basename "$y"): examples compile and pass dt-validate" example_ok "$y"
	done
	# the limits bite: the master's example with each limit, then one past it
	limit_ok() { # property value should-pass
		local d=$OUT/pbus,gpio-master.limit.dtb m
		cp "$OUT/pbus,gpio-master.example.dtb" "$d" &&
			fdtput -t u "$d" /example-0/pbus0 "$1" "$2" || return 1
		m=$(dt-validate -s "$schema" "$d" 2>&1)
		if [ "$3" = 1 ]; then [ -z "$m" ] || { echo "$m"; return 1; }
		else [ -n "$m" ] || { echo "$1 = $2 passed the binding"; return 1; }; fi
	}
	for pv in "pbus,timeout-us 1000000 1" "pbus,timeout-us 1000001 0" "pbus,timeout-us 0 0" \
		  "pbus,retries 100 1" "pbus,retries 101 0" "pbus,spin-us 10000 1" "pbus,spin-us 10001 0"; do
		# shellcheck disable=SC2086 # three words
		check "pbus,gpio-master.yaml: $(set -- $pv; echo "$1 = $2 $([ "$3" = 1 ] && echo passes || echo is refused)")" \
			limit_ok $pv
	done
	for m in "${MERGED[@]}"; do
		[ -f "$m" ] || continue
		check "$(basename "$m"): pbus nodes match and pass the bindings" merged_ok "$m"
	done
else
	skip "dt-schema not installed (Debian package dt-schema): binding and example validation"
fi

finish

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Check that every symbol the suite's modules import is exported by a kernel source tree.
set -euo pipefail

usage() {
	cat <<USAGE
usage: $0 KERNEL_SRC BUILD_DIR NM
  Without the kernel's Module.symvers (no full kernel build), modpost can only warn that
  imported symbols are "undefined". This lists the undefined symbols of BUILD_DIR/**/*.ko
  (with NM, e.g. arm-linux-gnueabihf-nm), drops those the suite's own modules define, and
  fails naming any that KERNEL_SRC does not export (EXPORT_SYMBOL*, directly or through a
  helper macro whose first argument is the symbol, or by token pasting). The export list is cached in
  KERNEL_SRC/.pbus-exports.
USAGE
}
case "${1:-}" in -h|--help) usage; exit 0 ;; esac
[ $# -eq 3 ] || { echo "$0: needs KERNEL_SRC BUILD_DIR NM (see --help)" >&2; exit 2; }
KSRC=$1 BUILD=$2 NM=$3
[ -d "$KSRC" ] || { echo "$0: no kernel source at $KSRC" >&2; exit 1; }
command -v "$NM" >/dev/null || { echo "$0: $NM not found" >&2; exit 1; }

EXP=$KSRC/.pbus-exports
if [ ! -s "$EXP" ]; then
	grep -rhoE --include='*.[chS]' 'EXPORT_SYMBOL(_GPL)?(_NS(_GPL)?)?\(\s*\w+' "$KSRC" |
		sed -E 's/.*\(\s*//' | sort -u >"$EXP.tmp"
	mv "$EXP.tmp" "$EXP"
fi
# Exports built by token pasting, EXPORT_SYMBOL(param_ops_##name): their prefixes.
PASTE=$KSRC/.pbus-exports-pasted
if [ ! -e "$PASTE" ]; then
	grep -rhoE --include='*.[chS]' 'EXPORT_SYMBOL\w*\(\s*\w+\s*##' "$KSRC" |
		sed -E 's/.*\(\s*(\w+).*/\1/' | awk 'length($0) >= 4' | sort -u >"$PASTE.tmp"
	mv "$PASTE.tmp" "$PASTE"
fi

mapfile -t KOS < <(find "$BUILD" -name '*.ko')
[ ${#KOS[@]} -gt 0 ] || { echo "$0: no modules in $BUILD" >&2; exit 1; }
missing=$(comm -23 <("$NM" -u "${KOS[@]}" | awk 'NF == 2 { print $2 }' | sort -u) \
		   <(cat "$EXP" <("$NM" --defined-only "${KOS[@]}" | awk 'NF == 3 { print $3 }') | sort -u))
bad=
for s in $missing; do
	# EXPORT_SYMBOL(prefix##x): bpf_trace_run4, param_ops_int.
	while read -r p; do
		[ "${s#"$p"}" != "$s" ] && continue 2
	done <"$PASTE"
	# Defined and exported by a helper macro taking the name first:
	# define_dev_printk_level(_dev_err, ...), kstrto_from_user(kstrtouint_from_user, ...).
	grep -rqE --include='*.c' "^[A-Za-z_]+\(\s*${s}\s*," "$KSRC/kernel" "$KSRC/lib" \
		"$KSRC/drivers/base" "$KSRC/mm" "$KSRC/fs" && continue
	bad="$bad $s"
done
if [ -n "$bad" ]; then
	echo "symbols imported by the modules but not exported by $(basename "$KSRC"):$bad" >&2
	exit 1
fi
echo "compat-symbols: all $(echo "$missing" | wc -w) macro-exported and $(comm -12 \
	<("$NM" -u "${KOS[@]}" | awk 'NF == 2 { print $2 }' | sort -u) "$EXP" | wc -l) directly exported imports found in $(basename "$KSRC")"

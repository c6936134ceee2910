#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Check that a kernel config provides every option of a pbus config fragment.
# A fragment's =m is satisfied by =y too; =y needs =y.
set -euo pipefail

usage() {
	cat <<USAGE
usage: $(basename "$0") [--fragment FILE] CONFIG

Check CONFIG (a .config, /boot/config-*, or a /proc/config.gz copy) against
the pbus kernel config fragment (default: configs/pbus.config). Prints one
line per missing option and exits 1 if any is missing.
USAGE
}

top=$(cd "$(dirname "$0")/.." && pwd)
fragment=$top/configs/pbus.config
while [ $# -gt 0 ]; do
	case $1 in
	-h|--help) usage; exit 0 ;;
	--fragment) fragment=${2:?--fragment needs a file}; shift 2 ;;
	-*) echo "check-config: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || { usage >&2; exit 2; }
config=$1
[ -r "$config" ] || { echo "check-config: cannot read $config" >&2; exit 2; }
[ -r "$fragment" ] || { echo "check-config: cannot read $fragment" >&2; exit 2; }

case $config in
*.gz) read_config() { zcat "$config"; } ;;
*) read_config() { cat "$config"; } ;;
esac

missing=0
checked=0
while IFS='=' read -r opt want; do
	case $opt in CONFIG_*) ;; *) continue ;; esac
	checked=$((checked + 1))
	have=$(read_config | sed -n "s/^$opt=//p" | head -n1)
	case $want:$have in
	y:y|m:m|m:y) ;;
	*)
		echo "missing: $opt=$want (config has ${have:-not set})"
		missing=$((missing + 1))
		;;
	esac
done < "$fragment"

if [ "$missing" -ne 0 ]; then
	echo "check-config: $missing of $checked options missing in $config" >&2
	exit 1
fi
echo "check-config: all $checked options of $(basename "$fragment") present in $config"

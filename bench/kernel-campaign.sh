#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The long fault campaign through the kernel (issue 10, bench/README.md):
# tests/target/26-campaign.sh with CAMPAIGN_OPS operations per fault class
# (default 6000) and CAMPAIGN_MIX mixed (default 20000): 68,000 operations, at least 100,000
# frames over the test cable. Boots the QEMU guest of PBUS_RUN (default
# .cache/arm/run-campaign) when it is not running, deploys BUILD, runs, and
# stops the guest if it started it. About 10 minutes.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
export PBUS_RUN=${PBUS_RUN:-$TOP/.cache/arm/run-campaign}
OPS=${CAMPAIGN_OPS:-6000}
MIX=${CAMPAIGN_MIX:-20000}
EVERY=${CAMPAIGN_EVERY:-2000}
case "$OPS$MIX$EVERY" in *[!0-9]*) echo "$0: CAMPAIGN_* must be numbers" >&2; exit 2 ;; esac
if ! "$TOP/scripts/qemu.sh" status >/dev/null 2>&1; then
	"$TOP/scripts/qemu.sh" start
	trap '"$TOP/scripts/qemu.sh" stop >/dev/null' EXIT
fi
BUILD=${BUILD:-$TOP} "$TOP/scripts/deploy.sh"
"$TOP/scripts/qemu.sh" ssh "PBUS_CAMPAIGN_OPS=$OPS PBUS_CAMPAIGN_MIX=$MIX PBUS_CAMPAIGN_EVERY=$EVERY \
	/usr/local/share/pbus/tests/run-target.sh 26"

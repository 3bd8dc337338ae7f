#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host side of a guest block test: every "BLK-IMG IMAGE MIB COUNT MD5"
# line the guest printed names COUNT MiB at MIB MiB of SCRATCH/IMAGE that
# must hash to MD5. LOG is the guest log, SCRATCH the image directory.
set -euo pipefail

n=0
while read -r _ image mib count sum; do
	case $image in
	*/* | "") echo "bad image name '$image'"; exit 1 ;;
	esac
	got=$(dd if="$SCRATCH/$image" bs=1M skip="$mib" count="$count" 2>/dev/null |
	      md5sum | cut -d' ' -f1)
	[ "$got" = "$sum" ] || {
		echo "$image at $mib MiB: the image has $got, the guest wrote $sum"
		exit 1
	}
	n=$((n + 1))
done < <(grep -a '^BLK-IMG ' "$LOG" | tr -d '\r')
[ $n -gt 0 ] || { echo "the guest reported no data"; exit 1; }
echo "$n ranges in the images match what the guest wrote"

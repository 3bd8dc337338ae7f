#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host side of guest/blk: what the guest wrote is in the disk images.
# LOG is the guest log, SCRATCH the directory holding the images.
set -euo pipefail
img=$SCRATCH/disk0.img
fs=$SCRATCH/disk2.img

n=0
while read -r _ name mib sum; do
	got=$(dd if="$img" bs=1M skip="$mib" count=4 2>/dev/null | md5sum | cut -d' ' -f1)
	[ "$got" = "$sum" ] || { echo "data $name at $mib MiB: image has $got, guest wrote $sum"; exit 1; }
	n=$((n + 1))
done < <(grep -a '^BLK-DATA ' "$LOG" | tr -d '\r')
[ $n -eq 2 ] || { echo "expected 2 data records, found $n"; exit 1; }

# The discarded range is a hole in the image file.
python3 - "$img" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
start = 16 << 20
hole = os.lseek(fd, start, os.SEEK_HOLE)
if hole != start:
    sys.exit(f"no hole at 16 MiB after discard (next hole at {hole})")
data = os.lseek(fd, start, os.SEEK_DATA)
if data < start + (4 << 20):
    sys.exit(f"data at {data} inside the discarded range")
PY

n=0
while read -r _ path sum; do
	got=$(debugfs -R "cat $path" "$fs" 2>/dev/null | md5sum | cut -d' ' -f1)
	[ "$got" = "$sum" ] || { echo "$path: host reads $got, guest wrote $sum"; exit 1; }
	n=$((n + 1))
done < <(grep -a '^BLK-FS ' "$LOG" | tr -d '\r')
[ $n -eq 2 ] || { echo "expected 2 file records, found $n"; exit 1; }
e2fsck -fn "$fs" >/dev/null || { echo "host fsck of the file system failed"; exit 1; }
echo "images match what the guest wrote"

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

# The discarded range and the one zeroed with unmap are holes in the
# image file; the read-only disk's image holds nothing at all.
python3 - "$img" "$SCRATCH/disk1.img" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
for what, mib in (("discard", 16), ("write zeroes with unmap", 32)):
    start = mib << 20
    hole = os.lseek(fd, start, os.SEEK_HOLE)
    if hole != start:
        sys.exit(f"no hole at {mib} MiB after {what} (next hole at {hole})")
    try:
        data = os.lseek(fd, start, os.SEEK_DATA)
    except OSError:
        data = os.fstat(fd).st_size
    if data < start + (4 << 20):
        sys.exit(f"data at {data} inside the range of the {what}")
with open(sys.argv[2], "rb") as ro:
    if ro.read().strip(b"\0"):
        sys.exit("the read-only disk's image was written to")
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

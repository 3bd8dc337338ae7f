#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host side of the guest/uio_ivshmem tests: what the guest wrote through
# the UIO mapping is in the memory backend file, with the checksum the
# guest printed. Lines "UIO-FILL crc32 0xCRC" stand for the first MiB,
# "UIO-FILL-AT OFFSET crc32 0xCRC" for the MiB at OFFSET.
set -euo pipefail
lines=$(grep -a '^UIO-FILL' "$LOG" | tr -d '\r' |
	awk '$1 == "UIO-FILL" { print 0, $3 } $1 == "UIO-FILL-AT" { print $2, $4 }')
[ -n "$lines" ] || { echo "the guest printed no checksum"; exit 1; }
python3 - "$SCRATCH/ivshmem" <<PY
import sys, zlib
f = open(sys.argv[1], "rb")
for line in """$lines""".splitlines():
    off, want = line.split()
    f.seek(int(off, 0))
    got = "0x%08x" % zlib.crc32(f.read(1 << 20))
    if got != want.lower():
        sys.exit(f"backing file at {off} has crc32 {got}, guest wrote {want}")
    print(f"backing file at {off} matches", got)
PY

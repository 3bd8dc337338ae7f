#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host side of guest/uio_ivshmem: what the guest wrote through the UIO
# mapping is in the memory backend file, with the checksum it printed.
set -euo pipefail
want=$(grep -a '^UIO-FILL ' "$LOG" | tr -d '\r' | awk '{ print $3 }' | tail -1)
[ -n "$want" ] || { echo "the guest printed no checksum"; exit 1; }
python3 - "$SCRATCH/ivshmem" "$want" <<'PY'
import sys, zlib
data = open(sys.argv[1], "rb").read(1 << 20)
got = "0x%08x" % zlib.crc32(data)
if got != sys.argv[2].lower():
    sys.exit(f"backing file has crc32 {got}, guest wrote {sys.argv[2]}")
print("backing file matches", got)
PY

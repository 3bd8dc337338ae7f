#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-modules.sh KDIR OUTDIR [make arguments...]
#
# Build the virtbus modules against the kernel tree KDIR in a copy of the
# sources under OUTDIR, so builds for several kernels live side by side.
# Fails if the build prints any compiler warning (it runs with W=1).
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: $0 KDIR OUTDIR [make args...]" >&2; exit 2; }
kdir=$1 out=$2
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)

[ -f "$kdir/Makefile" ] || { echo "build-modules: no kernel tree at $kdir" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
	--exclude='*.mod' --exclude='*.mod.c' --exclude='*.order' \
	--exclude='Module.symvers' --exclude='build.log' \
	"$root/Kbuild" "$root/include" "$root/drivers" "$root/kunit" "$out/"

log=$out/build.log
if ! make -C "$kdir" M="$out" -j"$(nproc)" W=1 "$@" modules >"$log" 2>&1; then
	grep -E 'error|Error' "$log" | head -30 >&2
	echo "build-modules: build against $kdir failed (log: $log)" >&2
	exit 1
fi
# A compile check against a kernel tree that was only prepared (no
# Module.symvers) cannot resolve symbols: modpost's complaints about that
# are expected there and nothing else is.
filter=cat
if [ "${VIRTBUS_COMPILE_ONLY-}" = 1 ]; then
	filter="grep -vE 'Module.symvers is missing|modpost: .* undefined!|modpost: suppressed [0-9]+ unresolved'"
fi
if eval "$filter" <"$log" | grep -E 'warning:|WARNING:' >&2; then
	echo "build-modules: warnings building against $kdir (log: $log)" >&2
	exit 1
fi

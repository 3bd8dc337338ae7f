#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: run each driver beside the kernel's own in the same guest
# boot and print the raw numbers and our/kernel ratios. Never a test:
# numbers from an emulated (TCG) guest only compare within one run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scripts/setup.sh
kdir=$(scripts/kernel/build.sh)
kver=$(cat "$kdir/include/config/kernel.release")
scripts/build-modules.sh "$kdir" build/test
scripts/initramfs.sh "$kver" "$kdir/modroot" build/test build/initramfs-test.cpio.gz
mkdir -p build/logs

run_guest() {
	local name=$1
	shift
	scripts/qemu-run.sh -k "$kdir/arch/x86/boot/bzImage" \
		-i build/initramfs-test.cpio.gz -t "$name" -l "build/logs/bench-$name.log" \
		-T 900 -- "$@" || {
		echo "bench: guest $name failed; log in build/logs/bench-$name.log" >&2
		return 1
	}
	grep -a '^BENCH' "build/logs/bench-$name.log"
}

echo "virtbus benchmarks: ours against the kernel's own driver, same guest boot"
echo "(throughput ratio > 1.0 means virtbus is faster; TCG guest, compare within a run)"
echo
out=$(run_guest bench -device virtio-rng-pci -device virtio-rng-pci)
echo "$out" | grep '^BENCH-RAW' | sed 's/^BENCH-RAW /  /'
echo "$out" | grep '^BENCH rng-read' | while read -r _ what ours theirs; do
	printf '  %-14s virtbus_rng %6s ms  virtio_rng %6s ms  ratio %s\n' \
		"$what" "$ours" "$theirs" \
		"$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.2f", (a > 0) ? b / a : 0 }')"
done

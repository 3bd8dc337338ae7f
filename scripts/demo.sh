#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: install what is missing, build, boot a QEMU guest with
# virtio-rng, -blk, -net and -console PCI devices, and show what virtbus
# made of them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scripts/setup.sh
echo "demo: building the test kernel (cached after the first time)..."
kdir=$(scripts/kernel/build.sh)
kver=$(cat "$kdir/include/config/kernel.release")
echo "demo: building the modules..."
scripts/build-modules.sh "$kdir" build/test
scripts/initramfs.sh "$kver" "$kdir/modroot" build/test build/initramfs-test.cpio
scratch=$(mktemp -d /tmp/virtbus-demo.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
truncate -s 64M "$scratch/disk0.img"
echo "demo: booting the guest (QEMU, TCG; this takes a minute)..."
log=build/logs/demo.log
mkdir -p build/logs
set +e
# shellcheck disable=SC2046
scripts/qemu-run.sh -k "$kdir/arch/x86/boot/bzImage" -i build/initramfs-test.cpio \
	-t demo -l "$log" -T 300 -- \
	$(sed -e 's/@DEVOPTS@//' -e 's/@P@//' -e 's/@SLOT@/0x10/' \
		-e "s|@SCRATCH@|$scratch|" scripts/tests/devices.qemu)
rc=$?
set -e
sed -n '/^VIRTBUS-TEST-START/,/^VIRTBUS-DMESG-START/p' "$log" | grep -v '^VIRTBUS-' | grep -v '^\[ *[0-9]'
[ $rc -eq 0 ] || { echo "demo: the guest failed (exit $rc); log in $log" >&2; exit 1; }

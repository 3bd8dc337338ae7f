#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make modules_install puts the modules where modprobe finds them and
# runs depmod, so that the bus's MODALIAS and the PCI IDs resolve to our
# modules. Installed into a scratch root, against the test kernel.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
kdir=${VIRTBUS_CACHE:-/var/cache/virtbus}/kbuild-6.1
[ -f "$kdir/include/generated/utsrelease.h" ] || { echo "test kernel not built" >&2; exit 1; }
kver=$(sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' "$kdir/include/generated/utsrelease.h")

tmp=$(mktemp -d)
src=$tmp/src
trap 'rm -rf "$tmp"' EXIT
# A copy of the tree, so the in-place build leaves the checkout alone.
mkdir -p "$src"
cp -r "$root/Makefile" "$root/Kbuild" "$root/include" "$root/drivers" \
	"$root/kunit" "$root/scripts" "$root/udev" "$src/"
make -s -C "$src" KDIR="$kdir" INSTALL_MOD_PATH="$tmp/root" modules_install \
	>"$tmp/log" 2>&1 || { cat "$tmp/log" >&2; exit 1; }

resolve() {
	modprobe -d "$tmp/root" -S "$kver" -n -v "$1" 2>&1
}
out=$(resolve 'virtbus:d00000004v00001AF4')
echo "$out" | grep -q 'extra/.*virtbus_rng.ko' ||
	{ echo "rng modalias does not resolve: $out" >&2; exit 1; }
echo "$out" | grep -q 'extra/virtbus.ko' ||
	{ echo "virtbus_rng does not pull in virtbus: $out" >&2; exit 1; }
out=$(resolve 'pci:v00001AF4d00001044sv00001AF4sd00001100bc00sc00i00')
echo "$out" | grep -q 'virtbus_pci.ko' ||
	{ echo "PCI alias does not resolve: $out" >&2; exit 1; }
out=$(resolve 'pci:v00001AF4d00001110sv00001AF4sd00001100bc05sc00i00')
echo "$out" | grep -q 'virtbus_pci.ko' &&
	{ echo "ivshmem resolves to virtbus_pci: $out" >&2; exit 1; }
echo "$out" | grep -q 'uio_ivshmem.ko' ||
	{ echo "ivshmem does not resolve to uio_ivshmem: $out" >&2; exit 1; }
echo "modules_install: aliases resolve through depmod"

make -s -C "$src" DESTDIR="$tmp/root" udev_install >"$tmp/log" 2>&1 ||
	{ cat "$tmp/log" >&2; exit 1; }
cmp "$root/udev/60-virtbus-blk.rules" "$tmp/root/lib/udev/rules.d/60-virtbus-blk.rules" ||
	{ echo "udev_install did not install the by-id rules" >&2; exit 1; }
echo "udev_install: rules installed"

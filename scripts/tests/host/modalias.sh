#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module aliases the build wrote are the ones udev will look up: the
# rng's and the net driver's come from their ID tables in the bus's
# MODALIAS spelling, and the PCI transport claims the virtio PCI ID range.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
b=$root/build/test
[ -f "$b/drivers/char/virtbus_rng.ko" ] || { echo "modules not built" >&2; exit 1; }

aliases() { modinfo -F alias "$1"; }

got=$(aliases "$b/drivers/char/virtbus_rng.ko")
[ "$got" = 'virtbus:d00000004v*' ] || { echo "virtbus_rng alias: '$got'" >&2; exit 1; }

pci=$(aliases "$b/virtbus_pci.ko")
for id in 1000 1005 103F 1040 1044 107F; do
	found=0
	for a in $pci; do
		# shellcheck disable=SC2053
		[[ "pci:v00001AF4d0000${id}sv00001AF4sd00000004bc00sc00i00" == $a ]] && found=1
	done
	[ $found = 1 ] || { echo "virtbus_pci does not claim 1af4:$id: $pci" >&2; exit 1; }
done
for id in 0FFF 1080 1110; do
	for a in $pci; do
		# shellcheck disable=SC2053
		[[ "pci:v00001AF4d0000${id}sv00001AF4sd00000004bc00sc00i00" == $a ]] &&
			{ echo "virtbus_pci claims 1af4:$id ($a)" >&2; exit 1; }
	done
done
got=$(aliases "$b/virtbus_net.ko")
[ "$got" = 'virtbus:d00000001v*' ] || { echo "virtbus_net alias: '$got'" >&2; exit 1; }

modinfo -F import_ns "$b/drivers/char/virtbus_rng.ko" | grep -qx VIRTBUS ||
	{ echo "virtbus_rng does not import the VIRTBUS namespace" >&2; exit 1; }
echo "aliases as expected"

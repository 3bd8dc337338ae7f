#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rng, blk, net and console devices appear on /sys/bus/virtbus with the
# right IDs, transport, status and features, over each PCI flavour and
# interrupt mode; random bytes read through /dev/hwrng are not constant.
#
# virtbus-qemu: @DEVICES@
# virtbus-variant: modern-msix
# virtbus-variant: modern-intx ,vectors=0
# virtbus-variant: legacy ,disable-modern=on
. /tests/lib.sh

variant=$VIRTBUS_VARIANT
wait_for 60 grep -q '^virtbus_rng ' /proc/modules || fail "virtbus_rng not loaded"

for id in 1 2 3 4; do
	dev=$(virtbus_dev_by_id $id slot) || fail "no device of type $id"
	d=/sys/bus/virtbus/devices/$dev
	[ "$(cat "$d/vendor")" = 0x1af4 ] || fail "$dev vendor $(cat "$d/vendor")"
	[ "$(cat "$d/transport")" = pci ] || fail "$dev transport $(cat "$d/transport")"
	offered=$(cat "$d/device_features")
	v1=$(feature_bit "$offered" 32)
	case $variant in
	legacy) [ "$v1" = 0 ] || fail "$dev offers VERSION_1 over legacy" ;;
	*) [ "$v1" = 1 ] || fail "$dev does not offer VERSION_1 over modern" ;;
	esac
	note "$dev: type $id, status $(cat "$d/status"), offered $offered"
done

# Type-specific bits QEMU offers: blk SEG_MAX (2) and FLUSH (9),
# net MAC (5), console MULTIPORT (1) is only offered with ports; check
# the first two as evidence the right config is behind each device.
blk=/sys/bus/virtbus/devices/$(virtbus_dev_by_id 2 slot)
[ "$(feature_bit "$(cat "$blk/device_features")" 9)" = 1 ] || fail "blk does not offer FLUSH"
net=/sys/bus/virtbus/devices/$(virtbus_dev_by_id 1 slot)
[ "$(feature_bit "$(cat "$net/device_features")" 5)" = 1 ] || fail "net does not offer MAC"

rng=$(virtbus_dev_by_id 4 slot)
d=/sys/bus/virtbus/devices/$rng
wait_for 30 test -e "$d/driver" || fail "$rng not bound"
status=$(cat "$d/status")
features=$(cat "$d/features")
features_subset "$features" "$(cat "$d/device_features")" ||
	fail "negotiated $features not a subset of offered"
case $variant in
legacy)
	[ "$status" = 0x07 ] || fail "legacy rng status $status, expected 0x07"
	[ "$(feature_bit "$features" 32)" = 0 ] || fail "legacy negotiated VERSION_1" ;;
*)
	[ "$status" = 0x0f ] || fail "modern rng status $status, expected 0x0f"
	[ "$(feature_bit "$features" 32)" = 1 ] || fail "VERSION_1 not negotiated" ;;
esac

# The interrupt mode the transport chose.
pci=$(readlink -f "$d/..")
case $variant in
modern-intx)
	[ -d "$pci/msi_irqs" ] && [ -n "$(ls "$pci/msi_irqs")" ] &&
		fail "MSI-X in use although the device has no vectors"
	grep -qwF "$rng" /proc/interrupts || fail "no INTx line for $rng" ;;
*)
	grep -q "$rng-config" /proc/interrupts || fail "no config vector for $rng"
	grep -q "$rng-input" /proc/interrupts || fail "no queue vector for $rng" ;;
esac
grep virtbus /proc/interrupts | sed 's/^/# /'
hwrng_check "virtbus_rng.${rng#virtbus}"

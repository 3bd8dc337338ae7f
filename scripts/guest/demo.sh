#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make demo, inside the guest: what virtbus made of the devices QEMU gave.
. /tests/lib.sh

wait_for 60 grep -q '^virtbus_rng ' /proc/modules
echo
echo "== virtio PCI devices and the driver that holds each"
for p in $(pci_by_id 1af4:1000 1af4:1001 1af4:1002 1af4:1003 1af4:1004 1af4:1005 \
		    1af4:1041 1af4:1042 1af4:1043 1af4:1044); do
	echo "  ${p##*/}  $(lspci -s "${p##*/}" | cut -d' ' -f2-)  -> $(driver_of "$p")"
done
echo
echo "== modules udev loaded"
grep '^virtbus' /proc/modules | cut -d' ' -f1 | sed 's/^/  /'
echo
echo "== /sys/bus/virtbus/devices"
for d in /sys/bus/virtbus/devices/*; do
	drv=$(driver_of "$d")
	echo "  $(basename "$d"): device $(cat "$d/device") vendor $(cat "$d/vendor")" \
	     "transport $(cat "$d/transport") status $(cat "$d/status") driver ${drv:-none}"
	echo "    modalias         $(cat "$d/modalias")"
	echo "    device features  $(cat "$d/device_features")"
	echo "    negotiated       $(cat "$d/features")"
done
echo
rng=$(virtbus_dev_by_id 4) || fail "no rng device"
name="virtbus_rng.${rng#virtbus}"
echo "== hw_random sources: $(cat /sys/class/misc/hw_random/rng_available)"
echo "$name" > /sys/class/misc/hw_random/rng_current
echo "== 64 random bytes from /dev/hwrng through $name"
dd if=/dev/hwrng bs=64 count=1 2>/dev/null | od -An -tx1 | sed 's/^/ /'
echo

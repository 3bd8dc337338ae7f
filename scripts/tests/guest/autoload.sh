#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# With udevd running and no manual modprobe, the PCI modalias loads
# virtbus_pci, which registers the devices, whose modaliases load
# virtbus_rng; the rng then serves /dev/hwrng.
#
# virtbus-qemu: -device virtio-rng-pci,addr=@SLOT@
. /tests/lib.sh

wait_for 60 grep -q '^virtbus_pci ' /proc/modules ||
	fail "virtbus_pci was not autoloaded: $(cut -d' ' -f1 /proc/modules | tr '\n' ' ')"
wait_for 60 grep -q '^virtbus_rng ' /proc/modules ||
	fail "virtbus_rng was not autoloaded"
grep -q '^virtio_pci ' /proc/modules && fail "the kernel's virtio_pci was autoloaded"

rng=$(virtbus_dev_by_id 4 slot) || fail "no rng device on /sys/bus/virtbus"
d=/sys/bus/virtbus/devices/$rng
[ "$(cat "$d/modalias")" = "virtbus:d00000004v00001AF4" ] ||
	fail "$rng modalias is $(cat "$d/modalias")"
wait_for 30 test -e "$d/driver" || fail "$rng has no driver"
[ "$(driver_of "$d")" = virtbus_rng ] || fail "$rng bound to $(driver_of "$d")"
udevadm info --query=property "$d" | grep -q '^MODALIAS=virtbus:d00000004v00001AF4$' ||
	fail "uevent lacks the MODALIAS"
hwrng_check "virtbus_rng.${rng#virtbus}"

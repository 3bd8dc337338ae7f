#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own virtio stack in the same guest: driver_override hands
# one rng device to the kernel's virtio_pci and leaves the other with
# virtbus_pci; both stacks work side by side.
#
# virtbus-qemu: -device virtio-rng-pci,addr=@SLOT@.0,multifunction=on
# virtbus-qemu: -device virtio-rng-pci,addr=@SLOT@.1
. /tests/lib.sh

wait_for 60 grep -q '^virtbus_rng ' /proc/modules || fail "virtbus_rng not loaded"
set -- $(pci_in_slot 1af4:1005 1af4:1044)
[ $# -eq 2 ] || fail "expected two virtio-rng PCI devices, found $#"
mine=$1 theirs=$2
wait_for 30 test -e "$theirs/driver" || fail "$theirs not bound"
[ "$(driver_of "$theirs")" = virtbus_pci ] || fail "$theirs bound to $(driver_of "$theirs")"

# Hand the second device to the kernel's stack.
hand_to_kernel "$theirs"
modprobe virtio_rng || fail "modprobe virtio_rng"
[ "$(driver_of "$mine")" = virtbus_pci ] ||
	fail "$mine lost its driver: $(driver_of "$mine")"

# The kernel's virtio_pci must not have taken the virtbus device either.
ls /sys/bus/virtio/devices | grep -q . || fail "no device on the kernel's virtio bus"
[ "$(ls /sys/bus/virtio/devices | wc -l)" -eq 1 ] || fail "virtio bus has $(ls /sys/bus/virtio/devices)"
rng=$(virtbus_dev_by_id 4 slot) || fail "no virtbus rng"
[ "$(dirname "$(readlink -f "/sys/bus/virtbus/devices/$rng")")" = "$(readlink -f "$mine")" ] ||
	fail "$rng is not the device of $mine"
for d in /sys/bus/virtbus/devices/*; do
	[ "$(dirname "$(readlink -f "$d")")" = "$(readlink -f "$theirs")" ] && fail "virtbus still has $theirs as ${d##*/}"
done

ours="virtbus_rng.${rng#virtbus}"
wait_for 30 grep -q virtio_rng /sys/class/misc/hw_random/rng_available ||
	fail "the kernel's virtio_rng did not register"
theirs_rng=$(tr ' ' '\n' < /sys/class/misc/hw_random/rng_available | grep '^virtio_rng' | head -1)
hwrng_check "$ours"
hwrng_check "$theirs_rng"
# And ours again, after the kernel's has been used.
hwrng_check "$ours"

# Both stacks unload cleanly, each leaving the other's device alone.
rmmod virtio_rng || fail "rmmod virtio_rng"
[ "$(driver_of "$mine")" = virtbus_pci ] || fail "$mine lost its driver"
rmmod virtbus_rng || fail "rmmod virtbus_rng"
rmmod virtbus_pci || fail "rmmod virtbus_pci"
[ "$(driver_of "$theirs")" = virtio-pci ] || fail "$theirs lost its driver"

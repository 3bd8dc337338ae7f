#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Devices that go away under load: fio runs on two disks, QEMU's
# device_del pulls the first one (ACPI hot-unplug) and the second is
# unbound from virtbus_blk through sysfs. fio ends on both with errors, in
# bounded time; nothing hangs, the disks disappear, and the kernel log
# has no warning (KASAN and kmemleak-free teardown are checked by the
# test kernel). The module then unloads, so no request or tag set was
# leaked.
#
# virtbus-qemu: -drive if=none,id=@P@vbd0,file=@SCRATCH@/disk0.img,format=raw
# virtbus-qemu: -device virtio-blk-pci,drive=@P@vbd0,id=@P@vbdev0,serial=unplug-@VARIANT@@DEVOPTS@
# virtbus-qemu: -drive if=none,id=@P@vbd1,file=@SCRATCH@/disk1.img,format=raw
# virtbus-qemu: -device virtio-blk-pci,drive=@P@vbd1,serial=unbind-@VARIANT@,num-queues=2@DEVOPTS@
# virtbus-variant: msix
# virtbus-variant: intx ,vectors=0
# virtbus-initrd: fio
# virtbus-monitor: BLK-UNPLUG-NOW @VARIANT@|device_del @P@vbdev0
# virtbus-timeout: 400
. /tests/lib.sh

command -v fio >/dev/null || fail "no fio in the guest"
wait_disk da "unplug-$VIRTBUS_VARIANT"
wait_disk db "unbind-$VIRTBUS_VARIANT"
vdev_b=$(basename "$(readlink -f "/sys/block/$db/device")")
pci_a=$(readlink -f "/sys/block/$da/device/..")

# fio_bg NAME DISK: a minute of mixed direct I/O, in the background.
fio_bg() {
	fio --name="$1" --filename="$2" --direct=1 --ioengine=libaio \
		--rw=randrw --bsrange=4k-128k --iodepth=32 --numjobs=2 \
		--time_based --runtime=120 --group_reporting \
		>"/tmp/$1.out" 2>&1 &
	echo $! >"/tmp/$1.pid"
}

# fio_ended NAME SECS: fio ended within SECS, with an error.
fio_ended() {
	_pid=$(cat "/tmp/$1.pid")
	if ! wait_for "$2" eval '! kill -0 '"$_pid"; then
		ps; cat /proc/"$_pid"/stack 2>/dev/null
		fail "$1: fio still running ${2}s after its disk went away"
	fi
	wait "$_pid"
	_rc=$?
	tail -5 "/tmp/$1.out"
	[ "$_rc" -ne 0 ] || fail "$1: fio succeeded although its disk went away"
	grep -qiE 'error|No such device' "/tmp/$1.out" || fail "$1: fio reported no error"
}

# in_flight DISK: the disk has requests in flight right now.
in_flight() {
	read -r _r _w <"/sys/block/$1/inflight"
	[ $((_r + _w)) -gt 0 ]
}

fio_bg unplug "/dev/$da"
fio_bg unbind "/dev/$db"
wait_for 60 in_flight "$da" || fail "no I/O in flight on $da"
wait_for 60 in_flight "$db" || fail "no I/O in flight on $db"
sleep 2

echo "BLK-UNPLUG-NOW $VIRTBUS_VARIANT"
wait_for 60 eval '! test -e /sys/block/'"$da" || fail "$da still there after device_del"
wait_for 30 eval '! test -e '"$pci_a" || fail "the PCI device is still there"
fio_ended unplug 60
note "device_del under fio: the disk went away and fio ended with errors"

echo "$vdev_b" >/sys/bus/virtbus/drivers/virtbus_blk/unbind ||
	fail "unbind of $vdev_b failed"
[ ! -e "/sys/block/$db" ] || fail "$db still there after unbind"
fio_ended unbind 60
note "unbind under fio: the disk went away and fio ended with errors"

# The device is still on the bus, unbound; bind it again and use it.
echo "$vdev_b" >/sys/bus/virtbus/drivers/virtbus_blk/bind || fail "rebind failed"
wait_for 30 eval 'ls /sys/bus/virtbus/devices/'"$vdev_b"'/block/vbd*' ||
	fail "no disk after rebinding $vdev_b"
disk=$(basename /sys/bus/virtbus/devices/"$vdev_b"/block/vbd*)
wait_for 30 test -b "/dev/$disk" || fail "no /dev/$disk after rebinding"
dd if=/dev/urandom of=/tmp/blk bs=64k count=16 2>/dev/null
dd if=/tmp/blk of="/dev/$disk" bs=64k oflag=direct 2>/dev/null || fail "write after rebind"
dd if="/dev/$disk" of=/tmp/back bs=64k count=16 iflag=direct 2>/dev/null ||
	fail "read after rebind"
cmp /tmp/blk /tmp/back || fail "data after rebind"
note "rebound disk $disk works"

rmmod virtbus_blk || fail "virtbus_blk does not unload"
# The tests after this one in the boot have disks too.
modprobe virtbus_blk || fail "virtbus_blk does not load again"

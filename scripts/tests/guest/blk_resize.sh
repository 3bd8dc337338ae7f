#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# block_resize from the QEMU monitor reaches the guest as a config change
# (over the PCI config interrupt and the core's config events) and the
# disk grows without a reboot; the new end of the disk is usable. Over
# MSI-X with a vector per queue, INTx, and MSI-X with too few vectors for
# that (two queues, two vectors: config plus one shared by the queues).
#
# virtbus-qemu: -drive if=none,id=@P@vbd0,file=@SCRATCH@/disk0.img,format=raw
# virtbus-qemu: -device virtio-blk-pci,drive=@P@vbd0,serial=rsz-@VARIANT@@DEVOPTS@
# virtbus-variant: msix
# virtbus-variant: intx ,vectors=0
# virtbus-variant: msix-shared ,num-queues=2,vectors=2
# virtbus-monitor: BLK-RESIZE-NOW @VARIANT@|block_resize @P@vbd0 128M
. /tests/lib.sh

variant=$VIRTBUS_VARIANT
wait_disk disk "rsz-$variant"
vdev=$(basename "$(readlink -f "/sys/block/$disk/device")")
case $variant in
msix) grep -q "$vdev-req.0" /proc/interrupts || fail "no per-queue vector" ;;
msix-shared)
	grep -q "$vdev-virtqueues" /proc/interrupts || fail "no shared queue vector"
	[ "$(ls /sys/block/$disk/mq | wc -l)" = 2 ] || fail "expected two queues" ;;
intx) grep -q "$vdev-config" /proc/interrupts && fail "MSI-X without vectors" ;;
esac
grep virtbus /proc/interrupts | sed 's/^/# /'
dd if=/dev/urandom of=/tmp/p bs=64k count=16 2>/dev/null
dd if=/tmp/p of=/dev/$disk bs=64k oflag=direct 2>/dev/null || fail "write"
dd if=/dev/$disk of=/tmp/p2 bs=64k count=16 iflag=direct 2>/dev/null || fail "read"
cmp /tmp/p /tmp/p2 || fail "data differs"
[ "$(cat /sys/block/$disk/size)" = $((64 * 2048)) ] || fail "initial size"
echo "BLK-RESIZE-NOW $variant"
wait_for 60 sh -c '[ "$(cat /sys/block/'"$disk"'/size)" = $((128 * 2048)) ]' ||
	fail "size still $(cat /sys/block/$disk/size) sectors after block_resize"
dd if=/dev/urandom of=/tmp/t bs=4k count=1 2>/dev/null
dd if=/tmp/t of=/dev/$disk bs=4k seek=$((128 * 256 - 1)) oflag=direct 2>/dev/null ||
	fail "cannot write the new last block"
dd if=/dev/$disk of=/tmp/t2 bs=4k skip=$((128 * 256 - 1)) count=1 iflag=direct 2>/dev/null
cmp /tmp/t /tmp/t2 || fail "new last block reads back wrong"
dmesg | grep -q "$disk: detected capacity change" || fail "no capacity change reported"
note "grew from 64 to 128 MiB live"

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# block_resize from the QEMU monitor reaches the guest as a config change
# (over the PCI config interrupt and the core's config events) and the
# disk grows without a reboot; the new end of the disk is usable. Over
# MSI-X with a vector per queue, INTx, and MSI-X with too few vectors for
# that (two queues, two vectors: config plus one shared by the queues).
#
# virtbus-qemu: -drive if=none,id=vbd0,file=@SCRATCH@/disk0.img,format=raw
# virtbus-qemu: -device virtio-blk-pci,drive=vbd0@DEVOPTS@
# virtbus-variant: msix
# virtbus-variant: intx ,vectors=0
# virtbus-variant: msix-shared ,num-queues=2,vectors=2
# virtbus-monitor: BLK-RESIZE-NOW|block_resize vbd0 128M
. /tests/lib.sh

variant=$(sed -n 's/.*virtbus\.variant=\([^ ]*\).*/\1/p' /proc/cmdline)
wait_for 60 test -b /dev/vbda || fail "no /dev/vbda"
case $variant in
msix) grep -q 'virtbus0-req.0' /proc/interrupts || fail "no per-queue vector" ;;
msix-shared)
	grep -q 'virtbus0-virtqueues' /proc/interrupts || fail "no shared queue vector"
	[ "$(ls /sys/block/vbda/mq | wc -l)" = 2 ] || fail "expected two queues" ;;
intx) grep -q 'virtbus0-config' /proc/interrupts && fail "MSI-X without vectors" ;;
esac
grep virtbus /proc/interrupts | sed 's/^/# /'
dd if=/dev/urandom of=/tmp/p bs=64k count=16 2>/dev/null
dd if=/tmp/p of=/dev/vbda bs=64k oflag=direct 2>/dev/null || fail "write"
dd if=/dev/vbda of=/tmp/p2 bs=64k count=16 iflag=direct 2>/dev/null || fail "read"
cmp /tmp/p /tmp/p2 || fail "data differs"
[ "$(cat /sys/block/vbda/size)" = $((64 * 2048)) ] || fail "initial size"
echo "BLK-RESIZE-NOW"
wait_for 60 sh -c '[ "$(cat /sys/block/vbda/size)" = $((128 * 2048)) ]' ||
	fail "size still $(cat /sys/block/vbda/size) sectors after block_resize"
dd if=/dev/urandom of=/tmp/t bs=4k count=1 2>/dev/null
dd if=/tmp/t of=/dev/vbda bs=4k seek=$((128 * 256 - 1)) oflag=direct 2>/dev/null ||
	fail "cannot write the new last block"
dd if=/dev/vbda of=/tmp/t2 bs=4k skip=$((128 * 256 - 1)) count=1 iflag=direct 2>/dev/null
cmp /tmp/t /tmp/t2 || fail "new last block reads back wrong"
dmesg | grep -q 'vbda: detected capacity change' || fail "no capacity change reported"
note "grew from 64 to 128 MiB live"

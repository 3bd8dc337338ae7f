#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A device that stops answering: QEMU throttles the disk to one byte a
# second, a write outlives virtbus_blk's 5 s request timeout, and the
# application gets an I/O error in bounded time; the guest stays healthy
# and later I/O fails fast instead of hanging.
#
# virtbus-qemu: -drive if=none,id=vbd0,file=@SCRATCH@/disk0.img,format=raw
# virtbus-qemu: -device virtio-blk-pci,drive=vbd0
# virtbus-append: virtbus_blk.timeout=5
# virtbus-monitor: BLK-STALL-NOW|block_set_io_throttle vbd0 1 0 0 0 0 0
. /tests/lib.sh

wait_for 60 test -b /dev/vbda || fail "no /dev/vbda"
[ "$(cat /sys/module/virtbus_blk/parameters/timeout)" = 5 ] || fail "timeout parameter"
echo "BLK-STALL-NOW"
sleep 3
start=$(cut -d. -f1 /proc/uptime)
if dd if=/dev/zero of=/dev/vbda bs=64k count=16 oflag=direct 2>/tmp/dd.err; then
	fail "write to the stalled disk succeeded"
fi
took=$(( $(cut -d. -f1 /proc/uptime) - start ))
note "write failed after ${took}s: $(tail -1 /tmp/dd.err)"
[ $took -le 60 ] || fail "the error took ${took}s"
dmesg | grep -q 'request timed out' || fail "no timeout message"
start=$(cut -d. -f1 /proc/uptime)
dd if=/dev/vbda of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null &&
	fail "read from the failed disk succeeded"
[ $(( $(cut -d. -f1 /proc/uptime) - start )) -le 5 ] || fail "a failed disk is slow to say so"

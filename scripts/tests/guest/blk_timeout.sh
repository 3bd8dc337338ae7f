#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A device that stops answering: QEMU throttles the disks to one byte a
# second, I/O outlives virtbus_blk's 5 s request timeout, and the
# application gets an I/O error in bounded time; the guest stays healthy
# and later I/O fails fast instead of hanging.
#
# The second disk has a ring of 16 and no indirect descriptors, so fio at
# queue depth 64 keeps it out of ring space: its queues stop and restart
# on completions (checked first, with fio verifying the data), and when
# the device is failed the requests waiting in stopped queues must fail
# too, not wait forever. The disks then unbind and the module unloads.
#
# virtbus-qemu: -drive if=none,id=@P@vbd0,file=@SCRATCH@/disk0.img,format=raw
# virtbus-qemu: -device virtio-blk-pci,drive=@P@vbd0,serial=vbdstall
# virtbus-qemu: -drive if=none,id=@P@vbd1,file=@SCRATCH@/disk1.img,format=raw
# virtbus-qemu: -device virtio-blk-pci,drive=@P@vbd1,serial=vbdfull,queue-size=16,indirect_desc=off,num-queues=1
# virtbus-append: virtbus_blk.timeout=5
# virtbus-initrd: fio
# virtbus-monitor: BLK-STALL-NOW|block_set_io_throttle @P@vbd0 1 0 0 0 0 0
# virtbus-monitor: BLK-STALL-NOW|block_set_io_throttle @P@vbd1 1 0 0 0 0 0
. /tests/lib.sh

command -v fio >/dev/null || fail "no fio in the guest"
wait_disk stall vbdstall
wait_disk full vbdfull
pcis="$(readlink -f "/sys/block/$stall/device/..") $(readlink -f "/sys/block/$full/device/..")"
[ "$(cat /sys/module/virtbus_blk/parameters/timeout)" = 5 ] || fail "timeout parameter"
# A ring of 16 without indirect descriptors: half of it as queue depth.
[ "$(cat "/sys/block/$full/mq/0/nr_tags")" = 8 ] ||
	fail "$full: $(cat "/sys/block/$full/mq/0/nr_tags") tags for a ring of 16 without indirect descriptors"

# fio ARGS...: run one job on the full disk at queue depth 64.
fio_full() {
	fio --name=full --filename="/dev/$full" --direct=1 --ioengine=libaio \
		--iodepth=64 --bsrange=4k-256k --size=8m "$@" >/tmp/fio.out 2>&1
}
fio_full --rw=randwrite --verify=crc32c --verify_fatal=1 ||
	{ cat /tmp/fio.out; fail "fio verify on $full out of ring space"; }
note "$full: fio verify at queue depth 64 with 8 tags and a ring of 16"

echo "BLK-STALL-NOW"
sleep 3
start=$(cut -d. -f1 /proc/uptime)
fio_full --rw=randwrite --time_based --runtime=120 &
fio=$!
if dd if=/dev/zero of="/dev/$stall" bs=64k count=16 oflag=direct 2>/tmp/dd.err; then
	fail "write to the stalled disk succeeded"
fi
took=$(( $(cut -d. -f1 /proc/uptime) - start ))
note "write failed after ${took}s: $(tail -1 /tmp/dd.err)"
[ $took -le 60 ] || fail "the error took ${took}s"
# fio's 120 s would end it anyway: it must end long before, with errors.
i=0
while kill -0 $fio 2>/dev/null; do
	i=$((i + 1))
	[ $i -le 600 ] || { kill $fio; fail "fio on $full still running 60 s after the stall"; }
	sleep 0.1
done
wait $fio && fail "fio on the stalled $full reported no error"
took=$(( $(cut -d. -f1 /proc/uptime) - start ))
note "fio on $full failed after ${took}s: $(grep -m1 -i 'error' /tmp/fio.out)"
test_dmesg | grep -q "$stall: request timed out" || fail "$stall did not time out"
test_dmesg | grep -q "$full: request timed out" || fail "$full did not time out"
start=$(cut -d. -f1 /proc/uptime)
dd if="/dev/$stall" of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null &&
	fail "read from the failed disk succeeded"
[ $(( $(cut -d. -f1 /proc/uptime) - start )) -le 5 ] || fail "a failed disk is slow to say so"

# Nothing is stuck: both unbind, and the driver unloads.
for p in $pcis; do
	echo "${p##*/}" >/sys/bus/pci/drivers/virtbus_pci/unbind || fail "unbind ${p##*/}"
done
rmmod virtbus_blk || fail "rmmod virtbus_blk"
note "failed disks unbound and the driver unloaded"

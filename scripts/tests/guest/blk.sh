#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# virtbus_blk against QEMU's virtio-blk-pci: the disk appears as vbdX with
# the serial, block size and queue count QEMU was told, and another with
# the topology (physical block, minimum and optimal I/O, discard
# granularity) it was told; random data written with direct and buffered
# I/O reads back and, checked from the host, sits in the image; discard
# and write zeroes (with and without unmap) read back zeroes, and the
# discard and the unmapping write zeroes punch holes in the image; a
# read-only disk refuses writes at open and its image stays untouched; a
# file system survives mkfs, a tree of files, fsync, unmount and fsck; a
# disk whose segment limit is beyond its ring gets requests that fit the
# ring, and a serial of the full 20 bytes, with no NUL, reads back whole.
#
# virtbus-qemu: -drive if=none,id=@P@vbd0,file=@SCRATCH@/disk0.img,format=raw,discard=unmap,cache=writeback
# virtbus-qemu: -device virtio-blk-pci,drive=@P@vbd0,serial=vbdserial0,num-queues=2,logical_block_size=4096,physical_block_size=4096
# virtbus-qemu: -drive if=none,id=@P@vbd1,file=@SCRATCH@/disk1.img,format=raw,readonly=on
# virtbus-qemu: -device virtio-blk-pci,drive=@P@vbd1,serial=vbdro
# virtbus-qemu: -drive if=none,id=@P@vbd2,file=@SCRATCH@/disk2.img,format=raw,discard=unmap
# virtbus-qemu: -device virtio-blk-pci,drive=@P@vbd2,serial=vbdfs,logical_block_size=512,physical_block_size=4096,min_io_size=8192,opt_io_size=65536,discard_granularity=65536
# virtbus-qemu: -drive if=none,id=@P@vbd3,file=@SCRATCH@/disk3.img,format=raw
# virtbus-qemu: -device virtio-blk-pci,drive=@P@vbd3,serial=vbdsmall-serial-0020,queue-size=16,seg-max-adjust=off
# virtbus-host-check: scripts/tests/blk-host-check.sh
. /tests/lib.sh

wait_disk a vbdserial0
wait_disk b vbdro
wait_disk c vbdfs
grep -q '^virtbus_blk ' /proc/modules || fail "virtbus_blk not loaded"
[ -e /dev/vda ] && fail "the kernel's virtio_blk took a disk"

# What QEMU was told.
[ "$(cat /sys/block/$a/serial)" = vbdserial0 ] ||
	fail "serial '$(cat /sys/block/$a/serial)'"
[ "$(cat /sys/block/$b/serial)" = vbdro ] || fail "second serial"
[ "$(cat /sys/block/$a/queue/logical_block_size)" = 4096 ] ||
	fail "logical block size $(cat /sys/block/$a/queue/logical_block_size)"
[ "$(cat /sys/block/$a/queue/physical_block_size)" = 4096 ] ||
	fail "physical block size"
[ "$(ls /sys/block/$a/mq | wc -l)" = 2 ] ||
	fail "hardware queues: $(ls /sys/block/$a/mq | tr '\n' ' ')"
[ "$(cat /sys/block/$a/size)" = $((64 * 2048)) ] ||
	fail "size $(cat /sys/block/$a/size) sectors"
[ "$(cat /sys/block/$a/queue/write_cache)" = "write back" ] ||
	fail "write cache $(cat /sys/block/$a/queue/write_cache)"
note "$a: serial, 4096-byte blocks, 2 queues, 64 MiB as configured"
# Each queue's interrupt is spread to the CPUs that submit to it, so a
# request completes where it started.
vdev=$(basename "$(readlink -f /sys/block/$a/device)")
for q in 0 1; do
	irq=$(grep " $vdev-req.$q\$" /proc/interrupts | cut -d: -f1 | tr -d ' ')
	[ -n "$irq" ] || fail "no interrupt $vdev-req.$q: $(grep virtbus /proc/interrupts)"
	cpus=$(tr -d ' ' <"/sys/block/$a/mq/$q/cpu_list")
	aff=$(cat "/proc/irq/$irq/smp_affinity_list")
	[ "$cpus" = "$aff" ] ||
		fail "$a queue $q serves CPUs $cpus, its interrupt goes to $aff"
	[ "$(cat "/proc/irq/$irq/effective_affinity_list")" = "$aff" ] ||
		fail "$a queue $q: interrupt lands on $(cat "/proc/irq/$irq/effective_affinity_list"), not $aff"
done
[ "$(cat /sys/block/$a/mq/0/cpu_list)" != "$(cat /sys/block/$a/mq/1/cpu_list)" ] ||
	fail "both queues serve the same CPUs"
note "$a: each queue's interrupt on the CPU it serves"
# udev names the disks by serial (udev/60-virtbus-blk.rules).
udevadm settle -t 30
for link in virtbus-vbdserial0:$a virtbus-vbdro:$b; do
	[ "$(readlink -f "/dev/disk/by-id/${link%:*}")" = "/dev/${link#*:}" ] ||
		fail "/dev/disk/by-id/${link%:*}: $(ls -l /dev/disk/by-id 2>&1)"
done
note "/dev/disk/by-id links by serial"

# Direct I/O: 4 MiB at 1 MiB; buffered: 4 MiB at 8 MiB.
dd if=/dev/urandom of=/tmp/a bs=1M count=4 2>/dev/null
dd if=/dev/urandom of=/tmp/b bs=1M count=4 2>/dev/null
dd if=/tmp/a of=/dev/$a bs=1M seek=1 oflag=direct 2>/dev/null || fail "direct write"
dd if=/tmp/b of=/dev/$a bs=1M seek=8 2>/dev/null || fail "buffered write"
sync
echo 3 > /proc/sys/vm/drop_caches
dd if=/dev/$a of=/tmp/a2 bs=1M skip=1 count=4 iflag=direct 2>/dev/null || fail "direct read"
dd if=/dev/$a of=/tmp/b2 bs=1M skip=8 count=4 2>/dev/null || fail "buffered read"
cmp /tmp/a /tmp/a2 || fail "direct I/O data differs"
cmp /tmp/b /tmp/b2 || fail "buffered I/O data differs"
echo "BLK-DATA a 1 $(md5sum < /tmp/a | cut -d' ' -f1)"
echo "BLK-DATA b 8 $(md5sum < /tmp/b | cut -d' ' -f1)"

# Discard and write zeroes over data, then read zeroes back. BLKZEROOUT
# (blkdiscard -z) falls back to writing zero pages, so it would pass
# without WRITE_ZEROES; fallocate's hole punch must use the request with
# the unmap flag (which punches a hole in the image, checked from the
# host), and fails if the disk has none.
[ "$(cat /sys/block/$a/queue/write_zeroes_max_bytes)" -gt 0 ] ||
	fail "no write zeroes on $a"
[ "$(cat /sys/block/$a/queue/discard_max_bytes)" -gt 0 ] || fail "no discard on $a"
for mib in 16 24 32; do
	dd if=/tmp/a of=/dev/$a bs=1M seek=$mib count=4 oflag=direct 2>/dev/null ||
		fail "write at $mib MiB"
done
/sbin/blkdiscard -o $((16 << 20)) -l $((4 << 20)) /dev/$a || fail "discard"
/sbin/blkdiscard -z -o $((24 << 20)) -l $((4 << 20)) /dev/$a || fail "write zeroes"
/usr/bin/fallocate -p -o $((32 << 20)) -l $((4 << 20)) /dev/$a ||
	fail "write zeroes with unmap (fallocate --punch-hole)"
dd if=/dev/zero of=/tmp/z bs=1M count=4 2>/dev/null
for mib in 16 24 32; do
	dd if=/dev/$a of=/tmp/d bs=1M skip=$mib count=4 iflag=direct 2>/dev/null
	cmp /tmp/z /tmp/d || fail "the range zeroed at $mib MiB does not read zeroes"
done

# The read-only disk refuses writes when opened for them, before any
# request could reach the device (which would refuse it with an I/O
# error); the host checks its image is still all zeroes.
[ "$(cat /sys/block/$b/ro)" = 1 ] || fail "$b not read-only"
dd if=/tmp/a of=/dev/$b bs=4k count=1 oflag=direct 2>/tmp/ro.err &&
	fail "write to the read-only disk succeeded"
grep -q 'Permission denied\|Read-only\|not permitted' /tmp/ro.err ||
	fail "write to the read-only disk: $(cat /tmp/ro.err)"

# A file system, from mkfs to fsck; the host reads the files back. Its
# disk has the topology QEMU was told.
for t in logical_block_size=512 physical_block_size=4096 minimum_io_size=8192 \
	 optimal_io_size=65536 discard_granularity=65536 alignment_offset=0; do
	got=$(cat "/sys/block/$c/queue/${t%=*}" 2>/dev/null ||
	      cat "/sys/block/$c/${t%=*}")
	[ "$got" = "${t#*=}" ] || fail "$c: ${t%=*} $got, QEMU was told ${t#*=}"
done
note "$c: topology as configured"
mkfs.ext4 -q -F /dev/$c >/tmp/mkfs.log 2>&1 || { cat /tmp/mkfs.log; fail "mkfs.ext4"; }
mkdir -p /mnt
mount -t ext4 /dev/$c /mnt || fail "mount"
mkdir -p /mnt/tree/a/b /mnt/tree/c
i=0
while [ $i -lt 20 ]; do
	dd if=/dev/urandom of=/mnt/tree/a/b/f$i bs=4k count=$((i + 1)) 2>/dev/null
	i=$((i + 1))
done
cp /tmp/a /mnt/tree/c/big
sync
umount /mnt || fail "umount"
e2fsck -fn /dev/$c >/tmp/fsck.log 2>&1 || { cat /tmp/fsck.log; fail "fsck found problems"; }
mount -t ext4 -o ro /dev/$c /mnt || fail "remount"
echo "BLK-FS /tree/c/big $(md5sum < /mnt/tree/c/big | cut -d' ' -f1)"
echo "BLK-FS /tree/a/b/f7 $(md5sum < /mnt/tree/a/b/f7 | cut -d' ' -f1)"
umount /mnt
note "data, discard, write zeroes, read-only and ext4 checked"

# seg-max-adjust=off offers 126 segments with a ring of 16: a chain may be
# no longer than the ring, so requests carry 16 - 2 segments at most.
wait_disk small vbdsmall-serial-0020
[ "$(cat /sys/block/$small/queue/max_segments)" = 14 ] ||
	fail "$small: max_segments $(cat /sys/block/$small/queue/max_segments), the ring holds 16"
dd if=/tmp/b of=/dev/$small bs=1M oflag=direct 2>/dev/null || fail "$small: direct write"
dd if=/tmp/a of=/dev/$small bs=1M seek=8 2>/dev/null || fail "$small: buffered write"
sync
echo 3 > /proc/sys/vm/drop_caches
dd if=/dev/$small of=/tmp/s1 bs=1M count=4 iflag=direct 2>/dev/null || fail "$small: direct read"
dd if=/dev/$small of=/tmp/s2 bs=1M skip=8 count=4 2>/dev/null || fail "$small: buffered read"
cmp /tmp/b /tmp/s1 || fail "$small: direct I/O data differs"
cmp /tmp/a /tmp/s2 || fail "$small: buffered I/O data differs"
note "$small: 14 segments for a ring of 16, data checked"

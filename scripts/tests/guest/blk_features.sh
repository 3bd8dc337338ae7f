#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# virtbus_blk's cache_type, geometry and poll queues against QEMU's
# virtio-blk-pci. cache_type flips the device between write back and
# write through and queue/write_cache follows; on the test kernel the
# config byte, read with devmem straight from the device's BAR, shows
# QEMU took each mode. Without config-wce the file is read-only and
# refuses writes. fdisk sees the
# heads and sectors QEMU was given. With poll_queues=1 a two-queue device
# gets one interrupt-driven and one polled hardware queue (the polled one
# with no interrupt), io_poll is on, and I/O still reads back what was
# written, polled I/O (io_uring with IOPOLL) included, without costing
# req.0 interrupts; a one-queue device keeps its only queue
# interrupt-driven.
#
# virtbus-qemu: -drive if=none,id=@P@vbd0,file=@SCRATCH@/disk0.img,format=raw,cache=writeback
# virtbus-qemu: -device virtio-blk-pci,drive=@P@vbd0,serial=wce,num-queues=1,cyls=520,heads=4,secs=63
# virtbus-qemu: -drive if=none,id=@P@vbd1,file=@SCRATCH@/disk1.img,format=raw,cache=writeback
# virtbus-qemu: -device virtio-blk-pci,drive=@P@vbd1,serial=nowce,num-queues=1,config-wce=off,cyls=1024,heads=2,secs=64
# virtbus-qemu: -drive if=none,id=@P@vbd2,file=@SCRATCH@/disk2.img,format=raw
# virtbus-qemu: -device virtio-blk-pci,drive=@P@vbd2,serial=poll,num-queues=2
# virtbus-append: virtbus_blk.poll_queues=1
. /tests/lib.sh

kernel=$(sed -n 's/.*virtbus\.kernel=\([^ ]*\).*/\1/p' /proc/cmdline)

wait_disk wce wce
wait_disk nowce nowce
wait_disk poll poll
[ "$(cat /sys/module/virtbus_blk/parameters/poll_queues)" = 1 ] ||
	fail "poll_queues parameter"
note "wce=$wce nowce=$nowce poll=$poll"

# cfg_byte PCIDEV OFFSET: a byte of a virtio PCI device's device config,
# read with devmem from the BAR its DEVICE_CFG capability (vendor
# capability 9, type 4) names: QEMU's value, not the driver's idea of it.
cfg_byte() {
	_cfg=$(od -An -tu1 -v -N256 "$1/config" | tr -s ' \n' '  ' | sed 's/^ //')
	[ "$(echo "$_cfg" | wc -w)" = 256 ] || return 1
	_p=$(echo "$_cfg" | cut -d' ' -f$((0x34 + 1)))
	while [ "$_p" -ne 0 ]; do
		# shellcheck disable=SC2046
		set -- "$1" "$2" $(echo "$_cfg" | cut -d' ' -f$((_p + 1))-$((_p + 12)))
		if [ "$3" = 9 ] && [ "$6" = 4 ]; then
			_base=$(sed -n "$(($7 + 1))p" "$1/resource" | cut -d' ' -f1)
			devmem $((_base + $((${11} | ${12} << 8 | ${13} << 16 | ${14} << 24)) + $2)) 8
			return
		fi
		_p=$4
	done
	return 1
}

# The device's writeback byte (struct virtio_blk_config, offset 32), on
# the test kernel; Debian's (IO_STRICT_DEVMEM) keeps devmem off the BARs
# a driver holds.
wce_pci=$(readlink -f /sys/block/$wce/device/..)
[ -e "$wce_pci/config" ] || fail "$wce's parent $wce_pci is not a PCI device"
qemu_wce() {
	[ "$kernel" = test ] || return 0
	_v=$(cfg_byte "$wce_pci" 32) || fail "cannot read $wce's config with devmem"
	[ "$((_v))" = "$1" ] || fail "QEMU's writeback byte is $_v, expected $1"
}

# cache_type with CONFIG_WCE: writable, both ways, and the queue follows.
# What cache_type shows is read from the device each time.
ctype() { cat "/sys/block/$1/cache_type"; }
wcache() { cat "/sys/block/$1/queue/write_cache"; }
[ "$(ls -l /sys/block/$wce/cache_type | cut -c1-10)" = -rw-r--r-- ] ||
	fail "cache_type mode: $(ls -l /sys/block/$wce/cache_type)"
[ "$(ctype $wce)" = "write back" ] || fail "initial cache_type '$(ctype $wce)'"
[ "$(wcache $wce)" = "write back" ] || fail "initial write_cache '$(wcache $wce)'"
qemu_wce 1
echo "write through" > /sys/block/$wce/cache_type || fail "cannot write cache_type"
[ "$(ctype $wce)" = "write through" ] || fail "cache_type '$(ctype $wce)' after write through"
[ "$(wcache $wce)" = "write through" ] || fail "write_cache '$(wcache $wce)' after write through"
qemu_wce 0
echo "write back" > /sys/block/$wce/cache_type || fail "cannot write cache_type back"
[ "$(ctype $wce)" = "write back" ] || fail "cache_type '$(ctype $wce)' after write back"
[ "$(wcache $wce)" = "write back" ] || fail "write_cache '$(wcache $wce)' after write back"
qemu_wce 1
echo "write sideways" > /sys/block/$wce/cache_type 2>/dev/null &&
	fail "cache_type took 'write sideways'"
[ "$(ctype $wce)" = "write back" ] || fail "a bad write changed cache_type"
qemu_wce 1
echo "write through" > /sys/block/$wce/cache_type || fail "cannot write cache_type"
qemu_wce 0
dd if=/dev/urandom of=/tmp/w bs=64k count=16 2>/dev/null
dd if=/tmp/w of=/dev/$wce bs=64k oflag=direct 2>/dev/null || fail "write in write through"
dd if=/dev/$wce of=/tmp/w2 bs=64k count=16 iflag=direct 2>/dev/null || fail "read"
cmp /tmp/w /tmp/w2 || fail "data differs in write through"
note "cache_type: write back -> write through -> write back -> write through"
[ "$kernel" = test ] && note "QEMU's writeback byte followed each write"

# Without CONFIG_WCE: read-only, and a write fails.
[ "$(ls -l /sys/block/$nowce/cache_type | cut -c1-10)" = -r--r--r-- ] ||
	fail "cache_type without CONFIG_WCE: $(ls -l /sys/block/$nowce/cache_type)"
[ "$(ctype $nowce)" = "write back" ] || fail "nowce cache_type '$(ctype $nowce)'"
if echo "write through" 2>/dev/null > /sys/block/$nowce/cache_type; then
	fail "cache_type without CONFIG_WCE took a write"
fi
[ "$(ctype $nowce)" = "write back" ] || fail "nowce cache_type changed"
[ "$(wcache $nowce)" = "write back" ] || fail "nowce write_cache changed"
note "cache_type without CONFIG_WCE is read-only"

# Geometry, through HDIO_GETGEO. busybox fdisk takes heads and sectors
# from the kernel and works the cylinders out from the size, so QEMU is
# given geometries that fit the 64 MiB disks.
geo() {
	fdisk -l "/dev/$1" 2>/dev/null | grep 'cylinders,.*heads,.*sectors/track'
}
[ "$(geo $wce)" = "520 cylinders, 4 heads, 63 sectors/track" ] ||
	fail "$wce geometry '$(geo $wce)'"
[ "$(geo $nowce)" = "1024 cylinders, 2 heads, 64 sectors/track" ] ||
	fail "$nowce geometry '$(geo $nowce)'"
note "geometry: $(geo $wce); $(geo $nowce)"

# Poll queues: hctx0 takes interrupts, hctx1 is polled and has none.
[ "$(ls /sys/block/$poll/mq | tr '\n' ' ')" = "0 1 " ] ||
	fail "hardware queues: $(ls /sys/block/$poll/mq | tr '\n' ' ')"
[ "$(cat /sys/block/$poll/queue/io_poll)" = 1 ] || fail "io_poll not on for $poll"
dbg=/sys/kernel/debug/block/$poll
[ "$(cat $dbg/hctx0/type)" = default ] || fail "hctx0 type '$(cat $dbg/hctx0/type)'"
[ "$(cat $dbg/hctx1/type)" = poll ] || fail "hctx1 type '$(cat $dbg/hctx1/type)'"
vdev=$(basename "$(readlink -f /sys/block/$poll/device)")
dmesg | grep -q "$vdev: 1 interrupt-driven and 1 polled queues" ||
	fail "no poll queue message for $vdev: $(dmesg | grep virtbus_blk | tail -3)"
grep -q "$vdev-req.0\$" /proc/interrupts || fail "no interrupt for $vdev-req.0"
grep -q "$vdev-req_poll" /proc/interrupts && fail "the polled queue has an interrupt"
[ "$(ls /sys/block/$wce/mq | wc -l)" = 1 ] || fail "$wce has more than one queue"
[ "$(cat /sys/block/$wce/queue/io_poll)" = 0 ] || fail "io_poll on a one-queue disk"
dd if=/dev/urandom of=/tmp/p bs=64k count=64 2>/dev/null
dd if=/tmp/p of=/dev/$poll bs=64k seek=16 oflag=direct 2>/dev/null || fail "direct write to $poll"
dd if=/tmp/p of=/dev/$poll bs=64k seek=256 2>/dev/null || fail "buffered write to $poll"
sync
echo 3 > /proc/sys/vm/drop_caches
dd if=/dev/$poll of=/tmp/p2 bs=64k skip=16 count=64 iflag=direct 2>/dev/null || fail "direct read"
cmp /tmp/p /tmp/p2 || fail "direct I/O data differs on $poll"
dd if=/dev/$poll of=/tmp/p3 bs=64k skip=256 count=64 2>/dev/null || fail "buffered read"
cmp /tmp/p /tmp/p3 || fail "buffered I/O data differs on $poll"

# Polled I/O (io_uring with IOPOLL, tools/iopoll): 4 MiB written and read
# back in 4 KiB requests that only the driver's .poll completes. Had they
# gone to the interrupt-driven queue, its interrupts would count them.
irqs() {
	grep "$vdev-req.0\$" /proc/interrupts |
		awk -v n="$(head -1 /proc/interrupts | wc -w)" \
			'{ s = 0; for (i = 2; i <= n + 1; i++) s += $i; print s }'
}
before=$(irqs)
iopoll write /dev/$poll $((32 << 20)) /tmp/p || fail "polled write"
iopoll read /dev/$poll $((32 << 20)) $((4 << 20)) /tmp/p4 || fail "polled read"
after=$(irqs)
cmp /tmp/p /tmp/p4 || fail "polled I/O data differs"
dd if=/dev/$poll of=/tmp/p5 bs=64k skip=512 count=64 iflag=direct 2>/dev/null ||
	fail "read of the polled write"
cmp /tmp/p /tmp/p5 || fail "the polled write did not reach the disk"
[ $((after - before)) -lt 64 ] ||
	fail "2048 polled requests cost $((after - before)) interrupts on req.0"
note "poll queues: hctx1 polled without an interrupt, io_poll 1, data checked"
note "polled I/O: 2048 requests, $((after - before)) interrupts on req.0"

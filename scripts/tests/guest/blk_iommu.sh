#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# virtbus_blk behind QEMU's emulated Intel IOMMU, in strict mode (every
# unmap flushes the IOTLB at once). The guest's DMA API hands out IOMMU
# addresses for every PCI device, but only a device that negotiated
# ACCESS_PLATFORM (iommu_platform=on) goes through the IOMMU; QEMU gives
# the others guest-physical access, which is what the virtio spec
# promises them. So the ring must use the DMA API for the first disk and
# physical addresses for the modern and legacy disks without the
# feature: data written through each reads back and sits in its image on
# the host. Using the DMA API for those two sends their I/O to whatever
# guest memory the IOMMU addresses happen to name.
#
# virtbus-qemu: -machine q35 -device intel-iommu,intremap=off
# virtbus-qemu: -drive if=none,id=vbd0,file=@SCRATCH@/disk0.img,format=raw
# virtbus-qemu: -device virtio-blk-pci,drive=vbd0,serial=vbdiommu,iommu_platform=on,disable-legacy=on
# virtbus-qemu: -drive if=none,id=vbd1,file=@SCRATCH@/disk1.img,format=raw
# virtbus-qemu: -device virtio-blk-pci,drive=vbd1,serial=vbdphys,disable-legacy=on
# virtbus-qemu: -drive if=none,id=vbd2,file=@SCRATCH@/disk2.img,format=raw
# virtbus-qemu: -device virtio-blk-pci,drive=vbd2,serial=vbdlegacy,disable-modern=on
# virtbus-append: intel_iommu=on iommu.strict=1 iommu.passthrough=0
# virtbus-host-check: scripts/tests/blk-images-check.sh
. /tests/lib.sh

[ -e /sys/class/iommu/dmar0 ] || fail "no IOMMU in the guest: $(ls /sys/class/iommu 2>&1)"

# check_disk SERIAL IMAGE ACCESS_PLATFORM: the disk's device negotiated
# ACCESS_PLATFORM (1) or not (0), its PCI function is translated by the
# IOMMU, and data written direct and buffered reads back.
check_disk() {
	wait_for 60 disk_by_serial "$1" || fail "no disk with serial $1"
	d=$(disk_by_serial "$1")
	wait_for 30 test -b "/dev/$d" || fail "no /dev/$d"
	vdev=$(readlink -f "/sys/block/$d/device")
	pci=$(readlink -f "$vdev/..")
	got=$(feature_bit "$(cat "$vdev/features")" 33)
	[ "$got" = "$3" ] || fail "$d ($1): ACCESS_PLATFORM negotiated: $got, want $3"
	[ -e "$pci/iommu_group" ] || fail "$d: $pci is in no IOMMU group"
	type=$(cat "$pci/iommu_group/type")
	case $type in
	DMA|DMA-FQ) ;;
	*) fail "$d: IOMMU domain type $type, not translated" ;;
	esac

	# 1 MiB requests: up to 256 pieces each, mapped and unmapped.
	dd if=/dev/urandom of=/tmp/a bs=1M count=8 2>/dev/null
	dd if=/dev/urandom of=/tmp/b bs=1M count=4 2>/dev/null
	dd if=/tmp/a of="/dev/$d" bs=1M seek=2 oflag=direct 2>/dev/null ||
		fail "$d: direct write"
	dd if=/tmp/b of="/dev/$d" bs=1M seek=16 2>/dev/null || fail "$d: buffered write"
	sync
	echo 3 >/proc/sys/vm/drop_caches
	dd if="/dev/$d" of=/tmp/a2 bs=1M skip=2 count=8 iflag=direct 2>/dev/null ||
		fail "$d: direct read"
	dd if="/dev/$d" of=/tmp/b2 bs=64k skip=256 count=64 2>/dev/null ||
		fail "$d: buffered read"
	cmp /tmp/a /tmp/a2 || fail "$d: direct I/O data differs"
	cmp /tmp/b /tmp/b2 || fail "$d: buffered I/O data differs"
	mv /tmp/a "/tmp/$1.data"
	echo "BLK-IMG $2 2 8 $(md5sum <"/tmp/$1.data" | cut -d' ' -f1)"
	echo "BLK-IMG $2 16 4 $(md5sum </tmp/b | cut -d' ' -f1)"
	note "$d ($1): ACCESS_PLATFORM=$3, IOMMU domain $type, data checked"
}

check_disk vbdiommu disk0.img 1
check_disk vbdphys disk1.img 0
check_disk vbdlegacy disk2.img 0

# Unbinding unmaps whatever is left; rebinding maps anew.
for p in $(pci_by_id 1af4:1042 1af4:1001); do
	echo "${p##*/}" >/sys/bus/pci/drivers/virtbus_pci/unbind || fail "unbind ${p##*/}"
done
[ -z "$(ls /sys/block | grep vbd)" ] || fail "disks left after unbind: $(ls /sys/block)"
for p in $(pci_by_id 1af4:1042 1af4:1001); do
	echo "${p##*/}" >/sys/bus/pci/drivers/virtbus_pci/bind || fail "bind ${p##*/}"
done
wait_for 60 disk_by_serial vbdiommu || fail "vbdiommu did not come back"
d=$(disk_by_serial vbdiommu)
wait_for 30 test -b "/dev/$d" || fail "no /dev/$d after rebind"
dd if="/dev/$d" of=/tmp/a3 bs=1M skip=2 count=8 iflag=direct 2>/dev/null ||
	fail "$d: read after rebind"
cmp /tmp/vbdiommu.data /tmp/a3 || fail "$d: data differs after rebind"
note "unbind and rebind behind the IOMMU"

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# uio_ivshmem with register BARs the firmware did not place: two
# ivshmem-plain devices hot-plugged (ACPI) while the driver is loaded get
# their 256-byte register BARs from the kernel, aligned to 256 bytes
# only. Map 0 must say where the registers are in its page: its addr is
# the page and addr + offset the BAR; and no two register BARs whose
# registers userspace may map share a page (the driver claims the rest
# of the page of each one it maps).
#
# virtbus-qemu: -object memory-backend-file,id=@P@hpm0,size=1M,share=on,mem-path=@SCRATCH@/hp0
# virtbus-qemu: -object memory-backend-file,id=@P@hpm1,size=1M,share=on,mem-path=@SCRATCH@/hp1
# virtbus-monitor: IVSHMEM-PLUG-0|device_add ivshmem-plain,memdev=@P@hpm0,id=@P@hp0
# virtbus-monitor: IVSHMEM-PLUG-1|device_add ivshmem-plain,memdev=@P@hpm1,id=@P@hp1
. /tests/lib.sh

modprobe uio_ivshmem || fail "modprobe uio_ivshmem"

# have_uio N: there are at least N uio_ivshmem devices.
have_uio() {
	_n=0
	for _u in /sys/class/uio/uio*; do
		[ "$(cat "$_u/name" 2>/dev/null)" = uio_ivshmem ] && _n=$((_n + 1))
	done
	[ $_n -ge "$1" ]
}

echo IVSHMEM-PLUG-0
wait_for 60 have_uio 1 || fail "the first hot-plugged device did not bind"
echo IVSHMEM-PLUG-1
wait_for 60 have_uio 2 || fail "the second hot-plugged device did not bind"

pages=""
for u in /sys/class/uio/uio*; do
	[ "$(cat "$u/name")" = uio_ivshmem ] || continue
	bar=$(head -1 "$u/device/resource" | cut -d' ' -f1)
	addr=$(cat "$u/maps/map0/addr")
	off=$(cat "$u/maps/map0/offset")
	echo "${u##*/}: BAR0 $bar, map0 addr $addr offset $off"
	[ $((addr & 0xfff)) -eq 0 ] || fail "${u##*/}: map0 addr $addr is not a page"
	[ $((addr + off)) -eq $((bar)) ] ||
		fail "${u##*/}: map0 addr $addr + offset $off is not BAR0 $bar"
	page=$((bar & ~0xfff))
	case " $pages " in
	*" $page "*) fail "two register BARs in the page at $page" ;;
	esac
	pages="$pages $page"
done
grep -i ivshmem /proc/iomem || true
note "map0 addr and offset right, no shared register page"

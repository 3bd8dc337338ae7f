#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# uio_ivshmem on QEMU's ivshmem-plain: udev binds it; the UIO maps,
# IVPosition and vector count are in sysfs; the node is root-only; the
# shared memory written in the guest is in the host's backing file (the
# host checks it); unbind, rebind and module unload while a program holds
# the mapping leave the kernel healthy and the memory intact.
#
# virtbus-qemu: -object memory-backend-file,id=@P@ivm,size=4M,share=on,mem-path=@SCRATCH@/ivshmem
# virtbus-qemu: -device ivshmem-plain,memdev=@P@ivm
# virtbus-host-check: scripts/tests/uio-ivshmem-host-check.sh
. /tests/lib.sh

# This test's device: the one whose shared memory has its size (the
# other tests of the boot bring devices of their own).
uio_node() {
	for _u in /sys/class/uio/uio*; do
		[ "$(cat "$_u/name" 2>/dev/null)" = uio_ivshmem ] &&
			[ "$(cat "$_u/maps/map1/size" 2>/dev/null)" = 0x0000000000400000 ] &&
			{ echo "/dev/${_u##*/}"; return 0; }
	done
	return 1
}

wait_for 60 uio_node || fail "no uio_ivshmem device; modules: $(cut -d' ' -f1 /proc/modules | tr '\n' ' ')"
dev=$(uio_node)
u=/sys/class/uio/${dev#/dev/}
wait_for 10 test -c "$dev" || fail "no $dev node"
[ "$(cat "$u/maps/map0/size")" = 0x0000000000000100 ] || fail "map0 size $(cat "$u/maps/map0/size")"
[ "$(cat "$u/maps/map1/size")" = 0x0000000000400000 ] || fail "map1 size $(cat "$u/maps/map1/size")"
# map 2: the same memory, uncached
[ "$(cat "$u/maps/map2/name")" = shmem-uncached ] || fail "map2 is '$(cat "$u/maps/map2/name")'"
[ "$(cat "$u/maps/map2/size")" = "$(cat "$u/maps/map1/size")" ] || fail "map2 size"
[ "$(cat "$u/maps/map2/addr")" = "$(cat "$u/maps/map1/addr")" ] || fail "map2 address"
[ "$(cat "$u/device/ivposition")" = 0 ] || fail "ivposition $(cat "$u/device/ivposition")"
[ "$(cat "$u/device/vectors")" = 0 ] || fail "vectors $(cat "$u/device/vectors")"
mode=$(ls -l "$dev" | cut -c1-10)
[ "$mode" = crw------- ] || fail "$dev is $mode, not root-only"

ivshmem -d "$dev" info || fail "ivshmem info"
sum=$(ivshmem -d "$dev" fill 0 1M 7) || fail "fill"
echo "UIO-FILL $sum"
ivshmem -d "$dev" check 0 1M 7 >/dev/null || fail "check after fill"
# the uncached map shows the same memory (bench checks, without a peer)
ivshmem -d "$dev" bench -o 2M -s 1M >/tmp/bench.log 2>&1 || { cat /tmp/bench.log; fail "bench"; }
grep -q 'into shared memory uncached' /tmp/bench.log || { cat /tmp/bench.log; fail "no uncached mapping"; }
ivshmem -d "$dev" check 0 1M 7 >/dev/null || fail "bench wrote outside its range"
ivshmem -d "$dev" dump 4M 16 >/dev/null 2>&1
[ $? -eq 2 ] || fail "a dump beyond the memory was not a usage error"

# A program holding the mapping while the driver goes away and back.
(sleep 600 | ivshmem -d "$dev" monitor >/tmp/mon.log 2>&1) &
holder=$!
sleep 1
pci=$(basename "$(readlink -f "$u/device")")
echo "$pci" > /sys/bus/pci/drivers/uio_ivshmem/unbind || fail "unbind"
wait_for 10 sh -c '! test -e '"$dev" || fail "$dev still there after unbind"
echo "$pci" > /sys/bus/pci/drivers/uio_ivshmem/bind || fail "bind"
wait_for 10 uio_node || fail "no device after rebind"
ivshmem -d "$(uio_node)" check 0 1M 7 >/dev/null || fail "pattern lost over rebind"
rmmod uio_ivshmem || fail "rmmod with the mapping held"
modprobe uio_ivshmem || fail "modprobe"
wait_for 10 uio_node || fail "no device after reload"
ivshmem -d "$(uio_node)" check 0 1M 7 >/dev/null || fail "pattern lost over reload"
kill $holder 2>/dev/null
pkill -f 'ivshmem -d' 2>/dev/null
note "maps, sysfs, mode, pattern, unbind/rebind/reload with a holder: fine"

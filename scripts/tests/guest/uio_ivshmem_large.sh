#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# uio_ivshmem with 2 GiB of shared memory: the BAR cannot fit below 4 GiB,
# so the firmware puts it above, as a 64-bit BAR. The whole size is in
# the UIO map, a program maps all of it, and data written at its first
# and last MiB lands at those offsets of the host's backing file (the
# host checks). Also the documented udev rule for group access
# (udev/70-uio-ivshmem.rules.example): applied, the node becomes 0660
# for group ivshmem.
#
# virtbus-qemu: -object memory-backend-file,id=@P@ivm,size=2G,share=on,mem-path=@SCRATCH@/ivshmem
# virtbus-qemu: -device ivshmem-plain,memdev=@P@ivm
# virtbus-host-check: scripts/tests/uio-ivshmem-host-check.sh
. /tests/lib.sh

# This test's device: the one whose shared memory has its size (the
# other tests of the boot bring devices of their own).
uio_node() {
	for _u in /sys/class/uio/uio*; do
		[ "$(cat "$_u/name" 2>/dev/null)" = uio_ivshmem ] &&
			[ "$(cat "$_u/maps/map1/size" 2>/dev/null)" = 0x0000000080000000 ] &&
			{ echo "/dev/${_u##*/}"; return 0; }
	done
	return 1
}

wait_for 60 uio_node || fail "no uio_ivshmem device"
dev=$(uio_node)
u=/sys/class/uio/${dev#/dev/}
wait_for 10 test -c "$dev" || fail "no $dev node"
[ "$(cat "$u/maps/map1/size")" = 0x0000000080000000 ] ||
	fail "map1 size $(cat "$u/maps/map1/size")"
addr=$(cat "$u/maps/map1/addr")
[ $((addr >> 32)) -gt 0 ] || fail "the 2 GiB BAR is at $addr, below 4 GiB"
note "map1: 2 GiB at $addr"

last=$(((2 << 30) - (1 << 20)))
for off in 0 $last; do
	sum=$(ivshmem -d "$dev" fill "$off" 1M 11) || fail "fill at $off"
	echo "UIO-FILL-AT $off $sum"
	ivshmem -d "$dev" check "$off" 1M 11 >/dev/null || fail "check at $off"
done
ivshmem -d "$dev" dump $((2 << 30)) 16 >/dev/null 2>&1
[ $? -eq 2 ] || fail "a dump past 2 GiB was not a usage error"
note "first and last MiB written through the mapping"

# Root-only by default; the documented rule opens the node to a group.
[ "$(stat -c %a "$dev")" = 600 ] || fail "$dev is $(stat -c %a "$dev") before the rule"
echo 'ivshmem:x:500:' >>/etc/group
mkdir -p /etc/udev/rules.d
cp /usr/share/virtbus/70-uio-ivshmem.rules.example /etc/udev/rules.d/70-uio-ivshmem.rules
udevadm control --reload
udevadm trigger --subsystem-match=uio
udevadm settle -t 30
[ "$(stat -c '%a %G' "$dev")" = "660 ivshmem" ] ||
	fail "after the rule: $(stat -c '%a %G' "$dev")"
note "the udev rule gives group ivshmem the node"

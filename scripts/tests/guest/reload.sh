#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Unload and reload every virtbus module 50 times with devices bound and
# the rng and the disk in use (the net device bound, but down, and the
# console device, which has no ports here, bound); each round must
# rebind everything.
#
# virtbus-qemu: @DEVICES@
# virtbus-timeout: 900
. /tests/lib.sh

ROUNDS=50
wait_for 60 grep -q '^virtbus_rng ' /proc/modules || fail "virtbus_rng not loaded"
wait_for 60 test -b /dev/vbda || fail "no /dev/vbda"

round=1
while [ $round -le $ROUNDS ]; do
	rng=$(virtbus_dev_by_id 4) || fail "round $round: no rng device"
	wait_for 30 test -e "/sys/bus/virtbus/devices/$rng/driver" ||
		fail "round $round: $rng not bound"
	# A reader in flight while the modules go away.
	echo "virtbus_rng.${rng#virtbus}" > /sys/class/misc/hw_random/rng_current ||
		fail "round $round: cannot select the rng"
	dd if=/dev/hwrng of=/dev/null bs=64 count=4 2>/dev/null ||
		fail "round $round: reading /dev/hwrng failed"
	dd if=/dev/hwrng of=/dev/null bs=64 count=1000000 2>/dev/null &
	reader=$!
	# A disk is in use until its opener goes: read it, then unload,
	# once udev's own look at the new disk (blkid) is over.
	dd if=/dev/vbda of=/dev/null bs=64k count=16 iflag=direct 2>/dev/null ||
		fail "round $round: reading /dev/vbda failed"
	udevadm settle -t 30
	# udev loads virtbus_net for the net device; it holds the bus too.
	net=$(virtbus_dev_by_id 1) || fail "round $round: no net device"
	wait_for 30 test -e "/sys/bus/virtbus/devices/$net/driver" ||
		fail "round $round: $net not bound"
	rmmod virtbus_blk || fail "round $round: rmmod virtbus_blk"
	rmmod virtbus_rng || fail "round $round: rmmod virtbus_rng"
	rmmod virtbus_net || fail "round $round: rmmod virtbus_net"
	con=$(virtbus_dev_by_id 3) || fail "round $round: no console device"
	wait_for 30 test -e "/sys/bus/virtbus/devices/$con/driver" ||
		fail "round $round: $con not bound"
	rmmod virtbus_console || fail "round $round: rmmod virtbus_console"
	rmmod virtbus_pci || fail "round $round: rmmod virtbus_pci"
	rmmod virtbus || fail "round $round: rmmod virtbus"
	kill $reader 2>/dev/null
	wait $reader 2>/dev/null
	[ -d /sys/bus/virtbus ] && fail "round $round: bus still registered"
	modprobe virtbus_pci || fail "round $round: modprobe virtbus_pci"
	# udev loads virtbus_rng again from the new devices' modaliases.
	wait_for 30 grep -q '^virtbus_rng ' /proc/modules ||
		fail "round $round: virtbus_rng not reloaded by udev"
	wait_for 30 test -b /dev/vbda ||
		fail "round $round: virtbus_blk did not come back"
	[ $((round % 10)) -eq 0 ] && note "round $round done"
	round=$((round + 1))
done
note "$ROUNDS rounds of unload and reload"
rng=$(virtbus_dev_by_id 4) || fail "no rng device at the end"
wait_for 30 test -e "/sys/bus/virtbus/devices/$rng/driver" || fail "$rng not bound at the end"
hwrng_check "virtbus_rng.${rng#virtbus}"

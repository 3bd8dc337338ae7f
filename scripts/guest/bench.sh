#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make bench, inside the guest: two identical virtio-rng devices, one
# driven by virtbus_rng and one by the kernel's virtio_rng, read in turns
# through /dev/hwrng in the same boot.
. /tests/lib.sh

MIB=${BENCH_MIB:-2}
ROUNDS=3
wait_for 60 grep -q '^virtbus_rng ' /proc/modules || fail "virtbus_rng not loaded"
set -- $(pci_by_id 1af4:1005 1af4:1044)
[ $# -eq 2 ] || fail "expected two virtio-rng devices"
hand_to_kernel "$2"
modprobe virtio_rng || fail "modprobe virtio_rng"
wait_for 30 grep -q virtio_rng /sys/class/misc/hw_random/rng_available ||
	fail "virtio_rng did not register"
rng=$(virtbus_dev_by_id 4)
ours="virtbus_rng.${rng#virtbus}"
kernels=$(tr ' ' '\n' < /sys/class/misc/hw_random/rng_available | grep '^virtio_rng' | head -1)

uptime_cs() {
	tr -d . < /proc/uptime | cut -d' ' -f1
}

# read_rate NAME: centiseconds to read $MIB MiB from /dev/hwrng via NAME.
read_rate() {
	echo "$1" > /sys/class/misc/hw_random/rng_current
	_t0=$(uptime_cs)
	dd if=/dev/hwrng of=/dev/null bs=64k count=$((MIB * 16)) 2>/dev/null
	_t1=$(uptime_cs)
	echo $((_t1 - _t0))
}

total_ours=0
total_theirs=0
r=1
while [ $r -le $ROUNDS ]; do
	a=$(read_rate "$ours")
	b=$(read_rate "$kernels")
	echo "BENCH-RAW rng round $r: virtbus_rng ${a}0 ms, virtio_rng ${b}0 ms for $MIB MiB"
	total_ours=$((total_ours + a))
	total_theirs=$((total_theirs + b))
	r=$((r + 1))
done
echo "BENCH rng-read-${MIB}MiB-x$ROUNDS ${total_ours}0 ${total_theirs}0"

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Device-side fuzzing: the virtbus_fuzz transport plays two block devices,
# an entropy device and a network device with the real virtbus_blk,
# virtbus_rng and virtbus_net bound, misbehaving from a seed (see
# kunit/virtbus_fuzz.c), while programs read and write the disks, read
# /dev/hwrng and ping the network device's neighbour, and the devices are
# unbound and probed again every three seconds. Each seed ends by removing the devices
# with the I/O still running. Failed I/O and broken queues are
# the right outcome; a kernel report (checked by the host, as in every
# test) or a program that does not finish is a failure, and so is a chain
# the device side finds malformed ("driver bug").
#
# First an honest run (chaos 0): data written to a fuzz disk reads back
# the same, echoes of every size come back intact and no fault is counted, which is what makes the fuzz device a
# device worth trusting when it tells the truth.
#
# Kernel arguments (make fuzz sets them): vfuzz.seconds=N runs random
# seeds for N seconds instead of the fixed ones; vfuzz.seed=S replays one
# seed (with vfuzz.chaos=C, default 2000) for vfuzz.secs=T seconds
# (default 10).
#
# virtbus-timeout: 900
. /tests/lib.sh

seconds='' one='' chaos_one=2000 secs_one=10
for arg in $(cat /proc/cmdline); do
	case $arg in
	vfuzz.seconds=*) seconds=${arg#vfuzz.seconds=} ;;
	vfuzz.seed=*) one=${arg#vfuzz.seed=} ;;
	vfuzz.chaos=*) chaos_one=${arg#vfuzz.chaos=} ;;
	vfuzz.secs=*) secs_one=${arg#vfuzz.secs=} ;;
	esac
done

# A short request timeout: a device that drops a request is failed in
# 2 s, not 30, so every seed reaches its failure paths.
rmmod virtbus_blk 2>/dev/null
modprobe virtbus_blk timeout=2 || fail "modprobe virtbus_blk"
modprobe virtbus_rng || fail "modprobe virtbus_rng"
modprobe virtbus_net || fail "modprobe virtbus_net"

# The disks of the fuzz devices, by name (vbdX).
fuzz_disks() {
	for b in /sys/block/vbd*; do
		[ -e "$b" ] || continue
		case $(readlink -f "$b/device") in
		*/virtbus_fuzz/*) echo "${b##*/}" ;;
		esac
	done
}

# The network interfaces of the fuzz devices.
fuzz_ifaces() {
	for n in /sys/class/net/*; do
		case $(readlink -f "$n/device") in
		*/virtbus_fuzz/*) echo "${n##*/}" ;;
		esac
	done
}

# net_up IFACE: up, with an address of its own; prints the neighbour's,
# which the fuzz device's wire answers (ARP and ICMP echo).
net_up() {
	n=$(($(cat "/sys/class/net/$1/ifindex" 2>/dev/null || echo 0) % 250))
	ip link set "$1" up 2>/dev/null
	ip addr add "10.98.$n.1/24" dev "$1" 2>/dev/null
	echo "10.98.$n.2"
}

stat_of() {	# stat_of NAME: a counter of the loaded module
	sed -n "s/^$1 //p" /sys/kernel/debug/virtbus_fuzz/stats
}

# --- the honest device ---
modprobe virtbus_fuzz seed=1 chaos=0 devices=blk,rng,net || fail "modprobe virtbus_fuzz (honest)"
disk=$(fuzz_disks)
[ -n "$disk" ] || fail "the honest fuzz device has no disk"
head -c 1048576 /dev/urandom >/tmp/pattern
dd if=/tmp/pattern of="/dev/$disk" bs=64k seek=8 conv=fsync 2>/dev/null ||
	fail "writing the honest disk"
blockdev --flushbufs "/dev/$disk"
want=$(md5sum </tmp/pattern)
got=$(dd if="/dev/$disk" bs=64k skip=8 count=16 2>/dev/null | md5sum)
[ "$got" = "$want" ] || fail "the honest disk returned other data"
head -c 1024 /dev/hwrng >/tmp/rng
[ "$(wc -c </tmp/rng)" = 1024 ] || fail "the honest entropy device gave $(wc -c </tmp/rng) bytes"
iface=$(fuzz_ifaces)
[ -n "$iface" ] || fail "the honest fuzz device has no network interface"
peer=$(net_up "$iface")
wait_for 30 grep -qx 1 "/sys/class/net/$iface/carrier" 2>/dev/null ||
	fail "no carrier on the honest $iface"
pingsize "$peer" 0 1472 || fail "echoes through the honest $iface"
bugs=$(stat_of driver_bugs)
faults=$(awk 'NR > 6 { n += $2 } END { print n }' /sys/kernel/debug/virtbus_fuzz/stats)
[ "$bugs" = 0 ] && [ "$faults" = 0 ] || fail "honest run: $bugs driver bugs, $faults faults"
echo "fuzz: honest devices: 1 MiB written and read back, 1 KiB of entropy, echoes of 0-1472 bytes intact, no fault"
rmmod virtbus_fuzz || fail "rmmod virtbus_fuzz (honest)"

# --- misbehaving devices ---
# The fuzz devices on the bus (virtbusN).
fuzz_devs() {
	for v in /sys/devices/virtbus_fuzz/virtbus*; do
		[ -e "$v" ] && echo "${v##*/}"
	done
}

# Unbind each fuzz device and probe it again: a device its driver gave up
# on comes back, and every probe meets the device's chaos anew.
rebind_all() {
	for v in $(fuzz_devs); do
		drv=$(readlink "/sys/bus/virtbus/devices/$v/driver" 2>/dev/null)
		[ -n "$drv" ] && echo "$v" >"/sys/bus/virtbus/drivers/${drv##*/}/unbind"
		echo "$v" >/sys/bus/virtbus/drivers_probe
	done 2>/dev/null
}

# run_seed SEED CHAOS SECS: I/O on every fuzz device for SECS seconds,
# the devices unbound and probed again every three seconds; then the devices
# go with the I/O still running. Each dd moves up to 1024 requests:
# starting programs is what costs under emulation.
run_seed() {
	echo "fuzz: seed $1 chaos $2"
	echo "<6>virtbus-fuzz: seed $1 chaos $2" >/dev/kmsg
	modprobe virtbus_fuzz seed="$1" chaos="$2" devices=blk,blk,rng,net ||
		fail "seed $1: modprobe virtbus_fuzz"
	end=$(($(date +%s) + $3))
	pids=
	for w in write read; do
		(
			while [ "$(date +%s)" -lt "$end" ]; do
				for d in $(fuzz_disks); do
					if [ $w = write ]; then
						dd if=/tmp/pattern of="/dev/$d" bs=4k \
							oflag=direct 2>/dev/null
					else
						dd if="/dev/$d" of=/dev/null bs=4k \
							iflag=direct 2>/dev/null
					fi
				done
				[ -n "$(fuzz_disks)" ] || sleep 0.2
			done
		) &
		pids="$pids $!"
	done
	(
		while [ "$(date +%s)" -lt "$end" ]; do
			dd if=/dev/hwrng of=/dev/null bs=512 count=64 2>/dev/null
		done
	) &
	pids="$pids $!"
	# Echoes of 32 sizes from a random start at a time; a reply that
	# does not come costs pingsize three seconds a size, a gone
	# interface nothing.
	(
		while [ "$(date +%s)" -lt "$end" ]; do
			for i in $(fuzz_ifaces); do
				s=$(($(od -An -N2 -tu2 /dev/urandom) % 1440))
				pingsize "$(net_up "$i")" "$s" $((s + 31)) >/dev/null 2>&1
			done
			[ -n "$(fuzz_ifaces)" ] || sleep 0.2
		done
	) &
	pids="$pids $!"
	while [ "$(date +%s)" -lt "$end" ]; do
		sleep 3
		rebind_all
	done
	rmmod virtbus_fuzz || fail "seed $1: rmmod virtbus_fuzz"
	# Every program ends: the devices are gone and I/O fails at once.
	for i in $(seq 60); do
		alive=
		for p in $pids; do
			kill -0 "$p" 2>/dev/null && alive="$alive $p"
		done
		[ -z "$alive" ] && break
		sleep 0.5
	done
	if [ -n "$alive" ]; then
		echo w >/proc/sysrq-trigger
		fail "seed $1: programs still running 30 s after the devices went:$alive"
	fi
	wait
	if dmesg | grep -q 'virtbus_fuzz: driver bug'; then
		dmesg | grep 'virtbus_fuzz: driver bug' | head -5
		fail "seed $1: the device side found a malformed chain"
	fi
}

start=$(date +%s)
if [ -n "$one" ]; then
	run_seed "$one" "$chaos_one" "$secs_one"
elif [ -n "$seconds" ]; then
	# Random seeds, chaos from light to heavy, until the time is up.
	while [ $(($(date +%s) - start)) -lt "$seconds" ]; do
		s=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
		for c in 200 2000 20000; do
			run_seed "$s" "$c" 10
		done
	done
else
	# The fixed pass of make check.
	for s in 1 2; do
		for c in 200 2000 20000; do
			run_seed "$s" "$c" 8
		done
	done
fi
took=$(($(date +%s) - start))

# The devices' own count of what they did, from their unload lines.
ops=$(dmesg | sed -n 's/.*virtbus_fuzz: seed [0-9]*: \([0-9]*\) device operations.*/\1/p' |
	awk '{ n += $1 } END { print n + 0 }')
seeds=$(dmesg | grep -c 'virtbus_fuzz: seed [0-9]*: ')
echo "fuzz: $seeds runs, $ops device operations in ${took}s ($((ops / (took > 0 ? took : 1))) per second)"
[ "$ops" -gt 0 ] || fail "no device operation counted"

# Nothing holds the drivers: they unload.
rmmod virtbus_blk || fail "rmmod virtbus_blk after fuzzing"
rmmod virtbus_rng || fail "rmmod virtbus_rng after fuzzing"
rmmod virtbus_net || fail "rmmod virtbus_net after fuzzing"
note "fuzz: pass"

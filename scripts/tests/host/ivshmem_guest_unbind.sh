#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# uio_ivshmem unbound, bound again and unloaded while programs hold the
# device, and while a host peer rings it on three of its four vectors
# without pause (interrupts arrive during probe and remove):
#   - a monitor holds the mapping throughout: it reports "device gone",
#     stays up, and still reads and writes the same shared memory
#     through its old mapping after every unbind and unload;
#   - a program waiting on the quiet vector wakes with "the device went
#     away" instead of sleeping on;
#   - rmmod succeeds with the holder alive (open files and mappings do
#     not pin the module);
#   - after it all the device works: per-vector waits, the pattern.
# No kernel warning in the guest's log (KASAN, lockdep, ...).
#
# The single-quoted commands run in the guest, which expands them.
# shellcheck disable=SC2016
set -uo pipefail
# shellcheck source=ivshmem_guest_lib.bash source-path=SCRIPTDIR
. "$(dirname "$0")/ivshmem_guest_lib.bash"
g_init

shm=ivshmem-test-gunbind.$$
iv_server -M "$shm" -l 16M -n 4
g_memory "/dev/shm/$shm" $((16 << 20))
iv_monitor h
# shellcheck disable=SC2046
g_boot a 0 $(g_doorbell_args)
g_ready a
A=${g_id[a]}

# The holder: a monitor taking commands from a FIFO that a sleeping
# writer keeps open. A waiter on vector 1, which nobody rings.
g_must a 'mkfifo /tmp/hold.in
	sleep 100000 >/tmp/hold.in &
	ivshmem monitor -i </tmp/hold.in >/tmp/hold.log 2>&1 & echo $! >/tmp/hold.pid
	ivshmem wait -v 1 -t 300000 >/tmp/wait.log 2>&1 & echo $! >/tmp/wait.pid
	for i in $(seq 100); do grep -q "^id" /tmp/hold.log && exit 0; sleep 0.1; done
	exit 1'
g_must a 'echo "fill 1M 1M 77" >/tmp/hold.in
	for i in $(seq 100); do grep -q "^filled" /tmp/hold.log && break; sleep 0.1; done
	grep "^filled" /tmp/hold.log'
crc=${g_out#filled crc32 }
g_log "guest a (peer $A): holder and waiter up, pattern crc32 $crc"

# The storm: the host rings vectors 0, 2 and 3 every 2 ms until stopped.
storm=()
for v in 0 2 3; do
	iv_bg "storm$v" "$IVSHMEM" -d "$iv_sock" ring -c 1000000 -i 2 "$A" $v
	storm+=("$iv_last_pid")
done
sleep 2
g_must a 'cat /sys/class/uio/${IVSHMEM_DEVICE#/dev/}/device/events/vector0'
[ "$g_out" -gt 20 ] || g_fail "guest a: the storm does not arrive ($g_out rings on vector 0)"
g_log "the storm arrives: $g_out rings on vector 0 so far"

# Unbind: the node goes, the waiter wakes, the holder carries on and
# still sees the memory; bind again: a new program sees the holder's
# writes through the new mapping.
g_must a 'd=/sys/class/uio/${IVSHMEM_DEVICE#/dev/}
	pci=$(basename $(readlink -f $d/device))
	echo $pci >/tmp/pci
	echo $pci >/sys/bus/pci/drivers/uio_ivshmem/unbind || exit 1
	for i in $(seq 100); do test -e $IVSHMEM_DEVICE || break; sleep 0.1; done
	test -e $IVSHMEM_DEVICE && { echo "$IVSHMEM_DEVICE still there"; exit 1; }
	for i in $(seq 100); do kill -0 $(cat /tmp/wait.pid) 2>/dev/null || break; sleep 0.1; done
	echo "waiter: $(cat /tmp/wait.log)"
	for i in $(seq 100); do grep -q "^device gone" /tmp/hold.log && break; sleep 0.1; done
	kill -0 $(cat /tmp/hold.pid) && echo "holder: $(grep "^device gone" /tmp/hold.log)"
	echo "check 1M 1M 77" >/tmp/hold.in
	echo "fill 3M 1M 78" >/tmp/hold.in
	for i in $(seq 100); do grep -q "^filled" /tmp/hold.log && [ $(grep -c "^filled" /tmp/hold.log) = 2 ] && break; sleep 0.1; done
	grep -E "^(checked|filled|error)" /tmp/hold.log | tail -2
	echo $pci >/sys/bus/pci/drivers/uio_ivshmem/bind || exit 1' 60
grep -q "waiter: ivshmem wait: the device went away" <<<"$g_out" ||
	g_fail "guest a: the waiter did not wake on unbind: $g_out"
grep -qx "holder: device gone" <<<"$g_out" || g_fail "guest a: the holder: $g_out"
grep -qx "checked crc32 $crc" <<<"$g_out" ||
	g_fail "guest a: the holder lost the memory on unbind: $g_out"
crc2=$(sed -n 's/^filled crc32 //p' <<<"$g_out" | tail -1)
[ -n "$crc2" ] || g_fail "guest a: the holder could not write after unbind: $g_out"
g_must a 'ivshmem check 1M 1M 77 && ivshmem check 3M 1M 78'
[ "$g_out" = "crc32 $crc
crc32 $crc2" ] || g_fail "guest a: after rebinding: $g_out"
g_log "unbind with a holder and a waiter, rebind: fine"

# More rounds under the storm, then unload and load the module with the
# holder still alive (twice).
g_must a 'pci=$(cat /tmp/pci)
	for r in $(seq 10); do
		echo $pci >/sys/bus/pci/drivers/uio_ivshmem/unbind || exit 1
		echo $pci >/sys/bus/pci/drivers/uio_ivshmem/bind || exit 1
	done
	for r in 1 2 3; do
		rmmod uio_ivshmem || exit 1
		grep -q "^uio_ivshmem " /proc/modules && { echo "still loaded"; exit 1; }
		modprobe uio_ivshmem || exit 1
		for i in $(seq 100); do ls /dev/uio* >/dev/null 2>&1 && break; sleep 0.1; done
	done
	kill -0 $(cat /tmp/hold.pid) && echo holder alive
	sleep 1; cat /sys/class/uio/uio*/device/events/vector0' 120
grep -qx "holder alive" <<<"$g_out" || g_fail "guest a: $g_out"
n=$(tail -1 <<<"$g_out")
[ "$n" -gt 0 ] || g_fail "guest a: no storm on the reloaded device"
g_log "10 unbind/bind and 3 rmmod/modprobe rounds under the storm, holder alive; $n rings on the last device"
for pid in "${storm[@]}"; do
	kill -0 "$pid" 2>/dev/null || iv_fail "a storm ringer ended early: $(cat "$iv_tmp"/storm*.log)"
	kill "$pid"
	wait "$pid" 2>/dev/null
done
sleep 1

# Everything still works: the holder through its old mapping, a new
# program through the new one, per-vector waits on the new device.
g_must a 'echo "check 3M 1M 78" >/tmp/hold.in
	for i in $(seq 100); do [ $(grep -c "^checked" /tmp/hold.log) = 2 ] && break; sleep 0.1; done
	grep "^checked" /tmp/hold.log | tail -1
	ivshmem check 1M 1M 77
	ivshmem wait -v 1 -t 30000 >/tmp/wait.log 2>&1 & echo $! >/tmp/wait.pid; sleep 1'
[ "$g_out" = "checked crc32 $crc2
crc32 $crc" ] || g_fail "guest a: after the reloads: $g_out"
iv_cmd h ring "$A" 1
g_must a 'for i in $(seq 100); do kill -0 $(cat /tmp/wait.pid) 2>/dev/null || break; sleep 0.1; done
	cat /tmp/wait.log
	d=/sys/class/uio/${IVSHMEM_DEVICE#/dev/}/device; cat $d/vectors $d/events/vector1
	kill $(cat /tmp/hold.pid)'
[ "$g_out" = "vector=1 count=1
4
1" ] || g_fail "guest a: the reloaded device: $g_out"
g_log "after it all: the holder's mapping and the new device work"

g_stop a
g_log "pass"

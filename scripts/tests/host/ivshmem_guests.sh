#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two QEMU guests (ivshmem-doorbell, uio_ivshmem) and a host peer around
# one ivshmem-server with four vectors, each guest with an ivshmem-plain
# device beside it on one file, booted once for four tests that need that
# topology, each reported on its own (RESULT lines); a test
# that fails ends the run and the ones after it report "not run". The
# guests' kernel logs are checked after each test, so a kernel warning
# fails the test it happened in.
#
# mesh: every peer rings every vector of every other, and each ring
#   arrives exactly once, on the vector it was rung on -- in the guests
#   as seen by "ivshmem monitor" (per-vector events), by the sysfs
#   counters events/vectorK and by the Nahanni-style merged counter
#   (read() of /dev/uioN); on the host by the monitor peer. Before that:
#   "ivshmem wait -v 2" in a guest sleeps through rings on the other
#   vectors and wakes for vector 2 alone; "ivshmem wait" (any vector)
#   reports which one fired; the guests see the vector count and their
#   IDs without being root-only (sysfs), and agree with the server.
#
# bulk: 64 MiB of random data from guest a to guest b and, at the same
#   time, from guest a to the host, each in 1 MiB chunks handed over by
#   doorbell ("ivshmem send" / "ivshmem recv", one vector per stream, the
#   slots in different parts of the memory); then the host sends what it
#   got on to guest b. Each receiver checks the stream's length and
#   CRC-32 against the sender's; the files' MD5 sums are compared on top.
#
# plain: the ivshmem-plain devices (no server, no doorbells) shared by
#   the two guests through one file in /dev/shm: uio_ivshmem binds both,
#   sysfs says 0 vectors and peer 0, the CLI refuses to wait or ring with
#   a clear usage error, a monitor on such a device stays up, and memory
#   written by one guest is read by the other and by the host (and the
#   other way round).
#
# unbind: in guest a, uio_ivshmem unbound, bound again and unloaded
#   while programs hold the device, and while a host peer rings it on
#   three of its four vectors without pause (interrupts arrive during
#   probe and remove):
#   - a monitor holds the mapping throughout: it reports "device gone",
#     stays up, and still reads and writes the same shared memory
#     through its old mapping after every unbind and unload;
#   - a program waiting on the quiet vector wakes with "the device went
#     away" instead of sleeping on;
#   - rmmod succeeds with the holder alive (open files and mappings do
#     not pin the module);
#   - after it all the device works: per-vector waits, the pattern.
#
# The single-quoted commands run in the guest, which expands them.
# shellcheck disable=SC2016
set -uo pipefail
# shellcheck source=ivshmem_guest_lib.bash source-path=SCRIPTDIR
. "$(dirname "$0")/ivshmem_guest_lib.bash"
g_init
g_parts mesh bulk plain unbind

N=4
shm=ivshmem-test-guests.$$
iv_server -M "$shm" -l 16M -n $N
g_memory "/dev/shm/$shm" $((16 << 20))
plain=/dev/shm/ivshmem-test-plain.$$
truncate -s 16M "$plain" || iv_fail "cannot create $plain"
trap 'g_cleanup; rm -f "$plain"' EXIT
plain_args="-object memory-backend-file,id=ivplain,size=16M,share=on,mem-path=$plain -device ivshmem-plain,memdev=ivplain"
iv_monitor h
H=${iv_id[h]}
# shellcheck disable=SC2046,SC2086
g_boot a 0 $(g_doorbell_args) $plain_args
# shellcheck disable=SC2046,SC2086
g_boot b 1 $(g_doorbell_args) $plain_args
g_ready a
g_ready b
A=${g_id[a]} B=${g_id[b]}
iv_wait_lines h "^join ($A|$B)$" 2 || iv_fail "the host peer did not see both guests join"

g_part mesh
# What each guest sees of itself.
for g in a b; do
	g_must $g 'ivshmem info'
	grep -qx "id: ${g_id[$g]}" <<<"$g_out" || g_fail "guest $g: info says $g_out"
	grep -qx "vectors: $N" <<<"$g_out" || g_fail "guest $g: info says $g_out"
	g_must $g 'd=/sys/class/uio/${IVSHMEM_DEVICE#/dev/}/device
		cat $d/vectors $d/ivposition; ls $d/events | tr "\n" " "'
	[ "$(echo "$g_out" | tr '\n' ' ')" = "$N ${g_id[$g]} vector0 vector1 vector2 vector3  " ] ||
		g_fail "guest $g: sysfs says $(echo "$g_out" | tr '\n' ' ')"
done
g_log "guests: a=$A b=$B, host peer $H, $N vectors each"

# Monitors in both guests, from now on counting everything.
for g in a b; do
	g_must $g 'ivshmem monitor >/tmp/mon.log 2>&1 &
		for i in $(seq 100); do grep -q "^id" /tmp/mon.log && exit 0; sleep 0.1; done
		cat /tmp/mon.log; exit 1'
done

# A per-vector wait sleeps through the other vectors.
g_must a 'ivshmem wait -v 2 -t 60000 >/tmp/wait2.log 2>&1 & echo $! >/tmp/wait2.pid; sleep 1'
for v in 0 1 3; do
	iv_cmd h ring "$A" $v
done
iv_wait_lines h '^rang ' 3 || iv_fail "the host could not ring guest a"
sleep 2
g_run a 'kill -0 $(cat /tmp/wait2.pid) && ! test -s /tmp/wait2.log' ||
	g_fail "guest a: 'wait -v 2' did not wait for vector 2"
iv_cmd h ring "$A" 2
g_must a 'for i in $(seq 100); do kill -0 $(cat /tmp/wait2.pid) 2>/dev/null || break; sleep 0.1; done
	cat /tmp/wait2.log'
[ "$g_out" = "vector=2 count=1" ] || g_fail "guest a: 'wait -v 2' printed '$g_out'"
# A wait for any vector says which one.
g_must b 'ivshmem wait -t 60000 >/tmp/wait.log 2>&1 & echo $! >/tmp/wait.pid; sleep 1'
iv_cmd h ring "$B" 3
g_must b 'for i in $(seq 100); do kill -0 $(cat /tmp/wait.pid) 2>/dev/null || break; sleep 0.1; done
	cat /tmp/wait.log'
[ "$g_out" = "vector=3 count=1" ] || g_fail "guest b: 'wait' printed '$g_out'"
g_log "per-vector wait and wait for any vector: right"

# Everybody rings every vector of everybody else.
ring_all() {	# ring_all PEER...: ring each on every vector
	local p v cmd=""
	for p in "$@"; do
		for ((v = 0; v < N; v++)); do
			cmd+="ivshmem ring $p $v || exit 1; "
		done
	done
	echo "$cmd"
}
g_must a "$(ring_all "$B" "$H")"
g_must b "$(ring_all "$A" "$H")"
for p in "$A" "$B"; do
	for ((v = 0; v < N; v++)); do
		iv_cmd h ring "$p" $v
	done
done
iv_wait_lines h '^rang ' $((3 + 1 + 2 * N)) || iv_fail "the host peer could not ring the guests"
[ "$(iv_count h '^error')" = 0 ] || iv_fail "the host peer reported an error"

# Expected rings per vector 0..3: guest a 2 (+1 each from the wait -v
# test), guest b 2 (+1 on vector 3 from the wait test), the host 2.
declare -A want=([a]="3 3 3 3" [b]="2 2 2 3" [h]="2 2 2 2")
# "COUNT COUNT ..." per vector from a guest's monitor log.
irqs_cmd='awk '\''$1 == "irq" { split($2, v, "="); split($3, c, "="); s[v[2]] += c[2] }
	END { for (i = 0; i < '$N'; i++) printf "%d ", s[i] + 0; print "" }'\'' /tmp/mon.log'
host_irqs() {
	local v out=""
	for ((v = 0; v < N; v++)); do
		out+="$(iv_irqs h $v) "
	done
	echo "${out% }"
}
all_in() {
	local g
	for g in a b; do
		g_run $g "$irqs_cmd" || return 1
		[ "$g_out" = "${want[$g]} " ] || return 1
	done
	[ "$(host_irqs)" = "${want[h]}" ]
}
iv_until 30 all_in || true
sleep 1	# anything extra would arrive now
for g in a b; do
	g_must $g "$irqs_cmd"
	[ "$g_out" = "${want[$g]} " ] ||
		g_fail "guest $g: its monitor saw per vector: $g_out, expected ${want[$g]}"
	g_must $g 'grep "^irq" /tmp/mon.log | grep -cvE "vector=[0-3] " || true'
	[ "$g_out" = 0 ] || g_fail "guest $g: an irq on no or on a wrong vector"
	# the sysfs counters and the merged (Nahanni) counter agree
	g_must $g 'd=/sys/class/uio/${IVSHMEM_DEVICE#/dev/}
		for v in 0 1 2 3; do printf "%s " $(cat $d/device/events/vector$v); done
		cat $d/event'
	total=$(($(echo "${want[$g]}" | tr ' ' '+')))
	[ "$g_out" = "${want[$g]} $total" ] ||
		g_fail "guest $g: sysfs counters and event: $g_out, expected ${want[$g]} $total"
done
[ "$(host_irqs)" = "${want[h]}" ] ||
	iv_fail "host peer: saw per vector $(host_irqs), expected ${want[h]}"
g_log "every ring arrived once, on its vector: a ${want[a]}, b ${want[b]}, host ${want[h]}"

# Nahanni's interface: read() on /dev/uioN blocks for the next interrupt
# on any vector and returns the merged count.
g_must a 'dd if=$IVSHMEM_DEVICE bs=4 count=1 2>/dev/null | od -An -tu4 >/tmp/read.log &
	echo $! >/tmp/read.pid; sleep 1; kill -0 $(cat /tmp/read.pid)'
iv_cmd h ring "$A" 1
g_must a 'for i in $(seq 100); do kill -0 $(cat /tmp/read.pid) 2>/dev/null || break; sleep 0.1; done
	cat /tmp/read.log'
total=$(($(echo "${want[a]}" | tr ' ' '+') + 1))
[ "${g_out//[[:space:]]/}" = "$total" ] || g_fail "guest a: read() of the UIO node returned '$g_out', expected $total"
g_log "read() of /dev/uioN: woke on vector 1, merged count $total"
# The monitors have done their counting.
for g in a b; do
	g_must $g 'pkill -f "ivshmem monitor"; true'
done

g_part bulk
MIB=64

g_must a "dd if=/dev/urandom of=/tmp/data bs=1M count=$MIB 2>&1 && md5sum /tmp/data" 120
sum=$(echo "$g_out" | awk '/\/tmp\/data/ { print $1 }')
[ ${#sum} = 32 ] || g_fail "no checksum of the data: $g_out"
g_log "guest a: $MIB MiB of random data, md5 $sum"

# Receivers first: guest b at offset 0 on vector 1, the host at 8 MiB
# on vector 2 (each: a 4 KiB control block and 4 slots of 1 MiB).
g_must b 'ivshmem recv -o 0 -v 1 -t 60000 /tmp/in >/tmp/recv.log 2>&1 &
	echo $! >/tmp/recv.pid'
iv_bg hostrecv "$IVSHMEM" -d "$iv_sock" recv -o 8M -v 2 -t 60000 "$iv_tmp/in"
hostrecv=$iv_last_pid
ready() {	# ready OFFSET: a receiver's control block is set up
	[ "$(od -An -tx4 -j "$1" -N4 "$g_mem" | tr -d ' ')" = 52464658 ]
}
iv_until 30 ready 0 || g_fail "guest b's receiver did not set up"
iv_until 30 ready $((8 << 20)) || g_fail "the host's receiver did not set up"

g_log "sending to guest b and to the host at once"
t0=$(date +%s)
g_must a 'ivshmem send -o 0 -v 1 -t 60000 /tmp/data >/tmp/send-b.log 2>&1 & b=$!
	ivshmem send -o 8M -v 2 -t 60000 /tmp/data >/tmp/send-h.log 2>&1 & h=$!
	wait $b; rb=$?; wait $h; rh=$?
	cat /tmp/send-b.log /tmp/send-h.log; [ $rb = 0 ] && [ $rh = 0 ]' 300
secs=$(($(date +%s) - t0))
sent=$(grep -c "^sent $((MIB << 20)) bytes crc32 0x" <<<"$g_out")
[ "$sent" = 2 ] || g_fail "guest a: the senders said: $g_out"
crc=$(sed -n 's/^sent [0-9]* bytes crc32 //p' <<<"$g_out" | sort -u)
g_log "guest a sent $MIB MiB twice in ${secs}s, crc32 $crc"

# guest b: the receiver is done and agrees, the file is the same
g_must b 'for i in $(seq 300); do kill -0 $(cat /tmp/recv.pid) 2>/dev/null || break; sleep 0.1; done
	cat /tmp/recv.log; md5sum /tmp/in' 60
grep -qx "received $((MIB << 20)) bytes crc32 $crc" <<<"$g_out" ||
	g_fail "guest b: the receiver said: $g_out"
grep -q "^$sum " <<<"$g_out" || g_fail "guest b: the data differs: $g_out"
g_log "guest b received it whole: crc32 $crc, md5 $sum"

# the host: likewise
iv_until 60 eval '! kill -0 $hostrecv 2>/dev/null' || iv_fail "the host's receiver did not finish"
wait "$hostrecv" || iv_fail "the host's receiver failed: $(cat "$iv_tmp/hostrecv.log")"
grep -qx "received $((MIB << 20)) bytes crc32 $crc" "$iv_tmp/hostrecv.log" ||
	iv_fail "the host's receiver said: $(cat "$iv_tmp/hostrecv.log")"
[ "$(md5sum <"$iv_tmp/in" | cut -d' ' -f1)" = "$sum" ] || iv_fail "the host received other data"
g_log "the host received it whole: crc32 $crc, md5 $sum"

# and back: the host to guest b, on vector 3
g_must b 'ivshmem recv -o 0 -v 3 -t 60000 /tmp/in2 >/tmp/recv2.log 2>&1 &
	echo $! >/tmp/recv.pid'
iv_until 30 ready 0 || g_fail "guest b's second receiver did not set up"
"$IVSHMEM" -d "$iv_sock" send -o 0 -v 3 -t 60000 "$iv_tmp/in" >"$iv_tmp/hostsend.log" 2>&1 ||
	iv_fail "the host could not send"
grep -qx "sent $((MIB << 20)) bytes crc32 $crc" "$iv_tmp/hostsend.log" ||
	iv_fail "the host's sender said: $(cat "$iv_tmp/hostsend.log")"
g_must b 'for i in $(seq 300); do kill -0 $(cat /tmp/recv.pid) 2>/dev/null || break; sleep 0.1; done
	cat /tmp/recv2.log; md5sum /tmp/in2' 60
grep -qx "received $((MIB << 20)) bytes crc32 $crc" <<<"$g_out" ||
	g_fail "guest b: the second receiver said: $g_out"
grep -q "^$sum " <<<"$g_out" || g_fail "guest b: the data from the host differs: $g_out"
g_log "guest b received it from the host whole"


g_part plain

# Guest commands on the plain device: the uio_ivshmem device without
# vectors (the agent's own IVSHMEM_DEVICE is the doorbell device).
P='for u in /sys/class/uio/uio*; do
		[ "$(cat $u/name)" = uio_ivshmem ] && [ "$(cat $u/device/vectors)" = 0 ] &&
			IVSHMEM_DEVICE=/dev/${u##*/}
	done; export IVSHMEM_DEVICE;'
for g in a b; do
	g_must $g "$P"'ivshmem info
		d=/sys/class/uio/${IVSHMEM_DEVICE#/dev/}
		echo "sysfs: $(cat $d/device/vectors) $(cat $d/device/ivposition) $(cat $d/maps/map1/size)"
		test -e $d/device/events && echo "events: yes"; true'
	for want in "id: 0" "vectors: 0" "memory: 16777216 (16 MiB)" "sysfs: 0 0 0x0000000001000000"; do
		grep -qxF "$want" <<<"$g_out" || g_fail "guest $g: no '$want' in: $g_out"
	done
	grep -q '^events' <<<"$g_out" && g_fail "guest $g: an events directory without vectors"
	g_run $g "$P"'ivshmem wait -t 1000'
	rc=$?
	if [ $rc != 2 ] || ! grep -q "no interrupt vectors" <<<"$g_out"; then
		g_fail "guest $g: 'wait' on ivshmem-plain: status $rc: $g_out"
	fi
	g_run $g "$P"'ivshmem ring 0 0'
	rc=$?
	if [ $rc != 2 ] || ! grep -q "no interrupt vectors" <<<"$g_out"; then
		g_fail "guest $g: 'ring' on ivshmem-plain: status $rc: $g_out"
	fi
done
g_log "both guests' plain devices: peer 0, no vectors, 16 MiB; wait and ring refused"

# a monitor stays up on a device without interrupts
g_must a "$P"'ivshmem monitor >/tmp/pmon.log 2>&1 & echo $! >/tmp/pmon.pid; sleep 2
	kill -0 $(cat /tmp/pmon.pid) && cat /tmp/pmon.log'
[ "$g_out" = "id 0 vectors 0" ] || g_fail "guest a: the monitor said: $g_out"

# guest a writes, guest b and the host read; then the other way round
crc32_of() {	# crc32_of OFFSET LEN: of the host's view
	python3 -c 'import sys, zlib
f = open(sys.argv[1], "rb"); f.seek(int(sys.argv[2])); d = f.read(int(sys.argv[3]))
print("0x%08x" % zlib.crc32(d))' "$plain" "$1" "$2"
}
g_must a "$P"'ivshmem fill 0 4M 11'
crc=${g_out#crc32 }
g_must b "$P"'ivshmem check 0 4M 11'
[ "$g_out" = "crc32 $crc" ] || g_fail "guest b: $g_out, guest a wrote $crc"
[ "$(crc32_of 0 $((4 << 20)))" = "$crc" ] || g_fail "the host does not see guest a's data"
g_must b "$P"'ivshmem fill 4M 4M 12'
crc=${g_out#crc32 }
g_must a "$P"'ivshmem check 4M 4M 12'
[ "$g_out" = "crc32 $crc" ] || g_fail "guest a: $g_out, guest b wrote $crc"
[ "$(crc32_of $((4 << 20)) $((4 << 20)))" = "$crc" ] || g_fail "the host does not see guest b's data"
head -c 1M /dev/urandom >"$iv_tmp/rand"
dd if="$iv_tmp/rand" of="$plain" bs=1M seek=8 conv=notrunc status=none
sum=$(md5sum <"$iv_tmp/rand" | cut -d' ' -f1)
for g in a b; do
	g_must $g "$P"'ivshmem read 8M 1M | md5sum'
	[ "${g_out%% *}" = "$sum" ] || g_fail "guest $g does not see the host's data"
done
g_must a 'kill $(cat /tmp/pmon.pid)'
g_log "plain memory shared: a -> b and host, b -> a and host, host -> a and b"


g_part unbind

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
	sleep 1; cat /sys/class/uio/uio*/device/events/vector0 2>/dev/null' 120
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
g_stop b
iv_wait_lines h "^leave ($A|$B)$" 2 || iv_fail "the host peer did not see the guests leave"
g_parts_end

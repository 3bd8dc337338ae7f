#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bulk transfer through the shared memory of two QEMU guests and a host
# peer: 64 MiB of random data from guest a to guest b and, at the same
# time, from guest a to the host, each in 1 MiB chunks handed over by
# doorbell ("ivshmem send" / "ivshmem recv", one vector per stream, the
# slots in different parts of the memory); then the host sends what it
# got on to guest b. Each receiver checks the stream's length and CRC-32
# against the sender's; the files' MD5 sums are compared on top.
#
# The single-quoted commands run in the guest, which expands them.
# shellcheck disable=SC2016
set -uo pipefail
# shellcheck source=ivshmem_guest_lib.bash source-path=SCRIPTDIR
. "$(dirname "$0")/ivshmem_guest_lib.bash"
g_init

MIB=64
shm=ivshmem-test-gbulk.$$
iv_server -M "$shm" -l 16M -n 4
g_memory "/dev/shm/$shm" $((16 << 20))
# shellcheck disable=SC2046
g_boot a 0 $(g_doorbell_args)
# shellcheck disable=SC2046
g_boot b 1 $(g_doorbell_args)
g_ready a
g_ready b

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

g_stop a
g_stop b
g_log "pass"

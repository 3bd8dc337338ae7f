#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two QEMU guests (ivshmem-doorbell, uio_ivshmem) and one host peer on
# one ivshmem-server with four vectors: every peer rings every vector of
# every other, and each ring arrives exactly once, on the vector it was
# rung on -- in the guests as seen by "ivshmem monitor" (per-vector
# events), by the sysfs counters events/vectorK and by the Nahanni-style
# merged counter (read() of /dev/uioN); on the host by the monitor peer.
# Before that: "ivshmem wait -v 2" in a guest sleeps through rings on
# the other vectors and wakes for vector 2 alone; "ivshmem wait" (any
# vector) reports which one fired; the guests see the vector count and
# their IDs without being root-only (sysfs), and agree with the server.

# The single-quoted commands run in the guest, which expands them.
# shellcheck disable=SC2016
set -uo pipefail
# shellcheck source=ivshmem_guest_lib.bash source-path=SCRIPTDIR
. "$(dirname "$0")/ivshmem_guest_lib.bash"
g_init

N=4
shm=ivshmem-test-gmesh.$$
iv_server -M "$shm" -l 16M -n $N
g_memory "/dev/shm/$shm" $((16 << 20))
iv_monitor h
H=${iv_id[h]}
# shellcheck disable=SC2046
g_boot a 0 $(g_doorbell_args)
# shellcheck disable=SC2046
g_boot b 1 $(g_doorbell_args)
g_ready a
g_ready b
A=${g_id[a]} B=${g_id[b]}
iv_wait_lines h "^join ($A|$B)$" 2 || iv_fail "the host peer did not see both guests join"

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

g_stop a
g_stop b
iv_wait_lines h "^leave ($A|$B)$" 2 || iv_fail "the host peer did not see the guests leave"
g_log "pass"

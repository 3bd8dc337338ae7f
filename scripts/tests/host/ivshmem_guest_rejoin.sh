#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Peers leave and rejoin around two QEMU guests and a host peer, and the
# others carry on:
#   - guest b reboots in place (the same QEMU: it stays connected and
#     keeps its peer ID; uio_ivshmem binds the reset device again);
#   - guest b's QEMU is restarted (the group sees peer B leave and a new
#     peer join with a new ID; a doorbell to the old ID reaches nobody);
#   - the host peer dies (SIGKILL) and a new one joins.
# After each step every peer rings every other on one vector and each
# ring arrives exactly once; guest a's monitor, running throughout,
# sees every ring meant for it and no other; the host peers see the
# joins and leaves.
#
# The single-quoted commands run in the guest, which expands them.
# shellcheck disable=SC2016
set -uo pipefail
# shellcheck source=ivshmem_guest_lib.bash source-path=SCRIPTDIR
. "$(dirname "$0")/ivshmem_guest_lib.bash"
g_init

g_vectors=2
V=1
shm=ivshmem-test-grejoin.$$
iv_server -M "$shm" -l 16M -n $g_vectors
g_memory "/dev/shm/$shm" $((16 << 20))
iv_monitor h
H=${iv_id[h]}
# guest b may reboot in place: QEMU resets it instead of exiting
# shellcheck disable=SC2046
g_boot a 0 $(g_doorbell_args)
# shellcheck disable=SC2046
g_boot b 1 $(g_doorbell_args) -action reboot=reset
g_ready a
g_ready b
A=${g_id[a]} B=${g_id[b]}
iv_wait_lines h "^join ($A|$B)$" 2 || iv_fail "the host peer did not see both guests join"
g_log "guests a=$A b=$B, host peer $H"

# Guest a's monitor runs through everything.
g_must a 'ivshmem monitor >/tmp/mon.log 2>&1 &
	for i in $(seq 100); do grep -q "^id" /tmp/mon.log && exit 0; sleep 0.1; done; exit 1'
rings_to_a=0

# The sysfs counter of vector V in guest G, into gcount. (Not in a
# subshell: g_run counts the commands.)
count_cmd='cat /sys/class/uio/${IVSHMEM_DEVICE#/dev/}/device/events/vector'$V
gcount() {
	g_must "$1" "$count_cmd"
	gcount=$g_out
}

# The counts of a, b and host peer $1, into got.
counts() {
	local ca
	gcount a
	ca=$gcount
	gcount b
	got="$ca $gcount $(iv_irqs "$1" $V)"
}

# exchange HOST WHEN: a, b and the host peer HOST (a monitor) each ring
# the other two on vector V; each receives exactly two rings.
exchange() {
	local host=$1 hid=${iv_id[$1]} want a0 b0 h0
	counts "$host"
	read -r a0 b0 h0 <<<"$got"
	g_must a "ivshmem ring ${g_id[b]} $V && ivshmem ring $hid $V"
	g_must b "ivshmem ring ${g_id[a]} $V && ivshmem ring $hid $V"
	iv_cmd "$host" ring "${g_id[a]}" $V
	iv_cmd "$host" ring "${g_id[b]}" $V
	want="$((a0 + 2)) $((b0 + 2)) $((h0 + 2))"
	iv_until 20 eval 'counts "$host"; [ "$got" = "$want" ]'
	sleep 1	# anything extra would arrive now
	counts "$host"
	[ "$got" = "$want" ] ||
		g_fail "$2: rings seen by a, b, $host: $got, expected $want"
	rings_to_a=$((rings_to_a + 2))
	g_log "$2: a=${g_id[a]}, b=${g_id[b]} and $host=$hid each got both rings, once"
}

exchange h "at the start"

# 1. guest b reboots in place: same QEMU, same ID, no leave.
g_must b '(sleep 1; reboot -f) >/dev/null 2>&1 &'
g_ready b
[ "${g_id[b]}" = "$B" ] || g_fail "guest b came back from a reboot as peer ${g_id[b]}, not $B"
[ "$(grep -c '^agent: slot' "$iv_tmp/b.console")" = 2 ] ||
	g_fail "guest b did not boot twice in one QEMU"
[ "$(iv_count h "^leave $B$")" = 0 ] || iv_fail "guest b's reboot looked like a leave"
exchange h "after guest b rebooted"

# 2. guest b's QEMU restarts: it leaves, a new peer joins.
g_stop b
iv_wait_lines h "^leave $B$" 1 || iv_fail "the host peer did not see guest b leave"
# shellcheck disable=SC2046
g_boot b 1 $(g_doorbell_args)
g_ready b
B2=${g_id[b]}
[ "$B2" != "$B" ] || g_fail "the new guest b got the old ID $B"
iv_wait_lines h "^join $B2$" 1 || iv_fail "the host peer did not see peer $B2 join"
# a doorbell to the old ID reaches nobody, and is no error in a guest
g_must a "ivshmem ring $B $V"
sleep 1
gcount b
[ "$gcount" = 0 ] || g_fail "the new guest b got a ring meant for the old peer $B"
exchange h "after guest b's QEMU restarted as $B2"

# 3. the host peer dies; a new one joins and sees everybody.
# shellcheck disable=SC2154
{ kill -9 "$iv_pid_h" && wait "$iv_pid_h"; } 2>/dev/null
iv_monitor h2
H2=${iv_id[h2]}
[ "$H2" != "$H" ] || iv_fail "the new host peer got the old ID $H"
iv_until 10 grep -q "peer $H left" "$iv_tmp/server.log" || iv_fail "the server did not notice the host peer die"
iv_cmd h2 peers
iv_until 10 grep -qE "^peers( [0-9]+){3}$" "$iv_tmp/h2.log" ||
	iv_fail "the new host peer does not see three peers"
peers=$(grep -E '^peers( [0-9]+){3}$' "$iv_tmp/h2.log" | tail -1)
[ "$peers" = "peers $(printf '%s\n' "$A" "$B2" "$H2" | sort -n | tr '\n' ' ' | sed 's/ $//')" ] ||
	iv_fail "the new host peer sees '$peers', expected $A $B2 $H2"
g_must a "ivshmem ring $H $V && ivshmem ring $H2 0"
g_must b "ivshmem ring $H $V"
iv_until 10 eval '[ "$(iv_irqs h2 0)" = 1 ]' || iv_fail "the new host peer did not get guest a's ring"
[ "$(iv_irqs h2 $V)" = 0 ] || iv_fail "the new host peer got rings meant for the old one"
exchange h2 "after the host peer was replaced by $H2"

# guest a's monitor carried on through all of it and saw exactly its rings
g_must a 'awk '\''$1 == "irq" { split($2, v, "="); split($3, c, "="); s[v[2]] += c[2] }
	END { printf "%d %d\n", s[0] + 0, s[1] + 0 }'\'' /tmp/mon.log'
[ "$g_out" = "0 $rings_to_a" ] ||
	g_fail "guest a's monitor saw per vector: $g_out, expected 0 $rings_to_a"
g_log "guest a's monitor carried on: $rings_to_a rings on vector $V, none elsewhere"

g_stop a
g_stop b
iv_wait_lines h2 "^leave ($A|$B2)$" 2 || iv_fail "the host peer did not see the guests leave"
g_log "pass"

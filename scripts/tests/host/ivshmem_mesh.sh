#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ivshmem-server with three host peers and four vectors: every peer rings
# every vector of every other peer, and each ring arrives exactly once,
# on the vector it was rung on (two rings per vector per peer, none lost,
# none extra, none on another vector).
set -uo pipefail
# shellcheck source=ivshmem_lib.bash source-path=SCRIPTDIR
. "$(dirname "$0")/ivshmem_lib.bash"
iv_init

N=4
iv_server -M "ivshmem-test-mesh.$$" -l 1M -n $N
peers=(a b c)
for p in "${peers[@]}"; do
	iv_monitor "$p"
done
for p in "${peers[@]}"; do
	[ "$(sed -n 's/^id [0-9]* vectors //p' "$iv_tmp/$p.log")" = $N ] ||
		iv_fail "peer $p does not have $N vectors"
done
# everyone must know everyone before ringing
for p in "${peers[@]}"; do
	iv_cmd "$p" peers
	iv_until 10 grep -qE "^peers( [0-9]+){3}$" "$iv_tmp/$p.log" ||
		iv_fail "peer $p does not see three peers"
	got=$(grep -E '^peers( [0-9]+){3}$' "$iv_tmp/$p.log" | tail -1)
	for q in "${peers[@]}"; do
		[[ " ${got#peers} " == *" ${iv_id[$q]} "* ]] ||
			iv_fail "peer $p does not list peer $q (${iv_id[$q]}): $got"
	done
done
echo "peers: a=${iv_id[a]} b=${iv_id[b]} c=${iv_id[c]}"

for p in "${peers[@]}"; do
	for q in "${peers[@]}"; do
		[ "$p" = "$q" ] && continue
		for ((v = 0; v < N; v++)); do
			iv_cmd "$p" ring "${iv_id[$q]}" $v
		done
	done
done
want=$(((${#peers[@]} - 1) * N))
for p in "${peers[@]}"; do
	iv_wait_lines "$p" '^rang ' $want ||
		iv_fail "peer $p did not ring $want doorbells"
	[ "$(iv_count "$p" '^error')" = 0 ] || iv_fail "peer $p reported an error"
done

# every vector of every peer: exactly two rings, one from each other peer
all_in() {
	local p v
	for p in "${peers[@]}"; do
		for ((v = 0; v < N; v++)); do
			[ "$(iv_irqs "$p" $v)" -ge 2 ] || return 1
		done
	done
}
iv_until 20 all_in || iv_fail "not every ring arrived"
sleep 0.5	# anything extra would arrive now
for p in "${peers[@]}"; do
	for ((v = 0; v < N; v++)); do
		got=$(iv_irqs "$p" $v)
		[ "$got" = 2 ] || iv_fail "peer $p vector $v saw $got rings, expected 2"
	done
	other=$(grep '^irq' "$iv_tmp/$p.log" | grep -cvE 'vector=[0-3] ')
	[ "$other" = 0 ] || iv_fail "peer $p saw rings on a vector it does not have"
done
echo "each of 3 peers saw 2 rings on each of its $N vectors"

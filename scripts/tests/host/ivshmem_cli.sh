#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The ivshmem tool between host peers: fill/check/dump see one memory,
# check catches a mismatch, wait and ring agree on vectors and counts,
# bench runs against an echo peer.
set -uo pipefail
# shellcheck source=ivshmem_lib.bash source-path=SCRIPTDIR
. "$(dirname "$0")/ivshmem_lib.bash"
iv_init
I() { timeout 30 "$IVSHMEM" -d "$iv_sock" "$@"; }

iv_server -M "ivshmem-test-cli.$$" -l 2M -n 3
info=$(I info) || iv_fail "info failed"
grep -qx 'memory: 2097152 (2 MiB)' <<<"$info" || iv_fail "info: $info"
grep -qx 'vectors: 3' <<<"$info" || iv_fail "info: $info"
grep -qx 'backend: host' <<<"$info" || iv_fail "info: $info"

# one peer writes, another reads: the same memory
w=$(I fill 4096 1M 0x1234) || iv_fail "fill failed"
r=$(I check 4096 1M 0x1234) || iv_fail "check failed: $r"
[ "$w" = "$r" ] || iv_fail "fill says '$w', check says '$r'"
grep -qE '^crc32 0x[0-9a-f]{8}$' <<<"$w" || iv_fail "fill printed '$w'"
I check 4096 1M 0x1235 >"$iv_tmp/mis.out" 2>"$iv_tmp/mis.err"
rc=$?
[ $rc = 1 ] || iv_fail "check with another seed exited $rc, expected 1"
grep -q 'differ, the first at offset 0x1000' "$iv_tmp/mis.err" ||
	iv_fail "check mismatch message: $(cat "$iv_tmp/mis.err")"
# the pattern depends on the seed and the position within the region only
I fill 0 16 7 >/dev/null
I fill 0x100 16 7 >/dev/null
line1() { sed -n '1s/^[0-9a-f]*  //p'; }
a=$(I dump 0 16 | line1)
b=$(I dump 0x100 16 | line1)
{ [ -n "$a" ] && [ "$a" = "$b" ] && [ "$a" != "$(I dump 0x200 16 | line1)" ]; } ||
	iv_fail "dump: '$a' at 0, '$b' at 0x100"
# untouched memory is zero, and dump collapses repeated lines into '*'
dump=$(I dump 1536K 4K)
[ "$(head -1 <<<"$dump")" = "00180000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|" ] ||
	iv_fail "dump: $(head -1 <<<"$dump")"
{ [ "$(sed -n 2p <<<"$dump")" = '*' ] && [ "$(tail -1 <<<"$dump")" = 00181000 ]; } ||
	iv_fail "dump does not collapse repeats: $dump"

# wait -v only takes its vector; wait -c counts coalesced rings
iv_bg w1 "$IVSHMEM" -d "$iv_sock" wait -v 2 -c 3 -t 20000
w1=$iv_last_pid
iv_monitor m   # learns the waiter's ID from the join
iv_until 10 grep -qE '^peers( [0-9]+){2}$' "$iv_tmp/m.log" ||
	iv_fail "the monitor does not see the waiter"
wid=$(sed -n 's/^peers //p' "$iv_tmp/m.log" | tr ' ' '\n' | grep -vx "${iv_id[m]}")
I ring "$wid" 1 || iv_fail "ring vector 1 failed"
I ring -c 3 "$wid" 2 || iv_fail "ring -c 3 failed"
wait "$w1" || iv_fail "wait -v 2 -c 3 failed"
[ "$(awk -F'[= ]' '{ s += $4 } END { print s }' "$iv_tmp/w1.log")" = 3 ] ||
	iv_fail "wait counted wrong: $(cat "$iv_tmp/w1.log")"
grep -v '^vector=2 ' "$iv_tmp/w1.log" && iv_fail "wait -v 2 saw another vector"

# bench: round trips against an echo peer, then bandwidth
iv_bg echo "$IVSHMEM" -d "$iv_sock" bench --echo -o 1M -t 20000
iv_wait_lines echo 'serving' 1 || iv_fail "the echo peer did not start"
I bench -o 1M -n 200 -s 256K >"$iv_tmp/bench.log" 2>&1 || iv_fail "bench failed"
grep -qE '^latency: 200 round trips .* median [0-9.]+ us, p99 [0-9.]+ us' "$iv_tmp/bench.log" ||
	iv_fail "bench printed no latency"
grep -qE '^memcpy 256 KiB into shared memory: [0-9]+ MiB/s' "$iv_tmp/bench.log" ||
	iv_fail "bench printed no bandwidth"
cat "$iv_tmp/bench.log"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A peer that never reads its socket does not hold the server up: while
# peers come and go the server keeps serving everyone else, and once the
# stuck peer's bounded queue (-Q) overflows it is dropped with a message
# and the others are told it left.
set -uo pipefail
# shellcheck source=ivshmem_lib.bash source-path=SCRIPTDIR
. "$(dirname "$0")/ivshmem_lib.bash"
iv_init
command -v python3 >/dev/null || iv_skip "python3 is needed for a client that never reads"

iv_server -M "ivshmem-test-slow.$$" -l 64K -n 64 -Q 256
iv_monitor a
# the stuck peer: connects, then sleeps without reading
iv_bg stuck python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
print("connected", flush=True)
time.sleep(120)' "$iv_sock"
iv_wait_lines stuck connected 1 || iv_fail "the stuck client did not connect"
iv_wait_lines a '^join ' 1 || iv_fail "a did not see the stuck peer join"
stuck=$(sed -n 's/^join //p' "$iv_tmp/a.log" | head -1)

# churn: every newcomer means 64 messages with an fd for each peer
start=$(date +%s)
for i in $(seq 40); do
	timeout 10 "$IVSHMEM" -d "$iv_sock" info >/dev/null ||
		iv_fail "peer $i could not join while a peer is stuck"
	grep -q "peer $stuck dropped" "$iv_tmp/server.log" && break
done
secs=$(($(date +%s) - start))
iv_until 10 grep -q "peer $stuck dropped: too slow" "$iv_tmp/server.log" ||
	iv_fail "the stuck peer $stuck was not dropped"
iv_wait_lines a "^leave $stuck\$" 1 || iv_fail "a was not told that $stuck left"
kill -0 "$iv_server_pid" || iv_fail "the server died"
# still serving
iv_cmd a ring "${iv_id[a]}" 63
iv_wait_lines a '^irq vector=63 ' 1 || iv_fail "the server no longer serves a"
"$IVSHMEM" -d "$iv_sock" info >/dev/null || iv_fail "new peers cannot join"
echo "stuck peer $stuck dropped after $i joins ($secs s); the rest carried on"

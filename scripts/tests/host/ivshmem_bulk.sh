#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 64 MiB of random data from one host peer to another through 4 MiB of
# shared memory, in chunks handed over by doorbell (ivshmem send/recv).
# The receiver checks the sender's length and CRC-32; the test compares
# the files too.
set -uo pipefail
# shellcheck source=ivshmem_lib.bash source-path=SCRIPTDIR
. "$(dirname "$0")/ivshmem_lib.bash"
iv_init

iv_server -M "ivshmem-test-bulk.$$" -l 4M -n 2
head -c 64M /dev/urandom >"$iv_tmp/in" || iv_fail "no random data"

# the control block not at 0, the doorbells on vector 1
iv_bg recv timeout 120 "$IVSHMEM" -d "$iv_sock" recv -o 64K -v 1 "$iv_tmp/out"
recv_pid=$iv_last_pid
iv_wait_lines recv 'ready' 1 || iv_fail "the receiver did not get ready"
start=$(date +%s%N)
timeout 120 "$IVSHMEM" -d "$iv_sock" send -o 64K -v 1 "$iv_tmp/in" \
	>"$iv_tmp/send.log" 2>&1 || iv_fail "send failed (exit $?)"
wait "$recv_pid"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
[ $rc = 0 ] || iv_fail "recv failed (exit $rc)"

sent=$(sed -n 's/^sent \([0-9]*\) bytes crc32 \(0x[0-9a-f]*\)$/\1 \2/p' "$iv_tmp/send.log")
got=$(sed -n 's/^received \([0-9]*\) bytes crc32 \(0x[0-9a-f]*\)$/\1 \2/p' "$iv_tmp/recv.log")
{ [ -n "$sent" ] && [ "$sent" = "$got" ]; } || iv_fail "sender says '$sent', receiver '$got'"
[ "${sent% *}" = $((64 << 20)) ] || iv_fail "sent ${sent% *} bytes, not 64 MiB"
cmp "$iv_tmp/in" "$iv_tmp/out" || iv_fail "the data differ"
echo "64 MiB through 4 MiB of shared memory in $ms ms, crc32 ${sent#* }"


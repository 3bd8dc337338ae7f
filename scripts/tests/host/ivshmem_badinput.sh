#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bad input to ivshmem-server and the ivshmem tool: a clear one-line error
# and exit status 2 (usage), never a crash. Also garbage from a client
# does not bother the server.
set -uo pipefail
# shellcheck source=ivshmem_lib.bash source-path=SCRIPTDIR
. "$(dirname "$0")/ivshmem_lib.bash"
iv_init

n=0
# expect STATUS PATTERN CMD...: CMD exits STATUS with one stderr line
# matching PATTERN (an ERE), and no signal.
expect() {
	local want=$1 pat=$2 rc err
	shift 2
	timeout 20 "$@" >"$iv_tmp/out" 2>"$iv_tmp/err"
	rc=$?
	err=$(cat "$iv_tmp/err")
	n=$((n + 1))
	if [ $rc -ge 124 ]; then
		iv_fail "'${*#"$iv_root/"}' died or hung (exit $rc): $err"
	fi
	[ $rc = "$want" ] || iv_fail "'$*' exited $rc, expected $want: $err"
	[ "$(wc -l <"$iv_tmp/err")" = 1 ] || iv_fail "'$*' did not print one line: $err"
	grep -qE "$pat" <<<"$err" || iv_fail "'$*' said '$err', expected /$pat/"
}

S=$IVSERVER
sock=$iv_tmp/s2
# server options
expect 2 'power of two' "$S" -F -S "$sock" -l 3000
expect 2 'power of two' "$S" -F -S "$sock" -l 12M
expect 2 'power of two' "$S" -F -S "$sock" -l 0
expect 2 'not a size' "$S" -F -S "$sock" -l lots
expect 2 'not a size' "$S" -F -S "$sock" -l 4Q
expect 2 'vectors must be' "$S" -F -S "$sock" -n 0
expect 2 'vectors must be' "$S" -F -S "$sock" -n 1025
expect 2 'vectors must be' "$S" -F -S "$sock" -n four
expect 2 'exclude each other' "$S" -F -S "$sock" -M x -m /tmp
expect 2 'unknown option -Z' "$S" -F -Z
expect 2 'needs an argument' "$S" -F -S
expect 2 'unexpected argument' "$S" -F stray
expect 2 'not a socket' "$S" -F -S /etc/hostname
expect 2 'No such file' "$S" -F -S /nonexistent/dir/sock
expect 2 'too long' "$S" -F -S "/tmp/$(printf 'x%.0s' $(seq 200))"
expect 2 'No such file' "$S" -F -S "$sock" -m /nonexistent
[ ! -e "$sock" ] || iv_fail "a failed server left its socket behind"
grep -q '^SYNOPSIS' <<<"$($S -h)" || iv_fail "server -h has no SYNOPSIS"

# the tool without a server
I=$IVSHMEM
expect 2 'no such socket' "$I" -d "$iv_tmp/nothing" info
expect 2 'neither' "$I" -d /etc/hostname info
expect 2 'no command' "$I"
expect 2 'unknown command' "$I" frobnicate
expect 2 'unknown option' "$I" -x info
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
	"$iv_tmp/stale" 2>/dev/null &&
	expect 2 'no ivshmem-server is listening' "$I" -d "$iv_tmp/stale" info

# with a server: arguments out of range
iv_server -M "ivshmem-test-bad.$$" -l 64K -n 2
iv_monitor a
a=${iv_id[a]}
expect 2 'peer 70000 is out of range' "$I" -d "$iv_sock" ring 70000 0
expect 2 'negative' "$I" -d "$iv_sock" ring "$a" -1
expect 2 "peer 4242 is not connected" "$I" -d "$iv_sock" ring 4242 0
expect 2 'vector 2 is out of range: the peers have 2 vectors' "$I" -d "$iv_sock" ring "$a" 2
expect 2 'vector 1024 is out of range' "$I" -d "$iv_sock" ring "$a" 1024
expect 2 "peer 'one' is not a number" "$I" -d "$iv_sock" ring one 0
expect 2 "vector '0x' is not a number" "$I" -d "$iv_sock" ring "$a" 0x
expect 2 'needs PEER and VECTOR' "$I" -d "$iv_sock" ring "$a"
expect 2 'unexpected argument' "$I" -d "$iv_sock" ring "$a" 0 0
expect 2 'vector 7 is out of range' "$I" -d "$iv_sock" wait -v 7 -t 100
expect 2 "timeout 'soon' is not a number" "$I" -d "$iv_sock" wait -t soon
expect 2 'beyond the shared memory' "$I" -d "$iv_sock" dump 64K 1
expect 2 'beyond the shared memory' "$I" -d "$iv_sock" dump 0 65537
expect 2 'beyond the shared memory' "$I" -d "$iv_sock" fill 0xffffffffffffff00 0x200 1
expect 2 'beyond the shared memory' "$I" -d "$iv_sock" check 60K 8K 1
expect 2 "seed 'x' is not a number" "$I" -d "$iv_sock" fill 0 16 x
expect 2 "offset '1X' is not a number" "$I" -d "$iv_sock" dump 1X 16
expect 2 'too large' "$I" -d "$iv_sock" dump 99999999999999999999 1
expect 1 'timed out after 100 ms' "$I" -d "$iv_sock" wait -t 100
for cmd in info ring wait dump fill check monitor bench; do
	grep -q '^SYNOPSIS' <<<"$($I "$cmd" -h)" || iv_fail "'ivshmem $cmd -h' has no SYNOPSIS"
done
grep -q '^COMMANDS' <<<"$($I -h)" || iv_fail "'ivshmem -h' lists no commands"

# a client that talks (the protocol is one way) or hangs up mid-setup
python3 - "$iv_sock" <<'PY' || iv_fail "the junk client failed"
import socket, sys
for i in range(20):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.sendall(b"garbage" * 1000)
    if i % 2:
        s.recv(3)    # hang up in the middle of a message
    s.close()
PY
kill -0 "$iv_server_pid" || iv_fail "the server died"
iv_cmd a ring "$a" 1
iv_wait_lines a '^irq vector=1' 1 || iv_fail "the server no longer serves peer a"
$I -d "$iv_sock" info >/dev/null || iv_fail "the server no longer serves new peers"
echo "$n bad inputs refused cleanly; the server carries on"

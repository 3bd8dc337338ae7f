#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ivshmem-server's life: it detaches and writes its pidfile only once the
# socket is ready, refuses to start over a live server, replaces a stale
# socket, serves memory from -m DIRECTORY, and on SIGTERM or SIGINT
# closes every peer and removes its socket, -M object and pidfile.
set -uo pipefail
# shellcheck source=ivshmem_lib.bash source-path=SCRIPTDIR
. "$(dirname "$0")/ivshmem_lib.bash"
iv_init

shm=ivshmem-test-srv.$$
pidf=$iv_tmp/pid
# detached: when the command returns, socket and pidfile are there
timeout 10 "$IVSERVER" -S "$iv_sock" -M "$shm" -l 128K -n 2 -p "$pidf" ||
	iv_fail "the server did not start detached"
{ [ -S "$iv_sock" ] && [ -s "$pidf" ]; } || iv_fail "no socket or pidfile after start"
pid=$(cat "$pidf")
iv_pids+=("$pid")
kill -0 "$pid" || iv_fail "pidfile names $pid, which does not run"
[ -e "/dev/shm/$shm" ] || iv_fail "no /dev/shm/$shm"
[ "$(stat -c %s "/dev/shm/$shm")" = 131072 ] || iv_fail "the shm object has the wrong size"

# a second server on the same socket is refused, the first carries on
timeout 10 "$IVSERVER" -F -S "$iv_sock" -M "$shm.2" 2>"$iv_tmp/second.log"
rc=$?
{ [ $rc = 1 ] && grep -q 'another server is listening' "$iv_tmp/second.log"; } ||
	iv_fail "a second server on a live socket: exit $rc, $(cat "$iv_tmp/second.log")"
[ ! -e "/dev/shm/$shm.2" ] || iv_fail "the refused server created its memory"

iv_monitor a
# the -M object is the memory the peers see
printf 'ABCDEFGH' | dd of="/dev/shm/$shm" conv=notrunc status=none ||
	iv_fail "cannot write /dev/shm/$shm"
grep -q '^00000000  41 42 43 44 45 46 47 48 ' <<<"$("$IVSHMEM" -d "$iv_sock" dump 0 8)" ||
	iv_fail "the peers do not see what was written to /dev/shm/$shm"

kill -TERM "$pid"
iv_until 10 eval '! kill -0 '"$pid"' 2>/dev/null' || iv_fail "SIGTERM did not stop the server"
iv_wait_lines a '^server gone' 1 || iv_fail "the peer did not notice the server leave"
for f in "$iv_sock" "$pidf" "/dev/shm/$shm"; do
	[ ! -e "$f" ] || iv_fail "$f left behind after SIGTERM"
done
iv_cmd a quit

# a stale socket (no listener) is replaced; -m DIRECTORY; SIGINT
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$iv_sock" ||
	iv_skip "python3 is needed to make a stale socket"
mkdir "$iv_tmp/dir"
iv_bg server2 "$IVSERVER" -F -v -S "$iv_sock" -m "$iv_tmp/dir" -l 1M -n 1
pid2=$iv_last_pid
iv_until 10 grep -q 'listening' "$iv_tmp/server2.log" || iv_fail "no server over a stale socket"
grep -q 'replacing a stale socket' "$iv_tmp/server2.log" || iv_fail "the stale socket was not noticed"
[ -z "$(ls -A "$iv_tmp/dir")" ] || iv_fail "-m left a name in the directory"
{ w=$("$IVSHMEM" -d "$iv_sock" fill 0 1M 5) && r=$("$IVSHMEM" -d "$iv_sock" check 0 1M 5) &&
	[ "$w" = "$r" ]; } || iv_fail "-m memory is not shared: '$w' / '$r'"
kill -INT "$pid2"
wait "$pid2"
rc=$?
[ $rc = 0 ] || iv_fail "the server exited $rc after SIGINT"
[ ! -e "$iv_sock" ] || iv_fail "the socket was left behind after SIGINT"
echo "detach, pidfile, refusal, stale socket, -m, SIGTERM and SIGINT all fine"

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest side of scripts/bench-ivshmem.sh, run through the test agent
# (agent.sh), with IVSHMEM_DEVICE set:
#
#   sh /tests/ivshmem/bench.sh echo OFFSET
#       start an echo peer with its mailbox at OFFSET in the background;
#       returns once it serves (it leaves after 60 s without a ring)
#   sh /tests/ivshmem/bench.sh ping OFFSET ITER SIZE
#       ITER doorbell round trips against the echo peer whose mailbox
#       is at OFFSET, then the bandwidth over SIZE bytes after it:
#       cached, uncached and within RAM
# shellcheck source=../lib.sh source-path=SCRIPTDIR
. /tests/lib.sh

case $1 in
echo)
	rm -f "/tmp/echo.$2.log"
	ivshmem bench --echo -o "$2" -t 60000 >"/tmp/echo.$2.log" 2>&1 &
	wait_for 20 grep -q "^echo: peer" "/tmp/echo.$2.log" ||
		fail "the echo peer did not start: $(cat "/tmp/echo.$2.log")"
	cat "/tmp/echo.$2.log"
	;;
ping)
	ivshmem bench -o "$2" -n "$3" -s "$4"
	;;
*)
	fail "usage: bench.sh echo OFFSET | ping OFFSET ITER SIZE"
	;;
esac

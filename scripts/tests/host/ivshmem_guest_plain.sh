#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ivshmem-plain (no server, no doorbells) shared between two QEMU guests
# through one file in /dev/shm: uio_ivshmem binds both, sysfs says 0
# vectors and peer 0, the CLI refuses to wait or ring with a clear
# usage error, and memory written by one guest is read by the other and
# by the host (and the other way round). A monitor on such a device
# stays up (it is what the unbind tests use to hold a mapping).
#
# The single-quoted commands run in the guest, which expands them.
# shellcheck disable=SC2016
set -uo pipefail
# shellcheck source=ivshmem_guest_lib.bash source-path=SCRIPTDIR
. "$(dirname "$0")/ivshmem_guest_lib.bash"
g_init

mem=/dev/shm/ivshmem-test-gplain.$$
truncate -s 16M "$mem" || iv_skip "cannot create $mem"
trap 'g_cleanup; rm -f "$mem"' EXIT
g_memory "$mem" $((16 << 20))
plain_args="-object memory-backend-file,id=ivm,size=16M,share=on,mem-path=$mem -device ivshmem-plain,memdev=ivm"
# shellcheck disable=SC2086
g_boot a 0 $plain_args
# shellcheck disable=SC2086
g_boot b 1 $plain_args
g_ready a
g_ready b

for g in a b; do
	g_must $g 'ivshmem info
		d=/sys/class/uio/${IVSHMEM_DEVICE#/dev/}
		echo "sysfs: $(cat $d/device/vectors) $(cat $d/device/ivposition) $(cat $d/maps/map1/size)"
		test -e $d/device/events && echo "events: yes"; true'
	for want in "id: 0" "vectors: 0" "memory: 16777216 (16 MiB)" "sysfs: 0 0 0x0000000001000000"; do
		grep -qxF "$want" <<<"$g_out" || g_fail "guest $g: no '$want' in: $g_out"
	done
	grep -q '^events' <<<"$g_out" && g_fail "guest $g: an events directory without vectors"
	g_run $g 'ivshmem wait -t 1000'
	rc=$?
	if [ $rc != 2 ] || ! grep -q "no interrupt vectors" <<<"$g_out"; then
		g_fail "guest $g: 'wait' on ivshmem-plain: status $rc: $g_out"
	fi
	g_run $g 'ivshmem ring 0 0'
	rc=$?
	if [ $rc != 2 ] || ! grep -q "no interrupt vectors" <<<"$g_out"; then
		g_fail "guest $g: 'ring' on ivshmem-plain: status $rc: $g_out"
	fi
done
g_log "both guests: peer 0, no vectors, 16 MiB; wait and ring refused"

# a monitor stays up on a device without interrupts
g_must a 'ivshmem monitor >/tmp/mon.log 2>&1 & echo $! >/tmp/mon.pid; sleep 2
	kill -0 $(cat /tmp/mon.pid) && cat /tmp/mon.log'
[ "$g_out" = "id 0 vectors 0" ] || g_fail "guest a: the monitor said: $g_out"

# guest a writes, guest b and the host read; then the other way round
crc32_of() {	# crc32_of OFFSET LEN: of the host's view
	python3 -c 'import sys, zlib
f = open(sys.argv[1], "rb"); f.seek(int(sys.argv[2])); d = f.read(int(sys.argv[3]))
print("0x%08x" % zlib.crc32(d))' "$mem" "$1" "$2"
}
g_must a 'ivshmem fill 0 4M 11'
crc=${g_out#crc32 }
g_must b 'ivshmem check 0 4M 11'
[ "$g_out" = "crc32 $crc" ] || g_fail "guest b: $g_out, guest a wrote $crc"
[ "$(crc32_of 0 $((4 << 20)))" = "$crc" ] || g_fail "the host does not see guest a's data"
g_must b 'ivshmem fill 4M 4M 12'
crc=${g_out#crc32 }
g_must a 'ivshmem check 4M 4M 12'
[ "$g_out" = "crc32 $crc" ] || g_fail "guest a: $g_out, guest b wrote $crc"
[ "$(crc32_of $((4 << 20)) $((4 << 20)))" = "$crc" ] || g_fail "the host does not see guest b's data"
head -c 1M /dev/urandom >"$iv_tmp/rand"
dd if="$iv_tmp/rand" of="$mem" bs=1M seek=8 conv=notrunc status=none
sum=$(md5sum <"$iv_tmp/rand" | cut -d' ' -f1)
for g in a b; do
	g_must $g 'ivshmem read 8M 1M | md5sum'
	[ "${g_out%% *}" = "$sum" ] || g_fail "guest $g does not see the host's data"
done
g_log "memory shared: a -> b and host, b -> a and host, host -> a and b"

g_must a 'kill $(cat /tmp/mon.pid)'
g_stop a
g_stop b
g_log "pass"

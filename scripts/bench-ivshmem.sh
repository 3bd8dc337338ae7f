#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-ivshmem.sh [ITER [SIZE]]: Nahanni/ivshmem numbers with two QEMU
# guests and a host peer on one ivshmem-server:
#   - doorbell round trips (median, p99) guest to guest, host to guest
#     and guest to host ("ivshmem bench" against "ivshmem bench --echo");
#   - memcpy bandwidth in a guest through uio_ivshmem's cached mapping of
#     the shared memory, through an uncached mapping of the same memory
#     (UIO map 2, as Nahanni's driver mapped the memory) and
#     between two buffers in guest RAM (the limit); the same on the host.
# Prints the raw lines and the ratios. Never a test. Under TCG nothing
# is cached or uncached for real (QEMU does not model caches), so the
# cached/uncached ratio only means something on KVM; compare numbers
# within one run.
#
# Uses VIRTBUS_KERNEL and VIRTBUS_INITRD if set, else builds the test
# kernel, the modules, the tools and the initramfs as make bench does.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ITER=${1:-2000}
SIZE=${2:-4M}
bytes=$(numfmt --from=iec "$SIZE") || { echo "bench-ivshmem: bad SIZE $SIZE" >&2; exit 2; }
# Two mailboxes, each followed by SIZE bytes, and the agents' 64 KiB at
# the end: a power of two, at least 32 MiB.
mem=$((32 << 20))
while [ $((mem / 2)) -lt $((bytes + 4096 + 65536)) ]; do
	mem=$((mem * 2))
done
half=$((mem / 2))

if [ -z "${VIRTBUS_KERNEL-}" ] || [ -z "${VIRTBUS_INITRD-}" ]; then
	set -e
	cd "$root"
	scripts/setup.sh
	kdir=$(scripts/kernel/build.sh)
	kver=$(cat "$kdir/include/config/kernel.release")
	scripts/build-modules.sh "$kdir" build/test
	make -s -C tools/ivshmem
	scripts/initramfs.sh "$kver" "$kdir/modroot" build/test build/initramfs-test.cpio
	export VIRTBUS_KERNEL=$kdir/arch/x86/boot/bzImage
	export VIRTBUS_INITRD=$root/build/initramfs-test.cpio
	set +e
fi

# The guest test helpers: server, agents in the guests, cleanup on exit.
# shellcheck source=tests/host/ivshmem_guest_lib.bash source-path=SCRIPTDIR
. "$root/scripts/tests/host/ivshmem_guest_lib.bash"
g_init
g_vectors=2
shm=ivshmem-bench.$$
iv_server -M "$shm" -l $mem -n $g_vectors
g_memory "/dev/shm/$shm" $mem
# shellcheck disable=SC2046
g_boot a 0 $(g_doorbell_args)
# shellcheck disable=SC2046
g_boot b 1 $(g_doorbell_args)
g_ready a
g_ready b

# mailboxes: guest a's echo at 0, the host's echo half way
g_must a "sh /tests/ivshmem/bench.sh echo 0"
iv_bg hostecho "$IVSHMEM" -d "$iv_sock" bench --echo -o $half -t 60000
iv_until 20 grep -q "^echo: peer" "$iv_tmp/hostecho.log" || iv_fail "the host's echo peer did not start"

g_log "guest b -> guest a"
g_must b "sh /tests/ivshmem/bench.sh ping 0 $ITER $SIZE" 600
g2g=$g_out
g_log "host -> guest a"
h2g=$("$IVSHMEM" -d "$iv_sock" bench -o 0 -n "$ITER" -s "$SIZE") || iv_fail "host bench failed"
g_log "guest b -> host"
g_must b "sh /tests/ivshmem/bench.sh ping $half $ITER $SIZE" 600
g2h=$g_out
g_stop a
g_stop b

echo
echo "ivshmem benchmarks ($ITER round trips, $SIZE copies; TCG guests, compare within a run)"
echo
echo "raw, guest b against guest a's echo:"
awk '{ print "  " $0 }' <<<"$g2g"
echo "raw, the host against guest a's echo:"
awk '{ print "  " $0 }' <<<"$h2g"
echo "raw, guest b against the host's echo:"
awk '{ print "  " $0 }' <<<"$g2h"
echo

median() { sed -n 's/^latency: .* median \([0-9.]*\) us, p99 \([0-9.]*\) us.*/\1 \2/p' <<<"$1"; }
rate() { sed -n "s/^memcpy .* $2: \([0-9]*\) MiB\/s$/\1/p" <<<"$1" | head -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else printf "n/a" }'; }

echo "doorbell round trip (median / p99, us):"
for pair in "guest -> guest:$g2g" "host -> guest:$h2g" "guest -> host:$g2h"; do
	read -r med p99 <<<"$(median "${pair#*:}")"
	printf '  %-16s %10s / %s\n' "${pair%%:*}" "${med:-n/a}" "${p99:-n/a}"
done
read -r gg _ <<<"$(median "$g2g")"
read -r hg _ <<<"$(median "$h2g")"
echo "  guest->guest / host->guest median: $(ratio "${gg:-0}" "${hg:-0}")"
echo
echo "memcpy bandwidth in guest b (MiB/s):"
for dir in into from; do
	c=$(rate "$g2g" "$dir shared memory")
	u=$(rate "$g2g" "$dir shared memory uncached")
	r=$(rate "$g2g" "within RAM")
	printf '  %-5s cached %8s  uncached %8s  RAM %8s  cached/uncached %s  cached/RAM %s\n' \
		"$dir" "${c:-n/a}" "${u:-n/a}" "${r:-n/a}" "$(ratio "${c:-0}" "${u:-0}")" \
		"$(ratio "${c:-0}" "${r:-0}")"
done
echo "memcpy bandwidth on the host (MiB/s):"
for dir in into from; do
	c=$(rate "$h2g" "$dir shared memory")
	r=$(rate "$h2g" "within RAM")
	printf '  %-5s shared %8s  RAM %8s  shared/RAM %s\n' "$dir" "${c:-n/a}" "${r:-n/a}" \
		"$(ratio "${c:-0}" "${r:-0}")"
done

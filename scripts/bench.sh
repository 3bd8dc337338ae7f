#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: run each driver beside the kernel's own in the same guest
# boot and print the raw numbers and our/kernel ratios. Never a test:
# numbers from an emulated (TCG) guest only compare within one run.
#
# Environment: BENCH_KERNEL=stock (default: Debian's kernel, a production
# configuration) or test (the KASAN and lockdep test kernel, which slows
# both drivers down); BENCH_APPEND adds guest kernel arguments, e.g.
# "bench.runtime=3 bench.rounds=1" for a quick blk run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scripts/setup.sh
case ${BENCH_KERNEL:-stock} in
stock)
	kver=$(dpkg-query -W -f='${Depends}' linux-image-amd64 |
	       grep -o 'linux-image-[^ ,]*' | head -1 | sed 's/^linux-image-//')
	scripts/build-modules.sh "/lib/modules/$kver/build" build/stock
	modroot=/ ours=build/stock kimage=/boot/vmlinuz-$kver
	;;
test)
	kdir=$(scripts/kernel/build.sh)
	kver=$(cat "$kdir/include/config/kernel.release")
	scripts/build-modules.sh "$kdir" build/test
	modroot=$kdir/modroot ours=build/test kimage=$kdir/arch/x86/boot/bzImage
	;;
*)
	echo "bench: BENCH_KERNEL must be stock or test" >&2
	exit 2
	;;
esac
make -s -C tools/ivshmem
scripts/initramfs.sh "$kver" "$modroot" "$ours" build/initramfs-bench-base.cpio
# fio, iperf3, ip and ethtool ride in a second archive appended to the
# first (see initramfs.sh).
scripts/initramfs.sh --tools build/initramfs-tools.cpio /usr/bin/fio \
	/usr/bin/iperf3 /usr/sbin/ip /usr/sbin/ethtool
cat build/initramfs-bench-base.cpio build/initramfs-tools.cpio >build/initramfs-bench.cpio
mkdir -p build/logs

run_guest() {
	local name=$1
	shift
	scripts/qemu-run.sh -k "$kimage" \
		-i build/initramfs-bench.cpio -t "$name" -l "build/logs/bench-$name.log" \
		-T 1800 -a "${BENCH_APPEND-}" -- "$@" || {
		echo "bench: guest $name failed; log in build/logs/bench-$name.log" >&2
		return 1
	}
	grep -a '^BENCH' "build/logs/bench-$name.log"
}

echo "virtbus benchmarks: ours against the kernel's own driver, same guest boot, kernel $kver"
echo "(throughput ratio > 1.0 means virtbus is faster; TCG guest, compare within a run)"
echo
out=$(run_guest bench -device virtio-rng-pci -device virtio-rng-pci)
echo "$out" | grep '^BENCH-RAW' | sed 's/^BENCH-RAW /  /'
echo "$out" | grep '^BENCH rng-read' | while read -r _ what ours theirs; do
	printf '  %-14s virtbus_rng %6s ms  virtio_rng %6s ms  ratio %s\n' \
		"$what" "$ours" "$theirs" \
		"$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.2f", (a > 0) ? b / a : 0 }')"
done

# blk: two identical disks on identical images in host memory (tmpfs).
echo
img=$(mktemp -d /dev/shm/virtbus-bench.XXXXXX)
trap 'rm -rf "$img"' EXIT
truncate -s 512M "$img/ours.img" "$img/theirs.img"
out=$(run_guest bench_blk \
	-drive "if=none,id=ours,file=$img/ours.img,format=raw,cache=unsafe" \
	-device virtio-blk-pci,drive=ours \
	-drive "if=none,id=theirs,file=$img/theirs.img,format=raw,cache=unsafe" \
	-device virtio-blk-pci,drive=theirs)
rm -rf "$img"
echo "fio through libaio, direct I/O (raw runs):"
echo "$out" | grep '^BENCH-RAW blk' | sed 's/^BENCH-RAW blk /  /'
echo
echo "blk: virtbus_blk / virtio_blk (IOPS and MiB/s summed over the rounds; latency: median of the rounds)"
printf '  %-18s %9s %9s %6s  %10s %8s %6s  %13s %13s\n' row "IOPS ours" theirs ratio "MiB/s ours" theirs ratio \
	"p50/p99 ours" theirs
echo "$out" | grep '^BENCH blk ' | while read -r _ _ row oi ti ob tb o50 o99 t50 t99; do
	printf '  %-18s %9s %9s %6s  %10s %8s %6s  %13s %13s\n' "$row" "$oi" "$ti" \
		"$(awk -v a="$oi" -v b="$ti" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')" \
		"$ob" "$tb" "$(awk -v a="$ob" -v b="$tb" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')" \
		"$o50/$o99 us" "$t50/$t99 us"
done

# net: virtbus_net and virtio_net, each against a virtio_net peer on a
# QEMU hub of its own.
echo
out=$(run_guest bench_net \
	-netdev hubport,id=vb,hubid=1 -device virtio-net-pci,netdev=vb,romfile= \
	-netdev hubport,id=vbpeer,hubid=1 -device virtio-net-pci,netdev=vbpeer,romfile= \
	-netdev hubport,id=vn,hubid=2 -device virtio-net-pci,netdev=vn,romfile= \
	-netdev hubport,id=vnpeer,hubid=2 -device virtio-net-pci,netdev=vnpeer,romfile=)
echo "iperf3 TCP through a QEMU hub, against a virtio_net peer (raw runs):"
echo "$out" | grep '^BENCH-RAW net' | sed 's/^BENCH-RAW net /  /'
echo "net: virtbus_net / virtio_net (Mbit/s summed over the rounds)"
echo "$out" | grep '^BENCH net ' | while read -r _ _ row ours theirs; do
	printf '  %-10s virtbus_net %8s  virtio_net %8s  ratio %s\n' "$row" "$ours" "$theirs" \
		"$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')"
done

# Nahanni/ivshmem: two guests and a host peer on one server.
echo
VIRTBUS_KERNEL=$kimage VIRTBUS_INITRD=$root/build/initramfs-bench-base.cpio \
	scripts/bench-ivshmem.sh

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make fuzz [SECONDS=N] [SEED=S [CHAOS=C]]: run the device-side fuzzer
# (kunit/virtbus_fuzz.c, driven by scripts/tests/guest/fuzz.sh) in one
# guest on the test kernel, with KASAN and lockdep.
#
#   SECONDS=N   random seeds for N seconds (default 300)
#   SEED=S      replay seed S alone (chaos C per million, default 2000)
#               for 10 seconds
#
# Any kernel report fails the run; the seed whose devices were live when
# the first report came is printed, to replay with SEED=. A replay makes
# the same decisions in the same order, but the guest's scheduling can
# still place them differently: a seed that failed once may need a few
# replays.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

seconds=${SECONDS_TO_FUZZ:-300} seed=${SEED-} chaos=${CHAOS:-2000}
case $seconds$seed$chaos in
*[!0-9]*)
	echo "fuzz: SECONDS, SEED and CHAOS are numbers" >&2
	exit 2
	;;
esac

scripts/setup.sh
kdir=$(scripts/kernel/build.sh)
kver=$(cat "$kdir/include/config/kernel.release")
scripts/build-modules.sh "$kdir" build/test
make -s -C tools/ivshmem
scripts/initramfs.sh "$kver" "$kdir/modroot" build/test build/initramfs-fuzz.cpio
mkdir -p build/logs
log=build/logs/fuzz.log

if [ -n "$seed" ]; then
	args="vfuzz.seed=$seed vfuzz.chaos=$chaos" limit=600
	echo "fuzz: replaying seed $seed, chaos $chaos (log: $log)"
else
	args="vfuzz.seconds=$seconds" limit=$((seconds + 600))
	echo "fuzz: random seeds for $seconds s (log: $log)"
fi
rc=0
scripts/qemu-run.sh -k "$kdir/arch/x86/boot/bzImage" -i build/initramfs-fuzz.cpio \
	-t fuzz -l "$log" -T "$limit" -a "virtbus.udev=0 $args" || rc=$?

grep -a '^fuzz: ' "$log" | grep -v '^fuzz: seed ' || true
reports=$(scripts/log-scan.sh "$log" || true)
if [ -n "$reports" ] || [ $rc != 0 ]; then
	# The seed announced last before the first report (or the end).
	first=$(grep -anE "$(sed -n "s/^pattern='\(.*\)'$/\1/p" scripts/log-scan.sh)" "$log" |
		head -1 | cut -d: -f1)
	culprit=$(head -n "${first:-$(wc -l <"$log")}" "$log" |
		grep -ao 'fuzz: seed [0-9]* chaos [0-9]*' | tail -1)
	[ -n "$reports" ] && echo "$reports" | head -20
	echo "fuzz: FAILED (guest status $rc) during: ${culprit:-no seed yet}"
	if [ -n "$culprit" ]; then
		set -- $culprit
		echo "fuzz: replay with: make fuzz SEED=$3 CHAOS=$5"
	fi
	exit 1
fi
echo "fuzz: no kernel report"

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make bench, inside the guest: two identical virtio-blk devices on
# identical images in host memory, one driven by virtbus_blk (vbda) and
# one by the kernel's virtio_blk (vda), the same fio jobs on each in
# turns, in the same boot. Each row runs ROUNDS times per driver, the
# order of the two drivers alternating from round to round. fio runs on
# CPU 1 for both drivers: where the scheduler puts it (and moves it)
# otherwise differs from run to run, and under TCG that alone moves a
# row by a fifth. CPU 0 takes the console and the timers' interrupts.
#
# Prints per run:
#   BENCH-RAW blk ROW round N DRIVER: IOPS iops, MiB/s, clat p50/p99 us
# and per row, summed over the rounds:
#   BENCH blk ROW OURS_IOPS THEIRS_IOPS OURS_MBPS THEIRS_MBPS
#             OURS_P50 OURS_P99 THEIRS_P50 THEIRS_P99 (the medians of
#             the rounds' percentiles, us)
. /tests/lib.sh

RUNTIME=${BENCH_RUNTIME:-10}
ROUNDS=${BENCH_ROUNDS:-2}
for arg in $(cat /proc/cmdline); do
	case $arg in
	bench.runtime=*) RUNTIME=${arg#*=} ;;
	bench.rounds=*) ROUNDS=${arg#*=} ;;
	esac
done

command -v fio >/dev/null || fail "no fio in the guest"
set -- $(pci_by_id 1af4:1001 1af4:1042)
[ $# -eq 2 ] || fail "expected two virtio-blk devices, found $#"
wait_for 60 test -b /dev/vbda || fail "virtbus_blk has no disk"
hand_to_kernel "$2"
modprobe virtio_blk || fail "modprobe virtio_blk"
wait_for 30 test -b /dev/vda || fail "virtio_blk has no disk"
[ ! -e /dev/vbdb ] || fail "virtbus_blk has two disks"
[ "$(cat /sys/block/vbda/size)" = "$(cat /sys/block/vda/size)" ] ||
	fail "the disks differ in size"
[ "$(ls /sys/block/vbda/mq | wc -l)" = "$(ls /sys/block/vda/mq | wc -l)" ] ||
	fail "the disks differ in hardware queues"
echo "BENCH-RAW blk disks: vbda (virtbus_blk) and vda (virtio_blk), $(($(cat /sys/block/vda/size) / 2048)) MiB, $(ls /sys/block/vda/mq | wc -l) queues each, ${RUNTIME}s per run"

# Fill both disks once, so that no run reads a hole the other did not.
for d in vbda vda; do
	fio --name=fill --filename=/dev/$d --direct=1 --ioengine=libaio \
		--rw=write --bs=1m --iodepth=8 >/dev/null 2>&1 || fail "filling $d"
done

# run DEV RW BS QD: "IOPS KB/s P50 P99" of one fio run (terse v3: read
# or write fields; the percentile list puts p50 and p99 first).
run() {
	taskset -c 1 fio --name=bench --filename="/dev/$1" --direct=1 --ioengine=libaio \
		--rw="$2" --bs="$3" --iodepth="$4" --runtime="$RUNTIME" \
		--time_based --norandommap --randrepeat=0 \
		--percentile_list=50:99 --output-format=terse --terse-version=3 \
		2>/tmp/fio.err >/tmp/fio.out || {
		cat /tmp/fio.err
		fail "fio $2 $3 QD$4 on $1"
	}
	awk -F';' -v rw="$2" '{
		b = (rw ~ /read/) ? 0 : 41
		p50 = $(18 + b); p99 = $(19 + b)
		sub(/.*=/, "", p50); sub(/.*=/, "", p99)
		printf "%d %d %d %d\n", $(8 + b), $(7 + b), p50, p99
	}' /tmp/fio.out
}

# median3 A B ...: the middle value (lower middle for an even count).
median() {
	echo "$@" | tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

bench_row() {
	row=$1 rw=$2 bs=$3 qd=$4
	oi=0 ti=0 ob=0 tb=0 o50='' o99='' t50='' t99=''
	r=1
	while [ $r -le "$ROUNDS" ]; do
		if [ $((r % 2)) = 1 ]; then order="vbda vda"; else order="vda vbda"; fi
		for d in $order; do
			set -- $(run $d "$rw" "$bs" "$qd")
			if [ $d = vbda ]; then
				drv=virtbus_blk oi=$((oi + $1)) ob=$((ob + $2)) o50="$o50 $3" o99="$o99 $4"
			else
				drv=virtio_blk ti=$((ti + $1)) tb=$((tb + $2)) t50="$t50 $3" t99="$t99 $4"
			fi
			echo "BENCH-RAW blk $row round $r $drv: $1 IOPS, $(($2 / 1024)) MiB/s, clat p50 $3 us, p99 $4 us"
		done
		r=$((r + 1))
	done
	echo "BENCH blk $row $oi $ti $((ob / 1024)) $((tb / 1024)) $(median $o50) $(median $o99) $(median $t50) $(median $t99)"
}

bench_row randread-4k-qd1 randread 4k 1
bench_row randread-4k-qd32 randread 4k 32
bench_row randwrite-4k-qd32 randwrite 4k 32
bench_row read-1m-seq read 1m 8
bench_row write-1m-seq write 1m 8

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run the KUnit suites (built as modules) in the test kernel and print
# their KTAP results for the host to judge with the kernel's kunit.py.
# Runs without udev so nothing but the suites touches the bus.
#
# virtbus-append: virtbus.udev=0
# virtbus-kunit
. /tests/lib.sh

# virtbus_blk_test last: it feeds the real driver a device that
# interrupts early, which took the guest down before that was fixed.
for m in virtbus_match_test virtbus_bus_test virtbus_ring_test \
	 virtbus_ring_mem_test virtbus_rng_test virtbus_net_test \
	 virtbus_console_test virtbus_blk_test; do
	modprobe "$m" || fail "modprobe $m"
done
# One KTAP document from the per-suite results: each file carries its own
# "KTAP version 1" and "1..1" header and numbers its suite 1.
n=0
echo "VIRTBUS-KTAP-START"
echo "KTAP version 1"
echo "1..$(ls /sys/kernel/debug/kunit | wc -l)"
for d in /sys/kernel/debug/kunit/*; do
	n=$((n + 1))
	awk -v n=$n 'NR <= 2 && /^(KTAP version|1\.\.)/ { next }
		/^ok 1 / { sub(/^ok 1 /, "ok " n " ") }
		/^not ok 1 / { sub(/^not ok 1 /, "not ok " n " ") }
		{ print }' "$d/results"
done
echo "VIRTBUS-KTAP-END"
for m in virtbus_blk_test virtbus_net_test virtbus_rng_test \
	 virtbus_ring_mem_test virtbus_ring_test virtbus_bus_test \
	 virtbus_match_test; do
	rmmod "$m" || fail "rmmod $m"
done

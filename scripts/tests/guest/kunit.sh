#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run the KUnit suites (built as modules) in the test kernel and print
# their KTAP results for the host to judge with the kernel's kunit.py.
# Runs without udev so nothing but the suites touches the bus.
#
# virtbus-kernels: test
# virtbus-append: virtbus.udev=0
# virtbus-kunit
. /tests/lib.sh

suites=
for m in virtbus_match_test virtbus_bus_test virtbus_ring_test; do
	modprobe "$m" || fail "modprobe $m"
done
echo "VIRTBUS-KTAP-START"
echo "KTAP version 1"
echo "1..$(ls /sys/kernel/debug/kunit | wc -l)"
for d in /sys/kernel/debug/kunit/*; do
	cat "$d/results"
done
echo "VIRTBUS-KTAP-END"
for m in virtbus_ring_test virtbus_bus_test virtbus_match_test; do
	rmmod "$m" || fail "rmmod $m"
done

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# qemu-run.sh -k KERNEL -i INITRD -t TEST[,TEST...] -l LOG [-T SECONDS]
#             [-C CPUS] [-a APPEND] [-m MONITOR_SOCKET [-c 'MARKER|COMMAND']...]
#             [-- QEMU_ARGS...]
#
# Boot a test guest under QEMU (TCG; there is no usable KVM here) with
# CPUS virtual CPUs (default 2) and the devices in QEMU_ARGS, run the
# guest tests named (scripts/guest/init says how), and exit with their
# status: a single test's own, or 0 when all of several passed, else 1.
# The serial console, with the guest's whole kernel log, goes to LOG.
# Exits 124 if the guest did not finish within SECONDS (default 300) and
# 125 if it ended without reporting a status (a panic, for example).
#
# Each -c sends COMMAND to the QEMU monitor (HMP) once the guest has
# printed a line that is MARKER (an empty MARKER: right away), so a
# guest test can ask the host for block_resize, device_del and the like.
set -euo pipefail

timeout=300 cpus=2 append= monitor= kernel= initrd= test= log=
cmds=()
while getopts k:i:t:l:T:C:a:m:c: opt; do
	case $opt in
	k) kernel=$OPTARG ;;
	i) initrd=$OPTARG ;;
	t) test=$OPTARG ;;
	l) log=$OPTARG ;;
	T) timeout=$OPTARG ;;
	C) cpus=$OPTARG ;;
	a) append=$OPTARG ;;
	m) monitor=$OPTARG ;;
	c) cmds+=("$OPTARG") ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ "${1-}" = -- ] && shift
for v in kernel initrd test log; do
	[ -n "${!v}" ] || { echo "qemu-run: -${v:0:1} is required" >&2; exit 2; }
done

# acpi=noirq: interrupt routing from the BIOS's PIRQ table instead of the
# ACPI _PRT method. Interpreting _PRT on every pci_enable_device() and
# pci_disable_device() costs seconds per device under TCG with KASAN,
# which would make module reload tests measure the AML interpreter.
mon=()
[ -n "$monitor" ] && mon=(-monitor "unix:$monitor,server=on,wait=off")

# Monitor commands, each after its marker shows up in the log. The
# helper dies with the guest; every wait is bounded by the guest's.
send_commands() {
	local c marker cmd
	for c in "${cmds[@]}"; do
		marker=${c%%|*} cmd=${c#*|}
		while [ -n "$marker" ] &&
		      ! grep -qaxF -e "$marker" -e "$marker"$'\r' "$log" 2>/dev/null; do
			kill -0 "$qpid" 2>/dev/null || return
			sleep 0.2
		done
		while [ ! -S "$monitor" ]; do
			kill -0 "$qpid" 2>/dev/null || return
			sleep 0.1
		done
		printf '%s\n' "$cmd" | socat -t2 - "UNIX-CONNECT:$monitor" >/dev/null 2>&1
	done
}

# no5lvl: 4-level paging. "-cpu max" offers LA57 under TCG, and with
# 5-level paging a KASAN kernel reports a bogus "wild-memory-access" (in
# do_raw_spin_lock, from an interrupt) when an early timer interrupt
# lands in identify_cpu() while it has cleared the CPU feature bits:
# pgtable_l5_enabled() then reads false, and KASAN takes the 5-level
# direct map for a non-kernel address. A few percent of boots.
start_qemu() {
	timeout --kill-after=10 "$timeout" \
		qemu-system-x86_64 -machine pc -accel tcg -cpu max -smp "$cpus" -m 1536 \
		-nodefaults -nographic -no-reboot -serial stdio \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 acpi=noirq loglevel=5 panic=-1 oops=panic nokaslr no5lvl virtbus.test=$test $append" \
		"${mon[@]}" "$@" </dev/null >>"$log" 2>&1 &
	qpid=$!
}

# reached_init: the guest's /init has started ("VIRTBUS-INIT"); fails if
# QEMU ended before that, or nothing happened within the boot deadline.
reached_init() {
	local end=$((SECONDS + boot_deadline))
	while kill -0 "$qpid" 2>/dev/null; do
		grep -qa '^VIRTBUS-INIT' "$log" && return 0
		[ $SECONDS -lt $end ] || return 1
		sleep 0.5
	done
	grep -qa '^VIRTBUS-INIT' "$log"
}

# Under emulation on a loaded host, a kernel now and then stops early in
# its boot (calibrating its timers against an emulated PIT that ticks
# too seldom), or gives up on them ("IO-APIC + timer doesn't work!") and
# panics. That is before /init, before any virtbus module loads: boot
# once more, and say so in the log. A guest that stops anywhere after
# /init started is the test's problem.
boot_deadline=${VIRTBUS_BOOT_DEADLINE:-120}
set +e
: >"$log"
start_qemu "$@"
if ! reached_init; then
	kill "$qpid" 2>/dev/null
	wait "$qpid" 2>/dev/null
	mv "$log" "$log.hung"
	echo "qemu-run: the kernel did not reach /init (ended, or nothing in ${boot_deadline}s: $log.hung); booting again" |
		tee "$log" >&2
	start_qemu "$@"
fi
helper=
if [ ${#cmds[@]} -gt 0 ] && [ -n "$monitor" ]; then
	send_commands &
	helper=$!
fi
wait "$qpid"
qrc=$?
[ -n "$helper" ] && kill "$helper" 2>/dev/null && wait "$helper" 2>/dev/null
set -e
[ $qrc -eq 124 ] || [ $qrc -eq 137 ] && { echo "qemu-run: guest timed out after ${timeout}s" >>"$log"; exit 124; }
rc=$(sed -n 's/^VIRTBUS-EXIT: \([0-9]*\).*/\1/p' "$log" | tail -1)
[ -n "$rc" ] || exit 125
exit "$rc"

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest side of the host's ivshmem guest tests
# (scripts/tests/host/ivshmem_guest_*.sh): booted with
# "virtbus.test=ivshmem/agent ivs.slot=N ivs.base=OFFSET", it runs the
# shell commands a host test posts into the ivshmem shared memory, one at
# a time, and posts back their exit status and output. The guest cannot
# reach the host otherwise, and the memory is what is under test anyway.
# No doorbell is used: the tests count those.
#
# Slot N of the agent area at OFFSET, 16 KiB each, all of it text:
#   +0      the command: a 64-byte header line "C SEQ" padded with
#           spaces, then the command, then "#E SEQ", then a NUL
#   +4096   the result: a 64-byte header line "R SEQ STATUS", then the
#           last 12000 bytes of the output and a NUL; or "B ID" and a
#           NUL once the agent is up (ID: this guest's peer ID)
# The writer writes the header last, the reader reads it first. A
# command present when the agent starts is not run (it is from before a
# reboot).
#
# Commands run in /tmp with IVSHMEM_DEVICE set to the /dev/uioN, so a
# plain "ivshmem COMMAND" uses the device. A command may
# "echo STATUS > /tmp/agent.exit": the agent replies, then ends with that
# status, and the guest prints its kernel log and powers off. A command
# that does not return blocks the agent; the host times out.
# shellcheck source=../lib.sh source-path=SCRIPTDIR
. /tests/lib.sh

slot='' base=''
read -r cmdline </proc/cmdline
for arg in $cmdline; do
	case $arg in
	ivs.slot=*) slot=${arg#ivs.slot=} ;;
	ivs.base=*) base=${arg#ivs.base=} ;;
	esac
done
if [ -z "$slot" ] || [ -z "$base" ]; then
	fail "agent: needs ivs.slot= and ivs.base="
fi

# The /dev/uioN of the device the host talks through: the one uio_ivshmem
# drives with interrupt vectors (a guest may have an ivshmem-plain device
# beside it), or the only one. The number can change when a test rebinds
# or reloads the driver. Shell builtins only.
uio_dev() {
	_first=
	for _u in /sys/class/uio/uio*; do
		read -r _n <"$_u/name" 2>/dev/null || continue
		[ "$_n" = uio_ivshmem ] && [ -c "/dev/${_u##*/}" ] || continue
		read -r _v <"$_u/device/vectors" 2>/dev/null || _v=0
		[ "$_v" != 0 ] && { echo "/dev/${_u##*/}"; return 0; }
		[ -n "$_first" ] || _first=/dev/${_u##*/}
	done
	[ -n "$_first" ] && echo "$_first"
}

wait_for 60 uio_dev || fail "agent: no uio_ivshmem device; modules: $(cut -d' ' -f1 /proc/modules | tr '\n' ' ')"
off=$((base + slot * 16384))
res=$((off + 4096))
dev=$(uio_dev)
read -r id <"/sys/class/uio/${dev#/dev/}/device/ivposition"
echo "agent: slot $slot at $off on $dev, peer $id"

old=$(ivshmem -d "$dev" read -z "$off" 64) || fail "agent: cannot read the memory"
old=$(echo "$old" | head -1)
rm -f /tmp/agent.exit
printf 'B %s\n' "$id" | ivshmem -d "$dev" write -z "$res" || fail "agent: cannot write the memory"

while :; do
	dev=$(uio_dev) || { sleep 0.2; continue; }
	ivshmem -d "$dev" watch -t 30000 "$off" 4096 "$old" >/tmp/agent.in 2>/dev/null ||
		continue
	hdr=$(head -1 /tmp/agent.in)
	seq=$(echo "$hdr" | sed -n 's/^C \([0-9]*\) *$/\1/p')
	if [ -z "$seq" ] || [ "$(tail -1 /tmp/agent.in)" != "#E $seq" ]; then
		sleep 0.1	# not a whole command (yet)
		continue
	fi
	old=$hdr
	sed '1d;$d' /tmp/agent.in >/tmp/agent.cmd
	echo "agent: $seq: $(head -c 200 /tmp/agent.cmd | tr '\n' ' ')"
	(cd /tmp && IVSHMEM_DEVICE=$dev sh /tmp/agent.cmd) >/tmp/agent.out 2>&1 </dev/null
	rc=$?
	echo "agent: $seq: exit $rc"
	# the device may have changed under the command (rebind, reload)
	wait_for 30 uio_dev
	dev=$(uio_dev)
	{
		printf '%-63s\n' "R $seq $rc"
		tail -c 12000 /tmp/agent.out | tr -d '\000'
	} | ivshmem -d "$dev" write -z -H 64 "$res"
	if [ -f /tmp/agent.exit ]; then
		exit "$(cat /tmp/agent.exit)"
	fi
done

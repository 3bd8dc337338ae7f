#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Crash consistency of virtbus_blk: no data that fsync promised is lost
# in a crash. A guest on the test kernel (KASAN, lockdep) runs an ext4
# workload (scripts/guest/blk_crash.sh) on a virtbus_blk disk whose
# writes and flushes an nbdkit server logs in one ordered log
# (blk_crash_nbd.py), with the guest's marks of what fsync promised on a
# second disk in the same log. Then blk_crash_check.py replays the log
# into fresh images up to every flush, some points between flushes and
# the end, and at each one the file system must be consistent (journal
# recovery, then e2fsck -fn) and every file fsync'd by then must be
# there with its data; and the disk as at each flush, with every write
# after it lost from the write cache, must keep the promises made up to
# the next flush. A loss or an inconsistency fails the test and names
# its replay point. A kernel report in the guest fails it too.
#
# The test can fail: the checker's self-check leaves out one write of a
# file's data before the flush its mark relied on, and must report that
# loss at the point after the mark, and then must report losses when it
# replays as if the disk had never flushed; if not, this test fails.
#
# Needs nbdkit and nbdkit-plugin-python (scripts/setup.sh), and the test
# kernel and initramfs in VIRTBUS_KERNEL and VIRTBUS_INITRD (make check
# sets them). On failure the scratch directory, with the log, is kept.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
t0=$(date +%s)

skip() {
	echo "$*"
	exit 77
}

if [ -z "${VIRTBUS_KERNEL-}" ] || [ -z "${VIRTBUS_INITRD-}" ]; then
	skip "VIRTBUS_KERNEL and VIRTBUS_INITRD unset: run from make check (needs the test kernel and initramfs)"
fi
[ -r "$VIRTBUS_KERNEL" ] || skip "no test kernel at $VIRTBUS_KERNEL"
[ -r "$VIRTBUS_INITRD" ] || skip "no test initramfs at $VIRTBUS_INITRD"
for p in qemu-system-x86_64 nbdkit e2fsck debugfs mkfs.ext4 python3; do
	command -v "$p" >/dev/null || skip "$p not installed (scripts/setup.sh installs it)"
done
nbdkit --dump-plugin python >/dev/null 2>&1 ||
	skip "nbdkit has no Python plugin (scripts/setup.sh installs nbdkit-plugin-python)"

tmp=$(mktemp -d /tmp/virtbus-crash.XXXXXX)
nbd_pid='' keep=1

cleanup() {
	if [ -n "$nbd_pid" ]; then
		kill "$nbd_pid" 2>/dev/null
		wait "$nbd_pid" 2>/dev/null
	fi
	if [ $keep = 1 ]; then
		echo "kept for a look: $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
	echo "FAIL: $*"
	exit 1
}

log() {
	echo "[$(($(date +%s) - t0))s] $*"
}

# The file system is made here, so the replay's base is this image and
# every write the guest makes is in the log. Its inode tables and
# journal are written now, not lazily by the guest's kernel behind the
# workload's back.
truncate -s 64M "$tmp/data.img"
mkfs.ext4 -q -F -b 4096 -E lazy_itable_init=0,lazy_journal_init=0 "$tmp/data.img" ||
	fail "mkfs.ext4"
cp --sparse=always "$tmp/data.img" "$tmp/base.img"
truncate -s 4M "$tmp/marks.img"

sock=$tmp/nbd.sock
nbdkit --foreground --unix "$sock" python "$here/blk_crash_nbd.py" \
	data="$tmp/data.img" marks="$tmp/marks.img" log="$tmp/disk.log" \
	>"$tmp/nbdkit.log" 2>&1 &
nbd_pid=$!
for _ in $(seq 100); do
	[ -S "$sock" ] && break
	kill -0 "$nbd_pid" 2>/dev/null || fail "nbdkit did not start: $(cat "$tmp/nbdkit.log")"
	sleep 0.1
done
[ -S "$sock" ] || fail "nbdkit did not open $sock in 10 s"

# Both disks through nbdkit, write-back as the guest sees them
# (write-cache=on) and with every flush passed on (cache.no-flush=off);
# cache.direct=off: the page cache of QEMU's own is not in the way of
# an NBD client.
qemu_args=()
for d in data marks; do
	qemu_args+=(-blockdev "driver=nbd,node-name=crash$d,server.type=unix,server.path=$sock,export=$d,cache.direct=off,cache.no-flush=off"
		    -device "virtio-blk-pci,drive=crash$d,serial=crash$d,write-cache=on")
done
log "booting $VIRTBUS_KERNEL"
"$root/scripts/qemu-run.sh" -k "$VIRTBUS_KERNEL" -i "$VIRTBUS_INITRD" \
	-t blk_crash -l "$tmp/console.log" -T 480 -- "${qemu_args[@]}"
rc=$?
sed -i 's/\r$//' "$tmp/console.log"
kill "$nbd_pid" 2>/dev/null
wait "$nbd_pid" 2>/dev/null
nbd_pid=''
if [ $rc != 0 ]; then
	echo "--- the guest's console (end)"
	grep -av '^VIRTBUS-DMESG' "$tmp/console.log" | tail -40
	fail "the guest workload failed (qemu-run exit $rc)"
fi
if ! out=$("$root/scripts/log-scan.sh" "$tmp/console.log"); then
	line=$(grep -n -m1 -F -- "$(head -1 <<<"$out")" "$tmp/console.log" | cut -d: -f1)
	echo "--- the first kernel report"
	sed -n "${line:-1},$((${line:-1} + 60))p" "$tmp/console.log"
	fail "kernel report in the guest's log: $(head -3 <<<"$out")"
fi
log "guest done: $(sed -n 's/^# \(.* marks\)$/\1/p' "$tmp/console.log"), kernel log clean"

log "replaying $(du -h "$tmp/disk.log" | cut -f1) of log"
python3 "$here/blk_crash_check.py" "$tmp/base.img" "$tmp/disk.log" ||
	fail "replay: a promise did not hold (above)"
log "self-check: planting a loss"
out=$(python3 "$here/blk_crash_check.py" "$tmp/base.img" "$tmp/disk.log" --self-check)
rc=$?
echo "$out"
if [ $rc != 0 ] || ! grep -q 'reported: LOSS at replay point' <<<"$out"; then
	fail "the checker's self-check did not catch the planted loss: this test could not fail"
fi
log "ok"
keep=0

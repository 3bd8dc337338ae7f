#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of the crash-consistency test (scripts/tests/host/
# blk_crash.sh boots it; it is not a test of its own): an ext4 workload
# on a virtbus_blk disk whose every write and flush the host logs, and a
# record of each durability promise the kernel made, on a second disk.
#
# Disks, found by serial: "crashdata" holds an ext4 file system made on
# the host, "crashmarks" is raw. After an fsync (of a file, and of the
# directories whose entries changed) returns, the workload writes a mark
# of that promise to the marks disk, so in the host's one ordered log
# the mark comes after the flush that made the promise good. The mark
# goes out with the next fsync the workload makes anyway (the marks
# disk is on its list): a promise that shows up later in the log only
# holds for fewer crash states, and a process less per file counts
# under emulation. (busybox dd's O_DIRECT would not help: its buffer is
# not aligned, so it falls back to buffered writes.) Before a file that
# is durable changes again, an intent mark says what is about to change,
# so that the host knows which bytes may legitimately differ in a crash
# while the change is under way; that one is fsync'd at once, since it
# must be in the log before the change's first write.
#
# Each mark is one 4 KiB block (a page: written whole, never read
# back), at block SEQ, text padded with spaces:
#   VBMARK SEQ N PATH ID GEN SIZE   new file PATH (and its directory
#                                   entry) durable: bytes [0, SIZE) of
#                                   stream (ID, GEN)
#   VBMARK SEQ A PATH GEN SIZE      PATH is about to grow to SIZE, the
#                                   new bytes from stream (ID, GEN)
#   VBMARK SEQ O PATH GEN FROM TO   bytes [FROM, TO) of PATH are about
#                                   to be overwritten from (ID, GEN)
#   VBMARK SEQ R PATH NEWPATH       PATH is about to be renamed
#   VBMARK SEQ D PATH               the change announced for PATH is
#                                   durable (for a rename: NEWPATH)
#   VBMARK SEQ E FILES CHANGES      the workload is done
# Stream (ID, GEN) is 64-byte lines "virtbus crash file ID gen GEN line
# K", space-padded, so the host computes every byte the guest wrote and
# a block found at the wrong place or from the wrong version shows.
# shellcheck source=lib.sh source-path=SCRIPTDIR
. /tests/lib.sh

FILES=150

data='' marks=''
wait_disk data crashdata
wait_disk marks crashmarks
# Without a volatile write cache there would be no flushes to order by
# and nothing to lose: the test would prove nothing.
[ "$(cat /sys/block/"$data"/queue/write_cache)" = "write back" ] ||
	fail "$data: write cache '$(cat /sys/block/"$data"/queue/write_cache)', QEMU was told write-cache=on"
mkdir -p /mnt
mount -t ext4 "/dev/$data" /mnt || fail "mount /dev/$data"

# mark TEXT...: the next mark, into the marks disk's page cache; the
# next "sync ... /dev/$marks" sends it. Marks are written in order
# through one descriptor, so mark SEQ lands in block SEQ.
exec 3<>"/dev/$marks" || fail "open /dev/$marks"
seq=0
mark() {
	printf '%-4095s\n' "VBMARK $seq $*" >&3 || fail "mark $seq ($*)"
	seq=$((seq + 1))
}

# intent TEXT...: a mark that is on the host before this returns.
intent() {
	mark "$@"
	sync "/dev/$marks" || fail "fsync /dev/$marks"
}

# gen ID GEN FROM TO: bytes [FROM, TO) of stream (ID, GEN) on stdout.
gen() {
	awk -v id="$1" -v g="$2" -v a="$3" -v b="$4" 'BEGIN {
		for (k = int(a / 64); k * 64 < b; k++) {
			l = sprintf("%-63s\n", "virtbus crash file " id " gen " g " line " k)
			s = k * 64 < a ? a - k * 64 : 0
			e = (k + 1) * 64 > b ? b - k * 64 : 64
			printf "%s", substr(l, s + 1, e - s)
		}
	}'
}

# rnd N: x is the next number below N of a fixed linear congruential
# sequence, the same workload every run. (A variable, not output: a
# command substitution would run it in a subshell, which forgets r.)
r=20261202
rnd() {
	r=$(((r * 1103515245 + 12345) % 2147483648))
	x=$((r / 65536 % $1))
}

# pick_size: x is a size: a tenth under 200 bytes (some empty), most
# within a few blocks, a tenth of 32 to 160 KiB. Small enough that the
# host's replay, which reads every promised file at every point, stays
# quick.
pick_size() {
	rnd 10
	case $x in
	0) rnd 200 ;;
	1 | 2 | 3 | 4) rnd 8192 ;;
	5 | 6 | 7 | 8) rnd 32768 ;;
	*) rnd 131072; x=$((x + 32768)) ;;
	esac
}

# Eight directories, durable before any file in them: mkdir, then
# fsync each new directory and their parent.
for d in 0 1 2 3 4 5 6 7; do
	mkdir /mnt/d$d || fail "mkdir /mnt/d$d"
done
sync /mnt/d0 /mnt/d1 /mnt/d2 /mnt/d3 /mnt/d4 /mnt/d5 /mnt/d6 /mnt/d7 /mnt ||
	fail "fsync of the directories"

# Per file: its path (p_I), size (s_I) and last generation (g_I).
changes=0
i=0
while [ $i -lt "$FILES" ]; do
	# A new file: written, fsync'd, its directory fsync'd.
	rnd 8
	p=/d$x/f$i
	pick_size
	s=$x
	gen $i 0 0 "$s" >"/mnt$p" || fail "write /mnt$p"
	sync "/mnt$p" "/mnt${p%/*}" "/dev/$marks" || fail "fsync /mnt$p"
	mark N "$p" $i 0 "$s"
	eval "p_$i=$p s_$i=$s g_$i=0"
	i=$((i + 1))

	# Now and then an earlier file changes, and is made durable again.
	rnd 3
	[ $x = 0 ] || continue
	rnd $i
	j=$x
	g=
	eval "p=\$p_$j s=\$s_$j g=\$((g_$j + 1))"
	rnd 3
	case $x in
	0)	# Append.
		rnd 20000
		n=$((s + 1 + x))
		intent A "$p" "$g" $n
		gen $j "$g" "$s" $n >>"/mnt$p" || fail "append to /mnt$p"
		sync "/mnt$p" "/dev/$marks" || fail "fsync /mnt$p"
		eval "s_$j=$n g_$j=$g" ;;
	1)	# Overwrite in place, within the file.
		[ "$s" -gt 0 ] || continue
		rnd "$s"
		a=$x
		rnd $((s - a))
		b=$((a + 1 + x))
		intent O "$p" "$g" $a $b
		gen $j "$g" $a $b | dd of="/mnt$p" bs=4096 seek=$a iflag=fullblock \
			oflag=seek_bytes conv=notrunc 2>/tmp/dd.err ||
			fail "overwrite /mnt$p: $(cat /tmp/dd.err)"
		sync "/mnt$p" "/dev/$marks" || fail "fsync /mnt$p"
		eval "g_$j=$g" ;;
	*)	# Rename, to another directory or the same one; both
		# directories fsync'd.
		rnd 8
		q=/d$x/r$changes.f$j
		intent R "$p" "$q"
		mv "/mnt$p" "/mnt$q" || fail "rename /mnt$p"
		sync "/mnt${q%/*}" "/mnt${p%/*}" "/dev/$marks" || fail "fsync after the rename of /mnt$p"
		p=$q
		eval "p_$j=$q" ;;
	esac
	mark D "$p"
	changes=$((changes + 1))
done

umount /mnt || fail "umount"
intent E "$FILES" $changes
exec 3>&-
note "$FILES files, $changes changes, $seq marks"

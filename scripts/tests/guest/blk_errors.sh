#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# I/O errors injected by QEMU (blkdebug under the raw format) come back
# to the application as errors: reads of the 64 KiB at 8 MiB and writes
# of the 64 KiB at 16 MiB fail with EIO in the host, direct and buffered
# (the buffered write's error surfaces on fsync). The rest of the disk
# keeps working, data checked, and nothing resets the device: an I/O
# error is the device answering, not a dead device.
#
# virtbus-qemu: -blockdev {"driver":"raw","node-name":"@P@vbd0","file":{"driver":"blkdebug","inject-error":[{"event":"read_aio","iotype":"read","errno":5,"sector":16384,"once":false},{"event":"read_aio","iotype":"read","errno":5,"sector":16448,"once":false},{"event":"write_aio","iotype":"write","errno":5,"sector":32768,"once":false},{"event":"write_aio","iotype":"write","errno":5,"sector":32832,"once":false}],"image":{"driver":"file","filename":"@SCRATCH@/disk0.img"}}}
# virtbus-qemu: -device virtio-blk-pci,drive=@P@vbd0,serial=err-@VARIANT@,rerror=report,werror=report@DEVOPTS@
# virtbus-variant: msix
# virtbus-variant: intx ,vectors=0
. /tests/lib.sh

wait_disk disk "err-$VIRTBUS_VARIANT"

# expect_eio WHAT COMMAND...: COMMAND fails, saying Input/output error.
expect_eio() {
	_what=$1
	shift
	if "$@" 2>/tmp/err; then
		fail "$_what succeeded on a failing sector"
	fi
	grep -q 'I/O error\|Input/output error' /tmp/err ||
		fail "$_what: not an I/O error: $(cat /tmp/err)"
}

dd if=/dev/urandom of=/tmp/data bs=64k count=16 2>/dev/null
# Known data away from the bad ranges, to check it after the errors.
dd if=/tmp/data of=/dev/$disk bs=64k seek=64 oflag=direct 2>/dev/null ||
	fail "write at 4 MiB"

expect_eio "direct read at 8 MiB" \
	dd if=/dev/$disk of=/dev/null bs=4k skip=2048 count=1 iflag=direct
expect_eio "direct read across 8 MiB" \
	dd if=/dev/$disk of=/dev/null bs=1M skip=7 count=2 iflag=direct
expect_eio "buffered read at 8 MiB" \
	dd if=/dev/$disk of=/dev/null bs=4k skip=2048 count=16
note "reads of the bad range fail with EIO"

expect_eio "direct write at 16 MiB" \
	dd if=/tmp/data of=/dev/$disk bs=4k seek=4096 count=1 oflag=direct
expect_eio "buffered write at 16 MiB, fsync" \
	dd if=/tmp/data of=/dev/$disk bs=4k seek=4096 count=16 conv=fsync
note "writes of the bad range fail with EIO"

# The disk still works elsewhere, and the device was not reset.
dd if=/dev/$disk of=/tmp/back bs=64k skip=64 count=16 iflag=direct 2>/dev/null ||
	fail "read at 4 MiB after the errors"
cmp /tmp/data /tmp/back || fail "data at 4 MiB changed"
dd if=/tmp/data of=/dev/$disk bs=64k seek=512 oflag=direct 2>/dev/null ||
	fail "write at 32 MiB after the errors"
dd if=/dev/$disk of=/tmp/back bs=64k skip=512 count=16 iflag=direct 2>/dev/null ||
	fail "read at 32 MiB after the errors"
cmp /tmp/data /tmp/back || fail "data at 32 MiB"
test_dmesg | grep -q "I/O error, dev $disk" || fail "the block layer logged no I/O error"
test_dmesg | grep -q "$disk: request timed out" && fail "the driver failed the device"
test_dmesg | grep -q "queue [0-9]* (.*) broken" && fail "a virtqueue broke"
note "the rest of the disk works; no reset"

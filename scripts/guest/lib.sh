# SPDX-License-Identifier: GPL-2.0
#
# Helpers for guest tests (sourced, busybox sh). A test prints what it
# checks and exits non-zero on the first failure.

fail() {
	echo "FAIL: $*"
	exit 1
}

note() {
	echo "# $*"
}

# wait_for SECONDS COMMAND...: retry COMMAND every 0.1 s until it succeeds.
wait_for() {
	_limit=$(($1 * 10))
	shift
	_i=0
	while ! "$@" >/dev/null 2>&1; do
		_i=$((_i + 1))
		[ $_i -ge $_limit ] && return 1
		sleep 0.1
	done
	return 0
}

# test_dmesg: the kernel log since this test started. Tests share a boot
# (scripts/tests/boots), so a check that a message did not appear looks
# here, not at what the tests before it caused.
test_dmesg() {
	dmesg | awk -v me="virtbus-test: start $VIRTBUS_TEST" '
		substr($0, length($0) - length(me) + 1) == me { on = 1 } on'
}

# disk_by_serial SERIAL: the vbdX whose device has that serial.
disk_by_serial() {
	for _b in /sys/block/vbd*; do
		[ "$(cat "$_b/serial" 2>/dev/null)" = "$1" ] || continue
		echo "${_b##*/}"
		return 0
	done
	return 1
}

# wait_disk VAR SERIAL: wait for the disk with that serial and its
# node, and set VAR to its name (vbdX).
wait_disk() {
	wait_for 60 disk_by_serial "$2" ||
		fail "no disk with serial $2: $(ls /sys/block | tr '\n' ' ')"
	_disk=$(disk_by_serial "$2")
	wait_for 30 test -b "/dev/$_disk" || fail "no /dev/$_disk"
	eval "$1=\$_disk"
}

# in_slot PATH: the device at sysfs PATH sits in this test's PCI slot
# (VIRTBUS_SLOT, given by the runner), or under a device that does.
in_slot() {
	case $(readlink -f "$1") in
	*/0000:00:$VIRTBUS_SLOT.[0-7] | */0000:00:$VIRTBUS_SLOT.[0-7]/*) return 0 ;;
	esac
	return 1
}

# virtbus_dev_by_id ID [slot]: the name of the first virtbus device of
# that type (with "slot": in this test's PCI slot).
virtbus_dev_by_id() {
	for _d in /sys/bus/virtbus/devices/*; do
		[ -e "$_d/device" ] || continue
		[ "${2-}" = slot ] && ! in_slot "$_d" && continue
		[ "$(cat "$_d/device")" = "$(printf '0x%04x' "$1")" ] && {
			basename "$_d"
			return 0
		}
	done
	return 1
}

# driver_of DEVPATH: the name of the driver bound to a device, or nothing.
driver_of() {
	[ -e "$1/driver" ] && basename "$(readlink "$1/driver")"
}

# pci_by_id VENDOR:DEVICE...: sysfs paths of PCI devices with those IDs
# (pci_in_slot: only those in this test's PCI slot).
pci_in_slot() {
	for _p in $(pci_by_id "$@"); do
		in_slot "$_p" && echo "$_p"
	done
}

pci_by_id() {
	for _p in /sys/bus/pci/devices/*; do
		_id="$(sed 's/^0x//' "$_p/vendor"):$(sed 's/^0x//' "$_p/device")"
		for _want in "$@"; do
			[ "$_id" = "$_want" ] && echo "$_p"
		done
	done
}

# feature_bit BITSTRING N: 1 if bit N is set in a sysfs features string.
# (Shell substrings, not cut: a process costs milliseconds under
# emulation, and these run in loops.)
feature_bit() {
	echo "${1:$2:1}"
}

# features_subset SUB SUPER: every bit set in SUB is set in SUPER.
features_subset() {
	_i=0
	while [ $_i -lt 64 ]; do
		if [ "${1:$_i:1}" = 1 ] && [ "${2:$_i:1}" != 1 ]; then
			return 1
		fi
		_i=$((_i + 1))
	done
	return 0
}

# hwrng_check NAME: select hw_random source NAME, read from /dev/hwrng and
# check the bytes are neither constant nor the same twice.
hwrng_check() {
	grep -qw "$1" /sys/class/misc/hw_random/rng_available ||
		fail "$1 not among hw_random sources: $(cat /sys/class/misc/hw_random/rng_available)"
	echo "$1" > /sys/class/misc/hw_random/rng_current ||
		fail "cannot select $1"
	_a=$(dd if=/dev/hwrng bs=512 count=1 2>/dev/null | od -An -tx1 -v | tr -d ' \n')
	_b=$(dd if=/dev/hwrng bs=512 count=1 2>/dev/null | od -An -tx1 -v | tr -d ' \n')
	[ ${#_a} -eq 1024 ] || fail "$1: short read from /dev/hwrng (${#_a} hex digits)"
	[ "$_a" != "$_b" ] || fail "$1: two reads returned the same bytes"
	_distinct=$(echo "$_a" | fold -w2 | sort -u | wc -l)
	[ "$_distinct" -gt 64 ] || fail "$1: only $_distinct distinct byte values in 512 bytes"
	note "$1: 512 random bytes, $_distinct distinct values"
}

# hand_to_kernel PCIDEV: give a virtio PCI device (a sysfs path) to the
# kernel's own virtio_pci instead of virtbus_pci, for side-by-side runs.
hand_to_kernel() {
	wait_for 30 test -e "$1/driver" || fail "$1 not bound"
	echo virtio-pci >"$1/driver_override"
	echo "${1##*/}" >/sys/bus/pci/drivers/virtbus_pci/unbind ||
		fail "unbind of $1 from virtbus_pci failed"
	modprobe virtio_pci || fail "modprobe virtio_pci"
	echo "${1##*/}" >/sys/bus/pci/drivers_probe
	wait_for 30 test -e "$1/driver" || fail "$1 not bound to virtio-pci"
	[ "$(driver_of "$1")" = virtio-pci ] ||
		fail "$1 bound to $(driver_of "$1"), not virtio-pci"
}

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# initramfs.sh KVER MODROOT OURS OUT
#
# Build a test guest's initramfs for kernel KVER:
#   - busybox, kmod, systemd-udevd and the test workloads, with the
#     shared libraries they need, from this Debian system;
#   - the kernel modules the tests use, with their dependencies, from
#     MODROOT/lib/modules/KVER (a modules_install tree, or / for the
#     installed distribution kernel);
#   - our modules from OURS (a directory holding built .ko files) under
#     /lib/modules/KVER/extra, and depmod run over the result;
#   - scripts/guest/init as /init and the guest tests under /tests.
#
# initramfs.sh --tools OUT PROGRAM...
#
# Build an archive of just the PROGRAMs and their shared libraries, to
# be appended to a guest's initramfs (the kernel unpacks concatenated
# archives in order). Large workloads such as fio (70 MB of libraries in
# Debian's build) go there, so that only the tests that need them pay
# for unpacking them at every boot.
set -euo pipefail

usage() {
	echo "usage: $0 KVER MODROOT OURS OUT" >&2
	echo "       $0 --tools OUT PROGRAM..." >&2
	exit 2
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
r=$work/root

# Copy a file to the same path in the guest (following links, since the
# host's /lib is a link into /usr and the guest's is a plain directory).
put() {
	mkdir -p "$r$(dirname "$1")"
	cp -L "$1" "$r$1"
}

# The shared libraries a host binary needs, at their paths in the guest.
copy_libs() {
	local lib
	for lib in $(ldd "$1" 2>/dev/null | grep -oE '/[^ ]+'); do
		[ -e "$r$lib" ] || put "$lib"
	done
}

copy_with_libs() {
	local f
	for f in "$@"; do
		[ -e "$f" ] || { echo "initramfs: $f missing (run scripts/setup.sh)" >&2; exit 1; }
		put "$f"
		copy_libs "$f"
	done
}

# pack OUT: the tree as a newc archive, replaced atomically; gzipped
# when OUT ends in .gz. Uncompressed is faster to boot under emulation:
# QEMU loads it at host speed, and the guest only copies it instead of
# inflating it with emulated instructions.
pack() {
	local compress=cat
	case $1 in *.gz) compress="gzip -1" ;; esac
	(cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
		$compress > "$1.tmp"
	mv "$1.tmp" "$1"
}

if [ "${1-}" = --tools ]; then
	[ $# -ge 3 ] || usage
	out=$2
	shift 2
	mkdir -p "$r"
	copy_with_libs "$@"
	pack "$out"
	exit 0
fi

[ $# -eq 4 ] || usage
kver=$1 modroot=$2 ours=$3 out=$4
root=$(cd "$(dirname "$0")/.." && pwd)
moddir=$modroot/lib/modules/$kver
[ -d "$moddir" ] || { echo "initramfs: no modules at $moddir" >&2; exit 1; }

mkdir -p "$r"/{bin,sbin,etc,proc,sys,dev,run,tmp,root,lib/modules,usr/bin,usr/sbin}
mkdir -p "$r"/etc/modprobe.d "$r"/lib/udev/rules.d "$r"/tests

cp /bin/busybox "$r/bin/busybox"
for applet in $("$r/bin/busybox" --list); do
	[ -e "$r/bin/$applet" ] || ln -s busybox "$r/bin/$applet"
done
copy_with_libs /bin/kmod /lib/systemd/systemd-udevd /bin/udevadm /usr/bin/lspci \
	/sbin/mkfs.ext4 /sbin/e2fsck /sbin/blkdiscard /usr/bin/fallocate /usr/bin/cmp
for t in modprobe insmod rmmod lsmod depmod modinfo; do
	ln -sf /bin/kmod "$r/sbin/$t"
done
cp /lib/udev/rules.d/80-drivers.rules "$root"/udev/*.rules "$r/lib/udev/rules.d/"
mkdir -p "$r/usr/share/virtbus"
cp "$root"/udev/*.example "$r/usr/share/virtbus/"
[ -e /usr/share/misc/pci.ids ] && put /usr/share/misc/pci.ids
echo 'root:x:0:0:root:/root:/bin/sh' > "$r/etc/passwd"
echo 'root:x:0:' > "$r/etc/group"

# The kernel's own virtio stack is in the guest for side-by-side tests but
# is never autoloaded: a test that wants it loads it by name.
cat > "$r/etc/modprobe.d/virtbus-test.conf" <<'CONF'
blacklist virtio_pci
CONF

# Kernel modules the tests may load, with everything they depend on.
kmods="virtio_pci virtio_blk virtio_net virtio_console virtio_rng uio ext4"
mkdir -p "$r/lib/modules/$kver"
for m in $kmods; do
	modprobe -d "$modroot" -S "$kver" --show-depends "$m" 2>/dev/null |
		awk '$1 == "insmod" { print $2 }'
done | sort -u | while read -r ko; do
	rel=${ko#"${modroot%/}"}
	mkdir -p "$r$(dirname "$rel")"
	cp "$ko" "$r$rel"
done
cp "$moddir"/modules.order "$moddir"/modules.builtin \
	"$moddir"/modules.builtin.modinfo "$r/lib/modules/$kver/" 2>/dev/null || true

mkdir -p "$r/lib/modules/$kver/extra"
find "$ours" -name '*.ko' -exec cp {} "$r/lib/modules/$kver/extra/" \;
depmod -b "$r" "$kver"

cp "$root/scripts/guest/init" "$r/init"
chmod +x "$r/init"
# Guest-side scripts: the tests, and the helpers tests driven from the
# host (several guests at once) boot by name (/tests/NAME.sh).
cp -r "$root/scripts/guest/." "$r/tests/"
rm -f "$r/tests/init"
cp -r "$root/scripts/tests/guest" "$r/tests/"

# iopoll, polled block I/O through io_uring for the tests (the guests
# have no fio): one file, built static, so it needs no libraries.
gcc -static -O2 -Wall -Wextra -Werror -o "$r/usr/bin/iopoll" \
	"$root/tools/iopoll/iopoll.c"
# pingsize, every ICMP echo size in one process (the network tests).
gcc -static -O2 -Wall -Wextra -Werror -o "$r/usr/bin/pingsize" \
	"$root/tools/pingsize/pingsize.c"
# portcheck, poll and O_NONBLOCK on the console driver's generic ports.
gcc -static -O2 -Wall -Wextra -Werror -o "$r/usr/bin/portcheck" \
	"$root/tools/portcheck/portcheck.c"

# The userspace tools, when built (make -C tools/ivshmem).
tool=$root/tools/ivshmem/ivshmem
if [ -x "$tool" ]; then
	cp "$tool" "$r/usr/bin/"
	copy_libs "$tool"
fi

pack "$out"

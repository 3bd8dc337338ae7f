#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or reuse) the virtbus test kernel from Debian's linux-source-6.1
# with scripts/kernel/virtbus-test.config merged over x86_64 defconfig.
#
# The build lives in $VIRTBUS_CACHE (default /var/cache/virtbus) so that
# fresh clones on the same machine reuse it. It is rebuilt only when the
# source package, the fragment or this script change; the key of the last
# good build is kept in $KBUILD/.virtbus-key.
#
# Prints the kernel build directory (usable as KDIR) on stdout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${VIRTBUS_CACHE:-/var/cache/virtbus}
tarball=/usr/src/linux-source-6.1.tar.xz
fragment=$here/virtbus-test.config
src=$cache/linux-6.1
kbuild=$cache/kbuild-6.1

[ -r "$tarball" ] || { echo "build-kernel: $tarball missing (run scripts/setup.sh)" >&2; exit 1; }

srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$( { echo "$srcver"; cat "$fragment" "$0"; } | sha256sum | cut -c1-16)

if [ -f "$kbuild/.virtbus-key" ] && [ "$(cat "$kbuild/.virtbus-key")" = "$key" ] &&
   [ -f "$kbuild/arch/x86/boot/bzImage" ]; then
	echo "$kbuild"
	exit 0
fi

mkdir -p "$cache"
if [ ! -f "$src/.virtbus-srcver" ] || [ "$(cat "$src/.virtbus-srcver")" != "$srcver" ]; then
	echo "build-kernel: extracting linux-source $srcver" >&2
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xJf "$tarball" -C "$src.tmp" --strip-components=1
	echo "$srcver" > "$src.tmp/.virtbus-srcver"
	mv "$src.tmp" "$src"
fi

rm -f "$kbuild/.virtbus-key"
mkdir -p "$kbuild"
log=$kbuild/build.log
echo "build-kernel: building test kernel in $kbuild (log: $log)" >&2
jobs=$(( $(nproc) + 1 ))
{
	make -C "$src" O="$kbuild" x86_64_defconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$kbuild" \
		"$kbuild/.config" "$fragment"
	make -C "$src" O="$kbuild" olddefconfig
} >"$log" 2>&1 || { tail -30 "$log" >&2; exit 1; }

# Every line of the fragment must have survived olddefconfig: a silently
# dropped option would make the tests prove less than they claim.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=n) opt=${line%%=*}
		grep -q "^$opt=" "$kbuild/.config" && { echo "build-kernel: $opt still set" >&2; bad=1; } ;;
	CONFIG_*) grep -qxF "$line" "$kbuild/.config" || { echo "build-kernel: $line not in .config" >&2; bad=1; } ;;
	esac
done < "$fragment"
[ $bad -eq 0 ] || exit 1

if ! make -C "$src" O="$kbuild" -j"$jobs" bzImage modules >>"$log" 2>&1; then
	grep -E 'error|Error' "$log" | tail -20 >&2
	exit 1
fi
rm -rf "$kbuild/modroot"
make -C "$src" O="$kbuild" INSTALL_MOD_PATH="$kbuild/modroot" modules_install >>"$log" 2>&1
echo "$key" > "$kbuild/.virtbus-key"
echo "$kbuild"

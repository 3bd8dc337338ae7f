#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prepare Debian's linux-source-6.12 for compiling external modules
# (modules_prepare, no kernel build), cached like the test kernel.
# Prints the tree's path (usable as KDIR).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${VIRTBUS_CACHE:-/var/cache/virtbus}
tarball=/usr/src/linux-source-6.12.tar.xz
src=$cache/linux-6.12
[ -r "$tarball" ] || { echo "prepare-6.12: $tarball missing (run scripts/setup.sh)" >&2; exit 1; }

srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
key=$( { echo "$srcver"; cat "$here/virtbus-test.config" "$0"; } | sha256sum | cut -c1-16)
if [ -f "$src/.virtbus-key" ] && [ "$(cat "$src/.virtbus-key")" = "$key" ]; then
	echo "$src"
	exit 0
fi
# Prepared in place: the generated files name the tree's own path.
rm -rf "$src"
mkdir -p "$src"
tar -xJf "$tarball" -C "$src" --strip-components=1
log=$src/prepare.log
{
	make -C "$src" x86_64_defconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$src" \
		"$src/.config" "$here/virtbus-test.config"
	make -C "$src" olddefconfig
	make -C "$src" -j"$(( $(nproc) + 1 ))" modules_prepare
} >"$log" 2>&1 || { tail -20 "$log" >&2; exit 1; }
echo "$key" > "$src/.virtbus-key"
echo "$src"

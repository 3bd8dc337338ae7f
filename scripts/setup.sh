#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages virtbus needs to build and test itself.
# Idempotent and quiet: packages already present are not touched, and
# apt-get only runs when something is missing.
set -euo pipefail

PACKAGES=(
	build-essential bc bison flex libelf-dev libssl-dev cpio xz-utils
	kmod python3 sparse rsync
	linux-source-6.1 linux-source-6.12
	linux-headers-amd64 linux-image-amd64
	qemu-system-x86 qemu-utils
	busybox-static udev fio iperf3 pciutils iproute2 e2fsprogs
	util-linux socat nbdkit nbdkit-plugin-python ethtool
)

missing=()
for p in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "setup: missing packages: ${missing[*]}" >&2
	echo "setup: run as root (or install them) and retry" >&2
	exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
	tail -30 "$log" >&2
	echo "setup: apt-get failed" >&2
	exit 1
fi

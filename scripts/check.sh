#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: install what is missing, build, and run every test.
# Prints one "ok" / "not ok" line per test (with "# SKIP reason" for a
# test that could not run) and ends with "N passed, N failed, N skipped".
# Exit status is non-zero if any test failed.
#
# Environment: VIRTBUS_TESTS=PATTERN runs only tests whose name matches
# the shell glob PATTERN (the build steps always run).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/check-lib.sh

scripts/setup.sh || { echo "not ok setup: installing packages failed"; summary; }

if kdir=$(scripts/kernel/build.sh); then
	ok "build: test kernel"
else
	not_ok "build: test kernel"
	summary
fi
kver=$(cat "$kdir/include/config/kernel.release")
kdir_src=${VIRTBUS_CACHE:-/var/cache/virtbus}/linux-6.1

stock_kver=$(dpkg-query -W -f='${Depends}' linux-image-amd64 |
	     grep -o 'linux-image-[^ ,]*' | head -1 | sed 's/^linux-image-//')
stock_kdir=/lib/modules/$stock_kver/build

run_step "build: modules against the test kernel $kver (W=1)" \
	scripts/build-modules.sh "$kdir" build/test || summary
run_step "build: modules against Debian's $stock_kver headers (W=1)" \
	scripts/build-modules.sh "$stock_kdir" build/stock
if kdir612=$(scripts/kernel/prepare-6.12.sh); then
	run_step "build: modules compile against linux-source-6.12" \
		env VIRTBUS_COMPILE_ONLY=1 scripts/build-modules.sh "$kdir612" build/6.12 \
		KBUILD_MODPOST_WARN=1
else
	not_ok "build: modules compile against linux-source-6.12 (tree not prepared)"
fi
run_step "lint: checkpatch --strict" scripts/lint.sh checkpatch "$kdir"
run_step "lint: sparse (C=2)" scripts/lint.sh sparse "$kdir"
run_step "lint: kernel-doc" scripts/lint.sh kerneldoc "$kdir"
if [ -f tools/ivshmem/Makefile ]; then
	run_step "build: userspace tools (-Wall -Wextra -Werror)" \
		make -s -C tools/ivshmem
fi

# Guest tests on the test kernel and on Debian's kernel.
mkdir -p build/logs
initrd_test=build/initramfs-test.cpio.gz
initrd_stock=build/initramfs-stock.cpio.gz
if ! scripts/initramfs.sh "$kver" "$kdir/modroot" build/test "$initrd_test" >build/logs/initramfs-test.log 2>&1; then
	not_ok "build: test guest initramfs (see build/logs/initramfs-test.log)"
	summary
fi
# Large workloads (fio), appended for the tests that ask for them.
initrd_tools=build/initramfs-tools.cpio.gz
if ! scripts/initramfs.sh --tools "$initrd_tools" /usr/bin/fio >build/logs/initramfs-tools.log 2>&1; then
	not_ok "build: guest tools archive (see build/logs/initramfs-tools.log)"
	summary
fi
have_stock=0
if [ -d build/stock ] && ls build/stock/*.ko >/dev/null 2>&1 &&
   scripts/initramfs.sh "$stock_kver" / build/stock "$initrd_stock" >build/logs/initramfs-stock.log 2>&1; then
	have_stock=1
fi

# Host-side tests: exit 0 pass, 77 skip (reason on the last line), else
# fail. Those that boot guests themselves (several at once) get the test
# kernel and initramfs from the environment.
export VIRTBUS_KERNEL=$kdir/arch/x86/boot/bzImage
export VIRTBUS_INITRD=$root/$initrd_test
for t in scripts/tests/host/*.sh; do
	[ -e "$t" ] || continue
	name=host/$(basename "$t" .sh)
	selected "$name" || continue
	run_host_test "$name" "$t"
done

for t in scripts/tests/guest/*.sh; do
	run_guest_test_file "$t"
done

summary

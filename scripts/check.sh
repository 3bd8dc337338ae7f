#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: install what is missing, build, and run every test.
# Prints one "ok" / "not ok" line per test with its wall time in
# seconds (with "# SKIP reason" for a test that could not run), a
# "# total" line, and ends with "N passed, N failed, N skipped". Exit
# status is non-zero if any test failed.
#
# Once the test kernel is built, everything else runs as jobs side by
# side (scripts/check-lib.sh): builds, lint, host tests and guest boots,
# each guest boot running the tests that scripts/tests/boots gives it.
#
# Environment:
#   VIRTBUS_TESTS=PATTERN  only the tests whose name matches the shell
#                          glob PATTERN, and the builds they need
#                          (make check TESTS=PATTERN)
#   VIRTBUS_JOBS=N         jobs at a time (default 2, one per core of
#                          the machine it was tuned on: an emulated
#                          guest keeps a core busy, and more at once
#                          only stretch each one's timeouts)
#   VIRTBUS_BUDGET=SECONDS the time above which the run warns (2700)
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/check-lib.sh
mkdir -p "$logs"

finish() {
	local total=$(($(date +%s) - t_start)) budget=${VIRTBUS_BUDGET:-2700}
	echo "# total: $((total / 60))m$((total % 60))s wall for $n_test tests (times per job: $logs/job-times.tsv)"
	if [ $total -gt "$budget" ]; then
		echo "# WARNING: make check took $((total / 60)) minutes, over its budget of $((budget / 60)) minutes"
	fi
	echo "$n_pass passed, $n_fail failed, $n_skip skipped"
	[ $n_fail -eq 0 ] && [ $n_pass -gt 0 ]
	exit $?
}

# The steps everything else needs, one after the other.
if ! scripts/setup.sh; then
	n_test=1 n_fail=1
	echo "not ok 1 setup: installing packages failed"
	finish
fi
t0=$(date +%s.%N)
if kdir=$(scripts/kernel/build.sh); then
	echo "ok $((n_test += 1)) build: test kernel ($(since "$t0")s)"
	n_pass=1
else
	echo "not ok $((n_test += 1)) build: test kernel ($(since "$t0")s)"
	n_fail=1
	finish
fi
kver=$(cat "$kdir/include/config/kernel.release")
kdir_src=${VIRTBUS_CACHE:-/var/cache/virtbus}/linux-6.1

stock_kver=$(dpkg-query -W -f='${Depends}' linux-image-amd64 |
	     grep -o 'linux-image-[^ ,]*' | head -1 | sed 's/^linux-image-//')
stock_kdir=/lib/modules/$stock_kver/build

initrd_test=build/initramfs-test.cpio
initrd_stock=build/initramfs-stock.cpio
initrd_tools=build/initramfs-tools.cpio
export VIRTBUS_KERNEL=$kdir/arch/x86/boot/bzImage
export VIRTBUS_INITRD=$root/$initrd_test

# The builds that tests need run whenever one of those tests does.
# maybe ID NAME DEPS COMMAND...: a step that runs when NAME is selected.
maybe() { selected "$2" && job "$1" "$3" step "$2" "${@:4}"; }

if ! manifest=$(check_manifest); then
	job manifest - r_not_ok "check: scripts/tests/boots" 0 "$manifest"
fi

job mod-test - step "build: modules against the test kernel $kver (W=1)" \
	scripts/build-modules.sh "$kdir" build/test
job tools - step "build: userspace tools (-Wall -Wextra -Werror)" \
	make -s -C tools/ivshmem
job initrd-test mod-test,tools step "build: test guest initramfs" \
	scripts/initramfs.sh "$kver" "$kdir/modroot" build/test "$initrd_test"
# Large workloads (fio; iperf3, iproute2's ip and ethtool for the network
# tests), appended for the tests that ask for them.
job initrd-tools - step "build: guest tools archive" \
	scripts/initramfs.sh --tools "$initrd_tools" /usr/bin/fio \
	/usr/bin/iperf3 /usr/sbin/ip /usr/sbin/ethtool

# Debian's kernel: only when something is to run on it.
if selected "build: modules against Debian's $stock_kver headers (W=1)" ||
   [ -n "$(boots_for stock)" ]; then
	job mod-stock - step "build: modules against Debian's $stock_kver headers (W=1)" \
		scripts/build-modules.sh "$stock_kdir" build/stock
	job initrd-stock mod-stock,tools step "build: Debian $stock_kver guest initramfs" \
		scripts/initramfs.sh "$stock_kver" / build/stock "$initrd_stock"
fi


# Host-side tests; those that boot guests themselves (several at once)
# find the test kernel and initramfs in the environment.
# The ivshmem guest pairs run guest b on Debian's kernel when it is
# built (scripts/tests/host/ivshmem_guest_lib.bash).
host_deps=initrd-test
if [ -n "${J_INDEX[initrd-stock]-}" ]; then
	export VIRTBUS_STOCK_KERNEL=/boot/vmlinuz-$stock_kver
	export VIRTBUS_STOCK_INITRD=$root/$initrd_stock
	host_deps=initrd-test,initrd-stock
fi
for t in scripts/tests/host/*.sh; do
	[ -e "$t" ] || continue
	name=host/$(basename "$t" .sh)
	selected "$name" || selected "$name/*" || continue
	job "$name" "$host_deps" host_test "$name" "$t"
done

declare_boots test initrd-test,initrd-tools
[ -n "${J_INDEX[initrd-stock]-}" ] && declare_boots stock initrd-stock,initrd-tools

# Lint and the 6.12 compile: declared last so that the tests' lines
# print as they come, started early all the same (J_EST, the first time).
prepare_and_compile_612() {
	local kdir612
	kdir612=$(scripts/kernel/prepare-6.12.sh) || return 1
	VIRTBUS_COMPILE_ONLY=1 scripts/build-modules.sh "$kdir612" build/6.12 \
		KBUILD_MODPOST_WARN=1
}
maybe build-612 "build: modules compile against linux-source-6.12" - \
	prepare_and_compile_612
maybe checkpatch "lint: checkpatch --strict" - scripts/lint.sh checkpatch "$kdir"
maybe sparse "lint: sparse (C=2)" - scripts/lint.sh sparse "$kdir"
maybe kerneldoc "lint: kernel-doc" - scripts/lint.sh kerneldoc "$kdir"
J_EST[build-612]=240 J_EST[boot:reload@test]=300 J_EST[boot:blk_fio@test]=240
J_EST[boot:blk@test]=200 J_EST[host/ivshmem_guests]=150

run_jobs "${VIRTBUS_JOBS:-2}"
finish

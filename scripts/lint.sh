#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lint.sh checkpatch KDIR: checkpatch.pl --strict over every kernel source
# lint.sh sparse KDIR:     a C=2 build; any sparse warning fails
# lint.sh kerneldoc KDIR:  kernel-doc over every kernel source, silent
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
what=$1 kdir=$2
src=${VIRTBUS_CACHE:-/var/cache/virtbus}/linux-6.1

case $what in
checkpatch)
	files=$(git ls-files -co --exclude-standard -- 'drivers/*.[ch]' \
		'include/*.h' 'kunit/*.[ch]')
	# One pass over every file: a line per complaint, with its type;
	# any complaint fails.
	# shellcheck disable=SC2086
	out=$(perl "$src/scripts/checkpatch.pl" --strict --no-tree --terse \
		--show-types -f $files) || rc=$?
	echo "$out" | grep -v ': total: 0 errors, 0 warnings, 0 checks' || true
	exit "${rc:-0}"
	;;
sparse)
	exec scripts/build-modules.sh "$kdir" build/sparse C=2
	;;
kerneldoc)
	# Every kerneldoc comment well formed (exported functions have one).
	files=$(git ls-files -co --exclude-standard -- 'drivers/*.[ch]' \
		'include/*.h')
	# shellcheck disable=SC2086
	out=$(perl "$src/scripts/kernel-doc" -none $files 2>&1)
	[ -z "$out" ] || { echo "$out"; exit 1; }
	;;
*)
	echo "usage: $0 checkpatch|sparse|kerneldoc KDIR" >&2
	exit 2
	;;
esac

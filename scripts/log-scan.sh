#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# log-scan.sh LOG: print every kernel report in a guest log that fails a
# test (BUG, WARNING, KASAN, lockdep, RCU stall, hung task, oops, panic)
# and exit 1 if there is one.
set -euo pipefail
pattern='BUG:|WARNING:|general protection|Oops|Kernel panic|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|self-detected stall|rcu: INFO|blocked for more than|soft lockup|hard LOCKUP|Call Trace:|list_add corruption|list_del corruption|UBSAN:'
if grep -E "$pattern" "$1"; then
	exit 1
fi
exit 0

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Peers leave (cleanly, and killed with SIGKILL) and come back: the others
# are told, the server frees the leaver's ID and eventfds, the newcomer
# gets a fresh ID (round-robin) and everybody rings everybody again.
set -uo pipefail
# shellcheck source=ivshmem_lib.bash source-path=SCRIPTDIR
. "$(dirname "$0")/ivshmem_lib.bash"
iv_init

iv_server -M "ivshmem-test-rejoin.$$" -l 64K -n 2
iv_monitor a
iv_monitor b
sleep 0.2
fds_before=$(iv_nfds "$iv_server_pid")

# ring PEER-FROM PEER-TO VECTOR and check it arrives
ring_ok() {
	local from=$1 to=$2 v=$3 before
	before=$(iv_irqs "$to" "$v")
	iv_cmd "$from" ring "${iv_id[$to]}" "$v"
	iv_until 10 iv__more "$to" "$v" "$before" ||
		iv_fail "$from -> $to vector $v did not arrive"
}
iv__more() {
	[ "$(iv_irqs "$1" "$2")" -gt "$3" ]
}

for round in 1 2 3; do
	iv_monitor c
	c=${iv_id[c]}
	for p in a b; do
		iv_wait_lines "$p" "^join $c\$" 1 || iv_fail "$p did not see c ($c) join"
	done
	ring_ok a c 0
	ring_ok b c 1
	ring_ok c a 1
	ring_ok c b 0
	ring_ok a b 1
	# round 2 dies hard; the others leave cleanly
	pid_var=iv_pid_c
	if [ $round = 2 ]; then
		kill -9 "${!pid_var}"
	else
		iv_cmd c quit
	fi
	for p in a b; do
		iv_wait_lines "$p" "^leave $c\$" 1 || iv_fail "$p did not see c ($c) leave"
	done
	# c is gone for the others: ringing it is refused
	iv_cmd a ring "$c" 0
	iv_wait_lines a "^error ring $c 0" 1 || iv_fail "a could still ring the departed $c"
	wait "${!pid_var}" 2>/dev/null
	eval "exec ${iv_fd[c]}>&-"
	rm -f "$iv_tmp/c.fifo"
	mv "$iv_tmp/c.log" "$iv_tmp/c$round.log"
	echo "round $round: c was peer $c"
	ids+=("$c")
done

# round-robin: three different IDs, none of them a's or b's
[ "$(printf '%s\n' "${ids[@]}" "${iv_id[a]}" "${iv_id[b]}" | sort -u | wc -l)" = 5 ] ||
	iv_fail "IDs reused too early: a=${iv_id[a]} b=${iv_id[b]} c=${ids[*]}"
# a and b carry on, and the server holds no fds of the departed
ring_ok a b 0
ring_ok b a 1
iv_until 5 test "$(iv_nfds "$iv_server_pid")" = "$fds_before" ||
	iv_fail "the server holds $(iv_nfds "$iv_server_pid") fds, $fds_before before c came and went"
iv_cmd a peers
iv_until 5 grep -qx "peers ${iv_id[a]} ${iv_id[b]}" "$iv_tmp/a.log" ||
	iv_fail "a's peer list is not just a and b"
echo "a=${iv_id[a]} b=${iv_id[b]} carry on; server back to $fds_before fds"

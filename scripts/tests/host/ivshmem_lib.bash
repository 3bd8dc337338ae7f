# SPDX-License-Identifier: GPL-2.0
#
# Shared by the ivshmem_*.sh host tests (sourced, not a test itself):
# a scratch directory, process bookkeeping, the server, monitor peers
# driven through FIFOs, and waiting with timeouts.
#
# A test calls iv_init first; everything it starts with iv_bg, iv_server
# or iv_monitor is killed and the scratch directory removed on exit.

# The variables set here are for the tests that source this file.
# shellcheck disable=SC2034

iv_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
IV_BIN=$iv_root/tools/ivshmem
IVSHMEM=$IV_BIN/ivshmem
IVSERVER=$IV_BIN/ivshmem-server

iv_pids=()
iv_fds=()
iv_tmp=
iv_sock=

iv_cleanup() {
	local pid fd
	for fd in "${iv_fds[@]}"; do
		eval "exec $fd>&-" 2>/dev/null
	done
	for pid in "${iv_pids[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${iv_pids[@]}"; do
		# every wait has a timeout: SIGKILL what did not go
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	[ -n "$iv_tmp" ] && rm -rf "$iv_tmp"
}

iv_init() {
	if [ ! -x "$IVSHMEM" ] || [ ! -x "$IVSERVER" ]; then
		echo "tools not built: run make -C tools/ivshmem" >&2
		exit 1
	fi
	iv_tmp=$(mktemp -d /tmp/ivshmem-test.XXXXXX)
	iv_sock=$iv_tmp/sock
	trap iv_cleanup EXIT
	trap 'exit 130' INT TERM
}

# Skip: clean up first, so the reason is the last line of the output.
iv_skip() {
	iv_cleanup >/dev/null 2>&1
	trap - EXIT
	echo "$*" >&2
	exit 77
}

# Print what the test saw, then fail.
iv_fail() {
	local f
	echo "FAIL: $*" >&2
	iv_results "$*"
	for f in "$iv_tmp"/*.log; do
		[ -e "$f" ] || continue
		echo "--- $(basename "$f")" >&2
		tail -40 "$f" >&2
	done
	exit 1
}

# A script that runs several tests (g_parts in ivshmem_guest_lib.bash)
# reports them when it fails; others have nothing to report.
iv_results() { :; }

# iv_bg NAME CMD...: run CMD in the background, output in NAME.log.
iv_bg() {
	local name=$1
	shift
	"$@" >"$iv_tmp/$name.log" 2>&1 &
	iv_pids+=($!)
	iv_last_pid=$!
}

# iv_until SECONDS CMD...: retry CMD until it succeeds or time runs out.
iv_until() {
	local secs=$1 end
	shift
	end=$(($(date +%s%N) + secs * 1000000000))
	until "$@"; do
		[ "$(date +%s%N)" -lt "$end" ] || return 1
		sleep 0.05
	done
}

# iv_server ARGS...: start a foreground server on $iv_sock, wait for it.
iv_server() {
	iv_bg server "$IVSERVER" -F -v -S "$iv_sock" "$@"
	iv_server_pid=$iv_last_pid
	iv_until 10 test -S "$iv_sock" || iv_fail "the server did not come up"
}

# iv_monitor NAME [ARGS...]: a long-lived peer taking commands from a
# FIFO (iv_cmd NAME ...), its output in NAME.log; sets iv_id[NAME].
declare -A iv_id iv_fd
iv_monitor() {
	local name=$1 fd
	shift
	mkfifo "$iv_tmp/$name.fifo"
	"$IVSHMEM" -d "$iv_sock" monitor -i "$@" <"$iv_tmp/$name.fifo" \
		>"$iv_tmp/$name.log" 2>&1 &
	iv_pids+=($!)
	eval "iv_pid_$name=$!"
	exec {fd}>"$iv_tmp/$name.fifo"
	iv_fds+=("$fd")
	iv_fd[$name]=$fd
	iv_until 10 grep -q '^id ' "$iv_tmp/$name.log" ||
		iv_fail "monitor $name did not start"
	iv_id[$name]=$(sed -n 's/^id \([0-9]*\) .*/\1/p' "$iv_tmp/$name.log" | head -1)
}

iv_cmd() {
	local name=$1
	shift
	echo "$*" >&"${iv_fd[$name]}"
}

# iv_count NAME PATTERN: lines of NAME.log matching the ERE.
iv_count() {
	grep -cE "$2" "$iv_tmp/$1.log"
}

# iv_wait_lines NAME PATTERN N [SECONDS]: until NAME.log has N matches.
iv_wait_lines() {
	iv_until "${4:-10}" iv__has "$1" "$2" "$3"
}

iv__has() {
	[ "$(iv_count "$1" "$2")" -ge "$3" ]
}

# Sum of the irq counts NAME saw on vector V.
iv_irqs() {
	awk -v v="vector=$2" '$1 == "irq" && $2 == v {
		split($3, c, "="); s += c[2] } END { print s + 0 }' \
		"$iv_tmp/$1.log"
}

# Open fds of a process (to see that a peer's eventfds are freed).
iv_nfds() {
	find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l
}

# SPDX-License-Identifier: GPL-2.0
#
# Shared by the ivshmem_guest_*.sh host tests (sourced, not a test
# itself), on top of ivshmem_lib.bash: QEMU guests booted in the
# background around one ivshmem server, each running the agent
# (scripts/guest/ivshmem/agent.sh) that executes the shell commands the
# test posts into the shared memory and posts back status and output.
#
#   g_init                    skip (77) without VIRTBUS_KERNEL/INITRD
#                             (guest b boots VIRTBUS_STOCK_KERNEL/INITRD,
#                             Debian's kernel, when those are set)
#   g_memory PATH BYTES       the host's view of the memory (/dev/shm/..)
#   g_boot NAME SLOT ARGS...  boot a guest with QEMU ARGS (its devices)
#   g_doorbell_args           the QEMU ARGS for an ivshmem-doorbell device
#   g_ready NAME              wait until its agent is up; sets g_id[NAME]
#   g_run NAME CMD [SECS]     run CMD in the guest: its output in g_out,
#                             returns its status (124: no answer)
#   g_must NAME CMD [SECS]    the same, failing the test on non-zero
#   g_stop NAME               end the agent, wait for the power-off,
#                             check the exit status and the kernel log
#
# Every wait has a time limit; every QEMU is stopped on exit.

# The variables set here are for the tests that source this file.
# shellcheck disable=SC2034

# shellcheck source=ivshmem_lib.bash source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/ivshmem_lib.bash"

QEMU_RUN=$iv_root/scripts/qemu-run.sh
LOG_SCAN=$iv_root/scripts/log-scan.sh

# The agent area: the last 64 KiB of the memory, 16 KiB per guest.
G_AGENT_AREA=65536
G_SLOT_SIZE=16384

declare -A g_slot g_seq g_qpid g_runpid g_id
g_mem=
g_mem_size=
g_vectors=${g_vectors:-4}

# Stop every guest still running: QEMU by its pidfile, qemu-run by its
# process group; SIGKILL whatever is left after 10 s.
g_cleanup() {
	local name pid run
	for name in "${!g_runpid[@]}"; do
		pid=$(g__qpid "$name")
		[ -n "$pid" ] && kill "$pid" 2>/dev/null
		run=$(cat "$iv_tmp/$name.runpid" 2>/dev/null)
		[ -n "$run" ] && kill -- "-$run" 2>/dev/null
	done
	for name in "${!g_runpid[@]}"; do
		for _ in $(seq 100); do
			kill -0 "${g_runpid[$name]}" 2>/dev/null || break
			sleep 0.1
		done
		pid=$(g__qpid "$name")
		[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
		run=$(cat "$iv_tmp/$name.runpid" 2>/dev/null)
		[ -n "$run" ] && kill -9 -- "-$run" 2>/dev/null
		kill -9 "${g_runpid[$name]}" 2>/dev/null
		wait "${g_runpid[$name]}" 2>/dev/null
	done
	iv_cleanup
}

# The QEMU of guest NAME, if it still runs (its pidfile may be stale).
g__qpid() {
	local pid
	pid=$(cat "$iv_tmp/$1.qpid" 2>/dev/null) || return 0
	[[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == qemu-system* ]] && echo "$pid"
}

g_init() {
	iv_init
	trap g_cleanup EXIT
	if [ -z "${VIRTBUS_KERNEL-}" ] || [ -z "${VIRTBUS_INITRD-}" ]; then
		iv_skip "VIRTBUS_KERNEL and VIRTBUS_INITRD unset: run from make check (needs the test kernel and initramfs)"
	fi
	[ -r "$VIRTBUS_KERNEL" ] || iv_skip "no test kernel at $VIRTBUS_KERNEL"
	[ -r "$VIRTBUS_INITRD" ] || iv_skip "no test initramfs at $VIRTBUS_INITRD"
	command -v qemu-system-x86_64 >/dev/null || iv_skip "qemu-system-x86_64 not installed"
	g_t0=$(date +%s)
}

g_log() {
	echo "[$(($(date +%s) - g_t0))s] $*"
}

# g_memory PATH BYTES: where the host sees the shared memory, its size.
g_memory() {
	g_mem=$1
	g_mem_size=$(($2))
	g_base=$((g_mem_size - G_AGENT_AREA))
}

# g_poke OFFSET TEXT: TEXT and a NUL into the memory.
g_poke() {
	printf '%s\0' "$2" | dd of="$g_mem" bs=64K seek="$1" conv=notrunc \
		oflag=seek_bytes status=none
}

# g_peek OFFSET LEN: the text at OFFSET, up to the first NUL.
g_peek() {
	dd if="$g_mem" bs=64K skip="$1" count="$2" iflag=skip_bytes,count_bytes \
		status=none | head -z -n 1 | tr -d '\0'
}

g_doorbell_args() {
	echo "-chardev socket,path=$iv_sock,id=ivs -device ivshmem-doorbell,chardev=ivs,vectors=$g_vectors"
}

# g_boot NAME SLOT [QEMU ARGS...]: boot a guest running the agent in
# SLOT; its console is NAME.console, qemu-run's status NAME.rc. Guest
# b runs Debian's kernel where make check built its initramfs: two
# different guest kernels on one memory, and a test kernel (KASAN,
# lockdep) boot fewer, which costs several times a stock one under
# emulation. Guest a always runs the test kernel.
g_boot() {
	local name=$1 slot=$2 off kernel=$VIRTBUS_KERNEL initrd=$VIRTBUS_INITRD
	shift 2
	if [ "$name" = b ] && [ -r "${VIRTBUS_STOCK_KERNEL-}" ] &&
	   [ -r "${VIRTBUS_STOCK_INITRD-}" ]; then
		kernel=$VIRTBUS_STOCK_KERNEL initrd=$VIRTBUS_STOCK_INITRD
	fi
	g_log "guest $name: booting $kernel"
	off=$((g_base + slot * G_SLOT_SIZE))
	g_slot[$name]=$slot
	g_seq[$name]=${g_seq[$name]:-0}
	g_poke $((off + 4096)) ""	# no stale result or ready line
	rm -f "$iv_tmp/$name.qpid" "$iv_tmp/$name.rc" "$iv_tmp/$name.runpid"
	(
		# its own process group, to be stopped as one
		setsid "$QEMU_RUN" -k "$kernel" -i "$initrd" \
			-t ivshmem/agent -l "$iv_tmp/$name.console" -T 400 \
			-a "ivs.slot=$slot ivs.base=$g_base" -- \
			-pidfile "$iv_tmp/$name.qpid" "$@" &
		echo $! >"$iv_tmp/$name.runpid"
		wait $!
		echo $? >"$iv_tmp/$name.rc"
	) </dev/null >/dev/null 2>&1 &
	g_runpid[$name]=$!
}

# g_ready NAME [SECS]: wait for the agent's "B ID"; sets g_id[NAME].
g_ready() {
	local name=$1 secs=${2:-180} off hdr
	off=$((g_base + ${g_slot[$name]} * G_SLOT_SIZE))
	if ! iv_until "$secs" g__booted "$name" "$off"; then
		g_fail "guest $name: no agent after ${secs}s"
	fi
	hdr=$(g_peek $((off + 4096)) 64)
	g_id[$name]=${hdr#B }
	g_log "guest $name up: peer ${g_id[$name]}"
}

g__booted() {
	[ -e "$iv_tmp/$1.rc" ] && g_fail "guest $1 ended before its agent came up (qemu-run: $(cat "$iv_tmp/$1.rc"))"
	[[ "$(g_peek $(($2 + 4096)) 64)" == "B "* ]]
}

# g_run NAME CMD [SECS]: run CMD (sh) in guest NAME; its output (the last
# 12 KiB) in g_out; returns its status, 124 on no answer in SECS, 125 if
# the guest is gone.
g_run() {
	local name=$1 cmd=$2 secs=${3:-60} off seq tag rseq rc end
	off=$((g_base + ${g_slot[$name]} * G_SLOT_SIZE))
	g_out=
	[ ${#cmd} -lt 4000 ] || g_fail "g_run: command too long"
	seq=$((g_seq[$name] + 1))
	g_seq[$name]=$seq
	# the body first, the header (64 bytes, no NUL) last
	g_poke $((off + 64)) "$cmd
#E $seq"
	printf '%-63s\n' "C $seq" | dd of="$g_mem" bs=64 seek="$off" \
		conv=notrunc oflag=seek_bytes status=none
	end=$(($(date +%s) + secs))
	while :; do
		read -r tag rseq rc < <(g_peek $((off + 4096)) 64)
		[ "$tag $rseq" = "R $seq" ] && break
		if [ -e "$iv_tmp/$name.rc" ]; then
			g_out="guest $name ended (qemu-run: $(cat "$iv_tmp/$name.rc")) while running: $cmd"
			return 125
		fi
		if [ "$(date +%s)" -ge "$end" ]; then
			g_out="guest $name: no answer in ${secs}s"
			return 124
		fi
		sleep 0.1
	done
	g_out=$(g_peek $((off + 4160)) 12224)
	return "$rc"
}

# g_must NAME CMD [SECS]: g_run, and fail the test if CMD failed.
g_must() {
	g_run "$@" && return 0
	g_fail "guest $1: '$2' failed ($?): $g_out"
}

# g_stop NAME: the agent ends, the guest powers off; its status must be
# 0 and its kernel log clean.
g_stop() {
	local name=$1 rc
	g_run "$name" 'echo 0 > /tmp/agent.exit' 20 >/dev/null ||
		g_fail "guest $name: the agent did not take the exit command"
	iv_until 60 test -e "$iv_tmp/$name.rc" || g_fail "guest $name did not power off"
	wait "${g_runpid[$name]}" 2>/dev/null
	unset "g_runpid[$name]"
	rc=$(cat "$iv_tmp/$name.rc")
	[ "$rc" = 0 ] || g_fail "guest $name: exit status $rc"
	g_scan "$name"
	g_log "guest $name stopped, kernel log clean"
}

# g_scan NAME: no kernel warning in the guest's log so far; else the
# first report in full, and fail.
g_scan() {
	local out line
	if ! out=$("$LOG_SCAN" "$iv_tmp/$1.console" 2>&1); then
		line=$(grep -n -m1 -F -- "$(head -1 <<<"$out")" "$iv_tmp/$1.console" | cut -d: -f1)
		echo "--- guest $1: the first kernel report" >&2
		sed -n "${line:-1},$((${line:-1} + 60))p" "$iv_tmp/$1.console" >&2
		g_fail "guest $1: kernel report in its log: $(head -3 <<<"$out")"
	fi
}

# Several tests on one set of guests, for tests that need the same
# topology: "g_parts NAME..." names them, "g_part NAME" starts each (the
# one before it passed, once the guests' kernel logs show no report),
# "g_parts_end" closes the last. Each is reported as "RESULT: ok NAME
# SECONDS" or "RESULT: not ok NAME SECONDS WHY" for make check; a
# failure ends the script, and the tests after it are reported not run.
g_parts_all=() g_part_name='' g_part_t0=0
g_parts() { g_parts_all=("$@"); }

g__part_passed() {
	local g
	[ -n "$g_part_name" ] || return 0
	for g in "${!g_runpid[@]}"; do
		g_scan "$g"
	done
	echo "RESULT: ok $g_part_name $(($(date +%s) - g_part_t0))"
}

g_part() {
	g__part_passed
	g_part_name=$1 g_part_t0=$(date +%s)
	g_log "--- $1"
}

g_parts_end() {
	g__part_passed
	g_part_name=''
	g_parts_all=()
}

iv_results() {
	local p after=0 why=${1//$'\n'/ }
	[ ${#g_parts_all[@]} -gt 0 ] || return 0
	for p in "${g_parts_all[@]}"; do
		if [ -z "$g_part_name" ]; then
			echo "RESULT: not ok $p 0 not run: the guests did not come up: ${why:0:200}"
		elif [ "$p" = "$g_part_name" ]; then
			echo "RESULT: not ok $p $(($(date +%s) - g_part_t0)) ${why:0:300}"
			after=1
		elif [ $after = 1 ]; then
			echo "RESULT: not ok $p 0 not run: $g_part_name failed"
		fi
	done
	g_parts_all=()
}

# Fail: the guests' consoles, the server's and the peers' logs.
g_fail() {
	local f
	echo "FAIL: $*" >&2
	iv_results "$*"
	for f in "$iv_tmp"/*.console; do
		[ -e "$f" ] || continue
		echo "--- $(basename "$f") (end)" >&2
		grep -vE '^\[ *[0-9.]+\] (pci|PCI|ACPI|clocksource|x86|e820|BIOS|smpboot|Memory|Booting|Linux version|Command line)' "$f" |
			grep -v '^VIRTBUS-DMESG' | tail -40 >&2
	done
	for f in "$iv_tmp"/*.log; do
		[ -e "$f" ] || continue
		echo "--- $(basename "$f")" >&2
		tail -20 "$f" >&2
	done
	exit 1
}

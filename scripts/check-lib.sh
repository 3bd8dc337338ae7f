# SPDX-License-Identifier: GPL-2.0
#
# The test runner's machinery, sourced by scripts/check.sh: a pool of
# jobs run side by side with their output printed in order, and guest
# boots that run several tests each.
#
# A job is a shell function run in the background with its output in a
# file of its own. It reports with result lines, which the runner
# numbers and prints in the order the jobs were declared, whatever the
# order they finish in:
#
#   r_ok NAME SECONDS            passed
#   r_not_ok NAME SECONDS WHY    failed; WHY and any "#" lines after it
#                                (diagnostics) are printed with it
#   r_skip NAME REASON           could not run, and why
#
# A job's exit status tells the jobs that depend on it whether it
# succeeded; a job whose dependency failed still runs, with J_BLOCKED
# saying why, so that it can report each of its tests as not run.

n_pass=0
n_fail=0
n_skip=0
n_test=0
t_start=$(date +%s)

results=build/results
logs=build/logs

r_ok() { printf 'ok %s (%ss)\n' "$1" "$2"; }
r_not_ok() { printf 'not ok %s (%ss): %s\n' "$1" "$2" "$3"; }
r_skip() { printf 'skip %s\t%s\n' "$1" "$2"; }

# Diagnostics under a result: the lines of a file, indented.
r_diag() { sed 's/^/#   /' | tail -"${1:-25}"; }

# Seconds since $1 (date +%s.%N), to a tenth.
since() {
	awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
}

selected() {
	# shellcheck disable=SC2053
	[ -z "${VIRTBUS_TESTS-}" ] || [[ $1 == $VIRTBUS_TESTS ]]
}

slug() {
	echo "$1" | tr -c 'A-Za-z0-9_.@-' '_' | sed 's/_*$//'
}

# Print the numbered report lines of one finished job.
print_results() {
	local line name rest
	while IFS= read -r line; do
		case $line in
		"ok "*)
			n_test=$((n_test + 1)) n_pass=$((n_pass + 1))
			echo "ok $n_test ${line#ok }" ;;
		"not ok "*)
			n_test=$((n_test + 1)) n_fail=$((n_fail + 1))
			echo "not ok $n_test ${line#not ok }" ;;
		"skip "*)
			rest=${line#skip } name=${rest%%$'\t'*}
			n_test=$((n_test + 1)) n_skip=$((n_skip + 1))
			echo "ok $n_test $name # SKIP ${rest#*$'\t'}" ;;
		"#"*) echo "$line" ;;
		esac
	done <"$1"
}

# ---- the job pool ----

J_NAME=() J_DEPS=() J_CMD=() J_STATE=() J_PID=() J_T0=()
declare -A J_INDEX=()

# job NAME DEPS COMMAND...: declare a job; DEPS is a comma-separated
# list of earlier jobs, or "-".
job() {
	local i=${#J_NAME[@]}
	J_NAME[i]=$1 J_DEPS[i]=$2
	shift 2
	J_CMD[i]=$(printf '%q ' "$@")
	J_STATE[i]=waiting
	J_INDEX[${J_NAME[i]}]=$i
}

# The seconds a job took last time, for starting the longest first;
# J_EST: a guess for a job that has not run here yet.
declare -A J_LAST=() J_EST=()
times_file=${VIRTBUS_CACHE:-/var/cache/virtbus}/check-times.tsv
load_times() {
	local name secs
	[ -r "$times_file" ] || return 0
	while IFS=$'\t' read -r name secs; do
		J_LAST[$name]=$secs
	done <"$times_file"
}

# A job's readiness: "ready", "wait", or the name of a failed dependency.
job_ready() {
	local d j
	[ "${J_DEPS[$1]}" = - ] && { echo ready; return; }
	for d in ${J_DEPS[$1]//,/ }; do
		# A dependency nothing selected is not needed.
		j=${J_INDEX[$d]-}
		[ -n "$j" ] || continue
		case ${J_STATE[j]} in
		passed) ;;
		failed) echo "$d"; return ;;
		*) echo wait; return ;;
		esac
	done
	echo ready
}

job_start() {
	local i=$1 blocked=$2
	J_STATE[i]=running
	J_T0[i]=$(date +%s.%N)
	(
		export J_BLOCKED=$blocked
		eval "${J_CMD[i]}"
	) >"$results/$i.out" 2>"$results/$i.err" </dev/null &
	J_PID[i]=$!
}

# rank_jobs: each job's rank, the seconds from its start to the end of
# the longest chain of jobs that need it (by each one's last time).
J_RANK=()
rank_jobs() {
	local i j d t
	for ((i = ${#J_NAME[@]} - 1; i >= 0; i--)); do
		t=${J_LAST[${J_NAME[i]}]:-${J_EST[${J_NAME[i]}]:-0}}
		J_RANK[i]=$((${t%.*} + ${J_RANK[i]:-0}))
		[ "${J_DEPS[i]}" = - ] && continue
		# Jobs come after what they need, so a dependency's rank is
		# still open here: raise it to cover this one's.
		for d in ${J_DEPS[i]//,/ }; do
			j=${J_INDEX[$d]-}
			[ -n "$j" ] || continue
			[ "${J_RANK[j]:-0}" -ge "${J_RANK[i]}" ] || J_RANK[j]=${J_RANK[i]}
		done
	done
}

# run_jobs N: run every declared job, at most N at a time, first among
# those ready the one heading the longest chain (rank_jobs); print the
# results in declaration order as soon as all before them are printed.
run_jobs() {
	local max=$1 running=0 printed=0 i best bestt r t pid rc name
	local total=${#J_NAME[@]}
	mkdir -p "$results" "$logs"
	rm -f "$results"/*.out "$results"/*.err
	load_times
	rank_jobs
	while [ $printed -lt "$total" ]; do
		# Start what can start.
		while [ $running -lt "$max" ]; do
			best=-1 bestt=-1
			for i in "${!J_NAME[@]}"; do
				[ "${J_STATE[i]}" = waiting ] || continue
				r=$(job_ready "$i")
				[ "$r" = wait ] && continue
				if [ "$r" != ready ]; then
					# Blocked: runs at once to report its tests as not run.
					job_start "$i" "needs $r, which failed"
					running=$((running + 1))
					continue 2
				fi
				if [ "${J_RANK[i]}" -gt "$bestt" ]; then
					best=$i bestt=${J_RANK[i]}
				fi
			done
			[ $best -ge 0 ] || break
			job_start "$best" ""
			running=$((running + 1))
		done
		# Wait for one to end.
		if [ $running -gt 0 ]; then
			wait -n -p pid
			rc=$?
			for i in "${!J_NAME[@]}"; do
				[ "${J_STATE[i]}" = running ] && [ "${J_PID[i]}" = "$pid" ] || continue
				if [ $rc -eq 0 ] && [ -z "$(grep -m1 '^not ok ' "$results/$i.out")" ]; then
					J_STATE[i]=passed
				else
					J_STATE[i]=failed
				fi
				J_LAST[${J_NAME[i]}]=$(since "${J_T0[i]}")
				running=$((running - 1))
			done
		elif [ "${J_STATE[printed]}" = waiting ]; then
			echo "not ok check: job ${J_NAME[printed]} can never start" >&2
			J_STATE[printed]=failed
			echo "not ok ${J_NAME[printed]} (0s): its dependencies never ran" >"$results/$printed.out"
		fi
		# Print what is complete, in order.
		while [ $printed -lt "$total" ]; do
			case ${J_STATE[printed]} in
			passed | failed) ;;
			*) break ;;
			esac
			print_results "$results/$printed.out"
			printed=$((printed + 1))
		done
	done
	# Keep the times for the next run's ordering (best effort).
	mkdir -p "$(dirname "$times_file")" 2>/dev/null &&
		for name in "${!J_LAST[@]}"; do
			printf '%s\t%s\n' "$name" "${J_LAST[$name]}"
		done >"$times_file.tmp" 2>/dev/null && mv "$times_file.tmp" "$times_file"
	{
		echo "# job	seconds"
		for i in "${!J_NAME[@]}"; do
			printf '%s\t%s\n' "${J_NAME[i]}" "${J_LAST[${J_NAME[i]}]}"
		done | sort -t$'\t' -k2 -rn
	} >"$logs/job-times.tsv"
}

# ---- steps: a build or lint command as one test ----

# step NAME COMMAND...: run COMMAND, its output in a log; one result.
step() {
	local name=$1 log t0 rc
	shift
	log=$logs/$(slug "$name").log
	if [ -n "${J_BLOCKED-}" ]; then
		r_not_ok "$name" 0 "not run: $J_BLOCKED"
		return 1
	fi
	t0=$(date +%s.%N)
	"$@" >"$log" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		r_ok "$name" "$(since "$t0")"
		return 0
	fi
	r_not_ok "$name" "$(since "$t0")" "exit $rc, log $log"
	r_diag <"$log"
	return 1
}

# host_test NAME SCRIPT: a host-side test script: exit 0 passes, 77
# skips (the reason on its last line), anything else fails. A script
# that tests several things prints "RESULT: ok NAME SECONDS" or
# "RESULT: not ok NAME SECONDS WHY" for each; then those are its results.
host_test() {
	local name=$1 script=$2 log t0 rc line sub
	log=$logs/$(slug "$name").log
	if [ -n "${J_BLOCKED-}" ]; then
		r_not_ok "$name" 0 "not run: $J_BLOCKED"
		return 1
	fi
	t0=$(date +%s.%N)
	timeout --kill-after=10 "${3:-600}" bash "$script" >"$log" 2>&1
	rc=$?
	sub=0
	while IFS= read -r line; do
		# shellcheck disable=SC2086
		set -- $line
		case $2 in
		ok) r_ok "$name/$3" "$4"; [ $sub = 2 ] || sub=1 ;;
		not) r_not_ok "$name/$4" "$5" "${line#RESULT: not ok * * }"; sub=2 ;;
		esac
	done < <(grep -a '^RESULT: ' "$log")
	case $rc in
	0) [ $sub != 0 ] || r_ok "$name" "$(since "$t0")"; return 0 ;;
	77) r_skip "$name" "$(tail -1 "$log")"; return 0 ;;
	esac
	# A failure the script's own results do not already show.
	if [ $sub != 2 ]; then
		r_not_ok "$name" "$(since "$t0")" "exit $rc, log $log"
		r_diag <"$log"
	fi
	return 1
}

# ---- guest boots ----

# meta FILE KEY: the values of "# virtbus-KEY: value" lines of a test.
meta() {
	sed -n "s/^# virtbus-$2:[[:space:]]*//p" "$1"
}

# KTAP results that a guest printed between markers, judged by the
# kernel's kunit.py: one result line per suite.
judge_kunit() {
	local name=$1 log=$2 ktap json
	# Absolute paths: kunit.py changes directory before opening them.
	ktap=$PWD/${log%.log}.ktap
	json=$PWD/${log%.log}.json
	sed -n '/^VIRTBUS-KTAP-START/,/^VIRTBUS-KTAP-END/p' "$log" |
		sed '1d;$d' | tr -d '\r' >"$ktap"
	rm -f "$json"
	python3 "$kdir_src/tools/testing/kunit/kunit.py" parse --json="$json" \
		"$ktap" >"${log%.log}.kunit" 2>&1
	if ! [ -s "$json" ]; then
		r_not_ok "$name" 0 "kunit.py could not parse the results (${log%.log}.kunit)"
		return
	fi
	python3 - "$json" "$name" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
name = sys.argv[2]
suites = data.get("sub_groups", [])
if not suites:
    print(f"not ok {name} (0s): no KUnit suite reported")
for suite in suites:
    cases = suite.get("test_cases", [])
    bad = [c["name"] for c in cases if c["status"] not in ("PASS", "SKIP")]
    skipped = [c["name"] for c in cases if c["status"] == "SKIP"]
    label = f'{name}: {suite["name"]} ({len(cases)} cases'
    label += f', {len(skipped)} skipped)' if skipped else ')'
    if not cases or bad:
        print(f"not ok {label} (0s): failed: {', '.join(bad) or 'no cases ran'}")
    else:
        print(f"ok {label} (0s)")
PY
}

# The guest tests of the manifest, expanded: "SCRIPT VARIANT DEVOPTS"
# lines for one entry (a bare name with variants stands for all of them).
expand_entry() {
	local entry=$1 name want script vname devopts found=0
	name=${entry%%\[*}
	want=
	[ "$name" != "$entry" ] && { want=${entry#*\[}; want=${want%]}; }
	script=scripts/tests/guest/$name.sh
	[ -f "$script" ] || { echo "missing $script"; return 1; }
	if [ -z "$(meta "$script" variant)" ]; then
		[ -z "$want" ] || { echo "$name has no variant $want"; return 1; }
		echo "$script - "
		return 0
	fi
	while read -r vname devopts; do
		[ -z "$want" ] || [ "$want" = "$vname" ] || continue
		echo "$script $vname $devopts"
		found=1
	done < <(meta "$script" variant)
	[ $found = 1 ] || { echo "$name has no variant $want"; return 1; }
}

# boot_instances BOOT KERNEL ENTRY...: "NAME SCRIPT VARIANT DEVOPTS"
# for each selected test of a boot.
boot_instances() {
	local kernel=$2 entry line script vname devopts name
	shift 2
	for entry in "$@"; do
		line=$(expand_entry "$entry") || { echo "ERROR $line"; continue; }
		while read -r script vname devopts; do
			name=guest/$(basename "$script" .sh)
			[ "$vname" = - ] || name="$name[$vname]"
			name=$name@$kernel
			selected "$name" && echo "$name $script $vname $devopts"
		done <<<"$line"
	done
}

# subst TEXT: a test's QEMU or monitor text with its placeholders.
subst() {
	local s=$1
	s=${s//@DEVICES@/$devices}
	s=${s//@DEVOPTS@/$i_devopts}
	s=${s//@SCRATCH@/$i_scratch}
	s=${s//@P@/$i_prefix}
	s=${s//@SLOT@/$i_slot}
	s=${s//@VARIANT@/$i_variant}
	echo "$s"
}

# section LOG START END: the lines from the one starting with START up
# to the one starting with END (or the log's end).
section() {
	awk -v s="$2" -v e="$3" 'index($0, s) == 1 { on = 1 } on { print }
		on && e != "" && index($0, e) == 1 { exit }' "$1"
}

# run_boot BOOT KERNEL CPUS ENTRY...: boot one guest on KERNEL that runs
# the selected tests among ENTRY... in order, and report each.
run_boot() {
	local boot=$1 kernel=$2 cpus=$3
	shift 3
	local -a inst_name=() inst_script=() inst_variant=() inst_devopts=()
	local -a inst_scratch=() qargs=() mcmds=()
	local line name script vname devopts i=0 n tests="" appends="" timeout=60
	local need_tools=0 scratch bootlog initrd kimage rc t0 word t d
	local devices
	devices=$(tr '\n' ' ' <scripts/tests/devices.qemu)

	while read -r name script vname devopts; do
		[ -n "$name" ] || continue
		if [ "$name" = ERROR ]; then
			r_not_ok "guest/boot:$boot@$kernel" 0 "$script $vname $devopts"
			return 1
		fi
		inst_name[i]=$name inst_script[i]=$script inst_variant[i]=$vname
		inst_devopts[i]=$devopts
		i=$((i + 1))
	done < <(boot_instances "$boot" "$kernel" "$@")
	n=$i
	[ "$n" -gt 0 ] || return 0
	if [ -n "${J_BLOCKED-}" ]; then
		for name in "${inst_name[@]}"; do
			r_not_ok "$name" 0 "not run: $J_BLOCKED"
		done
		return 1
	fi
	case $kernel in
	test) initrd=$initrd_test; kimage=$kdir/arch/x86/boot/bzImage ;;
	stock) initrd=$initrd_stock; kimage=/boot/vmlinuz-$stock_kver ;;
	esac
	scratch=$(mktemp -d /tmp/virtbus-guest.XXXXXX)
	bootlog=$logs/boot-$(slug "$boot@$kernel").log
	# Each test's devices: QEMU IDs prefixed per test (@P@), its own
	# scratch directory (@SCRATCH@) and PCI slot (@SLOT@), so that the
	# tests of one boot never share a device or an image.
	for ((i = 0; i < n; i++)); do
		local i_devopts=${inst_devopts[i]} i_variant=${inst_variant[i]}
		local i_prefix=t$i i_slot i_scratch=$scratch/$i
		i_slot=$(printf '0x%02x' $((0x10 + i)))
		[ "$i_variant" = - ] && i_variant=
		mkdir -p "$i_scratch"
		for d in 0 1 2 3; do truncate -s 64M "$i_scratch/disk$d.img"; done
		inst_scratch[i]=$i_scratch
		script=${inst_script[i]}
		# Split into words, but no globbing: JSON options have brackets.
		set -f
		for word in $(subst "$(meta "$script" qemu | tr '\n' ' ')"); do
			qargs+=("$word")
		done
		set +f
		for word in $(meta "$script" append); do
			[[ " $appends " == *" $word "* ]] || appends+=" $word"
		done
		while IFS= read -r line; do
			[ -n "$line" ] && mcmds+=(-c "$(subst "$line")")
		done < <(meta "$script" monitor)
		[ -n "$(meta "$script" initrd)" ] && need_tools=1
		t=$(meta "$script" timeout | head -1)
		timeout=$((timeout + ${t:-300}))
		tests+=${tests:+,}$(basename "$script" .sh):${inst_variant[i]}:${i_slot#0x}
	done
	# "# virtbus-initrd: fio": the tools archive appended to the initramfs.
	if [ $need_tools = 1 ]; then
		cat "$initrd" "$initrd_tools" >"$scratch/initrd"
		initrd=$scratch/initrd
	fi
	t0=$(date +%s.%N)
	scripts/qemu-run.sh -k "$kimage" -i "$initrd" -t "$tests" -l "$bootlog" \
		-T "$timeout" -C "$cpus" \
		-a "$appends virtbus.kernel=$kernel" -m "$scratch/monitor" \
		"${mcmds[@]}" -- "${qargs[@]}"
	rc=$?
	sed -i 's/\r$//' "$bootlog"
	echo "# boot $boot@$kernel: $n tests, $(since "$t0")s, qemu-run exit $rc, log $bootlog"
	grep -a '^qemu-run: the kernel did not reach' "$bootlog" | sed 's/^/# /'

	local ended="" tlog id end trc tsecs hostcheck first=1
	for ((i = 0; i < n; i++)); do
		name=${inst_name[i]} script=${inst_script[i]}
		id=$(basename "$script" .sh):${inst_variant[i]}:$(printf '%02x' $((0x10 + i)))
		tlog=$logs/$(slug "$name").log
		if [ -n "$ended" ]; then
			r_not_ok "$name" 0 "not run: the guest $ended"
			continue
		fi
		# The test's own output, then its own part of the kernel log:
		# from its start marker to the next test's (the first test's
		# part also holds the boot, the last one's the power-off).
		section "$bootlog" "VIRTBUS-TEST-START: $id" "VIRTBUS-TEST-END: $id" >"$tlog"
		end=$(grep -a "^VIRTBUS-TEST-END: $id " "$bootlog" | tail -1)
		if grep -qa '^VIRTBUS-DMESG-END' "$bootlog"; then
			echo "VIRTBUS-DMESG-START" >>"$tlog"
			section "$bootlog" VIRTBUS-DMESG-START VIRTBUS-DMESG-END | sed '1d;$d' |
				awk -v me="virtbus-test: start $id" -v first=$first '
					/virtbus-test: start / {
						seen = 1
						on = substr($0, length($0) - length(me) + 1) == me
					}
					(first && !seen) || on { print }' >>"$tlog"
			echo "VIRTBUS-DMESG-END" >>"$tlog"
		fi
		first=0
		if [ -z "$end" ]; then
			case $rc in
			124) ended="timed out during $name" ;;
			*) ended="ended during $name (qemu-run exit $rc)" ;;
			esac
			r_not_ok "$name" "$(since "$t0")" "the guest $ended, log $bootlog"
			grep -av '^VIRTBUS' "$tlog" | r_diag 25
			tail -15 "$bootlog" | r_diag 15
			continue
		fi
		set -- $end
		trc=$3 tsecs=$4
		if [ "$trc" != 0 ]; then
			r_not_ok "$name" "$tsecs" "guest exit $trc, log $tlog"
			# What the test printed, without the kernel's console lines.
			section "$tlog" "VIRTBUS-TEST-START" "VIRTBUS-TEST-END" |
				grep -av '^VIRTBUS' | grep -avE '^\[ *[0-9]+\.[0-9]+\]' | r_diag 25
			continue
		fi
		# A test may check the host side of what the guest did (disk
		# images in its scratch directory, say): "# virtbus-host-check:
		# COMMAND" runs with LOG and SCRATCH set once the guest is done.
		hostcheck=$(meta "$script" host-check | head -1)
		if [ -n "$hostcheck" ] &&
		   ! LOG=$tlog SCRATCH=${inst_scratch[i]} bash -c "$hostcheck" >"$tlog.host" 2>&1; then
			r_not_ok "$name" "$tsecs" "host-side check failed, see $tlog.host"
			r_diag 15 <"$tlog.host"
			continue
		fi
		if ! scripts/log-scan.sh "$tlog" >"$tlog.scan"; then
			r_not_ok "$name" "$tsecs" "kernel reported a problem, log $tlog"
			head -20 "$tlog.scan" | r_diag 20
			continue
		fi
		r_ok "$name" "$tsecs"
		if grep -q '^# virtbus-kunit' "$script"; then
			judge_kunit "$name" "$tlog"
		fi
	done
	rm -rf "$scratch"
	return 0
}

# boots_for KERNEL: "NAME CPUS ENTRY..." for each boot of the manifest
# (scripts/tests/boots) on KERNEL that has a selected test.
boots_for() {
	local kernel=$1 bname kernels cpus entries
	while read -r bname kernels cpus entries; do
		case $bname in "" | "#"*) continue ;; esac
		[[ ",$kernels," == *",$kernel,"* ]] || continue
		# shellcheck disable=SC2086
		[ -n "$(boot_instances "$bname" "$kernel" $entries)" ] || continue
		echo "$bname $cpus $entries"
	done <scripts/tests/boots
}

# declare_boots KERNEL DEPS: those boots, as jobs.
declare_boots() {
	local bname cpus entries
	while read -r bname cpus entries; do
		# shellcheck disable=SC2086
		job "boot:$bname@$1" "$2" run_boot "$bname" "$1" "$cpus" $entries
	done < <(boots_for "$1")
}

# Every guest test must be in some boot of the manifest: a test left
# out would silently never run.
check_manifest() {
	local t missing=""
	for t in scripts/tests/guest/*.sh; do
		t=$(basename "$t" .sh)
		awk -v t="$t" '$1 !~ /^#/ { for (i = 4; i <= NF; i++) { sub(/\[.*/, "", $i); if ($i == t) f = 1 } } END { exit !f }' \
			scripts/tests/boots || missing+=" $t"
	done
	[ -z "$missing" ] || { echo "in no boot of scripts/tests/boots:$missing"; return 1; }
}

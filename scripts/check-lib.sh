# SPDX-License-Identifier: GPL-2.0
#
# The test runner's bookkeeping, sourced by scripts/check.sh.

n_pass=0
n_fail=0
n_skip=0
n_test=0

ok() {
	n_test=$((n_test + 1)); n_pass=$((n_pass + 1))
	echo "ok $n_test $*"
}

not_ok() {
	n_test=$((n_test + 1)); n_fail=$((n_fail + 1))
	echo "not ok $n_test $*"
}

skip() {
	n_test=$((n_test + 1)); n_skip=$((n_skip + 1))
	echo "ok $n_test $1 # SKIP $2"
}

summary() {
	echo "$n_pass passed, $n_fail failed, $n_skip skipped"
	[ $n_fail -eq 0 ] && [ $n_pass -gt 0 ]
	exit $?
}

selected() {
	# shellcheck disable=SC2053
	[ -z "${VIRTBUS_TESTS-}" ] || [[ $1 == $VIRTBUS_TESTS ]]
}

slug() {
	echo "$1" | tr -c 'A-Za-z0-9_.@-' '_' | sed 's/_*$//'
}

# run_step NAME COMMAND...: a build or lint step as a test.
run_step() {
	local name=$1 log
	shift
	mkdir -p build/logs
	log=build/logs/$(slug "$name").log
	if "$@" >"$log" 2>&1; then
		ok "$name"
		return 0
	fi
	not_ok "$name"
	sed 's/^/#   /' "$log" | tail -25
	return 1
}

run_host_test() {
	local name=$1 script=$2 log rc
	log=build/logs/$(slug "$name").log
	mkdir -p build/logs
	timeout --kill-after=10 600 bash "$script" >"$log" 2>&1
	rc=$?
	case $rc in
	0) ok "$name" ;;
	77) skip "$name" "$(tail -1 "$log")" ;;
	*) not_ok "$name (exit $rc)"; sed 's/^/#   /' "$log" | tail -25 ;;
	esac
}

# meta FILE KEY: the values of "# virtbus-KEY: value" lines of a test.
meta() {
	sed -n "s/^# virtbus-$2:[[:space:]]*//p" "$1"
}

# KTAP results that a guest printed between markers, judged by the
# kernel's kunit.py: one "ok"/"not ok"/"skip" line per suite on stdout.
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
		echo "not ok $name: kunit.py could not parse the results (${log%.log}.kunit)"
		return
	fi
	python3 - "$json" "$name" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
name = sys.argv[2]
suites = data.get("sub_groups", [])
if not suites:
    print(f"not ok {name}: no KUnit suite reported")
for suite in suites:
    cases = suite.get("test_cases", [])
    bad = [c["name"] for c in cases if c["status"] not in ("PASS", "SKIP")]
    skipped = [c["name"] for c in cases if c["status"] == "SKIP"]
    label = f'{name}: {suite["name"]} ({len(cases)} cases'
    label += f', {len(skipped)} skipped)' if skipped else ')'
    if not cases or bad:
        print(f"not ok {label} failed: {', '.join(bad) or 'no cases ran'}")
    else:
        print(f"ok {label}")
PY
}

run_one_guest() {
	local name=$1 script=$2 kernel=$3 variant=$4 devopts=$5 test log
	local scratch qemu append timeout rc initrd kimage hostcheck line
	test=$(basename "$script" .sh)
	log=build/logs/$(slug "$name").log
	case $kernel in
	test) initrd=$initrd_test; kimage=$kdir/arch/x86/boot/bzImage ;;
	stock) initrd=$initrd_stock; kimage=/boot/vmlinuz-$stock_kver ;;
	esac
	scratch=$(mktemp -d /tmp/virtbus-guest.XXXXXX)
	for i in 0 1 2 3; do truncate -s 64M "$scratch/disk$i.img"; done
	# "# virtbus-initrd: fio": the tools archive appended to the initramfs.
	if [ -n "$(meta "$script" initrd)" ]; then
		cat "$initrd" "$initrd_tools" >"$scratch/initrd.gz"
		initrd=$scratch/initrd.gz
	fi
	qemu=$(meta "$script" qemu | tr '\n' ' ')
	qemu=${qemu//@DEVICES@/$(cat scripts/tests/devices.qemu | tr '\n' ' ')}
	qemu=${qemu//@DEVOPTS@/$devopts}
	qemu=${qemu//@SCRATCH@/$scratch}
	append="$(meta "$script" append | tr '\n' ' ') virtbus.variant=${variant:-none} virtbus.kernel=$kernel"
	timeout=$(meta "$script" timeout | head -1)
	# "# virtbus-monitor: MARKER|COMMAND" lines become monitor commands.
	local -a mcmds=()
	while IFS= read -r line; do
		[ -n "$line" ] && mcmds+=(-c "$line")
	done < <(meta "$script" monitor)
	# shellcheck disable=SC2086
	scripts/qemu-run.sh -k "$kimage" -i "$initrd" -t "$test" -l "$log" \
		-T "${timeout:-300}" -a "$append" -m "$scratch/monitor" \
		"${mcmds[@]}" -- $qemu
	rc=$?
	# A test may check the host side of what the guest did (disk images
	# in the scratch directory, say): "# virtbus-host-check: COMMAND"
	# runs with LOG and SCRATCH set once the guest is done.
	hostcheck=$(meta "$script" host-check | head -1)
	if [ $rc -eq 0 ] && [ -n "$hostcheck" ] &&
	   ! LOG=$log SCRATCH=$scratch bash -c "$hostcheck" >"$log.host" 2>&1; then
		rm -rf "$scratch"
		not_ok "$name (host-side check failed, see $log.host)"
		sed 's/^/#   /' "$log.host" | tail -15
		return
	fi
	rm -rf "$scratch"
	if [ $rc -ne 0 ]; then
		not_ok "$name (guest exit $rc, log $log)"
		sed -n '/^VIRTBUS-TEST-START/,/^VIRTBUS-DMESG-START/p' "$log" |
			grep -v '^VIRTBUS' | sed 's/^/#   /' | tail -25
		[ $rc -ge 124 ] && tail -15 "$log" | sed 's/^/#   /'
		return
	fi
	if ! scripts/log-scan.sh "$log" >"$log.scan"; then
		not_ok "$name (kernel reported a problem, log $log)"
		sed 's/^/#   /' "$log.scan" | head -20
		return
	fi
	ok "$name"
	if grep -q '^# virtbus-kunit' "$script"; then
		judge_kunit_into_results "$name" "$log"
	fi
}

judge_kunit_into_results() {
	local line
	while read -r line; do
		case $line in
		"ok "*) ok "${line#ok }" ;;
		"not ok "*) not_ok "${line#not ok }" ;;
		esac
	done < <(judge_kunit "$1" "$2")
}

run_guest_test_file() {
	local script=$1 test kernels variants k v vname devopts name
	test=$(basename "$script" .sh)
	kernels=$(meta "$script" kernels | head -1)
	kernels=${kernels:-test stock}
	variants=$(meta "$script" variant)
	[ -n "$variants" ] || variants="-"
	for k in $kernels; do
		while read -r vname devopts; do
			[ "$vname" = - ] && vname=
			name=guest/$test${vname:+[$vname]}@$k
			selected "$name" || continue
			if [ "$k" = stock ] && [ "$have_stock" != 1 ]; then
				not_ok "$name (no modules or initramfs for Debian's kernel)"
				continue
			fi
			run_one_guest "$name" "$script" "$k" "$vname" "$devopts"
		done <<<"$variants"
	done
}

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make bench, inside the guest: two pairs of virtio-net devices, each pair
# on a QEMU hub of its own. One pair is virtbus_net against the kernel's
# virtio_net, the other virtio_net against virtio_net; each device sits in
# a network namespace of its own. iperf3 TCP runs over each pair in
# turns: one stream each way and four streams out, from the virtbus_net
# (or the first virtio_net) side. The peer is the same driver on both
# pairs, so the ratio compares the drivers under test.
. /tests/lib.sh

SECS=${BENCH_SECS:-5}
ROUNDS=3
IP=/usr/sbin/ip
wait_for 60 grep -q '^virtbus_net ' /proc/modules || fail "virtbus_net not loaded"
set -- $(pci_by_id 1af4:1000 1af4:1041)
[ $# -eq 4 ] || fail "expected four virtio-net devices, found $#"
# In command-line order: ours, its peer; theirs, its peer.
for p in "$2" "$3" "$4"; do
	hand_to_kernel "$p"
done
modprobe virtio_net || fail "modprobe virtio_net"

# net_of PCIDEV: the interface of a PCI device's virtio/virtbus child.
net_of() {
	for _n in "$1"/*/net/*; do
		[ -e "$_n" ] && { echo "${_n##*/}"; return 0; }
	done
	return 1
}

# place PCIDEV NS ADDRESS: the device's interface into NS, up, addressed.
place() {
	wait_for 30 net_of "$1" || fail "no interface for $1"
	_if=$(net_of "$1")
	$IP netns add "$2" 2>/dev/null
	$IP link set "$_if" netns "$2" || fail "cannot move $_if to $2"
	$IP -n "$2" addr add "$3/24" dev "$_if" &&
		$IP -n "$2" link set "$_if" up &&
		$IP -n "$2" link set lo up || fail "configure $_if in $2"
}
place "$1" vb 10.1.0.1
place "$2" vbpeer 10.1.0.2
place "$3" vn 10.1.0.1
place "$4" vnpeer 10.1.0.2
for ns in vbpeer vnpeer; do
	$IP netns exec $ns iperf3 -s -D >/dev/null 2>&1 || fail "iperf3 server in $ns"
done
sleep 1
for ns in vb vn; do
	wait_for 30 $IP netns exec $ns ping -c 1 -W 1 10.1.0.2 || fail "no ping from $ns"
done

# rate NS ARGS: Mbit/s at the receiver (the sum, with several streams).
rate() {
	_ns=$1
	shift
	$IP netns exec "$_ns" iperf3 -c 10.1.0.2 -t "$SECS" -f m "$@" 2>/dev/null |
		awk '/receiver/ { for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") r = $i }
			END { print r + 0 }'
}

for test in tx rx tx4; do
	eval "sum_vb_$test=0 sum_vn_$test=0"
done
r=1
while [ $r -le $ROUNDS ]; do
	for test in tx rx tx4; do
		case $test in
		tx) args= ;;
		rx) args=-R ;;
		tx4) args="-P 4" ;;
		esac
		a=$(rate vb $args)
		b=$(rate vn $args)
		echo "BENCH-RAW net round $r tcp-$test: virtbus_net $a Mbit/s, virtio_net $b Mbit/s"
		eval "sum_vb_$test=\$(awk -v s=\$sum_vb_$test -v a=$a 'BEGIN { print s + a }')"
		eval "sum_vn_$test=\$(awk -v s=\$sum_vn_$test -v a=$b 'BEGIN { print s + a }')"
	done
	r=$((r + 1))
done
for test in tx rx tx4; do
	eval "echo \"BENCH net tcp-$test \$sum_vb_$test \$sum_vn_$test\""
done

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# virtbus_net against the kernel's virtio_net, back to back: two
# virtio-net-pci devices on one QEMU hub, the first bound to virtbus_net,
# the second handed to the kernel's stack and moved into a network
# namespace of its own, so that traffic between them crosses the wire.
#
# Checked: ethtool -i names the driver; ping of every payload size up to
# the MTU; files sent each way and compared; iperf3 TCP each way; ethtool
# -K toggles with the data still intact; link off and on from the QEMU
# monitor with the carrier following; a MAC address change the device
# must learn through the control queue (it filters on it); promiscuous
# mode through the control queue, seen as frames for a foreign address
# reaching the driver or not; a 9000-byte MTU; per-queue statistics;
# unbinding under iperf3 and binding again; unloading with the device
# up and loading again; device_del under iperf3.
#
# QEMU's hub carries no virtio header, so QEMU offers no offloads here:
# the checksum and TSO paths are not exercised by this test.
#
# virtbus-qemu: -netdev hubport,id=@P@n0,hubid=1
# virtbus-qemu: -netdev hubport,id=@P@n1,hubid=1
# virtbus-qemu: -device virtio-net-pci,netdev=@P@n0,id=@P@nic0,mac=52:54:00:00:10:01,romfile=,addr=@SLOT@.0,multifunction=on
# virtbus-qemu: -device virtio-net-pci,netdev=@P@n1,mac=52:54:00:00:10:02,romfile=,addr=@SLOT@.1
# virtbus-initrd: iperf3 ip ethtool
# virtbus-monitor: NET-LINK-OFF|set_link @P@nic0 off
# virtbus-monitor: NET-LINK-ON|set_link @P@nic0 on
# virtbus-monitor: NET-UNPLUG-NOW|device_del @P@nic0
# virtbus-timeout: 600
. /tests/lib.sh

# iproute2's ip: busybox's, first in PATH, has no network namespaces.
IP=/usr/sbin/ip
NS=vbpeer
A=10.77.0.1 B=10.77.0.2
for p in $IP ethtool iperf3 pingsize; do
	command -v $p >/dev/null || fail "no $p in the guest"
done
peer() {
	$IP netns exec $NS "$@"
}

# net_of PCIDEV: the interface of a PCI device's virtio/virtbus child.
net_of() {
	for _n in "$1"/*/net/*; do
		[ -e "$_n" ] && { echo "${_n##*/}"; return 0; }
	done
	return 1
}

# ethstat IFACE NAME: one counter of ethtool -S.
ethstat() {
	ethtool -S "$1" | awk -v n="$2:" '$1 == n { print $2 }'
}

set -- $(pci_in_slot 1af4:1000 1af4:1041)
[ $# -eq 2 ] || fail "expected two virtio-net PCI devices, found $#"
mine=$1 theirs=$2
wait_for 60 grep -q '^virtbus_net ' /proc/modules || fail "virtbus_net was not autoloaded"
wait_for 30 net_of "$mine" || fail "no interface for $mine"
A_IF=$(net_of "$mine")
[ "$(driver_of "$(readlink -f "/sys/class/net/$A_IF/device")")" = virtbus_net ] ||
	fail "$A_IF is not virtbus_net's"
hand_to_kernel "$theirs"
modprobe virtio_net || fail "modprobe virtio_net"
wait_for 30 net_of "$theirs" || fail "no interface for $theirs"
B_IF=$(net_of "$theirs")
note "virtbus_net: $A_IF, virtio_net: $B_IF"

info=$(ethtool -i "$A_IF") || fail "ethtool -i $A_IF"
echo "$info" | grep -qx 'driver: virtbus_net' || fail "ethtool -i: $info"
[ "$(cat "/sys/class/net/$A_IF/address")" = 52:54:00:00:10:01 ] ||
	fail "MAC $(cat "/sys/class/net/$A_IF/address"), not the device's"

$IP netns add $NS || fail "ip netns add"
$IP link set "$B_IF" netns $NS || fail "cannot move $B_IF to $NS"
# No IPv6: its multicast chatter would count as traffic below.
for f in /proc/sys/net/ipv6/conf/all/disable_ipv6; do [ -e $f ] && echo 1 >$f; done
peer sh -c 'f=/proc/sys/net/ipv6/conf/all/disable_ipv6; [ ! -e $f ] || echo 1 >$f'
$IP addr add $A/24 dev "$A_IF" && $IP link set "$A_IF" up || fail "configure $A_IF"
peer $IP addr add $B/24 dev "$B_IF" && peer $IP link set "$B_IF" up &&
	peer $IP link set lo up || fail "configure $B_IF"
wait_for 30 grep -qx 1 "/sys/class/net/$A_IF/carrier" || fail "no carrier on $A_IF"
wait_for 30 ping -c 1 -W 1 $B || fail "no ping $A -> $B"

# An echo of every payload size up to the MTU, each payload checked.
t0=$(date +%s)
pingsize $B 0 1472 || fail "pings lost or damaged"
note "ping: every payload size 0..1472 intact, $(($(date +%s) - t0)) s"

# Files both ways over HTTP (busybox httpd and wget), compared.
mkdir -p /tmp/www
# 1 MiB: seven rounds of it cost a minute on the KASAN kernel.
dd if=/dev/urandom of=/tmp/www/blob bs=64k count=16 2>/dev/null
sum=$(md5sum </tmp/www/blob)
peer busybox httpd -p 8080 -h /tmp/www || fail "httpd in $NS"
busybox httpd -p 8081 -h /tmp/www || fail "httpd"
# transfer WHAT: fetch the file each way and compare.
transfer() {
	rm -f /tmp/got
	timeout 120 wget -q -O /tmp/got http://$B:8080/blob || fail "$1: fetch from $B failed"
	[ "$(md5sum </tmp/got)" = "$sum" ] || fail "$1: data from $B differs"
	rm -f /tmp/got
	peer timeout 120 wget -q -O /tmp/got http://$A:8081/blob ||
		fail "$1: fetch from $A failed"
	[ "$(md5sum </tmp/got)" = "$sum" ] || fail "$1: data from $A differs"
	rm -f /tmp/got
}
transfer "default features"
note "1 MiB each way, intact"

peer iperf3 -s -D -B $B >/dev/null 2>&1 || fail "iperf3 server"
sleep 1
# iperf MODE: a short TCP run, its receiver's rate in Mbit/s.
iperf() {
	_out=$(iperf3 -c $B -t 3 -f m $1 2>&1) || { echo "$_out"; fail "iperf3 $1"; }
	echo "$_out" | awk '/receiver/ { for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") print $i }'
}
up=$(iperf "")
down=$(iperf -R)
[ -n "$up" ] && [ -n "$down" ] || fail "iperf3 gave no rate"
note "iperf3 TCP (informal, under emulation): $A_IF sends $up Mbit/s, receives $down Mbit/s"

# Offload toggles: the stack does in software what is switched off.
for k in "tx off" "sg off" "tx on sg on" "rx off" "rx on"; do
	ethtool -K "$A_IF" $k 2>/dev/null || note "ethtool -K $k: not changeable here"
	transfer "ethtool -K $k"
done
note "ethtool -K toggles keep the data intact"
ethtool -k "$A_IF" | grep -q '^scatter-gather: on' || fail "scatter-gather not back on"

# Link off and on from the monitor: carrier follows.
echo "NET-LINK-OFF"
wait_for 30 grep -qx 0 "/sys/class/net/$A_IF/carrier" || fail "carrier still on after set_link off"
ping -c 1 -W 1 $B >/dev/null 2>&1 && fail "ping got through a link that is down"
echo "NET-LINK-ON"
wait_for 30 grep -qx 1 "/sys/class/net/$A_IF/carrier" || fail "no carrier after set_link on"
wait_for 30 ping -c 1 -W 1 $B || fail "no ping after set_link on"
note "link off and on: carrier followed"

# A new MAC address: the device drops unicast frames for any other.
$IP link set "$A_IF" address 52:54:00:00:10:99 || fail "cannot change the MAC address"
peer $IP neigh flush dev "$B_IF"
wait_for 20 ping -c 1 -W 1 $B || fail "no ping after the MAC address change"
peer $IP neigh show dev "$B_IF" | grep -q "$A .*52:54:00:00:10:99" ||
	fail "the peer did not learn the new address: $(peer $IP neigh show dev "$B_IF")"
note "MAC address changed through the control queue"

# Frames for a foreign address reach the driver only in promiscuous mode.
peer $IP neigh replace 10.77.0.99 lladdr 02:00:00:00:00:99 dev "$B_IF" ||
	fail "static neighbour"
# foreign: received-packet count while the peer sends 20 such frames.
foreign() {
	_before=$(ethstat "$A_IF" rx_queue_0_packets)
	peer ping -c 20 -i 0.05 -W 1 10.77.0.99 >/dev/null 2>&1
	sleep 1
	echo $(($(ethstat "$A_IF" rx_queue_0_packets) - _before))
}
off=$(foreign)
$IP link set "$A_IF" promisc on || fail "promisc on"
sleep 1
on=$(foreign)
$IP link set "$A_IF" promisc off || fail "promisc off"
sleep 1
off2=$(foreign)
note "frames for a foreign MAC received: $off (promisc off), $on (on), $off2 (off again)"
[ "$off" -lt 5 ] && [ "$off2" -lt 5 ] || fail "the device delivers foreign frames without promisc"
[ "$on" -ge 20 ] || fail "only $on of 20 foreign frames arrived in promiscuous mode"

# Jumbo frames.
$IP link set "$A_IF" mtu 9000 || fail "mtu 9000 on $A_IF"
peer $IP link set "$B_IF" mtu 9000 || fail "mtu 9000 on $B_IF"
pingsize $B 1473 1600 && pingsize $B 8900 8972 ||
	fail "pings lost or damaged at MTU 9000"
peer pingsize $A 8900 8972 || fail "pings from $B lost or damaged at MTU 9000"
transfer "MTU 9000"
note "MTU 9000: pings up to 8972 bytes both ways and transfers intact"

ethtool -S "$A_IF" | sed 's/^/# /'
for s in rx_queue_0_packets tx_queue_0_packets rx_queue_0_kicks tx_queue_0_kicks; do
	[ "$(ethstat "$A_IF" $s)" -gt 0 ] || fail "ethtool -S: $s is 0"
done
[ "$(ethstat "$A_IF" rx_queue_0_errors)" -eq 0 ] || fail "the driver saw bad packets from QEMU"

# bring_up: ours (again) at $A, after it was unbound or reloaded.
bring_up() {
	wait_for 30 net_of "$mine" || fail "$1: no interface"
	A_IF=$(net_of "$mine")
	$IP addr add $A/24 dev "$A_IF" && $IP link set "$A_IF" up ||
		fail "$1: configure $A_IF"
	wait_for 30 ping -c 1 -W 1 $B || fail "$1: no ping"
}

# iperf_bg PORT: iperf3 out through ours in the background, to a server
# of its own (one whose client vanished may wait a long time for it).
iperf_bg() {
	peer iperf3 -s -D -B $B -p "$1" >/dev/null 2>&1 || fail "iperf3 server on $1"
	sleep 1
	iperf3 -c $B -p "$1" -t 10 >/dev/null 2>&1 &
	iperf_pid=$!
	sleep 3
}

# iperf_ends: the client, whose connection lost its interface and would
# wait minutes for TCP to give up, dies when killed: nothing holds it in
# the kernel.
iperf_ends() {
	kill -9 "$iperf_pid" 2>/dev/null
	wait_for 10 eval '! kill -0 '"$iperf_pid" ||
		fail "$1: iperf3 does not die: $(cat /proc/$iperf_pid/stack 2>/dev/null)"
	wait "$iperf_pid" 2>/dev/null
}

# Unbind under traffic, and bind again.
$IP link set "$A_IF" mtu 1500
vdev=$(basename "$(readlink -f "/sys/class/net/$A_IF/device")")
iperf_bg 5202
echo "$vdev" >/sys/bus/virtbus/drivers/virtbus_net/unbind || fail "unbind $vdev"
[ -e "/sys/class/net/$A_IF" ] && fail "$A_IF still there after unbind"
iperf_ends "unbind"
echo "$vdev" >/sys/bus/virtbus/drivers/virtbus_net/bind || fail "bind $vdev"
bring_up "after rebind"
note "unbound under iperf3 and bound again"

# Unload with the device bound and up, and back.
rmmod virtbus_net || fail "rmmod virtbus_net"
[ -e "/sys/class/net/$A_IF" ] && fail "$A_IF still there after rmmod"
modprobe virtbus_net || fail "modprobe virtbus_net"
bring_up "after reloading virtbus_net"
note "unloaded with the device up, loaded again"

# Hot-unplug under traffic.
iperf_bg 5203
echo "NET-UNPLUG-NOW"
wait_for 60 eval '! test -e '"$mine" || fail "$mine still there after device_del"
iperf_ends "device_del"
note "device_del under iperf3: the device went, iperf3 could be killed"

killall iperf3 httpd 2>/dev/null
$IP netns del $NS
rmmod virtio_net || fail "rmmod virtio_net"

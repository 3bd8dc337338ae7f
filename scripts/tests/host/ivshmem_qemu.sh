#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# QEMU's own ivshmem-doorbell device against ivshmem-server and host
# peers. QEMU runs under TCG with its CPU stopped (-S); the test plays the
# guest through the qtest protocol on QEMU's stdin: it programs the BARs
# through PCI config space, reads IVPosition, reads and writes BAR2, rings
# the Doorbell register, and points the MSI-X table at guest RAM to see
# which vector a host peer's ring raised.
set -uo pipefail
# shellcheck source=ivshmem_lib.bash source-path=SCRIPTDIR
. "$(dirname "$0")/ivshmem_lib.bash"
iv_init
QEMU=qemu-system-x86_64
command -v $QEMU >/dev/null || iv_skip "$QEMU is not installed"

N=2
iv_server -M "ivshmem-test-qemu.$$" -l 1M -n $N
iv_monitor a		# a peer that was there before QEMU

coproc QEMU_QT {
	exec timeout 120 $QEMU -M q35 -accel tcg -S -m 64 -nodefaults \
		-display none -qtest stdio -qtest-log /dev/null \
		-chardev socket,path="$iv_sock",id=iv \
		-device ivshmem-doorbell,chardev=iv,vectors=$N,addr=04.0 \
		2>"$iv_tmp/qemu.log"
}
iv_pids+=("$QEMU_QT_PID")
qin=${QEMU_QT[1]}
qout=${QEMU_QT[0]}

# q CMD...: one qtest command; its answer (after "OK") in $qa
q() {
	local line
	echo "$*" >&"$qin" || iv_fail "QEMU is gone (qtest: $*)"
	IFS= read -t 20 -r line <&"$qout" || iv_fail "QEMU did not answer '$*'"
	[[ $line == OK* ]] || iv_fail "qtest '$*' answered '$line'"
	qa=${line#OK}
	qa=${qa# }
}
cfg_addr() { q outl 0xcf8 $((0x80000000 | (4 << 11) | $1)); }
cfg_read() { cfg_addr "$1"; q inl 0xcfc; }
cfg_write() { cfg_addr "$1"; q outl 0xcfc "$2"; }
hex() { printf '0x%x' $(($1)); }

cfg_read 0
[ "$(hex "$qa")" = 0x11101af4 ] || iv_skip "no ivshmem device at 00:04.0 (config reads $qa)"
iv_wait_lines a '^join ' 1 || iv_fail "a did not see QEMU join"
qid=$(sed -n 's/^join //p' "$iv_tmp/a.log" | head -1)

REGS=0xfe000000 MSIX=0xfe001000 SHM=0xe0000000
cfg_write 0x10 $REGS
cfg_write 0x14 $MSIX
cfg_write 0x18 $((SHM | 0xc))	# 64-bit prefetchable
cfg_write 0x1c 0
cfg_write 0x04 0x6		# memory space, bus master (for MSI-X)
q readl $((REGS + 8))
[ $((qa)) = "$qid" ] || iv_fail "IVPosition is $qa, the server gave QEMU ID $qid"
echo "QEMU joined as peer $qid; IVPosition agrees"

# one memory: host writes, guest reads, and back
"$IVSHMEM" -d "$iv_sock" fill 0 4096 77 >/dev/null || iv_fail "fill failed"
want=$("$IVSHMEM" -d "$iv_sock" dump 0 8 |
	awk 'NR == 1 { for (i = 9; i > 1; i--) printf "%s", $i }')
q readq $SHM
[ "$(hex "$qa")" = "$(hex "0x$want")" ] || iv_fail "BAR2 reads $qa, the host wrote 0x$want"
q writeq $((SHM + 0x800)) 0x1122334455667788
grep -q '^00000800  88 77 66 55 44 33 22 11 ' <<<"$("$IVSHMEM" -d "$iv_sock" dump 0x800 8)" ||
	iv_fail "the host does not see what the guest wrote"

# guest -> host: the Doorbell register rings a's eventfd, per vector
q writel $((REGS + 12)) $(((iv_id[a] << 16) | 1))
iv_wait_lines a '^irq vector=1 count=1' 1 || iv_fail "the guest's doorbell to a (vector 1) did not arrive"
# a peer that joined after QEMU is rung too: QEMU learnt its eventfds
iv_monitor b
q writel $((REGS + 12)) $(((iv_id[b] << 16) | 0))
iv_wait_lines b '^irq vector=0 count=1' 1 || iv_fail "the guest's doorbell to b (vector 0) did not arrive"
# doorbells to nobody are dropped by QEMU
q writel $((REGS + 12)) $(((4000 << 16) | 0))
q writel $((REGS + 12)) $(((iv_id[b] << 16) | 7))
q readl $((REGS + 8))

# host -> guest: MSI-X vector v writes 0xcafe000v to guest RAM 0x100000+4v
cfg_read 0x34
cap=$((qa & 0xfc))
while [ $cap != 0 ]; do
	cfg_read $cap
	[ $((qa & 0xff)) = 17 ] && break	# MSI-X
	cap=$(((qa >> 8) & 0xfc))
done
[ $cap != 0 ] || iv_fail "no MSI-X capability"
[ $(((qa >> 16 & 0x7ff) + 1)) = $N ] || iv_fail "MSI-X table size is not $N"
for ((v = 0; v < N; v++)); do
	e=$((MSIX + 16 * v))
	q writel $e $((0x100000 + 4 * v))
	q writel $((e + 4)) 0
	q writel $((e + 8)) $((0xcafe0000 + v))
	q writel $((e + 12)) 0		# unmasked
	q writel $((0x100000 + 4 * v)) 0
done
cfg_addr $cap
q outw 0xcfe 0x8000			# MSI-X enable
msi() { q readl $((0x100000 + 4 * $1)); [ "$(hex "$qa")" = "$(hex "$2")" ]; }
# ring FROM VECTOR: exactly that vector's message arrives
ring_guest() {
	local from=$1 v=$2 w
	for ((w = 0; w < N; w++)); do
		q writel $((0x100000 + 4 * w)) 0
	done
	iv_cmd "$from" ring "$qid" "$v"
	iv_until 10 msi "$v" $((0xcafe0000 + v)) ||
		iv_fail "$from's ring on vector $v raised no MSI-X message"
	sleep 0.2
	for ((w = 0; w < N; w++)); do
		[ $w = "$v" ] || msi $w 0 || iv_fail "$from's ring on vector $v also raised vector $w"
	done
}
ring_guest a 1
ring_guest a 0
ring_guest b 1
echo "doorbells both ways, per vector, with peers that came before and after QEMU"

kill "$QEMU_QT_PID"
for p in a b; do
	iv_wait_lines "$p" "^leave $qid\$" 1 || iv_fail "$p did not see QEMU leave"
done
echo "QEMU left; the peers were told"

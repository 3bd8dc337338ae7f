/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * The virtio network device (type 1): feature bits, config space, the
 * header in front of every packet, and the control queue's commands
 * (virtio 1.x section 5.1).
 */
#ifndef _UAPI_VIRTBUS_NET_H
#define _UAPI_VIRTBUS_NET_H

#include <linux/types.h>

#define VIRTBUS_NET_F_CSUM		0	/* device checksums what we send */
#define VIRTBUS_NET_F_GUEST_CSUM	1	/* we accept partial checksums */
#define VIRTBUS_NET_F_CTRL_GUEST_OFFLOADS 2
#define VIRTBUS_NET_F_MTU		3
#define VIRTBUS_NET_F_MAC		5
#define VIRTBUS_NET_F_GSO		6	/* legacy: any GSO type */
#define VIRTBUS_NET_F_GUEST_TSO4	7
#define VIRTBUS_NET_F_GUEST_TSO6	8
#define VIRTBUS_NET_F_GUEST_ECN		9
#define VIRTBUS_NET_F_GUEST_UFO		10
#define VIRTBUS_NET_F_HOST_TSO4		11
#define VIRTBUS_NET_F_HOST_TSO6		12
#define VIRTBUS_NET_F_HOST_ECN		13
#define VIRTBUS_NET_F_HOST_UFO		14
#define VIRTBUS_NET_F_MRG_RXBUF		15
#define VIRTBUS_NET_F_STATUS		16
#define VIRTBUS_NET_F_CTRL_VQ		17
#define VIRTBUS_NET_F_CTRL_RX		18
#define VIRTBUS_NET_F_CTRL_VLAN		19
#define VIRTBUS_NET_F_CTRL_RX_EXTRA	20
#define VIRTBUS_NET_F_GUEST_ANNOUNCE	21
#define VIRTBUS_NET_F_MQ		22
#define VIRTBUS_NET_F_CTRL_MAC_ADDR	23
#define VIRTBUS_NET_F_SPEED_DUPLEX	63

/* The status field of the config space. */
#define VIRTBUS_NET_S_LINK_UP		1
#define VIRTBUS_NET_S_ANNOUNCE		2

struct virtbus_net_config {
	__u8 mac[6];
	__le16 status;
	__le16 max_virtqueue_pairs;
	__le16 mtu;
	__le32 speed;			/* Mb/s; 0xffffffff: unknown */
	__u8 duplex;			/* 0 half, 1 full, 0xff unknown */
} __attribute__((packed));

/*
 * The header before every packet, both ways. Legacy devices without
 * MRG_RXBUF use the first 10 bytes only (no num_buffers); everything
 * else uses all 12.
 */
struct virtbus_net_hdr {
	__u8 flags;
	__u8 gso_type;
	__le16 hdr_len;			/* a hint: Ethernet + IP + TCP headers */
	__le16 gso_size;		/* payload bytes per segment */
	__le16 csum_start;		/* from the start of the frame */
	__le16 csum_offset;		/* from csum_start */
	__le16 num_buffers;		/* receive buffers of a merged packet */
};

#define VIRTBUS_NET_HDR_LEGACY_LEN	10

/* Header flags. */
#define VIRTBUS_NET_HDR_F_NEEDS_CSUM	1	/* csum_start/offset valid */
#define VIRTBUS_NET_HDR_F_DATA_VALID	2	/* device checked the checksum */
#define VIRTBUS_NET_HDR_F_RSC_INFO	4

/* Header gso_type. */
#define VIRTBUS_NET_HDR_GSO_NONE	0
#define VIRTBUS_NET_HDR_GSO_TCPV4	1
#define VIRTBUS_NET_HDR_GSO_UDP		3
#define VIRTBUS_NET_HDR_GSO_TCPV6	4
#define VIRTBUS_NET_HDR_GSO_ECN		0x80	/* or'ed: TCP with CWR set */

/*
 * The control queue. A command is a header the device reads, its data
 * the device reads, and one byte the device writes: the ack.
 */
struct virtbus_net_ctrl_hdr {
	__u8 class;
	__u8 cmd;
};

#define VIRTBUS_NET_OK			0
#define VIRTBUS_NET_ERR			1

/* Receive filtering (CTRL_RX, CTRL_RX_EXTRA); data: one byte, 0 or 1. */
#define VIRTBUS_NET_CTRL_RX		0
#define VIRTBUS_NET_CTRL_RX_PROMISC	0
#define VIRTBUS_NET_CTRL_RX_ALLMULTI	1
#define VIRTBUS_NET_CTRL_RX_ALLUNI	2
#define VIRTBUS_NET_CTRL_RX_NOMULTI	3
#define VIRTBUS_NET_CTRL_RX_NOUNI	4
#define VIRTBUS_NET_CTRL_RX_NOBCAST	5

/*
 * MAC filtering. TABLE_SET's data is two tables, unicast then multicast,
 * each a struct virtbus_net_ctrl_mac. ADDR_SET's is the 6-byte address.
 */
#define VIRTBUS_NET_CTRL_MAC		1
#define VIRTBUS_NET_CTRL_MAC_TABLE_SET	0
#define VIRTBUS_NET_CTRL_MAC_ADDR_SET	1

struct virtbus_net_ctrl_mac {
	__le32 entries;
	__u8 macs[][6];
} __attribute__((packed));

/* VLAN filtering; data: the __le16 VLAN ID. */
#define VIRTBUS_NET_CTRL_VLAN		2
#define VIRTBUS_NET_CTRL_VLAN_ADD	0
#define VIRTBUS_NET_CTRL_VLAN_DEL	1

/* The driver announced itself after a STATUS_ANNOUNCE; no data. */
#define VIRTBUS_NET_CTRL_ANNOUNCE	3
#define VIRTBUS_NET_CTRL_ANNOUNCE_ACK	0

/* Queue pairs in use; data: __le16 pairs. */
#define VIRTBUS_NET_CTRL_MQ		4
#define VIRTBUS_NET_CTRL_MQ_VQ_PAIRS_SET 0
#define VIRTBUS_NET_CTRL_MQ_VQ_PAIRS_MIN 1
#define VIRTBUS_NET_CTRL_MQ_VQ_PAIRS_MAX 0x8000

/* Receive offloads in use; data: __le64 of GUEST_* feature bits. */
#define VIRTBUS_NET_CTRL_GUEST_OFFLOADS	5
#define VIRTBUS_NET_CTRL_GUEST_OFFLOADS_SET 0

#endif /* _UAPI_VIRTBUS_NET_H */

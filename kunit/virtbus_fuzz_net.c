// SPDX-License-Identifier: GPL-2.0
/*
 * virtbus_fuzz: an honest network device (type 1), with a neighbour on
 * its wire that answers ARP requests and ICMP echo requests for any
 * address but the sender's own, as a host on the link would.
 *
 * What the driver sends on the transmit queue is looked at; the answers
 * wait in a small queue of frames until the driver has a receive buffer
 * for them (the device holds receive buffers, see vfz_model.take), and
 * are dropped when that queue is full or a buffer is too small, as a
 * real link drops. Every other frame is taken and forgotten. Control
 * commands get an honest ack: OK for what the device offers, ERR for
 * the rest.
 *
 * One queue pair and the control queue: receive 0, transmit 1,
 * control 2.
 */
#include <linux/etherdevice.h>
#include <linux/icmp.h>
#include <linux/if_arp.h>
#include <linux/ip.h>
#include <linux/slab.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <uapi/virtbus/virtbus_ids.h>
#include <uapi/virtbus/virtbus_net.h>
#include "virtbus_fuzz.h"

#define VFZ_NET_RX		0
#define VFZ_NET_TX		1
#define VFZ_NET_CTRL		2
#define VFZ_NET_MTU		ETH_DATA_LEN
#define VFZ_NET_FRAME_MAX	(ETH_HLEN + VFZ_NET_MTU)
#define VFZ_NET_BACKLOG		64

/* The neighbour's own address, for the answers it sends. */
static const u8 vfz_net_peer[ETH_ALEN] = { 0x52, 0x54, 0x00, 0xfe, 0xfe, 0xfe };

struct vfz_net_frame {
	unsigned int len;
	u8 data[VFZ_NET_FRAME_MAX];
};

/* Answers waiting for a receive buffer; only the serving work touches it. */
struct vfz_net {
	unsigned int first, count;
	struct vfz_net_frame frames[VFZ_NET_BACKLOG];
};

static struct virtbus_net_config *vfz_net_config(struct vfz_dev *d)
{
	return (struct virtbus_net_config *)d->config;
}

/* The header the driver and device agreed on: 12 bytes, or legacy 10. */
static size_t vfz_net_hdr_len(struct vfz_dev *d)
{
	return virtbus_has_feature(&d->vdev, VIRTBUS_F_VERSION_1) ||
	       virtbus_has_feature(&d->vdev, VIRTBUS_NET_F_MRG_RXBUF) ?
	       sizeof(struct virtbus_net_hdr) : VIRTBUS_NET_HDR_LEGACY_LEN;
}

static int vfz_net_init(struct vfz_dev *d)
{
	struct virtbus_net_config *c = vfz_net_config(d);
	struct vfz_net *n;

	n = kzalloc(sizeof(*n), GFP_KERNEL);
	if (!n)
		return -ENOMEM;
	d->state = n;
	c->mac[0] = 0x52;
	c->mac[1] = 0x54;
	c->mac[2] = 0x00;
	c->mac[3] = 0xf2;
	c->mac[4] = 0x22;
	c->mac[5] = d->nr;
	c->status = cpu_to_le16(VIRTBUS_NET_S_LINK_UP);
	c->max_virtqueue_pairs = cpu_to_le16(1);
	c->mtu = cpu_to_le16(VFZ_NET_MTU);
	c->speed = cpu_to_le32(10000);
	c->duplex = 1;
	return 0;
}

static void vfz_net_exit(struct vfz_dev *d)
{
	kfree(d->state);
}

/* Room for one more answer, or NULL: the link drops it. */
static struct vfz_net_frame *vfz_net_backlog_tail(struct vfz_dev *d)
{
	struct vfz_net *n = d->state;

	if (n->count == VFZ_NET_BACKLOG)
		return NULL;
	return &n->frames[(n->first + n->count) % VFZ_NET_BACKLOG];
}

/* ARP: "who has T, tell S" from the driver, answered as T. */
static bool vfz_net_answer_arp(u8 *f, unsigned int len)
{
	struct arphdr *a = (struct arphdr *)(f + ETH_HLEN);
	u8 *p = (u8 *)(a + 1);	/* sha, spa, tha, tpa */
	u8 spa[4];

	if (len < ETH_HLEN + sizeof(*a) + 2 * (ETH_ALEN + 4) ||
	    a->ar_hrd != htons(ARPHRD_ETHER) || a->ar_pro != htons(ETH_P_IP) ||
	    a->ar_hln != ETH_ALEN || a->ar_pln != 4 ||
	    a->ar_op != htons(ARPOP_REQUEST) ||
	    !memcmp(p + ETH_ALEN, p + 2 * ETH_ALEN + 4, 4))
		return false;
	a->ar_op = htons(ARPOP_REPLY);
	memcpy(spa, p + ETH_ALEN, 4);
	memcpy(p + ETH_ALEN + 4, p, ETH_ALEN);		/* tha = sha */
	memcpy(p, vfz_net_peer, ETH_ALEN);		/* sha = us */
	memcpy(p + ETH_ALEN, p + 2 * ETH_ALEN + 4, 4);	/* spa = tpa */
	memcpy(p + 2 * ETH_ALEN + 4, spa, 4);		/* tpa = old spa */
	return true;
}

/* ICMP echo request to another address: the reply, from that address. */
static bool vfz_net_answer_echo(u8 *f, unsigned int len)
{
	struct iphdr *ip = (struct iphdr *)(f + ETH_HLEN);
	struct icmphdr *icmp;
	unsigned int ihl, tot;
	__be32 addr;

	if (len < ETH_HLEN + sizeof(*ip))
		return false;
	ihl = ip->ihl * 4;
	tot = ntohs(ip->tot_len);
	if (ip->version != 4 || ihl < sizeof(*ip) || tot < ihl + sizeof(*icmp) ||
	    tot > len - ETH_HLEN || ip->protocol != IPPROTO_ICMP ||
	    ip->frag_off & htons(IP_MF | IP_OFFSET) || ip->saddr == ip->daddr)
		return false;
	icmp = (struct icmphdr *)((u8 *)ip + ihl);
	if (icmp->type != ICMP_ECHO || icmp->code)
		return false;
	/* Swapping the addresses keeps the header's checksum as it is. */
	addr = ip->saddr;
	ip->saddr = ip->daddr;
	ip->daddr = addr;
	icmp->type = ICMP_ECHOREPLY;
	icmp->checksum = 0;
	icmp->checksum = ip_compute_csum(icmp, tot - ihl);
	return true;
}

/* A frame the driver sent: answered if the neighbour would answer it. */
static void vfz_net_transmit(struct vfz_dev *d, struct vfz_req *req)
{
	size_t hdr_len = vfz_net_hdr_len(d), in = vfz_readable(req);
	struct virtbus_net_hdr hdr = {};
	struct vfz_net_frame *fr;
	struct vfz_net *n = d->state;
	struct ethhdr *eth;
	unsigned int len;
	bool answer;

	if (in < hdr_len + ETH_HLEN) {
		vfz_driver_bug(d, VFZ_NET_TX, "frame shorter than its headers");
		return;
	}
	vfz_copy_from(req, 0, &hdr, hdr_len);
	len = in - hdr_len;
	if (hdr.flags & VIRTBUS_NET_HDR_F_NEEDS_CSUM &&
	    (u32)le16_to_cpu(hdr.csum_start) + le16_to_cpu(hdr.csum_offset) +
	    sizeof(__sum16) > len) {
		vfz_driver_bug(d, VFZ_NET_TX, "checksum offsets past the frame");
		return;
	}
	/*
	 * Segmentation offloads and MTUs beyond ours come only from feature
	 * bits and config the device lied about: taken, not answered.
	 */
	if (hdr.gso_type != VIRTBUS_NET_HDR_GSO_NONE || len > VFZ_NET_FRAME_MAX)
		return;
	fr = vfz_net_backlog_tail(d);
	if (!fr)
		return;
	vfz_copy_from(req, hdr_len, fr->data, len);
	/* Checksum offload: complete it as the device, then look. */
	if (hdr.flags & VIRTBUS_NET_HDR_F_NEEDS_CSUM) {
		unsigned int start = le16_to_cpu(hdr.csum_start);
		__sum16 sum = csum_fold(csum_partial(fr->data + start,
						     len - start, 0));

		memcpy(fr->data + start + le16_to_cpu(hdr.csum_offset), &sum,
		       sizeof(sum));
	}
	eth = (struct ethhdr *)fr->data;
	if (eth->h_proto == htons(ETH_P_ARP))
		answer = vfz_net_answer_arp(fr->data, len);
	else if (eth->h_proto == htons(ETH_P_IP))
		answer = vfz_net_answer_echo(fr->data, len);
	else
		answer = false;
	if (!answer)
		return;
	memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	memcpy(eth->h_source, vfz_net_peer, ETH_ALEN);
	fr->len = len;
	n->count++;
}

/* A receive buffer is used only for a waiting answer it can hold. */
static bool vfz_net_take(struct vfz_dev *d, unsigned int q,
			 const struct vfz_req *req)
{
	struct vfz_net *n = d->state;
	size_t room = vfz_writable(req), hdr_len = vfz_net_hdr_len(d);

	if (q != VFZ_NET_RX)
		return true;
	/* One buffer a frame: one that cannot hold the next frame drops it. */
	while (n->count && room < hdr_len + n->frames[n->first].len) {
		n->first = (n->first + 1) % VFZ_NET_BACKLOG;
		n->count--;
	}
	return n->count;
}

static void vfz_net_receive(struct vfz_dev *d, struct vfz_req *req)
{
	struct virtbus_net_hdr hdr = { .num_buffers = cpu_to_le16(1) };
	struct vfz_net *n = d->state;
	struct vfz_net_frame *fr = &n->frames[n->first];
	size_t hdr_len = vfz_net_hdr_len(d);

	if (vfz_readable(req)) {
		vfz_driver_bug(d, VFZ_NET_RX, "receive buffer the device may only read");
		return;
	}
	/* The neighbour's answers carry full checksums. */
	if (virtbus_has_feature(&d->vdev, VIRTBUS_NET_F_GUEST_CSUM))
		hdr.flags = VIRTBUS_NET_HDR_F_DATA_VALID;
	vfz_copy_to(req, 0, &hdr, hdr_len);
	vfz_copy_to(req, hdr_len, fr->data, fr->len);
	n->first = (n->first + 1) % VFZ_NET_BACKLOG;
	n->count--;
}

static void vfz_net_control(struct vfz_dev *d, struct vfz_req *req)
{
	size_t in = vfz_readable(req), out = vfz_writable(req);
	struct virtbus_net_ctrl_hdr ctrl;
	u8 ack = VIRTBUS_NET_ERR;
	__le32 entries;
	u32 uni, multi;

	if (in < sizeof(ctrl) || !out) {
		vfz_driver_bug(d, VFZ_NET_CTRL, "command without header or ack");
		return;
	}
	vfz_copy_from(req, 0, &ctrl, sizeof(ctrl));
	in -= sizeof(ctrl);
	switch (ctrl.class) {
	case VIRTBUS_NET_CTRL_RX:
		if ((ctrl.cmd == VIRTBUS_NET_CTRL_RX_PROMISC ||
		     ctrl.cmd == VIRTBUS_NET_CTRL_RX_ALLMULTI) && in == 1)
			ack = VIRTBUS_NET_OK;
		break;
	case VIRTBUS_NET_CTRL_MAC:
		if (ctrl.cmd == VIRTBUS_NET_CTRL_MAC_ADDR_SET && in == ETH_ALEN) {
			ack = VIRTBUS_NET_OK;
			break;
		}
		if (ctrl.cmd != VIRTBUS_NET_CTRL_MAC_TABLE_SET ||
		    in < 2 * sizeof(entries))
			break;
		/* Two tables, unicast then multicast, each counted. */
		vfz_copy_from(req, sizeof(ctrl), &entries, sizeof(entries));
		uni = le32_to_cpu(entries);
		if (uni > (in - 2 * sizeof(entries)) / ETH_ALEN)
			break;
		vfz_copy_from(req, sizeof(ctrl) + sizeof(entries) + uni * ETH_ALEN,
			      &entries, sizeof(entries));
		multi = le32_to_cpu(entries);
		if (in == 2 * sizeof(entries) + ((size_t)uni + multi) * ETH_ALEN)
			ack = VIRTBUS_NET_OK;
		break;
	}
	vfz_copy_to(req, out - 1, &ack, 1);
}

static void vfz_net_serve(struct vfz_dev *d, unsigned int q,
			  struct vfz_req *req)
{
	switch (q) {
	case VFZ_NET_RX:
		vfz_net_receive(d, req);
		break;
	case VFZ_NET_TX:
		vfz_net_transmit(d, req);
		break;
	default:
		vfz_net_control(d, req);
		break;
	}
}

/* The cable goes, or comes back. */
static void vfz_net_change_config(struct vfz_dev *d, u8 *config)
{
	struct virtbus_net_config *c = (struct virtbus_net_config *)config;

	c->status ^= cpu_to_le16(VIRTBUS_NET_S_LINK_UP);
}

const struct vfz_model vfz_net_model = {
	.name = "net",
	.id = VIRTBUS_ID_NET,
	.features = BIT_ULL(VIRTBUS_NET_F_CSUM) |
		    BIT_ULL(VIRTBUS_NET_F_GUEST_CSUM) |
		    BIT_ULL(VIRTBUS_NET_F_MTU) |
		    BIT_ULL(VIRTBUS_NET_F_MAC) |
		    BIT_ULL(VIRTBUS_NET_F_MRG_RXBUF) |
		    BIT_ULL(VIRTBUS_NET_F_STATUS) |
		    BIT_ULL(VIRTBUS_NET_F_CTRL_VQ) |
		    BIT_ULL(VIRTBUS_NET_F_CTRL_RX) |
		    BIT_ULL(VIRTBUS_NET_F_CTRL_MAC_ADDR),
	.config_size = sizeof(struct virtbus_net_config),
	.max_vqs = 3,
	.init = vfz_net_init,
	.exit = vfz_net_exit,
	.take = vfz_net_take,
	.serve = vfz_net_serve,
	.change_config = vfz_net_change_config,
};

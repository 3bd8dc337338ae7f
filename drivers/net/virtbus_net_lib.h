/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtbus_net: the pure parts of the data path, apart so that KUnit can
 * feed them hostile input without a device: the packet header both
 * ways, receive buffer sizing and layout, and the assembly of a packet
 * from the receive buffers the device merged it into.
 */
#ifndef _VIRTBUS_NET_LIB_H
#define _VIRTBUS_NET_LIB_H

#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <uapi/virtbus/virtbus_net.h>

/* A receive buffer is a page fragment: VBNET_RX_META bytes the device
 * never sees, holding what we need to give the fragment back, then the
 * part the device writes. The token the ring returns is the fragment's
 * start, so nothing about the buffer is taken from the device.
 */
#define VBNET_RX_META		16
/* Bytes of a packet copied into the skb's head; the rest stays a frag. */
#define VBNET_RX_COPY		128
/* The largest frame accepted: a 64 KiB GSO packet with its headers. */
#define VBNET_RX_MAX_FRAME	(65536 + ETH_HLEN + VLAN_HLEN)

struct vbnet_rx_meta {
	u32 truesize;	/* bytes of the fragment, meta included */
};

static inline void *vbnet_rx_data(void *meta)
{
	return meta + VBNET_RX_META;
}

static inline unsigned int vbnet_rx_truesize(const void *meta)
{
	return ((const struct vbnet_rx_meta *)meta)->truesize;
}

/* What the receive side negotiated and has switched on. */
struct vbnet_rx_caps {
	bool csum;		/* GUEST_CSUM: NEEDS_CSUM and DATA_VALID allowed */
	bool rxcsum;		/* NETIF_F_RXCSUM on: trust DATA_VALID */
	bool tso4;		/* GUEST_TSO4 */
	bool tso6;		/* GUEST_TSO6 */
	bool ecn;		/* GUEST_ECN */
	unsigned int max_frame;	/* longest frame without GSO, no header */
};

/* How received packets are laid out in their buffers. */
struct vbnet_rx_layout {
	unsigned int hdr_len;	/* 10 or 12 bytes of header first */
	bool mergeable;		/* MRG_RXBUF: num_buffers counts buffers */
	unsigned int max_bufs;	/* the most one packet may take: the ring */
};

unsigned int vbnet_rx_frag_size(unsigned int avg_len, unsigned int hdr_len);
void vbnet_rx_free_buf(void *meta);
int vbnet_rx_add_frag(struct sk_buff *head, struct sk_buff **tail,
		      struct page *page, unsigned int off, unsigned int len,
		      unsigned int truesize);
struct sk_buff *vbnet_rx_build(struct napi_struct *napi,
			       const struct vbnet_rx_layout *lay, void *meta,
			       unsigned int len,
			       bool (*next)(void *ctx, void **meta,
					    unsigned int *len),
			       void *ctx, struct virtbus_net_hdr *hdr,
			       const char **why);
int vbnet_hdr_to_skb(struct sk_buff *skb, const struct virtbus_net_hdr *hdr,
		     const struct vbnet_rx_caps *caps, const char **why);
int vbnet_hdr_from_skb(const struct sk_buff *skb, struct virtbus_net_hdr *hdr);

#endif /* _VIRTBUS_NET_LIB_H */

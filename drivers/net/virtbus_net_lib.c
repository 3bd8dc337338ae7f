// SPDX-License-Identifier: GPL-2.0
/*
 * virtbus_net: the packet header both ways, and the assembly of a
 * received packet from its buffers. Nothing here touches a queue or the
 * net device, so the KUnit suite runs it on hostile input directly.
 *
 * Never trust the device: the header is copied out of the buffer once
 * and only the copy is looked at; every field is checked against what
 * was negotiated and against the packet it came with. A bad packet is
 * dropped and the caller says why (*why); nothing the device writes can
 * make us read or free beyond the buffers it returned.
 */
#include <linux/etherdevice.h>
#include <linux/mm.h>
#include <linux/tcp.h>
#include "virtbus_net_lib.h"

/**
 * vbnet_rx_frag_size - the size of the next mergeable receive fragment
 * @avg_len: the running average of packet lengths, header included
 * @hdr_len: the length of the packet header
 *
 * Big enough for a full Ethernet frame, so that a stream of short and
 * full-sized packets needs one buffer each; bigger as the average grows,
 * up to a page, so that large packets take fewer buffers.
 *
 * Return: bytes of fragment (VBNET_RX_META included), a multiple of the
 * cache line size and at most PAGE_SIZE.
 */
unsigned int vbnet_rx_frag_size(unsigned int avg_len, unsigned int hdr_len)
{
	unsigned int min = hdr_len + ETH_HLEN + VLAN_HLEN + ETH_DATA_LEN;
	unsigned int want;

	want = clamp_t(unsigned int, avg_len, min, PAGE_SIZE - VBNET_RX_META);
	return min_t(unsigned int, ALIGN(VBNET_RX_META + want, L1_CACHE_BYTES),
		     PAGE_SIZE);
}

/**
 * vbnet_rx_free_buf - give back a receive buffer that is not passed up
 * @meta: the buffer's token
 */
void vbnet_rx_free_buf(void *meta)
{
	put_page(virt_to_head_page(meta));
}

/**
 * vbnet_rx_add_frag - append a piece of page to a packet
 * @head: the packet
 * @tail: its last skb (@head, or the last on its frag_list); updated
 * @page: the (head) page, whose reference passes to the packet
 * @off: offset of the data in @page
 * @len: bytes of data
 * @truesize: memory the piece accounts for
 *
 * A packet merged from more buffers than an skb has frags continues on
 * a chain of skbs on @head's frag_list.
 *
 * Return: 0, or -ENOMEM with the page reference still the caller's.
 */
int vbnet_rx_add_frag(struct sk_buff *head, struct sk_buff **tail,
		      struct page *page, unsigned int off, unsigned int len,
		      unsigned int truesize)
{
	struct sk_buff *t = *tail;
	unsigned int nr = skb_shinfo(t)->nr_frags;

	if (nr == MAX_SKB_FRAGS) {
		struct sk_buff *n = alloc_skb(0, GFP_ATOMIC);

		if (!n)
			return -ENOMEM;
		if (t == head)
			skb_shinfo(head)->frag_list = n;
		else
			t->next = n;
		*tail = n;
		t = n;
		nr = 0;
	}
	skb_add_rx_frag(t, nr, page, off, len, truesize);
	if (t != head) {
		head->len += len;
		head->data_len += len;
		head->truesize += truesize;
	}
	return 0;
}

/* Drop the rest of a packet's buffers, keeping the framing. */
static void vbnet_rx_drain(unsigned int left,
			   bool (*next)(void *ctx, void **meta,
					unsigned int *len),
			   void *ctx, const char **why)
{
	unsigned int len;
	void *meta;

	while (left--) {
		if (!next(ctx, &meta, &len)) {
			*why = "fewer buffers than its num_buffers";
			return;
		}
		vbnet_rx_free_buf(meta);
	}
}

/**
 * vbnet_rx_build - assemble a received packet from its buffers
 * @napi: the NAPI context to allocate the skb from, or NULL
 * @lay: the header length, whether buffers merge and how many may
 * @meta: the first buffer's token
 * @len: the bytes the device wrote into it (checked by the ring against
 *	the buffer's size)
 * @next: fetches each further buffer of a merged packet, if the device
 *	returned it
 * @ctx: for @next
 * @hdr: set to a copy of the packet's header
 * @why: set to what was wrong when the device is to blame, else NULL
 *
 * Every buffer taken, the first and those from @next, is either in the
 * packet or freed. A packet that turns out bad still takes all the
 * buffers its header claims, so that the next buffer starts a packet;
 * when the claim itself is out of range there is no telling, and the
 * buffers after it are taken as packets of their own (and their headers
 * checked as any other).
 *
 * Return: the packet, its data starting at the Ethernet header; NULL if
 * it was dropped.
 */
struct sk_buff *vbnet_rx_build(struct napi_struct *napi,
			       const struct vbnet_rx_layout *lay, void *meta,
			       unsigned int len,
			       bool (*next)(void *ctx, void **meta,
					    unsigned int *len),
			       void *ctx, struct virtbus_net_hdr *hdr,
			       const char **why)
{
	struct sk_buff *skb, *tail;
	unsigned int nbufs, total, copy, i, off;
	struct page *page;
	void *data;

	*why = NULL;
	if (len < lay->hdr_len) {
		*why = "a buffer shorter than the packet header";
		vbnet_rx_free_buf(meta);
		return NULL;
	}
	memset(hdr, 0, sizeof(*hdr));
	memcpy(hdr, vbnet_rx_data(meta), lay->hdr_len);
	nbufs = lay->mergeable ? le16_to_cpu(hdr->num_buffers) : 1;
	if (!nbufs || nbufs > lay->max_bufs) {
		*why = "num_buffers out of range";
		vbnet_rx_free_buf(meta);
		return NULL;
	}

	total = len - lay->hdr_len;
	data = vbnet_rx_data(meta) + lay->hdr_len;
	page = virt_to_head_page(meta);
	copy = min_t(unsigned int, total, VBNET_RX_COPY);
	if (napi)
		skb = napi_alloc_skb(napi, VBNET_RX_COPY);
	else
		skb = netdev_alloc_skb_ip_align(NULL, VBNET_RX_COPY);
	if (!skb) {
		vbnet_rx_free_buf(meta);
		vbnet_rx_drain(nbufs - 1, next, ctx, why);
		return NULL;
	}
	skb_put_data(skb, data, copy);
	if (copy < total)
		skb_add_rx_frag(skb, 0, page, data + copy - page_address(page),
				total - copy, vbnet_rx_truesize(meta));
	else
		put_page(page);

	tail = skb;
	for (i = 1; i < nbufs; i++) {
		if (!next(ctx, &meta, &len)) {
			*why = "fewer buffers than its num_buffers";
			goto drop;
		}
		if (!len || total + len > VBNET_RX_MAX_FRAME) {
			*why = !len ? "an empty buffer in a merged packet" :
				      "a merged packet beyond 64 KiB";
			vbnet_rx_free_buf(meta);
			vbnet_rx_drain(nbufs - i - 1, next, ctx, why);
			goto drop;
		}
		page = virt_to_head_page(meta);
		off = vbnet_rx_data(meta) - page_address(page);
		if (vbnet_rx_add_frag(skb, &tail, page, off, len,
				      vbnet_rx_truesize(meta))) {
			vbnet_rx_free_buf(meta);
			vbnet_rx_drain(nbufs - i - 1, next, ctx, why);
			goto drop;
		}
		total += len;
	}
	return skb;

drop:
	kfree_skb(skb);
	return NULL;
}

/**
 * vbnet_hdr_to_skb - apply a received packet's header to its skb
 * @skb: the packet, data at its Ethernet header
 * @hdr: the copy of its header
 * @caps: what was negotiated and is switched on
 * @why: set to what was wrong when the header is to blame
 *
 * Flags and GSO types must be ones the driver negotiated; checksum
 * offsets must lie within the packet, past the Ethernet header; a GSO
 * packet must have a segment size and a partial checksum, and is marked
 * dodgy so that the stack checks its headers before it segments it.
 *
 * Return: 0; -EINVAL for a bad header (*why says why); -ENOMEM.
 */
int vbnet_hdr_to_skb(struct sk_buff *skb, const struct virtbus_net_hdr *hdr,
		     const struct vbnet_rx_caps *caps, const char **why)
{
	u8 flags = hdr->flags, gso = hdr->gso_type;
	u16 gso_size = le16_to_cpu(hdr->gso_size);
	unsigned int start, off, gso_type = 0;

	*why = NULL;
	if (skb->len < ETH_HLEN) {
		*why = "a packet shorter than an Ethernet header";
		return -EINVAL;
	}
	if (flags & ~(VIRTBUS_NET_HDR_F_NEEDS_CSUM |
		      VIRTBUS_NET_HDR_F_DATA_VALID)) {
		*why = "unknown header flags";
		return -EINVAL;
	}
	if (flags && !caps->csum) {
		*why = "checksum flags without GUEST_CSUM";
		return -EINVAL;
	}

	switch (gso & ~VIRTBUS_NET_HDR_GSO_ECN) {
	case VIRTBUS_NET_HDR_GSO_NONE:
		if (gso & VIRTBUS_NET_HDR_GSO_ECN) {
			*why = "ECN without GSO";
			return -EINVAL;
		}
		if (skb->len > caps->max_frame) {
			*why = "a packet longer than the MTU without GSO";
			return -EINVAL;
		}
		break;
	case VIRTBUS_NET_HDR_GSO_TCPV4:
		if (!caps->tso4)
			goto bad_gso;
		gso_type = SKB_GSO_TCPV4;
		break;
	case VIRTBUS_NET_HDR_GSO_TCPV6:
		if (!caps->tso6)
			goto bad_gso;
		gso_type = SKB_GSO_TCPV6;
		break;
	default:
		goto bad_gso;
	}
	if (gso_type) {
		if (gso & VIRTBUS_NET_HDR_GSO_ECN) {
			if (!caps->ecn)
				goto bad_gso;
			gso_type |= SKB_GSO_TCP_ECN;
		}
		if (!gso_size) {
			*why = "GSO without a segment size";
			return -EINVAL;
		}
		if (!(flags & VIRTBUS_NET_HDR_F_NEEDS_CSUM)) {
			*why = "GSO without a partial checksum";
			return -EINVAL;
		}
	}

	if (flags & VIRTBUS_NET_HDR_F_NEEDS_CSUM) {
		start = le16_to_cpu(hdr->csum_start);
		off = le16_to_cpu(hdr->csum_offset);
		if (start < ETH_HLEN ||
		    start + off + sizeof(__sum16) > skb->len) {
			*why = "a checksum offset outside the packet";
			return -EINVAL;
		}
		/* The checksum field must be in the linear part. */
		if (!pskb_may_pull(skb, start + off + sizeof(__sum16)))
			return -ENOMEM;
		if (!skb_partial_csum_set(skb, start, off)) {
			*why = "a checksum offset the stack refuses";
			return -EINVAL;
		}
	} else if ((flags & VIRTBUS_NET_HDR_F_DATA_VALID) && caps->rxcsum) {
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	}

	if (gso_type) {
		skb_shinfo(skb)->gso_size = gso_size;
		skb_shinfo(skb)->gso_type = gso_type | SKB_GSO_DODGY;
		skb_shinfo(skb)->gso_segs = 0;
	}
	return 0;

bad_gso:
	*why = "a GSO type that was not negotiated";
	return -EINVAL;
}

/**
 * vbnet_hdr_from_skb - the header for a packet to send
 * @skb: the packet
 * @hdr: filled in, all 12 bytes
 *
 * Return: 0, or -EINVAL for an offload the device is never asked for
 * (the driver does not offer the features that would make one).
 */
int vbnet_hdr_from_skb(const struct sk_buff *skb, struct virtbus_net_hdr *hdr)
{
	const struct skb_shared_info *si = skb_shinfo(skb);
	u8 gso;

	memset(hdr, 0, sizeof(*hdr));
	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		hdr->flags = VIRTBUS_NET_HDR_F_NEEDS_CSUM;
		hdr->csum_start = cpu_to_le16(skb_checksum_start_offset(skb));
		hdr->csum_offset = cpu_to_le16(skb->csum_offset);
	}
	if (!skb_is_gso(skb))
		return 0;

	if (si->gso_type & SKB_GSO_TCPV4)
		gso = VIRTBUS_NET_HDR_GSO_TCPV4;
	else if (si->gso_type & SKB_GSO_TCPV6)
		gso = VIRTBUS_NET_HDR_GSO_TCPV6;
	else
		return -EINVAL;
	if (skb->ip_summed != CHECKSUM_PARTIAL)
		return -EINVAL;
	if (si->gso_type & SKB_GSO_TCP_ECN)
		gso |= VIRTBUS_NET_HDR_GSO_ECN;
	hdr->gso_type = gso;
	hdr->gso_size = cpu_to_le16(si->gso_size);
	hdr->hdr_len = cpu_to_le16(skb_transport_offset(skb) + tcp_hdrlen(skb));
	return 0;
}

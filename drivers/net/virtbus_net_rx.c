// SPDX-License-Identifier: GPL-2.0
/*
 * virtbus_net: receive queues.
 *
 * Buffers are carved from page fragments. With MRG_RXBUF each is about
 * the running average of the packet length (at least a full Ethernet
 * frame, at most a page) and the device spreads a larger packet over
 * several; without it each buffer holds the largest frame the MTU
 * allows. The interrupt only schedules NAPI: the poll alone takes
 * buffers from the ring, assembles packets (virtbus_net_lib.c), checks
 * their headers and refills. When the poll cannot allocate, a work item
 * retries in process context with the NAPI disabled, so that the ring
 * never runs dry for good; a buffer that cannot be added goes back to
 * the page allocator, never lost.
 */
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include "virtbus_net.h"

/* How long the refill work waits before trying again. */
#define VBNET_REFILL_RETRY	(HZ / 2)

void vbnet_rx_done(struct virtbus_vq *vq)
{
	/* The poll owns the ring, and turns further callbacks off itself. */
	napi_schedule(&vbnet_vq_to_rq(vq)->napi);
}

/* Add one buffer; the ring's errors are returned as they are. */
static int vbnet_rx_add_one(struct vbnet_rq *rq, gfp_t gfp)
{
	struct vbnet *vi = rq->vi;
	struct page_frag *pf = &rq->frag;
	struct vbnet_rx_meta *meta;
	struct scatterlist sg;
	unsigned int size;
	int err;

	if (vi->mergeable)
		size = vbnet_rx_frag_size(ewma_vbnet_pkt_len_read(&rq->pkt_len),
					  vi->hdr_len);
	else
		size = vi->small_size;
	if (!skb_page_frag_refill(size, pf, gfp))
		return -ENOMEM;
	meta = page_address(pf->page) + pf->offset;
	get_page(pf->page);
	pf->offset += size;
	meta->truesize = size;

	sg_init_one(&sg, vbnet_rx_data(meta), size - VBNET_RX_META);
	err = virtbus_vq_add_inbuf(rq->vq, &sg, 1, meta, gfp);
	if (err)
		vbnet_rx_free_buf(meta);
	return err;
}

/**
 * vbnet_rx_fill - fill a receive ring and tell the device
 * @rq: the queue; its NAPI is ours (disabled, or we are its poll)
 * @gfp: how to allocate
 *
 * Return: false if memory ran out before the ring was full, so that the
 * caller retries later; true otherwise (full, or a broken queue, where
 * retrying would not help).
 */
bool vbnet_rx_fill(struct vbnet_rq *rq, gfp_t gfp)
{
	bool added = false;
	int err = 0;

	while (rq->vq->num_free) {
		err = vbnet_rx_add_one(rq, gfp);
		if (err)
			break;
		added = true;
	}
	if (added && virtbus_vq_kick_prepare(rq->vq)) {
		virtbus_vq_notify(rq->vq);
		u64_stats_update_begin(&rq->stats.syncp);
		u64_stats_inc(&rq->stats.kicks);
		u64_stats_update_end(&rq->stats.syncp);
	}
	return err != -ENOMEM;
}

static void vbnet_refill_later(struct vbnet *vi, unsigned long delay)
{
	spin_lock_bh(&vi->refill_lock);
	if (vi->refill_on)
		schedule_delayed_work(&vi->refill, delay);
	spin_unlock_bh(&vi->refill_lock);
}

/**
 * vbnet_refill_enable - allow or forbid the refill work
 * @vi: the device
 * @on: allowed from now on
 *
 * Closing forbids it before cancelling it, so that a poll running
 * meanwhile cannot schedule it again.
 */
void vbnet_refill_enable(struct vbnet *vi, bool on)
{
	spin_lock_bh(&vi->refill_lock);
	vi->refill_on = on;
	spin_unlock_bh(&vi->refill_lock);
}

void vbnet_refill_work(struct work_struct *work)
{
	struct vbnet *vi = container_of(work, struct vbnet, refill.work);
	bool ok = true;
	unsigned int i;

	for (i = 0; i < vi->pairs; i++) {
		struct vbnet_rq *rq = &vi->rq[i];

		/* The ring is the poll's: keep it away while we fill. */
		napi_disable(&rq->napi);
		ok &= vbnet_rx_fill(rq, GFP_KERNEL);
		napi_enable(&rq->napi);
		/* Whatever arrived meanwhile raised no poll. */
		local_bh_disable();
		napi_schedule(&rq->napi);
		local_bh_enable();
	}
	if (!ok)
		vbnet_refill_later(vi, VBNET_REFILL_RETRY);
}

static bool vbnet_rx_next(void *ctx, void **meta, unsigned int *len)
{
	struct vbnet_rq *rq = ctx;

	*meta = virtbus_vq_get_buf(rq->vq, len);
	return *meta;
}

struct vbnet_rx_count {
	u64 packets;
	u64 bytes;
	u64 drops;
	u64 errors;
};

static void vbnet_rx_one(struct vbnet_rq *rq, void *meta, unsigned int len,
			 const struct vbnet_rx_caps *caps,
			 struct vbnet_rx_count *c)
{
	struct vbnet *vi = rq->vi;
	struct virtbus_net_hdr hdr;
	struct sk_buff *skb;
	const char *why;
	int err;

	skb = vbnet_rx_build(&rq->napi, &vi->rx_layout, meta, len,
			     vbnet_rx_next, rq, &hdr, &why);
	if (!skb)
		goto drop;
	err = vbnet_hdr_to_skb(skb, &hdr, caps, &why);
	if (err) {
		kfree_skb(skb);
		goto drop;
	}
	if (vi->mergeable)
		ewma_vbnet_pkt_len_add(&rq->pkt_len, skb->len + vi->hdr_len);
	c->packets++;
	c->bytes += skb->len;
	skb->protocol = eth_type_trans(skb, vi->dev);
	napi_gro_receive(&rq->napi, skb);
	return;

drop:
	if (!why) {
		c->drops++;
		return;
	}
	c->errors++;
	if (net_ratelimit())
		netdev_err(vi->dev, "%s: dropped a packet: %s\n", rq->name, why);
}

int vbnet_rx_poll(struct napi_struct *napi, int budget)
{
	struct vbnet_rq *rq = container_of(napi, struct vbnet_rq, napi);
	struct vbnet *vi = rq->vi;
	struct vbnet_rx_caps caps = vi->rx_caps;
	struct vbnet_rx_count c = { };
	unsigned int len;
	int done = 0;
	void *meta;

	caps.rxcsum = !!(vi->dev->features & NETIF_F_RXCSUM);
	virtbus_vq_disable_cb(rq->vq);
	while (done < budget && (meta = virtbus_vq_get_buf(rq->vq, &len))) {
		vbnet_rx_one(rq, meta, len, &caps, &c);
		done++;
	}

	/* Top up once half the ring is used, and the device told once. */
	if (rq->vq->num_free > virtbus_vq_size(rq->vq) / 2 &&
	    !vbnet_rx_fill(rq, GFP_ATOMIC | __GFP_NOWARN))
		vbnet_refill_later(vi, 0);

	u64_stats_update_begin(&rq->stats.syncp);
	u64_stats_add(&rq->stats.packets, c.packets);
	u64_stats_add(&rq->stats.bytes, c.bytes);
	u64_stats_add(&rq->stats.drops, c.drops);
	u64_stats_add(&rq->stats.errors, c.errors);
	u64_stats_update_end(&rq->stats.syncp);

	if (done < budget) {
		/* Re-armed while the NAPI is still ours; see what slipped by. */
		bool more = !virtbus_vq_enable_cb(rq->vq);

		if (napi_complete_done(napi, done) && more)
			napi_schedule(napi);
	}
	return done;
}

/**
 * vbnet_rx_free_unused - free every buffer of a reset device's ring
 * @rq: the queue
 */
void vbnet_rx_free_unused(struct vbnet_rq *rq)
{
	void *meta;

	while ((meta = virtbus_vq_detach_unused_buf(rq->vq)))
		vbnet_rx_free_buf(meta);
	if (rq->frag.page) {
		put_page(rq->frag.page);
		rq->frag.page = NULL;
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * virtbus_net: transmit queues.
 *
 * The net device is LLTX: xmit takes the queue's own lock to add the
 * packet, decides under it whether the device needs a notification
 * (xmit_more batches them, and BQL may ask for one early), and notifies
 * after dropping it, so that a slow notification (a trap to the host)
 * never holds up the CPU that reaps completions. Completions are reaped
 * by the queue's NAPI poll, under the same lock; sent skbs are not
 * orphaned, so a socket's memory accounting stays honest, and BQL sees
 * what the device really has in flight. The queue stops when a worst-
 * case packet would no longer fit, and the poll wakes it once it would.
 *
 * The packet header goes in skb->cb: the skb is ours until the device
 * returns it, and the header then costs no write into the packet data,
 * which may be shared (clones).
 */
#include <linux/netdevice.h>
#include "virtbus_net.h"

static struct virtbus_net_hdr *vbnet_tx_hdr(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct virtbus_net_hdr) > sizeof(skb->cb));
	return (struct virtbus_net_hdr *)skb->cb;
}

static struct netdev_queue *vbnet_sq_txq(struct vbnet_sq *sq)
{
	return netdev_get_tx_queue(sq->vi->dev, sq - sq->vi->sq);
}

void vbnet_tx_done(struct virtbus_vq *vq)
{
	napi_schedule(&vbnet_vq_to_sq(vq)->napi);
}

/* Take back what the device sent, under @sq->lock. */
static void __vbnet_tx_reap(struct vbnet_sq *sq, int budget)
{
	struct netdev_queue *txq = vbnet_sq_txq(sq);
	unsigned int len, packets = 0, bytes = 0;
	struct sk_buff *skb;

	while ((skb = virtbus_vq_get_buf(sq->vq, &len))) {
		packets++;
		bytes += skb->len;
		napi_consume_skb(skb, budget);
	}
	if (!packets)
		return;
	netdev_tx_completed_queue(txq, packets, bytes);
	u64_stats_update_begin(&sq->stats.syncp);
	u64_stats_add(&sq->stats.packets, packets);
	u64_stats_add(&sq->stats.bytes, bytes);
	u64_stats_update_end(&sq->stats.syncp);
	if (netif_tx_queue_stopped(txq) && sq->vq->num_free >= VBNET_TX_MAX_SG)
		netif_tx_wake_queue(txq);
}

/**
 * vbnet_tx_reap - take back sent packets outside the poll
 * @sq: the queue, its NAPI disabled
 * @budget: 0 outside softirq context
 */
void vbnet_tx_reap(struct vbnet_sq *sq, int budget)
{
	spin_lock_bh(&sq->lock);
	__vbnet_tx_reap(sq, budget);
	spin_unlock_bh(&sq->lock);
}

int vbnet_tx_poll(struct napi_struct *napi, int budget)
{
	struct vbnet_sq *sq = container_of(napi, struct vbnet_sq, napi);
	bool more;

	spin_lock(&sq->lock);
	virtbus_vq_disable_cb(sq->vq);
	__vbnet_tx_reap(sq, budget);
	more = !virtbus_vq_enable_cb(sq->vq);
	spin_unlock(&sq->lock);

	if (napi_complete_done(napi, 0) && more)
		napi_schedule(napi);
	return 0;
}

netdev_tx_t vbnet_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct vbnet *vi = netdev_priv(dev);
	unsigned int qi = skb_get_queue_mapping(skb);
	struct virtbus_net_hdr *hdr = vbnet_tx_hdr(skb);
	bool more = netdev_xmit_more();
	struct netdev_queue *txq;
	struct vbnet_sq *sq;
	bool kick, stopped = false;
	int n, err;

	if (unlikely(qi >= vi->pairs))
		qi %= vi->pairs;
	sq = &vi->sq[qi];
	txq = netdev_get_tx_queue(dev, qi);

	spin_lock(&sq->lock);
	/* Without the stack's lock, it may call us just after we stopped. */
	if (unlikely(netif_tx_queue_stopped(txq))) {
		spin_unlock(&sq->lock);
		return NETDEV_TX_BUSY;
	}
	if (unlikely(vbnet_hdr_from_skb(skb, hdr)))
		goto drop;
	sg_init_table(sq->sg, VBNET_TX_MAX_SG);
	sg_set_buf(sq->sg, hdr, vi->hdr_len);
	n = skb_to_sgvec(skb, sq->sg + 1, 0, skb->len);
	if (unlikely(n < 0))
		goto drop;
	err = virtbus_vq_add_outbuf(sq->vq, sq->sg, n + 1, skb, GFP_ATOMIC);
	if (unlikely(err))
		goto drop;

	kick = __netdev_tx_sent_queue(txq, skb->len, more);
	if (sq->vq->num_free < VBNET_TX_MAX_SG) {
		netif_tx_stop_queue(txq);
		stopped = true;
		kick = true;
	}
	kick = kick && virtbus_vq_kick_prepare(sq->vq);
	u64_stats_update_begin(&sq->stats.syncp);
	if (kick)
		u64_stats_inc(&sq->stats.kicks);
	if (stopped)
		u64_stats_inc(&sq->stats.stops);
	u64_stats_update_end(&sq->stats.syncp);
	spin_unlock(&sq->lock);

	if (kick)
		virtbus_vq_notify(sq->vq);
	return NETDEV_TX_OK;

drop:
	/* Packets added before this one under xmit_more still need a kick. */
	kick = !more && virtbus_vq_kick_prepare(sq->vq);
	u64_stats_update_begin(&sq->stats.syncp);
	u64_stats_inc(&sq->stats.drops);
	if (kick)
		u64_stats_inc(&sq->stats.kicks);
	u64_stats_update_end(&sq->stats.syncp);
	spin_unlock(&sq->lock);
	if (kick)
		virtbus_vq_notify(sq->vq);
	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}

/**
 * vbnet_tx_free_unused - free every packet of a reset device's ring
 * @sq: the queue
 */
void vbnet_tx_free_unused(struct vbnet_sq *sq)
{
	struct sk_buff *skb;

	while ((skb = virtbus_vq_detach_unused_buf(sq->vq)))
		dev_kfree_skb(skb);
}

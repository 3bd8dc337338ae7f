// SPDX-License-Identifier: GPL-2.0
/*
 * virtbus_net: the virtio network device (type 1) as a Linux net device.
 *
 * This file binds the device: it negotiates features, reads the config
 * space (MAC, link status, MTU), makes one receive and one transmit
 * queue and the control queue, and registers the net device. The data
 * path is in virtbus_net_rx.c and virtbus_net_tx.c, the control queue
 * in virtbus_net_ctrl.c.
 *
 * Offloads follow what was negotiated: CSUM gives checksum offload and
 * scatter-gather for what we send, HOST_TSO4/6 (and HOST_ECN) TSO;
 * GUEST_CSUM lets the device hand us partial or verified checksums and,
 * with MRG_RXBUF, GUEST_TSO4/6 (and GUEST_ECN) large packets. Without
 * MRG_RXBUF we do not take large packets (there are no big-packet
 * buffers), so the GUEST_TSO bits are dropped then.
 */
#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include "virtbus_net.h"

/* Without MRG_RXBUF every receive buffer holds a whole frame; above this
 * MTU they would no longer fit the page fragments they are carved from.
 */
#define VBNET_SMALL_MAX_MTU	9216

static bool vbnet_has(const struct vbnet *vi, unsigned int bit)
{
	return virtbus_has_feature(vi->vdev, bit);
}

void vbnet_napi_on(struct napi_struct *napi)
{
	napi_enable(napi);
	/* Used buffers that arrived while it was off raised no poll. */
	local_bh_disable();
	napi_schedule(napi);
	local_bh_enable();
}

static void vbnet_update_link(struct vbnet *vi)
{
	struct net_device *dev = vi->dev;
	u16 status;

	if (!vbnet_has(vi, VIRTBUS_NET_F_STATUS)) {
		netif_carrier_on(dev);
		return;
	}
	status = virtbus_cread16(vi->vdev, VBNET_CFG(status));
	if (status & VIRTBUS_NET_S_LINK_UP) {
		if (!netif_carrier_ok(dev)) {
			netif_carrier_on(dev);
			netdev_info(dev, "link up\n");
		}
	} else if (netif_carrier_ok(dev)) {
		netif_carrier_off(dev);
		netdev_info(dev, "link down\n");
	}
}

static void vbnet_config_changed(struct virtbus_device *vdev)
{
	vbnet_update_link(vdev->priv);
}

static int vbnet_open(struct net_device *dev)
{
	struct vbnet *vi = netdev_priv(dev);
	unsigned int i;

	vbnet_refill_enable(vi, true);
	for (i = 0; i < vi->pairs; i++) {
		/* Buffers posted before stay; top the ring up. */
		if (!vbnet_rx_fill(&vi->rq[i], GFP_KERNEL))
			schedule_delayed_work(&vi->refill, 0);
		vbnet_napi_on(&vi->rq[i].napi);
		vbnet_napi_on(&vi->sq[i].napi);
	}
	netif_tx_start_all_queues(dev);
	return 0;
}

static int vbnet_stop(struct net_device *dev)
{
	struct vbnet *vi = netdev_priv(dev);
	unsigned int i;

	/* Forbid the refill work before cancelling it: polls may run. */
	vbnet_refill_enable(vi, false);
	cancel_delayed_work_sync(&vi->refill);
	netif_tx_disable(dev);
	for (i = 0; i < vi->pairs; i++) {
		struct vbnet_sq *sq = &vi->sq[i];

		/* LLTX: an xmit may still hold the lock; wait it out. */
		spin_lock_bh(&sq->lock);
		spin_unlock_bh(&sq->lock);
		napi_disable(&vi->rq[i].napi);
		napi_disable(&sq->napi);
		/* What was sent is freed now, not at the next open. */
		vbnet_tx_reap(sq, 0);
	}
	return 0;
}

static void vbnet_set_rx_mode(struct net_device *dev)
{
	struct vbnet *vi = netdev_priv(dev);

	if (vbnet_has(vi, VIRTBUS_NET_F_CTRL_RX))
		schedule_work(&vi->rx_mode_work);
}

static int vbnet_set_mac_address(struct net_device *dev, void *p)
{
	struct vbnet *vi = netdev_priv(dev);
	const struct sockaddr *sa = p;
	const u8 *mac = (const u8 *)sa->sa_data;
	unsigned int i;
	int err;

	if (!is_valid_ether_addr(mac))
		return -EADDRNOTAVAIL;
	if (vbnet_has(vi, VIRTBUS_NET_F_CTRL_MAC_ADDR)) {
		err = vbnet_ctrl_set_mac(vi, mac);
		if (err)
			return err;
	} else if (vbnet_has(vi, VIRTBUS_NET_F_MAC) &&
		   !vbnet_has(vi, VIRTBUS_F_VERSION_1)) {
		/* Legacy devices take it in the config space. */
		for (i = 0; i < ETH_ALEN; i++)
			virtbus_cwrite8(vi->vdev, VBNET_CFG(mac) + i, mac[i]);
	}
	eth_hw_addr_set(dev, mac);
	return 0;
}

static void vbnet_get_stats64(struct net_device *dev,
			      struct rtnl_link_stats64 *tot)
{
	struct vbnet *vi = netdev_priv(dev);
	u64 packets, bytes, drops, errors;
	unsigned int i, start;

	for (i = 0; i < vi->pairs; i++) {
		const struct vbnet_rq_stats *rs = &vi->rq[i].stats;
		const struct vbnet_sq_stats *ss = &vi->sq[i].stats;

		do {
			start = u64_stats_fetch_begin(&rs->syncp);
			packets = u64_stats_read(&rs->packets);
			bytes = u64_stats_read(&rs->bytes);
			drops = u64_stats_read(&rs->drops);
			errors = u64_stats_read(&rs->errors);
		} while (u64_stats_fetch_retry(&rs->syncp, start));
		tot->rx_packets += packets;
		tot->rx_bytes += bytes;
		tot->rx_dropped += drops;
		tot->rx_errors += errors;

		do {
			start = u64_stats_fetch_begin(&ss->syncp);
			packets = u64_stats_read(&ss->packets);
			bytes = u64_stats_read(&ss->bytes);
			drops = u64_stats_read(&ss->drops);
		} while (u64_stats_fetch_retry(&ss->syncp, start));
		tot->tx_packets += packets;
		tot->tx_bytes += bytes;
		tot->tx_dropped += drops;
	}
}

static const struct net_device_ops vbnet_netdev_ops = {
	.ndo_open = vbnet_open,
	.ndo_stop = vbnet_stop,
	.ndo_start_xmit = vbnet_start_xmit,
	.ndo_validate_addr = eth_validate_addr,
	.ndo_set_mac_address = vbnet_set_mac_address,
	.ndo_set_rx_mode = vbnet_set_rx_mode,
	.ndo_get_stats64 = vbnet_get_stats64,
};

/* Drop what depends on a feature that is not there. */
static int vbnet_validate(struct virtbus_device *vdev)
{
	static const unsigned int guest_tso[] = {
		VIRTBUS_NET_F_GUEST_TSO4, VIRTBUS_NET_F_GUEST_TSO6,
		VIRTBUS_NET_F_GUEST_ECN,
	};
	static const unsigned int host_tso[] = {
		VIRTBUS_NET_F_HOST_TSO4, VIRTBUS_NET_F_HOST_TSO6,
		VIRTBUS_NET_F_HOST_ECN,
	};
	unsigned int i;
	u16 mtu;

	if (!virtbus_has_feature(vdev, VIRTBUS_NET_F_CTRL_VQ)) {
		virtbus_clear_feature(vdev, VIRTBUS_NET_F_CTRL_RX);
		virtbus_clear_feature(vdev, VIRTBUS_NET_F_CTRL_MAC_ADDR);
	}
	if (!virtbus_has_feature(vdev, VIRTBUS_NET_F_GUEST_CSUM) ||
	    !virtbus_has_feature(vdev, VIRTBUS_NET_F_MRG_RXBUF))
		for (i = 0; i < ARRAY_SIZE(guest_tso); i++)
			virtbus_clear_feature(vdev, guest_tso[i]);
	if (!virtbus_has_feature(vdev, VIRTBUS_NET_F_CSUM))
		for (i = 0; i < ARRAY_SIZE(host_tso); i++)
			virtbus_clear_feature(vdev, host_tso[i]);
	if (!virtbus_has_feature(vdev, VIRTBUS_NET_F_GUEST_TSO4) &&
	    !virtbus_has_feature(vdev, VIRTBUS_NET_F_GUEST_TSO6))
		virtbus_clear_feature(vdev, VIRTBUS_NET_F_GUEST_ECN);
	if (!virtbus_has_feature(vdev, VIRTBUS_NET_F_HOST_TSO4) &&
	    !virtbus_has_feature(vdev, VIRTBUS_NET_F_HOST_TSO6))
		virtbus_clear_feature(vdev, VIRTBUS_NET_F_HOST_ECN);

	if (virtbus_has_feature(vdev, VIRTBUS_NET_F_MTU)) {
		mtu = virtbus_cread16(vdev, VBNET_CFG(mtu));
		if (mtu < ETH_MIN_MTU ||
		    (!virtbus_has_feature(vdev, VIRTBUS_NET_F_MRG_RXBUF) &&
		     mtu > VBNET_SMALL_MAX_MTU)) {
			dev_warn(&vdev->dev, "ignoring the device's MTU %u\n",
				 mtu);
			virtbus_clear_feature(vdev, VIRTBUS_NET_F_MTU);
		}
	}
	return 0;
}

static void vbnet_init_features(struct vbnet *vi)
{
	struct net_device *dev = vi->dev;
	netdev_features_t hw = NETIF_F_SG;

	if (vbnet_has(vi, VIRTBUS_NET_F_CSUM)) {
		hw |= NETIF_F_HW_CSUM;
		if (vbnet_has(vi, VIRTBUS_NET_F_HOST_TSO4))
			hw |= NETIF_F_TSO;
		if (vbnet_has(vi, VIRTBUS_NET_F_HOST_TSO6))
			hw |= NETIF_F_TSO6;
		if (vbnet_has(vi, VIRTBUS_NET_F_HOST_ECN))
			hw |= NETIF_F_TSO_ECN;
	}
	if (vbnet_has(vi, VIRTBUS_NET_F_GUEST_CSUM))
		hw |= NETIF_F_RXCSUM;
	dev->hw_features = hw;
	dev->features = hw | NETIF_F_HIGHDMA;
	dev->vlan_features = dev->features;
#ifdef VIRTBUS_HAVE_NETIF_F_LLTX
	dev->features |= NETIF_F_LLTX;
#else
	dev->lltx = true;
#endif
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE;
	if (vbnet_has(vi, VIRTBUS_NET_F_CTRL_RX))
		dev->priv_flags |= IFF_UNICAST_FLT;

	vi->rx_caps.csum = vbnet_has(vi, VIRTBUS_NET_F_GUEST_CSUM);
	vi->rx_caps.tso4 = vbnet_has(vi, VIRTBUS_NET_F_GUEST_TSO4);
	vi->rx_caps.tso6 = vbnet_has(vi, VIRTBUS_NET_F_GUEST_TSO6);
	vi->rx_caps.ecn = vbnet_has(vi, VIRTBUS_NET_F_GUEST_ECN);
}

static void vbnet_init_mtu(struct vbnet *vi)
{
	struct net_device *dev = vi->dev;

	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = vi->mergeable ? ETH_MAX_MTU : ETH_DATA_LEN;
	if (vbnet_has(vi, VIRTBUS_NET_F_MTU)) {
		/* Checked in validate. */
		dev->max_mtu = virtbus_cread16(vi->vdev, VBNET_CFG(mtu));
		dev->mtu = dev->max_mtu;
	}
	vi->rx_caps.max_frame = ETH_HLEN + VLAN_HLEN + dev->max_mtu;
	vi->small_size = ALIGN(VBNET_RX_META + vi->hdr_len +
			       vi->rx_caps.max_frame, L1_CACHE_BYTES);
}

/* Return: true if the address is one we made up. */
static bool vbnet_init_mac(struct vbnet *vi)
{
	u8 mac[ETH_ALEN];

	if (vbnet_has(vi, VIRTBUS_NET_F_MAC)) {
		virtbus_config_read(vi->vdev, VBNET_CFG(mac), mac, ETH_ALEN);
		if (is_valid_ether_addr(mac)) {
			eth_hw_addr_set(vi->dev, mac);
			return false;
		}
		dev_warn(&vi->vdev->dev, "the device's MAC address %pM is not a unicast address; using a random one\n",
			 mac);
	}
	eth_hw_addr_random(vi->dev);
	return true;
}

static int vbnet_alloc_queues(struct vbnet *vi)
{
	unsigned int i;

	vi->rq = kcalloc(vi->pairs, sizeof(*vi->rq), GFP_KERNEL);
	vi->sq = kcalloc(vi->pairs, sizeof(*vi->sq), GFP_KERNEL);
	if (!vi->rq || !vi->sq) {
		kfree(vi->rq);
		kfree(vi->sq);
		return -ENOMEM;
	}
	for (i = 0; i < vi->pairs; i++) {
		struct vbnet_rq *rq = &vi->rq[i];
		struct vbnet_sq *sq = &vi->sq[i];

		rq->vi = vi;
		sq->vi = vi;
		snprintf(rq->name, sizeof(rq->name), "input.%u", i);
		snprintf(sq->name, sizeof(sq->name), "output.%u", i);
		spin_lock_init(&sq->lock);
		u64_stats_init(&rq->stats.syncp);
		u64_stats_init(&sq->stats.syncp);
		ewma_vbnet_pkt_len_init(&rq->pkt_len);
		/* Disabled until open: the queues' callbacks find them so. */
		netif_napi_add(vi->dev, &rq->napi, vbnet_rx_poll);
		netif_napi_add_tx(vi->dev, &sq->napi, vbnet_tx_poll);
	}
	return 0;
}

static void vbnet_free_queues(struct vbnet *vi)
{
	unsigned int i;

	for (i = 0; i < vi->pairs; i++) {
		netif_napi_del(&vi->rq[i].napi);
		netif_napi_del(&vi->sq[i].napi);
	}
	kfree(vi->rq);
	kfree(vi->sq);
}

/* Queues in the device's order: rx0, tx0, ..., then the control queue. */
static int vbnet_find_vqs(struct vbnet *vi)
{
	struct virtbus_vq_info info[3] = {
		{ .name = vi->rq[0].name, .callback = vbnet_rx_done },
		{ .name = vi->sq[0].name, .callback = vbnet_tx_done },
		{ .name = "control", .callback = vbnet_ctrl_done },
	};
	struct virtbus_vq *vqs[3];
	int err;

	err = virtbus_find_vqs(vi->vdev, vi->has_ctrl ? 3 : 2, vqs, info);
	if (err)
		return err;
	vi->rq[0].vq = vqs[0];
	vi->sq[0].vq = vqs[1];
	if (vi->has_ctrl)
		vi->ctrl.vq = vqs[2];
	return 0;
}

static void vbnet_free_unused(struct vbnet *vi)
{
	unsigned int i;

	for (i = 0; i < vi->pairs; i++) {
		vbnet_rx_free_unused(&vi->rq[i]);
		vbnet_tx_free_unused(&vi->sq[i]);
	}
	vbnet_ctrl_free_unused(vi);
}

static int vbnet_probe(struct virtbus_device *vdev)
{
	struct net_device *dev;
	struct vbnet *vi;
	bool random_mac;
	int err;

	dev = alloc_etherdev_mq(sizeof(*vi), 1);
	if (!dev)
		return -ENOMEM;
	SET_NETDEV_DEV(dev, &vdev->dev);
	dev->netdev_ops = &vbnet_netdev_ops;
	dev->ethtool_ops = &vbnet_ethtool_ops;
	vi = netdev_priv(dev);
	vi->vdev = vdev;
	vi->dev = dev;
	vi->pairs = 1;
	vi->has_ctrl = virtbus_has_feature(vdev, VIRTBUS_NET_F_CTRL_VQ);
	vi->mergeable = virtbus_has_feature(vdev, VIRTBUS_NET_F_MRG_RXBUF);
	vi->hdr_len = vi->mergeable ||
		      virtbus_has_feature(vdev, VIRTBUS_F_VERSION_1) ?
		      sizeof(struct virtbus_net_hdr) :
		      VIRTBUS_NET_HDR_LEGACY_LEN;
	vi->rx_layout.hdr_len = vi->hdr_len;
	vi->rx_layout.mergeable = vi->mergeable;
	INIT_DELAYED_WORK(&vi->refill, vbnet_refill_work);
	spin_lock_init(&vi->refill_lock);
	INIT_WORK(&vi->rx_mode_work, vbnet_rx_mode_work);
	vbnet_ctrl_init(vi);
	vbnet_init_features(vi);
	vbnet_init_mtu(vi);
	random_mac = vbnet_init_mac(vi);
	/* The queues' callbacks find us through it as soon as they exist. */
	vdev->priv = vi;

	err = vbnet_alloc_queues(vi);
	if (err)
		goto out_free;
	err = vbnet_find_vqs(vi);
	if (err)
		goto out_queues;
	vi->rx_layout.max_bufs = virtbus_vq_size(vi->rq[0].vq);

	/* The control queue is needed below, and the stack may open us. */
	virtbus_device_ready(vdev);
	if (random_mac && vbnet_has(vi, VIRTBUS_NET_F_CTRL_MAC_ADDR) &&
	    vbnet_ctrl_set_mac(vi, dev->dev_addr))
		netdev_warn(dev, "the device does not know our MAC address\n");

	netif_carrier_off(dev);
	err = register_netdev(dev);
	if (err)
		goto out_reset;
	vbnet_update_link(vi);
	netdev_info(dev, "%pM, %s buffers, MTU %u (max %u)\n", dev->dev_addr,
		    vi->mergeable ? "mergeable" : "small", dev->mtu,
		    dev->max_mtu);
	return 0;

out_reset:
	virtbus_reset_device(vdev);
	vbnet_free_unused(vi);
	virtbus_del_vqs(vdev);
out_queues:
	vbnet_free_queues(vi);
out_free:
	vdev->priv = NULL;
	free_netdev(dev);
	return err;
}

static void vbnet_remove(struct virtbus_device *vdev)
{
	struct vbnet *vi = vdev->priv;

	unregister_netdev(vi->dev);
	/* Nothing schedules these any more; let a running one finish. */
	cancel_work_sync(&vi->rx_mode_work);
	cancel_delayed_work_sync(&vi->refill);
	virtbus_reset_device(vdev);
	vbnet_free_unused(vi);
	virtbus_del_vqs(vdev);
	vbnet_free_queues(vi);
	vdev->priv = NULL;
	free_netdev(vi->dev);
}

static const unsigned int vbnet_feature_table[] = {
	VIRTBUS_NET_F_CSUM, VIRTBUS_NET_F_GUEST_CSUM,
	VIRTBUS_NET_F_MTU, VIRTBUS_NET_F_MAC,
	VIRTBUS_NET_F_GUEST_TSO4, VIRTBUS_NET_F_GUEST_TSO6,
	VIRTBUS_NET_F_GUEST_ECN,
	VIRTBUS_NET_F_HOST_TSO4, VIRTBUS_NET_F_HOST_TSO6,
	VIRTBUS_NET_F_HOST_ECN,
	VIRTBUS_NET_F_MRG_RXBUF, VIRTBUS_NET_F_STATUS,
	VIRTBUS_NET_F_CTRL_VQ, VIRTBUS_NET_F_CTRL_RX,
	VIRTBUS_NET_F_CTRL_MAC_ADDR,
	VIRTBUS_F_ANY_LAYOUT,
};

VIRTBUS_DEVICE_TABLE(vbnet_ids, VIRTBUS_ID_NET, VIRTBUS_VENDOR_ANY);

static struct virtbus_driver vbnet_driver = {
	.driver.name = "virtbus_net",
	.id_table = vbnet_ids,
	.feature_table = vbnet_feature_table,
	.feature_table_size = ARRAY_SIZE(vbnet_feature_table),
	.validate = vbnet_validate,
	.probe = vbnet_probe,
	.remove = vbnet_remove,
	.config_changed = vbnet_config_changed,
};
module_virtbus_driver(vbnet_driver);

MODULE_DESCRIPTION("virtbus network device driver");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(VIRTBUS);

// SPDX-License-Identifier: GPL-2.0
/*
 * virtbus_net: ethtool. Driver information, link, ring sizes, channels
 * (read only for now: one pair), and statistics per queue. Offloads are
 * the net device's features, toggled by the stack (ethtool -K).
 */
#include <linux/ethtool.h>
#include <linux/netdevice.h>
#include "virtbus_net.h"

struct vbnet_stat_desc {
	const char *name;
	size_t offset;
};

#define VBNET_RQ_STAT(f) { #f, offsetof(struct vbnet_rq_stats, f) }
#define VBNET_SQ_STAT(f) { #f, offsetof(struct vbnet_sq_stats, f) }

static const struct vbnet_stat_desc vbnet_rq_stats[] = {
	VBNET_RQ_STAT(packets), VBNET_RQ_STAT(bytes), VBNET_RQ_STAT(drops),
	VBNET_RQ_STAT(errors), VBNET_RQ_STAT(kicks),
};

static const struct vbnet_stat_desc vbnet_sq_stats[] = {
	VBNET_SQ_STAT(packets), VBNET_SQ_STAT(bytes), VBNET_SQ_STAT(drops),
	VBNET_SQ_STAT(kicks), VBNET_SQ_STAT(stops),
};

static void vbnet_get_drvinfo(struct net_device *dev,
			      struct ethtool_drvinfo *info)
{
	struct vbnet *vi = netdev_priv(dev);

	strscpy(info->driver, KBUILD_MODNAME, sizeof(info->driver));
	strscpy(info->bus_info, dev_name(&vi->vdev->dev),
		sizeof(info->bus_info));
}

static void vbnet_get_ringparam(struct net_device *dev,
				struct ethtool_ringparam *ring,
				struct kernel_ethtool_ringparam *kring,
				struct netlink_ext_ack *extack)
{
	struct vbnet *vi = netdev_priv(dev);

	ring->rx_max_pending = virtbus_vq_size(vi->rq[0].vq);
	ring->tx_max_pending = virtbus_vq_size(vi->sq[0].vq);
	ring->rx_pending = ring->rx_max_pending;
	ring->tx_pending = ring->tx_max_pending;
}

static void vbnet_get_channels(struct net_device *dev,
			       struct ethtool_channels *ch)
{
	struct vbnet *vi = netdev_priv(dev);

	ch->max_combined = vi->pairs;
	ch->combined_count = vi->pairs;
}

static int vbnet_get_link_ksettings(struct net_device *dev,
				    struct ethtool_link_ksettings *cmd)
{
	cmd->base.speed = SPEED_UNKNOWN;
	cmd->base.duplex = DUPLEX_UNKNOWN;
	cmd->base.port = PORT_OTHER;
	return 0;
}

static int vbnet_get_sset_count(struct net_device *dev, int sset)
{
	struct vbnet *vi = netdev_priv(dev);

	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	return vi->pairs * (ARRAY_SIZE(vbnet_rq_stats) +
			    ARRAY_SIZE(vbnet_sq_stats));
}

static void vbnet_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	struct vbnet *vi = netdev_priv(dev);
	unsigned int i, j;

	if (sset != ETH_SS_STATS)
		return;
	for (i = 0; i < vi->pairs; i++)
		for (j = 0; j < ARRAY_SIZE(vbnet_rq_stats); j++)
			ethtool_sprintf(&data, "rx_queue_%u_%s", i,
					vbnet_rq_stats[j].name);
	for (i = 0; i < vi->pairs; i++)
		for (j = 0; j < ARRAY_SIZE(vbnet_sq_stats); j++)
			ethtool_sprintf(&data, "tx_queue_%u_%s", i,
					vbnet_sq_stats[j].name);
}

/* Copy @n counters of one queue, consistently, to @data. */
static u64 *vbnet_copy_stats(const struct u64_stats_sync *syncp,
			     const void *base,
			     const struct vbnet_stat_desc *desc,
			     unsigned int n, u64 *data)
{
	unsigned int start, j;

	do {
		start = u64_stats_fetch_begin(syncp);
		for (j = 0; j < n; j++)
			data[j] = u64_stats_read(base + desc[j].offset);
	} while (u64_stats_fetch_retry(syncp, start));
	return data + n;
}

static void vbnet_get_ethtool_stats(struct net_device *dev,
				    struct ethtool_stats *stats, u64 *data)
{
	struct vbnet *vi = netdev_priv(dev);
	unsigned int i;

	for (i = 0; i < vi->pairs; i++)
		data = vbnet_copy_stats(&vi->rq[i].stats.syncp,
					&vi->rq[i].stats, vbnet_rq_stats,
					ARRAY_SIZE(vbnet_rq_stats), data);
	for (i = 0; i < vi->pairs; i++)
		data = vbnet_copy_stats(&vi->sq[i].stats.syncp,
					&vi->sq[i].stats, vbnet_sq_stats,
					ARRAY_SIZE(vbnet_sq_stats), data);
}

const struct ethtool_ops vbnet_ethtool_ops = {
	.get_drvinfo = vbnet_get_drvinfo,
	.get_link = ethtool_op_get_link,
	.get_ringparam = vbnet_get_ringparam,
	.get_channels = vbnet_get_channels,
	.get_link_ksettings = vbnet_get_link_ksettings,
	.get_sset_count = vbnet_get_sset_count,
	.get_strings = vbnet_get_strings,
	.get_ethtool_stats = vbnet_get_ethtool_stats,
};

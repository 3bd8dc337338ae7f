/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtbus_net: the state shared by the files of the driver.
 *
 * virtbus_net_main.c   probe, remove, net device operations, config
 * virtbus_net_rx.c     receive queues: buffers, NAPI, refill
 * virtbus_net_tx.c     transmit queues: xmit, completions in NAPI, BQL
 * virtbus_net_ctrl.c   the control queue, with a bounded wait
 * virtbus_net_ethtool.c
 * virtbus_net_lib.c    header and packet assembly (pure, for KUnit)
 */
#ifndef _VIRTBUS_NET_H
#define _VIRTBUS_NET_H

#include <linux/average.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <virtbus/virtbus.h>
#include <virtbus/virtqueue.h>
#include "virtbus_net_lib.h"

/* Offset of a field in the device's config space. */
#define VBNET_CFG(field)	offsetof(struct virtbus_net_config, field)

/* Descriptors one packet may need without an indirect table: header,
 * linear part, frags. The queue stops below this much room.
 */
#define VBNET_TX_MAX_SG		(MAX_SKB_FRAGS + 2)

/* Average packet length, for sizing mergeable buffers; weight 1/64. */
DECLARE_EWMA(vbnet_pkt_len, 0, 64)

struct vbnet_rq_stats {
	struct u64_stats_sync syncp;
	u64_stats_t packets;
	u64_stats_t bytes;
	u64_stats_t drops;	/* dropped: no memory */
	u64_stats_t errors;	/* dropped: the device got them wrong */
	u64_stats_t kicks;
};

struct vbnet_sq_stats {
	struct u64_stats_sync syncp;
	u64_stats_t packets;
	u64_stats_t bytes;
	u64_stats_t drops;
	u64_stats_t kicks;
	u64_stats_t stops;	/* the queue stopped for lack of room */
};

struct vbnet;

/* A receive queue: only its NAPI poll, or the refill work with the
 * NAPI disabled, touches the ring, so it needs no lock.
 */
struct vbnet_rq {
	struct napi_struct napi;
	struct virtbus_vq *vq;
	struct vbnet *vi;
	struct page_frag frag;		/* where buffers are carved from */
	struct ewma_vbnet_pkt_len pkt_len;
	struct vbnet_rq_stats stats;
	char name[24];
} ____cacheline_aligned_in_smp;

/* A transmit queue. The device is LLTX: the stack takes no lock around
 * our xmit, and @lock serialises the ring between xmit and the NAPI
 * poll that reaps completions, so that the notify can go outside it.
 */
struct vbnet_sq {
	struct napi_struct napi;
	struct virtbus_vq *vq;
	struct vbnet *vi;
	spinlock_t lock;		/* the ring, @sg, stopping the queue */
	struct vbnet_sq_stats stats;
	struct scatterlist sg[VBNET_TX_MAX_SG];
	char name[24];
} ____cacheline_aligned_in_smp;

struct vbnet_ctrl_cmd;

struct vbnet_ctrl {
	struct virtbus_vq *vq;
	struct mutex lock;		/* one command at a time */
	spinlock_t vq_lock;		/* the ring: sender and callback */
	/* A command the device never answered and still holds. */
	struct vbnet_ctrl_cmd *stuck;
};

struct vbnet {
	struct virtbus_device *vdev;
	struct net_device *dev;
	struct vbnet_rq *rq;
	struct vbnet_sq *sq;
	unsigned int pairs;
	unsigned int hdr_len;		/* 10 or 12 */
	bool mergeable;			/* MRG_RXBUF */
	unsigned int small_size;	/* fragment size without MRG_RXBUF */
	struct vbnet_rx_layout rx_layout;
	struct vbnet_rx_caps rx_caps;	/* rxcsum: see vbnet_rx_poll() */
	bool has_ctrl;
	struct vbnet_ctrl ctrl;

	/* Refill the receive rings where NAPI could not allocate. */
	struct delayed_work refill;
	spinlock_t refill_lock;		/* @refill_on */
	bool refill_on;

	/* Receive filters through the control queue, in process context. */
	struct work_struct rx_mode_work;
};

static inline struct vbnet_rq *vbnet_vq_to_rq(struct virtbus_vq *vq)
{
	struct vbnet *vi = vq->vdev->priv;

	return &vi->rq[vq->index / 2];
}

static inline struct vbnet_sq *vbnet_vq_to_sq(struct virtbus_vq *vq)
{
	struct vbnet *vi = vq->vdev->priv;

	return &vi->sq[vq->index / 2];
}

/* virtbus_net_rx.c */
void vbnet_rx_done(struct virtbus_vq *vq);
int vbnet_rx_poll(struct napi_struct *napi, int budget);
bool vbnet_rx_fill(struct vbnet_rq *rq, gfp_t gfp);
void vbnet_refill_work(struct work_struct *work);
void vbnet_refill_enable(struct vbnet *vi, bool on);
void vbnet_rx_free_unused(struct vbnet_rq *rq);
void vbnet_napi_on(struct napi_struct *napi);

/* virtbus_net_tx.c */
void vbnet_tx_done(struct virtbus_vq *vq);
int vbnet_tx_poll(struct napi_struct *napi, int budget);
netdev_tx_t vbnet_start_xmit(struct sk_buff *skb, struct net_device *dev);
void vbnet_tx_reap(struct vbnet_sq *sq, int budget);
void vbnet_tx_free_unused(struct vbnet_sq *sq);

/* virtbus_net_ctrl.c */
void vbnet_ctrl_init(struct vbnet *vi);
void vbnet_ctrl_done(struct virtbus_vq *vq);
int vbnet_ctrl_send(struct vbnet *vi, u8 class, u8 cmd,
		    const void *data, size_t len);
void vbnet_ctrl_free_unused(struct vbnet *vi);
void vbnet_rx_mode_work(struct work_struct *work);
int vbnet_ctrl_set_mac(struct vbnet *vi, const u8 *mac);

/* virtbus_net_ethtool.c */
extern const struct ethtool_ops vbnet_ethtool_ops;

#endif /* _VIRTBUS_NET_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * virtbus_net: the control queue.
 *
 * A command is its header and data, which the device reads, and an ack
 * byte it writes. The sender sleeps for the answer, at most ctrl_timeout
 * milliseconds: a device that never answers fails the command with
 * -ETIMEDOUT and a message, and whoever sent it (holding the RTNL, as a
 * rule) goes on. The device still holds that command's buffers, so they
 * stay allocated until it returns them or is reset; until then every
 * further command fails at once with -EIO rather than pile up behind it.
 * When the late answer comes the callback frees the command, and the
 * queue works again.
 *
 * Replies are checked: an ack the device did not write, or one that is
 * neither OK nor ERR, fails the command with a message.
 */
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include "virtbus_net.h"

static unsigned int ctrl_timeout_ms = 5000;
module_param_named(ctrl_timeout, ctrl_timeout_ms, uint, 0644);
MODULE_PARM_DESC(ctrl_timeout,
		 "milliseconds the device has to answer a control command (default 5000)");

/* The ack before the device writes it: neither OK nor ERR. */
#define VBNET_ACK_NONE		0xff

struct vbnet_ctrl_cmd {
	struct virtbus_net_ctrl_hdr hdr;
	u8 ack;
	/* Set under the queue lock by the sender that gave up. */
	bool abandoned;
	/* Bytes the device wrote: the ack, or nothing. */
	unsigned int written;
	struct completion done;
	size_t len;
	u8 data[];
};

/**
 * vbnet_ctrl_init - set up the control queue's state
 * @vi: the device
 *
 * Before the queue is made: its callback may run from then on.
 */
void vbnet_ctrl_init(struct vbnet *vi)
{
	mutex_init(&vi->ctrl.lock);
	spin_lock_init(&vi->ctrl.vq_lock);
}

void vbnet_ctrl_done(struct virtbus_vq *vq)
{
	struct vbnet *vi = vq->vdev->priv;
	struct vbnet_ctrl *c = &vi->ctrl;
	struct vbnet_ctrl_cmd *cmd;
	unsigned long flags;
	unsigned int len;

	spin_lock_irqsave(&c->vq_lock, flags);
	do {
		virtbus_vq_disable_cb(vq);
		while ((cmd = virtbus_vq_get_buf(vq, &len))) {
			if (cmd->abandoned) {
				/* The late answer to a command that failed. */
				if (c->stuck == cmd)
					c->stuck = NULL;
				kfree(cmd);
				continue;
			}
			cmd->written = len;
			complete(&cmd->done);
		}
	} while (!virtbus_vq_enable_cb(vq));
	spin_unlock_irqrestore(&c->vq_lock, flags);
}

static int vbnet_ctrl_result(struct vbnet *vi, struct vbnet_ctrl_cmd *cmd)
{
	if (cmd->written != sizeof(cmd->ack) ||
	    (cmd->ack != VIRTBUS_NET_OK && cmd->ack != VIRTBUS_NET_ERR)) {
		netdev_err(vi->dev, "control command %u.%u: bad reply (%u bytes, ack %u)\n",
			   cmd->hdr.class, cmd->hdr.cmd, cmd->written, cmd->ack);
		return -EIO;
	}
	if (cmd->ack != VIRTBUS_NET_OK) {
		netdev_warn(vi->dev, "control command %u.%u: the device refused it\n",
			    cmd->hdr.class, cmd->hdr.cmd);
		return -EIO;
	}
	return 0;
}

/**
 * vbnet_ctrl_send - send a command on the control queue and wait for it
 * @vi: the device
 * @class: VIRTBUS_NET_CTRL_*
 * @cmd: the command within @class
 * @data: what the device reads after the header, copied
 * @len: bytes of @data, may be 0
 *
 * Sleeps, at most ctrl_timeout milliseconds for the answer.
 *
 * Return: 0 if the device acked; -EOPNOTSUPP without a control queue;
 * -ETIMEDOUT if it did not answer in time; -EIO if it refused, replied
 * nonsense, or still holds an earlier command it never answered; or the
 * ring's error.
 */
int vbnet_ctrl_send(struct vbnet *vi, u8 class, u8 cmd,
		    const void *data, size_t len)
{
	struct vbnet_ctrl *c = &vi->ctrl;
	struct scatterlist hdr_sg, data_sg, ack_sg, *sgs[3];
	unsigned int out = 0, timeout = READ_ONCE(ctrl_timeout_ms);
	struct vbnet_ctrl_cmd *cc;
	bool kick;
	int err;

	if (!vi->has_ctrl)
		return -EOPNOTSUPP;
	might_sleep();
	/* kmalloc, not the net device's (maybe vmalloc'ed) private area. */
	cc = kzalloc(struct_size(cc, data, len), GFP_KERNEL);
	if (!cc)
		return -ENOMEM;
	cc->hdr.class = class;
	cc->hdr.cmd = cmd;
	cc->ack = VBNET_ACK_NONE;
	cc->len = len;
	init_completion(&cc->done);
	sg_init_one(&hdr_sg, &cc->hdr, sizeof(cc->hdr));
	sgs[out++] = &hdr_sg;
	if (len) {
		memcpy(cc->data, data, len);
		sg_init_one(&data_sg, cc->data, len);
		sgs[out++] = &data_sg;
	}
	sg_init_one(&ack_sg, &cc->ack, sizeof(cc->ack));
	sgs[out] = &ack_sg;

	mutex_lock(&c->lock);
	spin_lock_irq(&c->vq_lock);
	if (c->stuck) {
		spin_unlock_irq(&c->vq_lock);
		mutex_unlock(&c->lock);
		netdev_err(vi->dev, "control command %u.%u: not sent, the device never answered an earlier one\n",
			   class, cmd);
		kfree(cc);
		return -EIO;
	}
	err = virtbus_vq_add_sgs(c->vq, sgs, out, 1, cc, GFP_ATOMIC);
	kick = !err && virtbus_vq_kick_prepare(c->vq);
	spin_unlock_irq(&c->vq_lock);
	if (err) {
		mutex_unlock(&c->lock);
		kfree(cc);
		return err;
	}
	if (kick)
		virtbus_vq_notify(c->vq);

	if (!wait_for_completion_timeout(&cc->done,
					 msecs_to_jiffies(timeout))) {
		spin_lock_irq(&c->vq_lock);
		if (!completion_done(&cc->done)) {
			/* The device keeps the buffers; the callback frees. */
			cc->abandoned = true;
			c->stuck = cc;
			spin_unlock_irq(&c->vq_lock);
			mutex_unlock(&c->lock);
			netdev_err(vi->dev, "control command %u.%u: no answer from the device in %u ms, failing it\n",
				   class, cmd, timeout);
			return -ETIMEDOUT;
		}
		spin_unlock_irq(&c->vq_lock);
	}
	mutex_unlock(&c->lock);
	err = vbnet_ctrl_result(vi, cc);
	kfree(cc);
	return err;
}

/**
 * vbnet_ctrl_free_unused - free the commands a reset device still held
 * @vi: the device
 */
void vbnet_ctrl_free_unused(struct vbnet *vi)
{
	struct vbnet_ctrl_cmd *cmd;

	if (!vi->ctrl.vq)
		return;
	/* Only abandoned ones: a sender never leaves without its command. */
	while ((cmd = virtbus_vq_detach_unused_buf(vi->ctrl.vq)))
		kfree(cmd);
	vi->ctrl.stuck = NULL;
}

/* Both MAC tables, unicast then multicast, in one command. */
static int vbnet_ctrl_mac_table(struct vbnet *vi)
{
	struct net_device *dev = vi->dev;
	struct virtbus_net_ctrl_mac *t, *m;
	struct netdev_hw_addr *ha;
	unsigned int uc, mc, i;
	size_t size;
	int err;

	netif_addr_lock_bh(dev);
	uc = netdev_uc_count(dev);
	mc = netdev_mc_count(dev);
	size = 2 * sizeof(*t) + (uc + mc) * ETH_ALEN;
	t = kzalloc(size, GFP_ATOMIC);
	if (!t) {
		netif_addr_unlock_bh(dev);
		return -ENOMEM;
	}
	t->entries = cpu_to_le32(uc);
	i = 0;
	netdev_for_each_uc_addr(ha, dev)
		memcpy(t->macs[i++], ha->addr, ETH_ALEN);
	/* The multicast table starts right after the unicast one. */
	m = (void *)t->macs[uc];
	m->entries = cpu_to_le32(mc);
	i = 0;
	netdev_for_each_mc_addr(ha, dev)
		memcpy(m->macs[i++], ha->addr, ETH_ALEN);
	netif_addr_unlock_bh(dev);

	err = vbnet_ctrl_send(vi, VIRTBUS_NET_CTRL_MAC,
			      VIRTBUS_NET_CTRL_MAC_TABLE_SET, t, size);
	kfree(t);
	return err;
}

static void vbnet_ctrl_rx_flag(struct vbnet *vi, u8 cmd, bool on,
			       const char *what)
{
	u8 val = on;
	int err;

	err = vbnet_ctrl_send(vi, VIRTBUS_NET_CTRL_RX, cmd, &val, sizeof(val));
	if (err)
		netdev_warn(vi->dev, "cannot turn %s %s: %d\n", what,
			    on ? "on" : "off", err);
}

/* ndo_set_rx_mode runs in atomic context, where we cannot wait for the
 * device; it schedules this instead.
 */
void vbnet_rx_mode_work(struct work_struct *work)
{
	struct vbnet *vi = container_of(work, struct vbnet, rx_mode_work);
	struct net_device *dev = vi->dev;
	int err;

	if (!virtbus_has_feature(vi->vdev, VIRTBUS_NET_F_CTRL_RX))
		return;
	rtnl_lock();
	vbnet_ctrl_rx_flag(vi, VIRTBUS_NET_CTRL_RX_PROMISC,
			   dev->flags & IFF_PROMISC, "promiscuous mode");
	vbnet_ctrl_rx_flag(vi, VIRTBUS_NET_CTRL_RX_ALLMULTI,
			   dev->flags & IFF_ALLMULTI, "all-multicast mode");
	err = vbnet_ctrl_mac_table(vi);
	if (err)
		netdev_warn(dev, "cannot set the MAC filter: %d\n", err);
	rtnl_unlock();
}

/**
 * vbnet_ctrl_set_mac - tell the device our MAC address
 * @vi: the device, with CTRL_MAC_ADDR
 * @mac: the address
 *
 * Return: as vbnet_ctrl_send().
 */
int vbnet_ctrl_set_mac(struct vbnet *vi, const u8 *mac)
{
	return vbnet_ctrl_send(vi, VIRTBUS_NET_CTRL_MAC,
			       VIRTBUS_NET_CTRL_MAC_ADDR_SET, mac, ETH_ALEN);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * virtbus_console: the console device (virtio type 3).
 *
 * Without MULTIPORT the device has one port, a console, on queues 0 and
 * 1. With it, the device says how many ports it may have, and tells us
 * over the control queue which exist (virtbus_console_ctrl.c). Console
 * ports become ttyVB<N> (virtbus_console_tty.c), the others character
 * devices /dev/vbport<N>p<M> (virtbus_console_port.c).
 *
 * This file owns the ports: creating them with their receive buffers,
 * the queue callbacks, and taking them apart when the device removes a
 * port or goes away, with files still open on them.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include "virtbus_console.h"

#define VBCON_CFG(field)	offsetof(struct virtbus_console_config, field)

/* The port a data queue belongs to: queues 0-1 port 0, then 4-5 port 1... */
static u32 vbcon_vq_port(const struct virtbus_vq *vq)
{
	return vq->index < 2 ? 0 : (vq->index - 2) / 2;
}

static void vbcon_free_bufs(struct list_head *list)
{
	struct vbcon_buf *buf, *next;

	list_for_each_entry_safe(buf, next, list, list)
		kfree(buf);
	INIT_LIST_HEAD(list);
}

static void vbcon_port_release(struct kref *kref)
{
	struct vbcon_port *port = container_of(kref, struct vbcon_port, kref);

	vbcon_free_bufs(&port->rx);
	tty_port_destroy(&port->tport);
	kfree(port->name);
	kfree(port);
}

/**
 * vbcon_port_put - drop a reference to a port
 * @port: the port
 */
void vbcon_port_put(struct vbcon_port *port)
{
	kref_put(&port->kref, vbcon_port_release);
}

/**
 * vbcon_port_lookup - find a port of a device by id
 * @con: the device
 * @id: the port id, below max_ports
 *
 * Return: the port with a reference the caller drops, or NULL.
 */
struct vbcon_port *vbcon_port_lookup(struct vbcon *con, u32 id)
{
	struct vbcon_port *port;
	unsigned long flags;

	spin_lock_irqsave(&con->ports_lock, flags);
	port = con->ports[id];
	if (port && !port->gone)
		kref_get(&port->kref);
	else
		port = NULL;
	spin_unlock_irqrestore(&con->ports_lock, flags);
	return port;
}

/* Buffers the device used on a queue of a port, in interrupt context. */
static void vbcon_in_done(struct virtbus_vq *vq)
{
	struct vbcon *con = vq->vdev->priv;
	struct vbcon_port *port;
	struct vbcon_buf *buf;
	unsigned long flags;
	unsigned int len;
	bool got = false;

	spin_lock_irqsave(&con->ports_lock, flags);
	port = con->ports[vbcon_vq_port(vq)];
	if (!port || port->in_vq != vq) {
		while ((buf = virtbus_vq_get_buf(vq, &len)))
			kfree(buf);
		goto out;
	}
	spin_lock(&port->lock);
	while ((buf = virtbus_vq_get_buf(vq, &len))) {
		if (port->gone) {
			kfree(buf);
			continue;
		}
		/* The ring has checked len against the buffer we posted. */
		buf->len = len;
		buf->off = 0;
		if (port->is_console) {
			vbcon_tty_rx(port, buf);
			continue;
		}
		list_add_tail(&buf->list, &port->rx);
		got = true;
	}
	spin_unlock(&port->lock);
	if (got)
		vbcon_cdev_wakeup(port, false);
out:
	spin_unlock_irqrestore(&con->ports_lock, flags);
}

static void vbcon_out_done(struct virtbus_vq *vq)
{
	struct vbcon *con = vq->vdev->priv;
	struct vbcon_port *port;
	struct vbcon_buf *buf;
	unsigned long flags;
	unsigned int len;

	/*
	 * ports_lock serialises the queue with the port's gone state
	 * settled, and with vbcon_port_finish(); a live port's senders
	 * hold its lock instead, so take that too.
	 */
	spin_lock_irqsave(&con->ports_lock, flags);
	port = con->ports[vbcon_vq_port(vq)];
	if (port && port->out_vq != vq)
		port = NULL;
	if (!port) {
		while ((buf = virtbus_vq_get_buf(vq, &len)))
			kfree(buf);
		goto out;
	}
	spin_lock(&port->lock);
	while ((buf = virtbus_vq_get_buf(vq, &len)))
		kfree(buf);
	spin_unlock(&port->lock);
	if (port->is_console)
		vbcon_tty_wakeup(port);
	else
		wake_up_interruptible(&port->waitq);
out:
	spin_unlock_irqrestore(&con->ports_lock, flags);
}

/**
 * vbcon_port_send - hand a buffer to the device
 * @port: the port
 * @buf: @buf->len bytes of @buf->data; the device owns it on success
 *
 * Atomic. Return: 0; -ENOSPC if the queue is full; -ENODEV if the port is
 * gone; or the ring's error.
 */
int vbcon_port_send(struct vbcon_port *port, struct vbcon_buf *buf)
{
	struct scatterlist sg;
	unsigned long flags;
	int err = -ENODEV;

	sg_init_one(&sg, buf->data, buf->len);
	spin_lock_irqsave(&port->lock, flags);
	if (!port->gone) {
		err = virtbus_vq_add_outbuf(port->out_vq, &sg, 1, buf, GFP_ATOMIC);
		/*
		 * Under the lock: once the port is gone its queue may be
		 * deleted, so nobody may still be notifying through it.
		 */
		if (!err)
			virtbus_vq_kick(port->out_vq);
	}
	spin_unlock_irqrestore(&port->lock, flags);
	return err;
}

/**
 * vbcon_port_requeue - give a receive buffer back to the device
 * @port: the port
 * @buf: a buffer of VBCON_RX_SIZE bytes; freed if the port is gone
 */
void vbcon_port_requeue(struct vbcon_port *port, struct vbcon_buf *buf)
{
	struct scatterlist sg;
	unsigned long flags;
	int err = -ENODEV;

	sg_init_one(&sg, buf->data, VBCON_RX_SIZE);
	spin_lock_irqsave(&port->lock, flags);
	if (!port->gone) {
		err = virtbus_vq_add_inbuf(port->in_vq, &sg, 1, buf, GFP_ATOMIC);
		if (!err)
			virtbus_vq_kick(port->in_vq);
	}
	spin_unlock_irqrestore(&port->lock, flags);
	if (err)
		kfree(buf);
}

/**
 * vbcon_port_set_host - the host side opened or closed the port
 * @port: the port
 * @connected: open
 */
void vbcon_port_set_host(struct vbcon_port *port, bool connected)
{
	spin_lock_irq(&port->lock);
	if (!port->gone)
		port->host_connected = connected;
	spin_unlock_irq(&port->lock);
	if (!port->is_console)
		vbcon_cdev_wakeup(port, !connected);
}

/* Mark a port gone: from here on nothing reaches the device through it. */
static void vbcon_port_kill(struct vbcon *con, struct vbcon_port *port)
{
	spin_lock_irq(&con->ports_lock);
	spin_lock(&port->lock);
	port->gone = true;
	port->host_connected = false;
	spin_unlock(&port->lock);
	spin_unlock_irq(&con->ports_lock);
	if (!port->is_console)
		vbcon_cdev_wakeup(port, true);
}

/*
 * Take a dead port apart: its buffers, its node, the device's reference.
 * The device must no longer use the port's queues: it removed the port,
 * or was reset.
 */
static void vbcon_port_finish(struct vbcon *con, struct vbcon_port *port)
{
	struct vbcon_buf *buf;

	spin_lock_irq(&con->ports_lock);
	con->ports[port->id] = NULL;
	while ((buf = virtbus_vq_detach_unused_buf(port->in_vq)))
		kfree(buf);
	while ((buf = virtbus_vq_detach_unused_buf(port->out_vq)))
		kfree(buf);
	spin_lock(&port->lock);
	vbcon_free_bufs(&port->rx);
	spin_unlock(&port->lock);
	spin_unlock_irq(&con->ports_lock);

	if (port->is_console)
		vbcon_tty_remove(port);
	else
		vbcon_cdev_remove(port);
	vbcon_port_put(port);
}

/**
 * vbcon_port_remove - the device removed a port
 * @con: the device
 * @port: the port, with a reference the caller keeps
 */
void vbcon_port_remove(struct vbcon *con, struct vbcon_port *port)
{
	vbcon_port_kill(con, port);
	vbcon_port_finish(con, port);
}

static struct vbcon_port *vbcon_port_alloc(struct vbcon *con, u32 id)
{
	struct vbcon_port *port;
	unsigned int in = id ? 2 * id + 2 : 0;

	port = kzalloc(sizeof(*port), GFP_KERNEL);
	if (!port)
		return NULL;
	kref_init(&port->kref);
	port->con = con;
	port->id = id;
	port->in_vq = con->vqs[in];
	port->out_vq = con->vqs[in + 1];
	spin_lock_init(&port->lock);
	INIT_LIST_HEAD(&port->rx);
	mutex_init(&port->read_lock);
	init_waitqueue_head(&port->waitq);
	port->index = -1;
	tty_port_init(&port->tport);
	return port;
}

/**
 * vbcon_port_add - make a port the device announced
 * @con: the device
 * @id: its id, below max_ports and not in use
 *
 * A generic port until the device says it is a console.
 *
 * Return: the port (owned by the device), or an ERR_PTR.
 */
struct vbcon_port *vbcon_port_add(struct vbcon *con, u32 id)
{
	struct vbcon_port *port;
	struct vbcon_buf *buf;
	unsigned int i;
	int err;

	port = vbcon_port_alloc(con, id);
	if (!port)
		return ERR_PTR(-ENOMEM);
	spin_lock_irq(&con->ports_lock);
	con->ports[id] = port;
	spin_unlock_irq(&con->ports_lock);

	for (i = 0; i < VBCON_RX_BUFS; i++) {
		buf = kmalloc(sizeof(*buf) + VBCON_RX_SIZE, GFP_KERNEL);
		if (!buf)
			break;
		vbcon_port_requeue(port, buf);
	}
	err = i ? vbcon_cdev_add(port) : -ENOMEM;
	if (err) {
		dev_err(&con->vdev->dev, "port %u: cannot add it: %d\n", id, err);
		vbcon_port_remove(con, port);
		return ERR_PTR(err);
	}
	return port;
}

static void vbcon_config_changed(struct virtbus_device *vdev)
{
	struct vbcon *con = vdev->priv;
	struct vbcon_port *port;

	/* With MULTIPORT, sizes come as RESIZE messages instead. */
	if (con->multiport || !virtbus_has_feature(vdev, VIRTBUS_CONSOLE_F_SIZE))
		return;
	port = vbcon_port_lookup(con, 0);
	if (!port)
		return;
	vbcon_tty_resize(port, virtbus_cread16(vdev, VBCON_CFG(cols)),
			 virtbus_cread16(vdev, VBCON_CFG(rows)));
	vbcon_port_put(port);
}

static int vbcon_find_vqs(struct vbcon *con, unsigned int nvqs)
{
	struct virtbus_vq_info *info;
	unsigned int i;
	int err;

	info = kcalloc(nvqs, sizeof(*info), GFP_KERNEL);
	con->vqs = kcalloc(nvqs, sizeof(*con->vqs), GFP_KERNEL);
	if (!info || !con->vqs) {
		kfree(info);
		return -ENOMEM;
	}
	for (i = 0; i < nvqs; i++) {
		if (i == 2 || i == 3) {
			info[i].name = i == 2 ? "control-in" : "control-out";
			info[i].callback = i == 2 ? vbcon_ctrl_in_done :
						    vbcon_ctrl_out_done;
		} else {
			info[i].name = i & 1 ? "out" : "in";
			info[i].callback = i & 1 ? vbcon_out_done : vbcon_in_done;
		}
	}
	err = virtbus_find_vqs(con->vdev, nvqs, con->vqs, info);
	kfree(info);
	if (!err && con->multiport) {
		con->c_ivq = con->vqs[2];
		con->c_ovq = con->vqs[3];
	}
	return err;
}

/* Every buffer still on any queue of a reset device. */
static void vbcon_drain_vqs(struct vbcon *con, unsigned int nvqs)
{
	struct vbcon_buf *buf;
	unsigned int i;

	for (i = 0; i < nvqs; i++)
		while ((buf = virtbus_vq_detach_unused_buf(con->vqs[i])))
			kfree(buf);
}

static unsigned int vbcon_nvqs(const struct vbcon *con)
{
	return con->multiport ? 2 * con->max_ports + 2 : 2;
}

static int vbcon_probe(struct virtbus_device *vdev)
{
	struct vbcon_port *port;
	struct vbcon_buf *buf;
	struct vbcon *con;
	unsigned int i;
	int err;

	con = kzalloc(sizeof(*con), GFP_KERNEL);
	if (!con)
		return -ENOMEM;
	con->vdev = vdev;
	spin_lock_init(&con->ports_lock);
	spin_lock_init(&con->c_lock);
	INIT_WORK(&con->ctrl_work, vbcon_ctrl_work);
	vdev->priv = con;

	con->max_ports = 1;
	con->multiport = virtbus_has_feature(vdev, VIRTBUS_CONSOLE_F_MULTIPORT);
	if (con->multiport) {
		con->max_ports = virtbus_cread32(vdev, VBCON_CFG(max_nr_ports));
		if (!con->max_ports) {
			dev_err(&vdev->dev, "MULTIPORT with no ports\n");
			err = -EINVAL;
			goto out_free;
		}
		if (con->max_ports > VBCON_MAX_PORTS) {
			dev_warn(&vdev->dev, "%u ports offered, using %u\n",
				 con->max_ports, VBCON_MAX_PORTS);
			con->max_ports = VBCON_MAX_PORTS;
		}
	}
	con->ports = kcalloc(con->max_ports, sizeof(*con->ports), GFP_KERNEL);
	if (!con->ports) {
		err = -ENOMEM;
		goto out_free;
	}
	err = vbcon_find_vqs(con, vbcon_nvqs(con));
	if (err)
		goto out_free;

	if (con->multiport) {
		err = vbcon_ctrl_fill(con);
		if (err)
			goto out_vqs;
		virtbus_device_ready(vdev);
		/* The device answers with a PORT_ADD for each port. */
		vbcon_ctrl_send(con, 0, VIRTBUS_CONSOLE_DEVICE_READY, 1);
		return 0;
	}

	virtbus_device_ready(vdev);
	port = vbcon_port_alloc(con, 0);
	if (!port) {
		err = -ENOMEM;
		goto out_reset;
	}
	spin_lock_irq(&con->ports_lock);
	con->ports[0] = port;
	spin_unlock_irq(&con->ports_lock);
	port->host_connected = true;
	err = vbcon_tty_add(port);
	if (err)
		goto out_port;
	/* The tty is there: its buffers may be filled now. */
	for (i = 0; i < VBCON_RX_BUFS; i++) {
		buf = kmalloc(sizeof(*buf) + VBCON_RX_SIZE, GFP_KERNEL);
		if (!buf)
			break;
		vbcon_port_requeue(port, buf);
	}
	vbcon_config_changed(vdev);
	return 0;

out_port:
	vbcon_port_kill(con, port);
	virtbus_reset_device(vdev);
	/* Not a tty: finishing it as a generic port is a no-op for the node. */
	vbcon_port_finish(con, port);
	goto out_drain;
out_reset:
	virtbus_reset_device(vdev);
out_drain:
	vbcon_drain_vqs(con, vbcon_nvqs(con));
out_vqs:
	if (con->multiport)
		virtbus_reset_device(vdev);
	virtbus_del_vqs(vdev);
out_free:
	kfree(con->vqs);
	kfree(con->ports);
	kfree(con);
	vdev->priv = NULL;
	return err;
}

static void vbcon_remove(struct virtbus_device *vdev)
{
	struct vbcon *con = vdev->priv;
	struct vbcon_port *port;
	u32 id;

	spin_lock_irq(&con->c_lock);
	con->removing = true;
	spin_unlock_irq(&con->c_lock);
	cancel_work_sync(&con->ctrl_work);

	/* Nobody starts anything new on a port, then the device stops. */
	for (id = 0; id < con->max_ports; id++) {
		port = con->ports[id];
		if (port)
			vbcon_port_kill(con, port);
	}
	virtbus_reset_device(vdev);
	for (id = 0; id < con->max_ports; id++) {
		port = con->ports[id];
		if (port)
			vbcon_port_finish(con, port);
	}
	vbcon_drain_vqs(con, vbcon_nvqs(con));
	virtbus_del_vqs(vdev);
	vdev->priv = NULL;
	kfree(con->vqs);
	kfree(con->ports);
	kfree(con);
}

static const unsigned int vbcon_features[] = {
	VIRTBUS_CONSOLE_F_SIZE,
	VIRTBUS_CONSOLE_F_MULTIPORT,
	VIRTBUS_CONSOLE_F_EMERG_WRITE,
};

VIRTBUS_DEVICE_TABLE(vbcon_ids, VIRTBUS_ID_CONSOLE, VIRTBUS_VENDOR_ANY);

static struct virtbus_driver vbcon_driver = {
	.driver.name = "virtbus_console",
	.id_table = vbcon_ids,
	.feature_table = vbcon_features,
	.feature_table_size = ARRAY_SIZE(vbcon_features),
	.probe = vbcon_probe,
	.remove = vbcon_remove,
	.config_changed = vbcon_config_changed,
};

static int __init vbcon_init(void)
{
	int err;

	err = vbcon_tty_init();
	if (err)
		return err;
	err = vbcon_cdev_init();
	if (err)
		goto out_tty;
	err = virtbus_register_driver(&vbcon_driver);
	if (err)
		goto out_cdev;
	return 0;

out_cdev:
	vbcon_cdev_exit();
out_tty:
	vbcon_tty_exit();
	return err;
}

static void __exit vbcon_exit(void)
{
	virtbus_unregister_driver(&vbcon_driver);
	vbcon_cdev_exit();
	vbcon_tty_exit();
}

module_init(vbcon_init);
module_exit(vbcon_exit);

MODULE_DESCRIPTION("virtbus console and serial port driver");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(VIRTBUS);

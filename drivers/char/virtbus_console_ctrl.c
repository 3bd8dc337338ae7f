// SPDX-License-Identifier: GPL-2.0
/*
 * virtbus_console: the control queue of a MULTIPORT device.
 *
 * The device tells us of ports coming and going, which of them are
 * consoles, their names, sizes, and whether the host side has them open;
 * we tell it we are ready and when the guest side opens or closes a
 * port. Messages arrive in interrupt context and are handled in a work
 * item, one at a time, in order. Each is checked first; a bad one is
 * dropped with a rate-limited message and the device goes on.
 */
#include <linux/ratelimit.h>
#include <linux/slab.h>
#include "virtbus_console.h"

static void vbcon_ctrl_refuse(struct vbcon *con, u32 id, u16 event,
			      const char *why)
{
	dev_warn_ratelimited(&con->vdev->dev,
			     "control message %u for port %u refused: %s\n",
			     event, id, why);
}

static void vbcon_ctrl_post(struct vbcon *con, struct vbcon_buf *buf)
{
	struct scatterlist sg;
	unsigned long flags;
	int err = -ENODEV;

	sg_init_one(&sg, buf->data, VBCON_CTRL_BUF);
	spin_lock_irqsave(&con->c_lock, flags);
	if (!con->removing) {
		err = virtbus_vq_add_inbuf(con->c_ivq, &sg, 1, buf, GFP_ATOMIC);
		/* Under the lock: remove deletes the queue once removing. */
		if (!err)
			virtbus_vq_kick(con->c_ivq);
	}
	spin_unlock_irqrestore(&con->c_lock, flags);
	if (err)
		kfree(buf);
}

/**
 * vbcon_ctrl_fill - post the control queue's receive buffers
 * @con: the device
 *
 * Return: 0, or -ENOMEM if not even one could be posted.
 */
int vbcon_ctrl_fill(struct vbcon *con)
{
	struct vbcon_buf *buf;
	unsigned int i;

	for (i = 0; i < VBCON_CTRL_BUFS; i++) {
		buf = kmalloc(sizeof(*buf) + VBCON_CTRL_BUF, GFP_KERNEL);
		if (!buf)
			break;
		vbcon_ctrl_post(con, buf);
	}
	return i ? 0 : -ENOMEM;
}

/**
 * vbcon_ctrl_send - tell the device something about a port
 * @con: the device
 * @id: the port
 * @event: VIRTBUS_CONSOLE_*
 * @value: the event's value
 *
 * May be called in atomic context. A message that finds no memory or no
 * room is dropped: the device's view of the port is then stale, which
 * it survives, as the kernel's own driver has it too.
 */
void vbcon_ctrl_send(struct vbcon *con, u32 id, u16 event, u16 value)
{
	struct virtbus_console_control *c;
	struct vbcon_buf *buf;
	struct scatterlist sg;
	unsigned long flags;
	unsigned int len;
	int err = -ENODEV;

	if (!con->multiport)
		return;
	buf = kmalloc(sizeof(*buf) + sizeof(*c), GFP_ATOMIC);
	if (!buf)
		return;
	c = (void *)buf->data;
	c->id = cpu_to_le32(id);
	c->event = cpu_to_le16(event);
	c->value = cpu_to_le16(value);
	sg_init_one(&sg, c, sizeof(*c));

	spin_lock_irqsave(&con->c_lock, flags);
	if (!con->removing) {
		struct vbcon_buf *done;

		while ((done = virtbus_vq_get_buf(con->c_ovq, &len)))
			kfree(done);
		err = virtbus_vq_add_outbuf(con->c_ovq, &sg, 1, buf, GFP_ATOMIC);
		if (!err)
			virtbus_vq_kick(con->c_ovq);
	}
	spin_unlock_irqrestore(&con->c_lock, flags);
	if (err) {
		dev_warn_ratelimited(&con->vdev->dev,
				     "control message %u for port %u not sent: %d\n",
				     event, id, err);
		kfree(buf);
	}
}

void vbcon_ctrl_out_done(struct virtbus_vq *vq)
{
	struct vbcon *con = vq->vdev->priv;
	struct vbcon_buf *done;
	unsigned long flags;
	unsigned int len;

	spin_lock_irqsave(&con->c_lock, flags);
	while ((done = virtbus_vq_get_buf(vq, &len)))
		kfree(done);
	spin_unlock_irqrestore(&con->c_lock, flags);
}

void vbcon_ctrl_in_done(struct virtbus_vq *vq)
{
	struct vbcon *con = vq->vdev->priv;

	schedule_work(&con->ctrl_work);
}

static void vbcon_ctrl_handle(struct vbcon *con, const struct vbcon_ctrl_msg *m)
{
	struct vbcon_port *port;
	const char *name;

	if (m->event == VIRTBUS_CONSOLE_DEVICE_ADD) {
		port = vbcon_port_lookup(con, m->id);
		if (port) {
			vbcon_port_put(port);
			vbcon_ctrl_refuse(con, m->id, m->event, "port exists");
			return;
		}
		port = vbcon_port_add(con, m->id);
		vbcon_ctrl_send(con, m->id, VIRTBUS_CONSOLE_PORT_READY,
				!IS_ERR(port));
		return;
	}

	port = vbcon_port_lookup(con, m->id);
	if (!port) {
		vbcon_ctrl_refuse(con, m->id, m->event, "no such port");
		return;
	}
	switch (m->event) {
	case VIRTBUS_CONSOLE_DEVICE_REMOVE:
		vbcon_port_remove(con, port);
		break;
	case VIRTBUS_CONSOLE_CONSOLE_PORT:
		if (port->is_console) {
			vbcon_ctrl_refuse(con, m->id, m->event, "already a console");
			break;
		}
		/* The generic node goes; the port becomes ttyVB<N>. */
		vbcon_cdev_remove(port);
		if (!vbcon_tty_add(port)) {
			vbcon_port_set_host(port, true);
			/* The host side learns we are there. */
			vbcon_ctrl_send(con, m->id, VIRTBUS_CONSOLE_PORT_OPEN, 1);
		}
		break;
	case VIRTBUS_CONSOLE_RESIZE:
		if (!port->is_console) {
			vbcon_ctrl_refuse(con, m->id, m->event, "not a console");
			break;
		}
		vbcon_tty_resize(port, m->cols, m->rows);
		break;
	case VIRTBUS_CONSOLE_PORT_OPEN:
		vbcon_port_set_host(port, m->value);
		break;
	case VIRTBUS_CONSOLE_PORT_NAME:
		if (READ_ONCE(port->name)) {
			vbcon_ctrl_refuse(con, m->id, m->event, "named already");
			break;
		}
		name = kstrndup(m->name, m->name_len, GFP_KERNEL);
		if (!name)
			break;
		/* Read without a lock by the name attribute: publish it whole. */
		smp_store_release(&port->name, name);
		if (!port->is_console)
			vbcon_cdev_named(port);
		break;
	}
	vbcon_port_put(port);
}

void vbcon_ctrl_work(struct work_struct *work)
{
	struct vbcon *con = container_of(work, struct vbcon, ctrl_work);
	struct vbcon_ctrl_msg msg;
	struct vbcon_buf *buf;
	const char *why;
	unsigned int len;

	for (;;) {
		spin_lock_irq(&con->c_lock);
		buf = con->removing ? NULL : virtbus_vq_get_buf(con->c_ivq, &len);
		spin_unlock_irq(&con->c_lock);
		if (!buf)
			break;
		/* The ring has checked len against the buffer we posted. */
		if (vbcon_parse_ctrl(buf->data, len, con->max_ports, &msg, &why))
			vbcon_ctrl_refuse(con, msg.id, msg.event, why);
		else
			vbcon_ctrl_handle(con, &msg);
		vbcon_ctrl_post(con, buf);
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * virtbus_console: console ports as ttys, ttyVB<N>, and the kernel
 * console on them (console=ttyVB0).
 *
 * A tty driver of our own rather than hvc: hvc's names belong to the
 * kernel's virtio_console, which may drive other devices in the same
 * guest. N is the first index free when the port becomes a console;
 * the ports of all devices share the numbers.
 *
 * A tty holds a reference to its port from install to cleanup, so the
 * port outlives a device that goes while the tty is open; the tty is
 * hung up then, and its file sees EIO and EOF as after any hangup.
 */
#include <linux/console.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/tty_flip.h>
#include "virtbus_console.h"

#define VBCON_TTYS	64

static struct tty_driver *vbcon_tty_driver;
/* The console ports by tty index; the lock keeps them while in use. */
static struct vbcon_port *vbcon_ttys[VBCON_TTYS];
static DEFINE_SPINLOCK(vbcon_ttys_lock);
static DEFINE_IDA(vbcon_tty_ida);
static DEFINE_MUTEX(vbcon_console_mutex);
static bool vbcon_console_registered;

/* The port behind tty index @index with a reference, or NULL. */
static struct vbcon_port *vbcon_tty_port(unsigned int index)
{
	struct vbcon_port *port = NULL;
	unsigned long flags;

	if (index >= VBCON_TTYS)
		return NULL;
	spin_lock_irqsave(&vbcon_ttys_lock, flags);
	port = vbcon_ttys[index];
	if (port)
		kref_get(&port->kref);
	spin_unlock_irqrestore(&vbcon_ttys_lock, flags);
	return port;
}

/* Copy @len bytes to the device; atomic. Return: bytes taken. */
static int vbcon_tty_send(struct vbcon_port *port, const u8 *data, int len)
{
	struct vbcon_buf *buf;

	len = min(len, VBCON_TX_MAX);
	if (len <= 0)
		return 0;
	buf = kmalloc(sizeof(*buf) + len, GFP_ATOMIC);
	if (!buf)
		return 0;
	memcpy(buf->data, data, len);
	buf->len = len;
	if (vbcon_port_send(port, buf)) {
		kfree(buf);
		return 0;
	}
	return len;
}

/* Kernel messages, in any context. */
static void vbcon_console_write(struct console *co, const char *s,
				unsigned int n)
{
	struct vbcon_port *port = vbcon_tty_port(co->index);
	struct virtbus_device *vdev;
	unsigned long flags;
	int sent;

	if (!port)
		return;
	sent = vbcon_tty_send(port, s, n);
	/*
	 * No room or no memory: a device with EMERG_WRITE takes the rest
	 * one character at a time through config space.
	 */
	spin_lock_irqsave(&port->lock, flags);
	if (sent < n && !port->gone && port->id == 0) {
		vdev = port->con->vdev;
		if (virtbus_has_feature(vdev, VIRTBUS_CONSOLE_F_EMERG_WRITE))
			for (; sent < n; sent++)
				virtbus_cwrite32(vdev,
						 offsetof(struct virtbus_console_config, emerg_wr),
						 (u8)s[sent]);
	}
	spin_unlock_irqrestore(&port->lock, flags);
	vbcon_port_put(port);
}

static struct tty_driver *vbcon_console_device(struct console *co, int *index)
{
	*index = co->index;
	return vbcon_tty_driver;
}

static struct console vbcon_console = {
	.name = "ttyVB",
	.write = vbcon_console_write,
	.device = vbcon_console_device,
	.flags = CON_PRINTBUFFER,
	.index = -1,
};

static int vbcon_tty_install(struct tty_driver *driver, struct tty_struct *tty)
{
	struct vbcon_port *port = vbcon_tty_port(tty->index);
	int err;

	if (!port)
		return -ENODEV;
	tty->driver_data = port;
	err = tty_port_install(&port->tport, driver, tty);
	if (err)
		vbcon_port_put(port);
	return err;
}

static void vbcon_tty_cleanup(struct tty_struct *tty)
{
	vbcon_port_put(tty->driver_data);
}

static int vbcon_tty_open(struct tty_struct *tty, struct file *filp)
{
	struct vbcon_port *port = tty->driver_data;

	return tty_port_open(&port->tport, tty, filp);
}

static void vbcon_tty_close(struct tty_struct *tty, struct file *filp)
{
	struct vbcon_port *port = tty->driver_data;

	tty_port_close(&port->tport, tty, filp);
}

static void vbcon_tty_hangup(struct tty_struct *tty)
{
	struct vbcon_port *port = tty->driver_data;

	tty_port_hangup(&port->tport);
}

#ifdef VIRTBUS_HAVE_TTY_WRITE_SIZE_T
static ssize_t vbcon_tty_write(struct tty_struct *tty, const u8 *s,
			       size_t count)
{
	return vbcon_tty_send(tty->driver_data, s, min_t(size_t, count, VBCON_TX_MAX));
}
#else
static int vbcon_tty_write(struct tty_struct *tty, const unsigned char *s,
			   int count)
{
	return vbcon_tty_send(tty->driver_data, s, count);
}
#endif

static unsigned int vbcon_tty_write_room(struct tty_struct *tty)
{
	struct vbcon_port *port = tty->driver_data;
	unsigned int room;
	unsigned long flags;

	spin_lock_irqsave(&port->lock, flags);
	room = !port->gone && port->out_vq->num_free ? VBCON_TX_MAX : 0;
	spin_unlock_irqrestore(&port->lock, flags);
	return room;
}

static const struct tty_operations vbcon_tty_ops = {
	.install = vbcon_tty_install,
	.cleanup = vbcon_tty_cleanup,
	.open = vbcon_tty_open,
	.close = vbcon_tty_close,
	.hangup = vbcon_tty_hangup,
	.write = vbcon_tty_write,
	.write_room = vbcon_tty_write_room,
};

static int vbcon_tty_activate(struct tty_port *tport, struct tty_struct *tty)
{
	struct vbcon_port *port = container_of(tport, struct vbcon_port, tport);
	unsigned long flags;

	spin_lock_irqsave(&port->lock, flags);
	if (!port->gone)
		vbcon_ctrl_send(port->con, port->id, VIRTBUS_CONSOLE_PORT_OPEN, 1);
	spin_unlock_irqrestore(&port->lock, flags);
	return 0;
}

static const struct tty_port_operations vbcon_tty_port_ops = {
	.activate = vbcon_tty_activate,
};

/**
 * vbcon_tty_rx - data for a console port; under the port's lock
 * @port: the port
 * @buf: what the device wrote; posted again at once
 *
 * What the tty layer has no room for is dropped, as on a serial line.
 */
void vbcon_tty_rx(struct vbcon_port *port, struct vbcon_buf *buf)
{
	struct scatterlist sg;

	tty_insert_flip_string(&port->tport, buf->data, buf->len);
	tty_flip_buffer_push(&port->tport);
	sg_init_one(&sg, buf->data, VBCON_RX_SIZE);
	if (virtbus_vq_add_inbuf(port->in_vq, &sg, 1, buf, GFP_ATOMIC))
		kfree(buf);
	else
		virtbus_vq_kick(port->in_vq);
}

/**
 * vbcon_tty_wakeup - the device took what a console port sent
 * @port: the port
 */
void vbcon_tty_wakeup(struct vbcon_port *port)
{
	tty_port_tty_wakeup(&port->tport);
}

/**
 * vbcon_tty_resize - the host's terminal has a new size
 * @port: a console port
 * @cols: columns
 * @rows: rows
 *
 * Sleeps.
 */
void vbcon_tty_resize(struct vbcon_port *port, u16 cols, u16 rows)
{
	struct winsize ws = { .ws_row = rows, .ws_col = cols };
	struct tty_struct *tty;

	tty = tty_port_tty_get(&port->tport);
	if (!tty)
		return;
	tty_do_resize(tty, &ws);
	tty_kref_put(tty);
}

/**
 * vbcon_tty_add - make a port ttyVB<N>
 * @port: a port with no node
 *
 * Return: 0 or an error; the port stays without a node then.
 */
int vbcon_tty_add(struct vbcon_port *port)
{
	struct device *dev;
	int index;

	index = ida_alloc_max(&vbcon_tty_ida, VBCON_TTYS - 1, GFP_KERNEL);
	if (index < 0)
		return index;
	port->tport.ops = &vbcon_tty_port_ops;
	spin_lock_irq(&port->lock);
	port->is_console = true;
	port->index = index;
	spin_unlock_irq(&port->lock);
	spin_lock_irq(&vbcon_ttys_lock);
	vbcon_ttys[index] = port;
	spin_unlock_irq(&vbcon_ttys_lock);

	dev = tty_port_register_device(&port->tport, vbcon_tty_driver, index,
				       &port->con->vdev->dev);
	if (IS_ERR(dev)) {
		vbcon_tty_remove(port);
		return PTR_ERR(dev);
	}
	/*
	 * The first console port makes the console known; with console=
	 * ttyVB<N> on the command line it is the kernel's console from now
	 * on, the log so far included, whenever the module loaded.
	 */
	mutex_lock(&vbcon_console_mutex);
	if (!vbcon_console_registered) {
		register_console(&vbcon_console);
		vbcon_console_registered = true;
	}
	mutex_unlock(&vbcon_console_mutex);
	return 0;
}

/**
 * vbcon_tty_remove - take ttyVB<N> away from a dead port
 * @port: the port
 *
 * Its tty, if open, is hung up: reads see EOF, writes EIO.
 */
void vbcon_tty_remove(struct vbcon_port *port)
{
	int index = port->index;

	if (index < 0)
		return;
	spin_lock_irq(&vbcon_ttys_lock);
	vbcon_ttys[index] = NULL;
	spin_unlock_irq(&vbcon_ttys_lock);
	tty_unregister_device(vbcon_tty_driver, index);
	tty_port_tty_hangup(&port->tport, false);
	port->index = -1;
	ida_free(&vbcon_tty_ida, index);
}

int vbcon_tty_init(void)
{
	struct tty_driver *drv;
	int err;

	drv = tty_alloc_driver(VBCON_TTYS, TTY_DRIVER_REAL_RAW |
			       TTY_DRIVER_DYNAMIC_DEV);
	if (IS_ERR(drv))
		return PTR_ERR(drv);
	drv->driver_name = "virtbus_console";
	drv->name = "ttyVB";
	drv->major = 0;
	drv->type = TTY_DRIVER_TYPE_SYSTEM;
	drv->subtype = SYSTEM_TYPE_CONSOLE;
	drv->init_termios = tty_std_termios;
	/* No modem lines: never wait for a carrier. */
	drv->init_termios.c_cflag |= CLOCAL;
	tty_set_operations(drv, &vbcon_tty_ops);
	err = tty_register_driver(drv);
	if (err) {
		tty_driver_kref_put(drv);
		return err;
	}
	vbcon_tty_driver = drv;
	return 0;
}

void vbcon_tty_exit(void)
{
	if (vbcon_console_registered)
		unregister_console(&vbcon_console);
	tty_unregister_driver(vbcon_tty_driver);
	tty_driver_kref_put(vbcon_tty_driver);
}

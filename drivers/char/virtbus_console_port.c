// SPDX-License-Identifier: GPL-2.0
/*
 * virtbus_console: generic ports as character devices, /dev/vbport<N>p<M>
 * (N the virtbus device, M the port), with the port's name in sysfs for
 * udev's /dev/virtbus-ports/<name> link.
 *
 * One opener at a time, as the agents on such ports expect. A read
 * returns what the host sent; EOF while the host side is closed and
 * nothing is left to read. A write waits for the host side to be open
 * and for room on the queue. poll says EPOLLHUP while the host side is
 * closed. When the port or its device goes, the file stays valid (it
 * holds a reference to the port): reads see EOF, writes -ENODEV.
 */
#include <linux/cdev.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>
#include "virtbus_console.h"

#define VBCON_MINORS	1024

static dev_t vbcon_devt;
static struct cdev vbcon_cdev;
static struct class *vbcon_class;
/* The generic ports by minor; xa_lock keeps a port while it is taken. */
static DEFINE_XARRAY_ALLOC(vbcon_minors);

static bool vbcon_can_read(struct vbcon_port *port)
{
	bool ret;

	spin_lock_irq(&port->lock);
	ret = !list_empty(&port->rx) || !port->host_connected || port->gone;
	spin_unlock_irq(&port->lock);
	return ret;
}

/* Nothing to read and nothing coming: the host side closed, or gone. */
static bool vbcon_at_eof(struct vbcon_port *port)
{
	bool ret;

	spin_lock_irq(&port->lock);
	ret = list_empty(&port->rx) && (!port->host_connected || port->gone);
	spin_unlock_irq(&port->lock);
	return ret;
}

static bool vbcon_can_write(struct vbcon_port *port)
{
	bool ret;

	spin_lock_irq(&port->lock);
	ret = port->gone ||
	      (port->host_connected && port->out_vq->num_free);
	spin_unlock_irq(&port->lock);
	return ret;
}

/* The first received buffer, off the list, or NULL. */
static struct vbcon_buf *vbcon_take(struct vbcon_port *port)
{
	struct vbcon_buf *buf;

	spin_lock_irq(&port->lock);
	buf = list_first_entry_or_null(&port->rx, struct vbcon_buf, list);
	if (buf)
		list_del(&buf->list);
	spin_unlock_irq(&port->lock);
	return buf;
}

static ssize_t vbcon_read(struct file *file, char __user *ubuf, size_t count,
			  loff_t *ppos)
{
	struct vbcon_port *port = file->private_data;
	struct vbcon_buf *buf;
	size_t n;
	int err;

	if (!count)
		return 0;
	if (mutex_lock_interruptible(&port->read_lock))
		return -ERESTARTSYS;
	for (;;) {
		buf = vbcon_take(port);
		if (buf || vbcon_at_eof(port))
			break;
		err = -EAGAIN;
		if (file->f_flags & O_NONBLOCK)
			goto out;
		err = wait_event_interruptible(port->waitq, vbcon_can_read(port));
		if (err)
			goto out;
	}
	err = 0;
	if (!buf)
		goto out;	/* EOF: host closed, or the port is gone */

	n = min_t(size_t, count, buf->len - buf->off);
	if (copy_to_user(ubuf, buf->data + buf->off, n)) {
		n = 0;
		err = -EFAULT;
	}
	buf->off += n;
	if (buf->off < buf->len) {
		/* The rest is read next; gone ports have their list freed. */
		spin_lock_irq(&port->lock);
		if (port->gone)
			kfree(buf);
		else
			list_add(&buf->list, &port->rx);
		spin_unlock_irq(&port->lock);
	} else {
		vbcon_port_requeue(port, buf);
	}
	mutex_unlock(&port->read_lock);
	return err ?: n;
out:
	mutex_unlock(&port->read_lock);
	return err;
}

static ssize_t vbcon_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	struct vbcon_port *port = file->private_data;
	struct vbcon_buf *buf;
	size_t n;
	int err;

	if (!count)
		return 0;
	n = min_t(size_t, count, VBCON_TX_MAX);
	n = min_t(size_t, n, virtbus_vq_max_dma_size(port->out_vq));
	buf = kmalloc(sizeof(*buf) + n, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (copy_from_user(buf->data, ubuf, n)) {
		kfree(buf);
		return -EFAULT;
	}
	buf->len = n;
	for (;;) {
		err = -ENOTCONN;
		spin_lock_irq(&port->lock);
		if (port->host_connected || port->gone)
			err = 0;
		spin_unlock_irq(&port->lock);
		if (!err) {
			err = vbcon_port_send(port, buf);
			if (err != -ENOSPC)
				break;
		}
		err = -EAGAIN;
		if (file->f_flags & O_NONBLOCK)
			break;
		err = wait_event_interruptible(port->waitq, vbcon_can_write(port));
		if (err)
			break;
	}
	if (err) {
		kfree(buf);
		return err;
	}
	return n;
}

static __poll_t vbcon_poll(struct file *file, poll_table *wait)
{
	struct vbcon_port *port = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &port->waitq, wait);
	spin_lock_irq(&port->lock);
	if (port->gone)
		mask = EPOLLHUP | EPOLLERR;
	else if (!port->host_connected)
		mask = EPOLLHUP;
	if (!list_empty(&port->rx) || mask)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (!port->gone && port->host_connected && port->out_vq->num_free)
		mask |= EPOLLOUT | EPOLLWRNORM;
	spin_unlock_irq(&port->lock);
	return mask;
}

static int vbcon_fasync(int fd, struct file *file, int on)
{
	struct vbcon_port *port = file->private_data;

	return fasync_helper(fd, file, on, &port->async);
}

static int vbcon_open(struct inode *inode, struct file *file)
{
	struct vbcon_port *port;

	xa_lock(&vbcon_minors);
	port = xa_load(&vbcon_minors, iminor(inode));
	if (port)
		kref_get(&port->kref);
	xa_unlock(&vbcon_minors);
	if (!port)
		return -ENXIO;
	if (test_and_set_bit(0, &port->opened)) {
		vbcon_port_put(port);
		return -EBUSY;
	}
	file->private_data = port;
	spin_lock_irq(&port->lock);
	if (!port->gone)
		vbcon_ctrl_send(port->con, port->id, VIRTBUS_CONSOLE_PORT_OPEN, 1);
	spin_unlock_irq(&port->lock);
	return stream_open(inode, file);
}

static int vbcon_release(struct inode *inode, struct file *file)
{
	struct vbcon_port *port = file->private_data;
	struct vbcon_buf *buf;

	spin_lock_irq(&port->lock);
	if (!port->gone)
		vbcon_ctrl_send(port->con, port->id, VIRTBUS_CONSOLE_PORT_OPEN, 0);
	spin_unlock_irq(&port->lock);
	/* What this opener left unread is not the next one's. */
	mutex_lock(&port->read_lock);
	while ((buf = vbcon_take(port)))
		vbcon_port_requeue(port, buf);
	mutex_unlock(&port->read_lock);
	clear_bit(0, &port->opened);
	vbcon_port_put(port);
	return 0;
}

static const struct file_operations vbcon_fops = {
	.owner = THIS_MODULE,
	.open = vbcon_open,
	.release = vbcon_release,
	.read = vbcon_read,
	.write = vbcon_write,
	.poll = vbcon_poll,
	.fasync = vbcon_fasync,
	.splice_write = iter_file_splice_write,
};

static ssize_t name_show(struct device *dev, struct device_attribute *attr,
			 char *out)
{
	struct vbcon_port *port = dev_get_drvdata(dev);
	/* Pairs with the release that publishes the name. */
	const char *name = smp_load_acquire(&port->name);

	return name ? sysfs_emit(out, "%s\n", name) : 0;
}
static DEVICE_ATTR_RO(name);

static struct attribute *vbcon_port_attrs[] = {
	&dev_attr_name.attr,
	NULL
};
ATTRIBUTE_GROUPS(vbcon_port);

/**
 * vbcon_cdev_wakeup - something changed for readers or writers
 * @port: a generic port
 * @hup: the host side closed, or the port went
 */
void vbcon_cdev_wakeup(struct vbcon_port *port, bool hup)
{
	wake_up_interruptible_all(&port->waitq);
	kill_fasync(&port->async, SIGIO, hup ? POLL_HUP : POLL_IN);
}

/**
 * vbcon_cdev_named - the port got its name: udev links it now
 * @port: a generic port
 */
void vbcon_cdev_named(struct vbcon_port *port)
{
	if (port->dev)
		kobject_uevent(&port->dev->kobj, KOBJ_CHANGE);
}

/**
 * vbcon_cdev_add - make /dev/vbport<N>p<M> for a port
 * @port: a port with no node
 *
 * Return: 0 or an error.
 */
int vbcon_cdev_add(struct vbcon_port *port)
{
	struct virtbus_device *vdev = port->con->vdev;
	struct device *dev;
	u32 minor;
	int err;

	err = xa_alloc(&vbcon_minors, &minor, port,
		       XA_LIMIT(0, VBCON_MINORS - 1), GFP_KERNEL);
	if (err)
		return err;
	dev = device_create_with_groups(vbcon_class, &vdev->dev,
					MKDEV(MAJOR(vbcon_devt), minor), port,
					vbcon_port_groups, "vbport%dp%u",
					vdev->index, port->id);
	if (IS_ERR(dev)) {
		xa_erase(&vbcon_minors, minor);
		return PTR_ERR(dev);
	}
	port->index = minor;
	port->dev = dev;
	return 0;
}

/**
 * vbcon_cdev_remove - take the node of a port away
 * @port: the port; open files on it stay valid
 */
void vbcon_cdev_remove(struct vbcon_port *port)
{
	if (!port->dev)
		return;
	xa_erase(&vbcon_minors, port->index);
	device_destroy(vbcon_class, MKDEV(MAJOR(vbcon_devt), port->index));
	port->dev = NULL;
	port->index = -1;
}

int vbcon_cdev_init(void)
{
	int err;

	err = alloc_chrdev_region(&vbcon_devt, 0, VBCON_MINORS, "vbport");
	if (err)
		return err;
	cdev_init(&vbcon_cdev, &vbcon_fops);
	vbcon_cdev.owner = THIS_MODULE;
	err = cdev_add(&vbcon_cdev, vbcon_devt, VBCON_MINORS);
	if (err)
		goto out_region;
#ifdef VIRTBUS_HAVE_CLASS_CREATE_NAME
	vbcon_class = class_create("vbport");
#else
	vbcon_class = class_create(THIS_MODULE, "vbport");
#endif
	if (IS_ERR(vbcon_class)) {
		err = PTR_ERR(vbcon_class);
		goto out_cdev;
	}
	return 0;

out_cdev:
	cdev_del(&vbcon_cdev);
out_region:
	unregister_chrdev_region(vbcon_devt, VBCON_MINORS);
	return err;
}

void vbcon_cdev_exit(void)
{
	class_destroy(vbcon_class);
	cdev_del(&vbcon_cdev);
	unregister_chrdev_region(vbcon_devt, VBCON_MINORS);
}

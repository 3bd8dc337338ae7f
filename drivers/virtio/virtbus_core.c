// SPDX-License-Identifier: GPL-2.0
/*
 * virtbus: the bus.
 *
 * Devices come from transports and carry a numeric device and vendor ID;
 * drivers bind by ID table. The bus announces each device to udev with a
 * MODALIAS of the form virtbus:dXXXXXXXXvXXXXXXXX so the matching driver
 * module loads by itself, runs the status handshake and feature
 * negotiation around the driver's probe, and resets the device on remove.
 */
#include <linux/idr.h>
#include <linux/module.h>
#include <virtbus/transport.h>

#include "virtbus_internal.h"

static DEFINE_IDA(virtbus_index_ida);

/**
 * virtbus_id_match - does one ID table entry match a device?
 * @id: the table entry; VIRTBUS_DEV_ANY and VIRTBUS_VENDOR_ANY match all
 * @dev_id: the device's IDs
 *
 * Return: true on a match.
 */
bool virtbus_id_match(const struct virtbus_device_id *id,
		      const struct virtbus_device_id *dev_id)
{
	if (id->device != VIRTBUS_DEV_ANY && id->device != dev_id->device)
		return false;
	return id->vendor == VIRTBUS_VENDOR_ANY || id->vendor == dev_id->vendor;
}
EXPORT_SYMBOL_NS_GPL(virtbus_id_match, VIRTBUS);

/**
 * virtbus_match_id_table - find the entry of an ID table matching a device
 * @table: the table, ended by an entry whose device is 0
 * @dev_id: the device's IDs
 *
 * Return: the first matching entry, or NULL.
 */
const struct virtbus_device_id *
virtbus_match_id_table(const struct virtbus_device_id *table,
		       const struct virtbus_device_id *dev_id)
{
	if (!table)
		return NULL;
	for (; table->device; table++)
		if (virtbus_id_match(table, dev_id))
			return table;
	return NULL;
}
EXPORT_SYMBOL_NS_GPL(virtbus_match_id_table, VIRTBUS);

#ifdef VIRTBUS_HAVE_CONST_DRIVER_MATCH
static int virtbus_bus_match(struct device *dev,
			     const struct device_driver *drv)
#else
static int virtbus_bus_match(struct device *dev, struct device_driver *drv)
#endif
{
	return !!virtbus_match_id_table(to_virtbus_driver(drv)->id_table,
					&to_virtbus_device(dev)->id);
}

#ifdef VIRTBUS_HAVE_CONST_DEVICE_UEVENT
static int virtbus_bus_uevent(const struct device *dev,
			      struct kobj_uevent_env *env)
#else
static int virtbus_bus_uevent(struct device *dev, struct kobj_uevent_env *env)
#endif
{
	const struct virtbus_device *vdev =
		container_of(dev, struct virtbus_device, dev);

	return add_uevent_var(env, "MODALIAS=" VIRTBUS_MODALIAS_FMT,
			      vdev->id.device, vdev->id.vendor);
}

static int virtbus_bus_probe(struct device *dev)
{
	struct virtbus_device *vdev = to_virtbus_device(dev);
	struct virtbus_driver *drv = to_virtbus_driver(dev->driver);
	int err;

	/* A previous driver may have failed or left the device live. */
	if (virtbus_get_status(vdev) != VIRTBUS_S_ACKNOWLEDGE) {
		virtbus_reset_device(vdev);
		virtbus_add_status(vdev, VIRTBUS_S_ACKNOWLEDGE);
	}
	virtbus_add_status(vdev, VIRTBUS_S_DRIVER);

	err = virtbus_negotiate(vdev, drv);
	if (err)
		goto fail;

	err = drv->probe(vdev);
	if (err)
		goto fail;

	if (!(virtbus_get_status(vdev) & VIRTBUS_S_DRIVER_OK))
		virtbus_device_ready(vdev);
	virtbus_config_enable(vdev);
	return 0;

fail:
	virtbus_add_status(vdev, VIRTBUS_S_FAILED);
	vdev->features = 0;
	return err;
}

static void virtbus_bus_remove(struct device *dev)
{
	struct virtbus_device *vdev = to_virtbus_device(dev);
	struct virtbus_driver *drv = to_virtbus_driver(dev->driver);

	virtbus_config_disable(vdev);
	drv->remove(vdev);

	/* A driver that left queues behind gets them reclaimed, loudly. */
	if (!list_empty(&vdev->vqs)) {
		dev_err(&vdev->dev, "driver %s left its queues behind\n",
			drv->driver.name);
		virtbus_reset_device(vdev);
		virtbus_del_vqs(vdev);
	}
	if (virtbus_get_status(vdev))
		virtbus_reset_device(vdev);
	vdev->features = 0;
	vdev->broken = false;
	virtbus_add_status(vdev, VIRTBUS_S_ACKNOWLEDGE);
}

static ssize_t device_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "0x%04x\n", to_virtbus_device(dev)->id.device);
}
static DEVICE_ATTR_RO(device);

static ssize_t vendor_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "0x%04x\n", to_virtbus_device(dev)->id.vendor);
}
static DEVICE_ATTR_RO(vendor);

static ssize_t status_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct virtbus_device *vdev = to_virtbus_device(dev);

	return sysfs_emit(buf, "0x%02x\n", virtbus_get_status(vdev));
}
static DEVICE_ATTR_RO(status);

static ssize_t modalias_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct virtbus_device *vdev = to_virtbus_device(dev);

	return sysfs_emit(buf, VIRTBUS_MODALIAS_FMT "\n",
			  vdev->id.device, vdev->id.vendor);
}
static DEVICE_ATTR_RO(modalias);

static ssize_t virtbus_emit_features(char *buf, u64 features)
{
	char bits[VIRTBUS_FEATURE_BITS + 1];
	unsigned int i;

	for (i = 0; i < VIRTBUS_FEATURE_BITS; i++)
		bits[i] = features & BIT_ULL(i) ? '1' : '0';
	bits[i] = '\0';
	return sysfs_emit(buf, "%s\n", bits);
}

/*
 * The negotiated features, one character per bit, bit 0 first, as the
 * kernel's virtio shows them; all zero while no driver is bound.
 */
static ssize_t features_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return virtbus_emit_features(buf, to_virtbus_device(dev)->features);
}
static DEVICE_ATTR_RO(features);

/* What the device offers, in the same form. */
static ssize_t device_features_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	struct virtbus_device *vdev = to_virtbus_device(dev);
	u64 offered;

	/* Feature reads go through select registers a probe also uses. */
	device_lock(dev);
	offered = vdev->ops->get_features(vdev);
	device_unlock(dev);
	return virtbus_emit_features(buf, offered);
}
static DEVICE_ATTR_RO(device_features);

static ssize_t transport_show(struct device *dev, struct device_attribute *attr,
			      char *buf)
{
	return sysfs_emit(buf, "%s\n", to_virtbus_device(dev)->ops->name);
}
static DEVICE_ATTR_RO(transport);

static struct attribute *virtbus_dev_attrs[] = {
	&dev_attr_device.attr,
	&dev_attr_vendor.attr,
	&dev_attr_status.attr,
	&dev_attr_modalias.attr,
	&dev_attr_features.attr,
	&dev_attr_device_features.attr,
	&dev_attr_transport.attr,
	NULL,
};
ATTRIBUTE_GROUPS(virtbus_dev);

static struct bus_type virtbus_bus = {
	.name = "virtbus",
	.match = virtbus_bus_match,
	.uevent = virtbus_bus_uevent,
	.probe = virtbus_bus_probe,
	.remove = virtbus_bus_remove,
	.dev_groups = virtbus_dev_groups,
};

/**
 * __virtbus_register_driver - register a device driver on virtbus
 * @drv: the driver; id_table, probe and remove are required
 * @owner: the module it lives in (virtbus_register_driver() passes it)
 *
 * Return: 0 or a negative errno.
 */
int __virtbus_register_driver(struct virtbus_driver *drv, struct module *owner)
{
	if (!drv->id_table || !drv->probe || !drv->remove) {
		pr_err("virtbus: driver %s lacks id_table, probe or remove\n",
		       drv->driver.name);
		return -EINVAL;
	}
	drv->driver.bus = &virtbus_bus;
	drv->driver.owner = owner;
	return driver_register(&drv->driver);
}
EXPORT_SYMBOL_NS_GPL(__virtbus_register_driver, VIRTBUS);

/**
 * virtbus_unregister_driver - unregister a device driver
 * @drv: the driver; its devices are unbound first
 */
void virtbus_unregister_driver(struct virtbus_driver *drv)
{
	driver_unregister(&drv->driver);
}
EXPORT_SYMBOL_NS_GPL(virtbus_unregister_driver, VIRTBUS);

/**
 * virtbus_register_device - add a device to the bus
 * @vdev: the device; the transport has set id, ops, dev.parent and
 *	dev.release
 *
 * Resets the device, acknowledges it and announces it, which binds a
 * driver if one is loaded. On failure the transport drops its reference
 * with put_device(&vdev->dev), which frees the device through release.
 *
 * Return: 0 or a negative errno.
 */
int virtbus_register_device(struct virtbus_device *vdev)
{
	int err;

	device_initialize(&vdev->dev);
	vdev->dev.bus = &virtbus_bus;
	vdev->features = 0;
	vdev->broken = false;
	INIT_LIST_HEAD(&vdev->vqs);
	spin_lock_init(&vdev->vqs_lock);
	virtbus_config_init(vdev);

	err = ida_alloc(&virtbus_index_ida, GFP_KERNEL);
	if (err < 0)
		return err;
	vdev->index = err;
	err = dev_set_name(&vdev->dev, "virtbus%u", vdev->index);
	if (err)
		goto out_ida;

	virtbus_reset_device(vdev);
	virtbus_add_status(vdev, VIRTBUS_S_ACKNOWLEDGE);

	err = device_add(&vdev->dev);
	if (err)
		goto out_failed;
	return 0;

out_failed:
	virtbus_add_status(vdev, VIRTBUS_S_FAILED);
out_ida:
	ida_free(&virtbus_index_ida, vdev->index);
	return err;
}
EXPORT_SYMBOL_NS_GPL(virtbus_register_device, VIRTBUS);

/**
 * virtbus_unregister_device - remove a device from the bus
 * @vdev: the device
 *
 * Unbinds its driver (which resets the device) and drops the bus's
 * reference; the transport's release frees the device when the last
 * reference goes.
 */
void virtbus_unregister_device(struct virtbus_device *vdev)
{
	int index = vdev->index;

	device_unregister(&vdev->dev);
	ida_free(&virtbus_index_ida, index);
}
EXPORT_SYMBOL_NS_GPL(virtbus_unregister_device, VIRTBUS);

/**
 * virtbus_find_vqs - create a device's virtqueues
 * @vdev: the device, between feature negotiation and DRIVER_OK
 * @nvqs: how many
 * @vqs: filled with the queues
 * @info: name and callback of each
 *
 * Return: 0 or a negative errno; on error no queue exists.
 */
int virtbus_find_vqs(struct virtbus_device *vdev, unsigned int nvqs,
		     struct virtbus_vq *vqs[],
		     const struct virtbus_vq_info info[])
{
	return vdev->ops->find_vqs(vdev, nvqs, vqs, info);
}
EXPORT_SYMBOL_NS_GPL(virtbus_find_vqs, VIRTBUS);

/**
 * virtbus_get_vq_affinity - the CPUs a queue's interrupt serves
 * @vdev: the device, with its queues found
 * @index: the queue
 *
 * For queues found with &virtbus_vq_info.spread: a driver that gives
 * each CPU the queue whose interrupt lands on it completes work where it
 * was submitted.
 *
 * Return: the CPUs, or NULL where the transport did not spread the
 * queue's interrupt (no vector of its own, or no support for it).
 */
const struct cpumask *virtbus_get_vq_affinity(struct virtbus_device *vdev,
					      unsigned int index)
{
	if (!vdev->ops->get_vq_affinity)
		return NULL;
	return vdev->ops->get_vq_affinity(vdev, index);
}
EXPORT_SYMBOL_NS_GPL(virtbus_get_vq_affinity, VIRTBUS);

/**
 * virtbus_del_vqs - delete all of a device's virtqueues
 * @vdev: the device, already reset
 */
void virtbus_del_vqs(struct virtbus_device *vdev)
{
	vdev->ops->del_vqs(vdev);
}
EXPORT_SYMBOL_NS_GPL(virtbus_del_vqs, VIRTBUS);

/**
 * virtbus_break_device - stop all I/O on a misbehaving device
 * @vdev: the device
 *
 * Every queue of the device refuses new work and reports nothing more;
 * buffers can still be detached. The driver learns of it through
 * virtbus_vq_is_broken().
 */
void virtbus_break_device(struct virtbus_device *vdev)
{
	struct virtbus_vq *vq;
	unsigned long flags;

	spin_lock_irqsave(&vdev->vqs_lock, flags);
	WRITE_ONCE(vdev->broken, true);
	list_for_each_entry(vq, &vdev->vqs, list)
		virtbus_vq_break(vq);
	spin_unlock_irqrestore(&vdev->vqs_lock, flags);
}
EXPORT_SYMBOL_NS_GPL(virtbus_break_device, VIRTBUS);

static int __init virtbus_init(void)
{
	return bus_register(&virtbus_bus);
}

static void __exit virtbus_exit(void)
{
	bus_unregister(&virtbus_bus);
	ida_destroy(&virtbus_index_ida);
}

core_initcall(virtbus_init);
module_exit(virtbus_exit);

MODULE_DESCRIPTION("virtbus: a transport-agnostic bus for virtio devices");
MODULE_LICENSE("GPL");

// SPDX-License-Identifier: GPL-2.0
/*
 * virtbus: the configuration channel, both directions.
 *
 * Driver to device: config space reads and writes through the transport,
 * retried while the device's config generation moves under a read.
 * Device to driver: config change events, which the transport reports
 * from interrupt context and the core delivers to the driver in process
 * context, holding them back while the driver cannot take them (before
 * probe completes, during remove) and delivering a held one afterwards.
 */
#include <virtbus/transport.h>

#include "virtbus_internal.h"

/*
 * A device whose generation keeps moving is broken or hostile; after this
 * many attempts the read stands as it is, with a message.
 */
#define VIRTBUS_CONFIG_READ_TRIES	64

static bool virtbus_config_range_ok(struct virtbus_device *vdev,
				    unsigned int offset, unsigned int len)
{
	unsigned int size;

	if (!vdev->ops->config_size)
		return true;
	size = vdev->ops->config_size(vdev);
	if (offset <= size && len <= size - offset)
		return true;
	dev_err_ratelimited(&vdev->dev,
			    "config access %u+%u beyond the device's %u bytes\n",
			    offset, len, size);
	return false;
}

static u32 virtbus_config_generation(struct virtbus_device *vdev)
{
	return vdev->ops->generation ? vdev->ops->generation(vdev) : 0;
}

/**
 * virtbus_config_read - read device config space
 * @vdev: the device
 * @offset: byte offset into the device-specific config
 * @buf: where to put the bytes
 * @len: how many
 *
 * A read wider than the device's own atomic accesses is retried until the
 * config generation is the same before and after it, so a multi-byte
 * field is never torn by a concurrent device update. Bytes outside the
 * device's config read as zero.
 */
void virtbus_config_read(struct virtbus_device *vdev, unsigned int offset,
			 void *buf, unsigned int len)
{
	unsigned int tries = 0;
	u32 before, after;

	if (!virtbus_config_range_ok(vdev, offset, len)) {
		memset(buf, 0, len);
		return;
	}
	after = virtbus_config_generation(vdev);
	do {
		before = after;
		vdev->ops->config_get(vdev, offset, buf, len);
		after = virtbus_config_generation(vdev);
	} while (before != after && ++tries < VIRTBUS_CONFIG_READ_TRIES);

	if (before != after)
		dev_err_ratelimited(&vdev->dev,
				    "config generation never settled\n");
}
EXPORT_SYMBOL_NS_GPL(virtbus_config_read, VIRTBUS);

/**
 * virtbus_config_write - write device config space
 * @vdev: the device
 * @offset: byte offset into the device-specific config
 * @buf: the bytes
 * @len: how many
 *
 * Writes outside the device's config are dropped with a message.
 */
void virtbus_config_write(struct virtbus_device *vdev, unsigned int offset,
			  const void *buf, unsigned int len)
{
	if (virtbus_config_range_ok(vdev, offset, len))
		vdev->ops->config_set(vdev, offset, buf, len);
}
EXPORT_SYMBOL_NS_GPL(virtbus_config_write, VIRTBUS);

static void virtbus_config_work(struct work_struct *work)
{
	struct virtbus_device *vdev =
		container_of(work, struct virtbus_device, config_work);
	struct virtbus_driver *drv;

	/*
	 * config_enabled is only true while a driver is bound and its probe
	 * has finished; remove disables and flushes this work first.
	 */
	drv = to_virtbus_driver(vdev->dev.driver);
	/* Rate-limited: the bit stays set, and every config event sees it. */
	if (virtbus_get_status(vdev) & VIRTBUS_S_NEEDS_RESET)
		dev_warn_ratelimited(&vdev->dev,
				     "device reports it needs a reset\n");
	if (drv->config_changed)
		drv->config_changed(vdev);
}

/**
 * virtbus_config_changed - the device's config space changed
 * @vdev: the device
 *
 * Called by the transport, from any context, when the device announces a
 * config change. The driver hears of it later, in process context.
 */
void virtbus_config_changed(struct virtbus_device *vdev)
{
	unsigned long flags;

	spin_lock_irqsave(&vdev->config_lock, flags);
	if (vdev->config_enabled)
		schedule_work(&vdev->config_work);
	else
		vdev->config_pending = true;
	spin_unlock_irqrestore(&vdev->config_lock, flags);
}
EXPORT_SYMBOL_NS_GPL(virtbus_config_changed, VIRTBUS);

void virtbus_config_init(struct virtbus_device *vdev)
{
	spin_lock_init(&vdev->config_lock);
	INIT_WORK(&vdev->config_work, virtbus_config_work);
	vdev->config_enabled = false;
	vdev->config_pending = false;
}

void virtbus_config_enable(struct virtbus_device *vdev)
{
	spin_lock_irq(&vdev->config_lock);
	vdev->config_enabled = true;
	if (vdev->config_pending) {
		vdev->config_pending = false;
		schedule_work(&vdev->config_work);
	}
	spin_unlock_irq(&vdev->config_lock);
}

void virtbus_config_disable(struct virtbus_device *vdev)
{
	spin_lock_irq(&vdev->config_lock);
	vdev->config_enabled = false;
	spin_unlock_irq(&vdev->config_lock);
	/* An event that was already on its way is delivered or dropped. */
	cancel_work_sync(&vdev->config_work);
}

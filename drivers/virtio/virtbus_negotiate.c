// SPDX-License-Identifier: GPL-2.0
/*
 * virtbus: the status handshake and feature negotiation.
 *
 * The driver lists the device feature bits it understands; the core adds
 * the ring and transport bits (28 to 40) it implements itself, lets the
 * transport drop those it cannot carry and the driver's validate() drop
 * more, then commits the result and, for virtio 1.x devices, asks the
 * device to confirm it with FEATURES_OK.
 */
#include <linux/cc_platform.h>
#include <virtbus/transport.h>

#include "virtbus_internal.h"

/* Transport bits the split ring in virtbus_ring.c implements. */
#define VIRTBUS_CORE_TRANSPORT_FEATURES				\
	(BIT_ULL(VIRTBUS_F_INDIRECT_DESC) |			\
	 BIT_ULL(VIRTBUS_F_EVENT_IDX) |				\
	 BIT_ULL(VIRTBUS_F_VERSION_1) |				\
	 BIT_ULL(VIRTBUS_F_ACCESS_PLATFORM) |			\
	 BIT_ULL(VIRTBUS_F_ORDER_PLATFORM))

#define VIRTBUS_TRANSPORT_MASK					\
	GENMASK_ULL(VIRTBUS_TRANSPORT_F_END - 1, VIRTBUS_TRANSPORT_F_START)

u8 virtbus_get_status(struct virtbus_device *vdev)
{
	return vdev->ops->get_status(vdev);
}

void virtbus_add_status(struct virtbus_device *vdev, u8 status)
{
	might_sleep();
	vdev->ops->set_status(vdev, virtbus_get_status(vdev) | status);
}

/**
 * virtbus_device_ready - tell the device the driver is ready (DRIVER_OK)
 * @vdev: the device
 *
 * A driver calls this from probe when it must use its queues before probe
 * returns; otherwise the core sets DRIVER_OK after a successful probe.
 */
void virtbus_device_ready(struct virtbus_device *vdev)
{
	u8 status = virtbus_get_status(vdev);

	if (status & VIRTBUS_S_DRIVER_OK) {
		dev_err(&vdev->dev, "device is already live\n");
		return;
	}
	vdev->ops->set_status(vdev, status | VIRTBUS_S_DRIVER_OK);
}
EXPORT_SYMBOL_NS_GPL(virtbus_device_ready, VIRTBUS);

/**
 * virtbus_reset_device - reset the device
 * @vdev: the device
 *
 * Returns when the device reads back status 0: it no longer uses any
 * buffer and raises no interrupt, so the driver may free its queues.
 */
void virtbus_reset_device(struct virtbus_device *vdev)
{
	might_sleep();
	vdev->ops->reset(vdev);
}
EXPORT_SYMBOL_NS_GPL(virtbus_reset_device, VIRTBUS);

static u64 virtbus_driver_features(struct virtbus_device *vdev,
				   const struct virtbus_driver *drv)
{
	u64 features = 0;
	unsigned int i;

	for (i = 0; i < drv->feature_table_size; i++) {
		unsigned int bit = drv->feature_table[i];

		/* Transport bits are the core's to choose, not the driver's. */
		if (bit >= VIRTBUS_FEATURE_BITS ||
		    (bit >= VIRTBUS_TRANSPORT_F_START &&
		     bit < VIRTBUS_TRANSPORT_F_END)) {
			dev_err(&vdev->dev, "driver %s lists feature %u it may not\n",
				drv->driver.name, bit);
			continue;
		}
		features |= BIT_ULL(bit);
	}
	return features;
}

/*
 * Negotiate the features of @vdev for @drv and commit them to the device.
 * Called by the bus probe with status ACKNOWLEDGE | DRIVER set.
 */
int virtbus_negotiate(struct virtbus_device *vdev,
		      const struct virtbus_driver *drv)
{
	u64 offered = vdev->ops->get_features(vdev);
	u64 features, proposed;
	int err;

	features = offered & virtbus_driver_features(vdev, drv) &
		   ~VIRTBUS_TRANSPORT_MASK;
	features |= offered & VIRTBUS_TRANSPORT_MASK &
		    VIRTBUS_CORE_TRANSPORT_FEATURES;
	if (vdev->ops->transport_features)
		vdev->ops->transport_features(vdev, &features);
	/* Nothing may add a bit the device did not offer. */
	features &= offered;
	vdev->features = features;

	if (drv->validate) {
		err = drv->validate(vdev);
		if (err)
			return err;
		/* validate() may clear bits, never set new ones */
		vdev->features &= features;
	}
	proposed = vdev->features;

	/*
	 * With its memory encrypted, a guest cannot give a device physical
	 * addresses to read at will: buffers must bounce through memory it
	 * shares. The DMA API does that, for a device that accepts being
	 * behind it (ACCESS_PLATFORM) and so is a modern one; a transport
	 * that bounces every buffer itself does it for any device.
	 */
	if (cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT) && !vdev->ops->bounces &&
	    (!virtbus_has_feature(vdev, VIRTBUS_F_VERSION_1) ||
	     !virtbus_has_feature(vdev, VIRTBUS_F_ACCESS_PLATFORM))) {
		dev_err(&vdev->dev,
			"guest memory is encrypted: the device must offer VERSION_1 and ACCESS_PLATFORM\n");
		return -ENODEV;
	}

	err = vdev->ops->finalize_features(vdev);
	if (err)
		return err;

	/* Legacy devices have no FEATURES_OK: what was written stands. */
	if (!virtbus_has_feature(vdev, VIRTBUS_F_VERSION_1))
		return 0;

	virtbus_add_status(vdev, VIRTBUS_S_FEATURES_OK);
	if (!(virtbus_get_status(vdev) & VIRTBUS_S_FEATURES_OK)) {
		dev_err(&vdev->dev, "device refused features %#llx\n",
			proposed);
		return -ENODEV;
	}
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtbus: the driver-facing API of the bus.
 *
 * A device driver binds to devices by numeric device and vendor ID, lists
 * the feature bits it understands, and talks to the device through config
 * space and virtqueues. It never learns which transport carries the device.
 */
#ifndef _VIRTBUS_VIRTBUS_H
#define _VIRTBUS_VIRTBUS_H

#include <linux/device.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <uapi/virtbus/virtbus_config.h>
#include <uapi/virtbus/virtbus_ids.h>

struct virtbus_transport_ops;

/**
 * struct virtbus_device_id - one entry of a driver's ID table
 * @device: virtio device type, or VIRTBUS_DEV_ANY
 * @vendor: vendor ID, or VIRTBUS_VENDOR_ANY
 *
 * A table ends with an entry whose @device is 0.
 */
struct virtbus_device_id {
	__u32 device;
	__u32 vendor;
};

/**
 * struct virtbus_device - a device on the virtbus bus
 * @index: unique number, the N of the device name virtbusN
 * @dev: the embedded driver-model device
 * @id: device and vendor ID reported by the transport
 * @ops: the transport's operations
 * @features: the negotiated feature bits (valid from probe on)
 * @priv: the device driver's private data
 * @config_lock: protects the config event state below
 * @config_enabled: config events may be delivered to the driver now
 * @config_pending: an event arrived while they could not be
 * @config_work: delivers config events in process context
 * @vqs: the device's virtqueues (struct virtbus_vq.list)
 * @vqs_lock: protects @vqs
 * @broken: the device misbehaved; all its queues refuse work
 *
 * Transports embed or allocate this, fill @id, @ops and @dev.parent, and
 * call virtbus_register_device().
 */
struct virtbus_device {
	int index;
	struct device dev;
	struct virtbus_device_id id;
	const struct virtbus_transport_ops *ops;
	u64 features;
	void *priv;

	spinlock_t config_lock;		/* config_enabled, config_pending */
	bool config_enabled;
	bool config_pending;
	struct work_struct config_work;

	struct list_head vqs;
	spinlock_t vqs_lock;		/* the vqs list */
	bool broken;
};

/**
 * struct virtbus_driver - a device driver on virtbus
 * @driver: the embedded driver-model driver
 * @id_table: the devices this driver handles, ended by a zero entry
 * @feature_table: device feature bits the driver understands
 * @feature_table_size: entries in @feature_table
 * @validate: optional; called after the device's features are read and
 *	before they are committed, may clear bits with virtbus_clear_feature()
 *	or refuse the device with an error
 * @probe: set the device up; the core sets DRIVER_OK afterwards unless the
 *	driver did so itself with virtbus_device_ready()
 * @remove: tear down; must reset the device with virtbus_reset_device()
 *	before deleting its queues
 * @config_changed: optional; the device's config space changed. Called in
 *	process context, never concurrently with probe or remove.
 */
struct virtbus_driver {
	struct device_driver driver;
	const struct virtbus_device_id *id_table;
	const unsigned int *feature_table;
	unsigned int feature_table_size;
	int (*validate)(struct virtbus_device *vdev);
	int (*probe)(struct virtbus_device *vdev);
	void (*remove)(struct virtbus_device *vdev);
	void (*config_changed)(struct virtbus_device *vdev);
};

static inline struct virtbus_device *to_virtbus_device(struct device *dev)
{
	return container_of(dev, struct virtbus_device, dev);
}

static inline struct virtbus_driver *
to_virtbus_driver(const struct device_driver *drv)
{
	return container_of(drv, struct virtbus_driver, driver);
}

int __virtbus_register_driver(struct virtbus_driver *drv,
			      struct module *owner);
#define virtbus_register_driver(drv) \
	__virtbus_register_driver(drv, THIS_MODULE)
void virtbus_unregister_driver(struct virtbus_driver *drv);

#define module_virtbus_driver(__drv) \
	module_driver(__drv, virtbus_register_driver, virtbus_unregister_driver)

bool virtbus_id_match(const struct virtbus_device_id *id,
		      const struct virtbus_device_id *dev_id);
const struct virtbus_device_id *
virtbus_match_id_table(const struct virtbus_device_id *table,
		       const struct virtbus_device_id *dev_id);

/* Features. */

/**
 * virtbus_has_feature - was a feature bit negotiated?
 * @vdev: the device
 * @bit: the feature bit
 *
 * Return: true if @bit is set in the negotiated features.
 */
static inline bool virtbus_has_feature(const struct virtbus_device *vdev,
				       unsigned int bit)
{
	return bit < VIRTBUS_FEATURE_BITS && (vdev->features & BIT_ULL(bit));
}

/**
 * virtbus_clear_feature - drop a feature bit during validate
 * @vdev: the device
 * @bit: the feature bit
 */
static inline void virtbus_clear_feature(struct virtbus_device *vdev,
					 unsigned int bit)
{
	if (bit < VIRTBUS_FEATURE_BITS)
		vdev->features &= ~BIT_ULL(bit);
}

/* Status. */
void virtbus_device_ready(struct virtbus_device *vdev);
void virtbus_reset_device(struct virtbus_device *vdev);
void virtbus_break_device(struct virtbus_device *vdev);

/* Config space. */
void virtbus_config_read(struct virtbus_device *vdev, unsigned int offset,
			 void *buf, unsigned int len);
void virtbus_config_write(struct virtbus_device *vdev, unsigned int offset,
			  const void *buf, unsigned int len);

/*
 * Accessors for little-endian config fields, by offset (use offsetof()
 * on the device's config struct in include/uapi/virtbus/). Legacy devices
 * use the guest's byte order, which is little-endian on every guest
 * virtbus drives legacy devices on, so one conversion serves both.
 */
static inline u8 virtbus_cread8(struct virtbus_device *vdev,
				unsigned int offset)
{
	u8 v;

	virtbus_config_read(vdev, offset, &v, sizeof(v));
	return v;
}

static inline u16 virtbus_cread16(struct virtbus_device *vdev,
				  unsigned int offset)
{
	__le16 v;

	virtbus_config_read(vdev, offset, &v, sizeof(v));
	return le16_to_cpu(v);
}

static inline u32 virtbus_cread32(struct virtbus_device *vdev,
				  unsigned int offset)
{
	__le32 v;

	virtbus_config_read(vdev, offset, &v, sizeof(v));
	return le32_to_cpu(v);
}

static inline u64 virtbus_cread64(struct virtbus_device *vdev,
				  unsigned int offset)
{
	__le64 v;

	virtbus_config_read(vdev, offset, &v, sizeof(v));
	return le64_to_cpu(v);
}

static inline void virtbus_cwrite8(struct virtbus_device *vdev,
				   unsigned int offset, u8 val)
{
	virtbus_config_write(vdev, offset, &val, sizeof(val));
}

static inline void virtbus_cwrite16(struct virtbus_device *vdev,
				    unsigned int offset, u16 val)
{
	__le16 v = cpu_to_le16(val);

	virtbus_config_write(vdev, offset, &v, sizeof(v));
}

static inline void virtbus_cwrite32(struct virtbus_device *vdev,
				    unsigned int offset, u32 val)
{
	__le32 v = cpu_to_le32(val);

	virtbus_config_write(vdev, offset, &v, sizeof(v));
}

/*
 * VIRTBUS_DEVICE_TABLE() defines a driver's ID table and, in the same
 * breath, the module alias that lets udev load the driver for it:
 *
 *	VIRTBUS_DEVICE_TABLE(rng_ids, VIRTBUS_ID_RNG, VIRTBUS_VENDOR_ANY);
 *
 * modpost knows only the kernel's own table types, so the alias string is
 * assembled here at compile time and placed in .modinfo, spelled exactly
 * as the bus's MODALIAS (virtbus:dXXXXXXXXvXXXXXXXX, "*" for any vendor).
 * Unused trailing bytes are NULs, which modpost and kmod skip.
 */
#define VIRTBUS_MODALIAS_FMT	"virtbus:d%08Xv%08X"

/* Hex digit @n (0 = lowest) of @v, as a character constant. */
#define __VIRTBUS_HEX(v, n)	("0123456789ABCDEF"[((v) >> (4 * (n))) & 0xf])

/*
 * Built in, there is no module to load: the alias string goes to a section
 * the kernel's linker script discards, rather than where it would be read
 * as the kernel's own .modinfo.
 */
#ifdef MODULE
#define __VIRTBUS_ALIAS_SECTION	".modinfo"
#else
#define __VIRTBUS_ALIAS_SECTION	".discard.virtbus_alias"
#endif

#define VIRTBUS_DEVICE_TABLE(name, dev, ven)				\
	struct virtbus_device_id;					\
	enum { name##_dev = (dev), name##_ven = (ven) };		\
	static_assert(name##_dev != 0 && name##_dev != VIRTBUS_DEV_ANY,	\
		      "a driver binds one device type");		\
	static const struct virtbus_device_id name[] = {		\
		{ .device = name##_dev, .vendor = name##_ven },		\
		{ }							\
	};								\
	static const char name##_alias[] __used				\
		__section(__VIRTBUS_ALIAS_SECTION) __aligned(1) = {	\
		'a', 'l', 'i', 'a', 's', '=',				\
		'v', 'i', 'r', 't', 'b', 'u', 's', ':', 'd',		\
		__VIRTBUS_HEX(name##_dev, 7), __VIRTBUS_HEX(name##_dev, 6), \
		__VIRTBUS_HEX(name##_dev, 5), __VIRTBUS_HEX(name##_dev, 4), \
		__VIRTBUS_HEX(name##_dev, 3), __VIRTBUS_HEX(name##_dev, 2), \
		__VIRTBUS_HEX(name##_dev, 1), __VIRTBUS_HEX(name##_dev, 0), \
		'v',							\
		name##_ven == VIRTBUS_VENDOR_ANY ? '*' :		\
			__VIRTBUS_HEX(name##_ven, 7),			\
		name##_ven == VIRTBUS_VENDOR_ANY ? '\0' :		\
			__VIRTBUS_HEX(name##_ven, 6),			\
		name##_ven == VIRTBUS_VENDOR_ANY ? '\0' :		\
			__VIRTBUS_HEX(name##_ven, 5),			\
		name##_ven == VIRTBUS_VENDOR_ANY ? '\0' :		\
			__VIRTBUS_HEX(name##_ven, 4),			\
		name##_ven == VIRTBUS_VENDOR_ANY ? '\0' :		\
			__VIRTBUS_HEX(name##_ven, 3),			\
		name##_ven == VIRTBUS_VENDOR_ANY ? '\0' :		\
			__VIRTBUS_HEX(name##_ven, 2),			\
		name##_ven == VIRTBUS_VENDOR_ANY ? '\0' :		\
			__VIRTBUS_HEX(name##_ven, 1),			\
		name##_ven == VIRTBUS_VENDOR_ANY ? '\0' :		\
			__VIRTBUS_HEX(name##_ven, 0),			\
		'\0' }

#endif /* _VIRTBUS_VIRTBUS_H */

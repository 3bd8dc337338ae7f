/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations shared by the files of virtbus.ko and nothing else.
 */
#ifndef _VIRTBUS_INTERNAL_H
#define _VIRTBUS_INTERNAL_H

#include <virtbus/transport.h>

u8 virtbus_get_status(struct virtbus_device *vdev);
void virtbus_add_status(struct virtbus_device *vdev, u8 status);
int virtbus_negotiate(struct virtbus_device *vdev,
		      const struct virtbus_driver *drv);

void virtbus_config_init(struct virtbus_device *vdev);
void virtbus_config_enable(struct virtbus_device *vdev);
void virtbus_config_disable(struct virtbus_device *vdev);

#endif /* _VIRTBUS_INTERNAL_H */

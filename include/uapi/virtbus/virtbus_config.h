/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * The virtio device model as virtbus speaks it: status bits and the
 * feature bits that belong to the ring and transport rather than to a
 * device type. Values are those of the virtio 1.x specification.
 */
#ifndef _UAPI_VIRTBUS_CONFIG_H
#define _UAPI_VIRTBUS_CONFIG_H

/* Device status, written by the driver in this order during probe. */
#define VIRTBUS_S_ACKNOWLEDGE	0x01
#define VIRTBUS_S_DRIVER	0x02
#define VIRTBUS_S_DRIVER_OK	0x04
#define VIRTBUS_S_FEATURES_OK	0x08
#define VIRTBUS_S_NEEDS_RESET	0x40
#define VIRTBUS_S_FAILED	0x80

/*
 * Feature bits 28 to 40 describe the ring and the transport; the core
 * negotiates them itself, device drivers never list them.
 */
#define VIRTBUS_TRANSPORT_F_START	28
#define VIRTBUS_TRANSPORT_F_END		41

#define VIRTBUS_F_NOTIFY_ON_EMPTY	24
#define VIRTBUS_F_ANY_LAYOUT		27
#define VIRTBUS_F_INDIRECT_DESC		28
#define VIRTBUS_F_EVENT_IDX		29
#define VIRTBUS_F_VERSION_1		32
#define VIRTBUS_F_ACCESS_PLATFORM	33
#define VIRTBUS_F_RING_PACKED		34
#define VIRTBUS_F_IN_ORDER		35
#define VIRTBUS_F_ORDER_PLATFORM	36
#define VIRTBUS_F_SR_IOV		37
#define VIRTBUS_F_NOTIFICATION_DATA	38
#define VIRTBUS_F_RING_RESET		40

/* The number of feature bits virtbus tracks. */
#define VIRTBUS_FEATURE_BITS		64

#endif /* _UAPI_VIRTBUS_CONFIG_H */

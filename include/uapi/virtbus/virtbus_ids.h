/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * virtbus device and vendor IDs.
 *
 * Device IDs are the virtio device type numbers, so a device keeps its
 * identity whichever transport carries it. Vendor IDs are whatever the
 * transport reports (the PCI subsystem vendor, for example).
 */
#ifndef _UAPI_VIRTBUS_IDS_H
#define _UAPI_VIRTBUS_IDS_H

#define VIRTBUS_ID_NET		1
#define VIRTBUS_ID_BLOCK	2
#define VIRTBUS_ID_CONSOLE	3
#define VIRTBUS_ID_RNG		4

/* Match any device or any vendor in an ID table. */
#define VIRTBUS_DEV_ANY		0xffffffffU
#define VIRTBUS_VENDOR_ANY	0xffffffffU

/* The vendor ID of the devices QEMU and most hosts provide. */
#define VIRTBUS_VENDOR_REDHAT_QUMRANET	0x1af4

#endif /* _UAPI_VIRTBUS_IDS_H */

/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * The virtio PCI transport's registers: the modern (virtio 1.x) vendor
 * capabilities and common configuration, and the legacy I/O BAR layout.
 */
#ifndef _UAPI_VIRTBUS_PCI_H
#define _UAPI_VIRTBUS_PCI_H

#include <linux/types.h>

#define VIRTBUS_PCI_VENDOR		0x1af4
#define VIRTBUS_PCI_DEVICE_MIN		0x1000
#define VIRTBUS_PCI_DEVICE_MAX		0x107f
#define VIRTBUS_PCI_LEGACY_MAX		0x103f	/* transitional IDs end here */
#define VIRTBUS_PCI_MODERN_BASE		0x1040	/* modern ID = base + type */

/* Vendor capability types. */
#define VIRTBUS_PCI_CAP_COMMON_CFG	1
#define VIRTBUS_PCI_CAP_NOTIFY_CFG	2
#define VIRTBUS_PCI_CAP_ISR_CFG		3
#define VIRTBUS_PCI_CAP_DEVICE_CFG	4
#define VIRTBUS_PCI_CAP_PCI_CFG		5

/* struct virtio_pci_cap, as found in PCI config space. */
struct virtbus_pci_cap {
	__u8 cap_vndr;
	__u8 cap_next;
	__u8 cap_len;
	__u8 cfg_type;
	__u8 bar;
	__u8 id;
	__u8 padding[2];
	__le32 offset;
	__le32 length;
};

struct virtbus_pci_notify_cap {
	struct virtbus_pci_cap cap;
	__le32 notify_off_multiplier;
};

/* The common configuration structure (in the COMMON_CFG region). */
struct virtbus_pci_common_cfg {
	__le32 device_feature_select;
	__le32 device_feature;
	__le32 guest_feature_select;
	__le32 guest_feature;
	__le16 msix_config;
	__le16 num_queues;
	__u8 device_status;
	__u8 config_generation;
	__le16 queue_select;
	__le16 queue_size;
	__le16 queue_msix_vector;
	__le16 queue_enable;
	__le16 queue_notify_off;
	__le32 queue_desc_lo;
	__le32 queue_desc_hi;
	__le32 queue_avail_lo;
	__le32 queue_avail_hi;
	__le32 queue_used_lo;
	__le32 queue_used_hi;
};

/* The "no vector" value of msix_config and queue_msix_vector. */
#define VIRTBUS_PCI_NO_VECTOR		0xffff

/* ISR status bits; reading the register clears it. */
#define VIRTBUS_PCI_ISR_QUEUE		0x1
#define VIRTBUS_PCI_ISR_CONFIG		0x2

/* Legacy I/O BAR 0 register offsets. */
#define VIRTBUS_PCI_LEGACY_HOST_FEATURES	0	/* 32 bit, ro */
#define VIRTBUS_PCI_LEGACY_GUEST_FEATURES	4	/* 32 bit, rw */
#define VIRTBUS_PCI_LEGACY_QUEUE_PFN		8	/* 32 bit, rw */
#define VIRTBUS_PCI_LEGACY_QUEUE_NUM		12	/* 16 bit, ro */
#define VIRTBUS_PCI_LEGACY_QUEUE_SEL		14	/* 16 bit, rw */
#define VIRTBUS_PCI_LEGACY_QUEUE_NOTIFY		16	/* 16 bit, rw */
#define VIRTBUS_PCI_LEGACY_STATUS		18	/* 8 bit, rw */
#define VIRTBUS_PCI_LEGACY_ISR			19	/* 8 bit, ro, clears */
#define VIRTBUS_PCI_LEGACY_MSIX_CONFIG		20	/* 16 bit, with MSI-X */
#define VIRTBUS_PCI_LEGACY_MSIX_QUEUE		22	/* 16 bit, with MSI-X */
/* Device config starts here, 4 bytes later when MSI-X is enabled. */
#define VIRTBUS_PCI_LEGACY_CONFIG(msix)		((msix) ? 24 : 20)
/* Legacy queue addresses are page frame numbers of this shift. */
#define VIRTBUS_PCI_LEGACY_PFN_SHIFT		12
#define VIRTBUS_PCI_LEGACY_ALIGN		4096

#endif /* _UAPI_VIRTBUS_PCI_H */

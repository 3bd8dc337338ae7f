/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The virtio PCI transport: what its common, modern and legacy parts
 * share.
 */
#ifndef _VIRTBUS_PCI_H
#define _VIRTBUS_PCI_H

#include <linux/interrupt.h>
#include <linux/pci.h>
#include <uapi/virtbus/virtbus_pci.h>
#include <uapi/virtbus/virtbus_ring.h>
#include <virtbus/transport.h>

struct vb_pci_dev;

/* One queue as the transport tracks it. */
struct vb_pci_vq {
	struct virtbus_vq *vq;
	void __iomem *notify;		/* modern: where to write the index */
	u16 vector;			/* MSI-X vector, or NO_VECTOR */
	bool irq_requested;		/* the vector is this queue's alone */
	bool spread;			/* and spread over the CPUs */
};

/* What differs between modern and legacy devices, for the common code. */
struct vb_pci_mode {
	const struct virtbus_transport_ops *ops;
	int (*setup_vq)(struct vb_pci_dev *vp, unsigned int index,
			const struct virtbus_vq_info *info, u16 vector);
	void (*del_vq)(struct vb_pci_dev *vp, unsigned int index);
	/* Set the config vector; returns what the device read back. */
	u16 (*config_vector)(struct vb_pci_dev *vp, u16 vector);
	u8 (*read_isr)(struct vb_pci_dev *vp);
	void (*teardown)(struct vb_pci_dev *vp);
};

struct vb_pci_dev {
	struct virtbus_device vdev;
	struct pci_dev *pci;
	const struct vb_pci_mode *mode;

	/* modern */
	struct virtbus_pci_common_cfg __iomem *common;
	void __iomem *device;
	u32 device_len;
	void __iomem *notify_base;
	u32 notify_len;
	u32 notify_mult;
	u8 __iomem *isr;

	/* legacy */
	void __iomem *ioaddr;
	u32 io_len;

	/* interrupts and queues, set up by find_vqs */
	bool msix_enabled;
	bool intx_requested;
	bool shared_vector;
	bool config_irq;
	unsigned int nvectors;
	char (*irq_names)[32];
	unsigned int nvqs;
	struct vb_pci_vq *vqs;
};

static inline struct vb_pci_dev *to_vb_pci(struct virtbus_device *vdev)
{
	return container_of(vdev, struct vb_pci_dev, vdev);
}

int vb_pci_modern_probe(struct vb_pci_dev *vp);
int vb_pci_legacy_probe(struct vb_pci_dev *vp);

int vb_pci_find_vqs(struct virtbus_device *vdev, unsigned int nvqs,
		    struct virtbus_vq *vqs[],
		    const struct virtbus_vq_info info[]);
void vb_pci_del_vqs(struct virtbus_device *vdev);
void vb_pci_synchronize_cbs(struct virtbus_device *vdev);
const struct cpumask *vb_pci_get_vq_affinity(struct virtbus_device *vdev,
					     unsigned int index);
struct vb_pci_vq *vb_pci_vq_of(struct virtbus_vq *vq);
int vb_pci_check_queue_size(struct vb_pci_dev *vp, unsigned int index,
			    unsigned int num);

#endif /* _VIRTBUS_PCI_H */

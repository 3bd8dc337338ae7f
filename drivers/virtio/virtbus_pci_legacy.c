// SPDX-License-Identifier: GPL-2.0
/*
 * virtbus_pci: legacy and transitional virtio PCI devices, driven through
 * the I/O BAR 0 register block (virtio 1.x section 4.1.4.8), as QEMU
 * offers with disable-modern=on.
 */
#include "virtbus_pci.h"

/* Legacy queue addresses are 32-bit page frame numbers. */
#define VB_LEGACY_DMA_BITS	(32 + VIRTBUS_PCI_LEGACY_PFN_SHIFT)

static unsigned int vb_legacy_config_base(struct vb_pci_dev *vp)
{
	return VIRTBUS_PCI_LEGACY_CONFIG(vp->msix_enabled);
}

static u8 vb_legacy_get_status(struct virtbus_device *vdev)
{
	return ioread8(to_vb_pci(vdev)->ioaddr + VIRTBUS_PCI_LEGACY_STATUS);
}

static void vb_legacy_set_status(struct virtbus_device *vdev, u8 status)
{
	/* Status 0 is a reset, which only reset() may do. */
	if (!status)
		return;
	iowrite8(status, to_vb_pci(vdev)->ioaddr + VIRTBUS_PCI_LEGACY_STATUS);
}

static void vb_legacy_reset(struct virtbus_device *vdev)
{
	struct vb_pci_dev *vp = to_vb_pci(vdev);

	iowrite8(0, vp->ioaddr + VIRTBUS_PCI_LEGACY_STATUS);
	/* A legacy reset completes with the write; the read flushes it. */
	ioread8(vp->ioaddr + VIRTBUS_PCI_LEGACY_STATUS);
	vb_pci_synchronize_cbs(vdev);
}

static u64 vb_legacy_get_features(struct virtbus_device *vdev)
{
	return ioread32(to_vb_pci(vdev)->ioaddr +
			VIRTBUS_PCI_LEGACY_HOST_FEATURES);
}

static void vb_legacy_transport_features(struct virtbus_device *vdev,
					 u64 *features)
{
	/* The legacy register holds 32 bits: nothing of virtio 1.x fits. */
	*features &= GENMASK_ULL(31, 0);
}

static int vb_legacy_finalize_features(struct virtbus_device *vdev)
{
	iowrite32(lower_32_bits(vdev->features),
		  to_vb_pci(vdev)->ioaddr + VIRTBUS_PCI_LEGACY_GUEST_FEATURES);
	return 0;
}

static unsigned int vb_legacy_config_size(struct virtbus_device *vdev)
{
	struct vb_pci_dev *vp = to_vb_pci(vdev);

	return vp->io_len - vb_legacy_config_base(vp);
}

/* Legacy config is guest-endian bytes: byte accesses read it as it is. */
static void vb_legacy_config_get(struct virtbus_device *vdev,
				 unsigned int offset, void *buf,
				 unsigned int len)
{
	struct vb_pci_dev *vp = to_vb_pci(vdev);
	void __iomem *p = vp->ioaddr + vb_legacy_config_base(vp) + offset;
	unsigned int size = vb_legacy_config_size(vdev), i;

	if (offset > size || len > size - offset) {
		memset(buf, 0, len);
		return;
	}
	for (i = 0; i < len; i++)
		((u8 *)buf)[i] = ioread8(p + i);
}

static void vb_legacy_config_set(struct virtbus_device *vdev,
				 unsigned int offset, const void *buf,
				 unsigned int len)
{
	struct vb_pci_dev *vp = to_vb_pci(vdev);
	void __iomem *p = vp->ioaddr + vb_legacy_config_base(vp) + offset;
	unsigned int size = vb_legacy_config_size(vdev), i;

	if (offset > size || len > size - offset)
		return;
	for (i = 0; i < len; i++)
		iowrite8(((const u8 *)buf)[i], p + i);
}

static bool vb_legacy_notify(struct virtbus_vq *vq)
{
	iowrite16(vq->index, to_vb_pci(vq->vdev)->ioaddr +
		  VIRTBUS_PCI_LEGACY_QUEUE_NOTIFY);
	return true;
}

static int vb_legacy_setup_vq(struct vb_pci_dev *vp, unsigned int index,
			      const struct virtbus_vq_info *info, u16 vector)
{
	void __iomem *io = vp->ioaddr;
	struct virtbus_vq_params params = {
		.index = index,
		.align = VIRTBUS_PCI_LEGACY_ALIGN,
		.dma_dev = &vp->pci->dev,
		.notify = vb_legacy_notify,
		.callback = info->callback,
		.name = info->name,
	};
	struct virtbus_vq_layout l;
	struct virtbus_vq *vq;
	int err;

	iowrite16(index, io + VIRTBUS_PCI_LEGACY_QUEUE_SEL);
	params.num = ioread16(io + VIRTBUS_PCI_LEGACY_QUEUE_NUM);
	err = vb_pci_check_queue_size(vp, index, params.num);
	if (err)
		return err;
	if (ioread32(io + VIRTBUS_PCI_LEGACY_QUEUE_PFN)) {
		dev_err(&vp->pci->dev, "queue %u already set up\n", index);
		return -EBUSY;
	}
	/* The legacy device dictates the size: no smaller ring allowed. */
	vq = virtbus_vq_new(&vp->vdev, &params);
	if (IS_ERR(vq))
		return PTR_ERR(vq);
	vp->vqs[index].vq = vq;
	virtbus_vq_get_layout(vq, &l);
	if (l.desc_dma >> VB_LEGACY_DMA_BITS) {
		dev_err(&vp->pci->dev, "queue %u placed beyond 2^%u\n",
			index, VB_LEGACY_DMA_BITS);
		return -ENOMEM;	/* the caller deletes the queue */
	}
	if (vector != VIRTBUS_PCI_NO_VECTOR) {
		iowrite16(vector, io + VIRTBUS_PCI_LEGACY_MSIX_QUEUE);
		if (ioread16(io + VIRTBUS_PCI_LEGACY_MSIX_QUEUE) != vector) {
			dev_err(&vp->pci->dev, "queue %u refused vector %u\n",
				index, vector);
			return -EBUSY;
		}
	}
	iowrite32(l.desc_dma >> VIRTBUS_PCI_LEGACY_PFN_SHIFT,
		  io + VIRTBUS_PCI_LEGACY_QUEUE_PFN);
	return 0;
}

static void vb_legacy_del_vq(struct vb_pci_dev *vp, unsigned int index)
{
	void __iomem *io = vp->ioaddr;

	iowrite16(index, io + VIRTBUS_PCI_LEGACY_QUEUE_SEL);
	if (vp->msix_enabled) {
		iowrite16(VIRTBUS_PCI_NO_VECTOR,
			  io + VIRTBUS_PCI_LEGACY_MSIX_QUEUE);
		/* Flush the write before the vector goes away. */
		ioread8(io + VIRTBUS_PCI_LEGACY_ISR);
	}
	iowrite32(0, io + VIRTBUS_PCI_LEGACY_QUEUE_PFN);
	virtbus_vq_del(vp->vqs[index].vq);
	vp->vqs[index].vq = NULL;
}

static u16 vb_legacy_config_vector(struct vb_pci_dev *vp, u16 vector)
{
	iowrite16(vector, vp->ioaddr + VIRTBUS_PCI_LEGACY_MSIX_CONFIG);
	return ioread16(vp->ioaddr + VIRTBUS_PCI_LEGACY_MSIX_CONFIG);
}

static u8 vb_legacy_read_isr(struct vb_pci_dev *vp)
{
	return ioread8(vp->ioaddr + VIRTBUS_PCI_LEGACY_ISR);
}

static void vb_legacy_teardown(struct vb_pci_dev *vp)
{
	if (vp->ioaddr)
		pci_iounmap(vp->pci, vp->ioaddr);
	vp->ioaddr = NULL;
}

static const struct virtbus_transport_ops vb_legacy_ops = {
	.name = "pci",
	.get_status = vb_legacy_get_status,
	.set_status = vb_legacy_set_status,
	.reset = vb_legacy_reset,
	.get_features = vb_legacy_get_features,
	.transport_features = vb_legacy_transport_features,
	.finalize_features = vb_legacy_finalize_features,
	.config_get = vb_legacy_config_get,
	.config_set = vb_legacy_config_set,
	.config_size = vb_legacy_config_size,
	.find_vqs = vb_pci_find_vqs,
	.get_vq_affinity = vb_pci_get_vq_affinity,
	.del_vqs = vb_pci_del_vqs,
	.synchronize_cbs = vb_pci_synchronize_cbs,
};

static const struct vb_pci_mode vb_legacy_mode = {
	.ops = &vb_legacy_ops,
	.setup_vq = vb_legacy_setup_vq,
	.del_vq = vb_legacy_del_vq,
	.config_vector = vb_legacy_config_vector,
	.read_isr = vb_legacy_read_isr,
	.teardown = vb_legacy_teardown,
};

int vb_pci_legacy_probe(struct vb_pci_dev *vp)
{
	struct pci_dev *pci = vp->pci;
	int err;

	/* IDs above the transitional range are modern-only. */
	if (pci->device > VIRTBUS_PCI_LEGACY_MAX) {
		dev_err(&pci->dev, "modern device without modern capabilities\n");
		return -ENODEV;
	}
	if (!(pci_resource_flags(pci, 0) & IORESOURCE_IO) ||
	    pci_resource_len(pci, 0) < VIRTBUS_PCI_LEGACY_CONFIG(true)) {
		dev_err(&pci->dev, "no legacy I/O BAR\n");
		return -ENODEV;
	}
	err = dma_set_mask(&pci->dev, DMA_BIT_MASK(64));
	if (!err)
		err = dma_set_coherent_mask(&pci->dev,
					    DMA_BIT_MASK(VB_LEGACY_DMA_BITS));
	if (err) {
		dev_err(&pci->dev, "no usable DMA mask\n");
		return -EIO;
	}
	vp->io_len = pci_resource_len(pci, 0);
	vp->ioaddr = pci_iomap(pci, 0, 0);
	if (!vp->ioaddr)
		return -ENOMEM;
	vp->vdev.id.device = pci->subsystem_device;
	vp->vdev.id.vendor = pci->subsystem_vendor;
	vp->mode = &vb_legacy_mode;
	vp->vdev.ops = &vb_legacy_ops;
	return 0;
}

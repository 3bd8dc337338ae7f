// SPDX-License-Identifier: GPL-2.0
/*
 * virtbus_pci: virtio 1.x PCI devices, found through vendor capabilities
 * (virtio 1.x section 4.1.4). Every capability is checked against the
 * BAR it points into before anything is mapped.
 */
#include <linux/delay.h>
#include <linux/io-64-nonatomic-lo-hi.h>

#include "virtbus_pci.h"

/* How long a device may take to come back from reset. */
#define VB_PCI_RESET_TIMEOUT_MS	5000

struct vb_pci_cap_loc {
	u8 bar;
	u32 offset;
	u32 length;
	int pos;		/* in config space, for the notify multiplier */
};

/*
 * The first capability of @type whose region lies inside a memory BAR
 * and is at least @min_len long. Later ones are alternatives the spec
 * lets a driver ignore.
 */
static bool vb_pci_find_cap(struct pci_dev *pci, u8 type, u32 min_len,
			    struct vb_pci_cap_loc *loc)
{
	int pos;

	for (pos = pci_find_capability(pci, PCI_CAP_ID_VNDR); pos > 0;
	     pos = pci_find_next_capability(pci, pos, PCI_CAP_ID_VNDR)) {
		u8 cfg_type, bar;
		u32 offset, length;
		u64 bar_len;

		pci_read_config_byte(pci, pos + offsetof(struct virtbus_pci_cap,
							 cfg_type), &cfg_type);
		if (cfg_type != type)
			continue;
		pci_read_config_byte(pci, pos + offsetof(struct virtbus_pci_cap,
							 bar), &bar);
		pci_read_config_dword(pci, pos + offsetof(struct virtbus_pci_cap,
							  offset), &offset);
		pci_read_config_dword(pci, pos + offsetof(struct virtbus_pci_cap,
							  length), &length);
		if (bar >= PCI_STD_NUM_BARS ||
		    !(pci_resource_flags(pci, bar) & IORESOURCE_MEM)) {
			dev_warn(&pci->dev, "capability %u: BAR %u unusable\n",
				 type, bar);
			continue;
		}
		bar_len = pci_resource_len(pci, bar);
		if (length < min_len || (u64)offset + length > bar_len) {
			dev_warn(&pci->dev,
				 "capability %u: %u bytes at %#x outside BAR %u (%llu bytes)\n",
				 type, length, offset, bar, bar_len);
			continue;
		}
		loc->bar = bar;
		loc->offset = offset;
		loc->length = length;
		loc->pos = pos;
		return true;
	}
	return false;
}

static void __iomem *vb_pci_map_cap(struct pci_dev *pci,
				    const struct vb_pci_cap_loc *loc)
{
	return pci_iomap_range(pci, loc->bar, loc->offset, loc->length);
}

static u8 vb_modern_get_status(struct virtbus_device *vdev)
{
	return ioread8(&to_vb_pci(vdev)->common->device_status);
}

static void vb_modern_set_status(struct virtbus_device *vdev, u8 status)
{
	/* Status 0 is a reset, which only reset() may do. */
	if (!status)
		return;
	iowrite8(status, &to_vb_pci(vdev)->common->device_status);
}

static void vb_modern_reset(struct virtbus_device *vdev)
{
	struct vb_pci_dev *vp = to_vb_pci(vdev);
	unsigned int waited = 0;

	iowrite8(0, &vp->common->device_status);
	/* The reset is done when the device reads back 0 (4.1.4.3.2). */
	while (ioread8(&vp->common->device_status)) {
		if (waited >= VB_PCI_RESET_TIMEOUT_MS ||
		    !pci_device_is_present(vp->pci)) {
			dev_err(&vdev->dev, "device does not come out of reset\n");
			virtbus_break_device(vdev);
			break;
		}
		usleep_range(1000, 2000);
		waited++;
	}
	vb_pci_synchronize_cbs(vdev);
}

static u64 vb_modern_get_features(struct virtbus_device *vdev)
{
	struct virtbus_pci_common_cfg __iomem *c = to_vb_pci(vdev)->common;
	u64 features;

	iowrite32(0, &c->device_feature_select);
	features = ioread32(&c->device_feature);
	iowrite32(1, &c->device_feature_select);
	features |= (u64)ioread32(&c->device_feature) << 32;
	return features;
}

static void vb_modern_transport_features(struct virtbus_device *vdev,
					 u64 *features)
{
	/* The ring is split only; the rest needs transport support we lack. */
	*features &= ~(BIT_ULL(VIRTBUS_F_RING_PACKED) |
		       BIT_ULL(VIRTBUS_F_IN_ORDER) |
		       BIT_ULL(VIRTBUS_F_SR_IOV) |
		       BIT_ULL(VIRTBUS_F_NOTIFICATION_DATA) |
		       BIT_ULL(VIRTBUS_F_RING_RESET));
}

static int vb_modern_finalize_features(struct virtbus_device *vdev)
{
	struct virtbus_pci_common_cfg __iomem *c = to_vb_pci(vdev)->common;

	if (!virtbus_has_feature(vdev, VIRTBUS_F_VERSION_1)) {
		dev_err(&vdev->dev, "a modern device needs VERSION_1\n");
		return -EINVAL;
	}
	iowrite32(0, &c->guest_feature_select);
	iowrite32(lower_32_bits(vdev->features), &c->guest_feature);
	iowrite32(1, &c->guest_feature_select);
	iowrite32(upper_32_bits(vdev->features), &c->guest_feature);
	return 0;
}

static bool vb_modern_config_ok(struct vb_pci_dev *vp, unsigned int offset,
				unsigned int len)
{
	return vp->device && offset <= vp->device_len &&
	       len <= vp->device_len - offset;
}

/*
 * Naturally aligned fields in one access, 64-bit ones in two 32-bit
 * accesses (4.1.3.1: never narrower than 32 bits for them), the rest
 * byte by byte. The core retries a read across a generation change, so
 * the two halves of a read are never torn. The caller's buffer may be
 * unaligned: values go through locals.
 */
static void vb_modern_config_get(struct virtbus_device *vdev,
				 unsigned int offset, void *buf,
				 unsigned int len)
{
	struct vb_pci_dev *vp = to_vb_pci(vdev);
	void __iomem *p = vp->device + offset;
	__le32 w[2];
	__le16 h;
	unsigned int i;

	if (!vb_modern_config_ok(vp, offset, len)) {
		memset(buf, 0, len);
		return;
	}
	if (len == 2 && IS_ALIGNED(offset, 2)) {
		h = cpu_to_le16(ioread16(p));
		memcpy(buf, &h, sizeof(h));
	} else if ((len == 4 || len == 8) && IS_ALIGNED(offset, 4)) {
		for (i = 0; i < len / 4; i++)
			w[i] = cpu_to_le32(ioread32(p + 4 * i));
		memcpy(buf, w, len);
	} else {
		for (i = 0; i < len; i++)
			((u8 *)buf)[i] = ioread8(p + i);
	}
}

static void vb_modern_config_set(struct virtbus_device *vdev,
				 unsigned int offset, const void *buf,
				 unsigned int len)
{
	struct vb_pci_dev *vp = to_vb_pci(vdev);
	void __iomem *p = vp->device + offset;
	unsigned int i;
	__le32 w[2];
	__le16 h;

	if (!vb_modern_config_ok(vp, offset, len))
		return;
	if (len == 2 && IS_ALIGNED(offset, 2)) {
		memcpy(&h, buf, sizeof(h));
		iowrite16(le16_to_cpu(h), p);
	} else if ((len == 4 || len == 8) && IS_ALIGNED(offset, 4)) {
		/* A 64-bit field low half first, as virtio_pci writes it. */
		memcpy(w, buf, len);
		for (i = 0; i < len / 4; i++)
			iowrite32(le32_to_cpu(w[i]), p + 4 * i);
	} else {
		for (i = 0; i < len; i++)
			iowrite8(((const u8 *)buf)[i], p + i);
	}
}

static unsigned int vb_modern_config_size(struct virtbus_device *vdev)
{
	struct vb_pci_dev *vp = to_vb_pci(vdev);

	return vp->device ? vp->device_len : 0;
}

static u32 vb_modern_generation(struct virtbus_device *vdev)
{
	return ioread8(&to_vb_pci(vdev)->common->config_generation);
}

static bool vb_modern_notify(struct virtbus_vq *vq)
{
	iowrite16(vq->index, vb_pci_vq_of(vq)->notify);
	return true;
}

static int vb_modern_setup_vq(struct vb_pci_dev *vp, unsigned int index,
			      const struct virtbus_vq_info *info, u16 vector)
{
	struct virtbus_pci_common_cfg __iomem *c = vp->common;
	struct virtbus_vq_params params = {
		.index = index,
		.align = SMP_CACHE_BYTES,
		.dma_dev = &vp->pci->dev,
		.notify = vb_modern_notify,
		.callback = info->callback,
		.name = info->name,
	};
	struct virtbus_vq_layout l;
	struct virtbus_vq *vq;
	u64 notify_off;
	int err;

	if (index >= ioread16(&c->num_queues)) {
		dev_err(&vp->pci->dev, "device has no queue %u\n", index);
		return -ENOENT;
	}
	iowrite16(index, &c->queue_select);
	params.num = ioread16(&c->queue_size);
	err = vb_pci_check_queue_size(vp, index, params.num);
	if (err)
		return err;
	if (ioread16(&c->queue_enable)) {
		dev_err(&vp->pci->dev, "queue %u already enabled\n", index);
		return -EBUSY;
	}
	notify_off = (u64)ioread16(&c->queue_notify_off) * vp->notify_mult;
	if (notify_off + 2 > vp->notify_len) {
		dev_err(&vp->pci->dev, "queue %u notify offset %llu out of range\n",
			index, notify_off);
		return -EINVAL;
	}

	/* A modern device takes a smaller ring when memory is short. */
	for (;;) {
		vq = virtbus_vq_new(&vp->vdev, &params);
		if (!IS_ERR(vq) || PTR_ERR(vq) != -ENOMEM || params.num == 1)
			break;
		params.num /= 2;
	}
	if (IS_ERR(vq))
		return PTR_ERR(vq);

	virtbus_vq_get_layout(vq, &l);
	iowrite16(params.num, &c->queue_size);
	lo_hi_writeq(l.desc_dma, &c->queue_desc_lo);
	lo_hi_writeq(l.avail_dma, &c->queue_avail_lo);
	lo_hi_writeq(l.used_dma, &c->queue_used_lo);
	vp->vqs[index].vq = vq;
	vp->vqs[index].notify = vp->notify_base + notify_off;

	if (vector != VIRTBUS_PCI_NO_VECTOR) {
		iowrite16(vector, &c->queue_msix_vector);
		if (ioread16(&c->queue_msix_vector) != vector) {
			dev_err(&vp->pci->dev, "queue %u refused vector %u\n",
				index, vector);
			return -EBUSY;	/* the caller deletes the queue */
		}
	}
	/* Enabled by vb_modern_find_vqs(), once everything else worked. */
	return 0;
}

/*
 * Set every queue up, then enable them all. Enabling comes last: a
 * driver may never write 0 to queue_enable (4.1.4.3.2), so only a reset
 * takes an enabled queue back, and one enabled before a later step
 * failed would be left pointing at a ring the teardown frees, and would
 * refuse the next attempt (a shared vector, INTx) as already enabled.
 */
static int vb_modern_find_vqs(struct virtbus_device *vdev, unsigned int nvqs,
			      struct virtbus_vq *vqs[],
			      const struct virtbus_vq_info info[])
{
	struct vb_pci_dev *vp = to_vb_pci(vdev);
	unsigned int i;
	int err;

	err = vb_pci_find_vqs(vdev, nvqs, vqs, info);
	if (err)
		return err;
	for (i = 0; i < nvqs; i++) {
		iowrite16(i, &vp->common->queue_select);
		iowrite16(1, &vp->common->queue_enable);
	}
	return 0;
}

static void vb_modern_del_vq(struct vb_pci_dev *vp, unsigned int index)
{
	struct virtbus_pci_common_cfg __iomem *c = vp->common;

	iowrite16(index, &c->queue_select);
	if (vp->msix_enabled) {
		iowrite16(VIRTBUS_PCI_NO_VECTOR, &c->queue_msix_vector);
		/* Flush the write before the vector goes away. */
		ioread16(&c->queue_msix_vector);
	}
	virtbus_vq_del(vp->vqs[index].vq);
	vp->vqs[index].vq = NULL;
}

static u16 vb_modern_config_vector(struct vb_pci_dev *vp, u16 vector)
{
	iowrite16(vector, &vp->common->msix_config);
	return ioread16(&vp->common->msix_config);
}

static u8 vb_modern_read_isr(struct vb_pci_dev *vp)
{
	return ioread8(vp->isr);
}

static void vb_modern_teardown(struct vb_pci_dev *vp)
{
	struct pci_dev *pci = vp->pci;

	if (vp->device)
		pci_iounmap(pci, vp->device);
	if (vp->isr)
		pci_iounmap(pci, vp->isr);
	if (vp->notify_base)
		pci_iounmap(pci, vp->notify_base);
	if (vp->common)
		pci_iounmap(pci, vp->common);
	vp->device = NULL;
	vp->isr = NULL;
	vp->notify_base = NULL;
	vp->common = NULL;
}

static const struct virtbus_transport_ops vb_modern_ops = {
	.name = "pci",
	.get_status = vb_modern_get_status,
	.set_status = vb_modern_set_status,
	.reset = vb_modern_reset,
	.get_features = vb_modern_get_features,
	.transport_features = vb_modern_transport_features,
	.finalize_features = vb_modern_finalize_features,
	.config_get = vb_modern_config_get,
	.config_set = vb_modern_config_set,
	.config_size = vb_modern_config_size,
	.generation = vb_modern_generation,
	.find_vqs = vb_modern_find_vqs,
	.del_vqs = vb_pci_del_vqs,
	.synchronize_cbs = vb_pci_synchronize_cbs,
	.get_vq_affinity = vb_pci_get_vq_affinity,
};

static const struct vb_pci_mode vb_modern_mode = {
	.ops = &vb_modern_ops,
	.setup_vq = vb_modern_setup_vq,
	.del_vq = vb_modern_del_vq,
	.config_vector = vb_modern_config_vector,
	.read_isr = vb_modern_read_isr,
	.teardown = vb_modern_teardown,
};

/*
 * Set @vp up as a modern device. -ENODEV means "not a modern device" and
 * lets the caller try the legacy interface.
 */
int vb_pci_modern_probe(struct vb_pci_dev *vp)
{
	struct pci_dev *pci = vp->pci;
	struct vb_pci_cap_loc common, notify, isr, device;
	int err;

	if (!vb_pci_find_cap(pci, VIRTBUS_PCI_CAP_COMMON_CFG,
			     sizeof(struct virtbus_pci_common_cfg), &common) ||
	    !vb_pci_find_cap(pci, VIRTBUS_PCI_CAP_NOTIFY_CFG, 2, &notify) ||
	    !vb_pci_find_cap(pci, VIRTBUS_PCI_CAP_ISR_CFG, 1, &isr))
		return -ENODEV;

	if (pci->device > VIRTBUS_PCI_LEGACY_MAX)
		vp->vdev.id.device = pci->device - VIRTBUS_PCI_MODERN_BASE;
	else
		vp->vdev.id.device = pci->subsystem_device;
	vp->vdev.id.vendor = pci->subsystem_vendor;

	err = dma_set_mask_and_coherent(&pci->dev, DMA_BIT_MASK(64));
	if (err)
		err = dma_set_mask_and_coherent(&pci->dev, DMA_BIT_MASK(32));
	if (err) {
		dev_err(&pci->dev, "no usable DMA mask\n");
		return -EIO;
	}

	pci_read_config_dword(pci, notify.pos +
			      offsetof(struct virtbus_pci_notify_cap,
				       notify_off_multiplier),
			      &vp->notify_mult);
	vp->notify_len = notify.length;
	vp->common = vb_pci_map_cap(pci, &common);
	vp->notify_base = vb_pci_map_cap(pci, &notify);
	vp->isr = vb_pci_map_cap(pci, &isr);
	if (vb_pci_find_cap(pci, VIRTBUS_PCI_CAP_DEVICE_CFG, 1, &device)) {
		vp->device = vb_pci_map_cap(pci, &device);
		vp->device_len = vp->device ? device.length : 0;
	}
	vp->mode = &vb_modern_mode;
	vp->vdev.ops = &vb_modern_ops;
	if (!vp->common || !vp->notify_base || !vp->isr) {
		dev_err(&pci->dev, "cannot map the device's registers\n");
		vb_modern_teardown(vp);
		return -ENOMEM;
	}
	return 0;
}

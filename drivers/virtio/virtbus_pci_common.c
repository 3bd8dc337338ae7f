// SPDX-License-Identifier: GPL-2.0
/*
 * virtbus_pci: the virtio PCI transport, the parts modern and legacy
 * devices share: the pci_driver, interrupts and queue bookkeeping.
 *
 * Interrupt policy, best first: MSI-X with a config vector and one vector
 * per queue that has a callback (spread over the CPUs, for the queues that
 * ask: each then lands on the CPUs its queue serves); MSI-X with a config
 * vector and one vector
 * shared by all queues; INTx (shared) with the ISR register telling queue
 * and config events apart.
 */
#include <linux/module.h>
#include <linux/slab.h>

#include "virtbus_pci.h"

/* Map a queue back to the transport's record of it. */
struct vb_pci_vq *vb_pci_vq_of(struct virtbus_vq *vq)
{
	return &to_vb_pci(vq->vdev)->vqs[vq->index];
}

/* Queue sizes come from the device: check them before trusting them. */
int vb_pci_check_queue_size(struct vb_pci_dev *vp, unsigned int index,
			    unsigned int num)
{
	if (!num) {
		dev_err(&vp->pci->dev, "queue %u does not exist\n", index);
		return -ENOENT;
	}
	if (!is_power_of_2(num) || num > VIRTBUS_RING_MAX_SIZE) {
		dev_err(&vp->pci->dev, "queue %u has invalid size %u\n",
			index, num);
		return -EINVAL;
	}
	return 0;
}

static irqreturn_t vb_pci_config_irq(int irq, void *opaque)
{
	struct vb_pci_dev *vp = opaque;

	virtbus_config_changed(&vp->vdev);
	return IRQ_HANDLED;
}

/* The handler of a vector (or INTx line) that several queues share. */
static irqreturn_t vb_pci_vqs_irq(int irq, void *opaque)
{
	struct vb_pci_dev *vp = opaque;
	irqreturn_t ret = IRQ_NONE;
	unsigned int i;

	for (i = 0; i < vp->nvqs; i++)
		if (vp->vqs[i].vq &&
		    virtbus_vq_interrupt(irq, vp->vqs[i].vq) == IRQ_HANDLED)
			ret = IRQ_HANDLED;
	return ret;
}

static irqreturn_t vb_pci_intx_irq(int irq, void *opaque)
{
	struct vb_pci_dev *vp = opaque;
	u8 isr = vp->mode->read_isr(vp);

	/* Reading cleared it; zero means the line is someone else's. */
	if (!isr || isr == 0xff)
		return IRQ_NONE;
	if (isr & VIRTBUS_PCI_ISR_CONFIG)
		virtbus_config_changed(&vp->vdev);
	vb_pci_vqs_irq(irq, vp);
	return IRQ_HANDLED;
}

static void vb_pci_free_irqs(struct vb_pci_dev *vp)
{
	struct pci_dev *pci = vp->pci;
	unsigned int i;

	if (vp->intx_requested) {
		free_irq(pci->irq, vp);
		vp->intx_requested = false;
	}
	if (vp->config_irq) {
		vp->mode->config_vector(vp, VIRTBUS_PCI_NO_VECTOR);
		free_irq(pci_irq_vector(pci, 0), vp);
		vp->config_irq = false;
	}
	if (vp->shared_vector) {
		free_irq(pci_irq_vector(pci, 1), vp);
		vp->shared_vector = false;
	}
	for (i = 0; i < vp->nvqs; i++) {
		struct vb_pci_vq *pvq = &vp->vqs[i];

		if (pvq->irq_requested) {
			free_irq(pci_irq_vector(pci, pvq->vector), pvq->vq);
			pvq->irq_requested = false;
		}
	}
	if (vp->msix_enabled) {
		pci_free_irq_vectors(pci);
		vp->msix_enabled = false;
	}
	vp->nvectors = 0;
}

static void vb_pci_teardown(struct vb_pci_dev *vp)
{
	unsigned int i;

	/* Handlers first: none may run on a queue being freed. */
	vb_pci_free_irqs(vp);
	for (i = 0; i < vp->nvqs; i++)
		if (vp->vqs[i].vq)
			vp->mode->del_vq(vp, i);
	kfree(vp->vqs);
	vp->vqs = NULL;
	vp->nvqs = 0;
	kfree(vp->irq_names);
	vp->irq_names = NULL;
}

static int vb_pci_alloc_state(struct vb_pci_dev *vp, unsigned int nvqs,
			      unsigned int nnames)
{
	vp->vqs = kcalloc(nvqs, sizeof(*vp->vqs), GFP_KERNEL);
	vp->irq_names = kcalloc(nnames, sizeof(*vp->irq_names), GFP_KERNEL);
	if (!vp->vqs || !vp->irq_names) {
		kfree(vp->vqs);
		kfree(vp->irq_names);
		vp->vqs = NULL;
		vp->irq_names = NULL;
		return -ENOMEM;
	}
	vp->nvqs = nvqs;
	return 0;
}

static int vb_pci_setup_all(struct vb_pci_dev *vp, unsigned int nvqs,
			    struct virtbus_vq *vqs[],
			    const struct virtbus_vq_info info[],
			    bool per_vq, unsigned int *next_vector)
{
	unsigned int i;
	int err;

	for (i = 0; i < nvqs; i++) {
		u16 vector = VIRTBUS_PCI_NO_VECTOR;

		if (info[i].callback && vp->msix_enabled)
			vector = per_vq ? (*next_vector)++ : 1;
		vp->vqs[i].vector = vector;
		err = vp->mode->setup_vq(vp, i, &info[i], vector);
		if (err)
			return err;
		vqs[i] = vp->vqs[i].vq;
	}
	return 0;
}

/*
 * Which vectors to spread over the CPUs, for queues that asked for it
 * (&virtbus_vq_info.spread): vectors go to the config interrupt, then to
 * the queues with callbacks in order, so the spread ones must be one run
 * of those, with the vectors before and after it kept out. False if no
 * queue asked, or the ones that did are not consecutive.
 */
static bool vb_pci_spread(struct vb_pci_dev *vp,
			  const struct virtbus_vq_info info[],
			  unsigned int nvqs, struct irq_affinity *desc)
{
	unsigned int i, before = 0, spread = 0, after = 0;

	for (i = 0; i < nvqs; i++) {
		if (!info[i].callback)
			continue;
		if (!info[i].spread) {
			if (spread)
				after++;
			else
				before++;
			continue;
		}
		if (after) {
			dev_warn(&vp->pci->dev,
				 "queues to spread are not consecutive; spreading none\n");
			return false;
		}
		spread++;
	}
	desc->pre_vectors = 1 + before;
	desc->post_vectors = after;
	return spread;
}

/* Try MSI-X, with a vector per queue (@per_vq) or one shared vector. */
static int vb_pci_find_vqs_msix(struct vb_pci_dev *vp, unsigned int nvqs,
				struct virtbus_vq *vqs[],
				const struct virtbus_vq_info info[],
				bool per_vq)
{
	const char *name = dev_name(&vp->vdev.dev);
	struct pci_dev *pci = vp->pci;
	unsigned int i, ncb = 0, nvec, next = 1;
	struct irq_affinity desc = { };
	bool spread;
	int err;

	for (i = 0; i < nvqs; i++)
		if (info[i].callback)
			ncb++;
	nvec = per_vq ? 1 + ncb : 2;
	spread = per_vq && vb_pci_spread(vp, info, nvqs, &desc);
	err = vb_pci_alloc_state(vp, nvqs, nvec);
	if (err)
		return err;
	/* Spread vectors are managed: the kernel keeps them on their CPUs. */
	err = pci_alloc_irq_vectors_affinity(pci, nvec, nvec,
					     PCI_IRQ_MSIX |
					     (spread ? PCI_IRQ_AFFINITY : 0),
					     spread ? &desc : NULL);
	if (err < 0)
		goto fail;
	vp->msix_enabled = true;
	vp->nvectors = nvec;

	snprintf(vp->irq_names[0], sizeof(*vp->irq_names), "%s-config", name);
	err = request_irq(pci_irq_vector(pci, 0), vb_pci_config_irq, 0,
			  vp->irq_names[0], vp);
	if (err)
		goto fail;
	vp->config_irq = true;
	if (vp->mode->config_vector(vp, 0) == VIRTBUS_PCI_NO_VECTOR) {
		err = -EBUSY;
		goto fail;
	}
	if (!per_vq) {
		snprintf(vp->irq_names[1], sizeof(*vp->irq_names),
			 "%s-virtqueues", name);
		err = request_irq(pci_irq_vector(pci, 1), vb_pci_vqs_irq, 0,
				  vp->irq_names[1], vp);
		if (err)
			goto fail;
		vp->shared_vector = true;
	}

	err = vb_pci_setup_all(vp, nvqs, vqs, info, per_vq, &next);
	if (err)
		goto fail;
	for (i = 0; spread && i < nvqs; i++)
		vp->vqs[i].spread = info[i].callback && info[i].spread;
	if (per_vq) {
		for (i = 0; i < nvqs; i++) {
			u16 v = vp->vqs[i].vector;

			if (v == VIRTBUS_PCI_NO_VECTOR)
				continue;
			snprintf(vp->irq_names[v], sizeof(*vp->irq_names),
				 "%s-%s", name, info[i].name);
			err = request_irq(pci_irq_vector(pci, v),
					  virtbus_vq_interrupt, 0,
					  vp->irq_names[v], vp->vqs[i].vq);
			if (err)
				goto fail;
			vp->vqs[i].irq_requested = true;
		}
	}
	return 0;

fail:
	vb_pci_teardown(vp);
	return err;
}

static int vb_pci_find_vqs_intx(struct vb_pci_dev *vp, unsigned int nvqs,
				struct virtbus_vq *vqs[],
				const struct virtbus_vq_info info[])
{
	unsigned int next = 0;
	int err;

	err = vb_pci_alloc_state(vp, nvqs, 1);
	if (err)
		return err;
	snprintf(vp->irq_names[0], sizeof(*vp->irq_names), "%s",
		 dev_name(&vp->vdev.dev));
	err = request_irq(vp->pci->irq, vb_pci_intx_irq, IRQF_SHARED,
			  vp->irq_names[0], vp);
	if (err)
		goto fail;
	vp->intx_requested = true;
	err = vb_pci_setup_all(vp, nvqs, vqs, info, false, &next);
	if (err)
		goto fail;
	return 0;

fail:
	vb_pci_teardown(vp);
	return err;
}

int vb_pci_find_vqs(struct virtbus_device *vdev, unsigned int nvqs,
		    struct virtbus_vq *vqs[],
		    const struct virtbus_vq_info info[])
{
	struct vb_pci_dev *vp = to_vb_pci(vdev);
	int err;

	if (vp->nvqs)
		return -EBUSY;
	if (!nvqs)
		return 0;
	if (vp->pci->msix_cap) {
		err = vb_pci_find_vqs_msix(vp, nvqs, vqs, info, true);
		if (!err)
			return 0;
		err = vb_pci_find_vqs_msix(vp, nvqs, vqs, info, false);
		if (!err)
			return 0;
		dev_info(&vp->pci->dev, "MSI-X unusable (%d), using INTx\n",
			 err);
	}
	return vb_pci_find_vqs_intx(vp, nvqs, vqs, info);
}

void vb_pci_del_vqs(struct virtbus_device *vdev)
{
	vb_pci_teardown(to_vb_pci(vdev));
}

void vb_pci_synchronize_cbs(struct virtbus_device *vdev)
{
	struct vb_pci_dev *vp = to_vb_pci(vdev);
	unsigned int i;

	if (vp->intx_requested)
		synchronize_irq(vp->pci->irq);
	for (i = 0; vp->msix_enabled && i < vp->nvectors; i++)
		synchronize_irq(pci_irq_vector(vp->pci, i));
}

const struct cpumask *vb_pci_get_vq_affinity(struct virtbus_device *vdev,
					     unsigned int index)
{
	struct vb_pci_dev *vp = to_vb_pci(vdev);

	if (index >= vp->nvqs || !vp->vqs[index].spread)
		return NULL;
	return pci_irq_get_affinity(vp->pci, vp->vqs[index].vector);
}

static void vb_pci_release(struct device *dev)
{
	kfree(to_vb_pci(to_virtbus_device(dev)));
}

static int vb_pci_probe(struct pci_dev *pci, const struct pci_device_id *id)
{
	struct vb_pci_dev *vp;
	int err;

	vp = kzalloc(sizeof(*vp), GFP_KERNEL);
	if (!vp)
		return -ENOMEM;
	vp->pci = pci;
	vp->vdev.dev.parent = &pci->dev;
	vp->vdev.dev.release = vb_pci_release;

	err = pci_enable_device(pci);
	if (err)
		goto out_free;
	err = pci_request_regions(pci, "virtbus_pci");
	if (err)
		goto out_disable;

	err = vb_pci_modern_probe(vp);
	if (err == -ENODEV)
		err = vb_pci_legacy_probe(vp);
	if (err)
		goto out_regions;

	pci_set_master(pci);
	pci_set_drvdata(pci, vp);
	err = virtbus_register_device(&vp->vdev);
	if (err) {
		vp->mode->teardown(vp);
		pci_clear_master(pci);
		pci_release_regions(pci);
		pci_disable_device(pci);
		/* The reference frees vp through vb_pci_release(). */
		put_device(&vp->vdev.dev);
		return err;
	}
	return 0;

out_regions:
	pci_release_regions(pci);
out_disable:
	pci_disable_device(pci);
out_free:
	kfree(vp);
	return err;
}

static void vb_pci_remove(struct pci_dev *pci)
{
	struct vb_pci_dev *vp = pci_get_drvdata(pci);

	/* A device that is gone answers nothing: don't wait for it. */
	if (!pci_device_is_present(pci))
		virtbus_break_device(&vp->vdev);
	get_device(&vp->vdev.dev);
	virtbus_unregister_device(&vp->vdev);
	vp->mode->teardown(vp);
	pci_clear_master(pci);
	pci_release_regions(pci);
	pci_disable_device(pci);
	put_device(&vp->vdev.dev);
}

#define VB_PCI_ID(dev)	PCI_VDEVICE(REDHAT_QUMRANET, dev)

/*
 * Every virtio PCI device ID, spelled out so the module alias claims
 * exactly this range and nothing else of the vendor's (ivshmem, say).
 */
static const struct pci_device_id vb_pci_ids[] = {
	{ VB_PCI_ID(0x1000) }, { VB_PCI_ID(0x1001) }, { VB_PCI_ID(0x1002) },
	{ VB_PCI_ID(0x1003) }, { VB_PCI_ID(0x1004) }, { VB_PCI_ID(0x1005) },
	{ VB_PCI_ID(0x1006) }, { VB_PCI_ID(0x1007) }, { VB_PCI_ID(0x1008) },
	{ VB_PCI_ID(0x1009) }, { VB_PCI_ID(0x100a) }, { VB_PCI_ID(0x100b) },
	{ VB_PCI_ID(0x100c) }, { VB_PCI_ID(0x100d) }, { VB_PCI_ID(0x100e) },
	{ VB_PCI_ID(0x100f) }, { VB_PCI_ID(0x1010) }, { VB_PCI_ID(0x1011) },
	{ VB_PCI_ID(0x1012) }, { VB_PCI_ID(0x1013) }, { VB_PCI_ID(0x1014) },
	{ VB_PCI_ID(0x1015) }, { VB_PCI_ID(0x1016) }, { VB_PCI_ID(0x1017) },
	{ VB_PCI_ID(0x1018) }, { VB_PCI_ID(0x1019) }, { VB_PCI_ID(0x101a) },
	{ VB_PCI_ID(0x101b) }, { VB_PCI_ID(0x101c) }, { VB_PCI_ID(0x101d) },
	{ VB_PCI_ID(0x101e) }, { VB_PCI_ID(0x101f) }, { VB_PCI_ID(0x1020) },
	{ VB_PCI_ID(0x1021) }, { VB_PCI_ID(0x1022) }, { VB_PCI_ID(0x1023) },
	{ VB_PCI_ID(0x1024) }, { VB_PCI_ID(0x1025) }, { VB_PCI_ID(0x1026) },
	{ VB_PCI_ID(0x1027) }, { VB_PCI_ID(0x1028) }, { VB_PCI_ID(0x1029) },
	{ VB_PCI_ID(0x102a) }, { VB_PCI_ID(0x102b) }, { VB_PCI_ID(0x102c) },
	{ VB_PCI_ID(0x102d) }, { VB_PCI_ID(0x102e) }, { VB_PCI_ID(0x102f) },
	{ VB_PCI_ID(0x1030) }, { VB_PCI_ID(0x1031) }, { VB_PCI_ID(0x1032) },
	{ VB_PCI_ID(0x1033) }, { VB_PCI_ID(0x1034) }, { VB_PCI_ID(0x1035) },
	{ VB_PCI_ID(0x1036) }, { VB_PCI_ID(0x1037) }, { VB_PCI_ID(0x1038) },
	{ VB_PCI_ID(0x1039) }, { VB_PCI_ID(0x103a) }, { VB_PCI_ID(0x103b) },
	{ VB_PCI_ID(0x103c) }, { VB_PCI_ID(0x103d) }, { VB_PCI_ID(0x103e) },
	{ VB_PCI_ID(0x103f) }, { VB_PCI_ID(0x1040) }, { VB_PCI_ID(0x1041) },
	{ VB_PCI_ID(0x1042) }, { VB_PCI_ID(0x1043) }, { VB_PCI_ID(0x1044) },
	{ VB_PCI_ID(0x1045) }, { VB_PCI_ID(0x1046) }, { VB_PCI_ID(0x1047) },
	{ VB_PCI_ID(0x1048) }, { VB_PCI_ID(0x1049) }, { VB_PCI_ID(0x104a) },
	{ VB_PCI_ID(0x104b) }, { VB_PCI_ID(0x104c) }, { VB_PCI_ID(0x104d) },
	{ VB_PCI_ID(0x104e) }, { VB_PCI_ID(0x104f) }, { VB_PCI_ID(0x1050) },
	{ VB_PCI_ID(0x1051) }, { VB_PCI_ID(0x1052) }, { VB_PCI_ID(0x1053) },
	{ VB_PCI_ID(0x1054) }, { VB_PCI_ID(0x1055) }, { VB_PCI_ID(0x1056) },
	{ VB_PCI_ID(0x1057) }, { VB_PCI_ID(0x1058) }, { VB_PCI_ID(0x1059) },
	{ VB_PCI_ID(0x105a) }, { VB_PCI_ID(0x105b) }, { VB_PCI_ID(0x105c) },
	{ VB_PCI_ID(0x105d) }, { VB_PCI_ID(0x105e) }, { VB_PCI_ID(0x105f) },
	{ VB_PCI_ID(0x1060) }, { VB_PCI_ID(0x1061) }, { VB_PCI_ID(0x1062) },
	{ VB_PCI_ID(0x1063) }, { VB_PCI_ID(0x1064) }, { VB_PCI_ID(0x1065) },
	{ VB_PCI_ID(0x1066) }, { VB_PCI_ID(0x1067) }, { VB_PCI_ID(0x1068) },
	{ VB_PCI_ID(0x1069) }, { VB_PCI_ID(0x106a) }, { VB_PCI_ID(0x106b) },
	{ VB_PCI_ID(0x106c) }, { VB_PCI_ID(0x106d) }, { VB_PCI_ID(0x106e) },
	{ VB_PCI_ID(0x106f) }, { VB_PCI_ID(0x1070) }, { VB_PCI_ID(0x1071) },
	{ VB_PCI_ID(0x1072) }, { VB_PCI_ID(0x1073) }, { VB_PCI_ID(0x1074) },
	{ VB_PCI_ID(0x1075) }, { VB_PCI_ID(0x1076) }, { VB_PCI_ID(0x1077) },
	{ VB_PCI_ID(0x1078) }, { VB_PCI_ID(0x1079) }, { VB_PCI_ID(0x107a) },
	{ VB_PCI_ID(0x107b) }, { VB_PCI_ID(0x107c) }, { VB_PCI_ID(0x107d) },
	{ VB_PCI_ID(0x107e) }, { VB_PCI_ID(0x107f) },
	{ }
};
MODULE_DEVICE_TABLE(pci, vb_pci_ids);

static struct pci_driver vb_pci_driver = {
	.name = "virtbus_pci",
	.id_table = vb_pci_ids,
	.probe = vb_pci_probe,
	.remove = vb_pci_remove,
};
module_pci_driver(vb_pci_driver);

MODULE_DESCRIPTION("virtbus virtio PCI transport (modern and legacy)");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(VIRTBUS);

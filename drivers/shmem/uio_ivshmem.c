// SPDX-License-Identifier: GPL-2.0
/*
 * uio_ivshmem: Nahanni/ivshmem shared memory and doorbells for userspace.
 *
 * Binds QEMU's ivshmem-plain and ivshmem-doorbell (1af4:1110) and keeps
 * the UIO layout existing Nahanni programs use: map 0 is the register BAR,
 * map 1 the shared memory, and read() on /dev/uioN returns the cumulative
 * event count of all vectors. Beyond that:
 *
 * - the shared memory is mapped write-back, not uncached: it is RAM on the
 *   host side, and every copy through an uncached mapping is slow;
 * - every MSI-X vector has its own handler and counter, shown in
 *   events/vectorN on the PCI device; the files support poll() (POLLPRI),
 *   so a program can wait for one vector and knows which one fired;
 * - IVPosition and the vector count are in sysfs.
 *
 * Order matters at both ends. The sysfs attributes exist before the UIO
 * device is announced, so a program started by its uevent finds them;
 * the interrupt handlers, which signal the UIO device, run only while it
 * is registered. The module is not pinned by open device files: after
 * uio_unregister_device() the UIO core calls nothing of ours (it checks
 * its info pointer under its lock), so it can be unloaded while programs
 * still hold their mappings.
 */
#include <linux/interrupt.h>
#include <linux/kernfs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/uio_driver.h>
#include <uapi/virtbus/ivshmem.h>

#define DRV_NAME	"uio_ivshmem"

struct ivshmem_vector {
	struct ivshmem_dev *ivs;
	atomic_t count;
	struct kernfs_node *kn;		/* events/vectorN, for poll() */
	struct device_attribute attr;
	char name[20];			/* "vector" and up to 10 digits */
};

struct ivshmem_dev {
	struct uio_info info;
	struct pci_dev *pdev;
	void __iomem *regs;
	/* The rest of the registers' page, held so nothing else lands in it. */
	struct resource page_head, page_tail;
	bool regs_mappable;
	unsigned int nvectors;
	struct ivshmem_vector *vectors;
	struct attribute **event_attrs;
	struct attribute_group event_group;
	bool events_added;
};

static irqreturn_t ivshmem_vector_irq(int irq, void *data)
{
	struct ivshmem_vector *v = data;

	atomic_inc(&v->count);
	if (v->kn)
		kernfs_notify(v->kn);
	uio_event_notify(&v->ivs->info);
	return IRQ_HANDLED;
}

/*
 * Map 0 (registers) uncached, as MMIO must be; map 1 (shared memory) with
 * the caller's default, write-back, attributes; map 2 (the same memory)
 * uncached, as Nahanni's driver mapped it. UIO passes the map index in
 * vm_pgoff. A map starts on the page its memory starts in, @offs bytes
 * before it (the offset in sysfs), and is at most that and the memory's
 * size, rounded up to pages. remap_pfn_range() marks the area
 * VM_IO | VM_PFNMAP.
 */
static int ivshmem_mmap(struct uio_info *info, struct vm_area_struct *vma)
{
	struct ivshmem_dev *ivs = info->priv;
	unsigned long mi = vma->vm_pgoff;
	struct uio_mem *mem;

	if (mi >= MAX_UIO_MAPS || !info->mem[mi].size)
		return -EINVAL;
	mem = &info->mem[mi];
	if (mi == VIRTBUS_IVSHMEM_UIO_MAP_REGS && !ivs->regs_mappable)
		return -EPERM;
	if (vma->vm_end - vma->vm_start > PAGE_ALIGN(mem->offs + mem->size))
		return -EINVAL;
	if (mi == VIRTBUS_IVSHMEM_UIO_MAP_REGS ||
	    mi == VIRTBUS_IVSHMEM_UIO_MAP_SHM_UNCACHED)
		vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	return remap_pfn_range(vma, vma->vm_start, mem->addr >> PAGE_SHIFT,
			       vma->vm_end - vma->vm_start, vma->vm_page_prot);
}

/*
 * Claim @start..@end (inside the register BAR's page, outside the BAR)
 * so that no other device's registers can be placed there; false if
 * something is there already.
 */
static bool ivshmem_claim_range(struct resource *parent, struct resource *r,
				resource_size_t start, resource_size_t end)
{
	if (start > end)
		return true;
	r->name = DRV_NAME " register page";
	r->start = start;
	r->end = end;
	r->flags = IORESOURCE_MEM | IORESOURCE_BUSY;
	if (!request_resource(parent, r))
		return true;
	r->parent = NULL;
	return false;
}

static void ivshmem_release_reg_page(struct ivshmem_dev *ivs)
{
	if (ivs->page_head.parent)
		release_resource(&ivs->page_head);
	if (ivs->page_tail.parent)
		release_resource(&ivs->page_tail);
	ivs->regs_mappable = false;
}

/*
 * Mapping the registers gives userspace the whole page they are in. A
 * BAR of 256 bytes need not start on a page, nor be alone in its page:
 * the registers may be mapped only if the rest of the page is empty and
 * stays so (claimed here, as vfio-pci does). Else map 0 is refused and
 * the shared memory still works.
 */
static void ivshmem_claim_reg_page(struct ivshmem_dev *ivs)
{
	struct resource *res = &ivs->pdev->resource[VIRTBUS_IVSHMEM_BAR_REGS];
	resource_size_t page = res->start & PAGE_MASK;
	resource_size_t page_end = page + PAGE_SIZE - 1;

	if (res->parent &&
	    ivshmem_claim_range(res->parent, &ivs->page_head, page,
				res->start - 1) &&
	    (res->end >= page_end ||
	     ivshmem_claim_range(res->parent, &ivs->page_tail, res->end + 1,
				 page_end))) {
		ivs->regs_mappable = true;
		return;
	}
	ivshmem_release_reg_page(ivs);
	dev_warn(&ivs->pdev->dev,
		 "register BAR %pR shares its page: map 0 cannot be mapped\n",
		 res);
}

static ssize_t ivposition_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct ivshmem_dev *ivs = pci_get_drvdata(to_pci_dev(dev));

	return sysfs_emit(buf, "%u\n",
			  ioread32(ivs->regs + VIRTBUS_IVSHMEM_REG_IVPOSITION));
}
static DEVICE_ATTR_RO(ivposition);

static ssize_t vectors_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	struct ivshmem_dev *ivs = pci_get_drvdata(to_pci_dev(dev));

	return sysfs_emit(buf, "%u\n", ivs->nvectors);
}
static DEVICE_ATTR_RO(vectors);

static struct attribute *ivshmem_attrs[] = {
	&dev_attr_ivposition.attr,
	&dev_attr_vectors.attr,
	NULL,
};

static const struct attribute_group ivshmem_group = {
	.attrs = ivshmem_attrs,
};

static ssize_t vector_count_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct ivshmem_vector *v = container_of(attr, struct ivshmem_vector,
						attr);

	return sysfs_emit(buf, "%u\n", (u32)atomic_read(&v->count));
}

static int ivshmem_add_events(struct ivshmem_dev *ivs)
{
	struct device *dev = &ivs->pdev->dev;
	struct kernfs_node *dir;
	unsigned int i;
	int err;

	ivs->event_attrs = devm_kcalloc(dev, ivs->nvectors + 1,
					sizeof(*ivs->event_attrs), GFP_KERNEL);
	if (!ivs->event_attrs)
		return -ENOMEM;
	for (i = 0; i < ivs->nvectors; i++) {
		struct ivshmem_vector *v = &ivs->vectors[i];

		snprintf(v->name, sizeof(v->name), "vector%u", i);
		sysfs_attr_init(&v->attr.attr);
		v->attr.attr.name = v->name;
		v->attr.attr.mode = 0444;
		v->attr.show = vector_count_show;
		ivs->event_attrs[i] = &v->attr.attr;
	}
	ivs->event_group.name = "events";
	ivs->event_group.attrs = ivs->event_attrs;
	err = sysfs_create_group(&dev->kobj, &ivs->event_group);
	if (err)
		return err;
	ivs->events_added = true;

	/* Look the files up once: interrupt handlers cannot. */
	dir = sysfs_get_dirent(dev->kobj.sd, "events");
	if (!dir)
		return -ENOENT;
	for (i = 0; i < ivs->nvectors; i++)
		ivs->vectors[i].kn = sysfs_get_dirent(dir, ivs->vectors[i].name);
	kernfs_put(dir);
	return 0;
}

static void ivshmem_remove_events(struct ivshmem_dev *ivs)
{
	unsigned int i;

	if (!ivs->events_added)
		return;
	for (i = 0; i < ivs->nvectors; i++) {
		kernfs_put(ivs->vectors[i].kn);
		ivs->vectors[i].kn = NULL;
	}
	sysfs_remove_group(&ivs->pdev->dev.kobj, &ivs->event_group);
	ivs->events_added = false;
}

/*
 * ivshmem-doorbell interrupts arrive only through MSI-X (INTx is dead on
 * revision 1 devices), so without MSI-X the device is memory only. The
 * vectors and their event files are set up here; the handlers are
 * requested only once the UIO device is registered (they signal it).
 */
static int ivshmem_setup_vectors(struct ivshmem_dev *ivs)
{
	struct pci_dev *pdev = ivs->pdev;
	unsigned int i;
	int n, err;

	n = pci_msix_vec_count(pdev);
	if (n <= 0) {
		ivs->info.irq = UIO_IRQ_NONE;
		return 0;
	}
	n = pci_alloc_irq_vectors(pdev, n, n, PCI_IRQ_MSIX);
	if (n < 0) {
		dev_warn(&pdev->dev, "no MSI-X (%d): shared memory only\n", n);
		ivs->info.irq = UIO_IRQ_NONE;
		return 0;
	}
	ivs->vectors = devm_kcalloc(&pdev->dev, n, sizeof(*ivs->vectors),
				    GFP_KERNEL);
	if (!ivs->vectors) {
		pci_free_irq_vectors(pdev);
		return -ENOMEM;
	}
	ivs->nvectors = n;
	for (i = 0; i < ivs->nvectors; i++)
		ivs->vectors[i].ivs = ivs;
	err = ivshmem_add_events(ivs);
	if (err) {
		ivshmem_remove_events(ivs);
		ivs->nvectors = 0;
		pci_free_irq_vectors(pdev);
		return err;
	}
	/* The UIO core wakes readers; the handlers are ours. */
	ivs->info.irq = UIO_IRQ_CUSTOM;
	return 0;
}

static void ivshmem_free_irqs(struct ivshmem_dev *ivs, unsigned int n)
{
	while (n--)
		free_irq(pci_irq_vector(ivs->pdev, n), &ivs->vectors[n]);
}

/* Only with the UIO device registered: the handlers signal it. */
static int ivshmem_request_irqs(struct ivshmem_dev *ivs)
{
	unsigned int i;
	int err;

	for (i = 0; i < ivs->nvectors; i++) {
		err = request_irq(pci_irq_vector(ivs->pdev, i),
				  ivshmem_vector_irq, 0, DRV_NAME,
				  &ivs->vectors[i]);
		if (err) {
			ivshmem_free_irqs(ivs, i);
			return err;
		}
	}
	return 0;
}

static void ivshmem_free_vectors(struct ivshmem_dev *ivs)
{
	ivshmem_remove_events(ivs);
	if (ivs->nvectors)
		pci_free_irq_vectors(ivs->pdev);
	ivs->nvectors = 0;
}

static int ivshmem_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct ivshmem_dev *ivs;
	resource_size_t shm_len;
	int err;

	ivs = devm_kzalloc(&pdev->dev, sizeof(*ivs), GFP_KERNEL);
	if (!ivs)
		return -ENOMEM;
	ivs->pdev = pdev;

	err = pcim_enable_device(pdev);
	if (err)
		return err;
	err = pcim_iomap_regions(pdev, BIT(VIRTBUS_IVSHMEM_BAR_REGS), DRV_NAME);
	if (err)
		return err;
	/* The shared memory is claimed, but mapped only by userspace. */
	err = pci_request_region(pdev, VIRTBUS_IVSHMEM_BAR_SHM, DRV_NAME);
	if (err)
		return err;

	if (pci_resource_len(pdev, VIRTBUS_IVSHMEM_BAR_REGS) <
	    VIRTBUS_IVSHMEM_REGS_SIZE ||
	    !(pci_resource_flags(pdev, VIRTBUS_IVSHMEM_BAR_REGS) & IORESOURCE_MEM)) {
		dev_err(&pdev->dev, "register BAR missing or too small\n");
		err = -ENODEV;
		goto out_shm;
	}
	shm_len = pci_resource_len(pdev, VIRTBUS_IVSHMEM_BAR_SHM);
	if (!shm_len ||
	    !(pci_resource_flags(pdev, VIRTBUS_IVSHMEM_BAR_SHM) & IORESOURCE_MEM) ||
	    !PAGE_ALIGNED(pci_resource_start(pdev, VIRTBUS_IVSHMEM_BAR_SHM))) {
		dev_err(&pdev->dev, "shared memory BAR missing or misplaced\n");
		err = -ENODEV;
		goto out_shm;
	}
	ivs->regs = pcim_iomap_table(pdev)[VIRTBUS_IVSHMEM_BAR_REGS];
	pci_set_master(pdev);

	ivs->info.name = DRV_NAME;
	ivs->info.version = "1";
	ivs->info.priv = ivs;
	ivs->info.mmap = ivshmem_mmap;
	/* A BAR is aligned to its size: the registers are in one page. */
	ivs->info.mem[VIRTBUS_IVSHMEM_UIO_MAP_REGS] = (struct uio_mem) {
		.name = "registers",
		.addr = pci_resource_start(pdev, VIRTBUS_IVSHMEM_BAR_REGS) &
			PAGE_MASK,
		.offs = offset_in_page(pci_resource_start(pdev,
							 VIRTBUS_IVSHMEM_BAR_REGS)),
		.size = VIRTBUS_IVSHMEM_REGS_SIZE,
		.memtype = UIO_MEM_PHYS,
	};
	ivshmem_claim_reg_page(ivs);
	ivs->info.mem[VIRTBUS_IVSHMEM_UIO_MAP_SHM] = (struct uio_mem) {
		.name = "shmem",
		.addr = pci_resource_start(pdev, VIRTBUS_IVSHMEM_BAR_SHM),
		.size = shm_len,
		.memtype = UIO_MEM_PHYS,
	};
	ivs->info.mem[VIRTBUS_IVSHMEM_UIO_MAP_SHM_UNCACHED] =
		ivs->info.mem[VIRTBUS_IVSHMEM_UIO_MAP_SHM];
	ivs->info.mem[VIRTBUS_IVSHMEM_UIO_MAP_SHM_UNCACHED].name =
		"shmem-uncached";
	pci_set_drvdata(pdev, ivs);

	err = sysfs_create_group(&pdev->dev.kobj, &ivshmem_group);
	if (err)
		goto out_page;
	err = ivshmem_setup_vectors(ivs);
	if (err)
		goto out_group;
	/*
	 * No owner: open files and mappings do not pin the module (see the
	 * top of the file).
	 */
	err = __uio_register_device(NULL, &pdev->dev, &ivs->info);
	if (err)
		goto out_vectors;
	err = ivshmem_request_irqs(ivs);
	if (err)
		goto out_uio;
	dev_info(&pdev->dev, "peer %u, %pa bytes of shared memory, %u vectors\n",
		 ioread32(ivs->regs + VIRTBUS_IVSHMEM_REG_IVPOSITION),
		 &shm_len, ivs->nvectors);
	return 0;

out_uio:
	uio_unregister_device(&ivs->info);
out_vectors:
	ivshmem_free_vectors(ivs);
out_group:
	sysfs_remove_group(&pdev->dev.kobj, &ivshmem_group);
out_page:
	ivshmem_release_reg_page(ivs);
out_shm:
	pci_release_region(pdev, VIRTBUS_IVSHMEM_BAR_SHM);
	return err;
}

static void ivshmem_remove(struct pci_dev *pdev)
{
	struct ivshmem_dev *ivs = pci_get_drvdata(pdev);

	/* No handler runs past this: none signals a UIO device gone. */
	ivshmem_free_irqs(ivs, ivs->nvectors);
	/*
	 * No new opens or mmaps; waiters wake with an error; existing
	 * mappings stay valid memory.
	 */
	uio_unregister_device(&ivs->info);
	ivshmem_free_vectors(ivs);
	sysfs_remove_group(&pdev->dev.kobj, &ivshmem_group);
	ivshmem_release_reg_page(ivs);
	pci_release_region(pdev, VIRTBUS_IVSHMEM_BAR_SHM);
}

static const struct pci_device_id ivshmem_ids[] = {
	{ PCI_DEVICE(VIRTBUS_IVSHMEM_PCI_VENDOR, VIRTBUS_IVSHMEM_PCI_DEVICE) },
	{ }
};
MODULE_DEVICE_TABLE(pci, ivshmem_ids);

static struct pci_driver ivshmem_driver = {
	.name = DRV_NAME,
	.id_table = ivshmem_ids,
	.probe = ivshmem_probe,
	.remove = ivshmem_remove,
};
module_pci_driver(ivshmem_driver);

MODULE_DESCRIPTION("UIO driver for Nahanni/ivshmem shared memory and doorbells");
MODULE_LICENSE("GPL");

// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: virtbus_rng against a fake entropy device. The test registers a
 * device of type RNG on the real bus with a transport of its own, the
 * real driver (loaded on demand) binds it and registers with hw_random,
 * which reads it at once, and the test plays the device on the real
 * ring, answering from a work item the way a host answers from another
 * CPU.
 *
 * The device negotiates ACCESS_PLATFORM, so that buffers are mapped for
 * a root device whose DMA operations are the test's own (a device address
 * is the physical address): the mapping of the buffer being added is a
 * moment in the middle of an add, when the test can make the device
 * answer, from another CPU, and watch whether the driver lets the
 * callback into the ring before the add is done.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/kmod.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <uapi/virtbus/virtbus_ring.h>
#include <virtbus/transport.h>
#include "virtbus_fake_ring.h"

#define VRT_QSIZE	8U

struct vrt_dev {
	struct virtbus_device vdev;
	u8 status;
	struct vfr_ring ring;
	u16 last_head;
	unsigned int answered;
	/* Answer requests (from @serve_work) while the driver is ready. */
	bool serve;
	struct work_struct serve_work;
	/* The next buffer mapped for the device: answer it, from elsewhere. */
	bool race_armed;
	bool race_ran;		/* the mapping hook ran with another CPU */
	bool race_overlap;	/* the callback finished inside the add */
	struct work_struct irq_work;
	atomic_t irq_done;
	irqreturn_t irq_ret;
};

/* The device under test; the DMA hook has no other way to find it. */
static struct vrt_dev *vrt_cur;
static struct device *vrt_dma_dev;

static struct vrt_dev *to_vrt(struct virtbus_device *vdev)
{
	return container_of(vdev, struct vrt_dev, vdev);
}

/* Fill each posted buffer (one descriptor, device-writable) and return it. */
static void vrt_serve_work(struct work_struct *work)
{
	struct vrt_dev *fd = container_of(work, struct vrt_dev, serve_work);
	bool any = false;
	u16 head;

	if (!READ_ONCE(fd->serve) ||
	    !(READ_ONCE(fd->status) & VIRTBUS_S_DRIVER_OK))
		return;
	while (vfr_pop(&fd->ring, &head)) {
		struct virtbus_ring_desc *d;
		u32 len;

		if (head >= VRT_QSIZE)
			return;
		d = &fd->ring.desc[head];
		len = min_t(u32, le32_to_cpu(d->len), 16);
		get_random_bytes(phys_to_virt(le64_to_cpu(d->addr)), len);
		fd->last_head = head;
		fd->answered++;
		vfr_push(&fd->ring, head, len);
		any = true;
	}
	if (any)
		vfr_irq(&fd->ring);
}

/* The device's answer arriving on another CPU: its interrupt handler. */
static void vrt_irq_work(struct work_struct *work)
{
	struct vrt_dev *fd = container_of(work, struct vrt_dev, irq_work);

	fd->irq_ret = vfr_irq(&fd->ring);
	atomic_set(&fd->irq_done, 1);
}

/*
 * In the middle of virtbus_vq_add_inbuf(): the device returns the buffer
 * being added (the head it will take: with one buffer out at a time it
 * is the one last returned, or 0 on a new ring) and raises the interrupt
 * on another CPU. The handler may not get into the ring until the add is done: if
 * it finishes while we wait here, nothing kept it out.
 */
static void vrt_race(struct vrt_dev *fd)
{
	unsigned int cpu = raw_smp_processor_id(), other, i;

	other = cpumask_any_but(cpu_online_mask, cpu);
	if (other >= nr_cpu_ids)
		return;
	fd->race_ran = true;
	fd->ring.last_avail++;	/* what the device answers now */
	vfr_push(&fd->ring, fd->last_head, 16);
	atomic_set(&fd->irq_done, 0);
	queue_work_on(other, system_highpri_wq, &fd->irq_work);
	for (i = 0; i < 500 && !atomic_read(&fd->irq_done); i++)
		mdelay(1);
	fd->race_overlap = atomic_read(&fd->irq_done);
}

static dma_addr_t vrt_map_page(struct device *dev, struct page *page,
			       unsigned long offset, size_t size,
			       enum dma_data_direction dir,
			       unsigned long attrs)
{
	struct vrt_dev *fd = READ_ONCE(vrt_cur);

	if (fd && dir == DMA_FROM_DEVICE && fd->race_armed) {
		fd->race_armed = false;
		vrt_race(fd);
	}
	return page_to_phys(page) + offset;
}

static void vrt_unmap_page(struct device *dev, dma_addr_t addr, size_t size,
			   enum dma_data_direction dir, unsigned long attrs)
{
}

static void *vrt_dma_alloc(struct device *dev, size_t size,
			   dma_addr_t *handle, gfp_t gfp, unsigned long attrs)
{
	void *p = alloc_pages_exact(size, gfp | __GFP_ZERO);

	if (p)
		*handle = virt_to_phys(p);
	return p;
}

static void vrt_dma_free(struct device *dev, size_t size, void *vaddr,
			 dma_addr_t handle, unsigned long attrs)
{
	free_pages_exact(vaddr, size);
}

static const struct dma_map_ops vrt_dma_ops = {
	.alloc = vrt_dma_alloc,
	.free = vrt_dma_free,
	.map_page = vrt_map_page,
	.unmap_page = vrt_unmap_page,
};

static u8 vrt_get_status(struct virtbus_device *vdev)
{
	return READ_ONCE(to_vrt(vdev)->status);
}

static void vrt_set_status(struct virtbus_device *vdev, u8 status)
{
	WRITE_ONCE(to_vrt(vdev)->status, status);
}

static void vrt_reset(struct virtbus_device *vdev)
{
	struct vrt_dev *fd = to_vrt(vdev);

	WRITE_ONCE(fd->status, 0);
	/* From here on the device answers nothing. */
	flush_work(&fd->serve_work);
	flush_work(&fd->irq_work);
}

static u64 vrt_get_features(struct virtbus_device *vdev)
{
	return BIT_ULL(VIRTBUS_F_VERSION_1) |
	       BIT_ULL(VIRTBUS_F_ACCESS_PLATFORM);
}

static int vrt_finalize_features(struct virtbus_device *vdev)
{
	return 0;
}

static void vrt_config_get(struct virtbus_device *vdev, unsigned int offset,
			   void *buf, unsigned int len)
{
	memset(buf, 0, len);
}

static void vrt_config_set(struct virtbus_device *vdev, unsigned int offset,
			   const void *buf, unsigned int len)
{
}

static bool vrt_notify(struct virtbus_vq *vq)
{
	schedule_work(&to_vrt(vq->vdev)->serve_work);
	return true;
}

static int vrt_find_vqs(struct virtbus_device *vdev, unsigned int nvqs,
			struct virtbus_vq *vqs[],
			const struct virtbus_vq_info info[])
{
	struct vrt_dev *fd = to_vrt(vdev);
	struct virtbus_vq_params p = {
		.index = 0,
		.num = VRT_QSIZE,
		.align = VIRTBUS_RING_LEGACY_ALIGN,
		.dma_dev = vrt_dma_dev,
		.notify = vrt_notify,
		.callback = info[0].callback,
		.name = info[0].name,
	};
	struct virtbus_vq *vq;

	if (nvqs != 1 || fd->ring.vq)
		return -ENOENT;
	vq = virtbus_vq_new(vdev, &p);
	if (IS_ERR(vq))
		return PTR_ERR(vq);
	vfr_attach(&fd->ring, vq);
	vqs[0] = vq;
	return 0;
}

static void vrt_del_vqs(struct virtbus_device *vdev)
{
	struct vrt_dev *fd = to_vrt(vdev);

	flush_work(&fd->serve_work);
	flush_work(&fd->irq_work);
	if (fd->ring.vq)
		virtbus_vq_del(fd->ring.vq);
	fd->ring.vq = NULL;
}

static const struct virtbus_transport_ops vrt_ops = {
	.name = "kunit-rng",
	.get_status = vrt_get_status,
	.set_status = vrt_set_status,
	.reset = vrt_reset,
	.get_features = vrt_get_features,
	.finalize_features = vrt_finalize_features,
	.config_get = vrt_config_get,
	.config_set = vrt_config_set,
	.find_vqs = vrt_find_vqs,
	.del_vqs = vrt_del_vqs,
};

static void vrt_release(struct device *dev)
{
	kfree(to_vrt(to_virtbus_device(dev)));
}

/* Instead of answering, race the first buffer added. */
static void vrt_arm(struct vrt_dev *fd)
{
	fd->serve = false;
	fd->race_armed = true;
}

/* Register a device (@setup readies it first); the driver binds it. */
static struct vrt_dev *vrt_add(void (*setup)(struct vrt_dev *fd),
			       struct kunit *test)
{
	struct vrt_dev *fd = kzalloc(sizeof(*fd), GFP_KERNEL);
	int err;

	KUNIT_ASSERT_NOT_NULL(test, fd);
	fd->serve = true;
	if (setup)
		setup(fd);
	INIT_WORK(&fd->serve_work, vrt_serve_work);
	INIT_WORK(&fd->irq_work, vrt_irq_work);
	fd->vdev.id.device = VIRTBUS_ID_RNG;
	fd->vdev.id.vendor = 0x5a5a;
	fd->vdev.ops = &vrt_ops;
	fd->vdev.dev.release = vrt_release;
	test->priv = fd;
	WRITE_ONCE(vrt_cur, fd);
	err = virtbus_register_device(&fd->vdev);
	if (err) {
		WRITE_ONCE(vrt_cur, NULL);
		test->priv = NULL;
		put_device(&fd->vdev.dev);
	}
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "registering the device failed");
	KUNIT_ASSERT_NOT_NULL_MSG(test, fd->vdev.dev.driver,
				  "virtbus_rng did not bind");
	return fd;
}

static void vrt_exit(struct kunit *test)
{
	struct vrt_dev *fd = test->priv;

	if (fd)
		virtbus_unregister_device(&fd->vdev);
	WRITE_ONCE(vrt_cur, NULL);
}

static int vrt_suite_init(struct kunit_suite *suite)
{
	int err = request_module("virtbus_rng");

	if (err)
		return err > 0 ? -ENOENT : err;
	/*
	 * No owner module: KUnit runs the suite while the module is still
	 * loading, before its sysfs directory exists.
	 */
	vrt_dma_dev = __root_device_register("virtbus_rng_test", NULL);
	if (IS_ERR(vrt_dma_dev))
		return PTR_ERR(vrt_dma_dev);
	vrt_dma_dev->coherent_dma_mask = DMA_BIT_MASK(64);
	vrt_dma_dev->dma_mask = &vrt_dma_dev->coherent_dma_mask;
	set_dma_ops(vrt_dma_dev, &vrt_dma_ops);
	return 0;
}

static void vrt_suite_exit(struct kunit_suite *suite)
{
	root_device_unregister(vrt_dma_dev);
}

/*
 * hw_random reads a new rng at once, in registering it (probe): the
 * device answers, and the queue stays whole.
 */
static void rng_early_read(struct kunit *test)
{
	struct vrt_dev *fd = vrt_add(NULL, test);

	flush_work(&fd->serve_work);
	KUNIT_EXPECT_GT(test, fd->answered, 0U);
	KUNIT_EXPECT_FALSE(test, virtbus_vq_is_broken(fd->ring.vq));
}

/*
 * The device answers, and its interrupt arrives on another CPU, while
 * the driver is still adding the buffer (hw_random's read in probe): the
 * driver's lock must hold the handler off until the add is done, and
 * then the answer is taken.
 */
static void rng_callback_during_add(struct kunit *test)
{
	struct vrt_dev *fd;

	if (get_dma_ops(vrt_dma_dev) != &vrt_dma_ops)
		kunit_skip(test, "the DMA API bypasses the test's hook");
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs a second CPU");
	fd = vrt_add(vrt_arm, test);
	flush_work(&fd->irq_work);
	KUNIT_ASSERT_TRUE_MSG(test, fd->race_ran,
			      "no buffer was added with another CPU online");
	KUNIT_EXPECT_FALSE_MSG(test, fd->race_overlap,
			       "the callback took buffers while one was being added");
	KUNIT_EXPECT_FALSE(test, virtbus_vq_is_broken(fd->ring.vq));
	KUNIT_EXPECT_EQ(test, fd->irq_ret, IRQ_HANDLED);
	/*
	 * The answer was taken. (hw_random may have read again since, and
	 * that buffer, which nobody answers, is still out.)
	 */
	KUNIT_EXPECT_FALSE(test, virtbus_vq_more_used(fd->ring.vq));
}

static struct kunit_case virtbus_rng_cases[] = {
	KUNIT_CASE(rng_early_read),
	KUNIT_CASE(rng_callback_during_add),
	{}
};

static struct kunit_suite virtbus_rng_suite = {
	.name = "virtbus_rng",
	.suite_init = vrt_suite_init,
	.suite_exit = vrt_suite_exit,
	.exit = vrt_exit,
	.test_cases = virtbus_rng_cases,
};

kunit_test_suite(virtbus_rng_suite);

MODULE_DESCRIPTION("KUnit tests for virtbus_rng against a fake device");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(VIRTBUS);

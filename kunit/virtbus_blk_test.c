// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: virtbus_blk against a fake block device. The test registers a
 * device of type BLOCK on the real bus with a transport of its own, the
 * real driver (loaded on demand) binds it, and the test plays the device
 * on the real rings: it answers requests from a work item, the way a host
 * answers from another CPU, and raises the queue's "interrupt" by calling
 * the ring's handler with interrupts off. Or it does not answer, answers
 * early, or lies, to check what the driver then does.
 *
 * No queue negotiates ACCESS_PLATFORM: descriptors hold physical
 * addresses, which the device side reaches with phys_to_virt().
 */
#include <kunit/test.h>
#include <linux/bio.h>
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/kmod.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <uapi/virtbus/virtbus_blk.h>
#include <uapi/virtbus/virtbus_ring.h>
#include <virtbus/transport.h>
#include "virtbus_fake_ring.h"

#define VBT_MAX_VQS	2
#define VBT_QSIZE	64
#define VBT_SECTORS	2048
#define VBT_POLL_PARAM	"/sys/module/virtbus_blk/parameters/poll_queues"

struct vbt_dev {
	struct virtbus_device vdev;
	u8 status;
	u64 offered;
	struct virtbus_blk_config config;
	unsigned int nvqs;
	struct vfr_ring rings[VBT_MAX_VQS];
	/* Answer requests (from @serve_work) while the driver is ready. */
	bool serve;
	struct work_struct serve_work;
	/* Raise each queue's interrupt, with a used entry, as it is made. */
	bool early_irq;
	struct work_struct early_work;
	struct vfr_ring *early_ring;
	struct completion early_done;
	int resets;
};

static struct vbt_dev *to_vbt(struct virtbus_device *vdev)
{
	return container_of(vdev, struct vbt_dev, vdev);
}

/*
 * Answer the request at @head: status OK in its last (one-byte, writable)
 * buffer; the data the driver reads is whatever is in its buffers.
 */
static void vbt_answer(struct vfr_ring *r, u16 head)
{
	struct vfr_seg segs[16];
	unsigned int n, i;
	u32 written = 0;

	if (*vfr_chain(r, head, segs, &n, ARRAY_SIZE(segs)))
		return;		/* the test fails on the missing answer */
	for (i = 0; i < n; i++)
		if (segs[i].write)
			written += segs[i].len;
	if (!segs[n - 1].write || segs[n - 1].len != 1)
		return;
	*(u8 *)segs[n - 1].buf = VIRTBUS_BLK_S_OK;
	vfr_push(r, head, written);
}

static void vbt_serve_work(struct work_struct *work)
{
	struct vbt_dev *fd = container_of(work, struct vbt_dev, serve_work);
	unsigned int i;
	bool any;
	u16 head;

	if (!READ_ONCE(fd->serve) ||
	    !(READ_ONCE(fd->status) & VIRTBUS_S_DRIVER_OK))
		return;
	for (i = 0; i < fd->nvqs; i++) {
		struct vfr_ring *r = &fd->rings[i];

		any = false;
		while (vfr_pop(r, &head)) {
			vbt_answer(r, head);
			any = true;
		}
		if (any)
			vfr_irq(r);
	}
}

static u8 vbt_get_status(struct virtbus_device *vdev)
{
	return READ_ONCE(to_vbt(vdev)->status);
}

static void vbt_set_status(struct virtbus_device *vdev, u8 status)
{
	WRITE_ONCE(to_vbt(vdev)->status, status);
}

static void vbt_reset(struct virtbus_device *vdev)
{
	struct vbt_dev *fd = to_vbt(vdev);

	WRITE_ONCE(fd->status, 0);
	/* From here on the device answers nothing. */
	flush_work(&fd->serve_work);
	fd->resets++;
}

static u64 vbt_get_features(struct virtbus_device *vdev)
{
	return to_vbt(vdev)->offered;
}

static int vbt_finalize_features(struct virtbus_device *vdev)
{
	return 0;
}

static void vbt_config_get(struct virtbus_device *vdev, unsigned int offset,
			   void *buf, unsigned int len)
{
	memcpy(buf, (u8 *)&to_vbt(vdev)->config + offset, len);
}

static void vbt_config_set(struct virtbus_device *vdev, unsigned int offset,
			   const void *buf, unsigned int len)
{
	memcpy((u8 *)&to_vbt(vdev)->config + offset, buf, len);
}

static unsigned int vbt_config_size(struct virtbus_device *vdev)
{
	return sizeof(struct virtbus_blk_config);
}

static bool vbt_notify(struct virtbus_vq *vq)
{
	schedule_work(&to_vbt(vq->vdev)->serve_work);
	return true;
}

/* A used entry for a buffer nobody added, and the queue's interrupt. */
static void vbt_early_work(struct work_struct *work)
{
	struct vbt_dev *fd = container_of(work, struct vbt_dev, early_work);

	vfr_push(fd->early_ring, 0, 0);
	vfr_irq(fd->early_ring);
	complete(&fd->early_done);
}

static void vbt_del_vqs(struct virtbus_device *vdev)
{
	struct vbt_dev *fd = to_vbt(vdev);

	flush_work(&fd->serve_work);
	while (fd->nvqs)
		virtbus_vq_del(fd->rings[--fd->nvqs].vq);
}

static int vbt_find_vqs(struct virtbus_device *vdev, unsigned int nvqs,
			struct virtbus_vq *vqs[],
			const struct virtbus_vq_info info[])
{
	struct vbt_dev *fd = to_vbt(vdev);
	unsigned int i;

	if (nvqs > VBT_MAX_VQS)
		return -ENOENT;
	for (i = 0; i < nvqs; i++) {
		struct virtbus_vq_params p = {
			.index = i,
			.num = VBT_QSIZE,
			.align = VIRTBUS_RING_LEGACY_ALIGN,
			.dma_dev = &vdev->dev,
			.notify = vbt_notify,
			.callback = info[i].callback,
			.name = info[i].name,
		};
		struct vfr_ring *r = &fd->rings[i];
		struct virtbus_vq *vq = virtbus_vq_new(vdev, &p);

		if (IS_ERR(vq)) {
			vbt_del_vqs(vdev);
			return PTR_ERR(vq);
		}
		vfr_attach(r, vq);
		fd->nvqs++;
		/*
		 * The interrupt is live from here: a device may raise it
		 * at once, on another CPU, before the driver has even seen
		 * the queue.
		 */
		if (fd->early_irq) {
			fd->early_ring = r;
			reinit_completion(&fd->early_done);
			schedule_work(&fd->early_work);
			/* Bounded: a driver that crashes in it never ends it. */
			if (!wait_for_completion_timeout(&fd->early_done,
							 5 * HZ)) {
				fd->nvqs--;	/* leaked with the handler */
				vbt_del_vqs(vdev);
				return -EIO;
			}
		}
	}
	for (i = 0; i < nvqs; i++)
		vqs[i] = fd->rings[i].vq;
	return 0;
}

static const struct virtbus_transport_ops vbt_ops = {
	.name = "kunit-blk",
	.get_status = vbt_get_status,
	.set_status = vbt_set_status,
	.reset = vbt_reset,
	.get_features = vbt_get_features,
	.finalize_features = vbt_finalize_features,
	.config_get = vbt_config_get,
	.config_set = vbt_config_set,
	.config_size = vbt_config_size,
	.find_vqs = vbt_find_vqs,
	.del_vqs = vbt_del_vqs,
};

static void vbt_release(struct device *dev)
{
	kfree(to_vbt(to_virtbus_device(dev)));
}

static struct vbt_dev *vbt_alloc(struct kunit *test, unsigned int nqueues)
{
	struct vbt_dev *fd = kzalloc(sizeof(*fd), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, fd);
	fd->offered = BIT_ULL(VIRTBUS_F_VERSION_1);
	if (nqueues > 1) {
		fd->offered |= BIT_ULL(VIRTBUS_BLK_F_MQ);
		fd->config.num_queues = cpu_to_le16(nqueues);
	}
	fd->config.capacity = cpu_to_le64(VBT_SECTORS);
	fd->serve = true;
	INIT_WORK(&fd->serve_work, vbt_serve_work);
	INIT_WORK(&fd->early_work, vbt_early_work);
	init_completion(&fd->early_done);
	fd->vdev.id.device = VIRTBUS_ID_BLOCK;
	fd->vdev.id.vendor = 0x5a5a;
	fd->vdev.ops = &vbt_ops;
	fd->vdev.dev.release = vbt_release;
	return fd;
}

/* Register @fd; the driver binds it before this returns. */
static void vbt_add(struct kunit *test, struct vbt_dev *fd)
{
	int err;

	test->priv = fd;
	err = virtbus_register_device(&fd->vdev);
	if (err) {
		test->priv = NULL;
		put_device(&fd->vdev.dev);
	}
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "registering the device failed");
}

static int vbt_is_disk(struct device *dev, void *data)
{
	return !strncmp(dev_name(dev), "vbd", 3);
}

/* The disk the driver made for @fd. */
static struct gendisk *vbt_disk(struct kunit *test, struct vbt_dev *fd)
{
	struct gendisk *disk;
	struct device *dev;

	KUNIT_ASSERT_NOT_NULL_MSG(test, fd->vdev.dev.driver,
				  "virtbus_blk did not bind");
	dev = device_find_child(&fd->vdev.dev, NULL, vbt_is_disk);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	disk = dev_to_disk(dev);
	put_device(dev);
	return disk;
}

static int vbt_set_poll_queues(const char *n)
{
	struct file *f = filp_open(VBT_POLL_PARAM, O_WRONLY, 0);
	ssize_t ret;
	loff_t pos = 0;

	if (IS_ERR(f))
		return PTR_ERR(f);
	ret = kernel_write(f, n, strlen(n), &pos);
	filp_close(f, NULL);
	return ret < 0 ? ret : 0;
}

static void vbt_exit(struct kunit *test)
{
	struct vbt_dev *fd = test->priv;

	if (fd)
		virtbus_unregister_device(&fd->vdev);
	vbt_set_poll_queues("0");
}

static int vbt_suite_init(struct kunit_suite *suite)
{
	int err = request_module("virtbus_blk");

	return err > 0 ? -ENOENT : err;
}

/* One bio of a sector, and how it ended. */
struct vbt_bio {
	struct bio bio;
	struct bio_vec bvec;
	struct completion done;
	int err;		/* as an errno, for comparing */
};

static void vbt_bio_end(struct bio *bio)
{
	struct vbt_bio *b = container_of(bio, struct vbt_bio, bio);

	b->err = blk_status_to_errno(bio->bi_status);
	complete(&b->done);
}

static struct vbt_bio *vbt_read(struct kunit *test, struct gendisk *disk,
				blk_opf_t flags)
{
	struct vbt_bio *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	void *buf = kunit_kzalloc(test, SECTOR_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	init_completion(&b->done);
	bio_init(&b->bio, disk->part0, &b->bvec, 1, REQ_OP_READ | flags);
	b->bio.bi_iter.bi_sector = 0;
	b->bio.bi_end_io = vbt_bio_end;
	KUNIT_ASSERT_EQ(test, bio_add_page(&b->bio, virt_to_page(buf),
					   SECTOR_SIZE, offset_in_page(buf)),
			SECTOR_SIZE);
	submit_bio(&b->bio);
	return b;
}

/* The driver serves I/O: the test's device is good enough for more. */
static void blk_basic_io(struct kunit *test)
{
	struct vbt_dev *fd = vbt_alloc(test, 1);
	struct vbt_bio *b;

	vbt_add(test, fd);
	b = vbt_read(test, vbt_disk(test, fd), 0);
	KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&b->done, 10 * HZ),
			0UL);
	KUNIT_EXPECT_EQ(test, b->err, 0);
}

/*
 * A polled request the poller took from the ring waits in the poller's
 * completion batch, still in flight as far as blk-mq knows, until the
 * poller ends the batch. Its deadline passing meanwhile is no timeout:
 * the request is answered, and only the batch may end it.
 */
static void blk_poll_batch_timeout(struct kunit *test)
{
	struct vbt_dev *fd = vbt_alloc(test, 2);
	struct request_queue *q;
	DEFINE_IO_COMP_BATCH(iob);
	unsigned int timeout;
	struct gendisk *disk;
	struct vbt_bio *b;
	int resets, i;

	KUNIT_ASSERT_EQ(test, vbt_set_poll_queues("1"), 0);
	vbt_add(test, fd);
	disk = vbt_disk(test, fd);
	q = disk->queue;
	resets = fd->resets;

	/*
	 * A deadline that passes while the request sits in the batch (but
	 * not before the poller got to it: deadlines are rounded up to a
	 * second, so this is half a second to a second and a half).
	 */
	timeout = q->rq_timeout;
	blk_queue_rq_timeout(q, HZ / 2);
	b = vbt_read(test, disk, REQ_POLLED);
	/* Batching a request sets the batch's completion function. */
	for (i = 0; i < 2000 && !iob.complete; i++) {
		bio_poll(&b->bio, &iob, 0);
		if (!iob.complete)
			usleep_range(1000, 2000);
	}
	blk_queue_rq_timeout(q, timeout);
	KUNIT_ASSERT_NOT_NULL_MSG(test, iob.complete,
				  "the polled request was not collected");
	KUNIT_EXPECT_FALSE(test, completion_done(&b->done));

	msleep(3000);
	if (completion_done(&b->done)) {
		/* Ending the batch now would end the request twice. */
		KUNIT_FAIL(test, "the timeout ended a request in a poller's batch (%d)",
			   b->err);
		return;
	}
	KUNIT_EXPECT_EQ(test, fd->resets, resets);
	iob.complete(&iob);
	KUNIT_ASSERT_TRUE(test, completion_done(&b->done));
	KUNIT_EXPECT_EQ(test, b->err, 0);
}

/*
 * A device that lies breaks its queue, not the device: what it held
 * will never be answered. Removal must fail that I/O at once, not wait
 * for the request timeout (30 s by default).
 */
static void blk_remove_broken_queue(struct kunit *test)
{
	struct vbt_dev *fd = vbt_alloc(test, 1);
	struct vfr_ring *r;
	unsigned long start;
	struct vbt_bio *b;
	u16 head;
	int i;

	vbt_add(test, fd);
	WRITE_ONCE(fd->serve, false);
	flush_work(&fd->serve_work);
	r = &fd->rings[0];
	b = vbt_read(test, vbt_disk(test, fd), 0);
	for (i = 0; i < 1000 && !vfr_pop(r, &head); i++)
		usleep_range(1000, 2000);
	KUNIT_ASSERT_LT(test, i, 1000);

	/* Returned under an ID the driver never used. */
	vfr_push(r, head + 1, 0);
	KUNIT_EXPECT_EQ(test, vfr_irq(r), IRQ_HANDLED);
	KUNIT_ASSERT_TRUE(test, virtbus_vq_is_broken(r->vq));
	KUNIT_EXPECT_FALSE(test, completion_done(&b->done));

	start = jiffies;
	virtbus_unregister_device(&fd->vdev);
	test->priv = NULL;
	KUNIT_EXPECT_LT_MSG(test, jiffies - start, 5UL * HZ,
			    "removal waited %u ms for a broken queue",
			    jiffies_to_msecs(jiffies - start));
	KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&b->done, 60 * HZ),
			0UL);
	KUNIT_EXPECT_EQ(test, b->err, -EIO);
}

/*
 * Each queue's interrupt fires as soon as the queue exists, with a used
 * entry (for nothing the driver added). The driver must reach the queue
 * it was called for, find the lie, and carry on: no crash, and the disk
 * is still made.
 */
static void blk_early_interrupt(struct kunit *test)
{
	struct vbt_dev *fd = vbt_alloc(test, 1);

	fd->early_irq = true;
	vbt_add(test, fd);
	vbt_disk(test, fd);
	KUNIT_EXPECT_TRUE(test, virtbus_vq_is_broken(fd->rings[0].vq));
}

static struct kunit_case virtbus_blk_cases[] = {
	KUNIT_CASE(blk_basic_io),
	KUNIT_CASE(blk_poll_batch_timeout),
	KUNIT_CASE(blk_remove_broken_queue),
	KUNIT_CASE(blk_early_interrupt),
	{}
};

static struct kunit_suite virtbus_blk_suite = {
	.name = "virtbus_blk",
	.suite_init = vbt_suite_init,
	.exit = vbt_exit,
	.test_cases = virtbus_blk_cases,
};

kunit_test_suite(virtbus_blk_suite);

MODULE_DESCRIPTION("KUnit tests for virtbus_blk against a fake device");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(VIRTBUS);

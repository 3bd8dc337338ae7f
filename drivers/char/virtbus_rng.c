// SPDX-License-Identifier: GPL-2.0
/*
 * virtbus_rng: the entropy device (virtio type 4) as a hw_random source.
 *
 * The smallest complete virtbus driver, and the one the driver guide
 * walks through: one queue, no feature bits, no config space. The device
 * fills buffers the driver posts; hw_random reads them out.
 */
#include <linux/completion.h>
#include <linux/hw_random.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <virtbus/virtbus.h>
#include <virtbus/virtqueue.h>

/*
 * How long one read waits for the device before telling hw_random there
 * is nothing yet; the request stays posted and a later read collects it.
 * Bounded so that a device that stops answering never hangs a reader.
 */
#define VIRTBUS_RNG_TIMEOUT	(2 * HZ)

struct virtbus_rng {
	struct hwrng hwrng;
	struct virtbus_device *vdev;
	struct virtbus_vq *vq;
	/*
	 * Serialises the queue: the ring has no lock of its own, and the
	 * callback takes buffers (in interrupt context, on any CPU, when
	 * the device says so, which need not be when we expect it) while
	 * a reader adds them.
	 */
	spinlock_t lock;
	char name[32];
	/* Signalled when the device returned the posted buffer. */
	struct completion have_data;
	/* A buffer is posted and not yet returned (reader side only). */
	bool busy;
	/* Set before unregistering so a waiting reader gives up. */
	bool removed;
	unsigned int data_avail;
	unsigned int data_idx;
	/* The buffer the device fills; kmalloc'ed with us, so DMA-able. */
	u8 data[SMP_CACHE_BYTES * 8] ____cacheline_aligned;
};

static void virtbus_rng_done(struct virtbus_vq *vq)
{
	struct virtbus_rng *vrng = vq->vdev->priv;
	unsigned long flags;
	unsigned int len;

	spin_lock_irqsave(&vrng->lock, flags);
	/* The ring has checked len against the buffer we posted. */
	if (virtbus_vq_get_buf(vq, &len)) {
		vrng->data_idx = 0;
		vrng->data_avail = len;
		complete(&vrng->have_data);
	}
	spin_unlock_irqrestore(&vrng->lock, flags);
}

static int virtbus_rng_request(struct virtbus_rng *vrng)
{
	struct scatterlist sg;
	bool notify;
	int err;

	sg_init_one(&sg, vrng->data, sizeof(vrng->data));
	reinit_completion(&vrng->have_data);
	spin_lock_irq(&vrng->lock);
	err = virtbus_vq_add_inbuf(vrng->vq, &sg, 1, vrng, GFP_ATOMIC);
	notify = !err && virtbus_vq_kick_prepare(vrng->vq);
	spin_unlock_irq(&vrng->lock);
	if (err)
		return err;
	vrng->busy = true;
	if (notify)
		virtbus_vq_notify(vrng->vq);
	return 0;
}

static int virtbus_rng_read(struct hwrng *rng, void *buf, size_t size,
			    bool wait)
{
	struct virtbus_rng *vrng = container_of(rng, struct virtbus_rng, hwrng);
	unsigned int n;
	long left;
	int err;

	if (READ_ONCE(vrng->removed))
		return -ENODEV;

	if (!vrng->busy && !vrng->data_avail) {
		err = virtbus_rng_request(vrng);
		if (err)
			return err;
	}

	if (vrng->busy) {
		if (!wait && !completion_done(&vrng->have_data))
			return 0;
		left = wait_for_completion_killable_timeout(&vrng->have_data,
							    VIRTBUS_RNG_TIMEOUT);
		if (left < 0)
			return left;
		if (!left)
			return 0;
		vrng->busy = false;
		if (READ_ONCE(vrng->removed))
			return -ENODEV;
	}

	n = min_t(size_t, size, vrng->data_avail);
	memcpy(buf, vrng->data + vrng->data_idx, n);
	vrng->data_idx += n;
	vrng->data_avail -= n;
	return n;
}

static int virtbus_rng_probe(struct virtbus_device *vdev)
{
	static const struct virtbus_vq_info info = {
		.name = "input",
		.callback = virtbus_rng_done,
	};
	struct virtbus_rng *vrng;
	int err;

	vrng = kzalloc(sizeof(*vrng), GFP_KERNEL);
	if (!vrng)
		return -ENOMEM;
	vrng->vdev = vdev;
	spin_lock_init(&vrng->lock);
	init_completion(&vrng->have_data);
	snprintf(vrng->name, sizeof(vrng->name), "virtbus_rng.%d", vdev->index);
	vrng->hwrng.name = vrng->name;
	vrng->hwrng.read = virtbus_rng_read;
	vdev->priv = vrng;

	err = virtbus_find_vqs(vdev, 1, &vrng->vq, &info);
	if (err)
		goto out_free;

	/* hw_random starts reading as soon as we register. */
	virtbus_device_ready(vdev);
	err = hwrng_register(&vrng->hwrng);
	if (err)
		goto out_reset;
	return 0;

out_reset:
	virtbus_reset_device(vdev);
	virtbus_del_vqs(vdev);
out_free:
	vdev->priv = NULL;
	kfree(vrng);
	return err;
}

static void virtbus_rng_remove(struct virtbus_device *vdev)
{
	struct virtbus_rng *vrng = vdev->priv;

	/* Wake a reader blocked on the device before hw_random waits for it. */
	WRITE_ONCE(vrng->removed, true);
	complete_all(&vrng->have_data);
	hwrng_unregister(&vrng->hwrng);

	virtbus_reset_device(vdev);
	/* Our one buffer is part of vrng: detaching just drops the mapping. */
	while (virtbus_vq_detach_unused_buf(vrng->vq))
		;
	virtbus_del_vqs(vdev);
	vdev->priv = NULL;
	kfree(vrng);
}

VIRTBUS_DEVICE_TABLE(virtbus_rng_ids, VIRTBUS_ID_RNG, VIRTBUS_VENDOR_ANY);

static struct virtbus_driver virtbus_rng_driver = {
	.driver.name = "virtbus_rng",
	.id_table = virtbus_rng_ids,
	.probe = virtbus_rng_probe,
	.remove = virtbus_rng_remove,
};
module_virtbus_driver(virtbus_rng_driver);

MODULE_DESCRIPTION("virtbus entropy device driver");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(VIRTBUS);

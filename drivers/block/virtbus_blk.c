// SPDX-License-Identifier: GPL-2.0
/*
 * virtbus_blk: the virtio block device (type 2) on blk-mq.
 *
 * One blk-mq hardware queue per device queue; requests are built in the
 * per-request data blk-mq allocates (header, status byte, scatterlist),
 * added under the queue's lock, and the device is notified outside it,
 * once per batch. Disks are named vbdX so they live beside virtio_blk's
 * vdX in one guest.
 *
 * A device that stops answering does not hang the guest: when a request
 * times out the device is reset, which guarantees it no longer touches
 * any buffer, and every outstanding request fails with an I/O error, as
 * does everything after it until the driver is rebound.
 */
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/hdreg.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <uapi/virtbus/virtbus_blk.h>
#include <virtbus/virtbus.h>
#include <virtbus/virtqueue.h>

/* Offset of a field in the device's config space. */
#define VBLK_CFG(field)		offsetof(struct virtbus_blk_config, field)

#define VBLK_MINORS		16
#define VBLK_MAX_SEGS		256
#define VBLK_MAX_QUEUE_DEPTH	256U

static unsigned int timeout_secs = 30;
module_param_named(timeout, timeout_secs, uint, 0444);
MODULE_PARM_DESC(timeout,
		 "seconds a request may take before the device is failed (default 30)");

static unsigned int poll_queues;
module_param(poll_queues, uint, 0644);
MODULE_PARM_DESC(poll_queues,
		 "device queues to poll for completions instead of taking interrupts, for polled I/O (default 0; read at probe)");

static int vblk_major;
static DEFINE_IDA(vblk_index_ida);

struct vblk_queue {
	struct virtbus_vq *vq;
	spinlock_t lock;		/* serialises the ring */
	char name[16];
} ____cacheline_aligned_in_smp;

struct vblk {
	/*
	 * NULL once the device is removed: the disk, and this structure
	 * with it, can outlive the device while someone holds it open.
	 * What can still be called through the disk then (block device
	 * operations) checks it under @lock.
	 */
	struct virtbus_device *vdev;
	struct gendisk *disk;
	struct blk_mq_tag_set tag_set;
	/* Serialises config changes, failing the device and removal. */
	struct mutex lock;
	/*
	 * Serialises cache_type writes, so the queue's write cache flag
	 * ends up as the device's mode after the last of them. Not @lock:
	 * changing the flag may wait for I/O, which a timeout ends while
	 * holding @lock.
	 */
	struct mutex cache_lock;
	bool failed;
	int index;
	unsigned int nqueues;
	/* Queues per blk-mq map type; polled ones are the last. */
	unsigned int io_queues[HCTX_MAX_TYPES];
	struct vblk_queue *queues;
	unsigned int sg_elems;
};

/* Per request, allocated by blk-mq with the request (so DMA-able). */
struct vblk_req {
	struct virtbus_blk_outhdr out_hdr;
	struct virtbus_blk_discard_write_zeroes range;
	u8 status;
	/*
	 * Taken from the ring into a poller's completion batch, under the
	 * queue's lock: the poller ends it, the timeout must not.
	 */
	bool batched;
	unsigned int nsg;	/* entries of @sg holding data */
	struct scatterlist sg[];
};

static blk_status_t vblk_status(u8 status)
{
	switch (status) {
	case VIRTBUS_BLK_S_OK:
		return BLK_STS_OK;
	case VIRTBUS_BLK_S_UNSUPP:
		return BLK_STS_NOTSUPP;
	default:
		/* IOERR, and whatever else a device might write there. */
		return BLK_STS_IOERR;
	}
}

static void vblk_complete(struct request *req)
{
	struct vblk_req *vbr = blk_mq_rq_to_pdu(req);

	blk_mq_end_request(req, vblk_status(vbr->status));
}

static void vblk_complete_batch(struct io_comp_batch *iob)
{
	blk_mq_end_request_batch(iob);
}

/*
 * Complete what the device has returned on @vq, under its queue's lock.
 * A poller passes @iob, and successful requests are ended together in
 * its batch.
 */
static unsigned int vblk_collect(struct virtbus_vq *vq,
				 struct io_comp_batch *iob)
{
	struct vblk_req *vbr;
	unsigned int len, found = 0;

	while ((vbr = virtbus_vq_get_buf(vq, &len))) {
		struct request *req = blk_mq_rq_from_pdu(vbr);

		found++;
		if (unlikely(blk_should_fake_timeout(req->q)))
			continue;
		if (vbr->status == VIRTBUS_BLK_S_OK &&
		    blk_mq_add_to_batch(req, iob, false, vblk_complete_batch)) {
			vbr->batched = true;
			continue;
		}
		blk_mq_complete_request(req);
	}
	return found;
}

/*
 * The queue's interrupt is live from the moment the transport made the
 * queue, before vblk_init_queues() has stored it: reach the queue through
 * @vq, and only the lock (ready before the queues are asked for) through
 * the driver's array.
 */
static void vblk_done(struct virtbus_vq *vq)
{
	struct vblk *vblk = vq->vdev->priv;
	struct vblk_queue *q = &vblk->queues[vq->index];
	unsigned int found = 0;
	unsigned long flags;

	spin_lock_irqsave(&q->lock, flags);
	do {
		virtbus_vq_disable_cb(vq);
		found += vblk_collect(vq, NULL);
	} while (!virtbus_vq_enable_cb(vq));
	spin_unlock_irqrestore(&q->lock, flags);

	/* A queue stopped for lack of ring space can go again. */
	if (found)
		blk_mq_start_stopped_hw_queues(vblk->disk->queue, true);
}

/*
 * Fill in the header (and range) of @req and map its data into @vbr->sg,
 * all before the queue's lock is taken.
 */
static int vblk_setup_req(struct request *req, struct vblk_req *vbr,
			  u32 *type, bool *out)
{
	u32 flags = 0;

	vbr->out_hdr.ioprio = 0;
	vbr->out_hdr.sector = 0;
	*out = true;
	switch (req_op(req)) {
	case REQ_OP_READ:
		*type = VIRTBUS_BLK_T_IN;
		*out = false;
		vbr->out_hdr.sector = cpu_to_le64(blk_rq_pos(req));
		break;
	case REQ_OP_WRITE:
		*type = VIRTBUS_BLK_T_OUT;
		vbr->out_hdr.sector = cpu_to_le64(blk_rq_pos(req));
		break;
	case REQ_OP_FLUSH:
		*type = VIRTBUS_BLK_T_FLUSH;
		break;
	case REQ_OP_DISCARD:
		*type = VIRTBUS_BLK_T_DISCARD;
		break;
	case REQ_OP_WRITE_ZEROES:
		*type = VIRTBUS_BLK_T_WRITE_ZEROES;
		if (!(req->cmd_flags & REQ_NOUNMAP))
			flags = VIRTBUS_BLK_WRITE_ZEROES_FLAG_UNMAP;
		break;
	case REQ_OP_DRV_IN:
		*type = VIRTBUS_BLK_T_GET_ID;
		*out = false;
		break;
	default:
		return -EOPNOTSUPP;
	}
	vbr->out_hdr.type = cpu_to_le32(*type);
	vbr->nsg = 0;
	if (*type == VIRTBUS_BLK_T_DISCARD ||
	    *type == VIRTBUS_BLK_T_WRITE_ZEROES) {
		vbr->range.sector = cpu_to_le64(blk_rq_pos(req));
		vbr->range.num_sectors = cpu_to_le32(blk_rq_sectors(req));
		vbr->range.flags = cpu_to_le32(flags);
	} else if (blk_rq_nr_phys_segments(req)) {
		sg_init_table(vbr->sg, blk_rq_nr_phys_segments(req));
		vbr->nsg = blk_rq_map_sg(req->q, req, vbr->sg);
	}
	return 0;
}

/* Under the queue's lock: hand the prepared request to the ring. */
static int vblk_add_req(struct virtbus_vq *vq, struct vblk_req *vbr,
			u32 type, bool out)
{
	struct scatterlist hdr, status, range, *sgs[3];
	unsigned int nout = 0, nin = 0;

	sg_init_one(&hdr, &vbr->out_hdr, sizeof(vbr->out_hdr));
	sgs[nout++] = &hdr;
	if (type == VIRTBUS_BLK_T_DISCARD ||
	    type == VIRTBUS_BLK_T_WRITE_ZEROES) {
		sg_init_one(&range, &vbr->range, sizeof(vbr->range));
		sgs[nout++] = &range;
	} else if (vbr->nsg) {
		if (out)
			sgs[nout++] = vbr->sg;
		else
			sgs[nout + nin++] = vbr->sg;
	}
	sg_init_one(&status, &vbr->status, sizeof(vbr->status));
	sgs[nout + nin++] = &status;
	return virtbus_vq_add_sgs(vq, sgs, nout, nin, vbr, GFP_ATOMIC);
}

static blk_status_t vblk_queue_rq(struct blk_mq_hw_ctx *hctx,
				  const struct blk_mq_queue_data *bd)
{
	struct vblk *vblk = hctx->queue->queuedata;
	struct vblk_queue *q = &vblk->queues[hctx->queue_num];
	struct request *req = bd->rq;
	struct vblk_req *vbr = blk_mq_rq_to_pdu(req);
	unsigned long flags;
	bool out, notify;
	u32 type;
	int err;

	if (vblk_setup_req(req, vbr, &type, &out))
		return BLK_STS_NOTSUPP;
	vbr->status = VIRTBUS_BLK_S_IOERR;
	vbr->batched = false;
	blk_mq_start_request(req);

	spin_lock_irqsave(&q->lock, flags);
	err = vblk_add_req(q->vq, vbr, type, out);
	if (err) {
		/* Let the device see what is queued before we stop. */
		virtbus_vq_kick(q->vq);
		/*
		 * Stopped under the lock, so that a completion (which takes
		 * it) cannot free the ring and miss restarting us in between.
		 * Not for a failed mapping: the ring may be empty, and then
		 * nothing would restart the queue; blk-mq retries that later.
		 */
		if (err == -ENOSPC)
			blk_mq_stop_hw_queue(hctx);
		spin_unlock_irqrestore(&q->lock, flags);
		switch (err) {
		case -ENOSPC:
			return BLK_STS_DEV_RESOURCE;
		case -ENOMEM:
			return BLK_STS_RESOURCE;
		default:
			return BLK_STS_IOERR;
		}
	}
	notify = bd->last && virtbus_vq_kick_prepare(q->vq);
	spin_unlock_irqrestore(&q->lock, flags);

	if (notify)
		virtbus_vq_notify(q->vq);
	return BLK_STS_OK;
}

static void vblk_commit_rqs(struct blk_mq_hw_ctx *hctx)
{
	struct vblk *vblk = hctx->queue->queuedata;
	struct vblk_queue *q = &vblk->queues[hctx->queue_num];
	bool notify;

	spin_lock_irq(&q->lock);
	notify = virtbus_vq_kick_prepare(q->vq);
	spin_unlock_irq(&q->lock);
	if (notify)
		virtbus_vq_notify(q->vq);
}

/*
 * Take every request away from the device: reset it (after which it
 * touches no buffer), then fail what it still held. Process context.
 */
static void vblk_fail_device(struct vblk *vblk)
{
	unsigned int i;

	mutex_lock(&vblk->lock);
	if (vblk->failed)
		goto out;
	vblk->failed = true;
	virtbus_break_device(vblk->vdev);
	virtbus_reset_device(vblk->vdev);
	for (i = 0; i < vblk->nqueues; i++) {
		struct vblk_queue *q = &vblk->queues[i];
		struct vblk_req *vbr;

		spin_lock_irq(&q->lock);
		while ((vbr = virtbus_vq_detach_unused_buf(q->vq))) {
			vbr->status = VIRTBUS_BLK_S_IOERR;
			blk_mq_complete_request(blk_mq_rq_from_pdu(vbr));
		}
		spin_unlock_irq(&q->lock);
	}
	/*
	 * A queue stopped for ring space would never hear of the space
	 * now free (the broken ring reports nothing): restart it, so that
	 * what waits in it reaches vblk_queue_rq() and fails there.
	 */
	blk_mq_start_stopped_hw_queues(vblk->disk->queue, true);
out:
	mutex_unlock(&vblk->lock);
}

static enum blk_eh_timer_return vblk_timeout(struct request *req)
{
	struct vblk *vblk = req->q->queuedata;
	struct vblk_queue *q = &vblk->queues[req->mq_hctx->queue_num];
	struct vblk_req *vbr = blk_mq_rq_to_pdu(req);
	unsigned int found;
	bool batched;

	/*
	 * The answer may be in the ring already, not yet collected: its
	 * interrupt is late, or it is on a polled queue whose poller went
	 * away. That is no reason to fail the device. (blk-mq holds a
	 * reference: the request is not reused while we look at it.)
	 */
	spin_lock_irq(&q->lock);
	found = vblk_collect(q->vq, NULL);
	batched = vbr->batched;
	spin_unlock_irq(&q->lock);
	if (found)
		blk_mq_start_stopped_hw_queues(vblk->disk->queue, true);
	/*
	 * A poller has it in its completion batch, still in flight to
	 * blk-mq until the poller ends the batch: answered, and the
	 * poller's to end. Ending it here too would end it twice.
	 */
	if (batched || blk_mq_rq_state(req) != MQ_RQ_IN_FLIGHT)
		return BLK_EH_DONE;

	dev_err(&vblk->vdev->dev,
		"%s: request timed out after %u s, failing the device's I/O\n",
		vblk->disk->disk_name, timeout_secs);
	vblk_fail_device(vblk);
	/*
	 * Failing the device completed what the ring held. A request still
	 * in flight was taken from the ring but not completed: only fault
	 * injection (fail_io_timeout) does that, and then it is ours to end.
	 */
	if (blk_mq_rq_state(req) == MQ_RQ_IN_FLIGHT) {
		vbr->status = VIRTBUS_BLK_S_IOERR;
		blk_mq_complete_request(req);
	}
	return BLK_EH_DONE;
}

/*
 * Give each CPU the queue whose interrupt the transport spread to it, so
 * that a request completes on the CPU that submitted it, without an IPI.
 * False if some queue's interrupt was not spread (a vector shared by all
 * queues, INTx): then nothing ties a queue to a CPU.
 */
static bool vblk_map_by_affinity(struct vblk *vblk,
				 struct blk_mq_queue_map *map)
{
	const struct cpumask *mask;
	unsigned int i, cpu;

	for (i = 0; i < map->nr_queues; i++) {
		mask = virtbus_get_vq_affinity(vblk->vdev,
					       map->queue_offset + i);
		if (!mask)
			return false;
		for_each_cpu(cpu, mask)
			map->mq_map[cpu] = map->queue_offset + i;
	}
	return true;
}

/*
 * Interrupt-driven queues first, mapped by their interrupts' affinity
 * where there is one; then the polled ones, which blk-mq spreads over
 * the CPUs, as it does interrupt-driven queues without an affinity.
 * Reads share the default queues.
 */
static void vblk_map_queues(struct blk_mq_tag_set *set)
{
	struct vblk *vblk = set->driver_data;
	unsigned int i, offset = 0;

	for (i = 0; i < set->nr_maps; i++) {
		struct blk_mq_queue_map *map = &set->map[i];

		map->nr_queues = vblk->io_queues[i];
		map->queue_offset = offset;
		offset += map->nr_queues;
		if (!map->nr_queues)
			continue;
		if (i == HCTX_TYPE_POLL || !vblk_map_by_affinity(vblk, map))
			blk_mq_map_queues(map);
	}
}

/*
 * Collect completions on a polled queue, whose interrupts are off. blk-mq
 * only sends polled (REQ_POLLED) I/O here, and completes it locally.
 */
static int vblk_poll(struct blk_mq_hw_ctx *hctx, struct io_comp_batch *iob)
{
	struct vblk *vblk = hctx->queue->queuedata;
	struct vblk_queue *q = &vblk->queues[hctx->queue_num];
	unsigned long flags;
	int found;

	spin_lock_irqsave(&q->lock, flags);
	found = vblk_collect(q->vq, iob);
	spin_unlock_irqrestore(&q->lock, flags);

	if (found)
		blk_mq_start_stopped_hw_queues(vblk->disk->queue, true);
	return found;
}

static const struct blk_mq_ops vblk_mq_ops = {
	.queue_rq = vblk_queue_rq,
	.commit_rqs = vblk_commit_rqs,
	.complete = vblk_complete,
	.timeout = vblk_timeout,
	.map_queues = vblk_map_queues,
	.poll = vblk_poll,
};

/*
 * The last reference to an added disk is dropped here, possibly long
 * after removal when the disk was held open; its index and minors are
 * only free for another disk from now on.
 */
static void vblk_free_disk(struct gendisk *disk)
{
	struct vblk *vblk = disk->private_data;

	ida_free(&vblk_index_ida, vblk->index);
	mutex_destroy(&vblk->cache_lock);
	mutex_destroy(&vblk->lock);
	kfree(vblk);
}

/*
 * Only old partitioning tools and boot loaders care about a geometry.
 * The device's is used when it offers one that can be divided by; else
 * the one sd and virtio_blk make up: 64 heads of 32 sectors, so that a
 * cylinder is 1 MiB.
 */
static int vblk_getgeo(struct block_device *bdev, struct hd_geometry *geo)
{
	struct vblk *vblk = bdev->bd_disk->private_data;
	struct virtbus_device *vdev;
	u16 cylinders = 0;
	u8 heads = 0, sectors = 0;

	mutex_lock(&vblk->lock);
	vdev = vblk->vdev;
	if (!vdev) {
		mutex_unlock(&vblk->lock);
		return -ENXIO;
	}
	if (virtbus_has_feature(vdev, VIRTBUS_BLK_F_GEOMETRY)) {
		cylinders = virtbus_cread16(vdev, VBLK_CFG(geometry.cylinders));
		heads = virtbus_cread8(vdev, VBLK_CFG(geometry.heads));
		sectors = virtbus_cread8(vdev, VBLK_CFG(geometry.sectors));
		if (!heads || !sectors)
			dev_warn_ratelimited(&vdev->dev,
					     "ignoring geometry %u/%u/%u\n",
					     cylinders, heads, sectors);
	}
	mutex_unlock(&vblk->lock);

	if (heads && sectors) {
		geo->cylinders = cylinders;
		geo->heads = heads;
		geo->sectors = sectors;
	} else {
		geo->heads = 64;
		geo->sectors = 32;
		/* The field is 16 bits wide; larger disks get the most it holds. */
		geo->cylinders = min_t(sector_t, get_capacity(bdev->bd_disk) >> 11,
				       U16_MAX);
	}
	return 0;
}

static const struct block_device_operations vblk_fops = {
	.owner = THIS_MODULE,
	.getgeo = vblk_getgeo,
	.free_disk = vblk_free_disk,
};

/* The device's serial, fetched with a GET_ID request each time. */
static ssize_t serial_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct gendisk *disk = dev_to_disk(dev);
	char id[VIRTBUS_BLK_ID_BYTES + 1];
	struct request *req;
	blk_status_t status;
	int err;

	req = blk_mq_alloc_request(disk->queue, REQ_OP_DRV_IN, 0);
	if (IS_ERR(req))
		return PTR_ERR(req);
	memset(id, 0, sizeof(id));
	err = blk_rq_map_kern(disk->queue, req, id, VIRTBUS_BLK_ID_BYTES,
			      GFP_KERNEL);
	if (err) {
		blk_mq_free_request(req);
		return err;
	}
	status = blk_execute_rq(req, false);
	blk_mq_free_request(req);
	if (status)
		return blk_status_to_errno(status);
	/* The device wrote at most 20 bytes; the 21st stays NUL. */
	return sysfs_emit(buf, "%s\n", id);
}
static DEVICE_ATTR_RO(serial);

/*
 * The device caches writes (and wants flushes) when it says so with
 * CONFIG_WCE, which lets the driver change it; else when it offers FLUSH.
 * Any nonzero writeback byte means write back, as for QEMU.
 */
static bool vblk_writeback(struct virtbus_device *vdev)
{
	if (virtbus_has_feature(vdev, VIRTBUS_BLK_F_CONFIG_WCE))
		return virtbus_cread8(vdev, VBLK_CFG(writeback));
	return virtbus_has_feature(vdev, VIRTBUS_BLK_F_FLUSH);
}

#ifdef VIRTBUS_HAVE_BLK_QUEUE_WRITE_CACHE
static int vblk_set_write_cache(struct request_queue *q, bool writeback)
{
	blk_queue_write_cache(q, writeback, false);
	return 0;
}
#else
/* The flag is a queue limit now; changing it waits for I/O in flight. */
static int vblk_set_write_cache(struct request_queue *q, bool writeback)
{
	struct queue_limits lim = queue_limits_start_update(q);

	if (writeback)
		lim.features |= BLK_FEAT_WRITE_CACHE;
	else
		lim.features &= ~BLK_FEAT_WRITE_CACHE;
	return queue_limits_commit_update_frozen(q, &lim);
}
#endif

/* Indexed by vblk_writeback(); the strings sd and virtio_blk use. */
static const char *const vblk_cache_types[] = {
	"write through", "write back",
};

static ssize_t cache_type_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct vblk *vblk = dev_to_disk(dev)->private_data;

	return sysfs_emit(buf, "%s\n",
			  vblk_cache_types[vblk_writeback(vblk->vdev)]);
}

/*
 * Write the mode to the device, then take the queue's write cache flag
 * from what the device reads back: that is the mode it really has, and
 * flushes must follow it, not what was asked.
 */
static ssize_t cache_type_store(struct device *dev,
				struct device_attribute *attr,
				const char *buf, size_t count)
{
	struct vblk *vblk = dev_to_disk(dev)->private_data;
	struct virtbus_device *vdev = vblk->vdev;
	bool writeback = false;
	int mode, err = 0;

	/* The file is read-only then; this is for whoever gets past that. */
	if (!virtbus_has_feature(vdev, VIRTBUS_BLK_F_CONFIG_WCE))
		return -EPERM;
	mode = sysfs_match_string(vblk_cache_types, buf);
	if (mode < 0)
		return mode;

	mutex_lock(&vblk->cache_lock);
	mutex_lock(&vblk->lock);
	/* A failed device has been reset: its config means nothing now. */
	if (vblk->failed) {
		err = -EIO;
	} else {
		virtbus_cwrite8(vdev, VBLK_CFG(writeback), mode);
		writeback = vblk_writeback(vdev);
	}
	mutex_unlock(&vblk->lock);
	if (!err)
		err = vblk_set_write_cache(vblk->disk->queue, writeback);
	if (!err && writeback != mode) {
		dev_warn(dev, "device kept its cache %s\n",
			 vblk_cache_types[writeback]);
		err = -EIO;
	}
	mutex_unlock(&vblk->cache_lock);
	return err ? err : count;
}
static DEVICE_ATTR_RW(cache_type);

static struct attribute *vblk_attrs[] = {
	&dev_attr_serial.attr,
	&dev_attr_cache_type.attr,
	NULL,
};

/* Without CONFIG_WCE the device's cache mode is fixed: read-only. */
static umode_t vblk_attr_visible(struct kobject *kobj, struct attribute *a,
				 int n)
{
	struct vblk *vblk = dev_to_disk(kobj_to_dev(kobj))->private_data;

	if (a == &dev_attr_cache_type.attr &&
	    !virtbus_has_feature(vblk->vdev, VIRTBUS_BLK_F_CONFIG_WCE))
		return 0444;
	return a->mode;
}

static const struct attribute_group vblk_attr_group = {
	.attrs = vblk_attrs,
	.is_visible = vblk_attr_visible,
};

static const struct attribute_group *vblk_attr_groups[] = {
	&vblk_attr_group,
	NULL,
};

/*
 * The capacity in 512-byte sectors, as the device says, but no more than
 * a block device's size (a loff_t in bytes) can hold.
 */
static sector_t vblk_capacity(struct virtbus_device *vdev)
{
	u64 capacity = virtbus_cread64(vdev, VBLK_CFG(capacity));
	u64 most = (u64)MAX_LFS_FILESIZE >> SECTOR_SHIFT;

	if (capacity > most) {
		dev_warn(&vdev->dev, "capacity of %llu sectors cut to %llu\n",
			 capacity, most);
		capacity = most;
	}
	return capacity;
}

static void vblk_config_changed(struct virtbus_device *vdev)
{
	struct vblk *vblk = vdev->priv;

	mutex_lock(&vblk->lock);
	if (!vblk->failed)
		set_capacity_and_notify(vblk->disk, vblk_capacity(vdev));
	mutex_unlock(&vblk->lock);
}

static int vblk_init_queues(struct vblk *vblk)
{
	struct virtbus_device *vdev = vblk->vdev;
	struct virtbus_vq_info *info;
	struct virtbus_vq **vqs;
	unsigned int i, n = 1, npoll;
	int err = -ENOMEM;

	if (virtbus_has_feature(vdev, VIRTBUS_BLK_F_MQ))
		n = virtbus_cread16(vdev, VBLK_CFG(num_queues));
	/* Zero is not a queue count. */
	n = max(n, 1U);
	/*
	 * Polled queues come out of the device's; one at least keeps its
	 * interrupt, for I/O nobody polls (most of it, and flushes and
	 * GET_ID). Of either kind, more queues than CPUs buy nothing.
	 */
	npoll = min3(READ_ONCE(poll_queues), n - 1, nr_cpu_ids);
	vblk->io_queues[HCTX_TYPE_DEFAULT] = min(n - npoll, nr_cpu_ids);
	vblk->io_queues[HCTX_TYPE_READ] = 0;
	vblk->io_queues[HCTX_TYPE_POLL] = npoll;
	n = vblk->io_queues[HCTX_TYPE_DEFAULT] + npoll;
	if (npoll)
		dev_info(&vdev->dev, "%u interrupt-driven and %u polled queues\n",
			 n - npoll, npoll);

	vblk->queues = kcalloc(n, sizeof(*vblk->queues), GFP_KERNEL);
	info = kcalloc(n, sizeof(*info), GFP_KERNEL);
	vqs = kcalloc(n, sizeof(*vqs), GFP_KERNEL);
	if (!vblk->queues || !info || !vqs)
		goto out;
	for (i = 0; i < n; i++) {
		bool polled = i >= n - npoll;

		snprintf(vblk->queues[i].name, sizeof(vblk->queues[i].name),
			 polled ? "req_poll.%u" : "req.%u", i);
		spin_lock_init(&vblk->queues[i].lock);
		info[i].name = vblk->queues[i].name;
		/* No callback: the ring turns the queue's interrupts off. */
		info[i].callback = polled ? NULL : vblk_done;
		info[i].spread = !polled;
	}
	err = virtbus_find_vqs(vdev, n, vqs, info);
	if (err)
		goto out;
	for (i = 0; i < n; i++)
		vblk->queues[i].vq = vqs[i];
	vblk->nqueues = n;
out:
	if (err) {
		kfree(vblk->queues);
		vblk->queues = NULL;
	}
	kfree(info);
	kfree(vqs);
	return err;
}

static u32 vblk_cread32(struct virtbus_device *vdev, unsigned int bit,
			unsigned int offset, u32 absent)
{
	return virtbus_has_feature(vdev, bit) ?
		virtbus_cread32(vdev, offset) : absent;
}

/*
 * A discard or write zeroes limit in sectors from config space (0: none)
 * as whole blocks of @bs bytes; 0 if not even one block fits.
 */
static unsigned int vblk_range_limit(u32 v, u32 bs)
{
	unsigned int most = UINT_MAX >> SECTOR_SHIFT;

	return round_down(v && v < most ? v : most, bs >> SECTOR_SHIFT);
}

/* Limits from config space, each checked: zero or nonsense is ignored. */
static void vblk_read_limits(struct vblk *vblk, struct queue_limits *lim)
{
	struct virtbus_device *vdev = vblk->vdev;
	u32 v, bs = SECTOR_SIZE;

	lim->max_segments = vblk->sg_elems;
	lim->max_hw_sectors = UINT_MAX >> SECTOR_SHIFT;
	v = vblk_cread32(vdev, VIRTBUS_BLK_F_SIZE_MAX,
			 VBLK_CFG(size_max), 0);
	/* The block layer cannot split below a page. */
	if (v && v < PAGE_SIZE) {
		dev_warn(&vdev->dev, "segment size limit %u raised to a page\n",
			 v);
		v = PAGE_SIZE;
	}
	lim->max_segment_size = v ? v : UINT_MAX;
	/* Behind an IOMMU or bounce buffers, a mapping has a limit too. */
	lim->max_segment_size = min_t(size_t, lim->max_segment_size,
				      virtbus_vq_max_dma_size(vblk->queues[0].vq));

	v = vblk_cread32(vdev, VIRTBUS_BLK_F_BLK_SIZE,
			 VBLK_CFG(blk_size), 0);
	if (v >= SECTOR_SIZE && v <= PAGE_SIZE && is_power_of_2(v))
		bs = v;
	else if (v)
		dev_warn(&vdev->dev, "ignoring block size %u\n", v);
	lim->logical_block_size = bs;
	lim->physical_block_size = bs;

	if (virtbus_has_feature(vdev, VIRTBUS_BLK_F_TOPOLOGY)) {
		u8 exp = virtbus_cread8(vdev, VBLK_CFG(physical_block_exp));
		u8 align = virtbus_cread8(vdev, VBLK_CFG(alignment_offset));
		u16 min_io = virtbus_cread16(vdev, VBLK_CFG(min_io_size));
		u32 opt_io = virtbus_cread32(vdev, VBLK_CFG(opt_io_size));

		if (exp < 8 && (bs << exp) <= 65536)
			lim->physical_block_size = bs << exp;
		lim->alignment_offset = align * bs;
		if (min_io && (u64)min_io * bs <= UINT_MAX)
			lim->io_min = min_io * bs;
		if (opt_io && (u64)opt_io * bs <= UINT_MAX)
			lim->io_opt = opt_io * bs;
	}
	/*
	 * Ranges are split at these limits and at the granularity, so all
	 * three must be whole blocks, or the device gets (and refuses)
	 * ranges that end inside one. A limit below a block leaves the
	 * request type off.
	 */
	if (virtbus_has_feature(vdev, VIRTBUS_BLK_F_DISCARD)) {
		v = virtbus_cread32(vdev, VBLK_CFG(max_discard_sectors));
		lim->max_hw_discard_sectors = vblk_range_limit(v, bs);
		v = virtbus_cread32(vdev, VBLK_CFG(discard_sector_alignment));
		if (v > (UINT_MAX >> SECTOR_SHIFT) ||
		    (v << SECTOR_SHIFT) % bs) {
			dev_warn(&vdev->dev, "ignoring discard alignment %u\n", v);
			v = 0;
		}
		lim->discard_granularity = v ? v << SECTOR_SHIFT : bs;
	}
	if (virtbus_has_feature(vdev, VIRTBUS_BLK_F_WRITE_ZEROES)) {
		v = virtbus_cread32(vdev, VBLK_CFG(max_write_zeroes_sectors));
		lim->max_write_zeroes_sectors = vblk_range_limit(v, bs);
	}
}

#ifdef VIRTBUS_HAVE_BLK_ALLOC_DISK_LIMITS
static struct gendisk *vblk_alloc_disk(struct vblk *vblk,
				       struct queue_limits *lim)
{
	if (vblk_writeback(vblk->vdev))
		lim->features |= BLK_FEAT_WRITE_CACHE;
	return blk_mq_alloc_disk(&vblk->tag_set, lim, vblk);
}
#else
static struct gendisk *vblk_alloc_disk(struct vblk *vblk,
				       struct queue_limits *lim)
{
	struct gendisk *disk = blk_mq_alloc_disk(&vblk->tag_set, vblk);
	struct request_queue *q;

	if (IS_ERR(disk))
		return disk;
	q = disk->queue;
	blk_queue_logical_block_size(q, lim->logical_block_size);
	blk_queue_physical_block_size(q, lim->physical_block_size);
	blk_queue_alignment_offset(q, lim->alignment_offset);
	if (lim->io_min)
		blk_queue_io_min(q, lim->io_min);
	if (lim->io_opt)
		blk_queue_io_opt(q, lim->io_opt);
	blk_queue_max_hw_sectors(q, lim->max_hw_sectors);
	blk_queue_max_segments(q, lim->max_segments);
	blk_queue_max_segment_size(q, lim->max_segment_size);
	if (lim->max_hw_discard_sectors) {
		blk_queue_max_discard_sectors(q, lim->max_hw_discard_sectors);
		blk_queue_max_discard_segments(q, 1);
		q->limits.discard_granularity = lim->discard_granularity;
	}
	if (lim->max_write_zeroes_sectors)
		blk_queue_max_write_zeroes_sectors(q,
						   lim->max_write_zeroes_sectors);
	blk_queue_write_cache(q, vblk_writeback(vblk->vdev), false);
	return disk;
}
#endif

static void vblk_set_name(struct gendisk *disk, int index)
{
	/* vbda .. vbdz, then vbdaa .. vbdzz */
	if (index < 26)
		snprintf(disk->disk_name, DISK_NAME_LEN, "vbd%c", 'a' + index);
	else
		snprintf(disk->disk_name, DISK_NAME_LEN, "vbd%c%c",
			 'a' + index / 26 - 1, 'a' + index % 26);
}

/*
 * A request is a chain of a descriptor per segment plus two (header and
 * status), and no chain may be longer than its ring, indirect table or
 * not: virtbus_vq_add_sgs() refuses a longer one for good. A segment
 * limit from the device beyond the smallest ring would fail requests.
 */
static void vblk_clamp_segments(struct vblk *vblk)
{
	unsigned int i, room;

	for (i = 0; i < vblk->nqueues; i++) {
		room = virtbus_vq_size(vblk->queues[i].vq);
		room = room > 3 ? room - 2 : 1;
		vblk->sg_elems = min(vblk->sg_elems, room);
	}
}

static int vblk_probe(struct virtbus_device *vdev)
{
	struct queue_limits lim = { };
	unsigned int depth;
	struct vblk *vblk;
	int err;

	vblk = kzalloc(sizeof(*vblk), GFP_KERNEL);
	if (!vblk)
		return -ENOMEM;
	mutex_init(&vblk->lock);
	mutex_init(&vblk->cache_lock);
	vblk->vdev = vdev;
	vdev->priv = vblk;
	err = ida_alloc_max(&vblk_index_ida, 26 * 27 - 1, GFP_KERNEL);
	if (err < 0)
		goto out_free;
	vblk->index = err;

	vblk->sg_elems = vblk_cread32(vdev, VIRTBUS_BLK_F_SEG_MAX,
				      VBLK_CFG(seg_max), 1);
	vblk->sg_elems = clamp_t(u32, vblk->sg_elems, 1, VBLK_MAX_SEGS);

	err = vblk_init_queues(vblk);
	if (err)
		goto out_ida;
	vblk_clamp_segments(vblk);

	vblk->tag_set.ops = &vblk_mq_ops;
	vblk->tag_set.nr_hw_queues = vblk->nqueues;
	/* Up to HCTX_TYPE_POLL, so that blk-mq makes the polled ones. */
	vblk->tag_set.nr_maps = vblk->io_queues[HCTX_TYPE_POLL] ?
				HCTX_MAX_TYPES : 1;
	/*
	 * With indirect descriptors a request takes one ring entry;
	 * without, at least two (three with data): a full ring's worth of
	 * requests would mostly wait for space.
	 */
	depth = virtbus_vq_size(vblk->queues[0].vq);
	if (!virtbus_has_feature(vdev, VIRTBUS_F_INDIRECT_DESC))
		depth = max(depth / 2, 1U);
	vblk->tag_set.queue_depth = min(depth, VBLK_MAX_QUEUE_DEPTH);
#ifdef VIRTBUS_HAVE_BLK_MQ_F_SHOULD_MERGE
	/* Merge bios in the software queues (later kernels always do). */
	vblk->tag_set.flags = BLK_MQ_F_SHOULD_MERGE;
#endif
	vblk->tag_set.numa_node = NUMA_NO_NODE;
	vblk->tag_set.cmd_size = sizeof(struct vblk_req) +
				 sizeof(struct scatterlist) * vblk->sg_elems;
	vblk->tag_set.timeout = timeout_secs * HZ;
	vblk->tag_set.driver_data = vblk;
	err = blk_mq_alloc_tag_set(&vblk->tag_set);
	if (err)
		goto out_vqs;

	vblk_read_limits(vblk, &lim);
	vblk->disk = vblk_alloc_disk(vblk, &lim);
	if (IS_ERR(vblk->disk)) {
		err = PTR_ERR(vblk->disk);
		goto out_tags;
	}
	vblk->disk->major = vblk_major;
	vblk->disk->first_minor = vblk->index * VBLK_MINORS;
	vblk->disk->minors = VBLK_MINORS;
	vblk->disk->fops = &vblk_fops;
	vblk->disk->private_data = vblk;
	vblk_set_name(vblk->disk, vblk->index);
	set_capacity(vblk->disk, vblk_capacity(vdev));
	if (virtbus_has_feature(vdev, VIRTBUS_BLK_F_RO))
		set_disk_ro(vblk->disk, true);

	/* Adding the disk reads its partition table: the device must be live. */
	virtbus_device_ready(vdev);
	err = device_add_disk(&vdev->dev, vblk->disk, vblk_attr_groups);
	if (err)
		goto out_disk;
	return 0;

out_disk:
	virtbus_reset_device(vdev);
	put_disk(vblk->disk);
out_tags:
	blk_mq_free_tag_set(&vblk->tag_set);
out_vqs:
	virtbus_reset_device(vdev);
	virtbus_del_vqs(vdev);
	kfree(vblk->queues);
out_ida:
	ida_free(&vblk_index_ida, vblk->index);
out_free:
	vdev->priv = NULL;
	kfree(vblk);
	return err;
}

/*
 * Will some queue never answer again? A device gone from the bus breaks
 * the device; one caught lying breaks only the queue it lied on, and
 * what that queue holds is lost just the same.
 */
static bool vblk_broken(struct vblk *vblk)
{
	unsigned int i;

	for (i = 0; i < vblk->nqueues; i++)
		if (virtbus_vq_is_broken(vblk->queues[i].vq))
			return true;
	return false;
}

static void vblk_remove(struct virtbus_device *vdev)
{
	struct vblk *vblk = vdev->priv;
	unsigned int i;

	/*
	 * Waits for I/O in flight: the device answers, or the timeout fails
	 * it. A device already broken (gone from the bus, or caught lying
	 * on any of its queues) answers nothing more: fail its I/O now
	 * rather than a timeout later.
	 */
	if (vblk_broken(vblk))
		vblk_fail_device(vblk);
	del_gendisk(vblk->disk);
	blk_mq_free_tag_set(&vblk->tag_set);

	mutex_lock(&vblk->lock);
	virtbus_reset_device(vdev);
	for (i = 0; i < vblk->nqueues; i++)
		while (virtbus_vq_detach_unused_buf(vblk->queues[i].vq))
			;
	virtbus_del_vqs(vdev);
	kfree(vblk->queues);
	vblk->queues = NULL;
	vblk->vdev = NULL;
	mutex_unlock(&vblk->lock);

	vdev->priv = NULL;
	/* vblk goes with the disk's last reference (vblk_free_disk()). */
	put_disk(vblk->disk);
}

static const unsigned int vblk_features[] = {
	VIRTBUS_BLK_F_SIZE_MAX, VIRTBUS_BLK_F_SEG_MAX, VIRTBUS_BLK_F_GEOMETRY,
	VIRTBUS_BLK_F_RO, VIRTBUS_BLK_F_BLK_SIZE, VIRTBUS_BLK_F_FLUSH,
	VIRTBUS_BLK_F_TOPOLOGY, VIRTBUS_BLK_F_CONFIG_WCE, VIRTBUS_BLK_F_MQ,
	VIRTBUS_BLK_F_DISCARD, VIRTBUS_BLK_F_WRITE_ZEROES,
};

VIRTBUS_DEVICE_TABLE(vblk_ids, VIRTBUS_ID_BLOCK, VIRTBUS_VENDOR_ANY);

static struct virtbus_driver vblk_driver = {
	.driver.name = "virtbus_blk",
	.id_table = vblk_ids,
	.feature_table = vblk_features,
	.feature_table_size = ARRAY_SIZE(vblk_features),
	.probe = vblk_probe,
	.remove = vblk_remove,
	.config_changed = vblk_config_changed,
};

static int __init vblk_init(void)
{
	int err;

	vblk_major = register_blkdev(0, "virtbus_blk");
	if (vblk_major < 0)
		return vblk_major;
	err = virtbus_register_driver(&vblk_driver);
	if (err)
		unregister_blkdev(vblk_major, "virtbus_blk");
	return err;
}

static void __exit vblk_exit(void)
{
	virtbus_unregister_driver(&vblk_driver);
	unregister_blkdev(vblk_major, "virtbus_blk");
	ida_destroy(&vblk_index_ida);
}

module_init(vblk_init);
module_exit(vblk_exit);

MODULE_DESCRIPTION("virtbus block device driver");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(VIRTBUS);

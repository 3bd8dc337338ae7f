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
#define VBLK_MAX_QUEUE_DEPTH	256

static unsigned int timeout_secs = 30;
module_param_named(timeout, timeout_secs, uint, 0444);
MODULE_PARM_DESC(timeout,
		 "seconds a request may take before the device is failed (default 30)");

static int vblk_major;
static DEFINE_IDA(vblk_index_ida);

struct vblk_queue {
	struct virtbus_vq *vq;
	spinlock_t lock;		/* serialises the ring */
	char name[16];
} ____cacheline_aligned_in_smp;

struct vblk {
	struct virtbus_device *vdev;
	struct gendisk *disk;
	struct blk_mq_tag_set tag_set;
	/* Serialises config changes, failing the device and removal. */
	struct mutex lock;
	bool failed;
	int index;
	unsigned int nqueues;
	struct vblk_queue *queues;
	unsigned int sg_elems;
};

/* Per request, allocated by blk-mq with the request (so DMA-able). */
struct vblk_req {
	struct virtbus_blk_outhdr out_hdr;
	struct virtbus_blk_discard_write_zeroes range;
	u8 status;
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

static void vblk_done(struct virtbus_vq *vq)
{
	struct vblk *vblk = vq->vdev->priv;
	struct vblk_queue *q = &vblk->queues[vq->index];
	struct vblk_req *vbr;
	bool completed = false;
	unsigned long flags;
	unsigned int len;

	spin_lock_irqsave(&q->lock, flags);
	do {
		virtbus_vq_disable_cb(vq);
		while ((vbr = virtbus_vq_get_buf(vq, &len))) {
			struct request *req = blk_mq_rq_from_pdu(vbr);

			if (likely(!blk_should_fake_timeout(req->q)))
				blk_mq_complete_request(req);
			completed = true;
		}
	} while (!virtbus_vq_enable_cb(vq));
	spin_unlock_irqrestore(&q->lock, flags);

	/* A queue stopped for lack of ring space can go again. */
	if (completed)
		blk_mq_start_stopped_hw_queues(vblk->disk->queue, true);
}

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
	if (*type == VIRTBUS_BLK_T_DISCARD ||
	    *type == VIRTBUS_BLK_T_WRITE_ZEROES) {
		vbr->range.sector = cpu_to_le64(blk_rq_pos(req));
		vbr->range.num_sectors = cpu_to_le32(blk_rq_sectors(req));
		vbr->range.flags = cpu_to_le32(flags);
	}
	return 0;
}

static int vblk_add_req(struct virtbus_vq *vq, struct request *req,
			struct vblk_req *vbr, u32 type, bool out)
{
	struct scatterlist hdr, status, range, *sgs[3];
	unsigned int nout = 0, nin = 0, nsg = 0;

	sg_init_one(&hdr, &vbr->out_hdr, sizeof(vbr->out_hdr));
	sgs[nout++] = &hdr;
	if (type == VIRTBUS_BLK_T_DISCARD ||
	    type == VIRTBUS_BLK_T_WRITE_ZEROES) {
		sg_init_one(&range, &vbr->range, sizeof(vbr->range));
		sgs[nout++] = &range;
	} else if (blk_rq_nr_phys_segments(req)) {
		sg_init_table(vbr->sg, blk_rq_nr_phys_segments(req));
		nsg = blk_rq_map_sg(req->q, req, vbr->sg);
		if (nsg) {
			if (out)
				sgs[nout++] = vbr->sg;
			else
				sgs[nout + nin++] = vbr->sg;
		}
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
	blk_mq_start_request(req);

	spin_lock_irqsave(&q->lock, flags);
	err = vblk_add_req(q->vq, req, vbr, type, out);
	if (err) {
		/* Let the device see what is queued before we stop. */
		virtbus_vq_kick(q->vq);
		spin_unlock_irqrestore(&q->lock, flags);
		if (err == -ENOSPC || err == -ENOMEM) {
			blk_mq_stop_hw_queue(hctx);
			return BLK_STS_DEV_RESOURCE;
		}
		return BLK_STS_IOERR;
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
out:
	mutex_unlock(&vblk->lock);
}

static enum blk_eh_timer_return vblk_timeout(struct request *req)
{
	struct vblk *vblk = req->q->queuedata;

	dev_err(&vblk->vdev->dev,
		"%s: request timed out after %u s, failing the device's I/O\n",
		vblk->disk->disk_name, timeout_secs);
	vblk_fail_device(vblk);
	return BLK_EH_DONE;
}

static const struct blk_mq_ops vblk_mq_ops = {
	.queue_rq = vblk_queue_rq,
	.commit_rqs = vblk_commit_rqs,
	.complete = vblk_complete,
	.timeout = vblk_timeout,
};

static const struct block_device_operations vblk_fops = {
	.owner = THIS_MODULE,
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

static struct attribute *vblk_attrs[] = {
	&dev_attr_serial.attr,
	NULL,
};

static const struct attribute_group vblk_attr_group = {
	.attrs = vblk_attrs,
};

static const struct attribute_group *vblk_attr_groups[] = {
	&vblk_attr_group,
	NULL,
};

static void vblk_config_changed(struct virtbus_device *vdev)
{
	struct vblk *vblk = vdev->priv;
	u64 capacity;

	mutex_lock(&vblk->lock);
	if (!vblk->failed) {
		capacity = virtbus_cread64(vdev, VBLK_CFG(capacity));
		set_capacity_and_notify(vblk->disk, capacity);
	}
	mutex_unlock(&vblk->lock);
}

static int vblk_init_queues(struct vblk *vblk)
{
	struct virtbus_device *vdev = vblk->vdev;
	struct virtbus_vq_info *info;
	struct virtbus_vq **vqs;
	unsigned int i, n = 1;
	int err = -ENOMEM;

	if (virtbus_has_feature(vdev, VIRTBUS_BLK_F_MQ))
		n = virtbus_cread16(vdev, VBLK_CFG(num_queues));
	/* Zero is not a queue count; more queues than CPUs buy nothing. */
	n = clamp_t(unsigned int, n, 1, nr_cpu_ids);

	vblk->queues = kcalloc(n, sizeof(*vblk->queues), GFP_KERNEL);
	info = kcalloc(n, sizeof(*info), GFP_KERNEL);
	vqs = kcalloc(n, sizeof(*vqs), GFP_KERNEL);
	if (!vblk->queues || !info || !vqs)
		goto out;
	for (i = 0; i < n; i++) {
		snprintf(vblk->queues[i].name, sizeof(vblk->queues[i].name),
			 "req.%u", i);
		spin_lock_init(&vblk->queues[i].lock);
		info[i].name = vblk->queues[i].name;
		info[i].callback = vblk_done;
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

/* Limits from config space, each checked: zero or nonsense is ignored. */
static void vblk_read_limits(struct vblk *vblk, struct queue_limits *lim)
{
	struct virtbus_device *vdev = vblk->vdev;
	u32 v, bs = SECTOR_SIZE;

	lim->max_segments = vblk->sg_elems;
	lim->max_hw_sectors = UINT_MAX >> SECTOR_SHIFT;
	v = vblk_cread32(vdev, VIRTBUS_BLK_F_SIZE_MAX,
			 VBLK_CFG(size_max), 0);
	lim->max_segment_size = v >= PAGE_SIZE ? v : UINT_MAX;

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
	if (virtbus_has_feature(vdev, VIRTBUS_BLK_F_DISCARD)) {
		v = virtbus_cread32(vdev, VBLK_CFG(max_discard_sectors));
		lim->max_hw_discard_sectors = v ? v : UINT_MAX >> SECTOR_SHIFT;
		v = virtbus_cread32(vdev, VBLK_CFG(discard_sector_alignment));
		lim->discard_granularity = v && v <= (UINT_MAX >> SECTOR_SHIFT) ?
					   v << SECTOR_SHIFT : bs;
	}
	if (virtbus_has_feature(vdev, VIRTBUS_BLK_F_WRITE_ZEROES)) {
		v = virtbus_cread32(vdev, VBLK_CFG(max_write_zeroes_sectors));
		lim->max_write_zeroes_sectors = v ? v : UINT_MAX >> SECTOR_SHIFT;
	}
}

static bool vblk_writeback(struct virtbus_device *vdev)
{
	if (virtbus_has_feature(vdev, VIRTBUS_BLK_F_CONFIG_WCE))
		return virtbus_cread8(vdev, VBLK_CFG(writeback));
	return virtbus_has_feature(vdev, VIRTBUS_BLK_F_FLUSH);
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
	struct vblk *vblk;
	int err;

	vblk = kzalloc(sizeof(*vblk), GFP_KERNEL);
	if (!vblk)
		return -ENOMEM;
	mutex_init(&vblk->lock);
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
	vblk->tag_set.queue_depth = min_t(unsigned int, VBLK_MAX_QUEUE_DEPTH,
					  virtbus_vq_size(vblk->queues[0].vq));
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
	set_capacity(vblk->disk, virtbus_cread64(vdev, VBLK_CFG(capacity)));
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

static void vblk_remove(struct virtbus_device *vdev)
{
	struct vblk *vblk = vdev->priv;
	unsigned int i;

	/* Waits for I/O in flight: the device answers, or the timeout fails it. */
	del_gendisk(vblk->disk);

	mutex_lock(&vblk->lock);
	virtbus_reset_device(vdev);
	for (i = 0; i < vblk->nqueues; i++)
		while (virtbus_vq_detach_unused_buf(vblk->queues[i].vq))
			;
	virtbus_del_vqs(vdev);
	mutex_unlock(&vblk->lock);

	put_disk(vblk->disk);
	blk_mq_free_tag_set(&vblk->tag_set);
	kfree(vblk->queues);
	ida_free(&vblk_index_ida, vblk->index);
	vdev->priv = NULL;
	kfree(vblk);
}

static const unsigned int vblk_features[] = {
	VIRTBUS_BLK_F_SIZE_MAX, VIRTBUS_BLK_F_SEG_MAX, VIRTBUS_BLK_F_RO,
	VIRTBUS_BLK_F_BLK_SIZE, VIRTBUS_BLK_F_FLUSH, VIRTBUS_BLK_F_TOPOLOGY,
	VIRTBUS_BLK_F_CONFIG_WCE, VIRTBUS_BLK_F_MQ, VIRTBUS_BLK_F_DISCARD,
	VIRTBUS_BLK_F_WRITE_ZEROES,
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

// SPDX-License-Identifier: GPL-2.0
/*
 * virtbus_fuzz: a transport for tests whose devices are played by the
 * kernel itself, from a seed, with the real drivers bound to them.
 *
 * Each device answers as the virtio specification says most of the time
 * (its model, virtbus_fuzz_models.c) and otherwise does what a broken or
 * hostile device can do: offer odd feature bits or refuse FEATURES_OK,
 * return garbage status and config bytes, move the config generation,
 * change its config and announce it (or not), set NEEDS_RESET, fail to
 * create queues or pick odd sizes, return used entries with wrong ids and
 * lengths or twice, move the used index past what it wrote, write the
 * parts of the ring only the driver may write, answer nothing, use the
 * rings before DRIVER_OK, and raise interrupts that are spurious, missing
 * or early -- from a work item, the way a host answers from another CPU,
 * and from a timer in hard interrupt context.
 *
 * What a driver may do about it: break a queue or the device, fail I/O,
 * refuse to bind. What it may never do: crash, warn, corrupt memory, take
 * locks in the wrong order, or hang; the test guest's kernel log is
 * checked for all of that. The device side also checks every chain the
 * driver makes and reports a malformed one as "driver bug".
 *
 * Parameters: seed= (the run's decisions follow from it; scheduling can
 * still order them differently), chaos= (misbehaviours per million
 * decisions, 0 for an honest device) and devices= (e.g. "blk,blk,rng,net").
 * Counters are in debugfs, virtbus_fuzz/stats, and printed at unload.
 *
 * No queue negotiates ACCESS_PLATFORM, so descriptors hold physical
 * addresses (virtbus_fake_ring.h).
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <uapi/virtbus/virtbus_config.h>
#include "virtbus_fuzz.h"

static unsigned long long seed = 1;
module_param(seed, ullong, 0444);
MODULE_PARM_DESC(seed, "seed of the devices' decisions (default 1)");

static unsigned int chaos = 1000;
module_param(chaos, uint, 0444);
MODULE_PARM_DESC(chaos, "misbehaviours per million decisions (default 1000, 0: honest devices)");

static char *devices = "blk,rng";
module_param(devices, charp, 0444);
MODULE_PARM_DESC(devices, "the devices to create, by type, comma-separated (default blk,rng)");

#define VFZ_MAX_DEVICES		8
#define VFZ_QUEUE_SIZE		128
#define VFZ_CHAOS_SCALE		1000000

/* What a device did wrong on purpose; counted, and shown in stats. */
enum vfz_fault {
	VFZ_FEATURE_BIT,	/* a feature bit flipped in the offer */
	VFZ_FEATURES_REFUSED,	/* FEATURES_OK not kept */
	VFZ_STATUS_GARBAGE,	/* a status read returned garbage */
	VFZ_NEEDS_RESET,	/* NEEDS_RESET set and announced */
	VFZ_CONFIG_GARBAGE,	/* a config read returned garbage */
	VFZ_GENERATION,		/* the generation moved under a read */
	VFZ_CONFIG_CHANGE,	/* config changed (honestly) and announced */
	VFZ_CONFIG_SCRIBBLE,	/* config overwritten with garbage, announced */
	VFZ_FIND_VQS,		/* queue creation failed */
	VFZ_QUEUE_SIZE_ODD,	/* a queue of 1 to 256 entries */
	VFZ_NOTIFY_FAILED,	/* a notification reported as failed */
	VFZ_BEFORE_READY,	/* a ring used before DRIVER_OK */
	VFZ_DROP,		/* a request never answered */
	VFZ_DATA,		/* a reply's bytes replaced by garbage */
	VFZ_USED_ID,		/* a used entry with another id */
	VFZ_USED_LEN,		/* a used entry with a wrong length */
	VFZ_USED_TWICE,		/* a used entry returned twice */
	VFZ_USED_IDX,		/* the used index moved past what was written */
	VFZ_DRIVER_AREA,	/* a write to what only the driver may write */
	VFZ_IRQ_MISSING,	/* no interrupt for used entries */
	VFZ_IRQ_EARLY,		/* the interrupt before the used entry */
	VFZ_IRQ_SPURIOUS,	/* an interrupt for nothing */
	VFZ_CONFIG_SPURIOUS,	/* a config event for nothing */
	VFZ_NR_FAULTS
};

static const char * const vfz_fault_names[VFZ_NR_FAULTS] = {
	[VFZ_FEATURE_BIT] = "feature_bit",
	[VFZ_FEATURES_REFUSED] = "features_refused",
	[VFZ_STATUS_GARBAGE] = "status_garbage",
	[VFZ_NEEDS_RESET] = "needs_reset",
	[VFZ_CONFIG_GARBAGE] = "config_garbage",
	[VFZ_GENERATION] = "generation",
	[VFZ_CONFIG_CHANGE] = "config_change",
	[VFZ_CONFIG_SCRIBBLE] = "config_scribble",
	[VFZ_FIND_VQS] = "find_vqs",
	[VFZ_QUEUE_SIZE_ODD] = "queue_size",
	[VFZ_NOTIFY_FAILED] = "notify_failed",
	[VFZ_BEFORE_READY] = "before_ready",
	[VFZ_DROP] = "drop",
	[VFZ_DATA] = "data",
	[VFZ_USED_ID] = "used_id",
	[VFZ_USED_LEN] = "used_len",
	[VFZ_USED_TWICE] = "used_twice",
	[VFZ_USED_IDX] = "used_idx",
	[VFZ_DRIVER_AREA] = "driver_area",
	[VFZ_IRQ_MISSING] = "irq_missing",
	[VFZ_IRQ_EARLY] = "irq_early",
	[VFZ_IRQ_SPURIOUS] = "irq_spurious",
	[VFZ_CONFIG_SPURIOUS] = "config_spurious",
};

static struct {
	atomic64_t ops;		/* device operations: every step a device takes */
	atomic64_t requests;	/* chains taken from a ring */
	atomic64_t faults[VFZ_NR_FAULTS];
	atomic_t driver_bugs;
	ktime_t start;
} vfz_stats;

static struct device *vfz_root;
static struct vfz_dev *vfz_devs[VFZ_MAX_DEVICES];
static unsigned int vfz_ndevs;
static struct dentry *vfz_debugfs;

static struct vfz_dev *to_vfz(struct virtbus_device *vdev)
{
	return container_of(vdev, struct vfz_dev, vdev);
}

static void vfz_op(void)
{
	atomic64_inc(&vfz_stats.ops);
}

u32 vfz_random(struct vfz_dev *d)
{
	unsigned long flags;
	u32 r;

	spin_lock_irqsave(&d->lock, flags);
	r = prandom_u32_state(&d->rnd);
	spin_unlock_irqrestore(&d->lock, flags);
	return r;
}

/* Does the device misbehave in @fault this time? Counts it if so. */
static bool vfz_chance(struct vfz_dev *d, enum vfz_fault fault)
{
	if (!chaos || vfz_random(d) % VFZ_CHAOS_SCALE >= chaos)
		return false;
	atomic64_inc(&vfz_stats.faults[fault]);
	return true;
}

void vfz_driver_bug(struct vfz_dev *d, unsigned int q, const char *why)
{
	struct vfz_queue *vq = &d->vqs[q];

	/* Once the device wrote the driver's part, the driver is not to blame. */
	if (!READ_ONCE(vq->tainted)) {
		atomic_inc(&vfz_stats.driver_bugs);
		dev_err(&d->vdev.dev, "virtbus_fuzz: driver bug on queue %u: %s\n",
			q, why);
	}
	WRITE_ONCE(vq->dead, true);
}

/* ---- interrupts ---- */

/*
 * Queue @q's interrupt; the caller knows the queue exists. From the work
 * item the softirqs a handler raises (NAPI) must run when it returns, as
 * they would on leaving a real interrupt: hence the bottom-half section.
 */
static void vfz_irq(struct vfz_dev *d, unsigned int q)
{
	struct vfz_queue *vq = &d->vqs[q];
	bool hard = in_hardirq();
	unsigned long flags;

	vfz_op();
	if (!hard)
		local_bh_disable();
	spin_lock_irqsave(&vq->irq_lock, flags);
	virtbus_vq_interrupt(0, vq->ring.vq);
	spin_unlock_irqrestore(&vq->irq_lock, flags);
	if (!hard)
		local_bh_enable();
}

/* Announce a config change, as the config interrupt would. */
static void vfz_config_event(struct vfz_dev *d)
{
	vfz_op();
	virtbus_config_changed(&d->vdev);
}

/*
 * The device's clock: in hard interrupt context, now and then an
 * interrupt for nothing or a config event for nothing, and a look at the
 * rings whether or not the driver notified (devices may poll).
 */
static enum hrtimer_restart vfz_timer(struct hrtimer *t)
{
	struct vfz_dev *d = container_of(t, struct vfz_dev, timer);
	unsigned int nvqs;
	bool live;

	spin_lock(&d->lock);
	live = d->live;
	nvqs = d->nvqs;
	spin_unlock(&d->lock);
	if (!live)
		return HRTIMER_NORESTART;
	vfz_op();
	if (nvqs && vfz_chance(d, VFZ_IRQ_SPURIOUS))
		vfz_irq(d, vfz_random(d) % nvqs);
	if (vfz_chance(d, VFZ_CONFIG_SPURIOUS))
		vfz_config_event(d);
	schedule_work(&d->serve_work);
	hrtimer_forward_now(t, ns_to_ktime((2000 + vfz_random(d) % 8000) *
					   NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

/* Stop using the queues: no interrupt and no ring access after this. */
static void vfz_quiesce(struct vfz_dev *d)
{
	unsigned long flags;

	spin_lock_irqsave(&d->lock, flags);
	d->live = false;
	spin_unlock_irqrestore(&d->lock, flags);
	hrtimer_cancel(&d->timer);
	cancel_work_sync(&d->serve_work);
}

/* ---- the rings ---- */

/*
 * The device lied about which buffers it holds, or wrote what only the
 * driver may write: from now on the driver may free or reuse buffers the
 * device still has, so the device stops touching the queue (a real
 * device would write into whatever memory that became) and no longer
 * blames the driver for what it finds there.
 */
static void vfz_lied(struct vfz_dev *d, unsigned int q)
{
	WRITE_ONCE(d->vqs[q].tainted, true);
	WRITE_ONCE(d->vqs[q].dead, true);
}

/* Return @head with @len, or something else a device could write. */
static void vfz_complete(struct vfz_dev *d, unsigned int q, u16 head, u32 len)
{
	struct vfr_ring *r = &d->vqs[q].ring;
	u32 id = head;

	if (vfz_chance(d, VFZ_USED_ID)) {
		vfz_lied(d, q);
		switch (vfz_random(d) % 3) {
		case 0:
			id = vfz_random(d);
			break;
		case 1:
			id = vfz_random(d) % r->num;
			break;
		default:
			id = r->num;
			break;
		}
	}
	if (vfz_chance(d, VFZ_USED_LEN))
		len = vfz_random(d) & 1 ? vfz_random(d) :
			len + 1 + vfz_random(d) % 4096;
	vfr_push(r, id, len);
	if (vfz_chance(d, VFZ_USED_TWICE)) {
		vfz_lied(d, q);
		vfr_push(r, id, len);
	}
	if (vfz_chance(d, VFZ_USED_IDX)) {
		vfz_lied(d, q);
		vfr_publish(r, r->used_idx + 1 + vfz_random(d) % (2 * r->num));
	}
}

/* Write something only the driver may write: flags, events, descriptors. */
static void vfz_scribble(struct vfz_dev *d, unsigned int q)
{
	struct vfz_queue *vq = &d->vqs[q];
	struct vfr_ring *r = &vq->ring;
	u32 x = vfz_random(d);

	vfz_lied(d, q);
	switch (vfz_random(d) % 4) {
	case 0:
		WRITE_ONCE(r->avail->flags, cpu_to_le16(x));
		break;
	case 1:		/* used_event, after the available ring */
		WRITE_ONCE(r->avail->ring[r->num], cpu_to_le16(x));
		break;
	case 2:
		WRITE_ONCE(r->avail->ring[x % r->num], cpu_to_le16(x >> 16));
		break;
	default: {
		struct virtbus_ring_desc *desc = &r->desc[x % r->num];

		WRITE_ONCE(desc->next, cpu_to_le16(vfz_random(d)));
		WRITE_ONCE(desc->flags, cpu_to_le16(vfz_random(d)));
		WRITE_ONCE(desc->len, cpu_to_le32(vfz_random(d)));
		break;
	}
	}
}

/* May the device use its rings now? */
static bool vfz_may_use(struct vfz_dev *d)
{
	unsigned long flags;
	bool live, ready;

	spin_lock_irqsave(&d->lock, flags);
	live = d->live;
	ready = d->status & VIRTBUS_S_DRIVER_OK;
	spin_unlock_irqrestore(&d->lock, flags);
	return live && (ready || vfz_chance(d, VFZ_BEFORE_READY));
}

/* Answer what queue @q has, up to a ring's worth; true if more is left. */
static bool vfz_serve_queue(struct vfz_dev *d, unsigned int q)
{
	struct vfz_queue *vq = &d->vqs[q];
	struct vfr_ring *r = &vq->ring;
	unsigned int budget = r->num;
	bool answered = false, early = false;
	struct vfz_req req;
	const char *why;
	u16 head;

	while (budget && !READ_ONCE(vq->dead) && vfr_peek(r, &head)) {
		why = vfr_chain(r, head, d->segs, &req.nsegs, VFZ_MAX_SEGS);
		if (*why) {
			vfz_driver_bug(d, q, why);
			return false;
		}
		req.segs = d->segs;
		req.written = 0;
		if (d->model->take && !d->model->take(d, q, &req))
			break;
		r->last_avail++;
		budget--;
		vfz_op();
		atomic64_inc(&vfz_stats.requests);
		if (vfz_chance(d, VFZ_DROP))
			continue;
		d->model->serve(d, q, &req);
		if (READ_ONCE(vq->dead))
			break;
		if (vfz_chance(d, VFZ_DATA)) {
			size_t n = vfz_writable(&req);
			u8 junk[16];

			if (n) {
				get_random_bytes(junk, sizeof(junk));
				vfz_copy_to(&req, vfz_random(d) % n, junk,
					    sizeof(junk));
			}
		}
		if (!early && vfz_chance(d, VFZ_IRQ_EARLY)) {
			early = true;
			vfz_irq(d, q);
		}
		vfz_complete(d, q, head, req.written);
		answered = true;
	}
	if (!READ_ONCE(vq->dead) && vfz_chance(d, VFZ_DRIVER_AREA))
		vfz_scribble(d, q);
	if (answered && !early && !vfz_chance(d, VFZ_IRQ_MISSING))
		vfz_irq(d, q);
	return !budget && !READ_ONCE(vq->dead);
}

/* Change the config as the device, and say so. */
static void vfz_config_store(struct vfz_dev *d, const void *buf,
			     unsigned int off, unsigned int len)
{
	spin_lock_irq(&d->lock);
	memcpy(d->config + off, buf, len);
	d->generation++;
	spin_unlock_irq(&d->lock);
	vfz_config_event(d);
}

/* The device at work, on another CPU: answer requests, change config. */
static void vfz_serve_work(struct work_struct *work)
{
	struct vfz_dev *d = container_of(work, struct vfz_dev, serve_work);
	unsigned int q, pass;
	bool more = false;

	if (!vfz_may_use(d))
		return;
	vfz_op();
	/*
	 * A device that holds buffers (take) may have filled some in
	 * answer to another queue's requests: a second look delivers them.
	 */
	for (pass = 0; pass < (d->model->take ? 2 : 1); pass++)
		for (q = 0; q < d->nvqs; q++)
			more |= vfz_serve_queue(d, q);

	if (d->model->change_config && vfz_chance(d, VFZ_CONFIG_CHANGE)) {
		u8 config[VFZ_CONFIG_MAX];

		/* The model draws random numbers: not under the lock. */
		spin_lock_irq(&d->lock);
		memcpy(config, d->config, sizeof(config));
		spin_unlock_irq(&d->lock);
		d->model->change_config(d, config);
		vfz_config_store(d, config, 0, sizeof(config));
	}
	if (d->model->config_size && vfz_chance(d, VFZ_CONFIG_SCRIBBLE)) {
		unsigned int off = vfz_random(d) % d->model->config_size;
		u32 junk = vfz_random(d);

		vfz_config_store(d, &junk, off,
				 min_t(unsigned int, sizeof(junk),
				       d->model->config_size - off));
	}
	if (vfz_chance(d, VFZ_NEEDS_RESET)) {
		spin_lock_irq(&d->lock);
		d->status |= VIRTBUS_S_NEEDS_RESET;
		spin_unlock_irq(&d->lock);
		vfz_config_event(d);
	}
	if (more)
		schedule_work(&d->serve_work);
}

/* ---- the transport ---- */

static u8 vfz_get_status(struct virtbus_device *vdev)
{
	struct vfz_dev *d = to_vfz(vdev);

	vfz_op();
	if (vfz_chance(d, VFZ_STATUS_GARBAGE))
		return vfz_random(d);
	return READ_ONCE(d->status);
}

static void vfz_set_status(struct virtbus_device *vdev, u8 status)
{
	struct vfz_dev *d = to_vfz(vdev);
	unsigned long flags;

	vfz_op();
	if ((status & VIRTBUS_S_FEATURES_OK) &&
	    !(READ_ONCE(d->status) & VIRTBUS_S_FEATURES_OK) &&
	    vfz_chance(d, VFZ_FEATURES_REFUSED))
		status &= ~VIRTBUS_S_FEATURES_OK;
	spin_lock_irqsave(&d->lock, flags);
	d->status = status;
	spin_unlock_irqrestore(&d->lock, flags);
	if (status & VIRTBUS_S_DRIVER_OK)
		schedule_work(&d->serve_work);
}

static void vfz_reset(struct virtbus_device *vdev)
{
	struct vfz_dev *d = to_vfz(vdev);
	unsigned long flags;

	vfz_op();
	vfz_quiesce(d);
	spin_lock_irqsave(&d->lock, flags);
	d->status = 0;
	spin_unlock_irqrestore(&d->lock, flags);
}

static u64 vfz_get_features(struct virtbus_device *vdev)
{
	struct vfz_dev *d = to_vfz(vdev);
	u64 f = d->model->features | BIT_ULL(VIRTBUS_F_VERSION_1) |
		BIT_ULL(VIRTBUS_F_INDIRECT_DESC) | BIT_ULL(VIRTBUS_F_EVENT_IDX);

	vfz_op();
	if (vfz_chance(d, VFZ_FEATURE_BIT))
		f ^= BIT_ULL(vfz_random(d) % 64);
	return f;
}

/* The transport carries no transport bit but the ring's own. */
static void vfz_transport_features(struct virtbus_device *vdev, u64 *features)
{
	*features &= ~(GENMASK_ULL(VIRTBUS_TRANSPORT_F_END - 1,
				   VIRTBUS_TRANSPORT_F_START) &
		       ~(BIT_ULL(VIRTBUS_F_INDIRECT_DESC) |
			 BIT_ULL(VIRTBUS_F_EVENT_IDX) |
			 BIT_ULL(VIRTBUS_F_VERSION_1)));
}

static int vfz_finalize_features(struct virtbus_device *vdev)
{
	vfz_op();
	return 0;
}

static void vfz_config_get(struct virtbus_device *vdev, unsigned int offset,
			   void *buf, unsigned int len)
{
	struct vfz_dev *d = to_vfz(vdev);
	unsigned long flags;

	vfz_op();
	if (vfz_chance(d, VFZ_CONFIG_GARBAGE)) {
		get_random_bytes(buf, len);
		return;
	}
	spin_lock_irqsave(&d->lock, flags);
	memcpy(buf, d->config + offset, len);
	spin_unlock_irqrestore(&d->lock, flags);
}

static void vfz_config_set(struct virtbus_device *vdev, unsigned int offset,
			   const void *buf, unsigned int len)
{
	struct vfz_dev *d = to_vfz(vdev);
	unsigned long flags;

	vfz_op();
	spin_lock_irqsave(&d->lock, flags);
	memcpy(d->config + offset, buf, len);
	spin_unlock_irqrestore(&d->lock, flags);
}

static unsigned int vfz_config_size(struct virtbus_device *vdev)
{
	return to_vfz(vdev)->model->config_size;
}

static u32 vfz_generation(struct virtbus_device *vdev)
{
	struct vfz_dev *d = to_vfz(vdev);
	unsigned long flags;
	u32 gen;

	vfz_op();
	spin_lock_irqsave(&d->lock, flags);
	gen = d->generation;
	spin_unlock_irqrestore(&d->lock, flags);
	if (vfz_chance(d, VFZ_GENERATION)) {
		spin_lock_irqsave(&d->lock, flags);
		d->generation++;
		spin_unlock_irqrestore(&d->lock, flags);
	}
	return gen;
}

static bool vfz_notify(struct virtbus_vq *vq)
{
	struct vfz_dev *d = to_vfz(vq->vdev);

	vfz_op();
	if (vfz_chance(d, VFZ_NOTIFY_FAILED))
		return false;
	schedule_work(&d->serve_work);
	return true;
}

static void vfz_del_vqs(struct virtbus_device *vdev)
{
	struct vfz_dev *d = to_vfz(vdev);

	vfz_quiesce(d);
	while (d->nvqs)
		virtbus_vq_del(d->vqs[--d->nvqs].ring.vq);
}

static int vfz_find_vqs(struct virtbus_device *vdev, unsigned int nvqs,
			struct virtbus_vq *vqs[],
			const struct virtbus_vq_info info[])
{
	struct vfz_dev *d = to_vfz(vdev);
	struct virtbus_vq *vq;
	unsigned int i;

	vfz_op();
	if (nvqs > d->model->max_vqs || d->nvqs)
		return -ENOENT;
	if (vfz_chance(d, VFZ_FIND_VQS))
		return -ENOMEM;
	for (i = 0; i < nvqs; i++) {
		struct virtbus_vq_params p = {
			.index = i,
			.num = VFZ_QUEUE_SIZE,
			.align = VIRTBUS_RING_LEGACY_ALIGN,
			.dma_dev = &vdev->dev,
			.notify = vfz_notify,
			.callback = info[i].callback,
			.name = info[i].name,
		};

		if (vfz_chance(d, VFZ_QUEUE_SIZE_ODD))
			p.num = 1U << (vfz_random(d) % 9);
		vq = virtbus_vq_new(vdev, &p);
		if (IS_ERR(vq)) {
			vfz_del_vqs(vdev);
			return PTR_ERR(vq);
		}
		memset(&d->vqs[i], 0, sizeof(d->vqs[i]));
		spin_lock_init(&d->vqs[i].irq_lock);
		vfr_attach(&d->vqs[i].ring, vq);
		d->nvqs++;
		vqs[i] = vq;
	}
	spin_lock_irq(&d->lock);
	d->live = true;
	spin_unlock_irq(&d->lock);
	/* The interrupts are live from here, before the driver has its queues. */
	if (nvqs && vfz_chance(d, VFZ_IRQ_SPURIOUS))
		vfz_irq(d, vfz_random(d) % nvqs);
	hrtimer_start(&d->timer, ns_to_ktime((u64)(vfz_random(d) % 2000) * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_HARD);
	return 0;
}

static const struct virtbus_transport_ops vfz_ops = {
	.name = "virtbus_fuzz",
	.get_status = vfz_get_status,
	.set_status = vfz_set_status,
	.reset = vfz_reset,
	.get_features = vfz_get_features,
	.transport_features = vfz_transport_features,
	.finalize_features = vfz_finalize_features,
	.config_get = vfz_config_get,
	.config_set = vfz_config_set,
	.config_size = vfz_config_size,
	.generation = vfz_generation,
	.find_vqs = vfz_find_vqs,
	.del_vqs = vfz_del_vqs,
};

/* ---- devices ---- */

static const struct vfz_model *const vfz_models[] = {
	&vfz_blk_model,
	&vfz_rng_model,
	&vfz_net_model,
};

static void vfz_release(struct device *dev)
{
	struct vfz_dev *d = to_vfz(to_virtbus_device(dev));

	/* A driver that kept its queues past remove: still no dangling use. */
	if (d->nvqs) {
		dev_err(dev, "virtbus_fuzz: driver bug: queues left at release\n");
		atomic_inc(&vfz_stats.driver_bugs);
		vfz_del_vqs(&d->vdev);
	}
	vfz_quiesce(d);
	if (d->model->exit)
		d->model->exit(d);
	kfree(d);
}

static int vfz_add(const struct vfz_model *model)
{
	unsigned int nr = vfz_ndevs;
	struct vfz_dev *d;
	int err;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	d->model = model;
	d->nr = nr;
	spin_lock_init(&d->lock);
	/* Each device its own stream, all from the one seed. */
	prandom_seed_state(&d->rnd, seed ^ (0x9e3779b97f4a7c15ULL * (nr + 1)));
	INIT_WORK(&d->serve_work, vfz_serve_work);
	hrtimer_init(&d->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	d->timer.function = vfz_timer;
	if (model->init) {
		err = model->init(d);
		if (err) {
			kfree(d);
			return err;
		}
	}
	d->vdev.id.device = model->id;
	d->vdev.id.vendor = 0x7a7a;
	d->vdev.ops = &vfz_ops;
	d->vdev.dev.parent = vfz_root;
	d->vdev.dev.release = vfz_release;
	err = virtbus_register_device(&d->vdev);
	if (err) {
		put_device(&d->vdev.dev);
		return err;
	}
	vfz_devs[vfz_ndevs++] = d;
	return 0;
}

static int vfz_add_devices(void)
{
	char *list, *p, *name;
	unsigned int i;
	int err = 0;

	list = kstrdup(devices, GFP_KERNEL);
	if (!list)
		return -ENOMEM;
	p = list;
	while (!err && (name = strsep(&p, ",")) != NULL) {
		if (!*name)
			continue;
		for (i = 0; i < ARRAY_SIZE(vfz_models); i++)
			if (!strcmp(name, vfz_models[i]->name))
				break;
		if (i == ARRAY_SIZE(vfz_models)) {
			pr_err("virtbus_fuzz: no device type '%s'\n", name);
			err = -EINVAL;
		} else if (vfz_ndevs == VFZ_MAX_DEVICES) {
			pr_err("virtbus_fuzz: more than %d devices\n",
			       VFZ_MAX_DEVICES);
			err = -E2BIG;
		} else {
			err = vfz_add(vfz_models[i]);
		}
	}
	kfree(list);
	return err;
}

static void vfz_remove_devices(void)
{
	while (vfz_ndevs)
		virtbus_unregister_device(&vfz_devs[--vfz_ndevs]->vdev);
}

static int vfz_stats_show(struct seq_file *m, void *unused)
{
	s64 ms = ktime_ms_delta(ktime_get(), vfz_stats.start);
	unsigned int i;

	seq_printf(m, "seed %llu\nchaos %u\nms %lld\n", seed, chaos, ms);
	seq_printf(m, "ops %lld\nrequests %lld\ndriver_bugs %d\n",
		   atomic64_read(&vfz_stats.ops),
		   atomic64_read(&vfz_stats.requests),
		   atomic_read(&vfz_stats.driver_bugs));
	for (i = 0; i < VFZ_NR_FAULTS; i++)
		seq_printf(m, "%s %lld\n", vfz_fault_names[i],
			   atomic64_read(&vfz_stats.faults[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vfz_stats);

static int __init vfz_init(void)
{
	int err;

	if (chaos > VFZ_CHAOS_SCALE)
		return -EINVAL;
	vfz_stats.start = ktime_get();
	vfz_root = root_device_register("virtbus_fuzz");
	if (IS_ERR(vfz_root))
		return PTR_ERR(vfz_root);
	vfz_debugfs = debugfs_create_dir("virtbus_fuzz", NULL);
	debugfs_create_file("stats", 0444, vfz_debugfs, NULL, &vfz_stats_fops);
	pr_info("virtbus_fuzz: seed %llu, chaos %u per million, devices %s\n",
		seed, chaos, devices);
	err = vfz_add_devices();
	if (err) {
		vfz_remove_devices();
		debugfs_remove_recursive(vfz_debugfs);
		root_device_unregister(vfz_root);
	}
	return err;
}

static void __exit vfz_exit(void)
{
	u64 faults = 0;
	unsigned int i;

	vfz_remove_devices();
	debugfs_remove_recursive(vfz_debugfs);
	root_device_unregister(vfz_root);
	for (i = 0; i < VFZ_NR_FAULTS; i++)
		faults += atomic64_read(&vfz_stats.faults[i]);
	pr_info("virtbus_fuzz: seed %llu: %lld device operations, %lld requests, %llu faults, %d driver bugs in %lld ms\n",
		seed, atomic64_read(&vfz_stats.ops),
		atomic64_read(&vfz_stats.requests), faults,
		atomic_read(&vfz_stats.driver_bugs),
		ktime_ms_delta(ktime_get(), vfz_stats.start));
}

module_init(vfz_init);
module_exit(vfz_exit);

MODULE_DESCRIPTION("virtbus: devices that misbehave on purpose, for tests");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(VIRTBUS);

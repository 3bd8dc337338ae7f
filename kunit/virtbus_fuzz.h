/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtbus_fuzz: a test transport whose devices live in the kernel and
 * misbehave on purpose. The transport and its chaos are in
 * virtbus_fuzz.c; what an honest device of each type answers is in
 * virtbus_fuzz_models.c.
 */
#ifndef _VIRTBUS_FUZZ_H
#define _VIRTBUS_FUZZ_H

#include <linux/hrtimer.h>
#include <linux/prandom.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include "virtbus_fake_ring.h"

#define VFZ_MAX_VQS		4
#define VFZ_CONFIG_MAX		64
#define VFZ_MAX_SEGS		512

struct vfz_dev;

/* One request as a device model sees it: the buffers of one chain. */
struct vfz_req {
	struct vfr_seg *segs;
	unsigned int nsegs;
	/* Bytes the model wrote into the writable buffers: the used length. */
	u32 written;
};

/**
 * struct vfz_model - an honest device of one type
 * @name: what the devices= parameter calls it
 * @id: the virtio device ID
 * @features: the device feature bits it offers (transport bits are added)
 * @config_size: bytes of its config space, at most VFZ_CONFIG_MAX
 * @max_vqs: queues it has, at most VFZ_MAX_VQS
 * @init: optional; set up its state and config space
 * @exit: optional; free what @init allocated
 * @take: optional; whether the device uses the chain @req, the next one
 *	available on queue @q, now: a receive queue holds its buffers until
 *	a packet comes. False leaves it, and those after it, in the ring.
 * @serve: answer one request on queue @q, as the device type prescribes
 * @change_config: optional; make a config change such a device may
 *	make, in @config (a copy the caller stores and announces)
 */
struct vfz_model {
	const char *name;
	u32 id;
	u64 features;
	unsigned int config_size;
	unsigned int max_vqs;
	int (*init)(struct vfz_dev *d);
	void (*exit)(struct vfz_dev *d);
	bool (*take)(struct vfz_dev *d, unsigned int q,
		     const struct vfz_req *req);
	void (*serve)(struct vfz_dev *d, unsigned int q, struct vfz_req *req);
	void (*change_config)(struct vfz_dev *d, u8 *config);
};

/* One queue, from the device's side. */
struct vfz_queue {
	struct vfr_ring ring;
	/* One "interrupt" at a time per queue, as the IRQ core ensures. */
	spinlock_t irq_lock;
	/* The device wrote parts of the ring only the driver may write. */
	bool tainted;
	/* The device found a bad chain and no longer uses the queue. */
	bool dead;
};

struct vfz_dev {
	struct virtbus_device vdev;
	const struct vfz_model *model;
	unsigned int nr;		/* among the module's devices */
	/* Serialises the device's state below and its random numbers. */
	spinlock_t lock;
	struct rnd_state rnd;
	u8 status;
	u32 generation;
	u8 config[VFZ_CONFIG_MAX];
	/* The queues exist and the device may use them. */
	bool live;
	unsigned int nvqs;
	struct vfz_queue vqs[VFZ_MAX_VQS];
	struct work_struct serve_work;
	struct hrtimer timer;
	struct vfr_seg segs[VFZ_MAX_SEGS];
	void *state;			/* the model's */
};

extern const struct vfz_model vfz_blk_model;
extern const struct vfz_model vfz_rng_model;
extern const struct vfz_model vfz_net_model;

u32 vfz_random(struct vfz_dev *d);
void vfz_driver_bug(struct vfz_dev *d, unsigned int q, const char *why);
size_t vfz_readable(const struct vfz_req *req);
size_t vfz_writable(const struct vfz_req *req);
size_t vfz_copy_from(const struct vfz_req *req, size_t off, void *buf,
		     size_t len);
size_t vfz_copy_to(struct vfz_req *req, size_t off, const void *buf,
		   size_t len);

#endif /* _VIRTBUS_FUZZ_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtbus virtqueues: the driver-facing API.
 *
 * A driver adds buffers (scatterlists the device reads, then ones it
 * writes), kicks the device, and collects used buffers in its callback:
 *
 *	do {
 *		virtbus_vq_disable_cb(vq);
 *		while ((buf = virtbus_vq_get_buf(vq, &len)))
 *			consume(buf, len);
 *	} while (!virtbus_vq_enable_cb(vq));
 *
 * Nothing here sleeps and nothing locks: the driver serialises calls on
 * one queue. virtbus_vq_kick_prepare() must run under the driver's lock,
 * virtbus_vq_notify() may run outside it.
 */
#ifndef _VIRTBUS_VIRTQUEUE_H
#define _VIRTBUS_VIRTQUEUE_H

#include <linux/gfp.h>
#include <linux/interrupt.h>
#include <linux/list.h>
#include <linux/scatterlist.h>
#include <linux/types.h>

struct virtbus_device;

/**
 * struct virtbus_vq - a virtqueue as its driver sees it
 * @list: entry in the device's queue list
 * @vdev: the device the queue belongs to
 * @callback: called (in interrupt context) when the device used buffers
 * @name: the name the driver gave the queue
 * @index: the queue's number on the device
 * @num_free: descriptors free for new buffers
 * @priv: the driver's private data
 */
struct virtbus_vq {
	struct list_head list;
	struct virtbus_device *vdev;
	void (*callback)(struct virtbus_vq *vq);
	const char *name;
	unsigned int index;
	unsigned int num_free;
	void *priv;
};

/**
 * struct virtbus_vq_info - what a driver asks of one queue
 * @name: a name for messages and interrupt lines
 * @callback: the used-buffer callback, or NULL for a queue the driver polls
 * @spread: the queue serves some of the CPUs, as do the others so marked
 *	(consecutive among the queues with callbacks): the transport spreads
 *	their interrupts over the CPUs where it can, and
 *	virtbus_get_vq_affinity() tells the driver which CPUs each serves
 */
struct virtbus_vq_info {
	const char *name;
	void (*callback)(struct virtbus_vq *vq);
	bool spread;
};

int virtbus_find_vqs(struct virtbus_device *vdev, unsigned int nvqs,
		     struct virtbus_vq *vqs[],
		     const struct virtbus_vq_info info[]);
void virtbus_del_vqs(struct virtbus_device *vdev);
const struct cpumask *virtbus_get_vq_affinity(struct virtbus_device *vdev,
					      unsigned int index);

int virtbus_vq_add_sgs(struct virtbus_vq *vq, struct scatterlist *sgs[],
		       unsigned int out_sgs, unsigned int in_sgs,
		       void *data, gfp_t gfp);
int virtbus_vq_add_outbuf(struct virtbus_vq *vq, struct scatterlist *sg,
			  unsigned int num, void *data, gfp_t gfp);
int virtbus_vq_add_inbuf(struct virtbus_vq *vq, struct scatterlist *sg,
			 unsigned int num, void *data, gfp_t gfp);

bool virtbus_vq_kick_prepare(struct virtbus_vq *vq);
bool virtbus_vq_notify(struct virtbus_vq *vq);
bool virtbus_vq_kick(struct virtbus_vq *vq);

void *virtbus_vq_get_buf(struct virtbus_vq *vq, unsigned int *len);
void virtbus_vq_disable_cb(struct virtbus_vq *vq);
bool virtbus_vq_enable_cb(struct virtbus_vq *vq);
bool virtbus_vq_enable_cb_delayed(struct virtbus_vq *vq);
bool virtbus_vq_more_used(struct virtbus_vq *vq);
void *virtbus_vq_detach_unused_buf(struct virtbus_vq *vq);

unsigned int virtbus_vq_size(const struct virtbus_vq *vq);
size_t virtbus_vq_max_dma_size(const struct virtbus_vq *vq);
bool virtbus_vq_is_broken(const struct virtbus_vq *vq);

#endif /* _VIRTBUS_VIRTQUEUE_H */

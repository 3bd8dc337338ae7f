// SPDX-License-Identifier: GPL-2.0
/*
 * virtbus: the split virtqueue (virtio 1.x, section 2.7).
 *
 * Buffers reach the device through the DMA API. Everything the driver
 * needs to tear a buffer down (addresses, lengths, directions, chain
 * links) is kept in memory the device cannot reach, so a device that
 * scribbles over the ring can corrupt its own view, never ours. What the
 * device writes back (used index, id, length) is checked before use; a
 * bad value breaks the queue with one message.
 *
 * Locking: none inside. The driver serialises all calls on one queue;
 * virtbus_vq_interrupt() and virtbus_vq_more_used() only read.
 */
#include <linux/dma-mapping.h>
#include <linux/slab.h>
#include <uapi/virtbus/virtbus_ring.h>
#include <virtbus/transport.h>

/* Driver-private copy of one descriptor. */
struct vb_desc_extra {
	dma_addr_t addr;
	u32 len;
	u16 flags;
	u16 next;
};

/* Per chain head: what the driver gave and how to take it back. */
struct vb_desc_state {
	void *data;			/* the driver's token; NULL: not a head */
	struct virtbus_ring_desc *indir;	/* indirect table, or NULL */
	u32 in_len;			/* bytes the device may write */
	u16 ndescs;			/* ring descriptors the chain holds */
	u16 last;			/* last ring descriptor of the chain */
};

struct vb_vq {
	struct virtbus_vq vq;
	struct device *dma_dev;
	bool (*notify)(struct virtbus_vq *vq);

	unsigned int num;
	void *ring;
	dma_addr_t ring_dma;
	size_t ring_size;
	struct virtbus_ring_desc *desc;
	struct virtbus_ring_avail *avail;
	struct virtbus_ring_used *used;

	bool event_idx;
	bool indirect;
	bool strong_barriers;
	bool broken;

	u16 free_head;
	u16 avail_idx_shadow;
	u16 avail_flags_shadow;
	u16 last_used_idx;
	u16 num_added;			/* made available since the last kick */
	u16 in_flight;			/* heads the device holds */

	struct vb_desc_state *state;
	struct vb_desc_extra *extra;
};

#define to_vb(_vq) container_of(_vq, struct vb_vq, vq)

/*
 * The ring is ordinary memory shared with a hypervisor unless the device
 * asked for platform ordering (ORDER_PLATFORM, real hardware behind the
 * ring); then the barriers must order against DMA too.
 */
static inline void vb_wmb(struct vb_vq *vb)
{
	/* Order our ring writes before the index write that publishes them. */
	if (vb->strong_barriers)
		dma_wmb();	/* as above */
	else
		virt_wmb();	/* as above */
}

static inline void vb_rmb(struct vb_vq *vb)
{
	/* Order the device's index before the entries it published. */
	if (vb->strong_barriers)
		dma_rmb();	/* as above */
	else
		virt_rmb();	/* as above */
}

static inline void vb_mb(struct vb_vq *vb)
{
	/*
	 * Order our index or event write before reading the device's
	 * event or flags (and the other way round): without it, both sides
	 * can each miss the other's update and sleep forever.
	 */
	if (vb->strong_barriers)
		mb();		/* as above */
	else
		virt_mb();	/* as above */
}

static __le16 *vb_used_event(struct vb_vq *vb)
{
	return &vb->avail->ring[vb->num];
}

static __le16 *vb_avail_event(struct vb_vq *vb)
{
	return (__le16 *)&vb->used->ring[vb->num];
}

static u16 vb_used_idx(struct vb_vq *vb)
{
	return le16_to_cpu(READ_ONCE(vb->used->idx));
}

/* Break the queue because of what the device did: one message. */
static __printf(2, 3) void vb_fail(struct vb_vq *vb, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	if (vb->broken)
		return;
	WRITE_ONCE(vb->broken, true);
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	dev_err(&vb->vq.vdev->dev, "queue %u (%s) broken: %pV\n",
		vb->vq.index, vb->vq.name, &vaf);
	va_end(args);
}

/**
 * virtbus_vq_is_broken - has the queue (or its device) stopped working?
 * @vq: the queue
 *
 * Return: true if the queue refuses new buffers and reports no more.
 */
bool virtbus_vq_is_broken(const struct virtbus_vq *vq)
{
	return READ_ONCE(to_vb(vq)->broken) || READ_ONCE(vq->vdev->broken);
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_is_broken, VIRTBUS);

/**
 * virtbus_vq_size - the number of entries of the ring
 * @vq: the queue
 *
 * Return: the ring size, a power of two.
 */
unsigned int virtbus_vq_size(const struct virtbus_vq *vq)
{
	return to_vb(vq)->num;
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_size, VIRTBUS);

/**
 * virtbus_vq_break - stop a queue
 * @vq: the queue
 *
 * For the core and transports (a device that was removed or misbehaved).
 * The queue refuses new buffers and reports no used ones; its buffers
 * can still be detached.
 */
void virtbus_vq_break(struct virtbus_vq *vq)
{
	WRITE_ONCE(to_vb(vq)->broken, true);
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_break, VIRTBUS);

static void vb_unmap_one(struct vb_vq *vb, const struct vb_desc_extra *e)
{
	dma_unmap_page(vb->dma_dev, e->addr, e->len,
		       e->flags & VIRTBUS_DESC_F_WRITE ?
		       DMA_FROM_DEVICE : DMA_TO_DEVICE);
}

/*
 * An indirect table is allocated with a private copy of its entries
 * after it; only the table itself is mapped for the device.
 */
static struct vb_desc_extra *vb_indir_extra(struct virtbus_ring_desc *table,
					    unsigned int n)
{
	return (struct vb_desc_extra *)(table + n);
}

static void vb_free_indirect(struct vb_vq *vb, unsigned int head)
{
	struct vb_desc_state *st = &vb->state[head];
	const struct vb_desc_extra *te = &vb->extra[head];
	unsigned int n = te->len / sizeof(struct virtbus_ring_desc);
	struct vb_desc_extra *ie = vb_indir_extra(st->indir, n);
	unsigned int i;

	for (i = 0; i < n; i++)
		vb_unmap_one(vb, &ie[i]);
	dma_unmap_single(vb->dma_dev, te->addr, te->len, DMA_TO_DEVICE);
	kfree(st->indir);
	st->indir = NULL;
}

/* Unmap a chain, return its descriptors to the free list, and its token. */
static void *vb_detach(struct vb_vq *vb, unsigned int head)
{
	struct vb_desc_state *st = &vb->state[head];
	unsigned int i = head, n;
	void *data = st->data;

	if (st->indir) {
		vb_free_indirect(vb, head);
	} else {
		for (n = 0; n < st->ndescs; n++) {
			vb_unmap_one(vb, &vb->extra[i]);
			i = vb->extra[i].next;
		}
	}
	vb->extra[st->last].next = vb->free_head;
	vb->free_head = head;
	vb->vq.num_free += st->ndescs;
	vb->in_flight--;
	st->data = NULL;
	return data;
}

static void vb_set_desc(struct virtbus_ring_desc *d, struct vb_desc_extra *e,
			dma_addr_t addr, u32 len, u16 flags, u16 next)
{
	d->addr = cpu_to_le64(addr);
	d->len = cpu_to_le32(len);
	d->flags = cpu_to_le16(flags);
	d->next = cpu_to_le16(next);
	e->addr = addr;
	e->len = len;
	e->flags = flags;
	e->next = next;
}

static unsigned int vb_count_sgs(struct scatterlist *sgs[], unsigned int n)
{
	struct scatterlist *sg;
	unsigned int i, total = 0;

	for (i = 0; i < n; i++)
		for (sg = sgs[i]; sg; sg = sg_next(sg))
			total++;
	return total;
}

/*
 * Map every buffer of the request and describe it in @d/@e (the ring's
 * own descriptors when @ring is true, following the free list from
 * @first; an indirect table otherwise). On failure, unmaps what it mapped.
 */
static int vb_fill(struct vb_vq *vb, struct scatterlist *sgs[],
		   unsigned int out_sgs, unsigned int in_sgs,
		   struct virtbus_ring_desc *d, struct vb_desc_extra *e,
		   bool ring, u16 first, u64 *in_len, u16 *last)
{
	unsigned int n = 0, i, k;
	struct scatterlist *sg;
	u16 idx = first, prev = first;

	*in_len = 0;
	for (i = 0; i < out_sgs + in_sgs; i++) {
		bool in = i >= out_sgs;

		for (sg = sgs[i]; sg; sg = sg_next(sg)) {
			dma_addr_t addr;
			u16 next;

			addr = dma_map_page(vb->dma_dev, sg_page(sg), sg->offset,
					    sg->length,
					    in ? DMA_FROM_DEVICE : DMA_TO_DEVICE);
			if (dma_mapping_error(vb->dma_dev, addr))
				goto unwind;
			next = ring ? vb->extra[idx].next : n + 1;
			vb_set_desc(&d[ring ? idx : n], &e[ring ? idx : n], addr,
				    sg->length,
				    VIRTBUS_DESC_F_NEXT |
				    (in ? VIRTBUS_DESC_F_WRITE : 0), next);
			if (in)
				*in_len += sg->length;
			prev = ring ? idx : n;
			idx = next;
			n++;
		}
	}
	/* The last descriptor ends the chain. */
	d[prev].flags &= cpu_to_le16(~VIRTBUS_DESC_F_NEXT);
	e[prev].flags &= ~VIRTBUS_DESC_F_NEXT;
	*last = prev;
	return n;

unwind:
	idx = first;
	for (k = 0; k < n; k++) {
		vb_unmap_one(vb, &e[ring ? idx : k]);
		idx = ring ? e[idx].next : idx;
	}
	return -ENOMEM;
}

static struct virtbus_ring_desc *vb_alloc_indirect(unsigned int n, gfp_t gfp)
{
	/* Not from a DMA zone: the table is mapped like any buffer. */
	return kmalloc_array(n, sizeof(struct virtbus_ring_desc) +
			     sizeof(struct vb_desc_extra),
			     gfp & ~(__GFP_HIGHMEM | __GFP_DMA));
}

static int vb_add_indirect(struct vb_vq *vb, struct scatterlist *sgs[],
			   unsigned int out_sgs, unsigned int in_sgs,
			   unsigned int total, struct virtbus_ring_desc *table,
			   u64 *in_len)
{
	struct vb_desc_extra *ie = vb_indir_extra(table, total);
	unsigned int head = vb->free_head;
	dma_addr_t addr;
	u16 last;
	int n;

	n = vb_fill(vb, sgs, out_sgs, in_sgs, table, ie, false, 0, in_len,
		    &last);
	if (n < 0)
		return n;
	addr = dma_map_single(vb->dma_dev, table, total * sizeof(*table),
			      DMA_TO_DEVICE);
	if (dma_mapping_error(vb->dma_dev, addr)) {
		while (n--)
			vb_unmap_one(vb, &ie[n]);
		return -ENOMEM;
	}
	vb->free_head = vb->extra[head].next;
	vb_set_desc(&vb->desc[head], &vb->extra[head], addr,
		    total * sizeof(*table), VIRTBUS_DESC_F_INDIRECT, 0);
	vb->state[head].indir = table;
	vb->state[head].ndescs = 1;
	vb->state[head].last = head;
	return head;
}

static int vb_add_direct(struct vb_vq *vb, struct scatterlist *sgs[],
			 unsigned int out_sgs, unsigned int in_sgs,
			 u64 *in_len)
{
	unsigned int head = vb->free_head;
	u16 last;
	int n;

	n = vb_fill(vb, sgs, out_sgs, in_sgs, vb->desc, vb->extra, true, head,
		    in_len, &last);
	if (n < 0)
		return n;
	vb->free_head = vb->extra[last].next;
	vb->state[head].indir = NULL;
	vb->state[head].ndescs = n;
	vb->state[head].last = last;
	return head;
}

/**
 * virtbus_vq_add_sgs - make a buffer available to the device
 * @vq: the queue
 * @sgs: scatterlists, the ones the device reads first
 * @out_sgs: how many of @sgs the device reads
 * @in_sgs: how many after those it writes
 * @data: the token virtbus_vq_get_buf() returns for this buffer (not NULL)
 * @gfp: how to allocate an indirect table
 *
 * The device hears of it at the next kick.
 *
 * Return: 0; -ENOSPC if the ring is full; -EIO if the queue is broken;
 * -EINVAL for an empty or oversized request; -ENOMEM if mapping failed.
 */
int virtbus_vq_add_sgs(struct virtbus_vq *vq, struct scatterlist *sgs[],
		       unsigned int out_sgs, unsigned int in_sgs,
		       void *data, gfp_t gfp)
{
	struct vb_vq *vb = to_vb(vq);
	struct virtbus_ring_desc *table = NULL;
	unsigned int total, needed;
	u64 in_len;
	int head;

	if (virtbus_vq_is_broken(vq))
		return -EIO;
	if (!data)
		return -EINVAL;
	total = vb_count_sgs(sgs, out_sgs + in_sgs);
	if (!total || total > VIRTBUS_RING_MAX_SIZE)
		return -EINVAL;

	if (vb->indirect && total > 1 && vq->num_free)
		table = vb_alloc_indirect(total, gfp);
	needed = table ? 1 : total;
	if (vq->num_free < needed) {
		kfree(table);
		return -ENOSPC;
	}

	if (table) {
		head = vb_add_indirect(vb, sgs, out_sgs, in_sgs, total, table,
				       &in_len);
		if (head < 0)
			kfree(table);
	} else {
		head = vb_add_direct(vb, sgs, out_sgs, in_sgs, &in_len);
	}
	if (head < 0)
		return head;
	vq->num_free -= needed;
	vb->state[head].data = data;
	vb->state[head].in_len = in_len;
	vb->in_flight++;
	if (in_len > U32_MAX) {
		/* The used ring cannot express the length: refuse. */
		vb_detach(vb, head);
		return -EINVAL;
	}

	vb->avail->ring[vb->avail_idx_shadow & (vb->num - 1)] =
		cpu_to_le16(head);
	/* The entry must be visible before the index that publishes it. */
	vb_wmb(vb);
	vb->avail_idx_shadow++;
	WRITE_ONCE(vb->avail->idx, cpu_to_le16(vb->avail_idx_shadow));
	vb->num_added++;

	/* Past 65535 unkicked entries the device could not tell old from new. */
	if (unlikely(vb->num_added == U16_MAX))
		virtbus_vq_kick(vq);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_add_sgs, VIRTBUS);

/**
 * virtbus_vq_add_outbuf - make a buffer the device reads available
 * @vq: the queue
 * @sg: the scatterlist
 * @num: entries in @sg
 * @data: the token (not NULL)
 * @gfp: how to allocate an indirect table
 *
 * Return: as virtbus_vq_add_sgs().
 */
int virtbus_vq_add_outbuf(struct virtbus_vq *vq, struct scatterlist *sg,
			  unsigned int num, void *data, gfp_t gfp)
{
	if (num && sg_nents(sg) < num)
		return -EINVAL;
	return virtbus_vq_add_sgs(vq, &sg, 1, 0, data, gfp);
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_add_outbuf, VIRTBUS);

/**
 * virtbus_vq_add_inbuf - make a buffer the device writes available
 * @vq: the queue
 * @sg: the scatterlist
 * @num: entries in @sg
 * @data: the token (not NULL)
 * @gfp: how to allocate an indirect table
 *
 * Return: as virtbus_vq_add_sgs().
 */
int virtbus_vq_add_inbuf(struct virtbus_vq *vq, struct scatterlist *sg,
			 unsigned int num, void *data, gfp_t gfp)
{
	if (num && sg_nents(sg) < num)
		return -EINVAL;
	return virtbus_vq_add_sgs(vq, &sg, 0, 1, data, gfp);
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_add_inbuf, VIRTBUS);

/**
 * virtbus_vq_kick_prepare - does the device need a notification?
 * @vq: the queue
 *
 * Call under the lock that serialises the queue, then virtbus_vq_notify()
 * outside it if this returned true.
 *
 * Return: true if the device must be notified of new buffers.
 */
bool virtbus_vq_kick_prepare(struct virtbus_vq *vq)
{
	struct vb_vq *vb = to_vb(vq);
	u16 new = vb->avail_idx_shadow;
	u16 old = new - vb->num_added;

	if (virtbus_vq_is_broken(vq))
		return false;
	/* Publish the index before reading whether the device wants it. */
	vb_mb(vb);
	vb->num_added = 0;
	if (vb->event_idx)
		return virtbus_ring_need_event(le16_to_cpu(READ_ONCE(*vb_avail_event(vb))),
					       new, old);
	return !(le16_to_cpu(READ_ONCE(vb->used->flags)) &
		 VIRTBUS_USED_F_NO_NOTIFY);
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_kick_prepare, VIRTBUS);

/**
 * virtbus_vq_notify - notify the device of new buffers
 * @vq: the queue
 *
 * Return: false if the queue is broken or the transport failed (which
 * breaks the queue).
 */
bool virtbus_vq_notify(struct virtbus_vq *vq)
{
	struct vb_vq *vb = to_vb(vq);

	if (virtbus_vq_is_broken(vq))
		return false;
	if (!vb->notify(vq)) {
		vb_fail(vb, "the transport could not notify the device");
		return false;
	}
	return true;
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_notify, VIRTBUS);

/**
 * virtbus_vq_kick - notify the device of new buffers if it wants that
 * @vq: the queue
 *
 * Return: false if the queue is broken or notifying failed.
 */
bool virtbus_vq_kick(struct virtbus_vq *vq)
{
	if (virtbus_vq_kick_prepare(vq))
		return virtbus_vq_notify(vq);
	return !virtbus_vq_is_broken(vq);
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_kick, VIRTBUS);

/**
 * virtbus_vq_more_used - has the device returned buffers not yet collected?
 * @vq: the queue
 *
 * Return: true if virtbus_vq_get_buf() has something to return.
 */
bool virtbus_vq_more_used(struct virtbus_vq *vq)
{
	struct vb_vq *vb = to_vb(vq);

	return !virtbus_vq_is_broken(vq) &&
	       vb->last_used_idx != vb_used_idx(vb);
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_more_used, VIRTBUS);

/**
 * virtbus_vq_get_buf - collect a buffer the device has used
 * @vq: the queue
 * @len: set to the number of bytes the device wrote into it
 *
 * Return: the buffer's token, or NULL if there is none (or the queue is
 * broken).
 */
void *virtbus_vq_get_buf(struct virtbus_vq *vq, unsigned int *len)
{
	struct vb_vq *vb = to_vb(vq);
	struct virtbus_ring_used_elem *elem;
	u16 used_idx, ahead;
	u32 id, ulen;
	void *data;

	if (virtbus_vq_is_broken(vq))
		return NULL;
	used_idx = vb_used_idx(vb);
	if (used_idx == vb->last_used_idx)
		return NULL;
	ahead = used_idx - vb->last_used_idx;
	if (ahead > vb->in_flight) {
		vb_fail(vb, "used index %u is %u ahead, %u buffers outstanding",
			used_idx, ahead, vb->in_flight);
		return NULL;
	}
	/* Read the entry only after the index that published it. */
	vb_rmb(vb);

	/* Each field read once: what was checked is what is used. */
	elem = &vb->used->ring[vb->last_used_idx & (vb->num - 1)];
	id = le32_to_cpu(READ_ONCE(elem->id));
	ulen = le32_to_cpu(READ_ONCE(elem->len));
	if (id >= vb->num) {
		vb_fail(vb, "used id %u out of range (%u entries)", id, vb->num);
		return NULL;
	}
	if (!vb->state[id].data) {
		vb_fail(vb, "used id %u is not an outstanding buffer", id);
		return NULL;
	}
	if (ulen > vb->state[id].in_len) {
		vb_fail(vb, "used length %u beyond the %u writable bytes of buffer %u",
			ulen, vb->state[id].in_len, id);
		return NULL;
	}

	data = vb_detach(vb, id);
	vb->last_used_idx++;
	/* With interrupts on, ask for one at the next used buffer. */
	if (vb->event_idx &&
	    !(vb->avail_flags_shadow & VIRTBUS_AVAIL_F_NO_INTERRUPT)) {
		WRITE_ONCE(*vb_used_event(vb), cpu_to_le16(vb->last_used_idx));
		vb_mb(vb);
	}
	*len = ulen;
	return data;
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_get_buf, VIRTBUS);

/**
 * virtbus_vq_disable_cb - ask the device not to interrupt for this queue
 * @vq: the queue
 *
 * Only a hint: a callback may still run.
 */
void virtbus_vq_disable_cb(struct virtbus_vq *vq)
{
	struct vb_vq *vb = to_vb(vq);

	if (vb->avail_flags_shadow & VIRTBUS_AVAIL_F_NO_INTERRUPT)
		return;
	vb->avail_flags_shadow |= VIRTBUS_AVAIL_F_NO_INTERRUPT;
	if (vb->event_idx)
		/* As far from the used index as the ring's arithmetic allows. */
		WRITE_ONCE(*vb_used_event(vb),
			   cpu_to_le16(vb->last_used_idx + 0x8000));
	else
		WRITE_ONCE(vb->avail->flags,
			   cpu_to_le16(vb->avail_flags_shadow));
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_disable_cb, VIRTBUS);

static void vb_enable_at(struct vb_vq *vb, u16 event)
{
	if (vb->avail_flags_shadow & VIRTBUS_AVAIL_F_NO_INTERRUPT) {
		vb->avail_flags_shadow &= ~VIRTBUS_AVAIL_F_NO_INTERRUPT;
		if (!vb->event_idx)
			WRITE_ONCE(vb->avail->flags,
				   cpu_to_le16(vb->avail_flags_shadow));
	}
	if (vb->event_idx)
		WRITE_ONCE(*vb_used_event(vb), cpu_to_le16(event));
	/* The request must be seen before we look at the used index. */
	vb_mb(vb);
}

/**
 * virtbus_vq_enable_cb - ask the device to interrupt for this queue again
 * @vq: the queue
 *
 * Return: false if buffers were used meanwhile, which the caller must
 * collect (and call this again); true otherwise, and on a broken queue.
 */
bool virtbus_vq_enable_cb(struct virtbus_vq *vq)
{
	struct vb_vq *vb = to_vb(vq);

	vb_enable_at(vb, vb->last_used_idx);
	return !virtbus_vq_more_used(vq);
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_enable_cb, VIRTBUS);

/**
 * virtbus_vq_enable_cb_delayed - enable callbacks once most buffers are used
 * @vq: the queue
 *
 * With EVENT_IDX, asks for the interrupt only when about three quarters
 * of the outstanding buffers have been used, for drivers that reclaim
 * lazily; otherwise the same as virtbus_vq_enable_cb().
 *
 * Return: false if that many were used already (the caller must collect
 * them); true otherwise.
 */
bool virtbus_vq_enable_cb_delayed(struct virtbus_vq *vq)
{
	struct vb_vq *vb = to_vb(vq);
	u16 bufs;

	if (!vb->event_idx)
		return virtbus_vq_enable_cb(vq);
	bufs = (u16)(vb->avail_idx_shadow - vb->last_used_idx) * 3 / 4;
	vb_enable_at(vb, vb->last_used_idx + bufs);
	if (virtbus_vq_is_broken(vq))
		return true;
	return (u16)(vb_used_idx(vb) - vb->last_used_idx) <= bufs;
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_enable_cb_delayed, VIRTBUS);

/**
 * virtbus_vq_detach_unused_buf - take back a buffer the device never used
 * @vq: the queue, after the device was reset (or the queue broke)
 *
 * Return: the token of one such buffer, or NULL when there are none left.
 */
void *virtbus_vq_detach_unused_buf(struct virtbus_vq *vq)
{
	struct vb_vq *vb = to_vb(vq);
	unsigned int i;

	for (i = 0; i < vb->num; i++) {
		if (!vb->state[i].data)
			continue;
		/* Keep the ring consistent for a device that is still live. */
		vb->avail_idx_shadow--;
		WRITE_ONCE(vb->avail->idx, cpu_to_le16(vb->avail_idx_shadow));
		return vb_detach(vb, i);
	}
	return NULL;
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_detach_unused_buf, VIRTBUS);

/**
 * virtbus_vq_interrupt - a transport's interrupt handler for one queue
 * @irq: the interrupt
 * @opaque: the queue
 *
 * Return: IRQ_NONE if the queue has nothing new (the line may be shared),
 * IRQ_HANDLED after running the driver's callback.
 */
irqreturn_t virtbus_vq_interrupt(int irq, void *opaque)
{
	struct virtbus_vq *vq = opaque;

	if (!virtbus_vq_more_used(vq))
		return IRQ_NONE;
	if (vq->callback)
		vq->callback(vq);
	return IRQ_HANDLED;
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_interrupt, VIRTBUS);

/**
 * virtbus_vq_new - build a ring for a transport
 * @vdev: the device
 * @params: index, size, alignment, DMA device, notify and the driver's
 *	callback and name
 *
 * The ring is one zeroed block in the legacy layout (descriptors,
 * available ring, padding to @params->align, used ring), allocated
 * coherent for @params->dma_dev. Ring features (indirect descriptors,
 * event index, platform ordering) follow the device's negotiated bits.
 *
 * Return: the queue, or an ERR_PTR().
 */
struct virtbus_vq *virtbus_vq_new(struct virtbus_device *vdev,
				  const struct virtbus_vq_params *params)
{
	unsigned int num = params->num, i;
	unsigned long flags;
	struct vb_vq *vb;

	if (!num || !is_power_of_2(num) || num > VIRTBUS_RING_MAX_SIZE ||
	    !params->align || !is_power_of_2(params->align) ||
	    !params->notify || !params->dma_dev)
		return ERR_PTR(-EINVAL);

	vb = kzalloc(sizeof(*vb), GFP_KERNEL);
	if (!vb)
		return ERR_PTR(-ENOMEM);
	vb->state = kcalloc(num, sizeof(*vb->state), GFP_KERNEL);
	vb->extra = kcalloc(num, sizeof(*vb->extra), GFP_KERNEL);
	if (!vb->state || !vb->extra)
		goto fail;

	vb->ring_size = virtbus_ring_legacy_size(num, params->align);
	vb->ring = dma_alloc_coherent(params->dma_dev, vb->ring_size,
				      &vb->ring_dma, GFP_KERNEL);
	if (!vb->ring)
		goto fail;
	vb->desc = vb->ring;
	vb->avail = vb->ring + VIRTBUS_RING_DESC_SIZE(num);
	vb->used = vb->ring + ALIGN(VIRTBUS_RING_DESC_SIZE(num) +
				    VIRTBUS_RING_AVAIL_SIZE(num),
				    params->align);

	vb->num = num;
	vb->dma_dev = params->dma_dev;
	vb->notify = params->notify;
	vb->event_idx = virtbus_has_feature(vdev, VIRTBUS_F_EVENT_IDX);
	vb->indirect = virtbus_has_feature(vdev, VIRTBUS_F_INDIRECT_DESC);
	vb->strong_barriers = virtbus_has_feature(vdev,
						  VIRTBUS_F_ORDER_PLATFORM);
	for (i = 0; i < num - 1; i++)
		vb->extra[i].next = i + 1;

	vb->vq.vdev = vdev;
	vb->vq.index = params->index;
	vb->vq.name = params->name;
	vb->vq.callback = params->callback;
	vb->vq.num_free = num;

	/* A queue without a callback is polled: no interrupts wanted. */
	if (!params->callback)
		virtbus_vq_disable_cb(&vb->vq);

	spin_lock_irqsave(&vdev->vqs_lock, flags);
	list_add_tail(&vb->vq.list, &vdev->vqs);
	if (vdev->broken)
		vb->broken = true;
	spin_unlock_irqrestore(&vdev->vqs_lock, flags);
	return &vb->vq;

fail:
	kfree(vb->state);
	kfree(vb->extra);
	kfree(vb);
	return ERR_PTR(-ENOMEM);
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_new, VIRTBUS);

/**
 * virtbus_vq_del - free a ring
 * @vq: the queue; its device has been reset
 *
 * Buffers the driver did not detach are unmapped; their tokens are lost.
 */
void virtbus_vq_del(struct virtbus_vq *vq)
{
	struct vb_vq *vb = to_vb(vq);
	struct virtbus_device *vdev = vq->vdev;
	unsigned long flags;

	spin_lock_irqsave(&vdev->vqs_lock, flags);
	list_del(&vq->list);
	spin_unlock_irqrestore(&vdev->vqs_lock, flags);

	if (vb->in_flight)
		dev_warn(&vdev->dev, "queue %u (%s) freed with %u buffers\n",
			 vq->index, vq->name, vb->in_flight);
	while (virtbus_vq_detach_unused_buf(vq))
		;
	dma_free_coherent(vb->dma_dev, vb->ring_size, vb->ring, vb->ring_dma);
	kfree(vb->state);
	kfree(vb->extra);
	kfree(vb);
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_del, VIRTBUS);

/**
 * virtbus_vq_get_layout - where a ring lives, for a transport to program
 * @vq: the queue
 * @layout: filled in
 */
void virtbus_vq_get_layout(const struct virtbus_vq *vq,
			   struct virtbus_vq_layout *layout)
{
	const struct vb_vq *vb = to_vb(vq);

	layout->desc = vb->desc;
	layout->avail = vb->avail;
	layout->used = vb->used;
	layout->desc_dma = vb->ring_dma;
	layout->avail_dma = vb->ring_dma + ((void *)vb->avail - vb->ring);
	layout->used_dma = vb->ring_dma + ((void *)vb->used - vb->ring);
	layout->num = vb->num;
	layout->size = vb->ring_size;
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_get_layout, VIRTBUS);

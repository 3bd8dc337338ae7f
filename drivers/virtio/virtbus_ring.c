// SPDX-License-Identifier: GPL-2.0
/*
 * virtbus: the split virtqueue (virtio 1.x, section 2.6 of 1.1 / 2.7 of 1.2).
 *
 * The ring is one block in the legacy layout, so legacy and modern
 * transports place it the same way.
 *
 * Device addresses. A device that negotiated ACCESS_PLATFORM sits behind
 * whatever the platform puts between devices and memory (an IOMMU, bounce
 * buffers), so the ring and every buffer go through the DMA API on the
 * transport's DMA device. A device that did not is promised physical
 * addresses, "not translated further" (virtio 1.1, 6.1; 1.2, 6): it is
 * the hypervisor reading guest memory, and an IOMMU address from the DMA
 * API would send it to the wrong page. Its buffers need no mapping at
 * all, and none is made. Xen guests are the exception, as in the kernel's
 * ring: there what the CPU calls physical is not what the device sees,
 * and only the DMA API (Xen's) knows the translation.
 *
 * Those two are only the default ways (struct virtbus_vq_mem_ops) to give
 * the device memory. A transport whose device reaches nothing but a
 * shared region brings its own: ring memory from the region, and buffers
 * copied in and out of it by map and unmap. The ring never looks at a
 * device address; it only hands them to the device and back to unmap.
 *
 * Never trust the device. Everything needed to tear a buffer down
 * (addresses, lengths, directions, chain links, the free list) lives in
 * memory the device cannot reach, and the ring's descriptor and available
 * parts are only ever written by us, never read back. What the device
 * writes (used index, id, length, flags, avail_event) is read once per
 * use and checked before anything is indexed with it: a bad value breaks
 * the queue with one message, and from then on the queue refuses work but
 * still lets the driver take every buffer back.
 *
 * Locking: none inside. The driver serialises every call on one queue
 * (typically with the lock its callback also takes); only
 * virtbus_vq_notify() may run outside that lock, and the interrupt handler
 * and virtbus_vq_is_broken() only read. Nothing here sleeps except
 * virtbus_vq_new() and virtbus_vq_del(); virtbus_vq_add_sgs() allocates
 * with the caller's gfp.
 */
#include <linux/bitops.h>
#include <linux/dma-mapping.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <xen/xen.h>
#include <uapi/virtbus/virtbus_ring.h>
#include <virtbus/transport.h>

/* Our copy of one descriptor: what the device sees may have changed. */
struct vb_desc_extra {
	dma_addr_t addr;
	u32 len;
	u16 flags;
	u16 next;		/* the chain, or the free list */
};

/* Per ring descriptor that heads a chain the device holds. */
struct vb_desc_state {
	void *data;		/* the driver's token; NULL: not a head */
	struct virtbus_ring_desc *table;	/* indirect table, or NULL */
	u32 in_len;		/* bytes the device may write */
	u16 ndescs;		/* ring descriptors the chain takes */
	u16 last;		/* its last ring descriptor */
};

/* Bits of vb_vq.flags. */
#define VB_BROKEN	0

struct vb_vq {
	struct virtbus_vq vq;
	struct device *dma_dev;
	const struct virtbus_vq_mem_ops *mem;
	size_t max_map;		/* the longest piece or table mem maps */
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
	unsigned long flags;

	u16 free_head;
	u16 avail_idx_shadow;	/* what we last wrote to avail->idx */
	u16 avail_flags_shadow;	/* what avail->flags would say */
	u16 num_added;		/* made available since the last kick */
	u16 last_used_idx;	/* the next used entry to collect */
	u16 used_idx_shadow;	/* the device's used->idx when last read */
	u16 in_flight;		/* chains the device holds */
	u16 detach_next;	/* where to look for the next unused buffer */

	struct vb_desc_state *state;
	struct vb_desc_extra *extra;
};

static struct vb_vq *to_vb(struct virtbus_vq *vq)
{
	return container_of(vq, struct vb_vq, vq);
}

static const struct vb_vq *to_vb_const(const struct virtbus_vq *vq)
{
	return container_of(vq, struct vb_vq, vq);
}

/*
 * Barriers. The peer is normally a hypervisor on other CPUs of the same
 * machine, for which SMP ordering suffices. A device that negotiated
 * ORDER_PLATFORM is real hardware behind the ring, which needs the
 * ordering the platform gives DMA.
 */
/* Descriptors and ring entries must be visible before the index. */
static void vb_wmb(const struct vb_vq *vb)
{
	if (vb->strong_barriers)
		dma_wmb();	/* entries before index, for DMA */
	else
		virt_wmb();	/* entries before index, for another CPU */
}

/* Used entries are read only after the index that published them. */
static void vb_rmb(const struct vb_vq *vb)
{
	if (vb->strong_barriers)
		dma_rmb();	/* index before entries, for DMA */
	else
		virt_rmb();	/* index before entries, for another CPU */
}

/*
 * Our store (index or event) before our load of the device's event or
 * index: otherwise each side can miss the other's update and both wait
 * forever.
 */
static void vb_mb(const struct vb_vq *vb)
{
	if (vb->strong_barriers)
		mb();		/* store before load, for DMA */
	else
		virt_mb();	/* store before load, for another CPU */
}

/* The driver's used_event sits after the available ring... */
static __le16 *vb_used_event(const struct vb_vq *vb)
{
	return &vb->avail->ring[vb->num];
}

/* ...and the device's avail_event after the used ring. */
static __le16 *vb_avail_event(const struct vb_vq *vb)
{
	return (__le16 *)&vb->used->ring[vb->num];
}

static u16 vb_read_used_idx(const struct vb_vq *vb)
{
	return le16_to_cpu(READ_ONCE(vb->used->idx));
}

/*
 * Break the queue because of what the device (or its transport) did.
 * The bit is taken atomically: virtbus_vq_notify() may race with the
 * rest, and there must be exactly one message.
 */
static __printf(2, 3) void vb_fail(struct vb_vq *vb, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	if (test_and_set_bit(VB_BROKEN, &vb->flags))
		return;
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
 * May be called from any context.
 *
 * Return: true if the queue refuses new buffers and reports no used ones.
 */
bool virtbus_vq_is_broken(const struct virtbus_vq *vq)
{
	return test_bit(VB_BROKEN, &to_vb_const(vq)->flags) ||
	       READ_ONCE(vq->vdev->broken);
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_is_broken, VIRTBUS);

/**
 * virtbus_vq_size - the number of entries of the ring
 * @vq: the queue
 *
 * Return: the ring size, a power of two; also the longest chain (counting
 * the pieces of an indirect table) a buffer may have.
 */
unsigned int virtbus_vq_size(const struct virtbus_vq *vq)
{
	return to_vb_const(vq)->num;
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_size, VIRTBUS);

/**
 * virtbus_vq_max_dma_size - the largest piece of a buffer the queue can map
 * @vq: the queue
 *
 * Drivers that size their segments (block limits, say) stay below this:
 * behind an IOMMU or bounce buffers the DMA API has a limit per mapping,
 * and so may a transport that copies buffers. The queue refuses longer
 * pieces.
 *
 * Return: that limit in bytes, or SIZE_MAX where there is none.
 */
size_t virtbus_vq_max_dma_size(const struct virtbus_vq *vq)
{
	return to_vb_const(vq)->max_map;
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_max_dma_size, VIRTBUS);

/**
 * virtbus_vq_break - stop a queue
 * @vq: the queue
 *
 * For the core and transports, when the device is gone or misbehaved
 * (they print their own message). Safe in any context, including under
 * &virtbus_device.vqs_lock. The queue then refuses new buffers, reports
 * no used ones and never runs its callback; its buffers can still be
 * detached with virtbus_vq_detach_unused_buf().
 */
void virtbus_vq_break(struct virtbus_vq *vq)
{
	set_bit(VB_BROKEN, &to_vb(vq)->flags);
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_break, VIRTBUS);

/* Does the device see memory through the DMA API? See the top of the file. */
static bool vb_use_dma_api(struct virtbus_device *vdev)
{
	return virtbus_has_feature(vdev, VIRTBUS_F_ACCESS_PLATFORM) ||
	       xen_domain();
}

/* The default operations: the DMA API on the transport's DMA device... */
static void *vb_dma_alloc_ring(struct virtbus_vq *vq, size_t size,
			       dma_addr_t *addr)
{
	return dma_alloc_coherent(to_vb(vq)->dma_dev, size, addr, GFP_KERNEL);
}

static void vb_dma_free_ring(struct virtbus_vq *vq, void *ring, size_t size,
			     dma_addr_t addr)
{
	dma_free_coherent(to_vb(vq)->dma_dev, size, ring, addr);
}

static int vb_dma_map(struct virtbus_vq *vq, struct page *page,
		      unsigned int offset, size_t len,
		      enum dma_data_direction dir, dma_addr_t *addr)
{
	struct device *dev = to_vb(vq)->dma_dev;

	*addr = dma_map_page(dev, page, offset, len, dir);
	return dma_mapping_error(dev, *addr) ? -ENOMEM : 0;
}

static void vb_dma_unmap(struct virtbus_vq *vq, dma_addr_t addr, size_t len,
			 enum dma_data_direction dir)
{
	dma_unmap_page(to_vb(vq)->dma_dev, addr, len, dir);
}

static size_t vb_dma_max_mapping_size(struct virtbus_vq *vq)
{
	return dma_max_mapping_size(to_vb(vq)->dma_dev);
}

static const struct virtbus_vq_mem_ops vb_dma_mem_ops = {
	.alloc_ring = vb_dma_alloc_ring,
	.free_ring = vb_dma_free_ring,
	.map = vb_dma_map,
	.unmap = vb_dma_unmap,
	.max_mapping_size = vb_dma_max_mapping_size,
};

/* ...and physical addresses, where nothing is mapped or unmapped. */
static void *vb_phys_alloc_ring(struct virtbus_vq *vq, size_t size,
				dma_addr_t *addr)
{
	void *p = alloc_pages_exact(size, GFP_KERNEL);

	if (p)
		*addr = virt_to_phys(p);
	return p;
}

static void vb_phys_free_ring(struct virtbus_vq *vq, void *ring, size_t size,
			      dma_addr_t addr)
{
	free_pages_exact(ring, size);
}

static int vb_phys_map(struct virtbus_vq *vq, struct page *page,
		       unsigned int offset, size_t len,
		       enum dma_data_direction dir, dma_addr_t *addr)
{
	*addr = page_to_phys(page) + offset;
	return 0;
}

static const struct virtbus_vq_mem_ops vb_phys_mem_ops = {
	.alloc_ring = vb_phys_alloc_ring,
	.free_ring = vb_phys_free_ring,
	.map = vb_phys_map,
};

/* The device address of a piece of a buffer; false if it has none. */
static bool vb_map(struct vb_vq *vb, struct page *page,
		   unsigned int offset, size_t len,
		   enum dma_data_direction dir, dma_addr_t *addr)
{
	return !vb->mem->map(&vb->vq, page, offset, len, dir, addr);
}

static void vb_unmap(struct vb_vq *vb, dma_addr_t addr, size_t len,
		     enum dma_data_direction dir)
{
	if (vb->mem->unmap)
		vb->mem->unmap(&vb->vq, addr, len, dir);
}

static void vb_unmap_one(struct vb_vq *vb, const struct vb_desc_extra *e)
{
	vb_unmap(vb, e->addr, e->len, e->flags & VIRTBUS_DESC_F_WRITE ?
		 DMA_FROM_DEVICE : DMA_TO_DEVICE);
}

/*
 * Where mappings are undone, an indirect table is allocated with our
 * copy of its entries right after it, to unmap them from; only the table
 * itself is mapped for the device. With physical addresses there is
 * nothing to unmap, and no copy.
 */
static struct vb_desc_extra *vb_table_extra(const struct vb_vq *vb,
					    struct virtbus_ring_desc *table,
					    unsigned int n)
{
	return vb->mem->unmap ? (struct vb_desc_extra *)(table + n) : NULL;
}

static struct virtbus_ring_desc *vb_alloc_table(const struct vb_vq *vb,
						unsigned int n, gfp_t gfp)
{
	size_t entry = sizeof(struct virtbus_ring_desc);

	if (vb->mem->unmap)
		entry += sizeof(struct vb_desc_extra);
	/*
	 * Any memory will do: the table is mapped like a buffer. Failure is
	 * no error (the request goes direct), so it must not warn.
	 */
	gfp &= ~(__GFP_HIGHMEM | __GFP_DMA | __GFP_DMA32);
	return kmalloc_array(n, entry, gfp | __GFP_NOWARN);
}

/* Unmap a chain, return its descriptors to the free list, and its token. */
static void *vb_detach(struct vb_vq *vb, u16 head)
{
	struct vb_desc_state *st = &vb->state[head];
	const struct vb_desc_extra *he = &vb->extra[head];
	void *data = st->data;
	unsigned int n;
	u16 i = head;

	if (st->table) {
		unsigned int pieces = he->len / sizeof(*st->table);
		const struct vb_desc_extra *te;

		te = vb_table_extra(vb, st->table, pieces);
		for (n = 0; te && n < pieces; n++)
			vb_unmap_one(vb, &te[n]);
		vb_unmap(vb, he->addr, he->len, DMA_TO_DEVICE);
		kfree(st->table);
		st->table = NULL;
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

/*
 * One request: @nsgs scatterlists, the first @out_sgs read by the device,
 * at most @per_list pieces taken from each.
 */
struct vb_req {
	struct scatterlist **sgs;
	unsigned int out_sgs;
	unsigned int nsgs;
	unsigned int per_list;
	/* Filled by vb_measure(). */
	unsigned int pieces;
	u64 in_len;
};

/*
 * Count the pieces and bytes of a request before anything is mapped.
 *
 * "A driver MUST NOT create a descriptor chain longer than the Queue Size
 * of the device" (virtio 1.1, 2.6.5.3.1; 1.2, 2.7.5.3.1). The rule stands
 * among those for indirect descriptors, so the entries of a table count:
 * a buffer has at most vb->num pieces, whichever way it is added. And
 * "Drivers MUST NOT add a descriptor chain longer than 2^32 bytes in
 * total" (1.1, 2.6.5.2; 1.2, 2.7.5.2): we stop one byte short, so that
 * the writable part always fits the used ring's 32-bit length. No piece
 * may be longer than the transport maps.
 */
static int vb_measure(const struct vb_vq *vb, struct vb_req *req)
{
	struct scatterlist *sg;
	unsigned int i, n;
	u64 bytes = 0;

	req->pieces = 0;
	req->in_len = 0;
	for (i = 0; i < req->nsgs; i++) {
		n = 0;
		for (sg = req->sgs[i]; sg && n < req->per_list;
		     sg = sg_next(sg)) {
			n++;
			if (++req->pieces > vb->num || sg->length > vb->max_map)
				return -EINVAL;
			bytes += sg->length;
			if (i >= req->out_sgs)
				req->in_len += sg->length;
		}
		/* A list shorter than the caller said it was. */
		if (req->per_list != UINT_MAX && n < req->per_list)
			return -EINVAL;
	}
	if (!req->pieces || bytes > U32_MAX)
		return -EINVAL;
	return 0;
}

/* Write a descriptor the device will read, and our copy of it (if any). */
static void vb_set_desc(struct virtbus_ring_desc *d, struct vb_desc_extra *e,
			dma_addr_t addr, u32 len, u16 flags, u16 next)
{
	d->addr = cpu_to_le64(addr);
	d->len = cpu_to_le32(len);
	d->flags = cpu_to_le16(flags);
	d->next = cpu_to_le16(next);
	if (!e)
		return;
	e->addr = addr;
	e->len = len;
	e->flags = flags;
	e->next = next;
}

/*
 * Map every piece of @req and describe it in @d (what the device reads)
 * and @e (our copy). In the ring (@in_ring) the pieces take descriptors
 * from the free list starting at @first, and *@after is the free list
 * that remains; in an indirect table they take entries 0, 1, ... Each
 * descriptor is written once, complete: the device's copy is never read
 * back. On failure everything mapped so far is unmapped and the free
 * list is as it was.
 */
static int vb_map_pieces(struct vb_vq *vb, const struct vb_req *req,
			 struct virtbus_ring_desc *d, struct vb_desc_extra *e,
			 bool in_ring, u16 first, u16 *last, u16 *after)
{
	unsigned int i, left, k = 0;
	struct scatterlist *sg;
	u16 idx = first, next;

	for (i = 0; i < req->nsgs; i++) {
		bool in = i >= req->out_sgs;

		for (sg = req->sgs[i], left = req->per_list; sg && left;
		     sg = sg_next(sg), left--) {
			u16 flags = in ? VIRTBUS_DESC_F_WRITE : 0;
			dma_addr_t addr;

			if (!vb_map(vb, sg_page(sg), sg->offset, sg->length,
				    in ? DMA_FROM_DEVICE : DMA_TO_DEVICE,
				    &addr))
				goto unwind;
			/* Follow the free list before this entry leaves it. */
			next = in_ring ? e[idx].next : idx + 1;
			if (++k < req->pieces)
				flags |= VIRTBUS_DESC_F_NEXT;
			vb_set_desc(&d[idx], e ? &e[idx] : NULL, addr,
				    sg->length, flags,
				    k < req->pieces ? next : 0);
			*last = idx;
			idx = next;
		}
	}
	*after = idx;
	return 0;

unwind:
	/*
	 * Every piece mapped so far still links to the next one. Without
	 * a copy there is no unmap, and nothing to undo.
	 */
	for (idx = first; e && k; k--, idx = e[idx].next)
		vb_unmap_one(vb, &e[idx]);
	return -ENOMEM;
}

/* The whole request behind one ring descriptor. */
static int vb_add_table(struct vb_vq *vb, const struct vb_req *req,
			struct virtbus_ring_desc *table)
{
	struct vb_desc_extra *te = vb_table_extra(vb, table, req->pieces);
	u32 size = req->pieces * sizeof(*table);
	u16 head = vb->free_head, last, after;
	dma_addr_t addr;
	unsigned int n;
	int err;

	err = vb_map_pieces(vb, req, table, te, false, 0, &last, &after);
	if (err)
		return err;
	/*
	 * Mapped once written: for a non-coherent device, that flushes it.
	 * kmalloc memory is in the linear map, so it has a page.
	 */
	if (!vb_map(vb, virt_to_page(table), offset_in_page(table), size,
		    DMA_TO_DEVICE, &addr)) {
		/* Without @te there is no unmap, and nothing to undo. */
		for (n = 0; te && n < req->pieces; n++)
			vb_unmap_one(vb, &te[n]);
		return -ENOMEM;
	}
	vb->free_head = vb->extra[head].next;
	vb_set_desc(&vb->desc[head], &vb->extra[head], addr, size,
		    VIRTBUS_DESC_F_INDIRECT, 0);
	vb->state[head].table = table;
	vb->state[head].ndescs = 1;
	vb->state[head].last = head;
	return 0;
}

/* The request as a chain of ring descriptors. */
static int vb_add_chain(struct vb_vq *vb, const struct vb_req *req)
{
	u16 head = vb->free_head, last, after;
	int err;

	err = vb_map_pieces(vb, req, vb->desc, vb->extra, true, head, &last,
			    &after);
	if (err)
		return err;
	vb->free_head = after;
	vb->state[head].table = NULL;
	vb->state[head].ndescs = req->pieces;
	vb->state[head].last = last;
	return 0;
}

static int vb_add(struct vb_vq *vb, struct vb_req *req, void *data,
		  gfp_t gfp)
{
	struct virtbus_ring_desc *table = NULL;
	u16 head = vb->free_head;
	unsigned int needed;
	int err;

	if (virtbus_vq_is_broken(&vb->vq))
		return -EIO;
	if (!data)
		return -EINVAL;
	err = vb_measure(vb, req);
	if (err)
		return err;

	/*
	 * A table saves ring space; without memory for one, or where it
	 * would be longer than the transport maps, go direct.
	 */
	if (vb->indirect && req->pieces > 1 && vb->vq.num_free &&
	    req->pieces * sizeof(*table) <= vb->max_map)
		table = vb_alloc_table(vb, req->pieces, gfp);
	needed = table ? 1 : req->pieces;
	if (vb->vq.num_free < needed) {
		kfree(table);
		return -ENOSPC;
	}
	err = table ? vb_add_table(vb, req, table) : vb_add_chain(vb, req);
	if (err) {
		kfree(table);
		return err;
	}
	vb->state[head].data = data;
	vb->state[head].in_len = req->in_len;
	vb->vq.num_free -= needed;
	vb->in_flight++;

	vb->avail->ring[vb->avail_idx_shadow & (vb->num - 1)] =
		cpu_to_le16(head);
	vb_wmb(vb);
	vb->avail_idx_shadow++;
	WRITE_ONCE(vb->avail->idx, cpu_to_le16(vb->avail_idx_shadow));

	/*
	 * EVENT_IDX compares 16-bit indexes: after 65535 entries without a
	 * kick the device could no longer tell whether it was passed.
	 */
	if (unlikely(++vb->num_added == U16_MAX))
		virtbus_vq_kick(&vb->vq);
	return 0;
}

/**
 * virtbus_vq_add_sgs - make a buffer available to the device
 * @vq: the queue
 * @sgs: scatterlists, each walked to its end; the device reads the first
 *	@out_sgs and writes the following @in_sgs
 * @out_sgs: how many of @sgs the device reads
 * @in_sgs: how many after those it writes
 * @data: the token virtbus_vq_get_buf() returns for this buffer (not NULL)
 * @gfp: how to allocate an indirect table
 *
 * The device hears of the buffer at the next kick. With INDIRECT_DESC, a
 * buffer of several pieces takes one ring descriptor (when its table can
 * be allocated), otherwise one per piece. Under the driver's queue lock.
 *
 * Return: 0; -ENOSPC if there are not enough free descriptors now; -EIO
 * if the queue is broken; -EINVAL for no token, no pieces, more pieces
 * than virtbus_vq_size(), a piece longer than virtbus_vq_max_dma_size()
 * or 4 GiB or more in all; -ENOMEM if a mapping failed.
 */
int virtbus_vq_add_sgs(struct virtbus_vq *vq, struct scatterlist *sgs[],
		       unsigned int out_sgs, unsigned int in_sgs,
		       void *data, gfp_t gfp)
{
	struct vb_req req = {
		.sgs = sgs,
		.out_sgs = out_sgs,
		.nsgs = out_sgs + in_sgs,
		.per_list = UINT_MAX,
	};

	return vb_add(to_vb(vq), &req, data, gfp);
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_add_sgs, VIRTBUS);

/* A buffer of the first @num entries of one list, read or written. */
static int vb_add_one(struct vb_vq *vb, struct scatterlist *sg,
		      unsigned int num, bool out, void *data, gfp_t gfp)
{
	struct vb_req req = {
		.sgs = &sg,
		.out_sgs = out,
		.nsgs = 1,
		.per_list = num,
	};

	return vb_add(vb, &req, data, gfp);
}

/**
 * virtbus_vq_add_outbuf - make a buffer the device reads available
 * @vq: the queue
 * @sg: the scatterlist
 * @num: entries of @sg that make up the buffer (the list may go on)
 * @data: the token (not NULL)
 * @gfp: how to allocate an indirect table
 *
 * Return: as virtbus_vq_add_sgs(); -EINVAL also if @sg has fewer than
 * @num entries.
 */
int virtbus_vq_add_outbuf(struct virtbus_vq *vq, struct scatterlist *sg,
			  unsigned int num, void *data, gfp_t gfp)
{
	return vb_add_one(to_vb(vq), sg, num, true, data, gfp);
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_add_outbuf, VIRTBUS);

/**
 * virtbus_vq_add_inbuf - make a buffer the device writes available
 * @vq: the queue
 * @sg: the scatterlist
 * @num: entries of @sg that make up the buffer (the list may go on)
 * @data: the token (not NULL)
 * @gfp: how to allocate an indirect table
 *
 * Return: as virtbus_vq_add_outbuf().
 */
int virtbus_vq_add_inbuf(struct virtbus_vq *vq, struct scatterlist *sg,
			 unsigned int num, void *data, gfp_t gfp)
{
	return vb_add_one(to_vb(vq), sg, num, false, data, gfp);
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_add_inbuf, VIRTBUS);

/**
 * virtbus_vq_kick_prepare - does the device need a notification?
 * @vq: the queue
 *
 * Call under the lock that serialises the queue, then virtbus_vq_notify()
 * (possibly outside it) if this returned true.
 *
 * Return: true if the device asked to hear of the buffers added since
 * the last call; false if it did not, or the queue is broken.
 */
bool virtbus_vq_kick_prepare(struct virtbus_vq *vq)
{
	struct vb_vq *vb = to_vb(vq);
	u16 new = vb->avail_idx_shadow;
	u16 old = new - vb->num_added;

	if (virtbus_vq_is_broken(vq))
		return false;
	/* The device must see the new index before we read its wishes. */
	vb_mb(vb);
	vb->num_added = 0;
	if (vb->event_idx) {
		u16 event = le16_to_cpu(READ_ONCE(*vb_avail_event(vb)));

		return virtbus_ring_need_event(event, new, old);
	}
	return !(le16_to_cpu(READ_ONCE(vb->used->flags)) &
		 VIRTBUS_USED_F_NO_NOTIFY);
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_kick_prepare, VIRTBUS);

/**
 * virtbus_vq_notify - notify the device of new buffers
 * @vq: the queue
 *
 * May run outside the driver's queue lock (the transport's notify must
 * allow that), but not concurrently with virtbus_vq_del().
 *
 * Return: false if the queue is broken or the transport could not notify
 * (which breaks the queue); true otherwise.
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
 * virtbus_vq_kick_prepare() and virtbus_vq_notify() in one, under the
 * driver's queue lock.
 *
 * Return: false if the queue is broken or notifying failed; true
 * otherwise, whether or not a notification was needed.
 */
bool virtbus_vq_kick(struct virtbus_vq *vq)
{
	if (virtbus_vq_kick_prepare(vq))
		return virtbus_vq_notify(vq);
	return !virtbus_vq_is_broken(vq);
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_kick, VIRTBUS);

/**
 * virtbus_vq_more_used - has the device returned buffers not collected?
 * @vq: the queue
 *
 * Only reads, so it may also run in the queue's interrupt handler while
 * the driver works on the queue elsewhere.
 *
 * Return: true if virtbus_vq_get_buf() would find a used entry; false if
 * not, or the queue is broken.
 */
bool virtbus_vq_more_used(struct virtbus_vq *vq)
{
	struct vb_vq *vb = to_vb(vq);
	u16 last;

	if (virtbus_vq_is_broken(vq))
		return false;
	/*
	 * Entries seen in the last read of the index count, whatever the
	 * index says now: a device cannot take back what it returned.
	 */
	last = READ_ONCE(vb->last_used_idx);
	return last != READ_ONCE(vb->used_idx_shadow) ||
	       last != vb_read_used_idx(vb);
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_more_used, VIRTBUS);

/**
 * virtbus_vq_get_buf - collect a buffer the device has used
 * @vq: the queue
 * @len: if not NULL, set to the bytes the device wrote into the buffer
 *	(never more than its writable part)
 *
 * Buffers come back in the order the device used them. The buffer is
 * unmapped, so the driver may read what the device wrote. Under the
 * driver's queue lock.
 *
 * Return: the buffer's token, or NULL if there is none, the queue is
 * broken, or the device just broke it.
 */
void *virtbus_vq_get_buf(struct virtbus_vq *vq, unsigned int *len)
{
	struct vb_vq *vb = to_vb(vq);
	struct virtbus_ring_used_elem *elem;
	u16 last = vb->last_used_idx;
	u16 next = last + 1;	/* 16 bits: it wraps with the ring's index */
	u32 id, ulen;
	void *data;

	if (virtbus_vq_is_broken(vq))
		return NULL;

	/* Device memory is read only when the entries seen are used up. */
	if (last == vb->used_idx_shadow) {
		u16 idx = vb_read_used_idx(vb);
		u16 ahead = idx - last;

		if (!ahead)
			return NULL;
		/* Each entry must return a distinct buffer the device holds. */
		if (ahead > vb->in_flight) {
			vb_fail(vb, "used index %u is %u ahead, with %u buffers outstanding",
				idx, ahead, vb->in_flight);
			return NULL;
		}
		/* The interrupt handler reads it without our lock. */
		WRITE_ONCE(vb->used_idx_shadow, idx);
		vb_rmb(vb);
	}

	/* Each field read once: what is checked is what is used. */
	elem = &vb->used->ring[last & (vb->num - 1)];
	id = le32_to_cpu(READ_ONCE(elem->id));
	ulen = le32_to_cpu(READ_ONCE(elem->len));
	if (id >= vb->num) {
		vb_fail(vb, "used id %u out of range (%u entries)", id, vb->num);
		return NULL;
	}
	if (!vb->state[id].data) {
		vb_fail(vb, "used id %u is not the head of an outstanding buffer",
			id);
		return NULL;
	}
	if (ulen > vb->state[id].in_len) {
		vb_fail(vb, "used length %u beyond the %u writable bytes of buffer %u",
			ulen, vb->state[id].in_len, id);
		return NULL;
	}

	data = vb_detach(vb, id);
	/* The interrupt handler compares against it without our lock. */
	WRITE_ONCE(vb->last_used_idx, next);
	if (vb->event_idx &&
	    !(vb->avail_flags_shadow & VIRTBUS_AVAIL_F_NO_INTERRUPT)) {
		/* Interrupt us for the next entry, not the ones seen. */
		WRITE_ONCE(*vb_used_event(vb), cpu_to_le16(next));
		/*
		 * Before the used index is read again (here or in
		 * virtbus_vq_more_used()), the device must see the event:
		 * else an entry it adds meanwhile raises no interrupt and
		 * is not seen either. While cached entries remain, nobody
		 * reads the index for an answer that matters.
		 */
		if (next == vb->used_idx_shadow)
			vb_mb(vb);
	}
	if (len)
		*len = ulen;
	return data;
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_get_buf, VIRTBUS);

/**
 * virtbus_vq_disable_cb - ask the device not to interrupt for this queue
 * @vq: the queue
 *
 * Only a hint: the callback may still run. Under the driver's queue lock.
 */
void virtbus_vq_disable_cb(struct virtbus_vq *vq)
{
	struct vb_vq *vb = to_vb(vq);

	if (vb->avail_flags_shadow & VIRTBUS_AVAIL_F_NO_INTERRUPT)
		return;
	vb->avail_flags_shadow |= VIRTBUS_AVAIL_F_NO_INTERRUPT;
	/*
	 * With EVENT_IDX the flags must stay 0; instead, ask to hear only
	 * of the entry just before this one, which the device reaches last:
	 * 65535 entries from now.
	 */
	if (vb->event_idx)
		WRITE_ONCE(*vb_used_event(vb),
			   cpu_to_le16(vb->last_used_idx - 1));
	else
		WRITE_ONCE(vb->avail->flags,
			   cpu_to_le16(vb->avail_flags_shadow));
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_disable_cb, VIRTBUS);

/* Ask for an interrupt once the used index passes @event. */
static void vb_arm(struct vb_vq *vb, u16 event)
{
	if (vb->avail_flags_shadow & VIRTBUS_AVAIL_F_NO_INTERRUPT) {
		vb->avail_flags_shadow &= ~VIRTBUS_AVAIL_F_NO_INTERRUPT;
		if (!vb->event_idx)
			WRITE_ONCE(vb->avail->flags,
				   cpu_to_le16(vb->avail_flags_shadow));
	}
	if (vb->event_idx)
		WRITE_ONCE(*vb_used_event(vb), cpu_to_le16(event));
	/* The request must be visible before we look at the used index. */
	vb_mb(vb);
}

/**
 * virtbus_vq_enable_cb - ask the device to interrupt for this queue again
 * @vq: the queue
 *
 * Under the driver's queue lock.
 *
 * Return: false if buffers were used meanwhile, which the caller must
 * collect (and then call this again); true otherwise, and on a broken
 * queue, so that a completion loop ends.
 */
bool virtbus_vq_enable_cb(struct virtbus_vq *vq)
{
	struct vb_vq *vb = to_vb(vq);

	vb_arm(vb, vb->last_used_idx);
	return !virtbus_vq_more_used(vq);
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_enable_cb, VIRTBUS);

/**
 * virtbus_vq_enable_cb_delayed - enable callbacks once most buffers are used
 * @vq: the queue
 *
 * With EVENT_IDX, asks for the interrupt only once about three quarters
 * of the outstanding buffers have been used, for drivers that reclaim
 * lazily (transmit queues); otherwise the same as virtbus_vq_enable_cb().
 * Under the driver's queue lock.
 *
 * Return: false if more than that were used already (the caller should
 * collect them); true otherwise, and on a broken queue.
 */
bool virtbus_vq_enable_cb_delayed(struct virtbus_vq *vq)
{
	struct vb_vq *vb = to_vb(vq);
	u16 bufs;

	if (!vb->event_idx)
		return virtbus_vq_enable_cb(vq);
	bufs = (u16)(vb->avail_idx_shadow - vb->last_used_idx) * 3 / 4;
	vb_arm(vb, vb->last_used_idx + bufs);
	if (virtbus_vq_is_broken(vq))
		return true;
	return (u16)(vb_read_used_idx(vb) - vb->last_used_idx) <= bufs;
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_enable_cb_delayed, VIRTBUS);

/**
 * virtbus_vq_detach_unused_buf - take back a buffer the device did not return
 * @vq: the queue; its device has been reset
 *
 * Returns the buffers still outstanding (used by the device or not) one
 * per call, unmapped. It reads nothing the device wrote and leaves the
 * ring itself alone. A broken queue is no exception: breaking it stops
 * the driver, not the device, which may still write into a buffer until
 * it is reset.
 *
 * Return: the token of one such buffer, or NULL when there are none left.
 */
void *virtbus_vq_detach_unused_buf(struct virtbus_vq *vq)
{
	struct vb_vq *vb = to_vb(vq);
	unsigned int n, i;

	/* Resume where the last call stopped: all of them in one pass. */
	for (n = 0; n < vb->num && vb->in_flight; n++) {
		i = (vb->detach_next + n) & (vb->num - 1);
		if (vb->state[i].data) {
			vb->detach_next = i + 1;
			return vb_detach(vb, i);
		}
	}
	return NULL;
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_detach_unused_buf, VIRTBUS);

/**
 * virtbus_vq_interrupt - a transport's interrupt handler for one queue
 * @irq: the interrupt
 * @opaque: the queue
 *
 * Runs the driver's callback if the device used buffers. A broken queue
 * never runs it, but still claims the interrupt: a device that broke its
 * queue may well keep raising it, and unclaimed the kernel would disable
 * the line ("nobody cared"), with whatever else shares it.
 *
 * Return: IRQ_NONE if a working queue has nothing new (the line may be
 * shared), IRQ_HANDLED otherwise.
 */
irqreturn_t virtbus_vq_interrupt(int irq, void *opaque)
{
	struct virtbus_vq *vq = opaque;

	if (virtbus_vq_is_broken(vq))
		return IRQ_HANDLED;
	if (!virtbus_vq_more_used(vq))
		return IRQ_NONE;
	if (vq->callback)
		vq->callback(vq);
	return IRQ_HANDLED;
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_interrupt, VIRTBUS);

/**
 * virtbus_vq_new - build a ring for a transport
 * @vdev: the device; its features are negotiated already
 * @params: index, size, alignment, DMA device or memory operations,
 *	notify and the driver's callback and name
 *
 * The ring is one zeroed block in the legacy layout: descriptors,
 * available ring, padding to @params->align (a power of two, at least 4),
 * used ring. The transport's @params->mem_ops provide it and map the
 * buffers, if it has them. Otherwise it is coherent memory for
 * @params->dma_dev when the device negotiated ACCESS_PLATFORM, and so
 * are the buffers mapped; else the device is given physical addresses.
 * Indirect descriptors, the
 * event index and platform ordering follow the negotiated features. A
 * queue without a callback is polled, and starts with interrupts
 * disabled. The queue joins @vdev->vqs; if the device is broken already,
 * so is the queue. Process context.
 *
 * Return: the queue; ERR_PTR(-EINVAL) for bad parameters or ring memory
 * not aligned as asked, -ENOMEM if memory for it is short (a smaller
 * ring may still fit).
 */
struct virtbus_vq *virtbus_vq_new(struct virtbus_device *vdev,
				  const struct virtbus_vq_params *params)
{
	const struct virtbus_vq_mem_ops *mem = params->mem_ops;
	unsigned int num = params->num, i;
	unsigned long flags;
	struct vb_vq *vb;
	int err = -ENOMEM;

	/* The used ring holds 32-bit fields: it needs 4-byte alignment. */
	if (!num || !is_power_of_2(num) || num > VIRTBUS_RING_MAX_SIZE ||
	    params->align < 4 || !is_power_of_2(params->align) ||
	    !params->notify || (!mem && !params->dma_dev))
		return ERR_PTR(-EINVAL);
	if (mem && (!mem->alloc_ring || !mem->free_ring || !mem->map))
		return ERR_PTR(-EINVAL);
	if (!mem)
		mem = vb_use_dma_api(vdev) ? &vb_dma_mem_ops : &vb_phys_mem_ops;

	vb = kzalloc(sizeof(*vb), GFP_KERNEL);
	if (!vb)
		return ERR_PTR(-ENOMEM);
	vb->state = kvcalloc(num, sizeof(*vb->state), GFP_KERNEL);
	vb->extra = kvcalloc(num, sizeof(*vb->extra), GFP_KERNEL);
	if (!vb->state || !vb->extra)
		goto fail;

	vb->dma_dev = params->dma_dev;
	vb->mem = mem;
	/* What the operations may look at while the ring is being built. */
	vb->vq.vdev = vdev;
	vb->vq.index = params->index;
	vb->vq.name = params->name;
	vb->max_map = mem->max_mapping_size ?
		      mem->max_mapping_size(&vb->vq) : SIZE_MAX;
	vb->ring_size = virtbus_ring_legacy_size(num, params->align);
	vb->ring = mem->alloc_ring(&vb->vq, vb->ring_size, &vb->ring_dma);
	if (!vb->ring)
		goto fail;
	/* The layout's offsets hold on both sides only from aligned starts. */
	if (!IS_ALIGNED((unsigned long)vb->ring | vb->ring_dma,
			params->align)) {
		mem->free_ring(&vb->vq, vb->ring, vb->ring_size, vb->ring_dma);
		err = -EINVAL;
		goto fail;
	}
	memset(vb->ring, 0, vb->ring_size);
	vb->desc = vb->ring;
	vb->avail = vb->ring + VIRTBUS_RING_DESC_SIZE(num);
	vb->used = vb->ring + ALIGN(VIRTBUS_RING_DESC_SIZE(num) +
				    VIRTBUS_RING_AVAIL_SIZE(num),
				    params->align);

	vb->num = num;
	vb->notify = params->notify;
	vb->event_idx = virtbus_has_feature(vdev, VIRTBUS_F_EVENT_IDX);
	vb->indirect = virtbus_has_feature(vdev, VIRTBUS_F_INDIRECT_DESC);
	vb->strong_barriers = virtbus_has_feature(vdev,
						  VIRTBUS_F_ORDER_PLATFORM);
	for (i = 0; i < num - 1; i++)
		vb->extra[i].next = i + 1;

	vb->vq.callback = params->callback;
	vb->vq.num_free = num;

	if (!params->callback)
		virtbus_vq_disable_cb(&vb->vq);

	/* Under the lock, so that virtbus_break_device() misses no queue. */
	spin_lock_irqsave(&vdev->vqs_lock, flags);
	list_add_tail(&vb->vq.list, &vdev->vqs);
	if (vdev->broken)
		set_bit(VB_BROKEN, &vb->flags);
	spin_unlock_irqrestore(&vdev->vqs_lock, flags);
	return &vb->vq;

fail:
	kvfree(vb->state);
	kvfree(vb->extra);
	kfree(vb);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_NS_GPL(virtbus_vq_new, VIRTBUS);

/**
 * virtbus_vq_del - free a ring
 * @vq: the queue; its device has been reset and its interrupt freed
 *
 * Leaves the device's queue list and frees the ring. Buffers the driver
 * did not detach first are unmapped with a warning; their tokens are
 * lost. Process context.
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
	vb->mem->free_ring(vq, vb->ring, vb->ring_size, vb->ring_dma);
	kvfree(vb->state);
	kvfree(vb->extra);
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
	const struct vb_vq *vb = to_vb_const(vq);

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

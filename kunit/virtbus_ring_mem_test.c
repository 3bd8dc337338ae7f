// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the memory operations a transport gives the split virtqueue
 * (struct virtbus_vq_mem_ops), with a fake transport whose device reaches
 * nothing but a "region": rings are carved from it, every buffer piece
 * and indirect table is copied into a slot of it on map and back out on
 * unmap, and device addresses are offsets into it. The test plays the
 * device through those offsets only, so a guest address leaking into a
 * descriptor fails the walk. No DMA device is given to the ring at all.
 *
 * The transport records every mapping: after each test none may be left
 * and no unmap may name one that is not live, which checks that the ring
 * undoes exactly what it did, also when a mapping fails halfway.
 */
#include <kunit/test.h>
#include <linux/device.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <uapi/virtbus/virtbus_ring.h>
#include <virtbus/transport.h>

#define RMT_REGION	(64 * 1024)
#define RMT_RINGS	(32 * 1024)	/* rings below, slots above */
#define RMT_SLOT		1024
#define RMT_NSLOTS	((RMT_REGION - RMT_RINGS) / RMT_SLOT)
#define RMT_ALIGN	64
#define RMT_NUM		8U

#define F_INDIRECT	BIT_ULL(VIRTBUS_F_INDIRECT_DESC)

/* One bounce slot: what it holds a copy of. */
struct rmt_slot {
	bool used;
	void *orig;
	size_t len;
	enum dma_data_direction dir;
};

struct rmt_dev {
	struct virtbus_device vdev;
	u8 *region;
	size_t ring_next;
	struct rmt_slot slots[RMT_NSLOTS];
	unsigned int nlive, maps, bad_unmaps;
	unsigned int fail_in;	/* the fail_in-th map from now fails */
	size_t max_map;
	unsigned int allocs, frees, bad_frees;
	bool misalign;		/* hand out a ring one byte off */
};

static struct rmt_dev *to_mt(struct virtbus_device *vdev)
{
	return container_of(vdev, struct rmt_dev, vdev);
}

static void *rmt_alloc_ring(struct virtbus_vq *vq, size_t size,
			    dma_addr_t *addr)
{
	struct rmt_dev *md = to_mt(vq->vdev);
	size_t off = ALIGN(md->ring_next, PAGE_SIZE) + md->misalign;

	if (off + size > RMT_RINGS)
		return NULL;
	md->ring_next = off + size;
	md->allocs++;
	*addr = off;
	return md->region + off;
}

static void rmt_free_ring(struct virtbus_vq *vq, void *ring, size_t size,
			  dma_addr_t addr)
{
	struct rmt_dev *md = to_mt(vq->vdev);

	md->frees++;
	if (ring != md->region + addr || addr + size > RMT_RINGS)
		md->bad_frees++;
}

static int rmt_map(struct virtbus_vq *vq, struct page *page,
		   unsigned int offset, size_t len,
		   enum dma_data_direction dir, dma_addr_t *addr)
{
	struct rmt_dev *md = to_mt(vq->vdev);
	void *orig = page_address(page) + offset;
	unsigned int i;

	if (md->fail_in && !--md->fail_in)
		return -ENOMEM;
	if (len > RMT_SLOT)
		return -EINVAL;
	for (i = 0; i < RMT_NSLOTS && md->slots[i].used; i++)
		;
	if (i == RMT_NSLOTS)
		return -ENOMEM;
	md->slots[i] = (struct rmt_slot){ true, orig, len, dir };
	if (dir == DMA_TO_DEVICE)
		memcpy(md->region + RMT_RINGS + i * RMT_SLOT, orig, len);
	md->nlive++;
	md->maps++;
	*addr = RMT_RINGS + i * RMT_SLOT;
	return 0;
}

static void rmt_unmap(struct virtbus_vq *vq, dma_addr_t addr, size_t len,
		      enum dma_data_direction dir)
{
	struct rmt_dev *md = to_mt(vq->vdev);
	struct rmt_slot *s;

	if (addr < RMT_RINGS || addr >= RMT_REGION ||
	    (addr - RMT_RINGS) % RMT_SLOT) {
		md->bad_unmaps++;
		return;
	}
	s = &md->slots[(addr - RMT_RINGS) / RMT_SLOT];
	if (!s->used || s->len != len || s->dir != dir) {
		md->bad_unmaps++;
		return;
	}
	if (dir == DMA_FROM_DEVICE)
		memcpy(s->orig, md->region + addr, len);
	s->used = false;
	md->nlive--;
}

static size_t rmt_max_mapping_size(struct virtbus_vq *vq)
{
	return to_mt(vq->vdev)->max_map;
}

static const struct virtbus_vq_mem_ops rmt_ops = {
	.alloc_ring = rmt_alloc_ring,
	.free_ring = rmt_free_ring,
	.map = rmt_map,
	.unmap = rmt_unmap,
	.max_mapping_size = rmt_max_mapping_size,
};

/* Mappings that need no undoing: no unmap, and no limit either. */
static const struct virtbus_vq_mem_ops rmt_ops_oneway = {
	.alloc_ring = rmt_alloc_ring,
	.free_ring = rmt_free_ring,
	.map = rmt_map,
};

static bool rmt_notify(struct virtbus_vq *vq)
{
	return true;
}

static void rmt_callback(struct virtbus_vq *vq)
{
}

static void rmt_release(struct device *dev)
{
	struct rmt_dev *md = to_mt(to_virtbus_device(dev));

	free_pages_exact(md->region, RMT_REGION);
	kfree(md);
}

static int rmt_init(struct kunit *test)
{
	static atomic_t seq = ATOMIC_INIT(0);
	struct rmt_dev *md = kzalloc(sizeof(*md), GFP_KERNEL);

	if (!md)
		return -ENOMEM;
	md->region = alloc_pages_exact(RMT_REGION, GFP_KERNEL);
	if (!md->region) {
		kfree(md);
		return -ENOMEM;
	}
	/* Not zero: the ring must clear its memory itself. */
	memset(md->region, 0xa5, RMT_REGION);
	md->max_map = RMT_SLOT;
	INIT_LIST_HEAD(&md->vdev.vqs);
	spin_lock_init(&md->vdev.vqs_lock);
	device_initialize(&md->vdev.dev);
	md->vdev.dev.release = rmt_release;
	if (dev_set_name(&md->vdev.dev, "virtbus-ring-mem-test.%d",
			 atomic_inc_return(&seq))) {
		put_device(&md->vdev.dev);
		return -ENOMEM;
	}
	test->priv = md;
	return 0;
}

static void rmt_exit(struct kunit *test)
{
	struct rmt_dev *md = test->priv;
	struct virtbus_vq *vq, *tmp;

	list_for_each_entry_safe(vq, tmp, &md->vdev.vqs, list) {
		while (virtbus_vq_detach_unused_buf(vq))
			;
		virtbus_vq_del(vq);
	}
	KUNIT_EXPECT_EQ_MSG(test, md->nlive, 0U, "mappings left");
	KUNIT_EXPECT_EQ(test, md->bad_unmaps, 0U);
	KUNIT_EXPECT_EQ(test, md->allocs, md->frees);
	KUNIT_EXPECT_EQ(test, md->bad_frees, 0U);
	put_device(&md->vdev.dev);
}

static struct virtbus_vq *rmt_new(struct kunit *test,
				  const struct virtbus_vq_mem_ops *ops,
				  u64 features)
{
	struct rmt_dev *md = test->priv;
	struct virtbus_vq_params p = {
		.num = RMT_NUM,
		.align = RMT_ALIGN,
		.mem_ops = ops,
		.notify = rmt_notify,
		/* A polled queue would start by writing avail->flags. */
		.callback = rmt_callback,
		.name = "mt",
	};
	struct virtbus_vq *vq;

	md->vdev.features = features;
	vq = virtbus_vq_new(&md->vdev, &p);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(vq), "virtbus_vq_new: %ld",
			       PTR_ERR(vq));
	return vq;
}

/* A test-managed buffer filled with @seed, @seed + 1, ... */
static u8 *rmt_buf(struct kunit *test, size_t len, u8 seed)
{
	u8 *buf = kunit_kmalloc(test, len, GFP_KERNEL);
	size_t i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < len; i++)
		buf[i] = seed + i;
	return buf;
}

static bool rmt_bytes_are(const u8 *p, size_t len, u8 seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (u8)(seed + i))
			return false;
	return true;
}

/* The region's bytes at device address @addr, or NULL if outside it. */
static u8 *rmt_at(struct rmt_dev *md, u64 addr, u32 len)
{
	if (addr >= RMT_REGION || len > RMT_REGION - addr)
		return NULL;
	return md->region + addr;
}

/*
 * The device's walk of the chain at @head, through region offsets only:
 * fills @seg and @len (at most @max); returns the count, or -1 where a
 * descriptor leaves the region or the chain is malformed.
 */
static int rmt_walk(struct kunit *test, struct virtbus_vq *vq, u16 head,
		    u8 **seg, u32 *len, unsigned int max, bool *indirect)
{
	struct rmt_dev *md = test->priv;
	struct virtbus_ring_desc *d;
	struct virtbus_vq_layout l;
	unsigned int i = head, n = 0, count = RMT_NUM;
	u16 flags;

	virtbus_vq_get_layout(vq, &l);
	d = l.desc;
	*indirect = false;
	flags = le16_to_cpu(d[i].flags);
	if (flags & VIRTBUS_DESC_F_INDIRECT) {
		count = le32_to_cpu(d[i].len) / sizeof(*d);
		d = (void *)rmt_at(md, le64_to_cpu(d[i].addr),
				   le32_to_cpu(d[i].len));
		if (!d)
			return -1;
		*indirect = true;
		i = 0;
	}
	for (;;) {
		if (i >= count || n >= max)
			return -1;
		len[n] = le32_to_cpu(d[i].len);
		seg[n] = rmt_at(md, le64_to_cpu(d[i].addr), len[n]);
		if (!seg[n])
			return -1;
		n++;
		flags = le16_to_cpu(d[i].flags);
		if (!(flags & VIRTBUS_DESC_F_NEXT))
			return n;
		i = le16_to_cpu(d[i].next);
	}
}

/* The head the driver made available @nth. */
static u16 rmt_take(struct virtbus_vq *vq, unsigned int nth)
{
	struct virtbus_vq_layout l;
	struct virtbus_ring_avail *avail;

	virtbus_vq_get_layout(vq, &l);
	avail = l.avail;
	return le16_to_cpu(avail->ring[nth % RMT_NUM]);
}

/* Return @head used, @written bytes, as used entry @slot. */
static void rmt_use(struct virtbus_vq *vq, u16 slot, u16 head, u32 written)
{
	struct virtbus_vq_layout l;
	struct virtbus_ring_used *used;

	virtbus_vq_get_layout(vq, &l);
	used = l.used;
	used->ring[slot % RMT_NUM].id = cpu_to_le32(head);
	used->ring[slot % RMT_NUM].len = cpu_to_le32(written);
	wmb();	/* the entry before the index that publishes it */
	used->idx = cpu_to_le16(slot + 1);
}

/* Is @len bytes at @orig mapped for @dir (and copied if to the device)? */
static bool rmt_mapped(struct rmt_dev *md, void *orig, size_t len,
		       enum dma_data_direction dir)
{
	unsigned int i;

	for (i = 0; i < RMT_NSLOTS; i++) {
		struct rmt_slot *s = &md->slots[i];

		if (s->used && s->orig == orig && s->len == len &&
		    s->dir == dir)
			return dir != DMA_TO_DEVICE ||
			       !memcmp(md->region + RMT_RINGS + i * RMT_SLOT,
				       orig, len);
	}
	return false;
}

/*
 * The ring is the transport's, zeroed by the ring, at the device address
 * the transport gave; it goes back to the transport on delete. Nothing
 * needs a DMA device.
 */
static void mem_ring_alloc(struct kunit *test)
{
	struct rmt_dev *md = test->priv;
	struct virtbus_vq *vq = rmt_new(test, &rmt_ops, 0);
	struct virtbus_vq_layout l;
	size_t i;

	KUNIT_EXPECT_EQ(test, md->allocs, 1U);
	virtbus_vq_get_layout(vq, &l);
	KUNIT_EXPECT_PTR_EQ(test, l.desc, (void *)md->region);
	KUNIT_EXPECT_EQ(test, l.desc_dma, (dma_addr_t)0);
	KUNIT_EXPECT_EQ(test, l.avail_dma, (dma_addr_t)(l.avail - l.desc));
	KUNIT_EXPECT_EQ(test, l.used_dma, (dma_addr_t)(l.used - l.desc));
	KUNIT_EXPECT_EQ(test, l.size,
			(size_t)virtbus_ring_legacy_size(RMT_NUM, RMT_ALIGN));
	for (i = 0; i < l.size; i++)
		if (md->region[i])
			break;
	KUNIT_EXPECT_EQ_MSG(test, i, l.size, "ring byte %zu not zeroed", i);
	/* Nothing after the ring was touched. */
	KUNIT_EXPECT_EQ(test, md->region[l.size], 0xa5);

	virtbus_vq_del(vq);
	KUNIT_EXPECT_EQ(test, md->frees, 1U);
	KUNIT_EXPECT_EQ(test, md->bad_frees, 0U);
}

/* Operations that are incomplete, or memory that is misaligned. */
static void mem_bad_ops(struct kunit *test)
{
	static const struct virtbus_vq_mem_ops no_map = {
		.alloc_ring = rmt_alloc_ring,
		.free_ring = rmt_free_ring,
	};
	struct rmt_dev *md = test->priv;
	struct virtbus_vq_params p = {
		.num = RMT_NUM,
		.align = RMT_ALIGN,
		.mem_ops = &no_map,
		.notify = rmt_notify,
		.name = "mt",
	};

	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(virtbus_vq_new(&md->vdev, &p)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, md->allocs, 0U);
	/* Neither operations nor a DMA device. */
	p.mem_ops = NULL;
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(virtbus_vq_new(&md->vdev, &p)),
			-EINVAL);
	/* Misaligned ring memory is given back, and refused. */
	p.mem_ops = &rmt_ops;
	md->misalign = true;
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(virtbus_vq_new(&md->vdev, &p)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, md->allocs, 1U);
	KUNIT_EXPECT_EQ(test, md->frees, 1U);
	KUNIT_EXPECT_TRUE(test, list_empty(&md->vdev.vqs));
}

/*
 * Each piece is mapped from where it starts in its page, the device sees
 * only region offsets holding a copy, and what it writes comes back into
 * the driver's buffer when the buffer is used: for a direct chain and
 * for an indirect table (which is itself mapped, and copied).
 */
static void rmt_offsets(struct kunit *test, u64 features, bool want_indirect)
{
	struct rmt_dev *md = test->priv;
	struct virtbus_vq *vq = rmt_new(test, &rmt_ops, features);
	u8 *out = rmt_buf(test, 64, 0x10);
	u8 *in = rmt_buf(test, 96, 0);
	struct scatterlist osg, isg[2], *sgs[2];
	bool indirect;
	unsigned int len;
	u8 *seg[4];
	u32 slen[4];
	u16 head;
	int n;

	sg_init_one(&osg, out + 5, 40);
	sg_init_table(isg, 2);
	sg_set_buf(&isg[0], in + 3, 32);
	sg_set_buf(&isg[1], in + 50, 16);
	sgs[0] = &osg;
	sgs[1] = isg;
	KUNIT_ASSERT_EQ(test, virtbus_vq_add_sgs(vq, sgs, 1, 1, out, GFP_KERNEL),
			0);
	/* Each piece from where it starts in its page. */
	KUNIT_EXPECT_TRUE(test, rmt_mapped(md, out + 5, 40, DMA_TO_DEVICE));
	KUNIT_EXPECT_TRUE(test, rmt_mapped(md, in + 3, 32, DMA_FROM_DEVICE));
	KUNIT_EXPECT_TRUE(test, rmt_mapped(md, in + 50, 16, DMA_FROM_DEVICE));
	/* And the table, when there is one. */
	KUNIT_EXPECT_EQ(test, md->nlive, want_indirect ? 4U : 3U);
	KUNIT_EXPECT_EQ(test, vq->num_free, want_indirect ? RMT_NUM - 1U :
			RMT_NUM - 3U);

	head = rmt_take(vq, 0);
	n = rmt_walk(test, vq, head, seg, slen, ARRAY_SIZE(seg), &indirect);
	KUNIT_ASSERT_EQ(test, n, 3);
	KUNIT_EXPECT_EQ(test, indirect, want_indirect);
	KUNIT_EXPECT_EQ(test, slen[0], 40U);
	KUNIT_EXPECT_EQ(test, slen[1], 32U);
	KUNIT_EXPECT_EQ(test, slen[2], 16U);
	/* The copy starts where the piece does, not at its page. */
	KUNIT_EXPECT_TRUE(test, rmt_bytes_are(seg[0], 40, 0x15));
	memset(seg[1], 0x77, 32);
	memset(seg[2], 0x88, 16);
	rmt_use(vq, 0, head, 48);

	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(vq, &len), (void *)out);
	KUNIT_EXPECT_EQ(test, len, 48U);
	KUNIT_EXPECT_EQ(test, md->nlive, 0U);
	KUNIT_EXPECT_NULL(test, memchr_inv(in + 3, 0x77, 32));
	KUNIT_EXPECT_NULL(test, memchr_inv(in + 50, 0x88, 16));
	/* Around the pieces, the driver's buffer is untouched. */
	KUNIT_EXPECT_TRUE(test, rmt_bytes_are(in, 3, 0));
	KUNIT_EXPECT_TRUE(test, rmt_bytes_are(in + 35, 15, 35));
	KUNIT_EXPECT_TRUE(test, rmt_bytes_are(in + 66, 30, 66));
	KUNIT_EXPECT_EQ(test, vq->num_free, RMT_NUM);
}

static void mem_map_offsets(struct kunit *test)
{
	rmt_offsets(test, 0, false);
}

static void mem_map_offsets_indirect(struct kunit *test)
{
	rmt_offsets(test, F_INDIRECT, true);
}

/* Add a buffer of three pieces the device writes; its result. */
static int rmt_add3(struct kunit *test, struct virtbus_vq *vq, void *token)
{
	struct scatterlist *sg = kunit_kmalloc_array(test, 3, sizeof(*sg),
						     GFP_KERNEL);
	u8 *buf = rmt_buf(test, 48, 0);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, sg);
	sg_init_table(sg, 3);
	for (i = 0; i < 3; i++)
		sg_set_buf(&sg[i], buf + 16 * i, 16);
	return virtbus_vq_add_inbuf(vq, sg, 3, token, GFP_KERNEL);
}

/*
 * The @k-th mapping of a three-piece buffer fails (the fourth: its
 * indirect table): the add fails, every mapping made is undone, the ring
 * is as before, and the next buffer goes in.
 */
static struct virtbus_vq *rmt_map_error(struct kunit *test,
					const struct virtbus_vq_mem_ops *ops,
					u64 features, unsigned int last)
{
	struct rmt_dev *md = test->priv;
	struct virtbus_vq *vq = rmt_new(test, ops, features);
	struct virtbus_vq_layout l;
	unsigned int k, len;
	u16 head;

	virtbus_vq_get_layout(vq, &l);
	for (k = 1; k <= last; k++) {
		unsigned int maps = md->maps;

		md->fail_in = k;
		KUNIT_EXPECT_EQ_MSG(test, rmt_add3(test, vq, md), -ENOMEM,
				    "map %u fails", k);
		KUNIT_EXPECT_EQ(test, md->fail_in, 0U);
		KUNIT_EXPECT_EQ(test, md->maps, maps + k - 1);
		KUNIT_EXPECT_EQ(test, md->nlive, ops->unmap ? 0U : k - 1);
		KUNIT_EXPECT_EQ(test, vq->num_free, RMT_NUM);
		KUNIT_EXPECT_EQ(test, le16_to_cpu(((struct virtbus_ring_avail *)
						   l.avail)->idx), 0);
		KUNIT_EXPECT_FALSE(test, virtbus_vq_is_broken(vq));
		/* Without unmap there is nothing to undo; start over. */
		memset(md->slots, 0, sizeof(md->slots));
		md->nlive = 0;
	}
	KUNIT_EXPECT_NULL(test, virtbus_vq_detach_unused_buf(vq));
	KUNIT_ASSERT_EQ(test, rmt_add3(test, vq, md), 0);
	head = rmt_take(vq, 0);
	rmt_use(vq, 0, head, 0);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(vq, &len), (void *)md);
	KUNIT_EXPECT_EQ(test, vq->num_free, RMT_NUM);
	if (!ops->unmap) {
		memset(md->slots, 0, sizeof(md->slots));
		md->nlive = 0;
	}
	return vq;
}

static void mem_map_error(struct kunit *test)
{
	rmt_map_error(test, &rmt_ops, 0, 3);
}

static void mem_map_error_indirect(struct kunit *test)
{
	rmt_map_error(test, &rmt_ops, F_INDIRECT, 4);
}

/* A transport without unmap: a failed map leaves nothing to undo. */
static void mem_map_error_oneway(struct kunit *test)
{
	struct virtbus_vq *vq = rmt_map_error(test, &rmt_ops_oneway, F_INDIRECT,
					      4);

	KUNIT_EXPECT_EQ(test, virtbus_vq_max_dma_size(vq), SIZE_MAX);
}

/*
 * The largest mapping is what the queue reports; a longer piece is
 * refused before anything is mapped, and a table longer than that is
 * not built: the buffer goes in as a direct chain.
 */
static void mem_max_mapping(struct kunit *test)
{
	struct rmt_dev *md = test->priv;
	struct virtbus_vq *vq;
	struct scatterlist sg;
	u8 *buf = rmt_buf(test, 128, 0);
	unsigned int len;
	bool indirect;
	u8 *seg[4];
	u32 slen[4];
	u16 head;

	md->max_map = 40;
	vq = rmt_new(test, &rmt_ops, F_INDIRECT);
	KUNIT_EXPECT_EQ(test, virtbus_vq_max_dma_size(vq), (size_t)40);

	sg_init_one(&sg, buf, 41);
	KUNIT_EXPECT_EQ(test, virtbus_vq_add_outbuf(vq, &sg, 1, buf,
						    GFP_KERNEL), -EINVAL);
	KUNIT_EXPECT_EQ(test, md->maps, 0U);
	sg_init_one(&sg, buf, 40);
	KUNIT_ASSERT_EQ(test, virtbus_vq_add_outbuf(vq, &sg, 1, buf,
						    GFP_KERNEL), 0);
	head = rmt_take(vq, 0);
	rmt_use(vq, 0, head, 0);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(vq, &len), (void *)buf);

	/* Three pieces: a 48-byte table is too long, so direct. */
	KUNIT_ASSERT_EQ(test, rmt_add3(test, vq, md), 0);
	KUNIT_EXPECT_EQ(test, vq->num_free, RMT_NUM - 3U);
	KUNIT_EXPECT_EQ(test, md->nlive, 3U);
	head = rmt_take(vq, 1);
	KUNIT_EXPECT_EQ(test, rmt_walk(test, vq, head, seg, slen,
				       ARRAY_SIZE(seg), &indirect), 3);
	 KUNIT_EXPECT_FALSE(test, indirect);
	rmt_use(vq, 1, head, 0);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(vq, &len), (void *)md);
	KUNIT_EXPECT_EQ(test, md->nlive, 0U);
}

static struct kunit_case virtbus_ring_mem_cases[] = {
	KUNIT_CASE(mem_ring_alloc),
	KUNIT_CASE(mem_bad_ops),
	KUNIT_CASE(mem_map_offsets),
	KUNIT_CASE(mem_map_offsets_indirect),
	KUNIT_CASE(mem_map_error),
	KUNIT_CASE(mem_map_error_indirect),
	KUNIT_CASE(mem_map_error_oneway),
	KUNIT_CASE(mem_max_mapping),
	{}
};

static struct kunit_suite virtbus_ring_mem_suite = {
	.name = "virtbus_ring_mem",
	.init = rmt_init,
	.exit = rmt_exit,
	.test_cases = virtbus_ring_mem_cases,
};

kunit_test_suite(virtbus_ring_mem_suite);

MODULE_DESCRIPTION("KUnit tests for the virtqueue's transport memory operations");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(VIRTBUS);

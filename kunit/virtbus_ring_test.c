// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the split virtqueue (drivers/virtio/virtbus_ring.c), with the
 * test playing the device on the ring memory. It reads the available
 * ring, walks descriptor chains and indirect tables, writes into the
 * buffers the driver lets it write, and returns them through the used
 * ring: correctly, to check what the driver gets back, and wrongly, to
 * check that a hostile device breaks the queue and nothing else.
 *
 * The fake device is never registered on the bus: the ring needs only its
 * feature bits, its queue list and a name for messages. It negotiates
 * ACCESS_PLATFORM unless a test says otherwise, so that its buffers are
 * mapped for a root device whose DMA operations are the test's own: a device
 * address is the physical address, so the device side reaches buffers with
 * phys_to_virt(), and every mapping is recorded. After each test nothing
 * may remain mapped and no unmap may miss a live mapping, which checks
 * that the ring tears buffers down from its own records; and a mapping
 * can be made to fail, which checks how the ring undoes a half-added one.
 * Where the kernel takes no DMA operations for a device (x86 from 6.12
 * without GART or Xen), buffers go through dma-direct, with the same
 * addresses, and the checks that need the record are skipped.
 *
 * Each test's device has a name of its own, so a test can count what the
 * ring logged for it: a queue the device breaks says so exactly once.
 */
#include <kunit/test.h>
#include <linux/device.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/kmsg_dump.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <uapi/virtbus/virtbus_ring.h>
#include <virtbus/transport.h>

#define RT_MAX_VQS	4
#define RT_MAX_SEGS	16
#define RT_NTOKENS	32
#define RT_ALIGN	VIRTBUS_RING_LEGACY_ALIGN

/* Enough rounds of two buffers each for the 16-bit indexes to wrap. */
#define RT_WRAP_ROUNDS	36000
/* Where both indexes end up. */
#define RT_WRAP_IDX	((2 * RT_WRAP_ROUNDS) & 0xffff)

#define F_INDIRECT	BIT_ULL(VIRTBUS_F_INDIRECT_DESC)
#define F_EVENT_IDX	BIT_ULL(VIRTBUS_F_EVENT_IDX)
#define F_ACCESS_PLATFORM	BIT_ULL(VIRTBUS_F_ACCESS_PLATFORM)

#define RT_MAX_MAPS	64

/* What buffers are mapped for; set up once for the suite. */
static struct device *rt_dma_dev;
/* Its mappings go through rt_dma_ops and are recorded. */
static bool rt_dma_recorded;

/* The mappings the ring holds, as the DMA layer sees them. */
struct rt_map {
	dma_addr_t addr;
	size_t size;
	enum dma_data_direction dir;
};

static struct {
	struct rt_map live[RT_MAX_MAPS];
	unsigned int nlive;
	unsigned int maps;
	unsigned int bad_unmaps;
	struct rt_map first_bad;
	bool overflow;
	/* The fail_in-th map from now fails; 0: none does. */
	unsigned int fail_in;
	unsigned int allocs, frees;
} rt_dma;

static dma_addr_t rt_dma_map_page(struct device *dev, struct page *page,
				  unsigned long offset, size_t size,
				  enum dma_data_direction dir,
				  unsigned long attrs)
{
	dma_addr_t addr = page_to_phys(page) + offset;

	if (rt_dma.fail_in && !--rt_dma.fail_in)
		return DMA_MAPPING_ERROR;
	if (rt_dma.nlive == RT_MAX_MAPS) {
		rt_dma.overflow = true;
		return DMA_MAPPING_ERROR;
	}
	rt_dma.live[rt_dma.nlive].addr = addr;
	rt_dma.live[rt_dma.nlive].size = size;
	rt_dma.live[rt_dma.nlive].dir = dir;
	rt_dma.nlive++;
	rt_dma.maps++;
	return addr;
}

static void rt_dma_unmap_page(struct device *dev, dma_addr_t addr,
			      size_t size, enum dma_data_direction dir,
			      unsigned long attrs)
{
	unsigned int i;

	for (i = 0; i < rt_dma.nlive; i++) {
		struct rt_map *m = &rt_dma.live[i];

		if (m->addr == addr && m->size == size && m->dir == dir) {
			*m = rt_dma.live[--rt_dma.nlive];
			return;
		}
	}
	if (!rt_dma.bad_unmaps++) {
		rt_dma.first_bad.addr = addr;
		rt_dma.first_bad.size = size;
		rt_dma.first_bad.dir = dir;
	}
}

static void *rt_dma_alloc(struct device *dev, size_t size,
			  dma_addr_t *handle, gfp_t gfp, unsigned long attrs)
{
	void *p = alloc_pages_exact(size, gfp | __GFP_ZERO);

	if (!p)
		return NULL;
	rt_dma.allocs++;
	*handle = virt_to_phys(p);
	return p;
}

static void rt_dma_free(struct device *dev, size_t size, void *vaddr,
			dma_addr_t handle, unsigned long attrs)
{
	rt_dma.frees++;
	free_pages_exact(vaddr, size);
}

static const struct dma_map_ops rt_dma_ops = {
	.alloc = rt_dma_alloc,
	.free = rt_dma_free,
	.map_page = rt_dma_map_page,
	.unmap_page = rt_dma_unmap_page,
};

/* How the live mapping of @p is made: a direction, or -1 if it is not. */
static int rt_mapped(void *p)
{
	dma_addr_t addr = virt_to_phys(p);
	unsigned int i;

	for (i = 0; i < rt_dma.nlive; i++)
		if (rt_dma.live[i].addr == addr)
			return rt_dma.live[i].dir;
	return -1;
}

/* Expect @n live mappings, where mappings are recorded. */
static void rt_expect_live(struct kunit *test, unsigned int n)
{
	if (rt_dma_recorded)
		KUNIT_EXPECT_EQ(test, rt_dma.nlive, n);
}

/* Expect @p mapped for @dir, where mappings are recorded. */
static void rt_expect_mapped(struct kunit *test, void *p,
			     enum dma_data_direction dir)
{
	if (rt_dma_recorded)
		KUNIT_EXPECT_EQ(test, rt_mapped(p), (int)dir);
}

/* Tokens: distinct non-NULL pointers, numbered. */
static char rt_tokens[RT_NTOKENS];
#define TOK(i)	((void *)&rt_tokens[i])

struct rt_dev {
	struct virtbus_device vdev;
	unsigned int notifies;
	unsigned int callbacks;
	bool notify_fails;
};

/* The device's view of one queue. */
struct rt_ring {
	struct virtbus_vq *vq;
	unsigned int num;
	struct virtbus_ring_desc *desc;
	struct virtbus_ring_avail *avail;
	struct virtbus_ring_used *used;
	u16 last_avail;
	u16 used_idx;
};

/* A chain as the device found it. */
struct rt_chain {
	unsigned int n;
	bool indirect;
	u32 table_len;
	u32 writable;
	/* Ring descriptors of a direct chain, table entries of an indirect. */
	u16 idx[RT_MAX_SEGS];
	u16 flags[RT_MAX_SEGS];
	u32 len[RT_MAX_SEGS];
	u8 *va[RT_MAX_SEGS];
};

struct rt_ctx {
	struct rt_dev *rd;
	struct rt_ring rings[RT_MAX_VQS];
	unsigned int nrings;
	/* The kernel log as it stood when the test began. */
	struct kmsg_dump_iter log;
};

/* Numbers the test devices, whose messages are told apart by name. */
static atomic_t rt_dev_seq = ATOMIC_INIT(0);

static struct rt_dev *to_rt_dev(struct virtbus_device *vdev)
{
	return container_of(vdev, struct rt_dev, vdev);
}

static bool rt_notify(struct virtbus_vq *vq)
{
	struct rt_dev *rd = to_rt_dev(vq->vdev);

	rd->notifies++;
	return !rd->notify_fails;
}

static void rt_callback(struct virtbus_vq *vq)
{
	to_rt_dev(vq->vdev)->callbacks++;
}

static void rt_release(struct device *dev)
{
	kfree(to_rt_dev(to_virtbus_device(dev)));
}

static struct rt_dev *rt_rd(struct kunit *test)
{
	return ((struct rt_ctx *)test->priv)->rd;
}

/* A queue of a device with exactly @features. */
static struct rt_ring *rt_new_exact(struct kunit *test, unsigned int num,
				    u64 features,
				    void (*cb)(struct virtbus_vq *))
{
	struct rt_ctx *ctx = test->priv;
	struct virtbus_vq_params p = {
		.index = ctx->nrings,
		.num = num,
		.align = RT_ALIGN,
		.dma_dev = rt_dma_dev,
		.notify = rt_notify,
		.callback = cb,
		.name = "rt",
	};
	struct virtbus_vq_layout l;
	struct virtbus_vq *vq;
	struct rt_ring *r;
	size_t head;

	KUNIT_ASSERT_LT(test, ctx->nrings, (unsigned int)RT_MAX_VQS);
	ctx->rd->vdev.features = features;
	vq = virtbus_vq_new(&ctx->rd->vdev, &p);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(vq), "virtbus_vq_new: %ld",
			       PTR_ERR(vq));
	r = &ctx->rings[ctx->nrings++];
	r->vq = vq;
	r->num = num;

	virtbus_vq_get_layout(vq, &l);
	KUNIT_EXPECT_EQ(test, l.num, num);
	KUNIT_EXPECT_EQ(test, virtbus_vq_size(vq), num);
	KUNIT_EXPECT_EQ(test, vq->num_free, num);
	KUNIT_EXPECT_EQ(test, l.size,
			(size_t)virtbus_ring_legacy_size(num, RT_ALIGN));
	head = VIRTBUS_RING_DESC_SIZE(num) + VIRTBUS_RING_AVAIL_SIZE(num);
	KUNIT_EXPECT_PTR_EQ(test, l.avail,
			    l.desc + VIRTBUS_RING_DESC_SIZE(num));
	KUNIT_EXPECT_PTR_EQ(test, l.used, l.desc + ALIGN(head, RT_ALIGN));
	KUNIT_EXPECT_EQ(test, l.desc_dma, (dma_addr_t)virt_to_phys(l.desc));
	KUNIT_EXPECT_EQ(test, l.avail_dma,
			l.desc_dma + VIRTBUS_RING_DESC_SIZE(num));
	KUNIT_EXPECT_EQ(test, l.used_dma, l.desc_dma + ALIGN(head, RT_ALIGN));
	r->desc = l.desc;
	r->avail = l.avail;
	r->used = l.used;
	return r;
}

/* A queue whose buffers go through the (recorded) DMA API. */
static struct rt_ring *rt_new_cb(struct kunit *test, unsigned int num,
				 u64 features, void (*cb)(struct virtbus_vq *))
{
	return rt_new_exact(test, num, features | F_ACCESS_PLATFORM, cb);
}

static struct rt_ring *rt_new(struct kunit *test, unsigned int num,
			      u64 features)
{
	return rt_new_cb(test, num, features, rt_callback);
}

static int rt_init(struct kunit *test)
{
	struct rt_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	struct rt_dev *rd;

	if (!ctx)
		return -ENOMEM;
	memset(&rt_dma, 0, sizeof(rt_dma));
	rd = kzalloc(sizeof(*rd), GFP_KERNEL);
	if (!rd)
		return -ENOMEM;
	INIT_LIST_HEAD(&rd->vdev.vqs);
	spin_lock_init(&rd->vdev.vqs_lock);
	device_initialize(&rd->vdev.dev);
	rd->vdev.dev.release = rt_release;
	if (dev_set_name(&rd->vdev.dev, "virtbus-ring-test.%d",
			 atomic_inc_return(&rt_dev_seq))) {
		put_device(&rd->vdev.dev);
		return -ENOMEM;
	}
	ctx->rd = rd;
	test->priv = ctx;
	/* Skip what is logged already; lines are not copied, only counted. */
	kmsg_dump_rewind(&ctx->log);
	while (kmsg_dump_get_line(&ctx->log, false, NULL, 0, NULL))
		;
	return 0;
}

/*
 * How many times queue @r said it broke since the test began. Without
 * printk there is no log to read, and the answer is @want.
 */
static unsigned int rt_breaks_logged(struct kunit *test, struct rt_ring *r,
				     unsigned int want)
{
	struct rt_ctx *ctx = test->priv;
	struct kmsg_dump_iter it = ctx->log;
	const size_t size = 512;
	unsigned int n = 0;
	char what[80];
	size_t len;
	char *line;

	if (!IS_ENABLED(CONFIG_PRINTK))
		return want;
	line = kunit_kmalloc(test, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, line);
	snprintf(what, sizeof(what), "%s: queue %u (rt) broken: ",
		 dev_name(&ctx->rd->vdev.dev), r->vq->index);
	while (kmsg_dump_get_line(&it, false, line, size - 1, &len)) {
		line[min(len, size - 1)] = '\0';
		if (strstr(line, what))
			n++;
	}
	return n;
}

static void rt_exit(struct kunit *test)
{
	struct rt_ctx *ctx = test->priv;
	unsigned int i;

	for (i = 0; i < ctx->nrings; i++) {
		/* Take back what a failed test left, so del stays quiet. */
		while (virtbus_vq_detach_unused_buf(ctx->rings[i].vq))
			;
		virtbus_vq_del(ctx->rings[i].vq);
	}
	put_device(&ctx->rd->vdev.dev);

	if (!rt_dma_recorded)
		return;
	/* The queues are gone: so must be every mapping they made. */
	KUNIT_EXPECT_EQ_MSG(test, rt_dma.nlive, 0U,
			    "mappings left after the queues were deleted");
	KUNIT_EXPECT_EQ_MSG(test, rt_dma.bad_unmaps, 0U,
			    "first unmap of nothing mapped: %pad+%zu dir %d",
			    &rt_dma.first_bad.addr, rt_dma.first_bad.size,
			    rt_dma.first_bad.dir);
	KUNIT_EXPECT_FALSE(test, rt_dma.overflow);
	KUNIT_EXPECT_EQ(test, rt_dma.allocs, rt_dma.frees);
}

static int rt_suite_init(struct kunit_suite *suite)
{
	/*
	 * No owner module: KUnit runs the suite while the module is still
	 * loading, before the module's sysfs directory (which the root
	 * device would link to) exists.
	 */
	rt_dma_dev = __root_device_register("virtbus_ring_test", NULL);
	if (IS_ERR(rt_dma_dev))
		return PTR_ERR(rt_dma_dev);
	rt_dma_dev->coherent_dma_mask = DMA_BIT_MASK(64);
	rt_dma_dev->dma_mask = &rt_dma_dev->coherent_dma_mask;
	set_dma_ops(rt_dma_dev, &rt_dma_ops);
	rt_dma_recorded = get_dma_ops(rt_dma_dev) == &rt_dma_ops;
	return 0;
}

static void rt_suite_exit(struct kunit_suite *suite)
{
	root_device_unregister(rt_dma_dev);
}

/* A test-managed buffer filled with @seed, @seed + 1, ... */
static u8 *rt_buf(struct kunit *test, size_t len, u8 seed)
{
	u8 *buf = kunit_kmalloc(test, len, GFP_KERNEL);
	size_t i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < len; i++)
		buf[i] = seed + i;
	return buf;
}

/* A scatterlist of @n pieces of @piece bytes each, over @buf. */
static struct scatterlist *rt_sgl(struct kunit *test, u8 *buf,
				  unsigned int n, unsigned int piece)
{
	struct scatterlist *sg = kunit_kcalloc(test, n, sizeof(*sg),
					       GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, sg);
	sg_init_table(sg, n);
	for (i = 0; i < n; i++)
		sg_set_buf(&sg[i], buf + i * piece, piece);
	return sg;
}

/* One single-piece out buffer with token @tok. */
static int rt_add_out(struct kunit *test, struct rt_ring *r, size_t len,
		      void *tok)
{
	struct scatterlist *sg = rt_sgl(test, rt_buf(test, len, 0), 1, len);

	return virtbus_vq_add_outbuf(r->vq, sg, 1, tok, GFP_KERNEL);
}

/* One in buffer of @n pieces of @piece bytes with token @tok. */
static int rt_add_in(struct kunit *test, struct rt_ring *r, unsigned int n,
		     unsigned int piece, void *tok)
{
	struct scatterlist *sg = rt_sgl(test, rt_buf(test, n * piece, 0), n,
					piece);

	return virtbus_vq_add_inbuf(r->vq, sg, n, tok, GFP_KERNEL);
}

/* Device side. */

static u16 rt_avail_idx(struct rt_ring *r)
{
	return le16_to_cpu(READ_ONCE(r->avail->idx));
}

static u16 rt_avail_flags(struct rt_ring *r)
{
	return le16_to_cpu(READ_ONCE(r->avail->flags));
}

/* The driver's used_event, after the available ring. */
static u16 rt_used_event(struct rt_ring *r)
{
	return le16_to_cpu(READ_ONCE(r->avail->ring[r->num]));
}

/* The device's avail_event, after the used ring. */
static void rt_set_avail_event(struct rt_ring *r, u16 event)
{
	__le16 *p = (__le16 *)&r->used->ring[r->num];

	WRITE_ONCE(*p, cpu_to_le16(event));
}

static void rt_set_used_flags(struct rt_ring *r, u16 flags)
{
	WRITE_ONCE(r->used->flags, cpu_to_le16(flags));
}

/* Take the next available head; false if there is none. */
static bool rt_pop(struct rt_ring *r, u16 *head)
{
	if (r->last_avail == rt_avail_idx(r))
		return false;
	/* The entry was published by the index just read. */
	rmb();
	*head = le16_to_cpu(READ_ONCE(r->avail->ring[r->last_avail &
						     (r->num - 1)]));
	r->last_avail++;
	return true;
}

static u16 rt_pop_one(struct kunit *test, struct rt_ring *r)
{
	u16 head = 0xffff;

	KUNIT_ASSERT_TRUE(test, rt_pop(r, &head));
	KUNIT_ASSERT_LT(test, head, (u16)r->num);
	return head;
}

/* Write a used element without publishing it. */
static void rt_put_used(struct rt_ring *r, u16 at, u32 id, u32 len)
{
	struct virtbus_ring_used_elem *e = &r->used->ring[at & (r->num - 1)];

	WRITE_ONCE(e->id, cpu_to_le32(id));
	WRITE_ONCE(e->len, cpu_to_le32(len));
}

static void rt_set_used_idx(struct rt_ring *r, u16 idx)
{
	/* Elements before the index that publishes them. */
	wmb();
	WRITE_ONCE(r->used->idx, cpu_to_le16(idx));
}

/* Return a buffer to the driver. */
static void rt_push(struct rt_ring *r, u32 id, u32 len)
{
	rt_put_used(r, r->used_idx, id, len);
	r->used_idx++;
	rt_set_used_idx(r, r->used_idx);
}

/*
 * Walk the chain at @head, through an indirect table if there is one,
 * checking what any device would: links stay in range and end, out
 * buffers come before in buffers, INDIRECT is never nested or combined.
 */
static void rt_walk(struct kunit *test, struct rt_ring *r, u16 head,
		    struct rt_chain *c)
{
	const struct virtbus_ring_desc *tbl = r->desc;
	unsigned int size = r->num, i = head;
	u16 flags;

	memset(c, 0, sizeof(*c));
	KUNIT_ASSERT_LT(test, head, (u16)r->num);
	flags = le16_to_cpu(r->desc[head].flags);
	if (flags & VIRTBUS_DESC_F_INDIRECT) {
		c->indirect = true;
		c->table_len = le32_to_cpu(r->desc[head].len);
		KUNIT_ASSERT_EQ(test, flags, (u16)VIRTBUS_DESC_F_INDIRECT);
		KUNIT_ASSERT_EQ(test, c->table_len % sizeof(*tbl), 0UL);
		KUNIT_ASSERT_GT(test, c->table_len, 0U);
		tbl = phys_to_virt(le64_to_cpu(r->desc[head].addr));
		size = c->table_len / sizeof(*tbl);
		i = 0;
	}
	for (;;) {
		const struct virtbus_ring_desc *d = &tbl[i];

		/* More links than entries: a loop. */
		KUNIT_ASSERT_LT(test, c->n, size);
		KUNIT_ASSERT_LT(test, c->n, (unsigned int)RT_MAX_SEGS);
		flags = le16_to_cpu(d->flags);
		KUNIT_ASSERT_FALSE(test, flags & VIRTBUS_DESC_F_INDIRECT);
		if (c->n && (c->flags[c->n - 1] & VIRTBUS_DESC_F_WRITE))
			KUNIT_ASSERT_TRUE_MSG(test,
					      flags & VIRTBUS_DESC_F_WRITE,
					      "out buffer after an in buffer");
		c->idx[c->n] = i;
		c->flags[c->n] = flags;
		c->len[c->n] = le32_to_cpu(d->len);
		c->va[c->n] = phys_to_virt(le64_to_cpu(d->addr));
		if (flags & VIRTBUS_DESC_F_WRITE)
			c->writable += c->len[c->n];
		c->n++;
		if (!(flags & VIRTBUS_DESC_F_NEXT))
			break;
		i = le16_to_cpu(d->next);
		KUNIT_ASSERT_LT(test, i, size);
	}
}

/* Write @len bytes @seed, @seed + 1, ... into the chain's in buffers. */
static u32 rt_write(const struct rt_chain *c, u32 len, u8 seed)
{
	u32 done = 0, k, j;

	for (k = 0; k < c->n && done < len; k++) {
		if (!(c->flags[k] & VIRTBUS_DESC_F_WRITE))
			continue;
		for (j = 0; j < c->len[k] && done < len; j++, done++)
			c->va[k][j] = seed + done;
	}
	return done;
}

/* Compare the chain's out bytes, in order, with @seed, @seed + 1, ... */
static bool rt_out_is(const struct rt_chain *c, u32 len, u8 seed)
{
	u32 done = 0, k, j;

	for (k = 0; k < c->n; k++) {
		if (c->flags[k] & VIRTBUS_DESC_F_WRITE)
			continue;
		for (j = 0; j < c->len[k]; j++, done++)
			if (c->va[k][j] != (u8)(seed + done))
				return false;
	}
	return done == len;
}

static bool rt_bytes_are(const u8 *p, size_t len, u8 seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (u8)(seed + i))
			return false;
	return true;
}

/* Detach every buffer; each of @want (a bitmap of tokens) exactly once. */
static void rt_detach_all(struct kunit *test, struct rt_ring *r,
			  unsigned long want)
{
	unsigned long seen = 0;
	unsigned int rounds = 0;
	void *t;

	while ((t = virtbus_vq_detach_unused_buf(r->vq))) {
		long i = (char *)t - rt_tokens;

		KUNIT_ASSERT_LT(test, rounds, r->num);
		rounds++;
		KUNIT_ASSERT_TRUE_MSG(test, i >= 0 && i < RT_NTOKENS,
				      "not a token: %p", t);
		KUNIT_EXPECT_TRUE_MSG(test, want & BIT(i),
				      "token %ld was not outstanding", i);
		KUNIT_EXPECT_FALSE_MSG(test, seen & BIT(i),
				       "token %ld returned twice", i);
		seen |= BIT(i);
	}
	KUNIT_EXPECT_EQ(test, seen, want);
	KUNIT_EXPECT_NULL(test, virtbus_vq_detach_unused_buf(r->vq));
	KUNIT_EXPECT_EQ(test, r->vq->num_free, r->num);
}

/* All @num descriptors are reachable again: @num single buffers fit. */
static void rt_check_free_list(struct kunit *test, struct rt_ring *r)
{
	unsigned long heads = 0;
	unsigned int i;
	u16 start, head;

	for (i = 0; i < r->num; i++)
		KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(i)), 0);
	KUNIT_EXPECT_EQ(test, rt_add_out(test, r, 4, TOK(0)), -ENOSPC);
	/* The driver writes the index from its own copy. */
	start = rt_avail_idx(r) - r->num;
	for (i = 0; i < r->num; i++) {
		head = le16_to_cpu(r->avail->ring[(u16)(start + i) &
						  (r->num - 1)]);
		KUNIT_ASSERT_LT(test, head, (u16)r->num);
		KUNIT_EXPECT_FALSE(test, heads & BIT(head));
		heads |= BIT(head);
	}
	rt_detach_all(test, r, GENMASK(r->num - 1, 0));
}

/* 1. Round trips. */

static void ring_outbuf(struct kunit *test)
{
	struct rt_ring *r = rt_new(test, 8, 0);
	u8 *buf = rt_buf(test, 100, 0x10);
	unsigned int len = 12345;
	struct scatterlist sg;
	struct rt_chain c;
	u16 head;

	sg_init_one(&sg, buf, 100);
	KUNIT_ASSERT_EQ(test, virtbus_vq_add_outbuf(r->vq, &sg, 1, TOK(0),
						    GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 7U);
	KUNIT_EXPECT_EQ(test, rt_avail_idx(r), (u16)1);
	rt_expect_live(test, 1);
	rt_expect_mapped(test, buf, DMA_TO_DEVICE);
	KUNIT_EXPECT_TRUE(test, virtbus_vq_kick(r->vq));
	KUNIT_EXPECT_EQ(test, rt_rd(test)->notifies, 1U);
	/* Nothing used yet. */
	KUNIT_EXPECT_NULL(test, virtbus_vq_get_buf(r->vq, &len));
	KUNIT_EXPECT_FALSE(test, virtbus_vq_more_used(r->vq));

	head = rt_pop_one(test, r);
	rt_walk(test, r, head, &c);
	KUNIT_EXPECT_FALSE(test, c.indirect);
	KUNIT_ASSERT_EQ(test, c.n, 1U);
	KUNIT_EXPECT_PTR_EQ(test, (void *)c.va[0], (void *)buf);
	KUNIT_EXPECT_EQ(test, c.len[0], 100U);
	KUNIT_EXPECT_EQ(test, c.flags[0], (u16)0);
	KUNIT_EXPECT_TRUE(test, rt_out_is(&c, 100, 0x10));

	rt_push(r, head, 0);
	KUNIT_EXPECT_TRUE(test, virtbus_vq_more_used(r->vq));
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(0));
	KUNIT_EXPECT_EQ(test, len, 0U);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 8U);
	rt_expect_live(test, 0);
	KUNIT_EXPECT_NULL(test, virtbus_vq_get_buf(r->vq, &len));
	KUNIT_EXPECT_FALSE(test, virtbus_vq_more_used(r->vq));
	KUNIT_EXPECT_FALSE(test, virtbus_vq_is_broken(r->vq));
}

static void ring_inbuf(struct kunit *test)
{
	struct rt_ring *r = rt_new(test, 8, 0);
	u8 *buf = rt_buf(test, 64, 0);
	struct scatterlist *sg;
	unsigned int len = 0;
	struct rt_chain c;
	u16 head;

	memset(buf, 0, 64);
	sg = rt_sgl(test, buf, 2, 32);
	KUNIT_ASSERT_EQ(test, virtbus_vq_add_inbuf(r->vq, sg, 2, TOK(1),
						   GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 6U);

	head = rt_pop_one(test, r);
	rt_walk(test, r, head, &c);
	KUNIT_ASSERT_EQ(test, c.n, 2U);
	KUNIT_EXPECT_EQ(test, c.idx[0], head);
	KUNIT_EXPECT_PTR_EQ(test, (void *)c.va[0], (void *)buf);
	KUNIT_EXPECT_PTR_EQ(test, (void *)c.va[1], (void *)(buf + 32));
	KUNIT_EXPECT_EQ(test, c.len[0], 32U);
	KUNIT_EXPECT_EQ(test, c.len[1], 32U);
	KUNIT_EXPECT_EQ(test, c.flags[0],
			(u16)(VIRTBUS_DESC_F_WRITE | VIRTBUS_DESC_F_NEXT));
	KUNIT_EXPECT_EQ(test, c.flags[1], (u16)VIRTBUS_DESC_F_WRITE);
	KUNIT_EXPECT_EQ(test, c.writable, 64U);

	/* The device writes fewer bytes than it could. */
	KUNIT_EXPECT_EQ(test, rt_write(&c, 40, 0x80), 40U);
	rt_push(r, head, 40);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(1));
	KUNIT_EXPECT_EQ(test, len, 40U);
	KUNIT_EXPECT_TRUE(test, rt_bytes_are(buf, 40, 0x80));
	KUNIT_EXPECT_EQ(test, buf[40], 0);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 8U);

	/* And exactly as many as it could. */
	sg = rt_sgl(test, buf, 2, 32);
	KUNIT_ASSERT_EQ(test, virtbus_vq_add_inbuf(r->vq, sg, 2, TOK(2),
						   GFP_KERNEL), 0);
	head = rt_pop_one(test, r);
	rt_walk(test, r, head, &c);
	KUNIT_EXPECT_EQ(test, rt_write(&c, 64, 0x40), 64U);
	rt_push(r, head, 64);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(2));
	KUNIT_EXPECT_EQ(test, len, 64U);
	KUNIT_EXPECT_TRUE(test, rt_bytes_are(buf, 64, 0x40));
	KUNIT_EXPECT_FALSE(test, virtbus_vq_is_broken(r->vq));
}

static void ring_add_sgs(struct kunit *test)
{
	struct rt_ring *r = rt_new(test, 8, 0);
	/* Out: a 16-byte header, then 2 x 24 payload; in: 32 data, 1 status. */
	u8 *hdr = rt_buf(test, 16 + 48, 0x20);
	u8 *in = rt_buf(test, 33, 0);
	struct scatterlist *sgs[4];
	unsigned int len = 0;
	struct rt_chain c;
	u16 head;

	memset(in, 0, 33);
	sgs[0] = rt_sgl(test, hdr, 1, 16);
	sgs[1] = rt_sgl(test, hdr + 16, 2, 24);
	sgs[2] = rt_sgl(test, in, 1, 32);
	sgs[3] = rt_sgl(test, in + 32, 1, 1);
	KUNIT_ASSERT_EQ(test, virtbus_vq_add_sgs(r->vq, sgs, 2, 2, TOK(3),
						 GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 3U);
	rt_expect_live(test, 5);
	rt_expect_mapped(test, hdr, DMA_TO_DEVICE);
	rt_expect_mapped(test, hdr + 40, DMA_TO_DEVICE);
	rt_expect_mapped(test, in, DMA_FROM_DEVICE);
	rt_expect_mapped(test, in + 32, DMA_FROM_DEVICE);

	head = rt_pop_one(test, r);
	rt_walk(test, r, head, &c);
	KUNIT_EXPECT_FALSE(test, c.indirect);
	KUNIT_ASSERT_EQ(test, c.n, 5U);
	KUNIT_EXPECT_PTR_EQ(test, (void *)c.va[0], (void *)hdr);
	KUNIT_EXPECT_PTR_EQ(test, (void *)c.va[1], (void *)(hdr + 16));
	KUNIT_EXPECT_PTR_EQ(test, (void *)c.va[2], (void *)(hdr + 40));
	KUNIT_EXPECT_PTR_EQ(test, (void *)c.va[3], (void *)in);
	KUNIT_EXPECT_PTR_EQ(test, (void *)c.va[4], (void *)(in + 32));
	KUNIT_EXPECT_EQ(test, c.len[0], 16U);
	KUNIT_EXPECT_EQ(test, c.len[1], 24U);
	KUNIT_EXPECT_EQ(test, c.len[2], 24U);
	KUNIT_EXPECT_EQ(test, c.len[3], 32U);
	KUNIT_EXPECT_EQ(test, c.len[4], 1U);
	KUNIT_EXPECT_EQ(test, c.flags[0], (u16)VIRTBUS_DESC_F_NEXT);
	KUNIT_EXPECT_EQ(test, c.flags[1], (u16)VIRTBUS_DESC_F_NEXT);
	KUNIT_EXPECT_EQ(test, c.flags[2], (u16)VIRTBUS_DESC_F_NEXT);
	KUNIT_EXPECT_EQ(test, c.flags[3],
			(u16)(VIRTBUS_DESC_F_NEXT | VIRTBUS_DESC_F_WRITE));
	KUNIT_EXPECT_EQ(test, c.flags[4], (u16)VIRTBUS_DESC_F_WRITE);
	KUNIT_EXPECT_TRUE(test, rt_out_is(&c, 64, 0x20));

	KUNIT_EXPECT_EQ(test, rt_write(&c, 33, 0x90), 33U);
	rt_push(r, head, 33);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(3));
	KUNIT_EXPECT_EQ(test, len, 33U);
	KUNIT_EXPECT_TRUE(test, rt_bytes_are(in, 33, 0x90));
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 8U);
	rt_expect_live(test, 0);
}

/* Buffers come back in the order the device used them, not added them. */
static void ring_out_of_order(struct kunit *test)
{
	struct rt_ring *r = rt_new(test, 8, 0);
	unsigned int len = 0;
	u16 ha, hb, hc;

	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 8, TOK(0)), 0);
	KUNIT_ASSERT_EQ(test, rt_add_in(test, r, 3, 8, TOK(1)), 0);
	KUNIT_ASSERT_EQ(test, rt_add_in(test, r, 1, 8, TOK(2)), 0);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 3U);
	ha = rt_pop_one(test, r);
	hb = rt_pop_one(test, r);
	hc = rt_pop_one(test, r);
	KUNIT_EXPECT_NE(test, ha, hb);
	KUNIT_EXPECT_NE(test, hb, hc);
	KUNIT_EXPECT_NE(test, ha, hc);

	rt_push(r, hc, 8);
	rt_push(r, ha, 0);
	rt_push(r, hb, 24);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(2));
	KUNIT_EXPECT_EQ(test, len, 8U);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(0));
	KUNIT_EXPECT_EQ(test, len, 0U);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(1));
	KUNIT_EXPECT_EQ(test, len, 24U);
	KUNIT_EXPECT_NULL(test, virtbus_vq_get_buf(r->vq, &len));
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 8U);
	KUNIT_EXPECT_FALSE(test, virtbus_vq_is_broken(r->vq));
}

static void ring_bad_requests(struct kunit *test)
{
	struct rt_ring *r = rt_new(test, 8, 0);
	u8 *buf = rt_buf(test, 16, 0);
	struct scatterlist *sg = rt_sgl(test, buf, 2, 8);
	struct scatterlist *sgs[2] = { sg, sg };

	KUNIT_EXPECT_EQ(test, virtbus_vq_add_outbuf(r->vq, sg, 2, NULL,
						    GFP_KERNEL), -EINVAL);
	KUNIT_EXPECT_EQ(test, virtbus_vq_add_sgs(r->vq, sgs, 0, 0, TOK(0),
						 GFP_KERNEL), -EINVAL);
	/* @num larger than the list. */
	KUNIT_EXPECT_EQ(test, virtbus_vq_add_outbuf(r->vq, sg, 3, TOK(0),
						    GFP_KERNEL), -EINVAL);
	KUNIT_EXPECT_EQ(test, virtbus_vq_add_inbuf(r->vq, sg, 3, TOK(0),
						   GFP_KERNEL), -EINVAL);
	/* No pieces at all. */
	KUNIT_EXPECT_EQ(test, virtbus_vq_add_outbuf(r->vq, sg, 0, TOK(0),
						    GFP_KERNEL), -EINVAL);
	KUNIT_EXPECT_EQ(test, virtbus_vq_add_inbuf(r->vq, sg, 0, TOK(0),
						   GFP_KERNEL), -EINVAL);
	/* More pieces than any ring or table may describe. */
	sg = rt_sgl(test, buf, VIRTBUS_RING_MAX_SIZE + 1, 0);
	KUNIT_EXPECT_EQ(test, virtbus_vq_add_inbuf(r->vq, sg,
						   VIRTBUS_RING_MAX_SIZE + 1,
						   TOK(0), GFP_KERNEL), -EINVAL);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 8U);
	KUNIT_EXPECT_EQ(test, rt_avail_idx(r), (u16)0);
	KUNIT_EXPECT_FALSE(test, virtbus_vq_is_broken(r->vq));
	KUNIT_EXPECT_NULL(test, virtbus_vq_detach_unused_buf(r->vq));
}

/*
 * A chain may hold up to U32_MAX bytes (the specification stops at 2^32,
 * and the writable part must fit a used length); one more is refused
 * before anything is mapped. The pieces are gigabytes long: mapping them
 * touches nothing, and this device never does either.
 */
static void rt_in_len_limit(struct kunit *test, struct rt_ring *r)
{
	u8 *buf = rt_buf(test, 8, 0);
	struct scatterlist *sg = rt_sgl(test, buf, 2, 4);
	struct scatterlist *sgs[2];
	unsigned int maps;

	sg_set_page(&sg[0], virt_to_page(buf), 0x80000000U,
		    offset_in_page(buf));
	sg_set_page(&sg[1], virt_to_page(buf), 0x7fffffffU,
		    offset_in_page(buf));
	KUNIT_EXPECT_EQ(test, virtbus_vq_add_inbuf(r->vq, sg, 2, TOK(0),
						   GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, rt_avail_idx(r), (u16)1);
	rt_detach_all(test, r, BIT(0));
	/* Detaching leaves the ring to the (reset) device. */
	KUNIT_EXPECT_EQ(test, rt_avail_idx(r), (u16)1);

	sg_set_page(&sg[1], virt_to_page(buf), 0x80000000U,
		    offset_in_page(buf));
	maps = rt_dma.maps;
	KUNIT_EXPECT_EQ(test, virtbus_vq_add_inbuf(r->vq, sg, 2, TOK(1),
						   GFP_KERNEL), -EINVAL);

	/* The limit is on the whole chain, read and written parts alike. */
	sgs[0] = rt_sgl(test, buf, 1, 4);
	sgs[1] = rt_sgl(test, buf + 4, 1, 4);
	sg_set_page(sgs[0], virt_to_page(buf), 0x80000000U,
		    offset_in_page(buf));
	sg_set_page(sgs[1], virt_to_page(buf), 0x80000000U,
		    offset_in_page(buf));
	KUNIT_EXPECT_EQ(test, virtbus_vq_add_sgs(r->vq, sgs, 1, 1, TOK(2),
						 GFP_KERNEL), -EINVAL);
	/* Refused before anything was mapped or published. */
	KUNIT_EXPECT_EQ(test, rt_dma.maps, maps);
	rt_expect_live(test, 0);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, r->num);
	KUNIT_EXPECT_EQ(test, rt_avail_idx(r), (u16)1);
	KUNIT_EXPECT_NULL(test, virtbus_vq_detach_unused_buf(r->vq));

	sg_set_page(sgs[1], virt_to_page(buf), 0x7fffffffU,
		    offset_in_page(buf));
	KUNIT_EXPECT_EQ(test, virtbus_vq_add_sgs(r->vq, sgs, 1, 1, TOK(3),
						 GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, rt_avail_idx(r), (u16)2);
	rt_detach_all(test, r, BIT(3));
	KUNIT_EXPECT_FALSE(test, virtbus_vq_is_broken(r->vq));
	rt_check_free_list(test, r);
}

static void ring_in_len_limit(struct kunit *test)
{
	rt_in_len_limit(test, rt_new(test, 8, 0));
	rt_in_len_limit(test, rt_new(test, 8, F_INDIRECT));
}

/* 2. A full ring. */

static void ring_full(struct kunit *test)
{
	struct rt_ring *r = rt_new(test, 8, 0);
	unsigned int i, len;
	u16 head;

	for (i = 0; i < 8; i++)
		KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(i)), 0);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 0U);
	KUNIT_EXPECT_EQ(test, rt_add_out(test, r, 4, TOK(8)), -ENOSPC);
	KUNIT_EXPECT_EQ(test, rt_add_in(test, r, 2, 4, TOK(8)), -ENOSPC);
	KUNIT_EXPECT_EQ(test, rt_avail_idx(r), (u16)8);

	/* One back: room for one descriptor, not two. */
	head = rt_pop_one(test, r);
	rt_push(r, head, 0);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(0));
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 1U);
	KUNIT_EXPECT_EQ(test, rt_add_in(test, r, 2, 4, TOK(8)), -ENOSPC);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 1U);
	KUNIT_EXPECT_EQ(test, rt_add_out(test, r, 4, TOK(8)), 0);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 0U);
	KUNIT_EXPECT_EQ(test, rt_avail_idx(r), (u16)9);

	/* All back, in the order added. */
	for (i = 1; i < 9; i++) {
		head = rt_pop_one(test, r);
		rt_push(r, head, 0);
		KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len),
				    TOK(i));
	}
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 8U);

	/* Chains count by descriptor. */
	KUNIT_EXPECT_EQ(test, rt_add_in(test, r, 3, 4, TOK(10)), 0);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 5U);
	KUNIT_EXPECT_EQ(test, rt_add_in(test, r, 5, 4, TOK(11)), 0);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 0U);
	head = rt_pop_one(test, r);
	rt_push(r, head, 12);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(10));
	KUNIT_EXPECT_EQ(test, len, 12U);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 3U);
	KUNIT_EXPECT_EQ(test, rt_add_in(test, r, 4, 4, TOK(12)), -ENOSPC);
	KUNIT_EXPECT_EQ(test, rt_add_in(test, r, 3, 4, TOK(12)), 0);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 0U);
	head = rt_pop_one(test, r);
	rt_push(r, head, 20);
	head = rt_pop_one(test, r);
	rt_push(r, head, 1);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(11));
	KUNIT_EXPECT_EQ(test, len, 20U);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(12));
	KUNIT_EXPECT_EQ(test, len, 1U);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 8U);

	/* More pieces than the ring can never fit: no use waiting. */
	KUNIT_EXPECT_EQ(test, rt_add_in(test, r, 9, 4, TOK(13)), -EINVAL);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 8U);
	KUNIT_EXPECT_FALSE(test, virtbus_vq_is_broken(r->vq));
}

static void ring_full_indirect(struct kunit *test)
{
	struct rt_ring *r = rt_new(test, 4, F_INDIRECT);
	unsigned int i, len;
	u16 head;

	for (i = 0; i < 4; i++)
		KUNIT_ASSERT_EQ(test, rt_add_in(test, r, 3, 4, TOK(i)), 0);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 0U);
	KUNIT_EXPECT_EQ(test, rt_add_in(test, r, 3, 4, TOK(4)), -ENOSPC);
	KUNIT_EXPECT_EQ(test, rt_add_out(test, r, 4, TOK(4)), -ENOSPC);
	head = rt_pop_one(test, r);
	rt_push(r, head, 12);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(0));
	KUNIT_EXPECT_EQ(test, len, 12U);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 1U);
	KUNIT_EXPECT_EQ(test, rt_add_in(test, r, 4, 4, TOK(4)), 0);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 0U);
}

/* 3. Wraparound of the ring and of the 16-bit indexes. */

static void ring_wrap_round(struct kunit *test, struct rt_ring *r,
			    struct scatterlist *out, struct scatterlist *in,
			    bool event)
{
	struct scatterlist *sgs[1] = { in };
	unsigned int len = 0;
	struct rt_chain c;
	u16 ha, hb;

	KUNIT_ASSERT_EQ(test, virtbus_vq_add_outbuf(r->vq, out, 1, TOK(0),
						    GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, virtbus_vq_add_sgs(r->vq, sgs, 0, 1, TOK(1),
						 GFP_KERNEL), 0);
	/* The device wants to hear of the first new entry. */
	if (event)
		rt_set_avail_event(r, r->last_avail);
	KUNIT_ASSERT_TRUE(test, virtbus_vq_kick(r->vq));
	/* Nothing new since: no notification. */
	if (event)
		KUNIT_ASSERT_FALSE(test, virtbus_vq_kick_prepare(r->vq));

	KUNIT_ASSERT_TRUE(test, rt_pop(r, &ha));
	KUNIT_ASSERT_TRUE(test, rt_pop(r, &hb));
	rt_walk(test, r, hb, &c);
	KUNIT_ASSERT_EQ(test, c.n, 2U);
	KUNIT_ASSERT_EQ(test, c.writable, 8U);
	c.va[0][0] = (u8)r->used_idx;
	rt_push(r, hb, 1);
	rt_push(r, ha, 0);

	KUNIT_ASSERT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(1));
	KUNIT_ASSERT_EQ(test, len, 1U);
	if (event)
		KUNIT_ASSERT_EQ(test, rt_used_event(r),
				(u16)(r->used_idx - 1));
	KUNIT_ASSERT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(0));
	KUNIT_ASSERT_EQ(test, len, 0U);
	if (event)
		KUNIT_ASSERT_EQ(test, rt_used_event(r), r->used_idx);
	KUNIT_ASSERT_EQ(test, r->vq->num_free, 4U);
}

/*
 * Rounds of two buffers on a ring of 4, used in the opposite order, until
 * both 16-bit indexes have wrapped: an out buffer and a two-piece in
 * buffer (a chain, or with @features INDIRECT a table).
 */
static void rt_wrap(struct kunit *test, u64 features)
{
	struct rt_ring *r = rt_new(test, 4, features);
	bool event = features & F_EVENT_IDX;
	u8 *obuf = rt_buf(test, 4, 0), *ibuf = rt_buf(test, 8, 0);
	struct scatterlist *out = rt_sgl(test, obuf, 1, 4);
	struct scatterlist *in = rt_sgl(test, ibuf, 2, 4);
	unsigned int round;

	for (round = 0; round < RT_WRAP_ROUNDS; round++) {
		ring_wrap_round(test, r, out, in, event);
		if (ibuf[0] != (u8)(2 * round)) {
			KUNIT_FAIL(test, "round %u: data did not arrive", round);
			break;
		}
	}
	KUNIT_EXPECT_GT(test, 2U * RT_WRAP_ROUNDS, 65536U);
	KUNIT_EXPECT_EQ(test, rt_rd(test)->notifies,
			(unsigned int)RT_WRAP_ROUNDS);
	KUNIT_EXPECT_EQ(test, rt_avail_idx(r), (u16)RT_WRAP_IDX);
	KUNIT_EXPECT_EQ(test, r->used_idx, (u16)RT_WRAP_IDX);
	if (event)
		KUNIT_EXPECT_EQ(test, rt_used_event(r), (u16)RT_WRAP_IDX);
	KUNIT_EXPECT_FALSE(test, virtbus_vq_is_broken(r->vq));
	KUNIT_EXPECT_NULL(test, virtbus_vq_detach_unused_buf(r->vq));
}

static void ring_wraparound(struct kunit *test)
{
	rt_wrap(test, F_EVENT_IDX);
}

static void ring_wraparound_indirect(struct kunit *test)
{
	rt_wrap(test, F_INDIRECT);
}

/* 65535 entries without a kick: the queue kicks by itself. */
static void ring_autokick(struct kunit *test)
{
	struct rt_ring *r = rt_new(test, 4, 0);
	struct scatterlist *sg = rt_sgl(test, rt_buf(test, 4, 0), 1, 4);
	unsigned int n, len;
	u16 h;

	for (n = 1; n < U16_MAX; n++) {
		KUNIT_ASSERT_EQ(test, virtbus_vq_add_outbuf(r->vq, sg, 1,
							    TOK(0),
							    GFP_KERNEL), 0);
		KUNIT_ASSERT_TRUE(test, rt_pop(r, &h));
		rt_push(r, h, 0);
		KUNIT_ASSERT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len),
				    TOK(0));
	}
	KUNIT_EXPECT_EQ(test, rt_rd(test)->notifies, 0U);
	KUNIT_ASSERT_EQ(test, virtbus_vq_add_outbuf(r->vq, sg, 1, TOK(0),
						    GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, rt_rd(test)->notifies, 1U);
	KUNIT_EXPECT_EQ(test, rt_avail_idx(r), (u16)U16_MAX);
}

/* 4. Indirect descriptors. */

static void ring_indirect(struct kunit *test)
{
	struct rt_ring *r = rt_new(test, 8, F_INDIRECT);
	u8 *out = rt_buf(test, 48, 0x30), *in = rt_buf(test, 4, 0);
	struct virtbus_ring_desc *tbl;
	struct scatterlist *sgs[2];
	unsigned int len = 0;
	struct rt_chain c;
	u16 head;

	sgs[0] = rt_sgl(test, out, 2, 24);
	sgs[1] = rt_sgl(test, in, 1, 4);
	KUNIT_ASSERT_EQ(test, virtbus_vq_add_sgs(r->vq, sgs, 1, 1, TOK(0),
						 GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 7U);

	head = rt_pop_one(test, r);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(r->desc[head].flags),
			(u16)VIRTBUS_DESC_F_INDIRECT);
	rt_walk(test, r, head, &c);
	KUNIT_EXPECT_TRUE(test, c.indirect);
	KUNIT_EXPECT_EQ(test, c.table_len, 3U * 16);
	KUNIT_ASSERT_EQ(test, c.n, 3U);
	KUNIT_EXPECT_EQ(test, c.idx[0], (u16)0);
	KUNIT_EXPECT_EQ(test, c.idx[1], (u16)1);
	KUNIT_EXPECT_EQ(test, c.idx[2], (u16)2);
	KUNIT_EXPECT_EQ(test, c.flags[0], (u16)VIRTBUS_DESC_F_NEXT);
	KUNIT_EXPECT_EQ(test, c.flags[1], (u16)VIRTBUS_DESC_F_NEXT);
	KUNIT_EXPECT_EQ(test, c.flags[2], (u16)VIRTBUS_DESC_F_WRITE);
	KUNIT_EXPECT_PTR_EQ(test, (void *)c.va[0], (void *)out);
	KUNIT_EXPECT_PTR_EQ(test, (void *)c.va[1], (void *)(out + 24));
	KUNIT_EXPECT_PTR_EQ(test, (void *)c.va[2], (void *)in);
	KUNIT_EXPECT_EQ(test, c.len[0], 24U);
	KUNIT_EXPECT_EQ(test, c.len[2], 4U);
	KUNIT_EXPECT_TRUE(test, rt_out_is(&c, 48, 0x30));
	/* The table itself is what the ring descriptor points at. */
	tbl = phys_to_virt(le64_to_cpu(r->desc[head].addr));
	KUNIT_EXPECT_EQ(test, le16_to_cpu(tbl[0].next), (u16)1);
	/* Three pieces and the table, which the device only reads. */
	rt_expect_live(test, 4);
	rt_expect_mapped(test, tbl, DMA_TO_DEVICE);
	rt_expect_mapped(test, in, DMA_FROM_DEVICE);

	rt_write(&c, 4, 0xa0);
	rt_push(r, head, 4);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(0));
	KUNIT_EXPECT_EQ(test, len, 4U);
	KUNIT_EXPECT_TRUE(test, rt_bytes_are(in, 4, 0xa0));
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 8U);
	rt_expect_live(test, 0);

	/* A single piece needs no table. */
	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(1)), 0);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 7U);
	head = rt_pop_one(test, r);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(r->desc[head].flags), (u16)0);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(r->desc[head].len), 4U);
	rt_push(r, head, 0);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(1));
	KUNIT_EXPECT_FALSE(test, virtbus_vq_is_broken(r->vq));
}

/*
 * A chain may be as long as the ring, through a table too, where it then
 * takes a single free descriptor; never longer (virtio 1.1, 2.6.5.3.1).
 */
static void ring_chain_limit(struct kunit *test)
{
	struct rt_ring *r = rt_new(test, 4, F_INDIRECT);
	struct rt_ring *d = rt_new(test, 4, 0);
	u8 *in = rt_buf(test, 5 * 8, 0);
	unsigned int len = 0, k;
	struct rt_chain c;
	u16 head;

	memset(in, 0, 5 * 8);
	for (k = 0; k < 3; k++) {
		KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(k)), 0);
		rt_pop_one(test, r);
	}
	KUNIT_ASSERT_EQ(test, virtbus_vq_add_inbuf(r->vq, rt_sgl(test, in, 4, 8),
						   4, TOK(3), GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 0U);
	head = rt_pop_one(test, r);
	rt_walk(test, r, head, &c);
	KUNIT_EXPECT_TRUE(test, c.indirect);
	KUNIT_EXPECT_EQ(test, c.table_len, 4U * 16);
	KUNIT_ASSERT_EQ(test, c.n, 4U);
	for (k = 0; k < 4; k++)
		KUNIT_EXPECT_PTR_EQ(test, (void *)c.va[k],
				    (void *)(in + 8 * k));
	KUNIT_EXPECT_EQ(test, c.writable, 32U);
	rt_write(&c, 32, 1);
	rt_push(r, head, 32);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(3));
	KUNIT_EXPECT_EQ(test, len, 32U);
	KUNIT_EXPECT_TRUE(test, rt_bytes_are(in, 32, 1));
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 1U);

	/* Five pieces are too many for a ring of four, table or not. */
	KUNIT_EXPECT_EQ(test, virtbus_vq_add_inbuf(r->vq, rt_sgl(test, in, 5, 8),
						   5, TOK(4), GFP_KERNEL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, virtbus_vq_add_inbuf(d->vq, rt_sgl(test, in, 5, 8),
						   5, TOK(4), GFP_KERNEL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 1U);
	KUNIT_EXPECT_EQ(test, d->vq->num_free, 4U);
	/* Four direct pieces fill the ring. */
	KUNIT_EXPECT_EQ(test, virtbus_vq_add_inbuf(d->vq, rt_sgl(test, in, 4, 8),
						   4, TOK(5), GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, d->vq->num_free, 0U);
	rt_expect_live(test, 3 + 4);
	rt_detach_all(test, d, BIT(5));
	rt_detach_all(test, r, BIT(0) | BIT(1) | BIT(2));
}

/* A buffer is the first @num entries of the list; the list may go on. */
static void ring_add_num(struct kunit *test)
{
	struct rt_ring *r = rt_new(test, 8, 0);
	u8 *buf = rt_buf(test, 4 * 8, 0x40);
	struct scatterlist *sg = rt_sgl(test, buf, 4, 8);
	unsigned int len = 0;
	struct rt_chain c;
	u16 head;

	KUNIT_ASSERT_EQ(test, virtbus_vq_add_outbuf(r->vq, sg, 2, TOK(0),
						    GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 6U);
	head = rt_pop_one(test, r);
	rt_walk(test, r, head, &c);
	KUNIT_ASSERT_EQ(test, c.n, 2U);
	KUNIT_EXPECT_EQ(test, c.flags[1], (u16)0);
	KUNIT_EXPECT_TRUE(test, rt_out_is(&c, 16, 0x40));
	rt_push(r, head, 0);
	/* A driver that does not care for the length. */
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, NULL), TOK(0));

	KUNIT_ASSERT_EQ(test, virtbus_vq_add_inbuf(r->vq, sg, 3, TOK(1),
						   GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 5U);
	head = rt_pop_one(test, r);
	rt_walk(test, r, head, &c);
	KUNIT_ASSERT_EQ(test, c.n, 3U);
	KUNIT_EXPECT_EQ(test, c.writable, 24U);
	rt_push(r, head, 24);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(1));
	KUNIT_EXPECT_EQ(test, len, 24U);

	/* More entries than the list has. */
	KUNIT_EXPECT_EQ(test, virtbus_vq_add_inbuf(r->vq, sg, 5, TOK(2),
						   GFP_KERNEL), -EINVAL);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 8U);
	rt_expect_live(test, 0);
}

static void ring_no_indirect_chain(struct kunit *test)
{
	struct rt_ring *r = rt_new(test, 8, 0);
	u8 *out = rt_buf(test, 48, 0x30), *in = rt_buf(test, 4, 0);
	struct scatterlist *sgs[2];
	unsigned int len = 0, k;
	struct rt_chain c;
	u16 head;

	sgs[0] = rt_sgl(test, out, 2, 24);
	sgs[1] = rt_sgl(test, in, 1, 4);
	KUNIT_ASSERT_EQ(test, virtbus_vq_add_sgs(r->vq, sgs, 1, 1, TOK(0),
						 GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 5U);
	head = rt_pop_one(test, r);
	rt_walk(test, r, head, &c);
	KUNIT_EXPECT_FALSE(test, c.indirect);
	KUNIT_ASSERT_EQ(test, c.n, 3U);
	for (k = 0; k < 3; k++)
		KUNIT_EXPECT_FALSE(test, c.flags[k] & VIRTBUS_DESC_F_INDIRECT);
	/* Three distinct ring descriptors. */
	KUNIT_EXPECT_NE(test, c.idx[0], c.idx[1]);
	KUNIT_EXPECT_NE(test, c.idx[1], c.idx[2]);
	KUNIT_EXPECT_NE(test, c.idx[0], c.idx[2]);
	KUNIT_EXPECT_EQ(test, c.flags[2], (u16)VIRTBUS_DESC_F_WRITE);
	KUNIT_EXPECT_TRUE(test, rt_out_is(&c, 48, 0x30));
	rt_push(r, head, 4);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(0));
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 8U);
}

/*
 * The @fail_in-th mapping of a three-piece buffer (the fourth: its table)
 * fails: the add fails, everything mapped is unmapped, nothing leaks, and
 * the ring is as before.
 */
static void rt_map_error(struct kunit *test, u64 features,
			 unsigned int fail_in)
{
	struct rt_ring *r = rt_new(test, 8, features);
	unsigned int maps = rt_dma.maps;

	rt_dma.fail_in = fail_in;
	KUNIT_EXPECT_EQ(test, rt_add_in(test, r, 3, 4, TOK(0)), -ENOMEM);
	KUNIT_EXPECT_EQ(test, rt_dma.fail_in, 0U);
	KUNIT_EXPECT_EQ(test, rt_dma.maps, maps + fail_in - 1);
	rt_expect_live(test, 0);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 8U);
	KUNIT_EXPECT_EQ(test, rt_avail_idx(r), (u16)0);
	KUNIT_EXPECT_FALSE(test, virtbus_vq_is_broken(r->vq));
	KUNIT_EXPECT_NULL(test, virtbus_vq_detach_unused_buf(r->vq));
	rt_check_free_list(test, r);
}

static void ring_map_error(struct kunit *test)
{
	unsigned int k;

	if (!rt_dma_recorded)
		kunit_skip(test, "no test DMA operations on this kernel");
	for (k = 1; k <= 3; k++)
		rt_map_error(test, 0, k);
	KUNIT_EXPECT_EQ(test, rt_dma.bad_unmaps, 0U);
}

static void ring_map_error_indirect(struct kunit *test)
{
	unsigned int k;

	if (!rt_dma_recorded)
		kunit_skip(test, "no test DMA operations on this kernel");
	for (k = 1; k <= 4; k++)
		rt_map_error(test, F_INDIRECT, k);
	KUNIT_EXPECT_EQ(test, rt_dma.bad_unmaps, 0U);
}

/* 5. Event index. */

static void ring_need_event(struct kunit *test)
{
	static const struct {
		u16 event, new, old;
		int want;
	} t[] = {
		/* True iff new passed event: old <= event < new. */
		{ 0, 1, 0, 1 },
		{ 4, 6, 4, 1 },
		{ 5, 6, 4, 1 },
		{ 6, 6, 4, 0 },
		{ 3, 6, 4, 0 },
		{ 7, 6, 4, 0 },
		{ 5, 5, 5, 0 },
		{ 100, 200, 100, 1 },
		{ 199, 200, 100, 1 },
		{ 99, 200, 100, 0 },
		/* Across the 16-bit wrap. */
		{ 0xfffe, 1, 0xfffe, 1 },
		{ 0xffff, 1, 0xfffe, 1 },
		{ 0, 1, 0xfffe, 1 },
		{ 1, 1, 0xfffe, 0 },
		{ 0xfffd, 1, 0xfffe, 0 },
		{ 0xffff, 0, 0xffff, 1 },
		{ 0, 0, 0xffff, 0 },
		/* The whole index space crossed but one. */
		{ 0x8000, 0xffff, 0, 1 },
		{ 0xffff, 0xffff, 0, 0 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t); i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    !!virtbus_ring_need_event(t[i].event,
							      t[i].new,
							      t[i].old),
				    t[i].want,
				    "event %#x new %#x old %#x", t[i].event,
				    t[i].new, t[i].old);
}

static void ring_event_idx_kick(struct kunit *test)
{
	struct rt_ring *r = rt_new(test, 8, F_EVENT_IDX);
	struct rt_dev *rd = rt_rd(test);

	/* avail_event 0: the first entry is wanted. */
	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(0)), 0);
	KUNIT_EXPECT_TRUE(test, virtbus_vq_kick_prepare(r->vq));

	/* The device wants to hear when the index moves past 5: 1 -> 2 no. */
	rt_set_avail_event(r, 5);
	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(1)), 0);
	KUNIT_EXPECT_FALSE(test, virtbus_vq_kick_prepare(r->vq));
	/* 2 -> 5 does not pass it either; not notifying is no failure. */
	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(2)), 0);
	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(3)), 0);
	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(4)), 0);
	KUNIT_EXPECT_TRUE(test, virtbus_vq_kick(r->vq));
	KUNIT_EXPECT_EQ(test, rd->notifies, 0U);
	/* 5 -> 6 does. */
	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(5)), 0);
	KUNIT_EXPECT_TRUE(test, virtbus_vq_kick(r->vq));
	KUNIT_EXPECT_EQ(test, rd->notifies, 1U);
	/* Several entries at once, event inside the batch: 6 -> 8. */
	rt_set_avail_event(r, 7);
	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(6)), 0);
	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(7)), 0);
	/* With EVENT_IDX the NO_NOTIFY flag means nothing. */
	rt_set_used_flags(r, VIRTBUS_USED_F_NO_NOTIFY);
	KUNIT_EXPECT_TRUE(test, virtbus_vq_kick(r->vq));
	KUNIT_EXPECT_EQ(test, rd->notifies, 2U);
	/* No new entries: no notification. */
	KUNIT_EXPECT_FALSE(test, virtbus_vq_kick_prepare(r->vq));
}

static void ring_event_idx_used_event(struct kunit *test)
{
	struct rt_ring *r = rt_new(test, 8, F_EVENT_IDX);
	unsigned int i, len;
	u16 h[4];

	for (i = 0; i < 4; i++) {
		KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(i)), 0);
		h[i] = rt_pop_one(test, r);
	}
	KUNIT_EXPECT_EQ(test, rt_used_event(r), (u16)0);
	rt_push(r, h[0], 0);
	rt_push(r, h[1], 0);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(0));
	KUNIT_EXPECT_EQ(test, rt_used_event(r), (u16)1);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(1));
	KUNIT_EXPECT_EQ(test, rt_used_event(r), (u16)2);

	/*
	 * Disabled: the entry just behind, the last one the device reaches;
	 * the flags stay 0.
	 */
	virtbus_vq_disable_cb(r->vq);
	KUNIT_EXPECT_EQ(test, rt_used_event(r), (u16)1);
	KUNIT_EXPECT_FALSE(test, virtbus_ring_need_event(rt_used_event(r),
							 2 + 8, 2));
	KUNIT_EXPECT_EQ(test, rt_avail_flags(r), (u16)0);
	rt_push(r, h[2], 0);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(2));
	/* get_buf leaves it alone while callbacks are off. */
	KUNIT_EXPECT_EQ(test, rt_used_event(r), (u16)1);

	KUNIT_EXPECT_TRUE(test, virtbus_vq_enable_cb(r->vq));
	KUNIT_EXPECT_EQ(test, rt_used_event(r), (u16)3);
	KUNIT_EXPECT_EQ(test, rt_avail_flags(r), (u16)0);

	/* Used meanwhile: enable_cb says so. */
	virtbus_vq_disable_cb(r->vq);
	rt_push(r, h[3], 0);
	KUNIT_EXPECT_FALSE(test, virtbus_vq_enable_cb(r->vq));
	KUNIT_EXPECT_EQ(test, rt_used_event(r), (u16)3);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(3));
	KUNIT_EXPECT_EQ(test, rt_used_event(r), (u16)4);
	KUNIT_EXPECT_TRUE(test, virtbus_vq_enable_cb(r->vq));
}

static void ring_enable_cb_delayed(struct kunit *test)
{
	struct rt_ring *r = rt_new(test, 8, F_EVENT_IDX);
	unsigned int i, len;
	u16 h[8];

	for (i = 0; i < 8; i++) {
		KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(i)), 0);
		h[i] = rt_pop_one(test, r);
	}
	virtbus_vq_disable_cb(r->vq);
	/* 8 outstanding: wake at 3/4 of them, used index 6. */
	KUNIT_EXPECT_TRUE(test, virtbus_vq_enable_cb_delayed(r->vq));
	KUNIT_EXPECT_EQ(test, rt_used_event(r), (u16)6);

	/* Six used is not more than asked for; seven is. */
	for (i = 0; i < 6; i++)
		rt_push(r, h[i], 0);
	KUNIT_EXPECT_TRUE(test, virtbus_vq_enable_cb_delayed(r->vq));
	rt_push(r, h[6], 0);
	KUNIT_EXPECT_FALSE(test, virtbus_vq_enable_cb_delayed(r->vq));

	/* Collect two: 6 outstanding from index 2, so 2 + 4 = 6. */
	virtbus_vq_disable_cb(r->vq);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(0));
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(1));
	KUNIT_EXPECT_FALSE(test, virtbus_vq_enable_cb_delayed(r->vq));
	KUNIT_EXPECT_EQ(test, rt_used_event(r), (u16)6);
	while (virtbus_vq_get_buf(r->vq, &len))
		;
	/* 7 collected, 1 outstanding: 3/4 of 1 is 0. */
	KUNIT_EXPECT_TRUE(test, virtbus_vq_enable_cb_delayed(r->vq));
	KUNIT_EXPECT_EQ(test, rt_used_event(r), (u16)7);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 7U);
}

/* Without EVENT_IDX, delayed is plain enable. */
static void ring_enable_cb_delayed_flags(struct kunit *test)
{
	struct rt_ring *r = rt_new(test, 8, 0);
	u16 h;

	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(0)), 0);
	h = rt_pop_one(test, r);
	virtbus_vq_disable_cb(r->vq);
	KUNIT_EXPECT_EQ(test, rt_avail_flags(r),
			(u16)VIRTBUS_AVAIL_F_NO_INTERRUPT);
	KUNIT_EXPECT_TRUE(test, virtbus_vq_enable_cb_delayed(r->vq));
	KUNIT_EXPECT_EQ(test, rt_avail_flags(r), (u16)0);
	virtbus_vq_disable_cb(r->vq);
	rt_push(r, h, 0);
	KUNIT_EXPECT_FALSE(test, virtbus_vq_enable_cb_delayed(r->vq));
}

/* 6. Flag-based suppression, both ways. */

static void ring_flags_no_notify(struct kunit *test)
{
	struct rt_ring *r = rt_new(test, 8, 0);
	struct rt_dev *rd = rt_rd(test);

	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(0)), 0);
	rt_set_used_flags(r, VIRTBUS_USED_F_NO_NOTIFY);
	KUNIT_EXPECT_FALSE(test, virtbus_vq_kick_prepare(r->vq));
	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(1)), 0);
	/* Not wanted is not a failure. */
	KUNIT_EXPECT_TRUE(test, virtbus_vq_kick(r->vq));
	KUNIT_EXPECT_EQ(test, rd->notifies, 0U);

	rt_set_used_flags(r, 0);
	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(2)), 0);
	KUNIT_EXPECT_TRUE(test, virtbus_vq_kick(r->vq));
	KUNIT_EXPECT_EQ(test, rd->notifies, 1U);
	/* A notification without new entries is harmless. */
	KUNIT_EXPECT_TRUE(test, virtbus_vq_notify(r->vq));
	KUNIT_EXPECT_EQ(test, rd->notifies, 2U);
	/* An old avail_event does not matter without EVENT_IDX. */
	rt_set_avail_event(r, 0x1234);
	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(3)), 0);
	KUNIT_EXPECT_TRUE(test, virtbus_vq_kick_prepare(r->vq));
}

static void ring_flags_no_interrupt(struct kunit *test)
{
	struct rt_ring *r = rt_new(test, 8, 0);
	unsigned int len;
	u16 h;

	KUNIT_EXPECT_EQ(test, rt_avail_flags(r), (u16)0);
	virtbus_vq_disable_cb(r->vq);
	KUNIT_EXPECT_EQ(test, rt_avail_flags(r),
			(u16)VIRTBUS_AVAIL_F_NO_INTERRUPT);
	KUNIT_EXPECT_TRUE(test, virtbus_vq_enable_cb(r->vq));
	KUNIT_EXPECT_EQ(test, rt_avail_flags(r), (u16)0);

	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(0)), 0);
	h = rt_pop_one(test, r);
	virtbus_vq_disable_cb(r->vq);
	rt_push(r, h, 0);
	/* Pending used entries: the caller must collect first. */
	KUNIT_EXPECT_FALSE(test, virtbus_vq_enable_cb(r->vq));
	KUNIT_EXPECT_EQ(test, rt_avail_flags(r), (u16)0);
	KUNIT_EXPECT_TRUE(test, virtbus_vq_more_used(r->vq));
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(0));
	KUNIT_EXPECT_TRUE(test, virtbus_vq_enable_cb(r->vq));
	/* used_event is not written into the flags' place. */
	KUNIT_EXPECT_EQ(test, rt_avail_flags(r), (u16)0);
}

static void ring_interrupt(struct kunit *test)
{
	struct rt_ring *r = rt_new(test, 8, 0);
	struct rt_dev *rd = rt_rd(test);
	unsigned int len;
	u16 h;

	KUNIT_EXPECT_EQ(test, virtbus_vq_interrupt(0, r->vq), IRQ_NONE);
	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(0)), 0);
	KUNIT_EXPECT_EQ(test, virtbus_vq_interrupt(0, r->vq), IRQ_NONE);
	KUNIT_EXPECT_EQ(test, rd->callbacks, 0U);
	h = rt_pop_one(test, r);
	rt_push(r, h, 0);
	KUNIT_EXPECT_EQ(test, virtbus_vq_interrupt(0, r->vq), IRQ_HANDLED);
	KUNIT_EXPECT_EQ(test, rd->callbacks, 1U);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(0));
	KUNIT_EXPECT_EQ(test, virtbus_vq_interrupt(0, r->vq), IRQ_NONE);
	KUNIT_EXPECT_EQ(test, rd->callbacks, 1U);
}

/* A queue without a callback is polled: interrupts off from the start. */
static void ring_polled_queue(struct kunit *test)
{
	struct rt_ring *r = rt_new_cb(test, 8, 0, NULL);
	struct rt_ring *e = rt_new_cb(test, 8, F_EVENT_IDX, NULL);
	unsigned int len;
	u16 h;

	KUNIT_EXPECT_EQ(test, rt_avail_flags(r),
			(u16)VIRTBUS_AVAIL_F_NO_INTERRUPT);
	KUNIT_EXPECT_EQ(test, rt_avail_flags(e), (u16)0);
	KUNIT_EXPECT_EQ(test, rt_used_event(e), (u16)0xffff);
	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(0)), 0);
	h = rt_pop_one(test, r);
	rt_push(r, h, 0);
	/* Without a callback to run, the interrupt is still ours. */
	KUNIT_EXPECT_EQ(test, virtbus_vq_interrupt(0, r->vq), IRQ_HANDLED);
	KUNIT_EXPECT_EQ(test, rt_rd(test)->callbacks, 0U);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(0));
	KUNIT_EXPECT_EQ(test, rt_avail_flags(r),
			(u16)VIRTBUS_AVAIL_F_NO_INTERRUPT);
}

/* 7. Taking back buffers the device never returned. */

static void ring_detach_unused(struct kunit *test)
{
	struct rt_ring *r = rt_new(test, 8, 0);
	unsigned int len;
	u16 h[4];
	int i;

	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(0)), 0);
	KUNIT_ASSERT_EQ(test, rt_add_in(test, r, 3, 4, TOK(1)), 0);
	KUNIT_ASSERT_EQ(test, rt_add_in(test, r, 2, 4, TOK(2)), 0);
	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(3)), 0);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 1U);
	for (i = 0; i < 4; i++)
		h[i] = rt_pop_one(test, r);
	/* 1 used and collected, 3 used and not, 0 and 2 never used. */
	rt_push(r, h[1], 12);
	rt_push(r, h[3], 0);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(1));
	rt_detach_all(test, r, BIT(0) | BIT(2) | BIT(3));
	rt_expect_live(test, 0);
	/* Nothing written to the ring: the device is reset by now. */
	KUNIT_EXPECT_EQ(test, rt_avail_idx(r), (u16)4);
	rt_check_free_list(test, r);
}

static void ring_detach_unused_indirect(struct kunit *test)
{
	struct rt_ring *r = rt_new(test, 4, F_INDIRECT);

	KUNIT_ASSERT_EQ(test, rt_add_in(test, r, 3, 4, TOK(4)), 0);
	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(5)), 0);
	KUNIT_ASSERT_EQ(test, rt_add_in(test, r, 4, 4, TOK(6)), 0);
	KUNIT_EXPECT_EQ(test, r->vq->num_free, 1U);
	rt_detach_all(test, r, BIT(4) | BIT(5) | BIT(6));
	rt_check_free_list(test, r);
}

/* 8. A hostile device. */

/*
 * After the device broke the queue: nothing comes back, nothing goes in,
 * nobody is notified, and every buffer of @want can still be detached.
 */
static void rt_check_broken(struct kunit *test, struct rt_ring *r,
			    unsigned long want, unsigned int msgs)
{
	struct rt_dev *rd = rt_rd(test);
	unsigned int notifies = rd->notifies, len = 0xdead;
	unsigned int callbacks = rd->callbacks;

	KUNIT_EXPECT_TRUE(test, virtbus_vq_is_broken(r->vq));
	KUNIT_EXPECT_EQ(test, rt_add_out(test, r, 4, TOK(31)), -EIO);
	KUNIT_EXPECT_EQ(test, rt_add_in(test, r, 2, 4, TOK(31)), -EIO);
	KUNIT_EXPECT_FALSE(test, virtbus_vq_kick(r->vq));
	KUNIT_EXPECT_FALSE(test, virtbus_vq_notify(r->vq));
	KUNIT_EXPECT_EQ(test, rd->notifies, notifies);
	KUNIT_EXPECT_NULL(test, virtbus_vq_get_buf(r->vq, &len));
	KUNIT_EXPECT_EQ(test, len, 0xdeadU);
	KUNIT_EXPECT_FALSE(test, virtbus_vq_more_used(r->vq));
	/* Claimed, or a device that keeps raising it loses its line. */
	KUNIT_EXPECT_EQ(test, virtbus_vq_interrupt(0, r->vq), IRQ_HANDLED);
	KUNIT_EXPECT_EQ(test, rd->callbacks, callbacks);
	KUNIT_EXPECT_TRUE(test, virtbus_vq_enable_cb(r->vq));
	KUNIT_EXPECT_TRUE(test, virtbus_vq_enable_cb_delayed(r->vq));
	rt_detach_all(test, r, want);
	KUNIT_EXPECT_TRUE(test, virtbus_vq_is_broken(r->vq));
	/* All of that said nothing more: one message per break, or none. */
	KUNIT_EXPECT_EQ(test, rt_breaks_logged(test, r, msgs), msgs);
}

/* Expect the next get_buf to see the device's lie and break the queue. */
static void rt_expect_break(struct kunit *test, struct rt_ring *r)
{
	unsigned int len = 0xdead;

	KUNIT_EXPECT_FALSE(test, virtbus_vq_is_broken(r->vq));
	KUNIT_EXPECT_NULL(test, virtbus_vq_get_buf(r->vq, &len));
	KUNIT_EXPECT_EQ(test, len, 0xdeadU);
	KUNIT_EXPECT_TRUE(test, virtbus_vq_is_broken(r->vq));
}

static void hostile_used_idx_ahead(struct kunit *test)
{
	struct rt_ring *r = rt_new(test, 8, 0);
	struct rt_ring *b = rt_new(test, 8, 0);
	struct rt_ring *z = rt_new(test, 8, 0);
	u16 h0, h1;

	/* Two outstanding, three claimed used (all entries plausible). */
	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(0)), 0);
	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(1)), 0);
	h0 = rt_pop_one(test, r);
	h1 = rt_pop_one(test, r);
	rt_put_used(r, 0, h0, 0);
	rt_put_used(r, 1, h1, 0);
	rt_put_used(r, 2, h0, 0);
	rt_set_used_idx(r, 3);
	rt_expect_break(test, r);
	rt_check_broken(test, r, BIT(0) | BIT(1), 1);

	/* The used index going backwards is as far ahead as it gets. */
	KUNIT_ASSERT_EQ(test, rt_add_out(test, b, 4, TOK(2)), 0);
	h0 = rt_pop_one(test, b);
	rt_put_used(b, 0xffff, h0, 0);
	rt_set_used_idx(b, 0xffff);
	rt_expect_break(test, b);
	rt_check_broken(test, b, BIT(2), 1);

	/* Nothing outstanding at all. */
	rt_put_used(z, 0, 0, 0);
	rt_set_used_idx(z, 1);
	rt_expect_break(test, z);
	rt_check_broken(test, z, 0, 1);
}

/*
 * A device that takes back entries it returned: its used index moves
 * back after the driver read it. What the driver saw is still collected,
 * and the interrupt handler and enable_cb() still see it; only then does
 * the index, now behind, break the queue.
 */
static void hostile_used_idx_rewound(struct kunit *test)
{
	struct rt_ring *r = rt_new(test, 8, 0);
	struct rt_dev *rd = rt_rd(test);
	unsigned int len = 1;
	u16 h0, h1;

	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(0)), 0);
	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(1)), 0);
	h0 = rt_pop_one(test, r);
	h1 = rt_pop_one(test, r);
	rt_push(r, h0, 0);
	rt_push(r, h1, 0);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(0));
	rt_set_used_idx(r, 1);
	KUNIT_EXPECT_TRUE(test, virtbus_vq_more_used(r->vq));
	KUNIT_EXPECT_FALSE(test, virtbus_vq_enable_cb(r->vq));
	KUNIT_EXPECT_EQ(test, virtbus_vq_interrupt(0, r->vq), IRQ_HANDLED);
	KUNIT_EXPECT_EQ(test, rd->callbacks, 1U);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(1));
	KUNIT_EXPECT_EQ(test, len, 0U);
	rt_expect_break(test, r);
	rt_check_broken(test, r, 0, 1);
}

static void hostile_used_id_range(struct kunit *test)
{
	struct rt_ring *r = rt_new(test, 8, 0);
	struct rt_ring *t = rt_new(test, 8, 0);
	u16 h;

	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(0)), 0);
	rt_pop_one(test, r);
	rt_push(r, 8, 0);
	rt_expect_break(test, r);
	rt_check_broken(test, r, BIT(0), 1);

	/* An id that truncated to 16 bits would be the right head. */
	KUNIT_ASSERT_EQ(test, rt_add_out(test, t, 4, TOK(1)), 0);
	h = rt_pop_one(test, t);
	rt_push(t, 0x10000 | h, 0);
	rt_expect_break(test, t);
	rt_check_broken(test, t, BIT(1), 1);
}

static void hostile_used_id_not_head(struct kunit *test)
{
	struct rt_ring *r = rt_new(test, 8, 0);
	struct rt_ring *f = rt_new(test, 8, 0);
	struct rt_chain c;
	u16 h;

	/* The second descriptor of an outstanding chain. */
	KUNIT_ASSERT_EQ(test, rt_add_in(test, r, 3, 4, TOK(0)), 0);
	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(1)), 0);
	h = rt_pop_one(test, r);
	rt_walk(test, r, h, &c);
	KUNIT_ASSERT_EQ(test, c.n, 3U);
	rt_push(r, c.idx[1], 4);
	rt_expect_break(test, r);
	rt_check_broken(test, r, BIT(0) | BIT(1), 1);

	/* A descriptor never handed out. */
	KUNIT_ASSERT_EQ(test, rt_add_out(test, f, 4, TOK(2)), 0);
	h = rt_pop_one(test, f);
	rt_push(f, (h + 5) % 8, 0);
	rt_expect_break(test, f);
	rt_check_broken(test, f, BIT(2), 1);
}

static void hostile_used_id_returned(struct kunit *test)
{
	struct rt_ring *r = rt_new(test, 8, 0);
	struct rt_ring *d = rt_new(test, 8, 0);
	unsigned int len;
	u16 ha;

	/* Returned, collected, then returned again. */
	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(0)), 0);
	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(1)), 0);
	ha = rt_pop_one(test, r);
	rt_pop_one(test, r);
	rt_push(r, ha, 0);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(0));
	rt_push(r, ha, 0);
	rt_expect_break(test, r);
	rt_check_broken(test, r, BIT(1), 1);

	/* The same buffer twice in one batch. */
	KUNIT_ASSERT_EQ(test, rt_add_out(test, d, 4, TOK(2)), 0);
	KUNIT_ASSERT_EQ(test, rt_add_out(test, d, 4, TOK(3)), 0);
	ha = rt_pop_one(test, d);
	rt_pop_one(test, d);
	rt_push(d, ha, 0);
	rt_push(d, ha, 0);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(d->vq, &len), TOK(2));
	rt_expect_break(test, d);
	rt_check_broken(test, d, BIT(3), 1);
}

static void hostile_used_len(struct kunit *test)
{
	struct rt_ring *r = rt_new(test, 8, 0);
	struct rt_ring *o = rt_new(test, 8, 0);
	struct rt_ring *m = rt_new(test, 8, 0);
	struct rt_ring *i = rt_new(test, 8, F_INDIRECT);
	struct scatterlist *sgs[2];
	u16 h;

	/* One byte more than the 2 x 32 writable bytes. */
	KUNIT_ASSERT_EQ(test, rt_add_in(test, r, 2, 32, TOK(0)), 0);
	h = rt_pop_one(test, r);
	rt_push(r, h, 65);
	rt_expect_break(test, r);
	rt_check_broken(test, r, BIT(0), 1);

	/* Anything written into a buffer the device may only read. */
	KUNIT_ASSERT_EQ(test, rt_add_out(test, o, 64, TOK(1)), 0);
	h = rt_pop_one(test, o);
	rt_push(o, h, 1);
	rt_expect_break(test, o);
	rt_check_broken(test, o, BIT(1), 1);

	/* Out and in: only the in part counts (16 out + 4 in, 5 written). */
	sgs[0] = rt_sgl(test, rt_buf(test, 16, 0), 1, 16);
	sgs[1] = rt_sgl(test, rt_buf(test, 4, 0), 1, 4);
	KUNIT_ASSERT_EQ(test, virtbus_vq_add_sgs(m->vq, sgs, 1, 1, TOK(2),
						 GFP_KERNEL), 0);
	h = rt_pop_one(test, m);
	rt_push(m, h, 5);
	rt_expect_break(test, m);
	rt_check_broken(test, m, BIT(2), 1);

	/* The same through an indirect table. */
	sgs[0] = rt_sgl(test, rt_buf(test, 32, 0), 2, 16);
	sgs[1] = rt_sgl(test, rt_buf(test, 4, 0), 1, 4);
	KUNIT_ASSERT_EQ(test, virtbus_vq_add_sgs(i->vq, sgs, 1, 1, TOK(3),
						 GFP_KERNEL), 0);
	h = rt_pop_one(test, i);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(i->desc[h].flags),
			(u16)VIRTBUS_DESC_F_INDIRECT);
	rt_push(i, h, 5);
	rt_expect_break(test, i);
	rt_check_broken(test, i, BIT(3), 1);
}

/*
 * The device overwrites every descriptor it was shown, the indirect
 * table and the available ring, then returns the buffers properly: the
 * driver tears them down from its own records and loses nothing.
 */
static void hostile_scribbled_ring(struct kunit *test)
{
	struct rt_ring *d = rt_new(test, 8, 0);
	struct rt_ring *i = rt_new(test, 8, F_INDIRECT);
	struct scatterlist *sgs[2];
	unsigned int len = 0;
	struct rt_chain c;
	u16 h[3];

	KUNIT_ASSERT_EQ(test, rt_add_in(test, d, 3, 4, TOK(0)), 0);
	KUNIT_ASSERT_EQ(test, rt_add_out(test, d, 4, TOK(1)), 0);
	KUNIT_ASSERT_EQ(test, rt_add_in(test, d, 2, 4, TOK(2)), 0);
	h[0] = rt_pop_one(test, d);
	h[1] = rt_pop_one(test, d);
	h[2] = rt_pop_one(test, d);
	memset(d->desc, 0xff, VIRTBUS_RING_DESC_SIZE(d->num));
	memset(d->avail, 0xff, VIRTBUS_RING_AVAIL_SIZE(d->num));
	rt_push(d, h[2], 8);
	rt_push(d, h[0], 12);
	rt_push(d, h[1], 0);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(d->vq, &len), TOK(2));
	KUNIT_EXPECT_EQ(test, len, 8U);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(d->vq, &len), TOK(0));
	KUNIT_EXPECT_EQ(test, len, 12U);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(d->vq, &len), TOK(1));
	KUNIT_EXPECT_EQ(test, len, 0U);
	KUNIT_EXPECT_FALSE(test, virtbus_vq_is_broken(d->vq));
	KUNIT_EXPECT_EQ(test, d->vq->num_free, 8U);
	rt_check_free_list(test, d);

	KUNIT_ASSERT_EQ(test, rt_add_in(test, i, 3, 4, TOK(3)), 0);
	sgs[0] = rt_sgl(test, rt_buf(test, 32, 0), 2, 16);
	sgs[1] = rt_sgl(test, rt_buf(test, 4, 0), 1, 4);
	KUNIT_ASSERT_EQ(test, virtbus_vq_add_sgs(i->vq, sgs, 1, 1, TOK(4),
						 GFP_KERNEL), 0);
	h[0] = rt_pop_one(test, i);
	h[1] = rt_pop_one(test, i);
	rt_walk(test, i, h[0], &c);
	KUNIT_ASSERT_TRUE(test, c.indirect);
	memset(phys_to_virt(le64_to_cpu(i->desc[h[0]].addr)), 0xff,
	       c.table_len);
	rt_walk(test, i, h[1], &c);
	KUNIT_ASSERT_TRUE(test, c.indirect);
	memset(phys_to_virt(le64_to_cpu(i->desc[h[1]].addr)), 0xff,
	       c.table_len);
	memset(i->desc, 0xff, VIRTBUS_RING_DESC_SIZE(i->num));
	memset(i->avail, 0xff, VIRTBUS_RING_AVAIL_SIZE(i->num));
	rt_push(i, h[1], 4);
	rt_push(i, h[0], 12);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(i->vq, &len), TOK(4));
	KUNIT_EXPECT_EQ(test, len, 4U);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(i->vq, &len), TOK(3));
	KUNIT_EXPECT_EQ(test, len, 12U);
	KUNIT_EXPECT_FALSE(test, virtbus_vq_is_broken(i->vq));
	KUNIT_EXPECT_EQ(test, i->vq->num_free, 8U);
	rt_check_free_list(test, i);
}

static void hostile_notify_fails(struct kunit *test)
{
	struct rt_ring *r = rt_new(test, 8, 0);
	struct rt_dev *rd = rt_rd(test);

	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(0)), 0);
	rd->notify_fails = true;
	KUNIT_EXPECT_FALSE(test, virtbus_vq_kick(r->vq));
	KUNIT_EXPECT_EQ(test, rd->notifies, 1U);
	KUNIT_EXPECT_TRUE(test, virtbus_vq_is_broken(r->vq));
	rt_check_broken(test, r, BIT(0), 1);
	KUNIT_EXPECT_EQ(test, rd->notifies, 1U);
}

static void ring_device_broken(struct kunit *test)
{
	struct rt_ring *r = rt_new(test, 8, 0);
	struct rt_dev *rd = rt_rd(test);
	struct rt_ring *late;
	u16 h;

	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(0)), 0);
	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(1)), 0);
	h = rt_pop_one(test, r);
	rt_push(r, h, 0);
	/* A used buffer is pending when the device is declared broken. */
	rd->vdev.broken = true;
	/* The core reports a broken device; the ring says nothing. */
	rt_check_broken(test, r, BIT(0) | BIT(1), 0);
	KUNIT_EXPECT_EQ(test, rd->notifies, 0U);

	/* A queue made for a broken device starts broken. */
	late = rt_new(test, 8, 0);
	rd->vdev.broken = false;
	KUNIT_EXPECT_TRUE(test, virtbus_vq_is_broken(late->vq));
	KUNIT_EXPECT_EQ(test, rt_add_out(test, late, 4, TOK(2)), -EIO);
}

static void ring_break(struct kunit *test)
{
	struct rt_ring *r = rt_new(test, 8, F_INDIRECT);
	u16 h;

	KUNIT_ASSERT_EQ(test, rt_add_in(test, r, 3, 4, TOK(0)), 0);
	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 4, TOK(1)), 0);
	h = rt_pop_one(test, r);
	rt_push(r, h, 12);
	virtbus_vq_break(r->vq);
	rt_check_broken(test, r, BIT(0) | BIT(1), 0);
}

/* 9. Bad parameters. */

static void ring_bad_params(struct kunit *test)
{
	static const unsigned int bad_num[] = { 0, 3, 6, 100, 32769, 65536 };
	struct virtbus_vq_params p = {
		.align = RT_ALIGN,
		.dma_dev = rt_dma_dev,
		.notify = rt_notify,
		.callback = rt_callback,
		.name = "rt",
	};
	struct virtbus_device *vdev = &rt_rd(test)->vdev;
	struct virtbus_vq_layout l;
	struct virtbus_vq *vq;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad_num); i++) {
		p.num = bad_num[i];
		vq = virtbus_vq_new(vdev, &p);
		KUNIT_EXPECT_EQ_MSG(test, PTR_ERR_OR_ZERO(vq), -EINVAL,
				    "num %u", bad_num[i]);
		if (!IS_ERR(vq))
			virtbus_vq_del(vq);
	}
	p.num = 8;
	p.align = 0;
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(virtbus_vq_new(vdev, &p)),
			-EINVAL);
	p.align = 3000;
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(virtbus_vq_new(vdev, &p)),
			-EINVAL);
	/* The used ring's 32-bit fields need 4-byte alignment. */
	p.align = 2;
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(virtbus_vq_new(vdev, &p)),
			-EINVAL);
	p.align = 4;
	vq = virtbus_vq_new(vdev, &p);
	KUNIT_ASSERT_FALSE(test, IS_ERR(vq));
	virtbus_vq_get_layout(vq, &l);
	/* 16 * 8 + 6 + 2 * 8 = 150 bytes before it. */
	KUNIT_EXPECT_EQ(test, l.used - l.desc, 152L);
	KUNIT_EXPECT_EQ(test, l.size, (size_t)152 + 6 + 8 * 8);
	KUNIT_EXPECT_PTR_EQ(test, list_first_entry(&vdev->vqs,
						   struct virtbus_vq, list), vq);
	virtbus_vq_del(vq);
	p.align = RT_ALIGN;
	p.notify = NULL;
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(virtbus_vq_new(vdev, &p)),
			-EINVAL);
	p.notify = rt_notify;
	p.dma_dev = NULL;
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(virtbus_vq_new(vdev, &p)),
			-EINVAL);
	KUNIT_EXPECT_TRUE(test, list_empty(&vdev->vqs));
}

/* The smallest and the largest ring work. */
static void ring_sizes(struct kunit *test)
{
	struct rt_ring *one = rt_new(test, 1, 0);
	struct rt_ring *max = rt_new(test, VIRTBUS_RING_MAX_SIZE, 0);
	unsigned int len, k;
	u16 h;

	for (k = 0; k < 3; k++) {
		KUNIT_ASSERT_EQ(test, rt_add_out(test, one, 4, TOK(k)), 0);
		KUNIT_EXPECT_EQ(test, rt_add_out(test, one, 4, TOK(9)),
				-ENOSPC);
		h = rt_pop_one(test, one);
		KUNIT_EXPECT_EQ(test, h, (u16)0);
		rt_push(one, h, 0);
		KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(one->vq, &len),
				    TOK(k));
	}

	KUNIT_ASSERT_EQ(test, rt_add_in(test, max, 2, 4, TOK(5)), 0);
	KUNIT_EXPECT_EQ(test, max->vq->num_free, VIRTBUS_RING_MAX_SIZE - 2U);
	h = rt_pop_one(test, max);
	rt_push(max, h, 8);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(max->vq, &len), TOK(5));
	KUNIT_EXPECT_EQ(test, len, 8U);
	KUNIT_EXPECT_EQ(test, max->vq->num_free,
			(unsigned int)VIRTBUS_RING_MAX_SIZE);
}

/*
 * Without ACCESS_PLATFORM the device is promised physical addresses: the
 * ring, each piece and each indirect table are given to it as such, and
 * nothing goes through the DMA API. With it, everything does.
 */
static void ring_physical_addresses(struct kunit *test)
{
	struct rt_ring *r = rt_new_exact(test, 8, F_INDIRECT, rt_callback);
	struct rt_ring *m = rt_new(test, 8, F_INDIRECT);
	struct virtbus_vq_layout l;
	u8 *out = rt_buf(test, 40, 0x20);
	u8 *in = rt_buf(test, 64, 0);
	struct scatterlist osg, *isg, *sgs[2];
	unsigned int len = 0;
	struct rt_chain c;
	u16 head;

	/* Only @m's ring was allocated through the DMA API. */
	if (rt_dma_recorded)
		KUNIT_EXPECT_EQ(test, rt_dma.allocs, 1U);
	virtbus_vq_get_layout(r->vq, &l);
	KUNIT_EXPECT_EQ(test, l.desc_dma, (dma_addr_t)virt_to_phys(l.desc));
	KUNIT_EXPECT_EQ(test, virtbus_vq_max_dma_size(r->vq), SIZE_MAX);
	KUNIT_EXPECT_EQ(test, virtbus_vq_max_dma_size(m->vq),
			dma_max_mapping_size(rt_dma_dev));

	/* Direct: one piece, at its physical address. */
	KUNIT_ASSERT_EQ(test, rt_add_out(test, r, 16, TOK(0)), 0);
	head = rt_pop_one(test, r);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(r->desc[head].flags), (u16)0);
	rt_push(r, head, 0);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(0));

	/* Indirect: a table of three, the table itself physical too. */
	memset(in, 0, 64);
	sg_init_one(&osg, out, 40);
	isg = rt_sgl(test, in, 2, 32);
	sgs[0] = &osg;
	sgs[1] = isg;
	KUNIT_ASSERT_EQ(test, virtbus_vq_add_sgs(r->vq, sgs, 1, 1, TOK(1),
						 GFP_KERNEL), 0);
	head = rt_pop_one(test, r);
	rt_walk(test, r, head, &c);
	KUNIT_EXPECT_TRUE(test, c.indirect);
	KUNIT_ASSERT_EQ(test, c.n, 3U);
	KUNIT_EXPECT_PTR_EQ(test, (void *)c.va[0], (void *)out);
	KUNIT_EXPECT_PTR_EQ(test, (void *)c.va[1], (void *)in);
	KUNIT_EXPECT_PTR_EQ(test, (void *)c.va[2], (void *)(in + 32));
	KUNIT_EXPECT_TRUE(test, rt_out_is(&c, 40, 0x20));
	KUNIT_EXPECT_EQ(test, rt_write(&c, 64, 0x40), 64U);
	rt_push(r, head, 64);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(r->vq, &len), TOK(1));
	KUNIT_EXPECT_EQ(test, len, 64U);
	KUNIT_EXPECT_TRUE(test, rt_bytes_are(in, 64, 0x40));
	/* None of that was mapped; the same buffer on @m is. */
	if (rt_dma_recorded)
		KUNIT_EXPECT_EQ(test, rt_dma.maps, 0U);
	KUNIT_ASSERT_EQ(test, virtbus_vq_add_sgs(m->vq, sgs, 1, 1, TOK(2),
						 GFP_KERNEL), 0);
	rt_expect_mapped(test, out, DMA_TO_DEVICE);
	rt_expect_mapped(test, in, DMA_FROM_DEVICE);
	/* Two pieces of in, one of out, and the table. */
	rt_expect_live(test, 4);
	rt_detach_all(test, m, BIT(2));
	rt_expect_live(test, 0);
	KUNIT_EXPECT_FALSE(test, virtbus_vq_is_broken(r->vq));
}

static struct kunit_case virtbus_ring_cases[] = {
	KUNIT_CASE(ring_outbuf),
	KUNIT_CASE(ring_inbuf),
	KUNIT_CASE(ring_add_sgs),
	KUNIT_CASE(ring_out_of_order),
	KUNIT_CASE(ring_bad_requests),
	KUNIT_CASE(ring_full),
	KUNIT_CASE(ring_full_indirect),
	KUNIT_CASE(ring_wraparound),
	KUNIT_CASE(ring_wraparound_indirect),
	KUNIT_CASE(ring_autokick),
	KUNIT_CASE(ring_in_len_limit),
	KUNIT_CASE(ring_indirect),
	KUNIT_CASE(ring_chain_limit),
	KUNIT_CASE(ring_add_num),
	KUNIT_CASE(ring_no_indirect_chain),
	KUNIT_CASE(ring_map_error),
	KUNIT_CASE(ring_map_error_indirect),
	KUNIT_CASE(ring_need_event),
	KUNIT_CASE(ring_event_idx_kick),
	KUNIT_CASE(ring_event_idx_used_event),
	KUNIT_CASE(ring_enable_cb_delayed),
	KUNIT_CASE(ring_enable_cb_delayed_flags),
	KUNIT_CASE(ring_flags_no_notify),
	KUNIT_CASE(ring_flags_no_interrupt),
	KUNIT_CASE(ring_interrupt),
	KUNIT_CASE(ring_polled_queue),
	KUNIT_CASE(ring_detach_unused),
	KUNIT_CASE(ring_detach_unused_indirect),
	KUNIT_CASE(hostile_used_idx_ahead),
	KUNIT_CASE(hostile_used_idx_rewound),
	KUNIT_CASE(hostile_used_id_range),
	KUNIT_CASE(hostile_used_id_not_head),
	KUNIT_CASE(hostile_used_id_returned),
	KUNIT_CASE(hostile_used_len),
	KUNIT_CASE(hostile_notify_fails),
	KUNIT_CASE(hostile_scribbled_ring),
	KUNIT_CASE(ring_device_broken),
	KUNIT_CASE(ring_break),
	KUNIT_CASE(ring_bad_params),
	KUNIT_CASE(ring_sizes),
	KUNIT_CASE(ring_physical_addresses),
	{}
};

static struct kunit_suite virtbus_ring_suite = {
	.name = "virtbus_ring",
	.suite_init = rt_suite_init,
	.suite_exit = rt_suite_exit,
	.init = rt_init,
	.exit = rt_exit,
	.test_cases = virtbus_ring_cases,
};

kunit_test_suite(virtbus_ring_suite);

MODULE_DESCRIPTION("KUnit tests for the virtbus split virtqueue");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(VIRTBUS);

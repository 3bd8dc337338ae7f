// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the split virtqueue against a device played by the test itself
 * on the ring memory: round trips, wraparound, indirect descriptors,
 * event index and flag suppression, detach, and a hostile device.
 *
 * Buffers are mapped for a root device through dma-direct, so a
 * descriptor's address is the buffer's physical address.
 */
#include <kunit/test.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/slab.h>
#include <uapi/virtbus/virtbus_ring.h>
#include <virtbus/transport.h>

struct ring_ctx {
	struct device *dma_dev;
	struct virtbus_device *vdev;
	struct virtbus_vq *vq;
	struct virtbus_vq_layout l;
	u16 dev_avail;		/* next avail entry the device reads */
	u16 dev_used;		/* used index the device publishes */
	int notifies;
	int callbacks;
	bool notify_fails;
};

static struct ring_ctx *ctx_of(struct virtbus_vq *vq)
{
	return vq->vdev->priv;
}

static bool test_notify(struct virtbus_vq *vq)
{
	struct ring_ctx *c = ctx_of(vq);

	c->notifies++;
	return !c->notify_fails;
}

static void test_callback(struct virtbus_vq *vq)
{
	ctx_of(vq)->callbacks++;
}

static void test_vdev_release(struct device *dev)
{
	kfree(to_virtbus_device(dev));
}

static struct ring_ctx *ring_setup(struct kunit *test, unsigned int num,
				   u64 features)
{
	struct virtbus_vq_params p = {
		.num = num, .align = 4096, .notify = test_notify,
		.callback = test_callback, .name = "test",
	};
	struct ring_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	c->dma_dev = test->priv;
	c->vdev = kzalloc(sizeof(*c->vdev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c->vdev);
	device_initialize(&c->vdev->dev);
	c->vdev->dev.release = test_vdev_release;
	dev_set_name(&c->vdev->dev, "ringtest");
	INIT_LIST_HEAD(&c->vdev->vqs);
	spin_lock_init(&c->vdev->vqs_lock);
	c->vdev->features = features;
	c->vdev->priv = c;
	p.dma_dev = c->dma_dev;
	c->vq = virtbus_vq_new(c->vdev, &p);
	KUNIT_ASSERT_FALSE(test, IS_ERR(c->vq));
	virtbus_vq_get_layout(c->vq, &c->l);
	return c;
}

static void ring_teardown(struct ring_ctx *c)
{
	virtbus_vq_del(c->vq);
	put_device(&c->vdev->dev);
}

static struct virtbus_ring_avail *avail(struct ring_ctx *c)
{
	return c->l.avail;
}

static struct virtbus_ring_used *used(struct ring_ctx *c)
{
	return c->l.used;
}

static struct virtbus_ring_desc *desc(struct ring_ctx *c, unsigned int i)
{
	return (struct virtbus_ring_desc *)c->l.desc + i;
}

/* Device: take the next available head, or -1. */
static int dev_pop(struct ring_ctx *c)
{
	u16 idx = le16_to_cpu(READ_ONCE(avail(c)->idx));

	if (idx == c->dev_avail)
		return -1;
	virt_rmb();	/* the entry after the index, as a device reads */
	return le16_to_cpu(avail(c)->ring[c->dev_avail++ & (c->l.num - 1)]);
}

/* Device: publish a used element. */
static void dev_push(struct ring_ctx *c, u32 id, u32 len)
{
	used(c)->ring[c->dev_used & (c->l.num - 1)].id = cpu_to_le32(id);
	used(c)->ring[c->dev_used & (c->l.num - 1)].len = cpu_to_le32(len);
	virt_wmb();	/* the element before the index, as a device writes */
	WRITE_ONCE(used(c)->idx, cpu_to_le16(++c->dev_used));
}

static void *dev_buf(struct virtbus_ring_desc *d)
{
	return phys_to_virt(le64_to_cpu(d->addr));
}

/* Device: fill every writable descriptor of the chain at @head with @v. */
static u32 dev_write_chain(struct ring_ctx *c, int head, u8 v)
{
	struct virtbus_ring_desc *d = desc(c, head), *table = NULL;
	unsigned int n = 0, i = head;
	u32 written = 0;

	if (le16_to_cpu(d->flags) & VIRTBUS_DESC_F_INDIRECT) {
		table = dev_buf(d);
		n = le32_to_cpu(d->len) / sizeof(*table);
		d = &table[0];
		i = 0;
	}
	for (;;) {
		if (le16_to_cpu(d->flags) & VIRTBUS_DESC_F_WRITE) {
			memset(dev_buf(d), v, le32_to_cpu(d->len));
			written += le32_to_cpu(d->len);
		}
		if (!(le16_to_cpu(d->flags) & VIRTBUS_DESC_F_NEXT))
			break;
		i = le16_to_cpu(d->next);
		d = table ? &table[i] : desc(c, i);
		if (table && i >= n)
			break;
	}
	return written;
}

static void ring_round_trip(struct kunit *test)
{
	struct ring_ctx *c = ring_setup(test, 8, 0);
	struct scatterlist out, in[2], *sgs[2];
	char *hdr = kunit_kzalloc(test, 16, GFP_KERNEL);
	u8 *a = kunit_kzalloc(test, 64, GFP_KERNEL);
	u8 *b = kunit_kzalloc(test, 32, GFP_KERNEL);
	unsigned int len;
	int head;

	/* Buffers must be in the linear map, as for any DMA: kmalloc'ed. */
	strscpy(hdr, "header", 16);
	sg_init_one(&out, hdr, 16);
	sg_init_table(in, 2);
	sg_set_buf(&in[0], a, 64);
	sg_set_buf(&in[1], b, 32);
	sgs[0] = &out;
	sgs[1] = in;
	KUNIT_ASSERT_EQ(test, virtbus_vq_add_sgs(c->vq, sgs, 1, 1, c, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, c->vq->num_free, 5U);
	KUNIT_EXPECT_TRUE(test, virtbus_vq_kick(c->vq));
	KUNIT_EXPECT_EQ(test, c->notifies, 1);

	head = dev_pop(c);
	KUNIT_ASSERT_GE(test, head, 0);
	/* Readable first, then the two writable parts, chained. */
	KUNIT_EXPECT_EQ(test, le16_to_cpu(desc(c, head)->flags), VIRTBUS_DESC_F_NEXT);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(desc(c, head)->len), 16U);
	KUNIT_EXPECT_STREQ(test, (char *)dev_buf(desc(c, head)), "header");
	KUNIT_EXPECT_EQ(test, dev_write_chain(c, head, 0xab), 96U);
	dev_push(c, head, 96);

	KUNIT_EXPECT_TRUE(test, virtbus_vq_more_used(c->vq));
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(c->vq, &len), (void *)c);
	KUNIT_EXPECT_EQ(test, len, 96U);
	KUNIT_EXPECT_EQ(test, a[63], 0xab);
	KUNIT_EXPECT_EQ(test, b[0], 0xab);
	KUNIT_EXPECT_EQ(test, c->vq->num_free, 8U);
	KUNIT_EXPECT_NULL(test, virtbus_vq_get_buf(c->vq, &len));
	KUNIT_EXPECT_FALSE(test, virtbus_vq_is_broken(c->vq));
	ring_teardown(c);
}

static void ring_full_and_wrap(struct kunit *test)
{
	struct ring_ctx *c = ring_setup(test, 4, 0);
	u8 *buf = kunit_kzalloc(test, 4 * 8, GFP_KERNEL);
	struct scatterlist sg[4];
	unsigned int i, len;
	int head;

	for (i = 0; i < 4; i++) {
		sg_init_one(&sg[i], buf + 8 * i, 8);
		KUNIT_ASSERT_EQ(test, virtbus_vq_add_inbuf(c->vq, &sg[i], 1,
							   buf + 8 * i, GFP_KERNEL), 0);
	}
	KUNIT_EXPECT_EQ(test, virtbus_vq_add_inbuf(c->vq, &sg[0], 1, buf,
						   GFP_KERNEL), -ENOSPC);
	/* Cycle far past the 16-bit index wrap, one buffer per turn. */
	for (i = 0; i < 70000; i++) {
		head = dev_pop(c);
		KUNIT_ASSERT_GE(test, head, 0);
		dev_push(c, head, 8);
		KUNIT_ASSERT_NOT_NULL(test, virtbus_vq_get_buf(c->vq, &len));
		KUNIT_ASSERT_EQ(test, len, 8U);
		KUNIT_ASSERT_EQ(test, virtbus_vq_add_inbuf(c->vq, &sg[i % 4], 1,
							   buf + 8 * (i % 4),
							   GFP_KERNEL), 0);
	}
	KUNIT_EXPECT_EQ(test, c->vq->num_free, 0U);
	KUNIT_EXPECT_FALSE(test, virtbus_vq_is_broken(c->vq));
	ring_teardown(c);
}

static void ring_indirect(struct kunit *test)
{
	struct ring_ctx *c = ring_setup(test, 4, BIT_ULL(VIRTBUS_F_INDIRECT_DESC));
	u8 *buf = kunit_kzalloc(test, 3 * 16, GFP_KERNEL);
	struct scatterlist sg[3], *sgs[1] = { sg };
	struct virtbus_ring_desc *table;
	unsigned int len;
	int head;

	sg_init_table(sg, 3);
	sg_set_buf(&sg[0], buf, 16);
	sg_set_buf(&sg[1], buf + 16, 16);
	sg_set_buf(&sg[2], buf + 32, 16);
	KUNIT_ASSERT_EQ(test, virtbus_vq_add_sgs(c->vq, sgs, 0, 1, buf, GFP_KERNEL), 0);
	/* Three buffers, one ring descriptor. */
	KUNIT_EXPECT_EQ(test, c->vq->num_free, 3U);
	head = dev_pop(c);
	KUNIT_ASSERT_GE(test, head, 0);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(desc(c, head)->flags), VIRTBUS_DESC_F_INDIRECT);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(desc(c, head)->len), 3 * 16U);
	table = dev_buf(desc(c, head));
	KUNIT_EXPECT_EQ(test, le16_to_cpu(table[2].flags), VIRTBUS_DESC_F_WRITE);
	KUNIT_EXPECT_EQ(test, dev_write_chain(c, head, 0x5a), 48U);
	dev_push(c, head, 48);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_vq_get_buf(c->vq, &len), (void *)buf);
	KUNIT_EXPECT_EQ(test, buf[47], 0x5a);
	KUNIT_EXPECT_EQ(test, c->vq->num_free, 4U);
	ring_teardown(c);

	/* Without the feature the same request is a chain of three. */
	c = ring_setup(test, 4, 0);
	KUNIT_ASSERT_EQ(test, virtbus_vq_add_sgs(c->vq, sgs, 0, 1, buf, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, c->vq->num_free, 1U);
	head = dev_pop(c);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(desc(c, head)->flags),
			VIRTBUS_DESC_F_NEXT | VIRTBUS_DESC_F_WRITE);
	ring_teardown(c);
}

static void ring_need_event(struct kunit *test)
{
	static const struct {
		u16 event, new_idx, old_idx;
		bool notify;
	} cases[] = {
		/* The entry asked about is in [old, new): notify. */
		{ 5, 6, 5, true },
		{ 5, 10, 3, true },
		{ 3, 5, 3, true },
		{ 5, 5, 3, false },
		{ 10, 10, 3, false },
		{ 2, 10, 3, false },
		/* Across the 16-bit wrap. */
		{ 0xffff, 2, 0xfffe, true },
		{ 0, 2, 0xfffe, true },
		{ 3, 2, 0xfffe, false },
		{ 0xfffd, 2, 0xfffe, false },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    !!virtbus_ring_need_event(cases[i].event,
							      cases[i].new_idx,
							      cases[i].old_idx),
				    cases[i].notify, "case %u", i);
}

static void ring_event_idx(struct kunit *test)
{
	struct ring_ctx *c = ring_setup(test, 8, BIT_ULL(VIRTBUS_F_EVENT_IDX));
	__le16 *avail_event = (__le16 *)&used(c)->ring[8];
	__le16 *used_event = &avail(c)->ring[8];
	struct scatterlist sg;
	u8 buf[8];
	unsigned int len, i;
	int head;

	sg_init_one(&sg, buf, sizeof(buf));
	/* The device wants to hear when entry 1 (the second) is added. */
	*avail_event = cpu_to_le16(1);
	KUNIT_ASSERT_EQ(test, virtbus_vq_add_outbuf(c->vq, &sg, 1, buf, GFP_KERNEL), 0);
	KUNIT_EXPECT_FALSE(test, virtbus_vq_kick_prepare(c->vq));
	KUNIT_ASSERT_EQ(test, virtbus_vq_add_outbuf(c->vq, &sg, 1, buf + 1, GFP_KERNEL), 0);
	KUNIT_EXPECT_TRUE(test, virtbus_vq_kick_prepare(c->vq));

	/* Used event follows what the driver has consumed. */
	head = dev_pop(c);
	dev_push(c, head, 0);
	KUNIT_EXPECT_NOT_NULL(test, virtbus_vq_get_buf(c->vq, &len));
	KUNIT_EXPECT_EQ(test, le16_to_cpu(*used_event), 1);
	virtbus_vq_disable_cb(c->vq);
	KUNIT_EXPECT_NE(test, le16_to_cpu(*used_event), 1);
	KUNIT_EXPECT_TRUE(test, virtbus_vq_enable_cb(c->vq));
	KUNIT_EXPECT_EQ(test, le16_to_cpu(*used_event), 1);

	/* Delayed: three quarters of the outstanding buffers ahead. */
	for (i = 0; i < 6; i++)
		KUNIT_ASSERT_EQ(test, virtbus_vq_add_outbuf(c->vq, &sg, 1, buf + 2 + i,
							    GFP_KERNEL), 0);
	virtbus_vq_disable_cb(c->vq);
	KUNIT_EXPECT_TRUE(test, virtbus_vq_enable_cb_delayed(c->vq));
	KUNIT_EXPECT_EQ(test, le16_to_cpu(*used_event), 1 + 7 * 3 / 4);
	while (virtbus_vq_detach_unused_buf(c->vq))
		;
	ring_teardown(c);
}

static void ring_flag_suppression(struct kunit *test)
{
	struct ring_ctx *c = ring_setup(test, 8, 0);
	struct scatterlist sg;
	u8 buf[8];
	unsigned int len;
	int head;

	sg_init_one(&sg, buf, sizeof(buf));
	used(c)->flags = cpu_to_le16(VIRTBUS_USED_F_NO_NOTIFY);
	KUNIT_ASSERT_EQ(test, virtbus_vq_add_outbuf(c->vq, &sg, 1, buf, GFP_KERNEL), 0);
	KUNIT_EXPECT_FALSE(test, virtbus_vq_kick_prepare(c->vq));
	used(c)->flags = 0;
	KUNIT_ASSERT_EQ(test, virtbus_vq_add_outbuf(c->vq, &sg, 1, buf + 1, GFP_KERNEL), 0);
	KUNIT_EXPECT_TRUE(test, virtbus_vq_kick_prepare(c->vq));

	virtbus_vq_disable_cb(c->vq);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(avail(c)->flags), VIRTBUS_AVAIL_F_NO_INTERRUPT);
	KUNIT_EXPECT_EQ(test, virtbus_vq_interrupt(0, c->vq), IRQ_NONE);
	head = dev_pop(c);
	dev_push(c, head, 0);
	/* A buffer used meanwhile: enable_cb says "poll again". */
	KUNIT_EXPECT_FALSE(test, virtbus_vq_enable_cb(c->vq));
	KUNIT_EXPECT_EQ(test, le16_to_cpu(avail(c)->flags), 0);
	KUNIT_EXPECT_EQ(test, virtbus_vq_interrupt(0, c->vq), IRQ_HANDLED);
	KUNIT_EXPECT_EQ(test, c->callbacks, 1);
	KUNIT_EXPECT_NOT_NULL(test, virtbus_vq_get_buf(c->vq, &len));
	KUNIT_EXPECT_TRUE(test, virtbus_vq_enable_cb(c->vq));
	KUNIT_EXPECT_EQ(test, virtbus_vq_interrupt(0, c->vq), IRQ_NONE);
	while (virtbus_vq_detach_unused_buf(c->vq))
		;
	ring_teardown(c);
}

static void ring_detach(struct kunit *test)
{
	struct ring_ctx *c = ring_setup(test, 8, BIT_ULL(VIRTBUS_F_INDIRECT_DESC));
	u8 *buf = kunit_kzalloc(test, 64, GFP_KERNEL);
	struct scatterlist sg[2], *sgs[1] = { sg };
	unsigned long seen = 0;
	unsigned int i;
	void *tok;

	sg_init_table(sg, 2);
	sg_set_buf(&sg[0], buf, 8);
	sg_set_buf(&sg[1], buf + 8, 8);
	for (i = 0; i < 5; i++)
		KUNIT_ASSERT_EQ(test, virtbus_vq_add_sgs(c->vq, sgs, 1, 0, buf + i,
							 GFP_KERNEL), 0);
	while ((tok = virtbus_vq_detach_unused_buf(c->vq))) {
		i = (u8 *)tok - buf;
		KUNIT_ASSERT_LT(test, i, 5U);
		KUNIT_EXPECT_FALSE(test, test_bit(i, &seen));
		__set_bit(i, &seen);
	}
	KUNIT_EXPECT_EQ(test, seen, 0x1fUL);
	KUNIT_EXPECT_EQ(test, c->vq->num_free, 8U);
	ring_teardown(c);
}

enum hostile { AHEAD, ID_RANGE, NOT_HEAD, LEN, LEN_OUT, NOTIFY, DEVICE };

static void ring_hostile_case(struct kunit *test, enum hostile how)
{
	struct ring_ctx *c = ring_setup(test, 8, 0);
	struct scatterlist sg[2], *sgs[1] = { sg }, one;
	u8 *buf = kunit_kzalloc(test, 32, GFP_KERNEL);
	unsigned int len, n = 0;
	int head;

	sg_init_table(sg, 2);
	sg_set_buf(&sg[0], buf, 8);
	sg_set_buf(&sg[1], buf + 8, 8);
	KUNIT_ASSERT_EQ(test, virtbus_vq_add_sgs(c->vq, sgs, 0, 1, buf, GFP_KERNEL), 0);
	sg_init_one(&one, buf + 16, 8);
	KUNIT_ASSERT_EQ(test, virtbus_vq_add_outbuf(c->vq, &one, 1, buf + 16,
						    GFP_KERNEL), 0);
	head = dev_pop(c);

	switch (how) {
	case AHEAD:
		/* Three used with two outstanding. */
		used(c)->idx = cpu_to_le16(3);
		break;
	case ID_RANGE:
		dev_push(c, 8, 0);
		break;
	case NOT_HEAD:
		/* The second descriptor of the chain is no head. */
		dev_push(c, le16_to_cpu(desc(c, head)->next), 0);
		break;
	case LEN:
		dev_push(c, head, 17);
		break;
	case LEN_OUT:
		dev_pop(c);
		dev_push(c, le16_to_cpu(avail(c)->ring[1]), 1);
		break;
	case NOTIFY:
		c->notify_fails = true;
		KUNIT_EXPECT_FALSE(test, virtbus_vq_kick(c->vq));
		break;
	case DEVICE:
		c->vdev->broken = true;
		dev_push(c, head, 16);
		break;
	}
	KUNIT_EXPECT_NULL(test, virtbus_vq_get_buf(c->vq, &len));
	KUNIT_EXPECT_TRUE(test, virtbus_vq_is_broken(c->vq));
	KUNIT_EXPECT_EQ(test, virtbus_vq_add_outbuf(c->vq, &one, 1, buf,
						    GFP_KERNEL), -EIO);
	KUNIT_EXPECT_FALSE(test, virtbus_vq_kick(c->vq));
	KUNIT_EXPECT_FALSE(test, virtbus_vq_more_used(c->vq));
	KUNIT_EXPECT_NULL(test, virtbus_vq_get_buf(c->vq, &len));
	/* Whatever the device did, the driver gets every buffer back. */
	while (virtbus_vq_detach_unused_buf(c->vq))
		n++;
	KUNIT_EXPECT_EQ(test, n, 2U);
	KUNIT_EXPECT_EQ(test, c->vq->num_free, 8U);
	ring_teardown(c);
}

static void ring_hostile(struct kunit *test)
{
	enum hostile how;

	for (how = AHEAD; how <= DEVICE; how++)
		ring_hostile_case(test, how);
}

static void ring_bad_params(struct kunit *test)
{
	struct ring_ctx *c = ring_setup(test, 8, 0);
	struct virtbus_vq_params p = {
		.align = 4096, .notify = test_notify, .dma_dev = c->dma_dev,
	};
	static const unsigned int bad[] = { 0, 3, 65536 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		p.num = bad[i];
		KUNIT_EXPECT_EQ(test, PTR_ERR(virtbus_vq_new(c->vdev, &p)),
				(long)-EINVAL);
	}
	ring_teardown(c);
}

/*
 * The suite runs while this module is still loading, before its sysfs
 * directory exists: the DMA device is registered without an owner, which
 * would link it there.
 */
static int ring_test_init(struct kunit *test)
{
	struct device *dev = __root_device_register("virtbus_ring_test", NULL);

	if (IS_ERR(dev))
		return PTR_ERR(dev);
	dev->coherent_dma_mask = DMA_BIT_MASK(64);
	dev->dma_mask = &dev->coherent_dma_mask;
	test->priv = dev;
	return 0;
}

static void ring_test_exit(struct kunit *test)
{
	if (test->priv)
		root_device_unregister(test->priv);
}

static struct kunit_case virtbus_ring_cases[] = {
	KUNIT_CASE(ring_round_trip),
	KUNIT_CASE(ring_full_and_wrap),
	KUNIT_CASE(ring_indirect),
	KUNIT_CASE(ring_need_event),
	KUNIT_CASE(ring_event_idx),
	KUNIT_CASE(ring_flag_suppression),
	KUNIT_CASE(ring_detach),
	KUNIT_CASE(ring_hostile),
	KUNIT_CASE(ring_bad_params),
	{}
};

static struct kunit_suite virtbus_ring_suite = {
	.name = "virtbus_ring",
	.init = ring_test_init,
	.exit = ring_test_exit,
	.test_cases = virtbus_ring_cases,
};

kunit_test_suite(virtbus_ring_suite);

MODULE_DESCRIPTION("KUnit tests for the virtbus split virtqueue");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(VIRTBUS);

// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the pure parts of virtbus_net's data path (virtbus_net_lib.c,
 * built into this module) on hostile input: packet headers with flags,
 * GSO types, sizes and checksum offsets no device should send, and
 * merged packets with num_buffers that are zero, too large, more than
 * the device returned, empty buffers, or packets beyond 64 KiB.
 *
 * Every receive buffer is a page the test holds a reference to besides
 * the one it hands over; once a case is done, each page must be back to
 * the test's one reference: the code under test neither leaked a buffer
 * nor freed one twice.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include "../drivers/net/virtbus_net_lib.c"

#define NT_HDR		sizeof(struct virtbus_net_hdr)
#define NT_MAX_BUFS	32
#define NT_BUF_DATA	(PAGE_SIZE - VBNET_RX_META)

/* Receive buffers as the device would return them. */
struct nt_bufs {
	struct kunit *test;
	struct page *page[NT_MAX_BUFS];
	unsigned int len[NT_MAX_BUFS];
	unsigned int n;		/* made */
	unsigned int next;	/* handed out */
};

static void *nt_meta(struct nt_bufs *b, unsigned int i)
{
	return page_address(b->page[i]);
}

/* Byte @i of the packet data of buffer @buf. */
static u8 nt_pattern(unsigned int buf, unsigned int i)
{
	return (u8)(buf * 31 + i * 7 + 1);
}

/* A buffer with @len bytes written; the first carries the header. */
static void nt_add(struct nt_bufs *b, unsigned int len, u16 num_buffers)
{
	unsigned int i = b->n++, j, start = 0;
	struct vbnet_rx_meta *meta;
	u8 *data;

	KUNIT_ASSERT_LT(b->test, i, NT_MAX_BUFS);
	b->page[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(b->test, b->page[i]);
	/* One reference for the test, one for the code under test. */
	get_page(b->page[i]);
	meta = nt_meta(b, i);
	meta->truesize = PAGE_SIZE;
	data = vbnet_rx_data(meta);
	if (i == 0 && len >= NT_HDR) {
		struct virtbus_net_hdr *hdr = (void *)data;

		hdr->num_buffers = cpu_to_le16(num_buffers);
		start = NT_HDR;
	}
	for (j = start; j < len; j++)
		data[j] = nt_pattern(i, j);
	b->len[i] = len;
}

static bool nt_next(void *ctx, void **meta, unsigned int *len)
{
	struct nt_bufs *b = ctx;

	if (b->next >= b->n)
		return false;
	*meta = nt_meta(b, b->next);
	*len = b->len[b->next];
	b->next++;
	return true;
}

/* Build from the buffers: the first is taken as the ring would. */
static struct sk_buff *nt_build(struct nt_bufs *b, bool mergeable,
				unsigned int max_bufs, const char **why)
{
	struct vbnet_rx_layout lay = {
		.hdr_len = NT_HDR,
		.mergeable = mergeable,
		.max_bufs = max_bufs,
	};
	struct virtbus_net_hdr hdr;

	b->next = 1;
	return vbnet_rx_build(NULL, &lay, nt_meta(b, 0), b->len[0], nt_next,
			      b, &hdr, why);
}

/* Every page back to the test's one reference, then freed. */
static void nt_release(struct nt_bufs *b)
{
	unsigned int i;
	int ref;

	for (i = 0; i < b->n; i++) {
		ref = page_ref_count(b->page[i]);
		KUNIT_EXPECT_EQ_MSG(b->test, ref, 1,
				    "buffer %u leaked or freed twice", i);
		while (ref-- > 0)
			put_page(b->page[i]);
	}
}

/* The packet is the data of buffers 0..n-1, header left out. */
static void nt_expect_data(struct kunit *test, struct sk_buff *skb,
			   struct nt_bufs *b, unsigned int n)
{
	unsigned int i, j, at = 0, total = 0;
	u8 *got;

	for (i = 0; i < n; i++)
		total += b->len[i] - (i ? 0 : NT_HDR);
	KUNIT_ASSERT_EQ(test, skb->len, total);
	got = kunit_kmalloc(test, total, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, got);
	KUNIT_ASSERT_EQ(test, skb_copy_bits(skb, 0, got, total), 0);
	for (i = 0; i < n; i++)
		for (j = i ? 0 : NT_HDR; j < b->len[i]; j++, at++)
			if (got[at] != nt_pattern(i, j)) {
				KUNIT_FAIL(test, "byte %u (buffer %u offset %u) is %u, not %u",
					   at, i, j, got[at], nt_pattern(i, j));
				return;
			}
}

static void nt_small_packet_is_copied(struct kunit *test)
{
	struct nt_bufs b = { .test = test };
	struct sk_buff *skb;
	const char *why;

	nt_add(&b, NT_HDR + 60, 1);
	skb = nt_build(&b, true, 256, &why);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_EXPECT_NULL(test, why);
	KUNIT_EXPECT_EQ(test, skb_shinfo(skb)->nr_frags, 0);
	nt_expect_data(test, skb, &b, 1);
	kfree_skb(skb);
	nt_release(&b);
}

static void nt_merged_packet(struct kunit *test)
{
	struct nt_bufs b = { .test = test };
	struct sk_buff *skb;
	const char *why;

	nt_add(&b, NT_BUF_DATA, 3);
	nt_add(&b, NT_BUF_DATA, 0);
	nt_add(&b, 100, 0);
	nt_add(&b, 64, 0);	/* the next packet's: must not be taken */
	skb = nt_build(&b, true, 256, &why);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_EXPECT_EQ(test, b.next, 3U);
	nt_expect_data(test, skb, &b, 3);
	kfree_skb(skb);
	vbnet_rx_free_buf(nt_meta(&b, 3));
	nt_release(&b);
}

/* More buffers than an skb has frags: the rest go on the frag_list. */
static void nt_merged_packet_chains(struct kunit *test)
{
	struct nt_bufs b = { .test = test };
	unsigned int i, n = MAX_SKB_FRAGS + 4;
	struct sk_buff *skb;
	const char *why;

	nt_add(&b, 2000, n);
	for (i = 1; i < n; i++)
		nt_add(&b, 2000, 0);
	skb = nt_build(&b, true, 256, &why);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_EXPECT_TRUE(test, skb_has_frag_list(skb));
	nt_expect_data(test, skb, &b, n);
	kfree_skb(skb);
	nt_release(&b);
}

static void nt_num_buffers_zero(struct kunit *test)
{
	struct nt_bufs b = { .test = test };
	const char *why;

	nt_add(&b, 200, 0);
	nt_add(&b, 200, 0);
	KUNIT_EXPECT_NULL(test, nt_build(&b, true, 256, &why));
	KUNIT_EXPECT_NOT_NULL(test, why);
	/* Out of range: nothing after the first buffer is taken. */
	KUNIT_EXPECT_EQ(test, b.next, 1U);
	vbnet_rx_free_buf(nt_meta(&b, 1));
	nt_release(&b);
}

static void nt_num_buffers_beyond_ring(struct kunit *test)
{
	struct nt_bufs b = { .test = test };
	const char *why;

	nt_add(&b, 200, 0xffff);
	KUNIT_EXPECT_NULL(test, nt_build(&b, true, 256, &why));
	KUNIT_EXPECT_NOT_NULL(test, why);
	nt_release(&b);

	b = (struct nt_bufs){ .test = test };
	nt_add(&b, 200, 5);
	KUNIT_EXPECT_NULL(test, nt_build(&b, true, 4, &why));
	KUNIT_EXPECT_NOT_NULL(test, why);
	nt_release(&b);
}

/* The device claims more buffers than it returned. */
static void nt_num_buffers_missing(struct kunit *test)
{
	struct nt_bufs b = { .test = test };
	const char *why;

	nt_add(&b, 1000, 4);
	nt_add(&b, 1000, 0);
	nt_add(&b, 1000, 0);
	KUNIT_EXPECT_NULL(test, nt_build(&b, true, 256, &why));
	KUNIT_EXPECT_NOT_NULL(test, why);
	KUNIT_EXPECT_EQ(test, b.next, 3U);
	nt_release(&b);
}

/* A bad buffer in the middle: the packet's other buffers go too. */
static void nt_empty_buffer_keeps_framing(struct kunit *test)
{
	struct nt_bufs b = { .test = test };
	const char *why;

	nt_add(&b, 1000, 3);
	nt_add(&b, 0, 0);
	nt_add(&b, 1000, 0);
	nt_add(&b, 1000, 0);	/* the next packet's */
	KUNIT_EXPECT_NULL(test, nt_build(&b, true, 256, &why));
	KUNIT_EXPECT_NOT_NULL(test, why);
	KUNIT_EXPECT_EQ(test, b.next, 3U);
	vbnet_rx_free_buf(nt_meta(&b, 3));
	nt_release(&b);
}

static void nt_packet_beyond_64k(struct kunit *test)
{
	struct nt_bufs b = { .test = test };
	unsigned int i, n = 20;
	const char *why;

	nt_add(&b, NT_BUF_DATA, n);
	for (i = 1; i < n; i++)
		nt_add(&b, NT_BUF_DATA, 0);
	KUNIT_EXPECT_NULL(test, nt_build(&b, true, 256, &why));
	KUNIT_EXPECT_NOT_NULL(test, why);
	KUNIT_EXPECT_EQ(test, b.next, n);
	nt_release(&b);
}

static void nt_shorter_than_header(struct kunit *test)
{
	struct nt_bufs b = { .test = test };
	const char *why;

	nt_add(&b, NT_HDR - 1, 0);
	KUNIT_EXPECT_NULL(test, nt_build(&b, true, 256, &why));
	KUNIT_EXPECT_NOT_NULL(test, why);
	nt_release(&b);
}

/* Without MRG_RXBUF num_buffers means nothing: one buffer a packet. */
static void nt_small_buffers_ignore_num_buffers(struct kunit *test)
{
	struct nt_bufs b = { .test = test };
	struct sk_buff *skb;
	const char *why;

	nt_add(&b, 1500, 0xffff);
	nt_add(&b, 1500, 0);
	skb = nt_build(&b, false, 256, &why);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_EXPECT_EQ(test, b.next, 1U);
	nt_expect_data(test, skb, &b, 1);
	kfree_skb(skb);
	vbnet_rx_free_buf(nt_meta(&b, 1));
	nt_release(&b);
}

static void nt_frag_size(struct kunit *test)
{
	unsigned int avg, size, min = NT_HDR + ETH_HLEN + VLAN_HLEN +
				      ETH_DATA_LEN;

	for (avg = 0; avg < 70000; avg += 499) {
		size = vbnet_rx_frag_size(avg, NT_HDR);
		KUNIT_EXPECT_EQ(test, size % L1_CACHE_BYTES, 0U);
		KUNIT_EXPECT_LE(test, size, (unsigned int)PAGE_SIZE);
		KUNIT_EXPECT_GE(test, size - VBNET_RX_META, min);
		if (avg >= min && avg + VBNET_RX_META <= PAGE_SIZE)
			KUNIT_EXPECT_GE(test, size - VBNET_RX_META, avg);
	}
	KUNIT_EXPECT_EQ(test, vbnet_rx_frag_size(UINT_MAX, NT_HDR),
			(unsigned int)PAGE_SIZE);
}

/* Header checks. */

static const struct vbnet_rx_caps nt_all_caps = {
	.csum = true, .rxcsum = true, .tso4 = true, .tso6 = true,
	.ecn = true, .max_frame = ETH_HLEN + VLAN_HLEN + ETH_DATA_LEN,
};

static struct sk_buff *nt_skb(struct kunit *test, unsigned int len)
{
	struct sk_buff *skb = alloc_skb(len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_put_zero(skb, len);
	return skb;
}

/* Apply @hdr to a fresh packet of @len bytes; return the result. */
static int nt_hdr(struct kunit *test, const struct virtbus_net_hdr *hdr,
		  const struct vbnet_rx_caps *caps, unsigned int len,
		  struct sk_buff **out)
{
	struct sk_buff *skb = nt_skb(test, len);
	const char *why;
	int err;

	err = vbnet_hdr_to_skb(skb, hdr, caps, &why);
	if (err == -EINVAL)
		KUNIT_EXPECT_NOT_NULL(test, why);
	if (out && !err) {
		*out = skb;
		return 0;
	}
	kfree_skb(skb);
	return err;
}

static void nt_hdr_bad_flags(struct kunit *test)
{
	struct vbnet_rx_caps no_csum = nt_all_caps;
	struct virtbus_net_hdr h = { };

	h.flags = VIRTBUS_NET_HDR_F_RSC_INFO;
	KUNIT_EXPECT_EQ(test, nt_hdr(test, &h, &nt_all_caps, 100, NULL), -EINVAL);
	h.flags = 0x80;
	KUNIT_EXPECT_EQ(test, nt_hdr(test, &h, &nt_all_caps, 100, NULL), -EINVAL);
	no_csum.csum = false;
	h.flags = VIRTBUS_NET_HDR_F_DATA_VALID;
	KUNIT_EXPECT_EQ(test, nt_hdr(test, &h, &no_csum, 100, NULL), -EINVAL);
	h.flags = VIRTBUS_NET_HDR_F_NEEDS_CSUM;
	h.csum_start = cpu_to_le16(34);
	h.csum_offset = cpu_to_le16(16);
	KUNIT_EXPECT_EQ(test, nt_hdr(test, &h, &no_csum, 100, NULL), -EINVAL);
}

static void nt_hdr_bad_csum_offsets(struct kunit *test)
{
	static const u16 bad[][2] = {
		{ 0, 16 }, { 13, 0 }, { 34, 65 }, { 98, 1 }, { 99, 0 },
		{ 0xffff, 0xffff }, { 34, 0xffff }, { 0xfff0, 16 },
	};
	struct virtbus_net_hdr h = { .flags = VIRTBUS_NET_HDR_F_NEEDS_CSUM };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		h.csum_start = cpu_to_le16(bad[i][0]);
		h.csum_offset = cpu_to_le16(bad[i][1]);
		KUNIT_EXPECT_EQ_MSG(test, nt_hdr(test, &h, &nt_all_caps, 100, NULL),
				    -EINVAL, "csum_start %u csum_offset %u",
				    bad[i][0], bad[i][1]);
	}
}

static void nt_hdr_good_csum(struct kunit *test)
{
	struct virtbus_net_hdr h = { .flags = VIRTBUS_NET_HDR_F_NEEDS_CSUM };
	struct vbnet_rx_caps off = nt_all_caps;
	struct sk_buff *skb;

	h.csum_start = cpu_to_le16(34);
	h.csum_offset = cpu_to_le16(16);
	KUNIT_ASSERT_EQ(test, nt_hdr(test, &h, &nt_all_caps, 100, &skb), 0);
	KUNIT_EXPECT_EQ(test, (int)skb->ip_summed, CHECKSUM_PARTIAL);
	KUNIT_EXPECT_EQ(test, skb_checksum_start_offset(skb), 34);
	KUNIT_EXPECT_EQ(test, skb->csum_offset, 16);
	kfree_skb(skb);

	/* The last two bytes of the packet are still inside it. */
	h.csum_start = cpu_to_le16(98);
	h.csum_offset = cpu_to_le16(0);
	KUNIT_ASSERT_EQ(test, nt_hdr(test, &h, &nt_all_caps, 100, &skb), 0);
	kfree_skb(skb);

	h = (struct virtbus_net_hdr){ .flags = VIRTBUS_NET_HDR_F_DATA_VALID };
	KUNIT_ASSERT_EQ(test, nt_hdr(test, &h, &nt_all_caps, 100, &skb), 0);
	KUNIT_EXPECT_EQ(test, (int)skb->ip_summed, CHECKSUM_UNNECESSARY);
	kfree_skb(skb);
	/* With rx checksumming off, DATA_VALID is not believed. */
	off.rxcsum = false;
	KUNIT_ASSERT_EQ(test, nt_hdr(test, &h, &off, 100, &skb), 0);
	KUNIT_EXPECT_EQ(test, (int)skb->ip_summed, CHECKSUM_NONE);
	kfree_skb(skb);
}

static void nt_hdr_bad_gso(struct kunit *test)
{
	struct virtbus_net_hdr h = { .flags = VIRTBUS_NET_HDR_F_NEEDS_CSUM };
	struct vbnet_rx_caps caps = nt_all_caps;
	static const u8 types[] = {
		VIRTBUS_NET_HDR_GSO_UDP, 2, 5, 0x7f, 0xff,
		VIRTBUS_NET_HDR_GSO_ECN,
	};
	unsigned int i;

	h.csum_start = cpu_to_le16(34);
	h.csum_offset = cpu_to_le16(16);
	h.gso_size = cpu_to_le16(1448);
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		h.gso_type = types[i];
		KUNIT_EXPECT_EQ_MSG(test, nt_hdr(test, &h, &caps, 100, NULL),
				    -EINVAL, "gso_type %#x", types[i]);
	}
	/* Types not negotiated. */
	h.gso_type = VIRTBUS_NET_HDR_GSO_TCPV4;
	caps.tso4 = false;
	KUNIT_EXPECT_EQ(test, nt_hdr(test, &h, &caps, 100, NULL), -EINVAL);
	h.gso_type = VIRTBUS_NET_HDR_GSO_TCPV6 | VIRTBUS_NET_HDR_GSO_ECN;
	caps = nt_all_caps;
	caps.ecn = false;
	KUNIT_EXPECT_EQ(test, nt_hdr(test, &h, &caps, 100, NULL), -EINVAL);
	/* No segment size; no partial checksum. */
	h.gso_type = VIRTBUS_NET_HDR_GSO_TCPV4;
	h.gso_size = 0;
	KUNIT_EXPECT_EQ(test, nt_hdr(test, &h, &nt_all_caps, 100, NULL), -EINVAL);
	h.gso_size = cpu_to_le16(1448);
	h.flags = VIRTBUS_NET_HDR_F_DATA_VALID;
	KUNIT_EXPECT_EQ(test, nt_hdr(test, &h, &nt_all_caps, 100, NULL), -EINVAL);
}

static void nt_hdr_good_gso(struct kunit *test)
{
	struct virtbus_net_hdr h = { .flags = VIRTBUS_NET_HDR_F_NEEDS_CSUM };
	struct sk_buff *skb;

	h.csum_start = cpu_to_le16(54);
	h.csum_offset = cpu_to_le16(16);
	h.gso_size = cpu_to_le16(1428);
	h.gso_type = VIRTBUS_NET_HDR_GSO_TCPV6 | VIRTBUS_NET_HDR_GSO_ECN;
	KUNIT_ASSERT_EQ(test, nt_hdr(test, &h, &nt_all_caps, 4000, &skb), 0);
	KUNIT_EXPECT_EQ(test, skb_shinfo(skb)->gso_size, 1428);
	KUNIT_EXPECT_EQ(test, skb_shinfo(skb)->gso_type,
			SKB_GSO_TCPV6 | SKB_GSO_TCP_ECN | SKB_GSO_DODGY);
	KUNIT_EXPECT_EQ(test, skb_shinfo(skb)->gso_segs, 0);
	kfree_skb(skb);
}

static void nt_hdr_bad_lengths(struct kunit *test)
{
	struct virtbus_net_hdr h = { };
	struct vbnet_rx_caps caps = nt_all_caps;
	struct sk_buff *skb;

	KUNIT_EXPECT_EQ(test, nt_hdr(test, &h, &caps, ETH_HLEN - 1, NULL), -EINVAL);
	/* Longer than the MTU allows, and not GSO. */
	KUNIT_EXPECT_EQ(test, nt_hdr(test, &h, &caps, caps.max_frame + 1, NULL),
			-EINVAL);
	KUNIT_ASSERT_EQ(test, nt_hdr(test, &h, &caps, caps.max_frame, &skb), 0);
	KUNIT_EXPECT_EQ(test, (int)skb->ip_summed, CHECKSUM_NONE);
	KUNIT_EXPECT_FALSE(test, skb_is_gso(skb));
	kfree_skb(skb);
}

/* The header we send. */
static void nt_hdr_from_skb(struct kunit *test)
{
	struct virtbus_net_hdr h;
	struct sk_buff *skb = nt_skb(test, 200);

	memset(&h, 0xaa, sizeof(h));
	KUNIT_ASSERT_EQ(test, vbnet_hdr_from_skb(skb, &h), 0);
	KUNIT_EXPECT_EQ(test, h.flags, 0);
	KUNIT_EXPECT_EQ(test, h.gso_type, VIRTBUS_NET_HDR_GSO_NONE);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(h.num_buffers), 0);

	skb_set_network_header(skb, ETH_HLEN);
	skb_set_transport_header(skb, 34);
	tcp_hdr(skb)->doff = 8;
	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->csum_start = skb_headroom(skb) + 34;
	skb->csum_offset = 16;
	skb_shinfo(skb)->gso_size = 1000;
	skb_shinfo(skb)->gso_type = SKB_GSO_TCPV4 | SKB_GSO_TCP_ECN;
	KUNIT_ASSERT_EQ(test, vbnet_hdr_from_skb(skb, &h), 0);
	KUNIT_EXPECT_EQ(test, h.flags, VIRTBUS_NET_HDR_F_NEEDS_CSUM);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(h.csum_start), 34);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(h.csum_offset), 16);
	KUNIT_EXPECT_EQ(test, h.gso_type,
			VIRTBUS_NET_HDR_GSO_TCPV4 | VIRTBUS_NET_HDR_GSO_ECN);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(h.gso_size), 1000);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(h.hdr_len), 34 + 32);

	/* GSO we never offered: refused, not sent with a wrong header. */
	skb_shinfo(skb)->gso_type = SKB_GSO_UDP_L4;
	KUNIT_EXPECT_EQ(test, vbnet_hdr_from_skb(skb, &h), -EINVAL);
	skb_shinfo(skb)->gso_type = SKB_GSO_TCPV6;
	skb->ip_summed = CHECKSUM_NONE;
	KUNIT_EXPECT_EQ(test, vbnet_hdr_from_skb(skb, &h), -EINVAL);
	skb_shinfo(skb)->gso_size = 0;
	kfree_skb(skb);
}

static struct kunit_case virtbus_net_cases[] = {
	KUNIT_CASE(nt_small_packet_is_copied),
	KUNIT_CASE(nt_merged_packet),
	KUNIT_CASE(nt_merged_packet_chains),
	KUNIT_CASE(nt_num_buffers_zero),
	KUNIT_CASE(nt_num_buffers_beyond_ring),
	KUNIT_CASE(nt_num_buffers_missing),
	KUNIT_CASE(nt_empty_buffer_keeps_framing),
	KUNIT_CASE(nt_packet_beyond_64k),
	KUNIT_CASE(nt_shorter_than_header),
	KUNIT_CASE(nt_small_buffers_ignore_num_buffers),
	KUNIT_CASE(nt_frag_size),
	KUNIT_CASE(nt_hdr_bad_flags),
	KUNIT_CASE(nt_hdr_bad_csum_offsets),
	KUNIT_CASE(nt_hdr_good_csum),
	KUNIT_CASE(nt_hdr_bad_gso),
	KUNIT_CASE(nt_hdr_good_gso),
	KUNIT_CASE(nt_hdr_bad_lengths),
	KUNIT_CASE(nt_hdr_from_skb),
	{ }
};

static struct kunit_suite virtbus_net_suite = {
	.name = "virtbus_net",
	.test_cases = virtbus_net_cases,
};

kunit_test_suite(virtbus_net_suite);

MODULE_DESCRIPTION("KUnit tests for virtbus_net's packet parsing");
MODULE_LICENSE("GPL");

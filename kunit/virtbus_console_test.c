// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: virtbus_console's control message checks (virtbus_console_msg.c,
 * built into this module) on what a hostile device may send: messages
 * shorter than their header, unknown events, events only the driver
 * sends, port ids at and beyond max_nr_ports, open values other than 0
 * and 1, RESIZE without its size, names empty, unterminated at the
 * buffer's end, with a NUL or '/' inside, or longer than we keep. Each
 * good message must come out with exactly the fields the device wrote.
 */
#include <kunit/test.h>
#include "../drivers/char/virtbus_console_msg.c"

#define CT_PORTS	8

struct ct_msg {
	struct virtbus_console_control c;
	u8 extra[VBCON_NAME_MAX + 8];
} __packed;

static unsigned int ct_make(struct ct_msg *m, u32 id, u16 event, u16 value,
			    const void *extra, unsigned int extra_len)
{
	memset(m, 0xa5, sizeof(*m));
	m->c.id = cpu_to_le32(id);
	m->c.event = cpu_to_le16(event);
	m->c.value = cpu_to_le16(value);
	memcpy(m->extra, extra, extra_len);
	return sizeof(m->c) + extra_len;
}

static struct kunit *ct_test;

static int ct_parse(struct ct_msg *m, unsigned int len,
		    struct vbcon_ctrl_msg *out)
{
	const char *why = NULL;
	int ret = vbcon_parse_ctrl(m, len, CT_PORTS, out, &why);

	/* Every refusal says why. */
	if (ret)
		KUNIT_EXPECT_NOT_NULL(ct_test, why);
	return ret;
}

static int ct_init(struct kunit *test)
{
	ct_test = test;
	return 0;
}

static void ct_short(struct kunit *test)
{
	struct vbcon_ctrl_msg out;
	struct ct_msg m;
	unsigned int len;

	ct_make(&m, 1, VIRTBUS_CONSOLE_PORT_OPEN, 1, NULL, 0);
	for (len = 0; len < sizeof(m.c); len++)
		KUNIT_EXPECT_EQ(test, ct_parse(&m, len, &out), -EINVAL);
	KUNIT_EXPECT_EQ(test, ct_parse(&m, sizeof(m.c), &out), 0);
	KUNIT_EXPECT_EQ(test, out.id, 1U);
	KUNIT_EXPECT_EQ(test, out.event, VIRTBUS_CONSOLE_PORT_OPEN);
	KUNIT_EXPECT_EQ(test, out.value, 1);
}

static void ct_ids(struct kunit *test)
{
	static const u32 bad[] = { CT_PORTS, CT_PORTS + 1, 0x7fffffff,
				   0xffffffff };
	struct vbcon_ctrl_msg out;
	struct ct_msg m;
	unsigned int i, len;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		len = ct_make(&m, bad[i], VIRTBUS_CONSOLE_DEVICE_ADD, 0, NULL, 0);
		KUNIT_EXPECT_EQ(test, ct_parse(&m, len, &out), -EINVAL);
	}
	len = ct_make(&m, CT_PORTS - 1, VIRTBUS_CONSOLE_DEVICE_ADD, 0, NULL, 0);
	KUNIT_EXPECT_EQ(test, ct_parse(&m, len, &out), 0);
	KUNIT_EXPECT_EQ(test, out.id, CT_PORTS - 1);
}

static void ct_events(struct kunit *test)
{
	struct vbcon_ctrl_msg out;
	struct ct_msg m;
	unsigned int ev, len;
	u8 size[4] = { 80, 0, 25, 0 };

	for (ev = 0; ev < 64; ev++) {
		bool good = ev == VIRTBUS_CONSOLE_DEVICE_ADD ||
			    ev == VIRTBUS_CONSOLE_DEVICE_REMOVE ||
			    ev == VIRTBUS_CONSOLE_CONSOLE_PORT ||
			    ev == VIRTBUS_CONSOLE_PORT_OPEN ||
			    ev == VIRTBUS_CONSOLE_RESIZE ||
			    ev == VIRTBUS_CONSOLE_PORT_NAME;

		len = ct_make(&m, 0, ev, 0, ev == VIRTBUS_CONSOLE_RESIZE ? size : (const void *)"x",
			      ev == VIRTBUS_CONSOLE_RESIZE ? 4 : 1);
		KUNIT_EXPECT_EQ_MSG(test, ct_parse(&m, len, &out), good ? 0 : -EINVAL,
				    "event %u", ev);
	}
	len = ct_make(&m, 0, 0xffff, 0, NULL, 0);
	KUNIT_EXPECT_EQ(test, ct_parse(&m, len, &out), -EINVAL);
}

static void ct_open_values(struct kunit *test)
{
	static const u16 vals[] = { 2, 0x100, 0xffff };
	struct vbcon_ctrl_msg out;
	struct ct_msg m;
	unsigned int i, len;

	for (i = 0; i < ARRAY_SIZE(vals); i++) {
		len = ct_make(&m, 2, VIRTBUS_CONSOLE_PORT_OPEN, vals[i], NULL, 0);
		KUNIT_EXPECT_EQ(test, ct_parse(&m, len, &out), -EINVAL);
	}
	len = ct_make(&m, 2, VIRTBUS_CONSOLE_PORT_OPEN, 0, NULL, 0);
	KUNIT_EXPECT_EQ(test, ct_parse(&m, len, &out), 0);
	KUNIT_EXPECT_EQ(test, out.value, 0);
}

static void ct_resize(struct kunit *test)
{
	u8 size[4] = { 0x34, 0x12, 0x78, 0x56 };
	struct vbcon_ctrl_msg out;
	struct ct_msg m;
	unsigned int extra;

	for (extra = 0; extra < sizeof(size); extra++) {
		ct_make(&m, 0, VIRTBUS_CONSOLE_RESIZE, 0, size, extra);
		KUNIT_EXPECT_EQ(test, ct_parse(&m, sizeof(m.c) + extra, &out), -EINVAL);
	}
	ct_make(&m, 0, VIRTBUS_CONSOLE_RESIZE, 0, size, sizeof(size));
	KUNIT_ASSERT_EQ(test, ct_parse(&m, sizeof(m.c) + sizeof(size), &out), 0);
	KUNIT_EXPECT_EQ(test, out.cols, 0x1234);
	KUNIT_EXPECT_EQ(test, out.rows, 0x5678);
}

static void ct_names(struct kunit *test)
{
	char name[VBCON_NAME_MAX + 2];
	struct vbcon_ctrl_msg out;
	struct ct_msg m;
	unsigned int len;

	/* No name, or only its NUL. */
	len = ct_make(&m, 3, VIRTBUS_CONSOLE_PORT_NAME, 0, NULL, 0);
	KUNIT_EXPECT_EQ(test, ct_parse(&m, len, &out), -EINVAL);
	len = ct_make(&m, 3, VIRTBUS_CONSOLE_PORT_NAME, 0, "", 1);
	KUNIT_EXPECT_EQ(test, ct_parse(&m, len, &out), -EINVAL);
	/* A NUL inside, a '/' (it becomes a path under /dev). */
	len = ct_make(&m, 3, VIRTBUS_CONSOLE_PORT_NAME, 0, "ab\0cd", 5);
	KUNIT_EXPECT_EQ(test, ct_parse(&m, len, &out), -EINVAL);
	len = ct_make(&m, 3, VIRTBUS_CONSOLE_PORT_NAME, 0, "../x", 4);
	KUNIT_EXPECT_EQ(test, ct_parse(&m, len, &out), -EINVAL);
	/* Unterminated: the name is what the device wrote, no more. */
	len = ct_make(&m, 3, VIRTBUS_CONSOLE_PORT_NAME, 0, "org.x", 5);
	KUNIT_ASSERT_EQ(test, ct_parse(&m, len, &out), 0);
	KUNIT_EXPECT_EQ(test, out.name_len, 5U);
	KUNIT_EXPECT_EQ(test, memcmp(out.name, "org.x", 5), 0);
	/* Terminated. */
	len = ct_make(&m, 3, VIRTBUS_CONSOLE_PORT_NAME, 0, "org.y", 6);
	KUNIT_ASSERT_EQ(test, ct_parse(&m, len, &out), 0);
	KUNIT_EXPECT_EQ(test, out.name_len, 5U);
	/* The longest we keep, and one more. */
	memset(name, 'n', sizeof(name));
	len = ct_make(&m, 3, VIRTBUS_CONSOLE_PORT_NAME, 0, name, VBCON_NAME_MAX);
	KUNIT_EXPECT_EQ(test, ct_parse(&m, len, &out), 0);
	KUNIT_EXPECT_EQ(test, out.name_len, VBCON_NAME_MAX);
	len = ct_make(&m, 3, VIRTBUS_CONSOLE_PORT_NAME, 0, name, VBCON_NAME_MAX + 1);
	KUNIT_EXPECT_EQ(test, ct_parse(&m, len, &out), -EINVAL);
}

static struct kunit_case virtbus_console_cases[] = {
	KUNIT_CASE(ct_short),
	KUNIT_CASE(ct_ids),
	KUNIT_CASE(ct_events),
	KUNIT_CASE(ct_open_values),
	KUNIT_CASE(ct_resize),
	KUNIT_CASE(ct_names),
	{}
};

static struct kunit_suite virtbus_console_suite = {
	.name = "virtbus_console",
	.init = ct_init,
	.test_cases = virtbus_console_cases,
};

kunit_test_suite(virtbus_console_suite);

MODULE_DESCRIPTION("KUnit tests for virtbus_console's control message checks");
MODULE_LICENSE("GPL");

// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: matching device IDs against driver ID tables, wildcards included.
 */
#include <kunit/test.h>
#include <virtbus/virtbus.h>

static const struct virtbus_device_id rng_any = {
	.device = VIRTBUS_ID_RNG, .vendor = VIRTBUS_VENDOR_ANY,
};

static void virtbus_match_exact(struct kunit *test)
{
	struct virtbus_device_id id = { VIRTBUS_ID_BLOCK, 0x1af4 };
	struct virtbus_device_id dev = { VIRTBUS_ID_BLOCK, 0x1af4 };

	KUNIT_EXPECT_TRUE(test, virtbus_id_match(&id, &dev));
	dev.vendor = 0x1af5;
	KUNIT_EXPECT_FALSE(test, virtbus_id_match(&id, &dev));
	dev.vendor = 0x1af4;
	dev.device = VIRTBUS_ID_NET;
	KUNIT_EXPECT_FALSE(test, virtbus_id_match(&id, &dev));
}

static void virtbus_match_wildcards(struct kunit *test)
{
	struct virtbus_device_id any_dev = { VIRTBUS_DEV_ANY, 0x1af4 };
	struct virtbus_device_id dev = { VIRTBUS_ID_RNG, 0x1234 };

	KUNIT_EXPECT_TRUE(test, virtbus_id_match(&rng_any, &dev));
	dev.device = VIRTBUS_ID_CONSOLE;
	KUNIT_EXPECT_FALSE(test, virtbus_id_match(&rng_any, &dev));

	KUNIT_EXPECT_FALSE(test, virtbus_id_match(&any_dev, &dev));
	dev.vendor = 0x1af4;
	KUNIT_EXPECT_TRUE(test, virtbus_id_match(&any_dev, &dev));
	/* A wildcard never matches by accident on a real ID's bits. */
	dev.device = VIRTBUS_DEV_ANY - 1;
	KUNIT_EXPECT_TRUE(test, virtbus_id_match(&any_dev, &dev));
	KUNIT_EXPECT_FALSE(test, virtbus_id_match(&rng_any, &dev));
}

static void virtbus_match_table(struct kunit *test)
{
	static const struct virtbus_device_id table[] = {
		{ VIRTBUS_ID_NET, 0x1af4 },
		{ VIRTBUS_ID_BLOCK, VIRTBUS_VENDOR_ANY },
		{ VIRTBUS_ID_NET, VIRTBUS_VENDOR_ANY },
		{ }
	};
	struct virtbus_device_id dev = { VIRTBUS_ID_NET, 0x1af4 };

	KUNIT_EXPECT_PTR_EQ(test, virtbus_match_id_table(table, &dev), &table[0]);
	dev.vendor = 7;
	/* The first matching entry wins. */
	KUNIT_EXPECT_PTR_EQ(test, virtbus_match_id_table(table, &dev), &table[2]);
	dev.device = VIRTBUS_ID_BLOCK;
	KUNIT_EXPECT_PTR_EQ(test, virtbus_match_id_table(table, &dev), &table[1]);
	dev.device = VIRTBUS_ID_RNG;
	KUNIT_EXPECT_NULL(test, virtbus_match_id_table(table, &dev));
}

static void virtbus_match_table_end(struct kunit *test)
{
	/* Entries after the terminator are never looked at. */
	static const struct virtbus_device_id table[] = {
		{ },
		{ VIRTBUS_ID_RNG, VIRTBUS_VENDOR_ANY },
	};
	struct virtbus_device_id dev = { VIRTBUS_ID_RNG, 0x1af4 };

	KUNIT_EXPECT_NULL(test, virtbus_match_id_table(table, &dev));
	KUNIT_EXPECT_NULL(test, virtbus_match_id_table(NULL, &dev));
}

/* The table macro fills the table the bus matches against. */
VIRTBUS_DEVICE_TABLE(macro_ids, 0x12ab, 0x1af4);

static void virtbus_match_table_macro(struct kunit *test)
{
	struct virtbus_device_id dev = { 0x12ab, 0x1af4 };

	KUNIT_EXPECT_EQ(test, macro_ids[0].device, 0x12abU);
	KUNIT_EXPECT_EQ(test, macro_ids[0].vendor, 0x1af4U);
	KUNIT_EXPECT_EQ(test, macro_ids[1].device, 0U);
	KUNIT_EXPECT_PTR_EQ(test, virtbus_match_id_table(macro_ids, &dev),
			    &macro_ids[0]);
	dev.vendor = 0x1af5;
	KUNIT_EXPECT_NULL(test, virtbus_match_id_table(macro_ids, &dev));
}

static struct kunit_case virtbus_match_cases[] = {
	KUNIT_CASE(virtbus_match_exact),
	KUNIT_CASE(virtbus_match_wildcards),
	KUNIT_CASE(virtbus_match_table),
	KUNIT_CASE(virtbus_match_table_end),
	KUNIT_CASE(virtbus_match_table_macro),
	{}
};

static struct kunit_suite virtbus_match_suite = {
	.name = "virtbus_match",
	.test_cases = virtbus_match_cases,
};

kunit_test_suite(virtbus_match_suite);

MODULE_DESCRIPTION("KUnit tests for virtbus ID matching");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(VIRTBUS);

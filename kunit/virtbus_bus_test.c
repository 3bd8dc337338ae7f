// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the bus core against a fake transport. Feature negotiation
 * (validate clearing bits, FEATURES_OK refused, transport bits), the status
 * handshake, config reads retried over generation changes, config events
 * latched until the driver can take them, and ID matching on the bus.
 *
 * The fake device is registered on the real virtbus bus under a device
 * type no real driver claims; the fake driver binds it.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/slab.h>
#include <virtbus/transport.h>

#define FAKE_ID		0xfff0
#define FAKE_VENDOR	0x5a5a
#define FAKE_CONFIG_LEN	16

struct fake_dev {
	struct virtbus_device vdev;
	u8 status;
	u64 offered;
	u64 written;
	int finalize_calls;
	int resets;
	bool refuse_features_ok;
	u64 transport_clear;
	u8 config[FAKE_CONFIG_LEN];
	u32 generation;
	/* The next this many config reads each see the generation move. */
	int unstable_reads;
	int config_reads;
};

static struct fake_dev *to_fake(struct virtbus_device *vdev)
{
	return container_of(vdev, struct fake_dev, vdev);
}

static u8 fake_get_status(struct virtbus_device *vdev)
{
	return to_fake(vdev)->status;
}

static void fake_set_status(struct virtbus_device *vdev, u8 status)
{
	struct fake_dev *fd = to_fake(vdev);

	if (fd->refuse_features_ok)
		status &= ~VIRTBUS_S_FEATURES_OK;
	fd->status = status;
}

static void fake_reset(struct virtbus_device *vdev)
{
	to_fake(vdev)->status = 0;
	to_fake(vdev)->resets++;
}

static u64 fake_get_features(struct virtbus_device *vdev)
{
	return to_fake(vdev)->offered;
}

static void fake_transport_features(struct virtbus_device *vdev, u64 *features)
{
	*features &= ~to_fake(vdev)->transport_clear;
}

static int fake_finalize_features(struct virtbus_device *vdev)
{
	struct fake_dev *fd = to_fake(vdev);

	fd->finalize_calls++;
	fd->written = vdev->features;
	return 0;
}

static void fake_config_get(struct virtbus_device *vdev, unsigned int offset,
			    void *buf, unsigned int len)
{
	struct fake_dev *fd = to_fake(vdev);

	fd->config_reads++;
	memcpy(buf, fd->config + offset, len);
	if (fd->unstable_reads > 0) {
		fd->unstable_reads--;
		fd->generation++;
		/* What a torn read would have seen changes too. */
		fd->config[offset]++;
	}
}

static void fake_config_set(struct virtbus_device *vdev, unsigned int offset,
			    const void *buf, unsigned int len)
{
	memcpy(to_fake(vdev)->config + offset, buf, len);
}

static unsigned int fake_config_size(struct virtbus_device *vdev)
{
	return FAKE_CONFIG_LEN;
}

static u32 fake_generation(struct virtbus_device *vdev)
{
	return to_fake(vdev)->generation;
}

static int fake_find_vqs(struct virtbus_device *vdev, unsigned int nvqs,
			 struct virtbus_vq *vqs[],
			 const struct virtbus_vq_info info[])
{
	return -EOPNOTSUPP;
}

static void fake_del_vqs(struct virtbus_device *vdev)
{
}

static const struct virtbus_transport_ops fake_ops = {
	.name = "kunit-fake",
	.get_status = fake_get_status,
	.set_status = fake_set_status,
	.reset = fake_reset,
	.get_features = fake_get_features,
	.transport_features = fake_transport_features,
	.finalize_features = fake_finalize_features,
	.config_get = fake_config_get,
	.config_set = fake_config_set,
	.config_size = fake_config_size,
	.generation = fake_generation,
	.find_vqs = fake_find_vqs,
	.del_vqs = fake_del_vqs,
};

/* What the fake driver does, set by each test before binding. */
static struct {
	int validate_ret;
	unsigned int validate_clear;
	unsigned int validate_set;
	int probe_ret;
	bool probe_called;
	bool probe_done;
	bool raise_config_in_probe;
	int config_calls;
	bool config_after_probe;
	struct completion config_seen;
} drv_state;

static int fake_validate(struct virtbus_device *vdev)
{
	if (drv_state.validate_clear)
		virtbus_clear_feature(vdev, drv_state.validate_clear);
	/* A buggy driver trying to add a bit: the core must not let it. */
	if (drv_state.validate_set)
		vdev->features |= BIT_ULL(drv_state.validate_set);
	return drv_state.validate_ret;
}

static int fake_probe(struct virtbus_device *vdev)
{
	drv_state.probe_called = true;
	if (drv_state.raise_config_in_probe)
		virtbus_config_changed(vdev);
	if (drv_state.probe_ret)
		return drv_state.probe_ret;
	drv_state.probe_done = true;
	return 0;
}

static void fake_remove(struct virtbus_device *vdev)
{
	drv_state.probe_done = false;
}

static void fake_config_changed(struct virtbus_device *vdev)
{
	drv_state.config_calls++;
	drv_state.config_after_probe = drv_state.probe_done;
	complete(&drv_state.config_seen);
}

static const unsigned int fake_features[] = { 0, 1, 3, 5 };

VIRTBUS_DEVICE_TABLE(fake_ids, FAKE_ID, FAKE_VENDOR);

static struct virtbus_driver fake_driver = {
	.driver.name = "virtbus_kunit_fake",
	.id_table = fake_ids,
	.feature_table = fake_features,
	.feature_table_size = ARRAY_SIZE(fake_features),
	.validate = fake_validate,
	.probe = fake_probe,
	.remove = fake_remove,
	.config_changed = fake_config_changed,
};

static void fake_release(struct device *dev)
{
	kfree(to_fake(to_virtbus_device(dev)));
}

#define V1	BIT_ULL(VIRTBUS_F_VERSION_1)

static struct fake_dev *fake_add(struct kunit *test, u64 offered, u32 vendor)
{
	struct fake_dev *fd = kzalloc(sizeof(*fd), GFP_KERNEL);
	int err;

	KUNIT_ASSERT_NOT_NULL(test, fd);
	fd->offered = offered;
	fd->vdev.id.device = FAKE_ID;
	fd->vdev.id.vendor = vendor;
	fd->vdev.ops = &fake_ops;
	fd->vdev.dev.release = fake_release;
	test->priv = fd;
	err = virtbus_register_device(&fd->vdev);
	if (err) {
		test->priv = NULL;
		put_device(&fd->vdev.dev);
		KUNIT_FAIL(test, "registering the fake device failed: %d", err);
	}
	return fd;
}

static bool fake_bound(struct fake_dev *fd)
{
	return fd->vdev.dev.driver == &fake_driver.driver;
}

/*
 * KUnit runs the suite while this module is still loading, before its
 * sysfs directory exists, so the fake driver is registered without an
 * owner module (which would link it there). The module cannot go away
 * while its own tests run.
 */
static int fake_driver_register(void)
{
	return __virtbus_register_driver(&fake_driver, NULL);
}

static int bus_test_init(struct kunit *test)
{
	memset(&drv_state, 0, sizeof(drv_state));
	init_completion(&drv_state.config_seen);
	return fake_driver_register();
}

static void bus_test_exit(struct kunit *test)
{
	struct fake_dev *fd = test->priv;

	if (fd)
		virtbus_unregister_device(&fd->vdev);
	virtbus_unregister_driver(&fake_driver);
}

static void negotiate_basic(struct kunit *test)
{
	/* Device bits 0-2 and 5, ring bits 28, 29, 34, 40 and VERSION_1. */
	u64 offered = BIT_ULL(0) | BIT_ULL(1) | BIT_ULL(2) | BIT_ULL(5) |
		      BIT_ULL(28) | BIT_ULL(29) | BIT_ULL(34) | BIT_ULL(40) | V1;
	u64 expect = BIT_ULL(0) | BIT_ULL(1) | BIT_ULL(5) |
		     BIT_ULL(28) | BIT_ULL(29) | V1;
	struct fake_dev *fd = fake_add(test, offered, FAKE_VENDOR);

	KUNIT_ASSERT_TRUE(test, fake_bound(fd));
	/* Bit 2: the driver does not know it. 34, 40: the ring cannot. */
	KUNIT_EXPECT_EQ(test, fd->vdev.features, expect);
	KUNIT_EXPECT_EQ(test, fd->written, expect);
	KUNIT_EXPECT_EQ(test, fd->finalize_calls, 1);
	KUNIT_EXPECT_EQ(test, fd->status,
			VIRTBUS_S_ACKNOWLEDGE | VIRTBUS_S_DRIVER |
			VIRTBUS_S_FEATURES_OK | VIRTBUS_S_DRIVER_OK);
	KUNIT_EXPECT_TRUE(test, virtbus_has_feature(&fd->vdev, 5));
	KUNIT_EXPECT_FALSE(test, virtbus_has_feature(&fd->vdev, 2));
	KUNIT_EXPECT_FALSE(test, virtbus_has_feature(&fd->vdev, 64));
}

static void negotiate_validate_clears(struct kunit *test)
{
	struct fake_dev *fd;

	drv_state.validate_clear = 1;
	drv_state.validate_set = 4;	/* offered, but not the driver's */
	fd = fake_add(test, BIT_ULL(0) | BIT_ULL(1) | BIT_ULL(4) | V1,
		      FAKE_VENDOR);
	KUNIT_ASSERT_TRUE(test, fake_bound(fd));
	KUNIT_EXPECT_EQ(test, fd->written, BIT_ULL(0) | V1);
	KUNIT_EXPECT_EQ(test, fd->vdev.features, BIT_ULL(0) | V1);
}

static void negotiate_validate_fails(struct kunit *test)
{
	struct fake_dev *fd;

	drv_state.validate_ret = -EINVAL;
	fd = fake_add(test, BIT_ULL(0) | V1, FAKE_VENDOR);
	KUNIT_EXPECT_FALSE(test, fake_bound(fd));
	KUNIT_EXPECT_FALSE(test, drv_state.probe_called);
	KUNIT_EXPECT_EQ(test, fd->finalize_calls, 0);
	KUNIT_EXPECT_TRUE(test, fd->status & VIRTBUS_S_FAILED);
}

static void negotiate_features_ok_refused(struct kunit *test)
{
	struct fake_dev *fd;

	/* The device clears FEATURES_OK when the driver sets it. */
	virtbus_unregister_driver(&fake_driver);
	fd = fake_add(test, BIT_ULL(0) | V1, FAKE_VENDOR);
	fd->refuse_features_ok = true;
	KUNIT_ASSERT_EQ(test, fake_driver_register(), 0);
	KUNIT_EXPECT_FALSE(test, fake_bound(fd));
	KUNIT_EXPECT_FALSE(test, drv_state.probe_called);
	KUNIT_EXPECT_EQ(test, fd->finalize_calls, 1);
	KUNIT_EXPECT_TRUE(test, fd->status & VIRTBUS_S_FAILED);
	KUNIT_EXPECT_FALSE(test, fd->status & VIRTBUS_S_DRIVER_OK);
}

static void negotiate_legacy(struct kunit *test)
{
	/* No VERSION_1: there is no FEATURES_OK step. */
	struct fake_dev *fd = fake_add(test, BIT_ULL(3) | BIT_ULL(29),
				       FAKE_VENDOR);

	KUNIT_ASSERT_TRUE(test, fake_bound(fd));
	KUNIT_EXPECT_EQ(test, fd->written, BIT_ULL(3) | BIT_ULL(29));
	KUNIT_EXPECT_EQ(test, fd->status,
			VIRTBUS_S_ACKNOWLEDGE | VIRTBUS_S_DRIVER |
			VIRTBUS_S_DRIVER_OK);
}

static void negotiate_transport_bits(struct kunit *test)
{
	struct fake_dev *fd;

	virtbus_unregister_driver(&fake_driver);
	fd = fake_add(test, BIT_ULL(28) | BIT_ULL(29) | V1, FAKE_VENDOR);
	/* This transport cannot carry EVENT_IDX. */
	fd->transport_clear = BIT_ULL(29);
	KUNIT_ASSERT_EQ(test, fake_driver_register(), 0);
	KUNIT_ASSERT_TRUE(test, fake_bound(fd));
	KUNIT_EXPECT_EQ(test, fd->written, BIT_ULL(28) | V1);
}

static void probe_failure_sets_failed(struct kunit *test)
{
	struct fake_dev *fd;

	drv_state.probe_ret = -EIO;
	fd = fake_add(test, V1, FAKE_VENDOR);
	KUNIT_EXPECT_TRUE(test, drv_state.probe_called);
	KUNIT_EXPECT_FALSE(test, fake_bound(fd));
	KUNIT_EXPECT_TRUE(test, fd->status & VIRTBUS_S_FAILED);
	KUNIT_EXPECT_EQ(test, fd->vdev.features, 0ULL);
}

static void remove_resets(struct kunit *test)
{
	struct fake_dev *fd = fake_add(test, V1, FAKE_VENDOR);
	int resets;

	KUNIT_ASSERT_TRUE(test, fake_bound(fd));
	resets = fd->resets;
	device_release_driver(&fd->vdev.dev);
	KUNIT_EXPECT_FALSE(test, fake_bound(fd));
	KUNIT_EXPECT_EQ(test, fd->resets, resets + 1);
	KUNIT_EXPECT_EQ(test, fd->status, VIRTBUS_S_ACKNOWLEDGE);
	KUNIT_EXPECT_EQ(test, fd->vdev.features, 0ULL);

	/* And it binds again from scratch. */
	KUNIT_EXPECT_EQ(test, device_attach(&fd->vdev.dev), 1);
	KUNIT_EXPECT_TRUE(test, fake_bound(fd));
	KUNIT_EXPECT_EQ(test, fd->status & VIRTBUS_S_DRIVER_OK,
			VIRTBUS_S_DRIVER_OK);
}

static void match_vendor_on_bus(struct kunit *test)
{
	struct fake_dev *fd = fake_add(test, V1, FAKE_VENDOR + 1);

	KUNIT_EXPECT_FALSE(test, fake_bound(fd));
	KUNIT_EXPECT_FALSE(test, drv_state.probe_called);
	KUNIT_EXPECT_EQ(test, fd->status, VIRTBUS_S_ACKNOWLEDGE);
}

static void config_generation_retry(struct kunit *test)
{
	struct fake_dev *fd = fake_add(test, V1, FAKE_VENDOR);
	u64 v;

	memset(fd->config, 0x11, sizeof(fd->config));
	fd->unstable_reads = 2;
	fd->config_reads = 0;
	v = virtbus_cread64(&fd->vdev, 8);
	/* Two torn reads, then one that held still. */
	KUNIT_EXPECT_EQ(test, fd->config_reads, 3);
	KUNIT_EXPECT_EQ(test, v, 0x1111111111111113ULL);
}

static void config_generation_hostile(struct kunit *test)
{
	struct fake_dev *fd = fake_add(test, V1, FAKE_VENDOR);

	/* A device whose generation never settles cannot hang the reader. */
	fd->unstable_reads = INT_MAX;
	fd->config_reads = 0;
	virtbus_cread32(&fd->vdev, 0);
	KUNIT_EXPECT_GT(test, fd->config_reads, 1);
	KUNIT_EXPECT_LE(test, fd->config_reads, 64);
}

static void config_out_of_range(struct kunit *test)
{
	struct fake_dev *fd = fake_add(test, V1, FAKE_VENDOR);
	u8 buf[8];

	memset(fd->config, 0xaa, sizeof(fd->config));
	memset(buf, 0x55, sizeof(buf));
	virtbus_config_read(&fd->vdev, FAKE_CONFIG_LEN - 4, buf, sizeof(buf));
	KUNIT_EXPECT_EQ(test, buf[0], 0);
	KUNIT_EXPECT_EQ(test, buf[7], 0);
	virtbus_config_read(&fd->vdev, UINT_MAX - 2, buf, 4);
	KUNIT_EXPECT_EQ(test, buf[0], 0);
	virtbus_cwrite32(&fd->vdev, FAKE_CONFIG_LEN - 2, 0x12345678);
	KUNIT_EXPECT_EQ(test, fd->config[FAKE_CONFIG_LEN - 1], 0xaa);
	virtbus_cwrite16(&fd->vdev, 2, 0x1234);
	KUNIT_EXPECT_EQ(test, virtbus_cread16(&fd->vdev, 2), 0x1234);
	KUNIT_EXPECT_EQ(test, fd->config[2], 0x34);
}

static void config_event_latched_until_probe(struct kunit *test)
{
	struct fake_dev *fd;

	/* Raised during probe: held back, delivered once probe returned. */
	drv_state.raise_config_in_probe = true;
	fd = fake_add(test, V1, FAKE_VENDOR);
	KUNIT_ASSERT_TRUE(test, fake_bound(fd));
	KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&drv_state.config_seen,
							  5 * HZ), 0UL);
	KUNIT_EXPECT_TRUE(test, drv_state.config_after_probe);
	flush_work(&fd->vdev.config_work);
	KUNIT_EXPECT_EQ(test, drv_state.config_calls, 1);
}

static void config_event_unbound(struct kunit *test)
{
	struct fake_dev *fd;

	/* Raised while no driver is bound: delivered to the next one. */
	virtbus_unregister_driver(&fake_driver);
	fd = fake_add(test, V1, FAKE_VENDOR);
	virtbus_config_changed(&fd->vdev);
	virtbus_config_changed(&fd->vdev);
	KUNIT_ASSERT_EQ(test, fake_driver_register(), 0);
	KUNIT_ASSERT_TRUE(test, fake_bound(fd));
	KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&drv_state.config_seen,
							  5 * HZ), 0UL);
	flush_work(&fd->vdev.config_work);
	/* Two events while away coalesce into one delivery. */
	KUNIT_EXPECT_EQ(test, drv_state.config_calls, 1);

	/* A live event reaches the driver. */
	reinit_completion(&drv_state.config_seen);
	virtbus_config_changed(&fd->vdev);
	KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&drv_state.config_seen,
							  5 * HZ), 0UL);
	KUNIT_EXPECT_EQ(test, drv_state.config_calls, 2);
}

static struct kunit_case virtbus_bus_cases[] = {
	KUNIT_CASE(negotiate_basic),
	KUNIT_CASE(negotiate_validate_clears),
	KUNIT_CASE(negotiate_validate_fails),
	KUNIT_CASE(negotiate_features_ok_refused),
	KUNIT_CASE(negotiate_legacy),
	KUNIT_CASE(negotiate_transport_bits),
	KUNIT_CASE(probe_failure_sets_failed),
	KUNIT_CASE(remove_resets),
	KUNIT_CASE(match_vendor_on_bus),
	KUNIT_CASE(config_generation_retry),
	KUNIT_CASE(config_generation_hostile),
	KUNIT_CASE(config_out_of_range),
	KUNIT_CASE(config_event_latched_until_probe),
	KUNIT_CASE(config_event_unbound),
	{}
};

static struct kunit_suite virtbus_bus_suite = {
	.name = "virtbus_bus",
	.init = bus_test_init,
	.exit = bus_test_exit,
	.test_cases = virtbus_bus_cases,
};

kunit_test_suite(virtbus_bus_suite);

MODULE_DESCRIPTION("KUnit tests for the virtbus core: negotiation, status, config");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(VIRTBUS);

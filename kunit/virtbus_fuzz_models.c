// SPDX-License-Identifier: GPL-2.0
/*
 * virtbus_fuzz: what an honest device of each type answers. The chaos
 * around it (virtbus_fuzz.c) decides when a device lies instead; the
 * models themselves follow the virtio specification, so that with no
 * chaos the drivers must work on them as on QEMU's devices.
 *
 * Everything a model reads came from the driver; a request a correct
 * driver never makes is reported as a driver bug.
 */
#include <linux/minmax.h>
#include <linux/random.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <uapi/virtbus/virtbus_blk.h>
#include <uapi/virtbus/virtbus_ids.h>
#include "virtbus_fuzz.h"

/* Bytes in the readable (device-readable) buffers of @req. */
size_t vfz_readable(const struct vfz_req *req)
{
	size_t n = 0;
	unsigned int i;

	for (i = 0; i < req->nsegs && !req->segs[i].write; i++)
		n += req->segs[i].len;
	return n;
}

/* Bytes in the writable buffers of @req. */
size_t vfz_writable(const struct vfz_req *req)
{
	size_t n = 0;
	unsigned int i;

	for (i = 0; i < req->nsegs; i++)
		if (req->segs[i].write)
			n += req->segs[i].len;
	return n;
}

/*
 * Copy between @buf and the readable (@write false) or writable part of
 * @req, starting @off bytes into that part; returns the bytes copied.
 */
static size_t vfz_copy(const struct vfz_req *req, bool write, size_t off,
		       void *buf, size_t len)
{
	size_t done = 0, n;
	unsigned int i;

	for (i = 0; i < req->nsegs && done < len; i++) {
		const struct vfr_seg *s = &req->segs[i];

		if (s->write != write)
			continue;
		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		n = min_t(size_t, s->len - off, len - done);
		if (write)
			memcpy(s->buf + off, buf + done, n);
		else
			memcpy(buf + done, s->buf + off, n);
		done += n;
		off = 0;
	}
	return done;
}

size_t vfz_copy_from(const struct vfz_req *req, size_t off, void *buf,
		     size_t len)
{
	return vfz_copy(req, false, off, buf, len);
}

size_t vfz_copy_to(struct vfz_req *req, size_t off, const void *buf,
		   size_t len)
{
	size_t n = vfz_copy(req, true, off, (void *)buf, len);

	req->written = max_t(u32, req->written, off + n);
	return n;
}

/* ---- block (type 2): a RAM disk ---- */

#define VFZ_BLK_SECTORS		8192	/* 4 MiB */
#define VFZ_BLK_SEG_MAX		126
#define VFZ_BLK_SIZE_MAX	(64 * 1024)

static struct virtbus_blk_config *vfz_blk_config(struct vfz_dev *d)
{
	return (struct virtbus_blk_config *)d->config;
}

static int vfz_blk_init(struct vfz_dev *d)
{
	struct virtbus_blk_config *c = vfz_blk_config(d);

	d->state = vzalloc(VFZ_BLK_SECTORS << VIRTBUS_BLK_SECTOR_SHIFT);
	if (!d->state)
		return -ENOMEM;
	c->capacity = cpu_to_le64(VFZ_BLK_SECTORS);
	c->size_max = cpu_to_le32(VFZ_BLK_SIZE_MAX);
	c->seg_max = cpu_to_le32(VFZ_BLK_SEG_MAX);
	c->blk_size = cpu_to_le32(512);
	c->writeback = 1;
	c->num_queues = cpu_to_le16(2);
	c->max_discard_sectors = cpu_to_le32(VFZ_BLK_SECTORS);
	c->max_discard_seg = cpu_to_le32(1);
	c->discard_sector_alignment = cpu_to_le32(1);
	c->max_write_zeroes_sectors = cpu_to_le32(VFZ_BLK_SECTORS);
	c->max_write_zeroes_seg = cpu_to_le32(1);
	return 0;
}

static void vfz_blk_exit(struct vfz_dev *d)
{
	vfree(d->state);
}

/* Is [sector, sector + count) on the disk as it is now? */
static bool vfz_blk_range(struct vfz_dev *d, u64 sector, u64 count)
{
	u64 cap = min_t(u64, le64_to_cpu(vfz_blk_config(d)->capacity),
			VFZ_BLK_SECTORS);

	return sector <= cap && count <= cap - sector;
}

/* The store at @sector, which vfz_blk_range() has checked. */
static void *vfz_blk_at(struct vfz_dev *d, u64 sector)
{
	return d->state + (sector << VIRTBUS_BLK_SECTOR_SHIFT);
}

/* DISCARD and WRITE_ZEROES: ranges after the header; zeroed either way. */
static u8 vfz_blk_zero(struct vfz_dev *d, struct vfz_req *req, size_t data)
{
	struct virtbus_blk_discard_write_zeroes seg;
	size_t off;

	if (!data || data % sizeof(seg))
		return VIRTBUS_BLK_S_UNSUPP;
	for (off = 0; off < data; off += sizeof(seg)) {
		u64 sector;
		u32 count;

		vfz_copy_from(req, sizeof(struct virtbus_blk_outhdr) + off,
			      &seg, sizeof(seg));
		sector = le64_to_cpu(seg.sector);
		count = le32_to_cpu(seg.num_sectors);
		if (!vfz_blk_range(d, sector, count))
			return VIRTBUS_BLK_S_IOERR;
		memset(vfz_blk_at(d, sector), 0,
		       (size_t)count << VIRTBUS_BLK_SECTOR_SHIFT);
	}
	return VIRTBUS_BLK_S_OK;
}

static void vfz_blk_serve(struct vfz_dev *d, unsigned int q,
			  struct vfz_req *req)
{
	size_t in = vfz_readable(req), out = vfz_writable(req), data;
	struct virtbus_blk_outhdr hdr;
	char id[VIRTBUS_BLK_ID_BYTES];
	u8 status = VIRTBUS_BLK_S_OK;
	u64 sector;

	/* A header to read and a status byte to write, always. */
	if (in < sizeof(hdr) || !out) {
		vfz_driver_bug(d, q, "block request without header or status");
		return;
	}
	vfz_copy_from(req, 0, &hdr, sizeof(hdr));
	sector = le64_to_cpu(hdr.sector);
	switch (le32_to_cpu(hdr.type)) {
	case VIRTBUS_BLK_T_IN:
		data = out - 1;
		if (data % 512 || !vfz_blk_range(d, sector, data >> 9))
			status = VIRTBUS_BLK_S_IOERR;
		else
			vfz_copy_to(req, 0, vfz_blk_at(d, sector), data);
		break;
	case VIRTBUS_BLK_T_OUT:
		data = in - sizeof(hdr);
		if (data % 512 || !vfz_blk_range(d, sector, data >> 9))
			status = VIRTBUS_BLK_S_IOERR;
		else
			vfz_copy_from(req, sizeof(hdr), vfz_blk_at(d, sector),
				      data);
		break;
	case VIRTBUS_BLK_T_FLUSH:
		break;
	case VIRTBUS_BLK_T_GET_ID:
		memset(id, 0, sizeof(id));
		snprintf(id, sizeof(id), "fuzz%u", d->nr);
		vfz_copy_to(req, 0, id, min_t(size_t, out - 1, sizeof(id)));
		break;
	case VIRTBUS_BLK_T_DISCARD:
	case VIRTBUS_BLK_T_WRITE_ZEROES:
		status = vfz_blk_zero(d, req, in - sizeof(hdr));
		break;
	default:
		status = VIRTBUS_BLK_S_UNSUPP;
		break;
	}
	vfz_copy_to(req, out - 1, &status, 1);
}

/* Resize within the store, or flip the write cache mode. */
static void vfz_blk_change_config(struct vfz_dev *d, u8 *config)
{
	struct virtbus_blk_config *c = (struct virtbus_blk_config *)config;

	if (vfz_random(d) & 1)
		c->capacity = cpu_to_le64(vfz_random(d) % (VFZ_BLK_SECTORS + 1));
	else
		c->writeback ^= 1;
}

const struct vfz_model vfz_blk_model = {
	.name = "blk",
	.id = VIRTBUS_ID_BLOCK,
	.features = BIT_ULL(VIRTBUS_BLK_F_SIZE_MAX) |
		    BIT_ULL(VIRTBUS_BLK_F_SEG_MAX) |
		    BIT_ULL(VIRTBUS_BLK_F_BLK_SIZE) |
		    BIT_ULL(VIRTBUS_BLK_F_FLUSH) |
		    BIT_ULL(VIRTBUS_BLK_F_CONFIG_WCE) |
		    BIT_ULL(VIRTBUS_BLK_F_MQ) |
		    BIT_ULL(VIRTBUS_BLK_F_DISCARD) |
		    BIT_ULL(VIRTBUS_BLK_F_WRITE_ZEROES),
	.config_size = sizeof(struct virtbus_blk_config),
	.max_vqs = 2,
	.init = vfz_blk_init,
	.exit = vfz_blk_exit,
	.serve = vfz_blk_serve,
	.change_config = vfz_blk_change_config,
};

/* ---- entropy (type 4): fills every writable byte ---- */

static void vfz_rng_serve(struct vfz_dev *d, unsigned int q,
			  struct vfz_req *req)
{
	unsigned int i;

	for (i = 0; i < req->nsegs; i++) {
		if (!req->segs[i].write)
			continue;
		get_random_bytes(req->segs[i].buf, req->segs[i].len);
		req->written += req->segs[i].len;
	}
	if (!req->written)
		vfz_driver_bug(d, q, "entropy request without a writable buffer");
}

const struct vfz_model vfz_rng_model = {
	.name = "rng",
	.id = VIRTBUS_ID_RNG,
	.max_vqs = 1,
	.serve = vfz_rng_serve,
};

/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * The virtio block device (type 2): feature bits, config space and the
 * request format (virtio 1.x section 5.2).
 */
#ifndef _UAPI_VIRTBUS_BLK_H
#define _UAPI_VIRTBUS_BLK_H

#include <linux/types.h>

#define VIRTBUS_BLK_F_SIZE_MAX		1
#define VIRTBUS_BLK_F_SEG_MAX		2
#define VIRTBUS_BLK_F_GEOMETRY		4
#define VIRTBUS_BLK_F_RO		5
#define VIRTBUS_BLK_F_BLK_SIZE		6
#define VIRTBUS_BLK_F_FLUSH		9
#define VIRTBUS_BLK_F_TOPOLOGY		10
#define VIRTBUS_BLK_F_CONFIG_WCE	11
#define VIRTBUS_BLK_F_MQ		12
#define VIRTBUS_BLK_F_DISCARD		13
#define VIRTBUS_BLK_F_WRITE_ZEROES	14

struct virtbus_blk_config {
	__le64 capacity;		/* in 512-byte sectors */
	__le32 size_max;
	__le32 seg_max;
	struct {
		__le16 cylinders;
		__u8 heads;
		__u8 sectors;
	} geometry;
	__le32 blk_size;
	__u8 physical_block_exp;
	__u8 alignment_offset;
	__le16 min_io_size;
	__le32 opt_io_size;
	__u8 writeback;
	__u8 unused0;
	__le16 num_queues;
	__le32 max_discard_sectors;
	__le32 max_discard_seg;
	__le32 discard_sector_alignment;
	__le32 max_write_zeroes_sectors;
	__le32 max_write_zeroes_seg;
	__u8 write_zeroes_may_unmap;
	__u8 unused1[3];
} __attribute__((packed));

/* Request types. */
#define VIRTBUS_BLK_T_IN		0
#define VIRTBUS_BLK_T_OUT		1
#define VIRTBUS_BLK_T_FLUSH		4
#define VIRTBUS_BLK_T_GET_ID		8
#define VIRTBUS_BLK_T_DISCARD		11
#define VIRTBUS_BLK_T_WRITE_ZEROES	13

/* The header the device reads first. */
struct virtbus_blk_outhdr {
	__le32 type;
	__le32 ioprio;
	__le64 sector;
};

/* The payload of DISCARD and WRITE_ZEROES. */
struct virtbus_blk_discard_write_zeroes {
	__le64 sector;
	__le32 num_sectors;
	__le32 flags;
};

#define VIRTBUS_BLK_WRITE_ZEROES_FLAG_UNMAP	0x1

/* GET_ID returns a serial of this many bytes, NUL-padded. */
#define VIRTBUS_BLK_ID_BYTES		20

/* The status byte the device writes last. */
#define VIRTBUS_BLK_S_OK		0
#define VIRTBUS_BLK_S_IOERR		1
#define VIRTBUS_BLK_S_UNSUPP		2

/* Sectors are 512 bytes whatever the block size. */
#define VIRTBUS_BLK_SECTOR_SHIFT	9

#endif /* _UAPI_VIRTBUS_BLK_H */

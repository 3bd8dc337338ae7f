/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * The virtio 1.x split ring as it sits in memory shared with the device.
 * All fields are little-endian (legacy devices on little-endian guests
 * agree, and virtbus only drives legacy devices on those).
 */
#ifndef _UAPI_VIRTBUS_RING_H
#define _UAPI_VIRTBUS_RING_H

#include <linux/types.h>

/* Descriptor flags. */
#define VIRTBUS_DESC_F_NEXT	1	/* the chain continues at .next */
#define VIRTBUS_DESC_F_WRITE	2	/* device writes (driver reads) */
#define VIRTBUS_DESC_F_INDIRECT	4	/* buffer is a table of descriptors */

/* avail->flags: the driver does not want an interrupt. */
#define VIRTBUS_AVAIL_F_NO_INTERRUPT	1
/* used->flags: the device does not want a notification. */
#define VIRTBUS_USED_F_NO_NOTIFY	1

/* The legacy layout aligns the used ring to this boundary. */
#define VIRTBUS_RING_LEGACY_ALIGN	4096
/* The largest queue the split ring format allows. */
#define VIRTBUS_RING_MAX_SIZE		32768

struct virtbus_ring_desc {
	__le64 addr;
	__le32 len;
	__le16 flags;
	__le16 next;
};

struct virtbus_ring_avail {
	__le16 flags;
	__le16 idx;
	__le16 ring[];
	/* followed by __le16 used_event when EVENT_IDX is negotiated */
};

struct virtbus_ring_used_elem {
	__le32 id;	/* head of the chain the device consumed */
	__le32 len;	/* bytes the device wrote into it */
};

struct virtbus_ring_used {
	__le16 flags;
	__le16 idx;
	struct virtbus_ring_used_elem ring[];
	/* followed by __le16 avail_event when EVENT_IDX is negotiated */
};

/* Bytes of each part for a queue of @num entries, event fields included. */
#define VIRTBUS_RING_DESC_SIZE(num)	(16UL * (num))
#define VIRTBUS_RING_AVAIL_SIZE(num)	(6UL + 2UL * (num))
#define VIRTBUS_RING_USED_SIZE(num)	(6UL + 8UL * (num))

/* Bytes of one contiguous legacy ring: desc, avail, padding to @align, used. */
static inline unsigned long virtbus_ring_legacy_size(unsigned int num,
						     unsigned long align)
{
	unsigned long head = VIRTBUS_RING_DESC_SIZE(num) +
			     VIRTBUS_RING_AVAIL_SIZE(num);

	return ((head + align - 1) & ~(align - 1)) + VIRTBUS_RING_USED_SIZE(num);
}

/*
 * With EVENT_IDX, the other side asks to hear once the index moves past
 * @event_idx: having just moved it from @old_idx to @new_idx, notify only
 * if @event_idx lies in the window [@old_idx, @new_idx) just crossed.
 */
static inline int virtbus_ring_need_event(__u16 event_idx, __u16 new_idx,
					  __u16 old_idx)
{
	return (__u16)(new_idx - event_idx - 1) < (__u16)(new_idx - old_idx);
}

#endif /* _UAPI_VIRTBUS_RING_H */

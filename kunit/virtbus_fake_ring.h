/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device's side of a split ring, for the fake devices of the KUnit
 * suites and of the fuzzing transport: take what the driver made
 * available, walk its descriptor chains, return used entries and raise
 * the queue's interrupt. Test code only.
 *
 * The rings are the real ones virtbus_vq_new() built; no queue of a fake
 * device negotiates ACCESS_PLATFORM, so descriptors hold physical
 * addresses, which the device side reaches with phys_to_virt() once it
 * has checked that they are memory.
 */
#ifndef _VIRTBUS_FAKE_RING_H
#define _VIRTBUS_FAKE_RING_H

#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <uapi/virtbus/virtbus_ring.h>
#include <virtbus/transport.h>

struct vfr_ring {
	struct virtbus_vq *vq;
	struct virtbus_ring_desc *desc;
	struct virtbus_ring_avail *avail;
	struct virtbus_ring_used *used;
	unsigned int num;
	u16 last_avail;
	u16 used_idx;
};

/* One buffer of a chain, reachable by the device. */
struct vfr_seg {
	void *buf;
	u32 len;
	bool write;
};

static inline void vfr_attach(struct vfr_ring *r, struct virtbus_vq *vq)
{
	struct virtbus_vq_layout l;

	virtbus_vq_get_layout(vq, &l);
	r->vq = vq;
	r->desc = l.desc;
	r->avail = l.avail;
	r->used = l.used;
	r->num = l.num;
	r->last_avail = 0;
	r->used_idx = 0;
}

static inline u16 vfr_avail_idx(const struct vfr_ring *r)
{
	return le16_to_cpu(READ_ONCE(r->avail->idx));
}

/* The next head the driver made available, if any, left in the ring. */
static inline bool vfr_peek(const struct vfr_ring *r, u16 *head)
{
	if (r->last_avail == vfr_avail_idx(r))
		return false;
	/* The entry was published by the index just read. */
	rmb();
	*head = le16_to_cpu(READ_ONCE(r->avail->ring[r->last_avail %
						     r->num]));
	return true;
}

/* The next head the driver made available, if any, taken. */
static inline bool vfr_pop(struct vfr_ring *r, u16 *head)
{
	if (!vfr_peek(r, head))
		return false;
	r->last_avail++;
	return true;
}

/* Write a used element without publishing it. */
static inline void vfr_put(struct vfr_ring *r, u16 slot, u32 id, u32 len)
{
	struct virtbus_ring_used_elem *e = &r->used->ring[slot % r->num];

	WRITE_ONCE(e->id, cpu_to_le32(id));
	WRITE_ONCE(e->len, cpu_to_le32(len));
}

/* Publish the used index, and with it every element written before. */
static inline void vfr_publish(struct vfr_ring *r, u16 idx)
{
	r->used_idx = idx;
	/* The elements before the index that publishes them. */
	wmb();
	WRITE_ONCE(r->used->idx, cpu_to_le16(idx));
}

/* Return one used element. */
static inline void vfr_push(struct vfr_ring *r, u32 id, u32 len)
{
	vfr_put(r, r->used_idx, id, len);
	vfr_publish(r, r->used_idx + 1);
}

/* The queue's interrupt, as a transport's handler would deliver it. */
static inline irqreturn_t vfr_irq(struct vfr_ring *r)
{
	unsigned long flags;
	irqreturn_t ret;

	local_irq_save(flags);
	ret = virtbus_vq_interrupt(0, r->vq);
	local_irq_restore(flags);
	return ret;
}

/* Is [addr, addr + len) memory the kernel has mapped? */
static inline bool vfr_addr_ok(u64 addr, u32 len)
{
	u64 pfn, last;

	if (!len || addr + len < addr)
		return false;
	last = PHYS_PFN(addr + len - 1);
	for (pfn = PHYS_PFN(addr); pfn <= last; pfn++)
		if (!pfn_valid(pfn) || PageHighMem(pfn_to_page(pfn)))
			return false;
	return true;
}

/* Add the buffer one descriptor names to @segs; "" or why it is bad. */
static inline const char *vfr_add_seg(const struct virtbus_ring_desc *d,
				      struct vfr_seg *segs, unsigned int *n,
				      unsigned int max)
{
	u64 addr = le64_to_cpu(READ_ONCE(d->addr));
	u32 len = le32_to_cpu(READ_ONCE(d->len));
	bool write = le16_to_cpu(READ_ONCE(d->flags)) & VIRTBUS_DESC_F_WRITE;

	if (*n >= max)
		return "chain longer than the device takes";
	if (!vfr_addr_ok(addr, len))
		return "descriptor empty or not memory";
	/* Readable buffers come first (virtio 1.2, 2.7.4.2). */
	if (*n && segs[*n - 1].write && !write)
		return "readable descriptor after a writable one";
	segs[*n].buf = phys_to_virt(addr);
	segs[*n].len = len;
	segs[*n].write = write;
	(*n)++;
	return "";
}

/* The buffers of an indirect table; "" or why it is bad. */
static inline const char *vfr_indirect(const struct virtbus_ring_desc *d,
				       struct vfr_seg *segs, unsigned int *n,
				       unsigned int max)
{
	u64 addr = le64_to_cpu(READ_ONCE(d->addr));
	u32 len = le32_to_cpu(READ_ONCE(d->len));
	const struct virtbus_ring_desc *table;
	unsigned int i = 0, count, seen = 0;
	const char *why;
	u16 flags;

	if (len % sizeof(*table) || !vfr_addr_ok(addr, len))
		return "bad indirect table";
	table = phys_to_virt(addr);
	count = len / sizeof(*table);
	for (;;) {
		if (i >= count || seen++ >= count)
			return "indirect chain leaves its table or loops";
		flags = le16_to_cpu(READ_ONCE(table[i].flags));
		if (flags & VIRTBUS_DESC_F_INDIRECT)
			return "nested indirect table";
		why = vfr_add_seg(&table[i], segs, n, max);
		if (*why)
			return why;
		if (!(flags & VIRTBUS_DESC_F_NEXT))
			return "";
		i = le16_to_cpu(READ_ONCE(table[i].next));
	}
}

/*
 * vfr_chain - the buffers of the chain at @head
 *
 * Fills @segs (at most @max) and @n. Returns "" for a well-formed chain,
 * or what the driver got wrong: everything in a descriptor was written
 * by the driver, so a bad one is a bug in the driver or the ring, and
 * the device must not follow it anywhere.
 */
static inline const char *vfr_chain(const struct vfr_ring *r, u16 head,
				    struct vfr_seg *segs, unsigned int *n,
				    unsigned int max)
{
	unsigned int i = head, seen = 0;
	const struct virtbus_ring_desc *d;
	const char *why;
	u16 flags;

	*n = 0;
	for (;;) {
		if (i >= r->num)
			return "head or next out of the ring";
		if (seen++ >= r->num)
			return "descriptor chain loops";
		d = &r->desc[i];
		flags = le16_to_cpu(READ_ONCE(d->flags));
		if (flags & VIRTBUS_DESC_F_INDIRECT) {
			if (flags & VIRTBUS_DESC_F_NEXT)
				return "indirect descriptor with NEXT";
			why = vfr_indirect(d, segs, n, max);
		} else {
			why = vfr_add_seg(d, segs, n, max);
		}
		if (*why || !(flags & VIRTBUS_DESC_F_NEXT))
			return why;
		i = le16_to_cpu(READ_ONCE(d->next));
	}
}

#endif /* _VIRTBUS_FAKE_RING_H */

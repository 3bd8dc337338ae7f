/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtbus: the transport-facing API.
 *
 * A transport discovers devices, gives the core access to their status,
 * feature bits and config space, places their rings in memory the device
 * can reach, and turns notifications and interrupts into calls both ways.
 *
 * The configuration channel in both directions ("the config virtqueue")
 * is the pair config_get/config_set plus virtbus_config_changed(): the
 * driver writes config through the transport, the device announces that
 * config changed by an event the transport forwards. A transport may carry
 * it on a real queue; PCI backs it with the config interrupt and config
 * space writes.
 */
#ifndef _VIRTBUS_TRANSPORT_H
#define _VIRTBUS_TRANSPORT_H

#include <linux/dma-mapping.h>
#include <virtbus/virtbus.h>
#include <virtbus/virtqueue.h>

/**
 * struct virtbus_transport_ops - what a transport does for the core
 * @name: the transport's name, shown in sysfs
 * @get_status: read the device status byte
 * @set_status: write a non-zero device status byte
 * @reset: reset the device and wait until it reads back status 0; after
 *	it returns the device raises no interrupt and uses no buffer
 * @get_features: the feature bits the device offers
 * @transport_features: optional; clear the transport bits (28..40) in
 *	@features the transport cannot carry
 * @finalize_features: write vdev->features to the device
 * @config_get: read @len bytes of device config at @offset
 * @config_set: write @len bytes of device config at @offset
 * @config_size: optional; bytes of device config the device has
 * @generation: optional; the config generation counter
 * @find_vqs: create the device's queues and their interrupts
 * @del_vqs: release them; the device has been reset
 * @synchronize_cbs: optional; wait for running queue and config
 *	interrupt handlers to finish
 * @get_vq_affinity: optional; the CPUs queue @index's interrupt was
 *	spread to, or NULL if it was not
 * @bounces: the device never reaches the guest's own memory: every ring
 *	and buffer is copied through memory the transport shares with it
 *	(its queues' &virtbus_vq_mem_ops do that). Such a device is safe in
 *	a guest whose memory is encrypted without ACCESS_PLATFORM.
 */
struct virtbus_transport_ops {
	const char *name;
	u8 (*get_status)(struct virtbus_device *vdev);
	void (*set_status)(struct virtbus_device *vdev, u8 status);
	void (*reset)(struct virtbus_device *vdev);
	u64 (*get_features)(struct virtbus_device *vdev);
	void (*transport_features)(struct virtbus_device *vdev, u64 *features);
	int (*finalize_features)(struct virtbus_device *vdev);
	void (*config_get)(struct virtbus_device *vdev, unsigned int offset,
			   void *buf, unsigned int len);
	void (*config_set)(struct virtbus_device *vdev, unsigned int offset,
			   const void *buf, unsigned int len);
	unsigned int (*config_size)(struct virtbus_device *vdev);
	u32 (*generation)(struct virtbus_device *vdev);
	int (*find_vqs)(struct virtbus_device *vdev, unsigned int nvqs,
			struct virtbus_vq *vqs[],
			const struct virtbus_vq_info info[]);
	void (*del_vqs)(struct virtbus_device *vdev);
	void (*synchronize_cbs)(struct virtbus_device *vdev);
	const struct cpumask *(*get_vq_affinity)(struct virtbus_device *vdev,
						 unsigned int index);
	bool bounces;
};

int virtbus_register_device(struct virtbus_device *vdev);
void virtbus_unregister_device(struct virtbus_device *vdev);
void virtbus_config_changed(struct virtbus_device *vdev);

/**
 * struct virtbus_vq_mem_ops - how a transport gives its device memory
 * @alloc_ring: memory for a ring of @size bytes, aligned for its device
 *	address and its CPU address to the queue's alignment; sets *@addr
 *	to the device address and returns the CPU address, or NULL if there
 *	is none. The ring zeroes it. Process context; of @vq only @vdev,
 *	@index and @name are set.
 * @free_ring: release what @alloc_ring returned. Process context.
 * @map: give the device @len bytes at @offset in @page, which it reads
 *	(@dir DMA_TO_DEVICE) or writes (DMA_FROM_DEVICE): a piece of a
 *	buffer, or an indirect table the ring wrote. Sets *@addr; returns 0
 *	or a negative errno. Must not sleep: it runs under the driver's
 *	queue lock, possibly with interrupts off.
 * @unmap: optional; undo one @map, called with what it was given and
 *	returned; after it the CPU sees what the device wrote. Without it
 *	mappings need no undoing, and the ring keeps no record to undo them
 *	from. Must not sleep.
 * @max_mapping_size: optional; the largest @len @map takes. The ring
 *	refuses longer pieces and does not build longer indirect tables.
 *	Without it there is no limit.
 *
 * Without operations of its own, a transport's rings and buffers go
 * through the DMA API on &virtbus_vq_params.dma_dev when the device
 * negotiated ACCESS_PLATFORM (or in a Xen guest), and are given as
 * physical addresses otherwise.
 */
struct virtbus_vq_mem_ops {
	void *(*alloc_ring)(struct virtbus_vq *vq, size_t size,
			    dma_addr_t *addr);
	void (*free_ring)(struct virtbus_vq *vq, void *ring, size_t size,
			  dma_addr_t addr);
	int (*map)(struct virtbus_vq *vq, struct page *page,
		   unsigned int offset, size_t len,
		   enum dma_data_direction dir, dma_addr_t *addr);
	void (*unmap)(struct virtbus_vq *vq, dma_addr_t addr, size_t len,
		      enum dma_data_direction dir);
	size_t (*max_mapping_size)(struct virtbus_vq *vq);
};

/**
 * struct virtbus_vq_params - how a transport wants a ring built
 * @index: queue number on the device
 * @num: entries; a power of two no larger than VIRTBUS_RING_MAX_SIZE
 * @align: alignment of the used ring, a power of two of at least 4 (the
 *	legacy layout is one block)
 * @dma_dev: the device the ring and buffers are mapped for, when the
 *	device negotiated ACCESS_PLATFORM (else it is given physical
 *	addresses); may be NULL with @mem_ops
 * @mem_ops: optional; the transport's own way to give the device memory,
 *	instead of the DMA API or physical addresses
 * @notify: tells the device the queue has new buffers; false if that failed
 * @callback: the driver's used-buffer callback (may be NULL)
 * @name: the driver's name for the queue
 */
struct virtbus_vq_params {
	unsigned int index;
	unsigned int num;
	unsigned int align;
	struct device *dma_dev;
	const struct virtbus_vq_mem_ops *mem_ops;
	bool (*notify)(struct virtbus_vq *vq);
	void (*callback)(struct virtbus_vq *vq);
	const char *name;
};

struct virtbus_vq *virtbus_vq_new(struct virtbus_device *vdev,
				  const struct virtbus_vq_params *params);
void virtbus_vq_del(struct virtbus_vq *vq);
irqreturn_t virtbus_vq_interrupt(int irq, void *opaque);
void virtbus_vq_break(struct virtbus_vq *vq);

/**
 * struct virtbus_vq_layout - where a ring lives
 * @desc: CPU address of the descriptor table (the whole block starts here)
 * @avail: CPU address of the available ring
 * @used: CPU address of the used ring
 * @desc_dma: device address of the descriptor table
 * @avail_dma: device address of the available ring
 * @used_dma: device address of the used ring
 * @num: entries
 * @size: bytes of the whole block
 */
struct virtbus_vq_layout {
	void *desc, *avail, *used;
	dma_addr_t desc_dma, avail_dma, used_dma;
	unsigned int num;
	size_t size;
};

void virtbus_vq_get_layout(const struct virtbus_vq *vq,
			   struct virtbus_vq_layout *layout);

#endif /* _VIRTBUS_TRANSPORT_H */

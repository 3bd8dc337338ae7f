/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * Nahanni/ivshmem as QEMU exposes it (PCI 1af4:1110, revision 1): the
 * BAR0 registers, the doorbell encoding and the UIO map numbers that the
 * uio_ivshmem driver and the userspace tools (tools/ivshmem) agree on.
 */
#ifndef _UAPI_VIRTBUS_IVSHMEM_H
#define _UAPI_VIRTBUS_IVSHMEM_H

#include <linux/types.h>

/* PCI identity. */
#define VIRTBUS_IVSHMEM_PCI_VENDOR		0x1af4
#define VIRTBUS_IVSHMEM_PCI_DEVICE		0x1110
#define VIRTBUS_IVSHMEM_PCI_SUBSYS_VENDOR	0x1af4
#define VIRTBUS_IVSHMEM_PCI_SUBSYS_DEVICE	0x1100
#define VIRTBUS_IVSHMEM_PCI_REVISION		1

/* BARs: registers, MSI-X table and PBA (doorbell variant only), memory. */
#define VIRTBUS_IVSHMEM_BAR_REGS		0
#define VIRTBUS_IVSHMEM_BAR_MSIX		1
#define VIRTBUS_IVSHMEM_BAR_SHM			2

/*
 * BAR0: 256 bytes of 32-bit registers, accessed 4 bytes at a time only.
 */
#define VIRTBUS_IVSHMEM_REG_INTRMASK	0x00	/* INTx on revision 0 only */
#define VIRTBUS_IVSHMEM_REG_INTRSTATUS	0x04	/* reading clears it */
#define VIRTBUS_IVSHMEM_REG_IVPOSITION	0x08	/* read-only: own peer ID */
#define VIRTBUS_IVSHMEM_REG_DOORBELL	0x0c	/* write-only: ring a peer */
#define VIRTBUS_IVSHMEM_REGS_SIZE	0x100

struct virtbus_ivshmem_regs {
	__u32 intrmask;
	__u32 intrstatus;
	__u32 ivposition;
	__u32 doorbell;
	__u32 reserved[60];
};

/*
 * Doorbell value: the destination peer in the high 16 bits, the vector in
 * the low 16. QEMU 7.2 looks only at the low 8 bits of the vector, so a
 * vector above VIRTBUS_IVSHMEM_VECTOR_MAX_QEMU would ring another one.
 * A doorbell to a peer or vector that does not exist is dropped silently.
 */
#define VIRTBUS_IVSHMEM_DOORBELL_PEER_SHIFT	16
#define VIRTBUS_IVSHMEM_DOORBELL_VECTOR_MASK	0xffff
#define VIRTBUS_IVSHMEM_DOORBELL(peer, vector)				\
	((((__u32)(peer) & 0xffff) << VIRTBUS_IVSHMEM_DOORBELL_PEER_SHIFT) | \
	 ((__u32)(vector) & VIRTBUS_IVSHMEM_DOORBELL_VECTOR_MASK))

/* Peer IDs are 0..VIRTBUS_IVSHMEM_PEER_MAX. */
#define VIRTBUS_IVSHMEM_PEER_MAX		0xffff
#define VIRTBUS_IVSHMEM_VECTOR_MAX_QEMU		0xff

/*
 * The UIO convention (Nahanni's uio_ivshmem, kept by virtbus's): map 0 is
 * BAR0, map 1 the shared memory; mmap() offset N * page size selects map
 * N. read() of /dev/uioN returns the cumulative 32-bit interrupt count,
 * all vectors merged. virtbus adds map 2: the same shared memory mapped
 * uncached, as Nahanni's driver mapped map 1, for programs that rely on
 * that and for comparing the two.
 */
#define VIRTBUS_IVSHMEM_UIO_MAP_REGS		0
#define VIRTBUS_IVSHMEM_UIO_MAP_SHM		1
#define VIRTBUS_IVSHMEM_UIO_MAP_SHM_UNCACHED	2

#endif /* _UAPI_VIRTBUS_IVSHMEM_H */

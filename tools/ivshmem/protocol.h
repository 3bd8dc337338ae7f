/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The ivshmem server protocol, version 0, as QEMU's ivshmem-doorbell
 * device speaks it.
 *
 * One way, server to client, over a UNIX stream socket. Every message is
 * a little-endian signed 64-bit integer, optionally with one fd attached
 * (SCM_RIGHTS). On connect a client receives, in this order:
 *
 *   1. the protocol version (0), no fd
 *   2. its own peer ID (0..65535), no fd
 *   3. -1 with the shared memory fd
 *   4. for each peer already there: its ID N times, each with one of its
 *      eventfds, vectors 0..N-1 in order
 *   5. its own ID N times with its own eventfds
 *
 * Afterwards a peer ID with an fd is a new peer's next vector, a peer ID
 * without an fd says that peer left. All peers have the same N.
 */
#ifndef IVSHMEM_PROTOCOL_H
#define IVSHMEM_PROTOCOL_H

#include <stdint.h>

#define IVSHMEM_PROTOCOL_VERSION	0
#define IVSHMEM_MSG_SHM			(-1)
#define IVSHMEM_MSG_SIZE		8

/* The socket the server listens on unless told otherwise. */
#define IVSHMEM_DEFAULT_SOCKET		"/tmp/ivshmem_socket"

static inline void proto_encode(int64_t v, unsigned char b[IVSHMEM_MSG_SIZE])
{
	uint64_t u = (uint64_t)v;
	int i;

	for (i = 0; i < IVSHMEM_MSG_SIZE; i++)
		b[i] = (unsigned char)(u >> (8 * i));
}

static inline int64_t proto_decode(const unsigned char b[IVSHMEM_MSG_SIZE])
{
	uint64_t u = 0;
	int i;

	for (i = 0; i < IVSHMEM_MSG_SIZE; i++)
		u |= (uint64_t)b[i] << (8 * i);
	return (int64_t)u;
}

#endif /* IVSHMEM_PROTOCOL_H */

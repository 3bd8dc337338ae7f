/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * libivshmem: one API for an ivshmem peer, wherever it runs.
 *
 *   host backend   a client of an ivshmem server (QEMU protocol version 0)
 *                  over its UNIX socket: the shared memory comes as an fd,
 *                  doorbells are the peers' eventfds.
 *   guest backend  a Nahanni/ivshmem PCI device bound to a UIO driver
 *                  (/dev/uioN): map 0 the registers, map 1 the memory.
 *
 * Every call that can fail returns -1 (or NULL) and sets errno. A handle
 * is not thread-safe: use one per thread, or lock around it.
 */
#ifndef LIBIVSHMEM_H
#define LIBIVSHMEM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ivshmem;

/* The largest peer ID, and the most vectors a server hands out. */
#define IVSHMEM_PEER_MAX	65535
#define IVSHMEM_VECTORS_MAX	1024

/*
 * ivshmem_open - become a peer
 * @where: a UNIX socket path of an ivshmem server (host backend), or a
 *         UIO device node /dev/uioN (guest backend); NULL means the
 *         environment variable IVSHMEM_DEVICE, else /tmp/ivshmem_socket.
 *
 * Returns a handle, or NULL with errno set: ENOENT (no such file),
 * ECONNREFUSED (no server listens), ENOTSOCK (neither a socket nor a
 * character device), ENODEV (a character device that is not an ivshmem
 * UIO device), EPROTO (the server speaks another protocol version or
 * broke it), ECONNRESET (the server hung up during the setup, e.g. out
 * of fds or peer IDs), ETIMEDOUT (the server did not finish the setup in
 * time), EMFILE (out of fds for the eventfds).
 */
struct ivshmem *ivshmem_open(const char *where);

/* ivshmem_close - leave: unmap the memory, close every fd. NULL is fine. */
void ivshmem_close(struct ivshmem *h);

/*
 * ivshmem_mem - the shared memory
 * @size: if not NULL, receives its size in bytes (a power of two)
 */
void *ivshmem_mem(struct ivshmem *h, size_t *size);

/* ivshmem_id - this peer's ID, 0..65535. */
int ivshmem_id(struct ivshmem *h);

/*
 * ivshmem_nvectors - the vectors every peer has
 *
 * Host backend: the number of eventfds the server gave this peer. Guest
 * backend: the "vectors" attribute of virtbus's uio_ivshmem (0 for
 * ivshmem-plain); over another UIO driver the MSI-X table size of the
 * device, or -1 with ENOTSUP if it cannot be read (sysfs config space is
 * readable by root only).
 */
int ivshmem_nvectors(struct ivshmem *h);

/* ivshmem_backend - "host" or "uio". */
const char *ivshmem_backend(struct ivshmem *h);

/*
 * ivshmem_ring - ring a doorbell: interrupt @peer on @vector
 *
 * Ringing one's own ID works. Everything written to the shared memory
 * before the call is visible to the peer when it sees the interrupt.
 * Errors: EINVAL (peer not in 0..65535 or vector negative), ERANGE
 * (vector not below ivshmem_nvectors()), ENXIO (host backend: no such
 * peer is connected; the guest device drops such a doorbell silently).
 */
int ivshmem_ring(struct ivshmem *h, int peer, int vector);

/*
 * ivshmem_wait - wait for an interrupt
 * @vector:     one of this peer's vectors, or -1 for any
 * @timeout_ms: how long to wait at most; -1 waits forever, 0 only polls
 * @vector_out: if not NULL, the vector the interrupts came in on, or -1
 *              if the backend cannot tell (UIO merges all vectors)
 *
 * Returns the number of interrupts consumed (>= 1; interrupts on one
 * vector coalesce while nobody waits), 0 on timeout, -1 on error (EINTR
 * if a signal arrived, ERANGE for a vector out of range, ENOTSUP when
 * the backend cannot wait on a single vector, ENODEV when the guest's
 * device went away: the driver was unbound or unloaded). Everything the
 * ringing peer wrote before ringing is visible when this returns. Only
 * interrupts that arrived after ivshmem_open() count.
 *
 * The host backend also processes the server's messages while waiting,
 * so the peer list stays current. The guest backend over virtbus's
 * uio_ivshmem waits per vector (sysfs events/vectorK) and reports the
 * vector; a wait for any vector starts its scan at a rotating vector, so
 * a busy one does not starve the others. On a device without vectors
 * (ivshmem-plain) a wait only times out. Over another UIO driver there
 * is one merged event counter: the guest backend waits for any vector
 * (@vector_out -1) and accepts a single vector only if the device has
 * exactly one.
 */
int ivshmem_wait(struct ivshmem *h, int vector, int timeout_ms,
		 int *vector_out);

/*
 * ivshmem_peers - the peers present, this one included, ascending
 * @list: receives up to @max IDs (may be NULL when @max is 0)
 *
 * A peer counts as present once the server has handed over all its
 * vectors.
 *
 * Returns how many peers are present (which may exceed @max), or -1:
 * ENOTSUP on the guest backend (the device does not tell), ENOTCONN when
 * the server went away (the list can no longer be kept current).
 */
int ivshmem_peers(struct ivshmem *h, int *list, int max);

/*
 * ivshmem_events - the peers that joined and left since the last call
 * @ev:  receives up to @max events, oldest first
 *
 * Host backend only: the library records every join and leave it learns
 * of after ivshmem_open() (up to 4096; beyond that the oldest are lost),
 * so a peer that leaves and comes back between two calls is still seen.
 * The events are learnt whenever the library hears from the server: in
 * ivshmem_wait(), ivshmem_ring(), ivshmem_peers(), ivshmem_update() and
 * here. Returns the number of events stored, or -1 (ENOTSUP on the guest
 * backend).
 */
enum ivshmem_event_type {
	IVSHMEM_EVENT_JOIN = 1,
	IVSHMEM_EVENT_LEAVE = 2,
};

struct ivshmem_event {
	enum ivshmem_event_type type;
	int peer;
};

int ivshmem_events(struct ivshmem *h, struct ivshmem_event *ev, int max);

/*
 * ivshmem_update - process pending server messages without waiting
 *
 * Only needed by programs that neither ring nor wait for a long time:
 * the server drops a peer that lets too many messages pile up. Returns 0,
 * or -1 with ENOTCONN once the server has gone away. A no-op on the
 * guest backend.
 */
int ivshmem_update(struct ivshmem *h);

/*
 * ivshmem_server_fd - the fd to poll (POLLIN) in an event loop of one's
 * own before calling ivshmem_update(); -1 on the guest backend.
 */
int ivshmem_server_fd(struct ivshmem *h);

#ifdef __cplusplus
}
#endif

#endif /* LIBIVSHMEM_H */

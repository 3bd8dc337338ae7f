/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * libivshmem internals: what a backend provides, and the helpers the
 * backends share. Not installed; programs use libivshmem.h.
 */
#ifndef IVSHMEM_INTERNAL_H
#define IVSHMEM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "libivshmem.h"

struct ivshmem_ops {
	const char *name;
	int (*ring)(struct ivshmem *h, int peer, int vector);
	int (*wait)(struct ivshmem *h, int vector, int timeout_ms,
		    int *vector_out);
	int (*peers)(struct ivshmem *h, int *list, int max);
	int (*update)(struct ivshmem *h);
	int (*events)(struct ivshmem *h, struct ivshmem_event *ev, int max);
	int (*server_fd)(struct ivshmem *h);
	void (*close)(struct ivshmem *h);
};

/* The part every backend has; each embeds it first in its own struct. */
struct ivshmem {
	const struct ivshmem_ops *ops;
	void *mem;
	size_t size;
	int id;			/* -1 if unknown */
	int nvectors;		/* -1 if unknown */
};

struct ivshmem *ivshmem__host_open(const char *path);
struct ivshmem *ivshmem__uio_open(const char *path);

/*
 * Waiting on a set of per-vector eventfds: the host backend's own
 * vectors. fill() is called before every poll, so the set may change
 * while waiting; aux_fd (>= 0) is polled too, and aux() is called when it
 * is readable (the host backend processes server messages there).
 */
struct ivshmem__fdset {
	const int *fds;		/* fds[v] signals vector v */
	int n;
	int aux_fd;
};

int ivshmem__wait_eventfds(struct ivshmem *h, int vector, int timeout_ms,
			   int *vector_out, unsigned int *rr,
			   void (*fill)(struct ivshmem *h,
					struct ivshmem__fdset *set),
			   void (*aux)(struct ivshmem *h));

/* Memory ordering around doorbells: stores before a ring, loads after. */
static inline void ivshmem__release(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static inline void ivshmem__acquire(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

#endif /* IVSHMEM_INTERNAL_H */

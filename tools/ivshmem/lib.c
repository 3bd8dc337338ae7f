// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libivshmem front end: pick the backend, check arguments, dispatch.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ivshmem-internal.h"
#include "protocol.h"
#include "util.h"

struct ivshmem *ivshmem_open(const char *where)
{
	struct stat st;

	if (!where || !*where)
		where = getenv("IVSHMEM_DEVICE");
	if (!where || !*where)
		where = IVSHMEM_DEFAULT_SOCKET;
	if (stat(where, &st) < 0)
		return NULL;
	if (S_ISSOCK(st.st_mode))
		return ivshmem__host_open(where);
	if (S_ISCHR(st.st_mode))
		return ivshmem__uio_open(where);
	errno = ENOTSOCK;
	return NULL;
}

void ivshmem_close(struct ivshmem *h)
{
	int saved = errno;

	if (h)
		h->ops->close(h);
	errno = saved;
}

void *ivshmem_mem(struct ivshmem *h, size_t *size)
{
	if (size)
		*size = h->size;
	return h->mem;
}

int ivshmem_id(struct ivshmem *h)
{
	return h->id;
}

int ivshmem_nvectors(struct ivshmem *h)
{
	if (h->nvectors < 0) {
		errno = ENOTSUP;
		return -1;
	}
	return h->nvectors;
}

const char *ivshmem_backend(struct ivshmem *h)
{
	return h->ops->name;
}

int ivshmem_ring(struct ivshmem *h, int peer, int vector)
{
	if (peer < 0 || peer > IVSHMEM_PEER_MAX || vector < 0) {
		errno = EINVAL;
		return -1;
	}
	return h->ops->ring(h, peer, vector);
}

int ivshmem_wait(struct ivshmem *h, int vector, int timeout_ms,
		 int *vector_out)
{
	int dummy;

	if (vector < -1) {
		errno = EINVAL;
		return -1;
	}
	if (timeout_ms < -1)
		timeout_ms = -1;
	return h->ops->wait(h, vector, timeout_ms,
			    vector_out ? vector_out : &dummy);
}

int ivshmem_peers(struct ivshmem *h, int *list, int max)
{
	if (max < 0 || (max > 0 && !list)) {
		errno = EINVAL;
		return -1;
	}
	return h->ops->peers(h, list, max);
}

int ivshmem_events(struct ivshmem *h, struct ivshmem_event *ev, int max)
{
	if (max < 0 || (max > 0 && !ev)) {
		errno = EINVAL;
		return -1;
	}
	return h->ops->events(h, ev, max);
}

int ivshmem_update(struct ivshmem *h)
{
	return h->ops->update(h);
}

int ivshmem_server_fd(struct ivshmem *h)
{
	return h->ops->server_fd(h);
}

/* Consume an eventfd: its counter, 0 if someone else got there first. */
static int64_t eventfd_take(int fd)
{
	uint64_t v;
	ssize_t n = read(fd, &v, sizeof(v));

	if (n == (ssize_t)sizeof(v))
		return v > INT32_MAX ? INT32_MAX : (int64_t)v;
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		return -1;
	return 0;
}

int ivshmem__wait_eventfds(struct ivshmem *h, int vector, int timeout_ms,
			   int *vector_out, unsigned int *rr,
			   void (*fill)(struct ivshmem *h,
					struct ivshmem__fdset *set),
			   void (*aux)(struct ivshmem *h))
{
	struct pollfd pfd[IVSHMEM_VECTORS_MAX + 1];
	int vec[IVSHMEM_VECTORS_MAX + 1];
	uint64_t deadline = 0;
	struct ivshmem__fdset set;
	int npfd, i, j, ret, left;
	int64_t got;

	if (timeout_ms > 0)
		deadline = util_now_ns() + (uint64_t)timeout_ms * 1000000u;
	for (;;) {
		fill(h, &set);
		if (set.n > IVSHMEM_VECTORS_MAX)
			set.n = IVSHMEM_VECTORS_MAX;
		if (vector >= set.n) {
			errno = ERANGE;
			return -1;
		}
		npfd = 0;
		if (vector >= 0) {
			pfd[npfd].fd = set.fds[vector];
			pfd[npfd].events = POLLIN;
			vec[npfd++] = vector;
		} else {
			/* start the scan at a rotating vector: no starvation */
			for (j = 0; j < set.n; j++) {
				i = (int)((*rr + (unsigned int)j) %
					  (unsigned int)set.n);
				pfd[npfd].fd = set.fds[i];
				pfd[npfd].events = POLLIN;
				vec[npfd++] = i;
			}
		}
		if (set.aux_fd >= 0) {
			pfd[npfd].fd = set.aux_fd;
			pfd[npfd].events = POLLIN;
			vec[npfd++] = -1;
		}
		left = timeout_ms < 0 ? -1 :
		       timeout_ms == 0 ? 0 : util_ms_left(deadline);
		ret = poll(pfd, (nfds_t)npfd, left);
		if (ret < 0)
			return -1;
		got = 0;
		for (i = 0; i < npfd; i++) {
			if (!pfd[i].revents)
				continue;
			if (vec[i] < 0) {
				aux(h);
				continue;
			}
			if (got)
				continue;
			got = eventfd_take(pfd[i].fd);
			if (got < 0)
				return -1;
			if (got) {
				*vector_out = vec[i];
				*rr = (unsigned int)vec[i] + 1;
			}
		}
		if (got) {
			ivshmem__acquire();
			return (int)got;
		}
		if (timeout_ms == 0 ||
		    (timeout_ms > 0 && !util_ms_left(deadline)))
			return 0;
	}
}

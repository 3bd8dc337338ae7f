// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libivshmem host backend: a client of an ivshmem server (protocol
 * version 0, see protocol.h). The shared memory arrives as an fd; every
 * peer's vectors arrive as eventfds. Ringing a peer writes its eventfd,
 * waiting polls our own ones.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ivshmem-internal.h"
#include "protocol.h"
#include "util.h"

/*
 * How long the whole setup may take, and how long to wait for more of
 * our own vectors when no other peer tells us how many there are.
 */
#define SETUP_TIMEOUT_MS	10000
#define SETUP_IDLE_MS		50
#define MAX_EVENTS		4096
#define FD_LOST			(-2)	/* a message whose fd was dropped */

struct host_peer {
	int id;
	int n;
	int cap;
	int *fds;
};

struct host {
	struct ivshmem pub;
	int sock;		/* -1 once the server went away */
	int shm_fd;
	struct host_peer **peers;	/* sorted by id */
	int npeers;
	int cap;
	struct host_peer *self;
	unsigned char buf[IVSHMEM_MSG_SIZE];
	size_t have;
	int pending_fd;
	bool fd_lost;		/* this message's fd did not make it */
	int error;		/* errno of the first thing that went wrong */
	bool ready;		/* the setup is over: record events */
	struct ivshmem_event ev[MAX_EVENTS];	/* ring buffer */
	int ev_head, ev_len;
	unsigned int rr;
};

static const struct ivshmem_ops host_ops;

static struct host *to_host(struct ivshmem *h)
{
	return (struct host *)h;
}

static int peer_index(struct host *c, int id, bool *found)
{
	int lo = 0, hi = c->npeers, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (c->peers[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < c->npeers && c->peers[lo]->id == id;
	return lo;
}

static struct host_peer *peer_find(struct host *c, int id)
{
	bool found;
	int i = peer_index(c, id, &found);

	return found ? c->peers[i] : NULL;
}

static struct host_peer *peer_get(struct host *c, int id)
{
	struct host_peer *p, **np;
	bool found;
	int i = peer_index(c, id, &found);

	if (found)
		return c->peers[i];
	if (c->npeers == c->cap) {
		int cap = c->cap ? c->cap * 2 : 16;

		np = realloc(c->peers, sizeof(*np) * (size_t)cap);
		if (!np)
			return NULL;
		c->peers = np;
		c->cap = cap;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->id = id;
	memmove(&c->peers[i + 1], &c->peers[i],
		sizeof(*c->peers) * (size_t)(c->npeers - i));
	c->peers[i] = p;
	c->npeers++;
	return p;
}

static void peer_remove(struct host *c, int id)
{
	bool found;
	int i = peer_index(c, id, &found), v;
	struct host_peer *p;

	if (!found)
		return;
	p = c->peers[i];
	for (v = 0; v < p->n; v++)
		close(p->fds[v]);
	free(p->fds);
	free(p);
	memmove(&c->peers[i], &c->peers[i + 1],
		sizeof(*c->peers) * (size_t)(c->npeers - i - 1));
	c->npeers--;
}

/* A peer is present once all its vectors are there. */
static bool peer_complete(struct host *c, const struct host_peer *p)
{
	return p->n >= c->pub.nvectors;
}

static void event(struct host *c, enum ivshmem_event_type type, int peer)
{
	if (!c->ready)
		return;
	if (c->ev_len == MAX_EVENTS) {
		c->ev_head = (c->ev_head + 1) % MAX_EVENTS;
		c->ev_len--;
	}
	c->ev[(c->ev_head + c->ev_len) % MAX_EVENTS] =
		(struct ivshmem_event){ .type = type, .peer = peer };
	c->ev_len++;
}

/*
 * One message from the server. Never trust it: a bad message is dropped
 * (its fd closed) and remembered as a protocol error.
 */
static void host_msg(struct host *c, int64_t v, int fd)
{
	struct host_peer *p;

	if (fd == FD_LOST) {
		/* not a leave: a vector we could not receive (out of fds) */
		if (!c->error)
			c->error = EMFILE;
		return;
	}
	if (v == IVSHMEM_MSG_SHM) {
		if (fd < 0 || c->shm_fd >= 0)
			goto bad;
		c->shm_fd = fd;
		return;
	}
	if (v < 0 || v > IVSHMEM_PEER_MAX)
		goto bad;
	if (fd < 0) {
		/* a peer left; never ourselves */
		if (v == c->pub.id)
			goto bad;
		p = peer_find(c, (int)v);
		if (p && peer_complete(c, p))
			event(c, IVSHMEM_EVENT_LEAVE, (int)v);
		peer_remove(c, (int)v);
		return;
	}
	p = peer_get(c, (int)v);
	if (!p || p->n == IVSHMEM_VECTORS_MAX)
		goto bad;
	if (p->n == p->cap) {
		int cap = p->cap ? p->cap * 2 : 4;
		int *nf = realloc(p->fds, sizeof(*nf) * (size_t)cap);

		if (!nf)
			goto bad;
		p->fds = nf;
		p->cap = cap;
	}
	p->fds[p->n++] = fd;
	if (v == c->pub.id) {
		c->self = p;
		c->pub.nvectors = p->n;
	} else if (p->n == c->pub.nvectors) {
		event(c, IVSHMEM_EVENT_JOIN, (int)v);
	}
	return;
bad:
	if (!c->error)
		c->error = EPROTO;
	if (fd >= 0)
		close(fd);
}

static void host_lost(struct host *c)
{
	if (c->sock >= 0)
		close(c->sock);
	c->sock = -1;
	if (c->pending_fd >= 0)
		close(c->pending_fd);
	c->pending_fd = -1;
}

/*
 * Read one message, waiting up to timeout_ms. Returns 1 and the message,
 * 0 if none arrived in time, -1 with errno (ENOTCONN: the server closed
 * the connection).
 */
static int host_recv(struct host *c, int timeout_ms, int64_t *v, int *fd)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} cbuf;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	struct pollfd pfd;
	uint64_t deadline = 0;
	ssize_t n;
	int nfd, i, r, left;
	int *fds;

	if (timeout_ms > 0)
		deadline = util_now_ns() + (uint64_t)timeout_ms * 1000000u;
	while (c->have < IVSHMEM_MSG_SIZE) {
		if (c->sock < 0) {
			errno = ENOTCONN;
			return -1;
		}
		memset(&msg, 0, sizeof(msg));
		/*
		 * No further than this message: an fd belongs to the
		 * message whose bytes it arrives with.
		 */
		iov.iov_base = c->buf + c->have;
		iov.iov_len = IVSHMEM_MSG_SIZE - c->have;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = sizeof(cbuf.buf);
		n = recvmsg(c->sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				host_lost(c);
				errno = ENOTCONN;
				return -1;
			}
			left = timeout_ms < 0 ? -1 : timeout_ms == 0 ? 0 :
			       util_ms_left(deadline);
			if (left == 0)
				return 0;
			pfd.fd = c->sock;
			pfd.events = POLLIN;
			r = poll(&pfd, 1, left);
			if (r < 0 && errno != EINTR)
				return -1;
			if (r == 0)
				return 0;
			continue;
		}
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			if (cm->cmsg_level != SOL_SOCKET ||
			    cm->cmsg_type != SCM_RIGHTS)
				continue;
			nfd = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			fds = (int *)CMSG_DATA(cm);
			for (i = 0; i < nfd; i++) {
				int f;

				memcpy(&f, &fds[i], sizeof(f));
				if (c->pending_fd < 0) {
					c->pending_fd = f;
				} else {
					close(f);
					if (!c->error)
						c->error = EPROTO;
				}
			}
		}
		if (msg.msg_flags & MSG_CTRUNC)
			c->fd_lost = true;	/* out of fds: the kernel dropped it */

		if (n == 0) {
			host_lost(c);
			errno = ENOTCONN;
			return -1;
		}
		c->have += (size_t)n;
	}
	*v = proto_decode(c->buf);
	*fd = c->pending_fd;
	if (c->fd_lost && *fd < 0)
		*fd = FD_LOST;
	c->pending_fd = -1;
	c->fd_lost = false;
	c->have = 0;
	return 1;
}

/* Process whatever the server sent; never waits. */
static int host_update(struct ivshmem *h)
{
	struct host *c = to_host(h);
	int64_t v;
	int fd;

	for (;;) {
		int r = host_recv(c, 0, &v, &fd);

		if (r < 0)
			return errno == ENOTCONN ? -1 : 0;
		if (r == 0)
			return 0;
		host_msg(c, v, fd);
	}
}

static void host_aux(struct ivshmem *h)
{
	host_update(h);
}

static int host_server_fd(struct ivshmem *h)
{
	return to_host(h)->sock;
}

static int host_ring(struct ivshmem *h, int peer, int vector)
{
	struct host *c = to_host(h);
	struct host_peer *p;
	uint64_t one = 1;

	host_update(h);
	p = peer_find(c, peer);
	if (!p || !peer_complete(c, p)) {
		errno = ENXIO;
		return -1;
	}
	if (vector >= p->n) {
		errno = ERANGE;
		return -1;
	}
	ivshmem__release();
	if (write(p->fds[vector], &one, sizeof(one)) != (ssize_t)sizeof(one))
		return -1;
	return 0;
}

static void host_fill(struct ivshmem *h, struct ivshmem__fdset *set)
{
	struct host *c = to_host(h);

	set->n = c->self ? c->self->n : 0;
	set->fds = c->self ? c->self->fds : NULL;
	set->aux_fd = c->sock;
}

static int host_wait(struct ivshmem *h, int vector, int timeout_ms,
		     int *vector_out)
{
	struct host *c = to_host(h);

	return ivshmem__wait_eventfds(h, vector, timeout_ms, vector_out,
				      &c->rr, host_fill, host_aux);
}

static int host_peers(struct ivshmem *h, int *list, int max)
{
	struct host *c = to_host(h);
	int i, n;

	if (host_update(h) < 0) {
		errno = ENOTCONN;
		return -1;
	}
	for (i = 0, n = 0; i < c->npeers; i++) {
		if (!peer_complete(c, c->peers[i]))
			continue;
		if (n < max)
			list[n] = c->peers[i]->id;
		n++;
	}
	return n;
}

static int host_events(struct ivshmem *h, struct ivshmem_event *ev, int max)
{
	struct host *c = to_host(h);
	int n = 0;

	host_update(h);
	while (n < max && c->ev_len) {
		ev[n++] = c->ev[c->ev_head];
		c->ev_head = (c->ev_head + 1) % MAX_EVENTS;
		c->ev_len--;
	}
	return n;
}

static void host_close(struct ivshmem *h)
{
	struct host *c = to_host(h);

	host_lost(c);
	while (c->npeers)
		peer_remove(c, c->peers[0]->id);
	free(c->peers);
	if (c->shm_fd >= 0)
		close(c->shm_fd);
	if (h->mem && h->mem != MAP_FAILED)
		munmap(h->mem, h->size);
	free(c);
}

/* Read the setup: version, ID, memory, the peers, our own vectors. */
static int host_setup(struct host *c)
{
	uint64_t deadline = util_now_ns() + SETUP_TIMEOUT_MS * 1000000ull;
	int64_t v;
	int fd, r, i, want = 0;
	struct stat st;

	r = host_recv(c, SETUP_TIMEOUT_MS, &v, &fd);
	if (r <= 0)
		goto short_setup;
	if (fd >= 0)
		close(fd);
	if (v != IVSHMEM_PROTOCOL_VERSION || fd >= 0) {
		errno = EPROTO;
		return -1;
	}
	r = host_recv(c, util_ms_left(deadline), &v, &fd);
	if (r <= 0)
		goto short_setup;
	if (fd >= 0)
		close(fd);
	if (v < 0 || v > IVSHMEM_PEER_MAX || fd >= 0) {
		errno = EPROTO;
		return -1;
	}
	c->pub.id = (int)v;

	/*
	 * The rest comes in order, but the count of our own vectors is not
	 * sent: another peer's count tells it; alone, take what arrives until
	 * the server falls silent for a moment (late ones are still added).
	 */
	for (;;) {
		int left = util_ms_left(deadline);

		if (c->self && c->shm_fd >= 0) {
			if (!want) {
				for (i = 0; i < c->npeers; i++)
					if (c->peers[i] != c->self)
						want = c->peers[i]->n;
			}
			if (want && c->self->n >= want)
				break;
			if (!want && left > SETUP_IDLE_MS)
				left = SETUP_IDLE_MS;
		}
		if (left == 0)
			break;
		r = host_recv(c, left, &v, &fd);
		if (r < 0)
			goto short_setup;
		if (r == 0)
			break;
		if (c->self && v != c->pub.id) {
			/* the setup is over; this is news about another peer */
			c->ready = true;
			host_msg(c, v, fd);
			break;
		}
		host_msg(c, v, fd);
	}
	if (c->error) {
		errno = c->error;
		return -1;
	}
	if (c->shm_fd < 0 || !c->self) {
		errno = c->sock < 0 ? ECONNRESET : ETIMEDOUT;
		return -1;
	}
	c->ready = true;
	if (fstat(c->shm_fd, &st) < 0)
		return -1;
	if (st.st_size <= 0) {
		errno = EPROTO;
		return -1;
	}
	c->pub.size = (size_t)st.st_size;
	c->pub.mem = mmap(NULL, c->pub.size, PROT_READ | PROT_WRITE,
			  MAP_SHARED, c->shm_fd, 0);
	if (c->pub.mem == MAP_FAILED) {
		c->pub.mem = NULL;
		return -1;
	}
	return 0;

short_setup:
	if (r == 0)
		errno = ETIMEDOUT;
	else if (errno == ENOTCONN)
		errno = ECONNRESET;	/* the server hung up on us */
	return -1;
}

struct ivshmem *ivshmem__host_open(const char *path)
{
	struct sockaddr_un sa;
	struct host *c;
	int saved;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->pub.ops = &host_ops;
	c->pub.id = -1;
	c->pub.nvectors = 0;
	c->shm_fd = -1;
	c->pending_fd = -1;
	c->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->sock < 0)
		goto fail;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, path);
	if (connect(c->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail;
	if (host_setup(c) < 0)
		goto fail;
	return &c->pub;
fail:
	saved = errno;
	host_close(&c->pub);
	errno = saved;
	return NULL;
}

static const struct ivshmem_ops host_ops = {
	.name = "host",
	.ring = host_ring,
	.wait = host_wait,
	.peers = host_peers,
	.update = host_update,
	.events = host_events,
	.server_fd = host_server_fd,
	.close = host_close,
};

// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libivshmem guest backend: an ivshmem PCI device bound to a UIO driver.
 *
 * The UIO convention (Nahanni's uio_ivshmem, kept by virtbus's): map 0 is
 * BAR0 (the registers), map 1 the shared memory, mmap() offset N * page
 * size picks map N; read() of /dev/uioN returns the cumulative interrupt
 * count with all vectors merged. The sysfs attributes of the UIO device
 * give the map sizes and the current count.
 *
 * virtbus's uio_ivshmem adds, on the PCI device (/sys/dev/char/MAJ:MIN/
 * device/): "vectors", the number of MSI-X vectors, and events/vectorK,
 * one cumulative counter per vector that supports poll() (POLLPRI when
 * it changed since the file was last read). With those, waiting is per
 * vector: the backend keeps each counter file open, polls the ones it
 * waits for and re-reads a file that signals. Without them (another UIO
 * driver, such as Nahanni's), it falls back to the merged counter.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <uapi/virtbus/ivshmem.h>

#include "ivshmem-internal.h"
#include "util.h"

struct uio {
	struct ivshmem pub;
	int fd;
	char sysfs[128];	/* /sys/dev/char/MAJ:MIN */
	void *regs_map;
	size_t regs_len;
	volatile __u32 *regs;
	void *mem_map;
	size_t mem_len;
	uint32_t last;		/* merged event count seen so far */
	/* per-vector counters (events/vectorK), or n_vec = 0: merged only */
	int *vec_fds;
	uint32_t *vec_last;	/* each counter's value seen so far */
	int n_vec;
	unsigned int rr;	/* where a wait for any vector starts */
	struct pollfd *pfd;	/* scratch for waiting: n_vec + 1 */
	int *pvec;
};

static const struct ivshmem_ops uio_ops;

static struct uio *to_uio(struct ivshmem *h)
{
	return (struct uio *)h;
}

static int read_sysfs(const char *dir, const char *name, char *buf,
		      size_t len)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

static int read_sysfs_u64(const char *dir, const char *name, uint64_t *v)
{
	char buf[64];

	if (read_sysfs(dir, name, buf, sizeof(buf)) < 0)
		return -1;
	return util_parse_u64(buf, v, 0);
}

/*
 * Read an open counter file from its start. Reading also tells sysfs
 * that this file has seen the current state: poll() reports POLLPRI
 * again only after the next change. ENODEV once the device is gone.
 */
static int read_counter(int fd, uint32_t *count)
{
	char buf[32];
	uint64_t v;
	ssize_t n;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return -1;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = 0;
	if (util_parse_u64(buf, &v, 0) < 0) {
		errno = EIO;
		return -1;
	}
	*count = (uint32_t)v;
	return 0;
}

/* Map UIO map @n; returns the address of its first byte. */
static void *uio_map(struct uio *u, int n, void **map, size_t *map_len,
		     size_t *size)
{
	char name[64];
	uint64_t sz, off = 0;
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	snprintf(name, sizeof(name), "maps/map%d/size", n);
	if (read_sysfs_u64(u->sysfs, name, &sz) < 0 || !sz) {
		errno = ENODEV;
		return NULL;
	}
	snprintf(name, sizeof(name), "maps/map%d/offset", n);
	if (read_sysfs_u64(u->sysfs, name, &off) < 0)
		off = 0;	/* older kernels: maps start on a page */
	if (off >= (uint64_t)page) {
		errno = ENODEV;
		return NULL;
	}
	*map_len = (size_t)((sz + off + (uint64_t)page - 1) &
			    ~((uint64_t)page - 1));
	p = mmap(NULL, *map_len, PROT_READ | PROT_WRITE, MAP_SHARED, u->fd,
		 (off_t)n * page);
	if (p == MAP_FAILED)
		return NULL;
	*map = p;
	*size = (size_t)sz;
	return (char *)p + off;
}

/*
 * Another UIO driver (Nahanni's, uio_pci_generic) does not say how many
 * vectors there are: take the MSI-X table size from the capability list
 * in config space (only root reads past byte 64). ivshmem-plain has no
 * MSI-X: 0.
 */
static int uio_count_vectors(struct uio *u)
{
	unsigned char cfg[256];
	char path[256];
	int fd, pos, guard = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/device/config", u->sysfs);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = pread(fd, cfg, sizeof(cfg), 0);
	close(fd);
	if (n < 64)
		return -1;
	if (!(cfg[0x06] & 0x10))	/* status: capability list */
		return 0;
	pos = cfg[0x34] & 0xfc;
	while (pos >= 0x40 && guard++ < 48) {
		if (pos + 4 > n)
			return -1;	/* unprivileged: config cut at 64 */
		if (cfg[pos] == 0x11)	/* MSI-X */
			return ((cfg[pos + 2] | cfg[pos + 3] << 8) & 0x7ff) + 1;
		pos = cfg[pos + 1] & 0xfc;
	}
	return 0;
}

static int uio_ring(struct ivshmem *h, int peer, int vector)
{
	struct uio *u = to_uio(h);

	/* QEMU reads only the low 8 bits: a larger vector rings another */
	if (vector > VIRTBUS_IVSHMEM_VECTOR_MAX_QEMU ||
	    (h->nvectors >= 0 && vector >= h->nvectors)) {
		errno = ERANGE;
		return -1;
	}
	ivshmem__release();
	u->regs[VIRTBUS_IVSHMEM_REG_DOORBELL / 4] =
		VIRTBUS_IVSHMEM_DOORBELL(peer, vector);
	return 0;
}

static int wait_left(int timeout_ms, uint64_t deadline)
{
	return timeout_ms < 0 ? -1 : timeout_ms == 0 ? 0 :
	       util_ms_left(deadline);
}

/*
 * The per-vector counters. Each waits in poll() for POLLPRI on the
 * counter files it watches; /dev/uioN is polled too, for no event but
 * its error: the UIO core wakes it and reports POLLERR when the device
 * goes away (unbind, unload), which ends the wait with ENODEV.
 *
 * Only the counter that is consumed is read: reading a file clears its
 * POLLPRI, so another vector that signalled at the same time keeps it
 * and is reported by the next wait.
 */
static int uio_wait_vectors(struct uio *u, int vector, int timeout_ms,
			    int *vector_out)
{
	uint64_t deadline = 0;
	uint32_t count, delta;
	int npfd, i, j, v, r;

	if (timeout_ms > 0)
		deadline = util_now_ns() + (uint64_t)timeout_ms * 1000000u;
	for (;;) {
		npfd = 0;
		for (j = 0; j < (vector >= 0 ? 1 : u->n_vec); j++) {
			v = vector >= 0 ? vector :
			    (int)((u->rr + (unsigned int)j) %
				  (unsigned int)u->n_vec);
			u->pfd[npfd].fd = u->vec_fds[v];
			u->pfd[npfd].events = POLLPRI;
			u->pvec[npfd++] = v;
		}
		u->pfd[npfd].fd = u->fd;
		u->pfd[npfd].events = 0;
		u->pvec[npfd++] = -1;
		r = poll(u->pfd, (nfds_t)npfd, wait_left(timeout_ms, deadline));
		if (r < 0)
			return -1;
		for (i = 0; r > 0 && i < npfd; i++) {
			if (!u->pfd[i].revents)
				continue;
			v = u->pvec[i];
			if (v < 0) {
				errno = ENODEV;	/* the device went away */
				return -1;
			}
			if (read_counter(u->vec_fds[v], &count) < 0)
				return -1;
			delta = count - u->vec_last[v];
			if (!delta)
				continue;	/* seen already */
			u->vec_last[v] = count;
			u->rr = (unsigned int)v + 1;
			*vector_out = v;
			ivshmem__acquire();
			return delta > INT32_MAX ? INT32_MAX : (int)delta;
		}
		if (timeout_ms == 0 ||
		    (timeout_ms > 0 && !util_ms_left(deadline)))
			return 0;
	}
}

/* Another UIO driver: the merged counter, any vector. */
static int uio_wait_merged(struct uio *u, int timeout_ms, int *vector_out)
{
	uint64_t deadline = 0;
	struct pollfd pfd;
	uint32_t count, delta;
	ssize_t n;
	int r;

	if (timeout_ms > 0)
		deadline = util_now_ns() + (uint64_t)timeout_ms * 1000000u;
	for (;;) {
		pfd.fd = u->fd;
		pfd.events = POLLIN;
		r = poll(&pfd, 1, wait_left(timeout_ms, deadline));
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		n = read(u->fd, &count, sizeof(count));
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n != (ssize_t)sizeof(count)) {
			if (n >= 0 || errno == EIO)
				errno = ENODEV;
			return -1;
		}
		delta = count - u->last;
		u->last = count;
		if (delta) {
			ivshmem__acquire();
			*vector_out = u->pub.nvectors == 1 ? 0 : -1;
			return delta > INT32_MAX ? INT32_MAX : (int)delta;
		}
		if (timeout_ms == 0 ||
		    (timeout_ms > 0 && !util_ms_left(deadline)))
			return 0;
	}
}

static int uio_wait(struct ivshmem *h, int vector, int timeout_ms,
		    int *vector_out)
{
	struct uio *u = to_uio(h);

	if (h->nvectors >= 0 && vector >= h->nvectors) {
		errno = ERANGE;
		return -1;
	}
	if (u->n_vec)
		return uio_wait_vectors(u, vector, timeout_ms, vector_out);
	if (h->nvectors == 0) {
		/* ivshmem-plain: nothing ever rings */
		if (poll(NULL, 0, timeout_ms) < 0)
			return -1;
		return 0;
	}
	/* one merged counter: only "any", or vector 0 of a 1-vector device */
	if (vector > 0 || (vector == 0 && h->nvectors != 1)) {
		errno = ENOTSUP;
		return -1;
	}
	return uio_wait_merged(u, timeout_ms, vector_out);
}

/*
 * virtbus's uio_ivshmem: the vector count from "vectors", one counter
 * file per vector, read once now so that a wait reports only what
 * arrives after the open. Returns 0, 1 if the driver has no such files
 * (fall back to the merged counter), -1 on error (EMFILE...).
 */
static int uio_open_vectors(struct uio *u)
{
	char dir[192], path[256];
	uint64_t n;
	int i;

	snprintf(dir, sizeof(dir), "%s/device", u->sysfs);
	if (read_sysfs_u64(dir, "vectors", &n) < 0)
		return 1;
	if (n > IVSHMEM_VECTORS_MAX) {
		errno = ENODEV;
		return -1;
	}
	u->pub.nvectors = (int)n;
	if (!n)
		return 0;
	u->vec_fds = malloc(n * sizeof(*u->vec_fds));
	u->vec_last = calloc(n, sizeof(*u->vec_last));
	u->pfd = calloc(n + 1, sizeof(*u->pfd));
	u->pvec = calloc(n + 1, sizeof(*u->pvec));
	if (!u->vec_fds || !u->vec_last || !u->pfd || !u->pvec)
		return -1;
	for (i = 0; i < (int)n; i++) {
		snprintf(path, sizeof(path), "%s/events/vector%d", dir, i);
		u->vec_fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (u->vec_fds[i] < 0)
			break;
		u->n_vec = i + 1;
		if (read_counter(u->vec_fds[i], &u->vec_last[i]) < 0)
			return -1;
	}
	if (u->n_vec == (int)n)
		return 0;
	if (errno != ENOENT)
		return -1;
	for (i = 0; i < u->n_vec; i++)
		close(u->vec_fds[i]);
	u->n_vec = 0;
	return 1;
}

static int uio_peers(struct ivshmem *h, int *list, int max)
{
	(void)h;
	(void)list;
	(void)max;
	errno = ENOTSUP;
	return -1;
}

static int uio_events(struct ivshmem *h, struct ivshmem_event *ev, int max)
{
	(void)h;
	(void)ev;
	(void)max;
	errno = ENOTSUP;
	return -1;
}

static int uio_update(struct ivshmem *h)
{
	(void)h;
	return 0;
}

static int uio_server_fd(struct ivshmem *h)
{
	(void)h;
	return -1;
}

static void uio_close(struct ivshmem *h)
{
	struct uio *u = to_uio(h);
	int i;

	for (i = 0; i < u->n_vec; i++)
		close(u->vec_fds[i]);
	free(u->vec_fds);
	free(u->vec_last);
	free(u->pfd);
	free(u->pvec);
	if (u->regs_map)
		munmap(u->regs_map, u->regs_len);
	if (u->mem_map)
		munmap(u->mem_map, u->mem_len);
	if (u->fd >= 0)
		close(u->fd);
	free(u);
}

/* Is the PCI device behind this UIO device an ivshmem one? */
static bool uio_is_ivshmem(struct uio *u)
{
	char dir[192];
	uint64_t vendor, device;

	snprintf(dir, sizeof(dir), "%s/device", u->sysfs);
	if (read_sysfs_u64(dir, "vendor", &vendor) < 0 ||
	    read_sysfs_u64(dir, "device", &device) < 0)
		return true;	/* not PCI, or no sysfs: take it on trust */
	return vendor == VIRTBUS_IVSHMEM_PCI_VENDOR &&
	       device == VIRTBUS_IVSHMEM_PCI_DEVICE;
}

struct ivshmem *ivshmem__uio_open(const char *path)
{
	char maps[192];
	struct stat st;
	struct uio *u;
	uint64_t ev;
	size_t regs_size;
	__u32 pos;
	int saved, r;

	u = calloc(1, sizeof(*u));
	if (!u)
		return NULL;
	u->pub.ops = &uio_ops;
	u->pub.id = -1;
	u->pub.nvectors = -1;
	u->fd = open(path, O_RDWR | O_CLOEXEC);
	if (u->fd < 0)
		goto fail;
	if (fstat(u->fd, &st) < 0)
		goto fail;
	snprintf(u->sysfs, sizeof(u->sysfs), "/sys/dev/char/%u:%u",
		 major(st.st_rdev), minor(st.st_rdev));
	snprintf(maps, sizeof(maps), "%s/maps", u->sysfs);
	if (access(u->sysfs, F_OK) < 0 || !uio_is_ivshmem(u) ||
	    access(maps, F_OK) < 0) {
		errno = ENODEV;	/* not an ivshmem UIO device */
		goto fail;
	}
	u->regs = uio_map(u, VIRTBUS_IVSHMEM_UIO_MAP_REGS, &u->regs_map,
			  &u->regs_len, &regs_size);
	if (!u->regs)
		goto fail;
	if (regs_size < VIRTBUS_IVSHMEM_REG_DOORBELL + 4) {
		errno = ENODEV;
		goto fail;
	}
	u->pub.mem = uio_map(u, VIRTBUS_IVSHMEM_UIO_MAP_SHM, &u->mem_map,
			     &u->mem_len, &u->pub.size);
	if (!u->pub.mem)
		goto fail;
	pos = u->regs[VIRTBUS_IVSHMEM_REG_IVPOSITION / 4];
	u->pub.id = pos <= VIRTBUS_IVSHMEM_PEER_MAX ? (int)pos : -1;
	if (read_sysfs_u64(u->sysfs, "event", &ev) == 0)
		u->last = (uint32_t)ev;
	r = uio_open_vectors(u);
	if (r < 0)
		goto fail;
	if (r > 0 && u->pub.nvectors < 0)
		u->pub.nvectors = uio_count_vectors(u);
	return &u->pub;
fail:
	saved = errno;
	uio_close(&u->pub);
	errno = saved;
	return NULL;
}

static const struct ivshmem_ops uio_ops = {
	.name = "uio",
	.ring = uio_ring,
	.wait = uio_wait,
	.peers = uio_peers,
	.update = uio_update,
	.events = uio_events,
	.server_fd = uio_server_fd,
	.close = uio_close,
};

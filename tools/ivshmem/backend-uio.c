// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libivshmem guest backend: an ivshmem PCI device bound to a UIO driver.
 *
 * The plain UIO convention (Nahanni's uio_ivshmem): map 0 is BAR0 (the
 * registers), map 1 the shared memory, mmap() offset N * page size picks
 * map N; read() of /dev/uioN returns the cumulative interrupt count with
 * all vectors merged. The sysfs attributes of the UIO device give the
 * map sizes and the current count.
 *
 * Per-vector waiting is kept behind one seam: uio->vec_fds. When the UIO
 * driver learns to hand out one eventfd per vector (an ioctl binding an
 * eventfd to a vector, or one node per vector), uio_bind_vectors() fills
 * it and uio_wait() takes the same eventfd path as the host backend
 * (ivshmem__wait_eventfds); nothing else changes.
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
	uint32_t last;		/* event count seen so far */
	bool rearm;		/* re-enable the interrupt before waiting */
	/* per-vector eventfds, once the driver offers them (see above) */
	int *vec_fds;
	int n_vec_fds;
	unsigned int rr;
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
 * The vector count is the MSI-X table size, from the capability list in
 * config space (only root reads past byte 64); else the count of MSI
 * interrupts the driver allocated. ivshmem-plain has no MSI-X: 0.
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

static void uio_fill(struct ivshmem *h, struct ivshmem__fdset *set)
{
	struct uio *u = to_uio(h);

	set->fds = u->vec_fds;
	set->n = u->n_vec_fds;
	set->aux_fd = -1;
}

static void uio_aux(struct ivshmem *h)
{
	(void)h;
}

/* The merged counter: any vector. */
static int uio_wait_any(struct uio *u, int timeout_ms, int *vector_out)
{
	uint64_t deadline = 0;
	struct pollfd pfd;
	uint32_t count, delta;
	ssize_t n;
	int r, left;

	if (timeout_ms > 0)
		deadline = util_now_ns() + (uint64_t)timeout_ms * 1000000u;
	for (;;) {
		if (u->rearm) {
			/*
			 * Drivers with irqcontrol mask until told; others
			 * refuse (ENOSYS, EIO), which is fine.
			 */
			uint32_t one = 1;

			if (write(u->fd, &one, sizeof(one)) < 0 &&
			    errno != ENOSYS && errno != EIO && errno != EINVAL)
				return -1;
			u->rearm = false;
		}
		left = timeout_ms < 0 ? -1 : timeout_ms == 0 ? 0 :
		       util_ms_left(deadline);
		pfd.fd = u->fd;
		pfd.events = POLLIN;
		r = poll(&pfd, 1, left);
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		n = read(u->fd, &count, sizeof(count));
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n != (ssize_t)sizeof(count)) {
			if (n >= 0)
				errno = EIO;
			return -1;
		}
		u->rearm = true;
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
	if (u->n_vec_fds)
		return ivshmem__wait_eventfds(h, vector, timeout_ms,
					      vector_out, &u->rr, uio_fill,
					      uio_aux);
	/* one merged counter: only "any", or vector 0 of a 1-vector device */
	if (vector > 0 || (vector == 0 && h->nvectors != 1)) {
		errno = ENOTSUP;
		return -1;
	}
	return uio_wait_any(u, timeout_ms, vector_out);
}

/*
 * Per-vector events: none yet. A future uio_ivshmem that offers them
 * gets probed here and fills u->vec_fds[0..nvectors-1].
 */
static void uio_bind_vectors(struct uio *u)
{
	u->vec_fds = NULL;
	u->n_vec_fds = 0;
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

	for (i = 0; i < u->n_vec_fds; i++)
		close(u->vec_fds[i]);
	free(u->vec_fds);
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
	struct stat st;
	struct uio *u;
	uint64_t ev;
	size_t regs_size;
	__u32 pos;
	int saved;

	u = calloc(1, sizeof(*u));
	if (!u)
		return NULL;
	u->pub.ops = &uio_ops;
	u->pub.id = -1;
	u->fd = open(path, O_RDWR | O_CLOEXEC);
	if (u->fd < 0)
		goto fail;
	if (fstat(u->fd, &st) < 0)
		goto fail;
	snprintf(u->sysfs, sizeof(u->sysfs), "/sys/dev/char/%u:%u",
		 major(st.st_rdev), minor(st.st_rdev));
	if (access(u->sysfs, F_OK) < 0 || !uio_is_ivshmem(u)) {
		errno = ENODEV;
		goto fail;
	}
	{
		char maps[192];

		snprintf(maps, sizeof(maps), "%s/maps", u->sysfs);
		if (access(maps, F_OK) < 0) {
			errno = ENODEV;	/* not a UIO device */
			goto fail;
		}
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
	u->pub.nvectors = uio_count_vectors(u);
	if (read_sysfs_u64(u->sysfs, "event", &ev) == 0)
		u->last = (uint32_t)ev;
	u->rearm = true;
	uio_bind_vectors(u);
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

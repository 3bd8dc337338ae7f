// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * ivshmem bench: doorbell round trips against a peer running
 * "bench --echo", and memcpy bandwidth into and out of the shared memory.
 *
 * The two meet in a mailbox at OFFSET: the echo peer publishes its ID
 * there, the pinger writes its ID and a sequence number, rings; the echo
 * copies the sequence number into ack and rings back.
 *
 * The bandwidth is measured through this peer's mapping of the memory
 * (cached, write-back, in a guest over virtbus's uio_ivshmem), as the
 * limit between two buffers in ordinary RAM, and in a guest also through
 * an uncached mapping of the same memory (UIO map 2 of virtbus's
 * uio_ivshmem: as Nahanni's driver mapped the memory).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uapi/virtbus/ivshmem.h>

#include "cli.h"
#include "util.h"

#define BENCH_MAGIC	0x4e484245u	/* "EBHN" */
#define MBOX_SIZE	4096		/* bandwidth region starts after it */

struct mbox {
	uint32_t magic;		/* BENCH_MAGIC while an echo peer serves */
	uint32_t echo_id;
	uint32_t ping_id;
	uint32_t vector;
	uint64_t seq;		/* pinger: the round trip in flight */
	uint64_t ack;		/* echo: the last one answered */
};

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static uint32_t ld32(uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static uint64_t ld64(uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void st32(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static void st64(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static int echo(struct ivshmem *h, struct mbox *mb, long vector, long count,
		long idle)
{
	struct sigaction sa;
	long served = 0;
	uint64_t seq;
	int r;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	st32(&mb->magic, 0);
	st32(&mb->echo_id, (uint32_t)ivshmem_id(h));
	st64(&mb->ack, ld64(&mb->seq));
	st32(&mb->magic, BENCH_MAGIC);
	printf("echo: peer %d serving on %s\n", ivshmem_id(h),
	       vector < 0 ? "any vector" : "one vector");
	while (!stop && (!count || served < count)) {
		r = cli_wait(h, (int)vector, idle);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			st32(&mb->magic, 0);
			cli_fail("%s", strerror(errno));
		}
		if (r == 0) {
			printf("echo: idle for %ld ms, leaving\n", idle);
			break;
		}
		seq = ld64(&mb->seq);
		if (seq == ld64(&mb->ack))
			continue;
		st64(&mb->ack, seq);
		if (ivshmem_ring(h, (int)ld32(&mb->ping_id),
				 (int)ld32(&mb->vector)) < 0)
			cli_note("cannot ring back peer %u: %s",
				 ld32(&mb->ping_id), strerror(errno));
		served++;
	}
	st32(&mb->magic, 0);
	printf("echo: answered %ld round trips\n", served);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void latency(struct ivshmem *h, struct mbox *mb, long peer,
		    long vector, long iters)
{
	const long warmup = iters / 10 < 100 ? iters / 10 : 100;
	uint64_t *t, t0, seq, deadline;
	long i;
	int r;

	if (peer < 0) {
		if (ld32(&mb->magic) != BENCH_MAGIC) {
			printf("latency: skipped, no peer serves 'ivshmem bench --echo' on this memory (or give -p)\n");
			return;
		}
		peer = ld32(&mb->echo_id);
	}
	if (vector < 0)
		vector = 0;
	t = calloc((size_t)iters, sizeof(*t));
	if (!t)
		cli_fail("out of memory");
	st32(&mb->ping_id, (uint32_t)ivshmem_id(h));
	st32(&mb->vector, (uint32_t)vector);
	seq = ld64(&mb->seq);
	/* let a stale ring of an earlier run drain */
	while (cli_wait(h, (int)vector, 0) > 0)
		;
	for (i = -warmup; i < iters; i++) {
		seq++;
		t0 = util_now_ns();
		st64(&mb->seq, seq);
		if (ivshmem_ring(h, (int)peer, (int)vector) < 0)
			cli_fail("ringing peer %ld vector %ld: %s", peer, vector,
				 strerror(errno));
		deadline = t0 + 5000000000ull;
		while (ld64(&mb->ack) != seq) {
			r = cli_wait(h, (int)vector, util_ms_left(deadline));
			if (r < 0 && errno != EINTR)
				cli_fail("%s", strerror(errno));
			if (r == 0 && ld64(&mb->ack) != seq)
				cli_fail("peer %ld did not answer round trip %ld within 5 s (is it running 'ivshmem bench --echo'?)",
					 peer, i + warmup + 1);
		}
		if (i >= 0)
			t[i] = util_now_ns() - t0;
	}
	qsort(t, (size_t)iters, sizeof(*t), cmp_u64);
	printf("latency: %ld round trips to peer %ld on vector %ld: min %.1f us, median %.1f us, p99 %.1f us, max %.1f us\n",
	       iters, peer, vector, t[0] / 1e3, t[iters / 2] / 1e3,
	       t[(iters * 99) / 100 < iters ? (iters * 99) / 100 : iters - 1] / 1e3,
	       t[iters - 1] / 1e3);
	free(t);
}

static double copy_rate(void *dst, const void *src, size_t len)
{
	uint64_t t0 = util_now_ns(), t;
	unsigned long reps = 0;

	do {
		memcpy(dst, src, len);
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		reps++;
		t = util_now_ns() - t0;
	} while (t < 300000000ull || reps < 3);
	return (double)len * reps / (1 << 20) / (t / 1e9);
}

/* Map @path at @offset, @size bytes; NULL and a reason on failure. */
static void *map_file(const char *path, off_t offset, size_t size,
		      const char **why)
{
	void *p;
	int fd;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		*why = strerror(errno);
		return NULL;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
	close(fd);
	if (p == MAP_FAILED) {
		*why = strerror(errno);
		return NULL;
	}
	return p;
}

/*
 * A guest's shared memory mapped uncached: UIO map 2 of virtbus's
 * uio_ivshmem, else (another UIO driver) the PCI resource file of the
 * memory BAR, which sysfs maps uncached but kernels with
 * CONFIG_IO_STRICT_DEVMEM refuse while a driver owns the BAR. NULL (and
 * a reason) if neither can be mapped.
 */
static void *map_uncached(size_t size, const char **why)
{
	const char *where = cli_device ? cli_device : getenv("IVSHMEM_DEVICE");
	char dev[PATH_MAX], path[PATH_MAX + 64], name[32] = "";
	const char *base;
	FILE *f;
	void *p;

	if (!where || !realpath(where, dev)) {
		*why = "no device";
		return NULL;
	}
	base = strrchr(dev, '/');
	base = base ? base + 1 : dev;
	snprintf(path, sizeof(path), "/sys/class/uio/%s/maps/map%d/name",
		 base, VIRTBUS_IVSHMEM_UIO_MAP_SHM_UNCACHED);
	f = fopen(path, "re");
	if (f) {
		if (!fgets(name, sizeof(name), f))
			name[0] = 0;
		fclose(f);
	}
	if (!strcmp(name, "shmem-uncached\n"))
		return map_file(dev, (off_t)VIRTBUS_IVSHMEM_UIO_MAP_SHM_UNCACHED *
				sysconf(_SC_PAGESIZE), size, why);
	snprintf(path, sizeof(path), "/sys/class/uio/%s/device/resource%d",
		 base, VIRTBUS_IVSHMEM_BAR_SHM);
	p = map_file(path, 0, size, why);
	return p;
}

static void bandwidth(struct ivshmem *h, unsigned char *region, size_t len)
{
	struct util_pattern pat;
	unsigned char *buf = malloc(len), *ram = malloc(len), *uc;
	size_t size, off;
	const char *why = "";
	char sz[32];

	if (!buf || !ram)
		cli_fail("out of memory");
	util_size_str(len, sz, sizeof(sz));
	util_pattern_init(&pat, 1);
	util_pattern_fill(&pat, buf, len);
	memcpy(ram, buf, len);
	printf("memcpy %s into shared memory: %.0f MiB/s\n", sz,
	       copy_rate(region, buf, len));
	printf("memcpy %s from shared memory: %.0f MiB/s\n", sz,
	       copy_rate(buf, region, len));
	printf("memcpy %s within RAM: %.0f MiB/s\n", sz,
	       copy_rate(ram, buf, len));
	if (strcmp(ivshmem_backend(h), "uio")) {
		free(buf);
		free(ram);
		return;
	}
	off = (size_t)(region - (unsigned char *)ivshmem_mem(h, &size));
	uc = map_uncached(size, &why);
	if (!uc) {
		printf("uncached: not measured (%s)\n", why);
	} else {
		printf("memcpy %s into shared memory uncached: %.0f MiB/s\n",
		       sz, copy_rate(uc + off, buf, len));
		printf("memcpy %s from shared memory uncached: %.0f MiB/s\n",
		       sz, copy_rate(buf, uc + off, len));
		/* the two mappings must show the same memory */
		util_pattern_init(&pat, 2);
		util_pattern_fill(&pat, uc + off, len);
		if (memcmp(uc + off, region, len))
			cli_fail("the uncached mapping shows other memory than the cached one");
		munmap(uc, size);
	}
	free(buf);
	free(ram);
}

static int cmd_bench(int argc, char **argv)
{
	long peer = -1, vector = -1, iters = 0, idle = -1;
	uint64_t off = 0, len = 0;
	bool is_echo = false, have_len = false;
	struct ivshmem *h;
	unsigned char *mem;
	size_t size;
	int c, nv;

	while ((c = cli_getopt(argc, argv, "Ep:v:n:s:o:t:", &cli_bench_cmd)) != -1) {
		switch (c) {
		case 'E':
			is_echo = true;
			break;
		case 'p':
			peer = cli_number("peer", cli_optarg, 0,
					  IVSHMEM_PEER_MAX);
			break;
		case 'v':
			vector = cli_number("vector", cli_optarg, 0,
					    IVSHMEM_VECTORS_MAX - 1);
			break;
		case 'n':
			iters = cli_number("iterations", cli_optarg, 1,
					   100000000);
			break;
		case 's':
			len = cli_size("size", cli_optarg);
			have_len = true;
			break;
		case 'o':
			off = cli_size("offset", cli_optarg);
			break;
		case 't':
			idle = cli_number("timeout", cli_optarg, 0, INT32_MAX);
			break;
		}
	}
	if (cli_optind < argc)
		cli_usage("unexpected argument '%s'", argv[cli_optind]);
	if (is_echo && (peer >= 0 || have_len))
		cli_usage("--echo takes only -v, -n, -t and -o");
	if (have_len && !len)
		cli_usage("size must not be 0");
	h = cli_open();
	mem = ivshmem_mem(h, &size);
	cli_check_range(off, MBOX_SIZE, size);
	nv = ivshmem_nvectors(h);
	if (vector >= 0 && nv >= 0 && vector >= nv)
		cli_usage("vector %ld is out of range: the peers have %d vector%s",
			  vector, nv, nv == 1 ? "" : "s");
	if (is_echo)
		return echo(h, (struct mbox *)(mem + off), vector, iters, idle);

	if (!have_len) {
		len = size - off - MBOX_SIZE;
		if (len > (16u << 20))
			len = 16u << 20;
		if (!len)
			cli_usage("no room for the bandwidth test after the mailbox at 0x%llx",
				  (unsigned long long)off);
	}
	cli_check_range(off + MBOX_SIZE, len, size);
	if (nv == 0)
		printf("latency: skipped, the device has no interrupt vectors\n");
	else
		latency(h, (struct mbox *)(mem + off), peer, vector,
			iters ? iters : 1000);
	bandwidth(h, mem + off + MBOX_SIZE, (size_t)len);
	ivshmem_close(h);
	return 0;
}

const struct cli_cmd cli_bench_cmd = {
	.name = "bench",
	.run = cmd_bench,
	.summary = "doorbell round-trip latency and memcpy bandwidth",
	.help =
"NAME\n"
"    ivshmem bench - measure doorbell latency and memory bandwidth\n"
"\n"
"SYNOPSIS\n"
"    ivshmem [-d DEVICE] bench [-p PEER] [-v VECTOR] [-n ITER] [-s SIZE]\n"
"                              [-o OFFSET]\n"
"    ivshmem [-d DEVICE] bench --echo [-v VECTOR] [-n ITER] [-t MS]\n"
"                              [-o OFFSET]\n"
"\n"
"DESCRIPTION\n"
"    With --echo, serves round trips: waits for doorbells and rings the\n"
"    pinging peer back. It announces itself in a mailbox at OFFSET, so\n"
"    'ivshmem bench' on any other peer, host or guest, finds it without\n"
"    -p. Run one echo per mailbox.\n"
"\n"
"    Without --echo, measures ITER doorbell round trips to the echo peer\n"
"    (after a short warm-up) and prints the minimum, median, 99th\n"
"    percentile and maximum in microseconds; then the memcpy bandwidth\n"
"    into and out of SIZE bytes of shared memory, in MiB/s, and between\n"
"    two buffers in RAM (the limit). In a guest, as root, also through\n"
"    an uncached mapping of the same memory (UIO map 2 of uio_ivshmem,\n"
"    as Nahanni's driver mapped the memory; over another UIO driver the\n"
"    PCI resource file of the BAR), and checks that both mappings show\n"
"    the same bytes. Without an echo peer only the bandwidth is\n"
"    measured.\n"
"\n"
"    bench uses the shared memory from OFFSET: 4 KiB of mailbox, then\n"
"    SIZE bytes it overwrites. Do not run it on memory in use.\n"
"\n"
"OPTIONS\n"
"    -p PEER     ping this peer instead of the one the mailbox names\n"
"    -v VECTOR   the vector both ring (default 0; --echo: any)\n"
"    -n ITER     round trips to time (default 1000); with --echo, leave\n"
"                after answering ITER\n"
"    -s SIZE     bytes for the bandwidth test (default: up to 16 MiB)\n"
"    -o OFFSET   where the mailbox is (default 0)\n"
"    -t MS       --echo: leave after MS milliseconds without a ring\n"
"    --echo, -E  serve round trips\n"
"\n"
"EXIT STATUS\n"
"    0 on success, 1 on a runtime failure (the echo peer does not\n"
"    answer), 2 on a usage error.\n"
"\n"
"EXAMPLE\n"
"    guest A:  ivshmem -d /dev/uio0 bench --echo\n"
"    host:     ivshmem -d /tmp/ivshmem_socket bench -n 10000\n",
};

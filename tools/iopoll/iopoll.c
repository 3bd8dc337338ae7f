// SPDX-License-Identifier: GPL-2.0
/*
 * iopoll: polled block I/O for the test guests, which have no fio.
 *
 *	iopoll read DEVICE OFFSET LENGTH OUTFILE
 *	iopoll write DEVICE OFFSET INFILE
 *
 * Reads or writes LENGTH bytes (for write, INFILE's size) at byte OFFSET
 * of DEVICE with O_DIRECT through an io_uring set up with
 * IORING_SETUP_IOPOLL, 4 KiB a request, up to 8 in flight. The kernel
 * marks such requests REQ_POLLED, blk-mq sends them to the disk's poll
 * queues and io_uring_enter() reaps them with the driver's .poll. Exits
 * non-zero on any error, a short transfer included. Raw system calls
 * only, so it links statically against nothing but libc.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define BS	4096
#define DEPTH	8

static struct {
	int fd;
	unsigned int *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
} ring;

static void die(const char *what)
{
	fprintf(stderr, "iopoll: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void ring_setup(void)
{
	struct io_uring_params p;
	size_t sq_len, cq_len;
	char *sq, *cq;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_IOPOLL;
	ring.fd = syscall(__NR_io_uring_setup, DEPTH, &p);
	if (ring.fd < 0)
		die("io_uring_setup");
	if (!(p.features & IORING_FEAT_SINGLE_MMAP)) {
		errno = ENOSYS;
		die("io_uring without a single ring mapping");
	}
	sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (cq_len > sq_len)
		sq_len = cq_len;
	sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		  ring.fd, IORING_OFF_SQ_RING);
	if (sq == MAP_FAILED)
		die("mmap rings");
	cq = sq;
	ring.sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe),
			 PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
			 ring.fd, IORING_OFF_SQES);
	if (ring.sqes == MAP_FAILED)
		die("mmap sqes");
	ring.sq_tail = (unsigned int *)(sq + p.sq_off.tail);
	ring.sq_mask = (unsigned int *)(sq + p.sq_off.ring_mask);
	ring.sq_array = (unsigned int *)(sq + p.sq_off.array);
	ring.cq_head = (unsigned int *)(cq + p.cq_off.head);
	ring.cq_tail = (unsigned int *)(cq + p.cq_off.tail);
	ring.cq_mask = (unsigned int *)(cq + p.cq_off.ring_mask);
	ring.cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
}

static void submit(int op, int fd, void *buf, unsigned long long off,
		   unsigned long long tag)
{
	unsigned int tail = *ring.sq_tail, i = tail & *ring.sq_mask;
	struct io_uring_sqe *sqe = &ring.sqes[i];

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = op;
	sqe->fd = fd;
	sqe->addr = (unsigned long)buf;
	sqe->len = BS;
	sqe->off = off;
	sqe->user_data = tag;
	ring.sq_array[i] = i;
	__atomic_store_n(ring.sq_tail, tail + 1, __ATOMIC_RELEASE);
}

/* Submit what is queued and poll until @want completions are in. */
static unsigned int reap(unsigned int nsubmit, unsigned int want)
{
	unsigned int head, done = 0;

	if (syscall(__NR_io_uring_enter, ring.fd, nsubmit, want,
		    IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		die("io_uring_enter");
	head = *ring.cq_head;
	while (head != __atomic_load_n(ring.cq_tail, __ATOMIC_ACQUIRE)) {
		struct io_uring_cqe *cqe = &ring.cqes[head & *ring.cq_mask];

		if (cqe->res != BS) {
			errno = cqe->res < 0 ? -cqe->res : EIO;
			fprintf(stderr, "iopoll: request %llu: %d\n",
				(unsigned long long)cqe->user_data, cqe->res);
			die("polled request");
		}
		head++;
		done++;
	}
	__atomic_store_n(ring.cq_head, head, __ATOMIC_RELEASE);
	return done;
}

int main(int argc, char **argv)
{
	unsigned long long off, len, n, i, inflight = 0;
	int writing, dev, file, op;
	char *bufs;
	struct stat st;

	writing = argc == 5 && !strcmp(argv[1], "write");
	if (!writing && !(argc == 6 && !strcmp(argv[1], "read"))) {
		fprintf(stderr, "usage: iopoll read DEVICE OFFSET LENGTH OUTFILE\n"
				"       iopoll write DEVICE OFFSET INFILE\n");
		return 2;
	}
	off = strtoull(argv[3], NULL, 0);
	dev = open(argv[2], (writing ? O_WRONLY : O_RDONLY) | O_DIRECT);
	if (dev < 0)
		die(argv[2]);
	if (writing) {
		file = open(argv[4], O_RDONLY);
		if (file < 0 || fstat(file, &st))
			die(argv[4]);
		len = st.st_size;
	} else {
		len = strtoull(argv[4], NULL, 0);
		file = open(argv[5], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (file < 0)
			die(argv[5]);
	}
	if (off % BS || len % BS || !len) {
		errno = EINVAL;
		die("offset and length must be multiples of 4096");
	}
	n = len / BS;
	if (posix_memalign((void **)&bufs, BS, (size_t)n * BS))
		die("buffer");
	if (writing && pread(file, bufs, len, 0) != (ssize_t)len)
		die("reading the input file");

	ring_setup();
	op = writing ? IORING_OP_WRITE : IORING_OP_READ;
	for (i = 0; i < n; i++) {
		submit(op, dev, bufs + i * BS, off + i * BS, i);
		inflight++;
		if (inflight == DEPTH || i == n - 1) {
			unsigned int sub = inflight;

			while (inflight) {
				inflight -= reap(sub, 1);
				sub = 0;
			}
		}
	}
	if (!writing && pwrite(file, bufs, len, 0) != (ssize_t)len)
		die("writing the output file");
	printf("iopoll: %s %llu requests of %d bytes, polled\n",
	       writing ? "wrote" : "read", n, BS);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * ivshmem send / recv: move a byte stream through the shared memory in
 * chunks handed over by doorbell, checksummed end to end. The tests use
 * them to push data between peers; they are not in the command list.
 *
 * At OFFSET a control block (4 KiB), then NSLOTS slots of SLOT bytes.
 * The receiver sets the block up and publishes its ID; the sender posts
 * chunk k in slot k % NSLOTS once the receiver has consumed chunk
 * k - NSLOTS, bumps "posted" and rings; the receiver consumes in order,
 * bumps "consumed" and rings back. A last chunk of length 0 carries the
 * stream's length and CRC-32. Both sides poll the counters whenever they
 * wake, and wake at least every 100 ms, so a coalesced doorbell costs
 * nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

#define XFER_MAGIC	0x52464658u	/* "XFFR" */
#define XFER_CTL_SIZE	4096
#define XFER_MAX_SLOTS	8
#define XFER_SLICE_MS	100

struct xfer_slot {
	uint64_t len;		/* 0: end of stream */
	uint64_t total;		/* end of stream: bytes sent */
	uint32_t crc;		/* end of stream: CRC-32 of them all */
	uint32_t pad;
};

struct xfer_ctl {
	uint32_t magic;		/* XFER_MAGIC while a receiver waits */
	uint32_t recv_id;
	uint32_t send_id;
	uint32_t vector;
	uint32_t nslots;
	uint32_t pad;
	uint64_t slot_size;
	uint64_t posted;	/* sender: chunks posted */
	uint64_t consumed;	/* receiver: chunks consumed */
	struct xfer_slot slot[XFER_MAX_SLOTS];
};

static uint64_t ld(uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void st(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

struct xfer_opts {
	uint64_t off;
	long vector;
	long timeout;		/* ms without progress */
	long peer;
	uint64_t chunk;
	long slots;
};

static void parse(int argc, char **argv, const struct cli_cmd *cmd,
		  struct xfer_opts *o, bool sender)
{
	int c;

	o->off = 0;
	o->vector = 0;
	o->timeout = 30000;
	o->peer = -1;
	o->chunk = 1 << 20;
	o->slots = 4;
	while ((c = cli_getopt(argc, argv, sender ? "o:v:t:p:" : "o:v:t:s:n:",
			       cmd)) != -1) {
		switch (c) {
		case 'o':
			o->off = cli_size("offset", cli_optarg);
			break;
		case 'v':
			o->vector = cli_number("vector", cli_optarg, 0,
					       IVSHMEM_VECTORS_MAX - 1);
			break;
		case 't':
			o->timeout = cli_number("timeout", cli_optarg, 1,
						INT32_MAX);
			break;
		case 'p':
			o->peer = cli_number("peer", cli_optarg, 0,
					     IVSHMEM_PEER_MAX);
			break;
		case 's':
			o->chunk = cli_size("chunk size", cli_optarg);
			if (o->chunk < 64)
				cli_usage("chunk size must be at least 64");
			break;
		case 'n':
			o->slots = cli_number("slots", cli_optarg, 1,
					      XFER_MAX_SLOTS);
			break;
		}
	}
	if (argc - cli_optind != 1)
		cli_usage("needs one FILE (see 'ivshmem %s -h')", cmd->name);
}

/* Wait up to a slice for a doorbell; the caller re-checks the counters. */
static void nap(struct ivshmem *h, long vector)
{
	if (cli_wait(h, (int)vector, XFER_SLICE_MS) < 0 && errno != EINTR)
		cli_fail("waiting: %s", strerror(errno));
}

static void ring(struct ivshmem *h, uint32_t peer, long vector)
{
	if (ivshmem_ring(h, (int)peer, (int)vector) < 0) {
		if (errno == ENXIO)
			cli_fail("peer %u left", peer);
		cli_fail("ringing peer %u: %s", peer, strerror(errno));
	}
}

static int cmd_recv(int argc, char **argv)
{
	struct xfer_opts o;
	struct ivshmem *h;
	struct xfer_ctl *ctl;
	struct xfer_slot *s;
	unsigned char *mem, *data;
	uint64_t room, slot_size, got = 0, k = 0, last_progress;
	uint32_t crc = 0;
	size_t size;
	int fd;

	parse(argc, argv, &cli_recv_cmd, &o, false);
	if (!strcmp(argv[cli_optind], "-")) {
		fd = 1;
	} else {
		fd = open(argv[cli_optind],
			  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			cli_fail("%s: %s", argv[cli_optind], strerror(errno));
	}
	h = cli_open();
	mem = ivshmem_mem(h, &size);
	cli_check_range(o.off, XFER_CTL_SIZE + (uint64_t)o.slots * 64, size);
	room = size - o.off - XFER_CTL_SIZE;
	slot_size = room / (uint64_t)o.slots;
	if (slot_size > o.chunk)
		slot_size = o.chunk;
	slot_size &= ~63ull;
	ctl = (struct xfer_ctl *)(mem + o.off);
	data = mem + o.off + XFER_CTL_SIZE;

	__atomic_store_n(&ctl->magic, 0, __ATOMIC_RELEASE);
	ctl->recv_id = (uint32_t)ivshmem_id(h);
	ctl->send_id = 0;
	ctl->vector = (uint32_t)o.vector;
	ctl->nslots = (uint32_t)o.slots;
	ctl->slot_size = slot_size;
	st(&ctl->posted, 0);
	st(&ctl->consumed, 0);
	__atomic_store_n(&ctl->magic, XFER_MAGIC, __ATOMIC_RELEASE);
	cli_note("peer %d ready: %ld slots of %llu bytes", ivshmem_id(h),
		 o.slots, (unsigned long long)slot_size);

	last_progress = util_now_ns();
	for (;;) {
		while (k < ld(&ctl->posted)) {
			s = &ctl->slot[k % (uint64_t)o.slots];
			if (!s->len) {
				__atomic_store_n(&ctl->magic, 0,
						 __ATOMIC_RELEASE);
				st(&ctl->consumed, ++k);
				ring(h, __atomic_load_n(&ctl->send_id,
							__ATOMIC_ACQUIRE),
				     o.vector);
				if (fd != 1 && close(fd) < 0)
					cli_fail("%s: %s", argv[cli_optind],
						 strerror(errno));
				if (s->total != got || s->crc != crc)
					cli_fail("corrupt: received %llu bytes crc32 0x%08x, the sender sent %llu bytes crc32 0x%08x",
						 (unsigned long long)got, crc,
						 (unsigned long long)s->total,
						 s->crc);
				printf("received %llu bytes crc32 0x%08x\n",
				       (unsigned long long)got, crc);
				ivshmem_close(h);
				return 0;
			}
			if (s->len > slot_size)
				cli_fail("chunk %llu claims %llu bytes, slots hold %llu",
					 (unsigned long long)k,
					 (unsigned long long)s->len,
					 (unsigned long long)slot_size);
			{
				const unsigned char *p = data +
					(k % (uint64_t)o.slots) * slot_size;
				size_t len = (size_t)s->len, done = 0;
				ssize_t n;

				crc = util_crc32(crc, p, len);
				while (done < len) {
					n = write(fd, p + done, len - done);
					if (n < 0 && errno == EINTR)
						continue;
					if (n <= 0)
						cli_fail("%s: %s",
							 argv[cli_optind],
							 strerror(errno));
					done += (size_t)n;
				}
				got += len;
			}
			st(&ctl->consumed, ++k);
			ring(h, __atomic_load_n(&ctl->send_id, __ATOMIC_ACQUIRE),
			     o.vector);
			last_progress = util_now_ns();
		}
		if (util_now_ns() - last_progress >
		    (uint64_t)o.timeout * 1000000u) {
			__atomic_store_n(&ctl->magic, 0, __ATOMIC_RELEASE);
			cli_fail("no data for %ld ms (%llu bytes received)",
				 o.timeout, (unsigned long long)got);
		}
		nap(h, o.vector);
	}
}

static int cmd_send(int argc, char **argv)
{
	struct xfer_opts o;
	struct ivshmem *h;
	struct xfer_ctl *ctl;
	struct xfer_slot *s;
	unsigned char *mem, *data, *p;
	uint64_t slot_size, nslots, sent = 0, k = 0, deadline;
	uint64_t last_progress;
	uint32_t crc = 0, peer;
	size_t size, len;
	ssize_t n;
	int fd;
	bool eof = false;

	parse(argc, argv, &cli_send_cmd, &o, true);
	if (!strcmp(argv[cli_optind], "-")) {
		fd = 0;
	} else {
		fd = open(argv[cli_optind], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			cli_fail("%s: %s", argv[cli_optind], strerror(errno));
	}
	h = cli_open();
	mem = ivshmem_mem(h, &size);
	cli_check_range(o.off, XFER_CTL_SIZE, size);
	ctl = (struct xfer_ctl *)(mem + o.off);
	data = mem + o.off + XFER_CTL_SIZE;

	deadline = util_now_ns() + (uint64_t)o.timeout * 1000000u;
	while (__atomic_load_n(&ctl->magic, __ATOMIC_ACQUIRE) != XFER_MAGIC ||
	       ld(&ctl->posted)) {
		if (!util_ms_left(deadline))
			cli_fail("no receiver ready at offset 0x%llx after %ld ms (start 'ivshmem recv' first)",
				 (unsigned long long)o.off, o.timeout);
		nap(h, o.vector);
	}
	nslots = ctl->nslots;
	slot_size = ctl->slot_size;
	if (!nslots || nslots > XFER_MAX_SLOTS || slot_size < 64 ||
	    o.off + XFER_CTL_SIZE + nslots * slot_size > size)
		cli_fail("the receiver's control block is corrupt");
	peer = o.peer >= 0 ? (uint32_t)o.peer : ctl->recv_id;
	__atomic_store_n(&ctl->send_id, (uint32_t)ivshmem_id(h),
			 __ATOMIC_RELEASE);

	last_progress = util_now_ns();
	while (!eof) {
		/* wait for a free slot */
		while (k - ld(&ctl->consumed) >= nslots) {
			if (util_now_ns() - last_progress >
			    (uint64_t)o.timeout * 1000000u)
				cli_fail("the receiver took nothing for %ld ms",
					 o.timeout);
			nap(h, o.vector);
		}
		last_progress = util_now_ns();
		s = &ctl->slot[k % nslots];
		p = data + (k % nslots) * slot_size;
		len = 0;
		while (len < slot_size) {
			n = read(fd, p + len, (size_t)slot_size - len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				cli_fail("%s: %s", argv[cli_optind],
					 strerror(errno));
			if (n == 0) {
				eof = true;
				break;
			}
			len += (size_t)n;
		}
		if (len) {
			crc = util_crc32(crc, p, len);
			sent += len;
			s->len = len;
			st(&ctl->posted, ++k);
			ring(h, peer, o.vector);
			if (!eof)
				continue;
			while (k - ld(&ctl->consumed) >= nslots)
				nap(h, o.vector);
			s = &ctl->slot[k % nslots];
		}
		s->len = 0;
		s->total = sent;
		s->crc = crc;
		st(&ctl->posted, ++k);
		ring(h, peer, o.vector);
	}
	/* the receiver acknowledges the end */
	last_progress = util_now_ns();
	while (ld(&ctl->consumed) != k) {
		if (util_now_ns() - last_progress >
		    (uint64_t)o.timeout * 1000000u)
			cli_fail("the receiver did not confirm the end within %ld ms",
				 o.timeout);
		nap(h, o.vector);
	}
	printf("sent %llu bytes crc32 0x%08x\n", (unsigned long long)sent,
	       crc);
	ivshmem_close(h);
	return 0;
}

#define XFER_HELP_COMMON \
"    Moves a byte stream from one peer to another through the shared\n" \
"    memory at OFFSET: a 4 KiB control block, then a few slots that the\n" \
"    peers hand back and forth by doorbell. Start recv first; send finds\n" \
"    the receiver's ID in the control block. Both print the byte count\n" \
"    and the CRC-32 of the stream; recv checks it against the sender's.\n" \
"    A test helper: not in the command list.\n"

const struct cli_cmd cli_recv_cmd = {
	.name = "recv",
	.run = cmd_recv,
	.summary = NULL,
	.help =
"NAME\n"
"    ivshmem recv - receive a stream through the shared memory\n"
"\n"
"SYNOPSIS\n"
"    ivshmem [-d DEVICE] recv [-o OFFSET] [-v VECTOR] [-t MS] [-s CHUNK]\n"
"                             [-n SLOTS] FILE\n"
"\n"
"DESCRIPTION\n"
XFER_HELP_COMMON
"    recv writes the stream to FILE (- for standard output).\n"
"\n"
"OPTIONS\n"
"    -o OFFSET  where the control block goes (default 0)\n"
"    -v VECTOR  the vector both ring (default 0)\n"
"    -t MS      give up after MS milliseconds without data (default 30000)\n"
"    -s CHUNK   largest chunk (default 1M; less if the memory is small)\n"
"    -n SLOTS   chunks in flight, 1..8 (default 4)\n"
"\n"
"EXIT STATUS\n"
"    0 if the stream arrived whole, 1 if it did not (checksum or length\n"
"    mismatch, timeout), 2 on a usage error.\n",
};

const struct cli_cmd cli_send_cmd = {
	.name = "send",
	.run = cmd_send,
	.summary = NULL,
	.help =
"NAME\n"
"    ivshmem send - send a stream through the shared memory\n"
"\n"
"SYNOPSIS\n"
"    ivshmem [-d DEVICE] send [-o OFFSET] [-v VECTOR] [-t MS] [-p PEER] FILE\n"
"\n"
"DESCRIPTION\n"
XFER_HELP_COMMON
"    send reads the stream from FILE (- for standard input).\n"
"\n"
"OPTIONS\n"
"    -o OFFSET  where the receiver's control block is (default 0)\n"
"    -v VECTOR  the vector both ring (default 0)\n"
"    -t MS      give up after MS milliseconds without progress\n"
"               (default 30000)\n"
"    -p PEER    ring this peer instead of the one the block names\n"
"\n"
"EXIT STATUS\n"
"    0 once the receiver confirmed the end, 1 on failure or timeout, 2 on\n"
"    a usage error.\n",
};

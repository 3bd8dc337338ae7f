// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * ivshmem read / write / watch: raw bytes between the shared memory and a
 * file, and waiting for a text in the memory to change. Test helpers (the
 * guest tests pass small messages through the memory with them); not in
 * the command list.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

static void write_all(int fd, const unsigned char *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			cli_fail("writing: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

static int cmd_read(int argc, char **argv)
{
	uint64_t off, len;
	bool text = false;
	unsigned char *mem, *buf, *nul;
	struct ivshmem *h;
	size_t size;
	int c;

	while ((c = cli_getopt(argc, argv, "z", &cli_read_cmd)) != -1)
		if (c == 'z')
			text = true;
	if (argc - cli_optind != 2)
		cli_usage("needs OFFSET and LEN (see 'ivshmem read -h')");
	off = cli_size("offset", argv[cli_optind]);
	len = cli_size("length", argv[cli_optind + 1]);
	h = cli_open();
	mem = ivshmem_mem(h, &size);
	cli_check_range(off, len, size);
	/* one copy out of the memory, then the slow output */
	buf = malloc(len ? (size_t)len : 1);
	if (!buf)
		cli_fail("out of memory");
	memcpy(buf, mem + off, (size_t)len);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (text && (nul = memchr(buf, 0, (size_t)len)))
		len = (uint64_t)(nul - buf);
	write_all(1, buf, (size_t)len);
	free(buf);
	ivshmem_close(h);
	return 0;
}

static int cmd_write(int argc, char **argv)
{
	bool text = false;
	unsigned char *mem, *buf;
	uint64_t off, head = 0;
	size_t size, room, have = 0;
	struct ivshmem *h;
	ssize_t n;
	int c, fd = 0;

	while ((c = cli_getopt(argc, argv, "zH:", &cli_write_cmd)) != -1) {
		if (c == 'z')
			text = true;
		else if (c == 'H')
			head = cli_size("header length", cli_optarg);
	}
	if (argc - cli_optind < 1 || argc - cli_optind > 2)
		cli_usage("needs OFFSET and at most one FILE (see 'ivshmem write -h')");
	off = cli_size("offset", argv[cli_optind]);
	if (argc - cli_optind == 2 && strcmp(argv[cli_optind + 1], "-")) {
		fd = open(argv[cli_optind + 1], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			cli_fail("%s: %s", argv[cli_optind + 1],
				 strerror(errno));
	}
	h = cli_open();
	mem = ivshmem_mem(h, &size);
	cli_check_range(off, text, size);
	room = size - (size_t)off - text;
	/* all of the input first, then one copy into the memory */
	buf = malloc(room + 1);
	if (!buf)
		cli_fail("out of memory");
	for (;;) {
		n = read(fd, buf + have, room + 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			cli_fail("reading: %s", strerror(errno));
		if (!n)
			break;
		have += (size_t)n;
		if (have > room)
			cli_usage("the input does not fit: %zu bytes from offset 0x%llx",
				  room, (unsigned long long)off);
	}
	if (text)
		buf[have++] = 0;
	/* with a header: the rest first, so a reader of the header sees it */
	if (head > have)
		head = have;
	memcpy(mem + off + head, buf + head, have - (size_t)head);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	memcpy(mem + off, buf, (size_t)head);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	free(buf);
	ivshmem_close(h);
	return 0;
}

/* The text at @p (up to a NUL, at most @len bytes) into @buf; its length. */
static size_t snapshot(const unsigned char *p, size_t len, unsigned char *buf)
{
	unsigned char *nul;

	memcpy(buf, p, len);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	nul = memchr(buf, 0, len);
	return nul ? (size_t)(nul - buf) : len;
}

static bool first_line_is(const unsigned char *buf, size_t n, const char *old)
{
	const unsigned char *nl = memchr(buf, '\n', n);
	size_t l = nl ? (size_t)(nl - buf) : n;

	return l == strlen(old) && !memcmp(buf, old, l);
}

static void nap_ms(long ms)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = ms * 1000000 };

	nanosleep(&ts, NULL);
}

static int cmd_watch(int argc, char **argv)
{
	long timeout = -1, interval = 10;
	unsigned char *mem, *a, *b;
	uint64_t off, len, deadline = 0;
	struct ivshmem *h;
	size_t size, na, nb;
	int c;

	while ((c = cli_getopt(argc, argv, "t:i:", &cli_watch_cmd)) != -1) {
		if (c == 't')
			timeout = cli_number("timeout", cli_optarg, 0,
					     INT32_MAX);
		else if (c == 'i')
			interval = cli_number("interval", cli_optarg, 1,
					      10000);
	}
	if (argc - cli_optind != 3)
		cli_usage("needs OFFSET, LEN and OLD (see 'ivshmem watch -h')");
	off = cli_size("offset", argv[cli_optind]);
	len = cli_size("length", argv[cli_optind + 1]);
	if (!len)
		cli_usage("length must not be 0");
	h = cli_open();
	mem = ivshmem_mem(h, &size);
	cli_check_range(off, len, size);
	a = malloc((size_t)len);
	b = malloc((size_t)len);
	if (!a || !b)
		cli_fail("out of memory");
	if (timeout >= 0)
		deadline = util_now_ns() + (uint64_t)timeout * 1000000u;
	for (;;) {
		na = snapshot(mem + off, (size_t)len, a);
		if (!first_line_is(a, na, argv[cli_optind + 2])) {
			/* the same twice in a row: not caught mid-write */
			nap_ms(interval);
			nb = snapshot(mem + off, (size_t)len, b);
			if (na == nb && !memcmp(a, b, na))
				break;
			continue;
		}
		if (timeout >= 0 && !util_ms_left(deadline))
			cli_fail("no change in %ld ms", timeout);
		nap_ms(interval);
	}
	write_all(1, a, na);
	free(a);
	free(b);
	ivshmem_close(h);
	return 0;
}

const struct cli_cmd cli_read_cmd = {
	.name = "read",
	.run = cmd_read,
	.summary = NULL,
	.help =
"NAME\n"
"    ivshmem read - copy bytes of the shared memory to standard output\n"
"\n"
"SYNOPSIS\n"
"    ivshmem [-d DEVICE] read [-z] OFFSET LEN\n"
"\n"
"DESCRIPTION\n"
"    Copies LEN bytes from OFFSET, in one go, then writes them out. With\n"
"    -z it stops before the first NUL byte (text). A test helper: not in\n"
"    the command list.\n"
"\n"
"EXIT STATUS\n"
"    0 on success, 1 on a runtime failure, 2 on a usage error (including\n"
"    a range beyond the memory).\n",
};

const struct cli_cmd cli_write_cmd = {
	.name = "write",
	.run = cmd_write,
	.summary = NULL,
	.help =
"NAME\n"
"    ivshmem write - copy a file into the shared memory\n"
"\n"
"SYNOPSIS\n"
"    ivshmem [-d DEVICE] write [-z] [-H LEN] OFFSET [FILE]\n"
"\n"
"DESCRIPTION\n"
"    Reads all of FILE (default, or -, standard input), then copies it to\n"
"    OFFSET in one go. With -z a NUL byte follows it (text). With -H the\n"
"    first LEN bytes are a header, copied last (after a memory barrier),\n"
"    so a peer that reads the header and then the rest never sees a new\n"
"    header with an old rest. A test helper: not in the command list.\n"
"\n"
"EXIT STATUS\n"
"    0 on success, 1 on a runtime failure, 2 on a usage error (including\n"
"    input that does not fit).\n",
};

const struct cli_cmd cli_watch_cmd = {
	.name = "watch",
	.run = cmd_watch,
	.summary = NULL,
	.help =
"NAME\n"
"    ivshmem watch - wait for a text in the shared memory to change\n"
"\n"
"SYNOPSIS\n"
"    ivshmem [-d DEVICE] watch [-t MS] [-i MS] OFFSET LEN OLD\n"
"\n"
"DESCRIPTION\n"
"    Looks at the text at OFFSET (up to a NUL, at most LEN bytes) every\n"
"    -i milliseconds (default 10) until its first line is no longer OLD,\n"
"    then prints the text, once two looks in a row found it the same (so\n"
"    not half written). No doorbell involved. A test helper: not in the\n"
"    command list.\n"
"\n"
"OPTIONS\n"
"    -t MS   give up after MS milliseconds (default: never)\n"
"    -i MS   how often to look (default 10)\n"
"\n"
"EXIT STATUS\n"
"    0 on a change, 1 on timeout or failure, 2 on a usage error.\n",
};

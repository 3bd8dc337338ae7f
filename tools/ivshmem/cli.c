// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * ivshmem: an ivshmem peer on the command line, on the host (through an
 * ivshmem-server socket) or in a guest (through /dev/uioN).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "protocol.h"
#include "util.h"

const char *cli_device;
const char *cli_cmd_name;
int cli_optind;
char *cli_optarg;

static void vmsg(const char *fmt, va_list ap)
{
	fflush(stdout);
	if (cli_cmd_name)
		fprintf(stderr, "ivshmem %s: ", cli_cmd_name);
	else
		fprintf(stderr, "ivshmem: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cli_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	exit(EXIT_USAGE);
}

void cli_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	exit(EXIT_FAILURE);
}

void cli_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

struct ivshmem *cli_open(void)
{
	const char *where = cli_device;
	struct ivshmem *h;

	if (!where || !*where)
		where = getenv("IVSHMEM_DEVICE");
	if (!where || !*where)
		where = IVSHMEM_DEFAULT_SOCKET;
	h = ivshmem_open(where);
	if (h)
		return h;
	switch (errno) {
	case ENOENT:
		cli_usage("%s: no such socket or device (start ivshmem-server, or give -d)",
			  where);
	case ECONNREFUSED:
		cli_usage("%s: no ivshmem-server is listening on this socket",
			  where);
	case ENOTSOCK:
		cli_usage("%s: neither an ivshmem-server socket nor a UIO device",
			  where);
	case ENODEV:
		cli_usage("%s: not an ivshmem device bound to a UIO driver",
			  where);
	case ENAMETOOLONG:
		cli_usage("%s: socket path too long", where);
	case EPROTO:
		cli_fail("%s: the server does not speak ivshmem protocol version 0 correctly",
			 where);
	case ECONNRESET:
		cli_fail("%s: the server hung up during the setup (see its log)",
			 where);
	case ETIMEDOUT:
		cli_fail("%s: the server did not complete the setup in time",
			 where);
	default:
		cli_fail("%s: %s", where, strerror(errno));
	}
}

static void print_help(const struct cli_cmd *cmd)
{
	fputs(cmd->help, stdout);
}

int cli_getopt(int argc, char **argv, const char *optstring,
	       const struct cli_cmd *cmd)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "echo", no_argument, NULL, 'E' },
		{ NULL, 0, NULL, 0 },
	};
	char spec[64];
	int c;

	/* options may follow the operands; "--" ends them */
	snprintf(spec, sizeof(spec), ":h%s", optstring);
	opterr = 0;
	c = getopt_long(argc, argv, spec, longopts, NULL);
	cli_optind = optind;
	cli_optarg = optarg;
	switch (c) {
	case -1:
		return -1;
	case 'h':
		print_help(cmd);
		exit(0);
	case ':':
		cli_usage("option -%c needs an argument (see 'ivshmem %s -h')",
			  optopt, cmd->name);
	case '?':
		if (optopt >= '0' && optopt <= '9')
			cli_usage("unknown option -%c: negative numbers are out of range",
				  optopt);
		if (optopt)
			cli_usage("unknown option -%c (see 'ivshmem %s -h')",
				  optopt, cmd->name);
		cli_usage("unknown option %s (see 'ivshmem %s -h')",
			  argv[optind - 1], cmd->name);
	case 'E':
		if (!strchr(optstring, 'E'))
			cli_usage("unknown option --echo (see 'ivshmem %s -h')",
				  cmd->name);
		return c;
	default:
		return c;
	}
}

long cli_number(const char *what, const char *s, long min, long max)
{
	long v;

	if (util_parse_long(s, min, max, &v) == 0)
		return v;
	if (errno == ERANGE)
		cli_usage("%s %s is out of range (%ld..%ld)", what, s, min, max);
	cli_usage("%s '%s' is not a number", what, s);
}

uint64_t cli_size(const char *what, const char *s)
{
	uint64_t v;

	if (util_parse_u64(s, &v, 1) == 0)
		return v;
	if (errno == ERANGE)
		cli_usage("%s %s is too large", what, s);
	cli_usage("%s '%s' is not a number (decimal, 0x hex, K/M/G suffix)",
		  what, s);
}

void cli_check_range(uint64_t off, uint64_t len, size_t size)
{
	if (off > size || len > size - off)
		cli_usage("offset 0x%llx + length 0x%llx is beyond the shared memory (0x%zx bytes)",
			  (unsigned long long)off, (unsigned long long)len,
			  size);
}

int cli_wait(struct ivshmem *h, int vector, int timeout_ms)
{
	int r, v;

	r = ivshmem_wait(h, vector, timeout_ms, &v);
	if (r < 0 && errno == ENOTSUP && vector >= 0)
		r = ivshmem_wait(h, -1, timeout_ms, &v);
	return r;
}

/* Explain a failed ring and exit. */
static void __attribute__((noreturn))
ring_failed(struct ivshmem *h, int peer, int vector)
{
	int n = ivshmem_nvectors(h);

	switch (errno) {
	case ENXIO:
		cli_usage("peer %d is not connected", peer);
	case ERANGE:
		if (n == 0)
			cli_usage("vector %d is out of range: the device has no interrupt vectors (ivshmem-plain?)",
				  vector);
		if (n > 0)
			cli_usage("vector %d is out of range: the peers have %d vector%s (0..%d)",
				  vector, n, n == 1 ? "" : "s", n - 1);
		cli_usage("vector %d is out of range", vector);
	case EINVAL:
		cli_usage("peer %d or vector %d is out of range", peer, vector);
	default:
		cli_fail("ringing peer %d vector %d: %s", peer, vector,
			 strerror(errno));
	}
}

/* ---- info ---------------------------------------------------------------- */

static int peer_list(struct ivshmem *h, int **list);

static const struct cli_cmd info_cmd;

static int cmd_info(int argc, char **argv)
{
	struct ivshmem *h;
	size_t size;
	char sz[32];
	int *list, n, i, nv;

	while (cli_getopt(argc, argv, "", &info_cmd) != -1)
		;
	if (cli_optind < argc)
		cli_usage("unexpected argument '%s'", argv[cli_optind]);
	h = cli_open();
	ivshmem_mem(h, &size);
	printf("backend: %s\n", ivshmem_backend(h));
	if (ivshmem_id(h) >= 0)
		printf("id: %d\n", ivshmem_id(h));
	else
		printf("id: unknown\n");
	nv = ivshmem_nvectors(h);
	if (nv >= 0)
		printf("vectors: %d\n", nv);
	else
		printf("vectors: unknown\n");
	printf("memory: %zu (%s)\n", size, util_size_str(size, sz, sizeof(sz)));
	n = peer_list(h, &list);
	if (n < 0) {
		printf("peers: unknown\n");
	} else {
		printf("peers:");
		for (i = 0; i < n; i++)
			printf(" %d", list[i]);
		printf("\n");
		free(list);
	}
	ivshmem_close(h);
	return 0;
}

static const struct cli_cmd info_cmd = {
	.name = "info",
	.run = cmd_info,
	.summary = "show this peer's ID, the vectors, memory size and peers",
	.help =
"NAME\n"
"    ivshmem info - show what this peer sees\n"
"\n"
"SYNOPSIS\n"
"    ivshmem [-d DEVICE] info\n"
"\n"
"DESCRIPTION\n"
"    Joins the group and prints one \"key: value\" line each:\n"
"\n"
"      backend: host | uio       how the peer is connected\n"
"      id: N                     this peer's ID (IVPosition in a guest)\n"
"      vectors: N | unknown      interrupt vectors per peer\n"
"      memory: BYTES (SIZE)      the shared memory\n"
"      peers: ID... | unknown    the peers present, this one included\n"
"\n"
"    On the host every invocation is a new peer for the time it runs:\n"
"    the others see it join and leave. A guest device does not list the\n"
"    peers, and reports its vectors only to root.\n"
"\n"
"EXIT STATUS\n"
"    0 on success, 1 on a runtime failure, 2 on a usage error.\n"
"\n"
"EXAMPLE\n"
"    ivshmem -d /tmp/ivshmem_socket info\n",
};

/* ---- ring ---------------------------------------------------------------- */

static const struct cli_cmd ring_cmd;

static int cmd_ring(int argc, char **argv)
{
	long count = 1, interval = 0, i;
	struct ivshmem *h;
	int peer, vector, c;

	while ((c = cli_getopt(argc, argv, "c:i:", &ring_cmd)) != -1) {
		if (c == 'c')
			count = cli_number("count", cli_optarg, 1, 1000000000);
		else if (c == 'i')
			interval = cli_number("interval", cli_optarg, 0,
					      3600000);
	}
	if (argc - cli_optind > 2)
		cli_usage("unexpected argument '%s'", argv[cli_optind + 2]);
	if (argc - cli_optind != 2)
		cli_usage("needs PEER and VECTOR (see 'ivshmem ring -h')");
	peer = (int)cli_number("peer", argv[cli_optind], 0, IVSHMEM_PEER_MAX);
	vector = (int)cli_number("vector", argv[cli_optind + 1], 0,
				 IVSHMEM_VECTORS_MAX - 1);
	h = cli_open();
	for (i = 0; i < count; i++) {
		if (i && interval) {
			struct timespec ts = {
				.tv_sec = interval / 1000,
				.tv_nsec = (interval % 1000) * 1000000,
			};

			nanosleep(&ts, NULL);
		}
		if (ivshmem_ring(h, peer, vector) < 0)
			ring_failed(h, peer, vector);
	}
	ivshmem_close(h);
	return 0;
}

static const struct cli_cmd ring_cmd = {
	.name = "ring",
	.run = cmd_ring,
	.summary = "interrupt a peer on one of its vectors",
	.help =
"NAME\n"
"    ivshmem ring - ring a peer's doorbell\n"
"\n"
"SYNOPSIS\n"
"    ivshmem [-d DEVICE] ring [-c COUNT] [-i MS] PEER VECTOR\n"
"\n"
"DESCRIPTION\n"
"    Interrupts peer PEER (0..65535) on its vector VECTOR. Ringing one's\n"
"    own ID works. On the host an absent peer or a vector beyond the\n"
"    group's count is an error; a guest cannot tell whether a peer is\n"
"    present (the device drops such a doorbell silently).\n"
"\n"
"OPTIONS\n"
"    -c COUNT   ring COUNT times (default 1)\n"
"    -i MS      pause MS milliseconds between rings (default 0)\n"
"\n"
"EXIT STATUS\n"
"    0 on success, 1 on a runtime failure, 2 on a usage error (bad\n"
"    number, peer not connected, vector out of range).\n"
"\n"
"EXAMPLE\n"
"    ivshmem ring 1 0          interrupt peer 1 on vector 0\n",
};

/* ---- wait ---------------------------------------------------------------- */

static const struct cli_cmd wait_cmd;

static int cmd_wait(int argc, char **argv)
{
	long vector = -1, timeout = -1, count = 1, seen = 0;
	bool quiet = false;
	struct ivshmem *h;
	uint64_t deadline = 0;
	int c, r, v, nv, left;

	while ((c = cli_getopt(argc, argv, "v:t:c:q", &wait_cmd)) != -1) {
		switch (c) {
		case 'v':
			vector = cli_number("vector", cli_optarg, 0,
					    IVSHMEM_VECTORS_MAX - 1);
			break;
		case 't':
			timeout = cli_number("timeout", cli_optarg, 0,
					     INT32_MAX);
			break;
		case 'c':
			count = cli_number("count", cli_optarg, 1, INT32_MAX);
			break;
		case 'q':
			quiet = true;
			break;
		}
	}
	if (cli_optind < argc)
		cli_usage("unexpected argument '%s'", argv[cli_optind]);
	h = cli_open();
	nv = ivshmem_nvectors(h);
	if (nv == 0)
		cli_usage("the device has no interrupt vectors (ivshmem-plain?): nothing to wait for");
	if (vector >= 0 && nv >= 0 && vector >= nv)
		cli_usage("vector %ld is out of range: the peers have %d vector%s",
			  vector, nv, nv == 1 ? "" : "s");
	if (!quiet && isatty(2))
		cli_note("peer %d waiting for %ld interrupt%s on %s",
			 ivshmem_id(h), count, count == 1 ? "" : "s",
			 vector < 0 ? "any vector" : "one vector");
	if (timeout >= 0)
		deadline = util_now_ns() + (uint64_t)timeout * 1000000u;
	while (seen < count) {
		left = timeout < 0 ? -1 : util_ms_left(deadline);
		r = ivshmem_wait(h, (int)vector, left, &v);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOTSUP)
				cli_usage("this device merges all vectors: wait without -v");
			if (errno == ENODEV)
				cli_fail("the device went away (driver unbound or unloaded) after %ld of %ld interrupt%s",
					 seen, count, count == 1 ? "" : "s");
			cli_fail("%s", strerror(errno));
		}
		if (r == 0) {
			if (timeout >= 0 && !util_ms_left(deadline))
				cli_fail("timed out after %ld ms (%ld of %ld interrupt%s)",
					 timeout, seen, count,
					 count == 1 ? "" : "s");
			continue;
		}
		seen += r;
		if (!quiet) {
			if (v >= 0)
				printf("vector=%d count=%d\n", v, r);
			else
				printf("vector=any count=%d\n", r);
		}
	}
	ivshmem_close(h);
	return 0;
}

static const struct cli_cmd wait_cmd = {
	.name = "wait",
	.run = cmd_wait,
	.summary = "wait for interrupts",
	.help =
"NAME\n"
"    ivshmem wait - wait for doorbell interrupts\n"
"\n"
"SYNOPSIS\n"
"    ivshmem [-d DEVICE] wait [-v VECTOR] [-t MS] [-c COUNT] [-q]\n"
"\n"
"DESCRIPTION\n"
"    Waits until COUNT interrupts have arrived and prints one line per\n"
"    wake-up, \"vector=V count=N\": N interrupts on vector V that\n"
"    coalesced while nobody was looking. Only interrupts that arrive\n"
"    after it started count. A guest over virtbus's uio_ivshmem tells\n"
"    the vectors apart; over another UIO driver (Nahanni's) it sees them\n"
"    merged and prints \"vector=any\". When standard error is a terminal\n"
"    it first says which peer ID it has.\n"
"\n"
"OPTIONS\n"
"    -v VECTOR  wait on this vector only (default: any); over a UIO\n"
"               driver that merges vectors, only with a single vector\n"
"    -t MS      give up after MS milliseconds in all (default: never)\n"
"    -c COUNT   the number of interrupts to wait for (default 1)\n"
"    -q         print nothing\n"
"\n"
"EXIT STATUS\n"
"    0 once COUNT interrupts arrived, 1 on timeout or failure (in a\n"
"    guest also when the device goes away), 2 on a usage error (also:\n"
"    a device without vectors, ivshmem-plain).\n"
"\n"
"EXAMPLE\n"
"    ivshmem wait -v 2 -t 5000     wait up to 5 s for vector 2\n",
};

/* ---- dump ---------------------------------------------------------------- */

static const struct cli_cmd dump_cmd;

static void hexline(const unsigned char *mem, uint64_t off, size_t n)
{
	size_t i;

	printf("%08llx ", (unsigned long long)off);
	for (i = 0; i < 16; i++) {
		if (i == 8)
			putchar(' ');
		if (i < n)
			printf(" %02x", mem[i]);
		else
			printf("   ");
	}
	printf("  |");
	for (i = 0; i < n; i++)
		putchar(mem[i] >= 0x20 && mem[i] < 0x7f ? mem[i] : '.');
	printf("|\n");
}

static int cmd_dump(int argc, char **argv)
{
	unsigned char line[16], prev[16];
	uint64_t off, len, pos;
	struct ivshmem *h;
	bool have_prev = false, starred = false;
	size_t size, n;
	unsigned char *mem;

	while (cli_getopt(argc, argv, "", &dump_cmd) != -1)
		;
	if (argc - cli_optind > 2)
		cli_usage("unexpected argument '%s'", argv[cli_optind + 2]);
	if (argc - cli_optind != 2)
		cli_usage("needs OFFSET and LEN (see 'ivshmem dump -h')");
	off = cli_size("offset", argv[cli_optind]);
	len = cli_size("length", argv[cli_optind + 1]);
	h = cli_open();
	mem = ivshmem_mem(h, &size);
	cli_check_range(off, len, size);
	for (pos = 0; pos < len; pos += n) {
		n = len - pos < 16 ? (size_t)(len - pos) : 16;
		memcpy(line, mem + off + pos, n);
		if (n == 16 && have_prev && !memcmp(line, prev, 16) &&
		    pos + 16 < len) {
			if (!starred)
				printf("*\n");
			starred = true;
			continue;
		}
		hexline(line, off + pos, n);
		memcpy(prev, line, n);
		have_prev = n == 16;
		starred = false;
	}
	printf("%08llx\n", (unsigned long long)(off + len));
	ivshmem_close(h);
	return 0;
}

static const struct cli_cmd dump_cmd = {
	.name = "dump",
	.run = cmd_dump,
	.summary = "hexdump part of the shared memory",
	.help =
"NAME\n"
"    ivshmem dump - hexdump the shared memory\n"
"\n"
"SYNOPSIS\n"
"    ivshmem [-d DEVICE] dump OFFSET LEN\n"
"\n"
"DESCRIPTION\n"
"    Prints LEN bytes from OFFSET in the format of hexdump -C, offsets\n"
"    counted from the start of the shared memory; repeated lines are\n"
"    shown once, followed by \"*\". OFFSET and LEN are decimal or 0x hex\n"
"    and take K, M and G suffixes.\n"
"\n"
"EXIT STATUS\n"
"    0 on success, 1 on a runtime failure, 2 on a usage error (including\n"
"    a range beyond the memory).\n"
"\n"
"EXAMPLE\n"
"    ivshmem dump 0x1000 64\n",
};

/* ---- fill / check ---------------------------------------------------- */

static const struct cli_cmd fill_cmd;
static const struct cli_cmd check_cmd;

int cli_pattern(unsigned char *mem, uint64_t len, uint64_t seed, bool check,
		struct cli_pattern_result *res)
{
	struct util_pattern pat;
	unsigned char *buf;
	uint64_t pos;
	size_t n, i;

	memset(res, 0, sizeof(*res));
	buf = malloc(1 << 16);
	if (!buf)
		return -1;
	util_pattern_init(&pat, seed);
	for (pos = 0; pos < len; pos += n) {
		n = len - pos < (1 << 16) ? (size_t)(len - pos) : 1 << 16;
		util_pattern_fill(&pat, buf, n);
		if (!check) {
			memcpy(mem + pos, buf, n);
			res->crc = util_crc32(res->crc, buf, n);
			continue;
		}
		res->crc = util_crc32(res->crc, mem + pos, n);
		if (!memcmp(mem + pos, buf, n))
			continue;
		for (i = 0; i < n; i++) {
			if (mem[pos + i] == buf[i])
				continue;
			if (!res->bad++) {
				res->first = pos + i;
				res->got = mem[pos + i];
				res->want = buf[i];
			}
		}
	}
	free(buf);
	return 0;
}

static int fill_or_check(int argc, char **argv, bool check)
{
	const struct cli_cmd *cmd = check ? &check_cmd : &fill_cmd;
	struct cli_pattern_result res;
	uint64_t off, len, seed;
	unsigned char *mem;
	struct ivshmem *h;
	size_t size;

	while (cli_getopt(argc, argv, "", cmd) != -1)
		;
	if (argc - cli_optind > 3)
		cli_usage("unexpected argument '%s'", argv[cli_optind + 3]);
	if (argc - cli_optind != 3)
		cli_usage("needs OFFSET, LEN and SEED (see 'ivshmem %s -h')",
			  cmd->name);
	off = cli_size("offset", argv[cli_optind]);
	len = cli_size("length", argv[cli_optind + 1]);
	if (util_parse_u64(argv[cli_optind + 2], &seed, 0) < 0)
		cli_usage("seed '%s' is not a number", argv[cli_optind + 2]);
	h = cli_open();
	mem = ivshmem_mem(h, &size);
	cli_check_range(off, len, size);
	if (cli_pattern(mem + off, len, seed, check, &res) < 0)
		cli_fail("out of memory");
	printf("crc32 0x%08x\n", res.crc);
	ivshmem_close(h);
	if (res.bad)
		cli_fail("%llu of %llu bytes differ, the first at offset 0x%llx (0x%02x, expected 0x%02x)",
			 (unsigned long long)res.bad, (unsigned long long)len,
			 (unsigned long long)(off + res.first), res.got,
			 res.want);
	return 0;
}

static int cmd_fill(int argc, char **argv)
{
	return fill_or_check(argc, argv, false);
}

static int cmd_check(int argc, char **argv)
{
	return fill_or_check(argc, argv, true);
}

#define PATTERN_HELP \
"    The pattern is splitmix64 seeded with SEED, eight bytes per step,\n" \
"    little-endian: byte i depends only on SEED and i (counted from\n" \
"    OFFSET). The checksum is the CRC-32 of zlib and gzip. OFFSET and LEN\n" \
"    are decimal or 0x hex and take K, M and G suffixes; SEED is a\n" \
"    64-bit number.\n"

static const struct cli_cmd fill_cmd = {
	.name = "fill",
	.run = cmd_fill,
	.summary = "write a seeded pattern, print its checksum",
	.help =
"NAME\n"
"    ivshmem fill - write a deterministic pattern\n"
"\n"
"SYNOPSIS\n"
"    ivshmem [-d DEVICE] fill OFFSET LEN SEED\n"
"\n"
"DESCRIPTION\n"
"    Writes LEN bytes of the pattern of SEED at OFFSET and prints\n"
"    \"crc32 0xXXXXXXXX\", the checksum of what it wrote. Another peer\n"
"    verifies it with 'ivshmem check OFFSET LEN SEED'.\n"
"\n"
PATTERN_HELP
"\n"
"EXIT STATUS\n"
"    0 on success, 1 on a runtime failure, 2 on a usage error.\n"
"\n"
"EXAMPLE\n"
"    ivshmem fill 0 1M 42\n",
};

static const struct cli_cmd check_cmd = {
	.name = "check",
	.run = cmd_check,
	.summary = "verify a seeded pattern, print the checksum",
	.help =
"NAME\n"
"    ivshmem check - verify a deterministic pattern\n"
"\n"
"SYNOPSIS\n"
"    ivshmem [-d DEVICE] check OFFSET LEN SEED\n"
"\n"
"DESCRIPTION\n"
"    Compares LEN bytes at OFFSET with the pattern of SEED (see fill),\n"
"    prints \"crc32 0xXXXXXXXX\", the checksum of what the memory holds,\n"
"    and on a mismatch how many bytes differ and where the first one is.\n"
"\n"
PATTERN_HELP
"\n"
"EXIT STATUS\n"
"    0 if the memory holds the pattern, 1 if it does not (or on a\n"
"    runtime failure), 2 on a usage error.\n"
"\n"
"EXAMPLE\n"
"    ivshmem check 0 1M 42\n",
};

/* ---- monitor ----------------------------------------------------------- */

static const struct cli_cmd monitor_cmd;

/* The peers present (never more than 65536); -1 if unknown. */
static int peer_list(struct ivshmem *h, int **list)
{
	int n, *l = calloc(IVSHMEM_PEER_MAX + 1, sizeof(*l));

	if (!l)
		cli_fail("out of memory");
	n = ivshmem_peers(h, l, IVSHMEM_PEER_MAX + 1);
	if (n < 0) {
		free(l);
		return -1;
	}
	*list = l;
	return n;
}

static void print_peers(const int *list, int n)
{
	int i;

	printf("peers");
	for (i = 0; i < n; i++)
		printf(" %d", list[i]);
	printf("\n");
}

/* monitor -i: fill/check OFFSET LEN SEED through this peer's mapping */
static void monitor_pattern(struct ivshmem *h, char **argv, bool check)
{
	struct cli_pattern_result res;
	uint64_t off, len, seed;
	unsigned char *mem;
	size_t size;

	mem = ivshmem_mem(h, &size);
	if (util_parse_u64(argv[1], &off, 1) < 0 ||
	    util_parse_u64(argv[2], &len, 1) < 0 ||
	    util_parse_u64(argv[3], &seed, 0) < 0) {
		printf("error %s: bad offset, length or seed\n", argv[0]);
		return;
	}
	if (off > size || len > size - off) {
		printf("error %s: beyond the shared memory\n", argv[0]);
		return;
	}
	if (cli_pattern(mem + off, len, seed, check, &res) < 0) {
		printf("error %s: out of memory\n", argv[0]);
		return;
	}
	if (res.bad)
		printf("error check: crc32 0x%08x: %llu bytes differ, the first at offset 0x%llx\n",
		       res.crc, (unsigned long long)res.bad,
		       (unsigned long long)(off + res.first));
	else
		printf("%s crc32 0x%08x\n", check ? "checked" : "filled",
		       res.crc);
}

static void monitor_command(struct ivshmem *h, char *line, bool *quit)
{
	char *argv[5], *save = NULL, *tok;
	int argc = 0, *list;
	long peer, vector;
	int n;

	for (tok = strtok_r(line, " \t\r\n", &save); tok && argc < 5;
	     tok = strtok_r(NULL, " \t\r\n", &save))
		argv[argc++] = tok;
	if (!argc)
		return;
	if (!strcmp(argv[0], "quit")) {
		*quit = true;
	} else if (!strcmp(argv[0], "peers") && argc == 1) {
		n = peer_list(h, &list);
		if (n < 0) {
			printf("error peers: %s\n", strerror(errno));
			return;
		}
		print_peers(list, n);
		free(list);
	} else if (!strcmp(argv[0], "ring") && argc == 3) {
		if (util_parse_long(argv[1], 0, IVSHMEM_PEER_MAX, &peer) < 0 ||
		    util_parse_long(argv[2], 0, IVSHMEM_VECTORS_MAX - 1,
				    &vector) < 0) {
			printf("error ring: bad peer or vector\n");
			return;
		}
		if (ivshmem_ring(h, (int)peer, (int)vector) < 0)
			printf("error ring %ld %ld: %s\n", peer, vector,
			       strerror(errno));
		else
			printf("rang %ld %ld\n", peer, vector);
	} else if ((!strcmp(argv[0], "fill") || !strcmp(argv[0], "check")) &&
		   argc == 4) {
		monitor_pattern(h, argv, argv[0][0] == 'c');
	} else {
		printf("error: unknown command (ring PEER VECTOR, peers, fill/check OFFSET LEN SEED, quit)\n");
	}
}

static int cmd_monitor(int argc, char **argv)
{
	long timeout = -1;
	bool cmds = false, quit = false, in_eof = false, gone = false;
	struct ivshmem *h;
	uint64_t deadline = 0;
	struct ivshmem_event ev[64];
	int *list, n, i;
	bool host;
	char line[256];
	size_t have = 0;
	int c, r, v, left, slice;

	while ((c = cli_getopt(argc, argv, "t:i", &monitor_cmd)) != -1) {
		if (c == 't')
			timeout = cli_number("timeout", cli_optarg, 0,
					     INT32_MAX);
		else if (c == 'i')
			cmds = true;
	}
	if (cli_optind < argc)
		cli_usage("unexpected argument '%s'", argv[cli_optind]);
	h = cli_open();
	if (timeout >= 0)
		deadline = util_now_ns() + (uint64_t)timeout * 1000000u;
	if (ivshmem_nvectors(h) >= 0)
		printf("id %d vectors %d\n", ivshmem_id(h), ivshmem_nvectors(h));
	else
		printf("id %d vectors unknown\n", ivshmem_id(h));
	n = peer_list(h, &list);
	host = n >= 0;
	if (host) {
		print_peers(list, n);
		free(list);
	}

	while (!quit) {
		left = timeout < 0 ? -1 : util_ms_left(deadline);
		if (left == 0)
			break;
		slice = cmds && !in_eof ? 20 : 100;
		if (left < 0 || left > slice)
			left = slice;
		if (gone) {
			/* keep the mapping, and take commands, until told */
			r = poll(NULL, 0, left);
		} else {
			r = ivshmem_wait(h, -1, left, &v);
			if (r < 0 && errno == ENODEV) {
				printf("device gone\n");
				gone = true;
				continue;
			}
			if (r < 0 && errno != EINTR)
				cli_fail("%s", strerror(errno));
		}
		if (r > 0 && !gone) {
			if (v >= 0)
				printf("irq vector=%d count=%d\n", v, r);
			else
				printf("irq vector=any count=%d\n", r);
		}
		while (host && (n = ivshmem_events(h, ev, 64)) > 0)
			for (i = 0; i < n; i++)
				printf("%s %d\n",
				       ev[i].type == IVSHMEM_EVENT_JOIN ?
				       "join" : "leave", ev[i].peer);
		if (host && ivshmem_update(h) < 0) {
			printf("server gone\n");
			host = false;
		}
		while (cmds && !in_eof) {
			struct pollfd pfd = { .fd = 0, .events = POLLIN };
			ssize_t n;
			char *nl;

			if (poll(&pfd, 1, 0) <= 0)
				break;
			n = read(0, line + have, sizeof(line) - 1 - have);
			if (n <= 0) {
				in_eof = true;
				break;
			}
			have += (size_t)n;
			line[have] = 0;
			while ((nl = strchr(line, '\n'))) {
				*nl = 0;
				monitor_command(h, line, &quit);
				memmove(line, nl + 1, have - (size_t)(nl + 1 - line) + 1);
				have -= (size_t)(nl + 1 - line);
			}
			if (have == sizeof(line) - 1)
				have = 0;	/* overlong line: drop it */
		}
	}
	ivshmem_close(h);
	return 0;
}

static const struct cli_cmd monitor_cmd = {
	.name = "monitor",
	.run = cmd_monitor,
	.summary = "stay connected, report peers and interrupts as they come",
	.help =
"NAME\n"
"    ivshmem monitor - a long-lived peer that reports what happens\n"
"\n"
"SYNOPSIS\n"
"    ivshmem [-d DEVICE] monitor [-t MS] [-i]\n"
"\n"
"DESCRIPTION\n"
"    Joins the group and prints, one line each, as it happens:\n"
"\n"
"      id N vectors V          first: this peer's ID and vector count\n"
"      peers ID...             the peers present (host only)\n"
"      join ID / leave ID      a peer came or went (host only)\n"
"      irq vector=V count=N    N interrupts arrived on vector V\n"
"      server gone             the server closed the connection\n"
"      device gone             the guest's device went away (driver\n"
"                              unbound or unloaded); the mapping stays\n"
"\n"
"    With -i it also reads commands from standard input, one a line:\n"
"\n"
"      ring PEER VECTOR        answers \"rang PEER VECTOR\" or \"error ...\"\n"
"      peers                   answers \"peers ID...\"\n"
"      fill OFFSET LEN SEED    writes the pattern of 'ivshmem fill' through\n"
"                              this peer's mapping: \"filled crc32 0x...\"\n"
"      check OFFSET LEN SEED   verifies it: \"checked crc32 0x...\", or\n"
"                              \"error check: ...\" on a mismatch\n"
"      quit                    leaves\n"
"\n"
"OPTIONS\n"
"    -t MS   leave after MS milliseconds (default: run until killed)\n"
"    -i      read commands from standard input\n"
"\n"
"EXIT STATUS\n"
"    0 after -t or quit, 1 on a runtime failure, 2 on a usage error.\n"
"\n"
"EXAMPLE\n"
"    ivshmem monitor -i\n",
};

/* ---- main ---------------------------------------------------------------- */

static const struct cli_cmd *const commands[] = {
	&info_cmd, &ring_cmd, &wait_cmd, &dump_cmd, &fill_cmd, &check_cmd,
	&monitor_cmd, &cli_bench_cmd, &cli_send_cmd, &cli_recv_cmd,
	&cli_read_cmd, &cli_write_cmd, &cli_watch_cmd,
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void main_help(void)
{
	size_t i;

	printf(
"NAME\n"
"    ivshmem - an ivshmem (Nahanni) peer on the command line\n"
"\n"
"SYNOPSIS\n"
"    ivshmem [-d DEVICE] COMMAND [OPTIONS] [ARGS]\n"
"    ivshmem -h | ivshmem COMMAND -h | ivshmem help COMMAND\n"
"\n"
"DESCRIPTION\n"
"    Talks to an ivshmem group as one of its peers: on the host through\n"
"    the socket of an ivshmem-server (the peers' doorbells are eventfds),\n"
"    in a guest through an ivshmem PCI device bound to a UIO driver,\n"
"    /dev/uioN (the doorbells are the device's registers).\n"
"\n"
"OPTIONS\n"
"    -d DEVICE  an ivshmem-server socket or a /dev/uioN node; default\n"
"               $IVSHMEM_DEVICE, else %s\n"
"    -h         show this help\n"
"\n"
"COMMANDS\n", IVSHMEM_DEFAULT_SOCKET);
	for (i = 0; i < NCOMMANDS; i++)
		if (commands[i]->summary)
			printf("    %-9s %s\n", commands[i]->name,
			       commands[i]->summary);
	printf(
"\n"
"    'ivshmem COMMAND -h' describes each one.\n"
"\n"
"NUMBERS\n"
"    Peers, vectors and counts are decimal or 0x hex. Offsets and\n"
"    lengths also take K, M and G suffixes (powers of 1024).\n"
"\n"
"EXIT STATUS\n"
"    0   success\n"
"    1   runtime failure: a timeout, a pattern mismatch, a lost server\n"
"    2   usage error: bad option or number, no such socket or device,\n"
"        no server listening, peer not connected, vector or range\n"
"        out of bounds\n"
"\n"
"EXAMPLES\n"
"    ivshmem-server -S /tmp/iv.sock -l 16M -n 4\n"
"    ivshmem -d /tmp/iv.sock info\n"
"    ivshmem -d /tmp/iv.sock wait -v 1 -t 10000 &\n"
"    ivshmem -d /tmp/iv.sock ring 0 1\n"
"    ivshmem -d /dev/uio0 fill 0 1M 7; ivshmem -d /tmp/iv.sock check 0 1M 7\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "device", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name;
	size_t i;
	int c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:d:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (!*optarg)
				cli_usage("-d: empty device name");
			cli_device = optarg;
			break;
		case 'h':
			main_help();
			return 0;
		case ':':
			cli_usage("option -%c needs an argument (see 'ivshmem -h')",
				  optopt);
		default:
			if (optopt)
				cli_usage("unknown option -%c (see 'ivshmem -h')",
					  optopt);
			cli_usage("unknown option %s (see 'ivshmem -h')",
				  argv[optind - 1]);
		}
	}
	if (optind >= argc)
		cli_usage("no command given (see 'ivshmem -h')");
	name = argv[optind];
	if (!strcmp(name, "help")) {
		if (optind + 1 >= argc) {
			main_help();
			return 0;
		}
		name = argv[optind + 1];
		for (i = 0; i < NCOMMANDS; i++)
			if (!strcmp(commands[i]->name, name)) {
				print_help(commands[i]);
				return 0;
			}
		cli_usage("unknown command '%s' (see 'ivshmem -h')", name);
	}
	for (i = 0; i < NCOMMANDS; i++) {
		if (strcmp(commands[i]->name, name))
			continue;
		cli_cmd_name = name;
		argc -= optind;
		argv += optind;
		optind = 0;	/* restart getopt for the command */
		return commands[i]->run(argc, argv);
	}
	cli_usage("unknown command '%s' (see 'ivshmem -h')", name);
}

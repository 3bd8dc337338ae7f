// SPDX-License-Identifier: GPL-2.0
/*
 * pingsize ADDRESS FIRST LAST: send one ICMP echo request of every payload
 * size from FIRST to LAST bytes to ADDRESS, each with its own pattern,
 * and check that each reply comes back with the payload intact. Tries a
 * size three times (a second each) before giving up on it. Prints the
 * sizes that failed and exits 1 if any did.
 *
 * busybox ping takes a process per size, a tenth of a second each under
 * emulation; this takes one for all of them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PAYLOAD	65507

static unsigned short csum(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	unsigned long sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += (p[0] << 8) | p[1];
	if (len)
		sum += p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

static unsigned char pattern(unsigned int size, unsigned int i)
{
	return (unsigned char)(size * 13 + i * 7 + 3);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One echo of @size bytes; 0 if the reply came back intact in time. */
static int echo(int fd, const struct sockaddr_in *to, unsigned short id,
		unsigned short seq, unsigned int size)
{
	static unsigned char out[sizeof(struct icmphdr) + MAX_PAYLOAD];
	static unsigned char in[65536];
	struct icmphdr *h = (struct icmphdr *)out;
	long deadline;
	unsigned int i;

	memset(h, 0, sizeof(*h));
	h->type = ICMP_ECHO;
	h->un.echo.id = htons(id);
	h->un.echo.sequence = htons(seq);
	for (i = 0; i < size; i++)
		out[sizeof(*h) + i] = pattern(size, i);
	h->checksum = csum(out, sizeof(*h) + size);
	if (sendto(fd, out, sizeof(*h) + size, 0, (const void *)to,
		   sizeof(*to)) < 0)
		return -1;

	deadline = now_ms() + 1000;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long left = deadline - now_ms();
		const struct icmphdr *r;
		const struct iphdr *ip;
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			return -1;
		n = recv(fd, in, sizeof(in), 0);
		if (n < (ssize_t)sizeof(*ip))
			continue;
		ip = (const struct iphdr *)in;
		if (n < ip->ihl * 4 + (ssize_t)sizeof(*r))
			continue;
		r = (const struct icmphdr *)(in + ip->ihl * 4);
		if (r->type != ICMP_ECHOREPLY || ntohs(r->un.echo.id) != id ||
		    ntohs(r->un.echo.sequence) != seq)
			continue;
		if (n - ip->ihl * 4 - (ssize_t)sizeof(*r) != (ssize_t)size) {
			fprintf(stderr, "size %u: reply of %zd bytes\n", size,
				n - ip->ihl * 4 - (ssize_t)sizeof(*r));
			return -1;
		}
		if (memcmp(r + 1, out + sizeof(*h), size)) {
			fprintf(stderr, "size %u: payload differs\n", size);
			return -1;
		}
		return 0;
	}
}

int main(int argc, char **argv)
{
	unsigned int first, last, size, bad = 0, tries;
	unsigned short id = getpid() & 0xffff, seq = 0;
	struct sockaddr_in to = { .sin_family = AF_INET };
	int fd;

	if (argc != 4 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
		fprintf(stderr, "usage: %s ADDRESS FIRST LAST\n", argv[0]);
		return 2;
	}
	first = strtoul(argv[2], NULL, 0);
	last = strtoul(argv[3], NULL, 0);
	if (last > MAX_PAYLOAD || first > last) {
		fprintf(stderr, "pingsize: bad size range\n");
		return 2;
	}
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (fd < 0) {
		perror("pingsize: socket");
		return 1;
	}
	for (size = first; size <= last; size++) {
		for (tries = 0; tries < 3; tries++)
			if (!echo(fd, &to, id, ++seq, size))
				break;
		if (tries == 3) {
			printf(" %u", size);
			bad++;
		}
	}
	if (bad)
		printf("\npingsize: %u of %u sizes failed\n", bad,
		       last - first + 1);
	return bad ? 1 : 0;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Helpers shared by the ivshmem tools. See util.h.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util.h"

/* Decimal, or hex with 0x: a leading zero does not mean octal. */
static int num_base(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	return (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10;
}

int util_parse_u64(const char *s, uint64_t *out, int suffixes)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!s || !*s || !isdigit((unsigned char)*s)) {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	v = strtoull(s, &end, num_base(s));
	if (errno == ERANGE)
		return -1;
	if (end == s) {
		errno = EINVAL;
		return -1;
	}
	if (*end && suffixes) {
		switch (toupper((unsigned char)*end)) {
		case 'K':
			shift = 10;
			break;
		case 'M':
			shift = 20;
			break;
		case 'G':
			shift = 30;
			break;
		case 'T':
			shift = 40;
			break;
		default:
			errno = EINVAL;
			return -1;
		}
		end++;
		if (!strcasecmp(end, "iB") || !strcasecmp(end, "B"))
			end += strlen(end);
	}
	if (*end) {
		errno = EINVAL;
		return -1;
	}
	if (shift && v > (ULLONG_MAX >> shift)) {
		errno = ERANGE;
		return -1;
	}
	*out = (uint64_t)v << shift;
	return 0;
}

int util_parse_long(const char *s, long min, long max, long *out)
{
	long v;
	char *end;

	if (!s || !*s || !(isdigit((unsigned char)*s) ||
			   ((*s == '-' || *s == '+') &&
			    isdigit((unsigned char)s[1])))) {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	v = strtol(s, &end, num_base(s));
	if (errno == ERANGE)
		return -1;
	if (*end) {
		errno = EINVAL;
		return -1;
	}
	if (v < min || v > max) {
		errno = ERANGE;
		return -1;
	}
	*out = v;
	return 0;
}

uint64_t util_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int util_ms_left(uint64_t deadline_ns)
{
	uint64_t now;
	uint64_t ms;

	if (!deadline_ns)
		return -1;
	now = util_now_ns();
	if (now >= deadline_ns)
		return 0;
	ms = (deadline_ns - now + 999999) / 1000000;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

static uint32_t crc_table[8][256];

static void crc_init(void)
{
	static int done;
	uint32_t c;
	int i, j;

	if (done)
		return;
	for (i = 0; i < 256; i++) {
		c = (uint32_t)i;
		for (j = 0; j < 8; j++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[0][i] = c;
	}
	for (i = 0; i < 256; i++) {
		c = crc_table[0][i];
		for (j = 1; j < 8; j++) {
			c = crc_table[0][c & 0xff] ^ (c >> 8);
			crc_table[j][i] = c;
		}
	}
	done = 1;
}

uint32_t util_crc32(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint32_t lo, hi;

	crc_init();
	crc = ~crc;
	while (len && ((uintptr_t)p & 7)) {
		crc = crc_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
		len--;
	}
	/* slicing by eight: the shared memory is big, this is on the hot path */
	while (len >= 8) {
		lo = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		     (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 |
		     (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
		lo ^= crc;
		crc = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^
		      crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^
		      crc_table[3][hi & 0xff] ^ crc_table[2][(hi >> 8) & 0xff] ^
		      crc_table[1][(hi >> 16) & 0xff] ^ crc_table[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = crc_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void util_pattern_init(struct util_pattern *p, uint64_t seed)
{
	p->state = seed;
	p->word = 0;
	p->used = 8;
}

void util_pattern_fill(struct util_pattern *p, void *buf, size_t len)
{
	unsigned char *d = buf;
	uint64_t w;
	int i;

	while (len && p->used < 8) {
		*d++ = (unsigned char)(p->word >> (8 * p->used++));
		len--;
	}
	while (len >= 8) {
		w = splitmix64(&p->state);
		for (i = 0; i < 8; i++)
			d[i] = (unsigned char)(w >> (8 * i));
		d += 8;
		len -= 8;
	}
	if (len) {
		p->word = splitmix64(&p->state);
		p->used = 0;
		while (len--)
			*d++ = (unsigned char)(p->word >> (8 * p->used++));
	}
}

const char *util_size_str(uint64_t bytes, char *buf, size_t len)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB" };
	int u = -1;

	while (u < 3 && bytes >= 1024 && !(bytes & 1023)) {
		bytes >>= 10;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%llu bytes", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%llu %s", (unsigned long long)bytes,
			 unit[u]);
	return buf;
}

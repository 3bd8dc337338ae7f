/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Helpers shared by ivshmem-server, the ivshmem CLI and the library:
 * strict number parsing, time, CRC-32 and a seeded byte pattern.
 */
#ifndef IVSHMEM_UTIL_H
#define IVSHMEM_UTIL_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse an unsigned number: decimal, or hex with 0x. With @suffixes, a
 * trailing K, M, G or T (either case, optionally followed by "iB" or "B")
 * multiplies by 1024^n. The whole string must be the number. Returns 0,
 * or -1 with errno EINVAL (not a number) or ERANGE (too big).
 */
int util_parse_u64(const char *s, uint64_t *out, int suffixes);

/* The same, for a value in [min, max]; ERANGE when outside. */
int util_parse_long(const char *s, long min, long max, long *out);

/* Monotonic clock in nanoseconds. */
uint64_t util_now_ns(void);

/* Milliseconds left until @deadline_ns (rounded up), or -1 if none (0). */
int util_ms_left(uint64_t deadline_ns);

/* CRC-32 (IEEE 802.3, the zlib/gzip one); start with crc = 0. */
uint32_t util_crc32(uint32_t crc, const void *buf, size_t len);

/*
 * A deterministic byte pattern: splitmix64 seeded with @seed, eight bytes
 * per step, little-endian. Byte i of the pattern depends only on seed
 * and i, so a region can be produced or checked in pieces.
 */
struct util_pattern {
	uint64_t state;
	uint64_t word;
	unsigned int used;	/* bytes of word already handed out */
};

void util_pattern_init(struct util_pattern *p, uint64_t seed);
void util_pattern_fill(struct util_pattern *p, void *buf, size_t len);

/* Human-readable size: "4 MiB", "1536 KiB", "100 bytes". */
const char *util_size_str(uint64_t bytes, char *buf, size_t len);

#endif /* IVSHMEM_UTIL_H */

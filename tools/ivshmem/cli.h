/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The ivshmem command line tool: what its subcommands share.
 */
#ifndef IVSHMEM_CLI_H
#define IVSHMEM_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "libivshmem.h"

#define EXIT_USAGE	2

struct cli_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;	/* NULL: hidden from the command list */
	const char *help;
};

/* The -d argument (NULL: $IVSHMEM_DEVICE or the default socket). */
extern const char *cli_device;
/* The subcommand running, for messages. */
extern const char *cli_cmd_name;

/* Print "ivshmem CMD: message" and exit 2 (usage) or 1 (failure). */
void __attribute__((noreturn, format(printf, 1, 2)))
cli_usage(const char *fmt, ...);
void __attribute__((noreturn, format(printf, 1, 2)))
cli_fail(const char *fmt, ...);
/* Print "ivshmem CMD: message" to stderr and go on. */
void __attribute__((format(printf, 1, 2))) cli_note(const char *fmt, ...);

/* Become a peer of cli_device, or exit with a one-line reason. */
struct ivshmem *cli_open(void);

/*
 * Parse the subcommand's options: handles -h/--help (prints help, exits
 * 0) and reports unknown options and missing arguments as usage errors.
 * Returns the option letter, or -1 at the end (then *first is the index
 * of the first operand).
 */
int cli_getopt(int argc, char **argv, const char *optstring,
	       const struct cli_cmd *cmd);
extern int cli_optind;
extern char *cli_optarg;

long cli_number(const char *what, const char *s, long min, long max);
uint64_t cli_size(const char *what, const char *s);

/* Check that [off, off + len) lies in the memory; usage error if not. */
void cli_check_range(uint64_t off, uint64_t len, size_t size);

/*
 * Wait for a doorbell on @vector, falling back to any vector when the
 * backend cannot tell vectors apart. Returns like ivshmem_wait().
 */
int cli_wait(struct ivshmem *h, int vector, int timeout_ms);

/*
 * Write (or, with @check, verify) the pattern of "ivshmem fill" over
 * @len bytes at @mem; bytes counted from @mem. -1 if out of memory.
 */
struct cli_pattern_result {
	uint32_t crc;		/* CRC-32 of what was written or found */
	uint64_t bad;		/* check: bytes that differ */
	uint64_t first;		/* check: offset of the first one */
	unsigned char got, want;
};

int cli_pattern(unsigned char *mem, uint64_t len, uint64_t seed, bool check,
		struct cli_pattern_result *res);

/* The commands in other files. */
extern const struct cli_cmd cli_bench_cmd;
extern const struct cli_cmd cli_send_cmd;
extern const struct cli_cmd cli_recv_cmd;
extern const struct cli_cmd cli_read_cmd;
extern const struct cli_cmd cli_write_cmd;
extern const struct cli_cmd cli_watch_cmd;

#endif /* IVSHMEM_CLI_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * portcheck: what a shell cannot see of a virtbus_console generic port.
 *
 *   portcheck idle PORT        opened with O_NONBLOCK, the host side open
 *                              and nothing sent: read fails with EAGAIN,
 *                              poll says writable, not readable, no HUP;
 *                              a second open fails with EBUSY
 *   portcheck hup PORT OPEN CLOSE
 *                              the host side closed: poll says POLLHUP,
 *                              read EOF, a nonblocking write EAGAIN;
 *                              prints OPEN, waits for POLLOUT without
 *                              POLLHUP (the host side opened), checks as
 *                              idle does; prints CLOSE, and checks the
 *                              host side is closed again
 *
 * Waits are unbounded: the test's own timeout bounds them. Prints what
 * it found and exits 1 on the first thing that is not as it should be.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void die(const char *what)
{
	printf("portcheck: %s\n", what);
	exit(1);
}

static int revents(int fd, short events, int timeout)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n = poll(&p, 1, timeout);

	if (n < 0)
		die("poll failed");
	return n ? p.revents : 0;
}

static int open_port(const char *path)
{
	int fd = open(path, O_RDWR | O_NONBLOCK);

	if (fd < 0) {
		printf("portcheck: open %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

static void idle(const char *path)
{
	int fd = open_port(path), r;
	char c;

	if (open(path, O_RDWR) >= 0 || errno != EBUSY)
		die("a second opener was let in");
	if (read(fd, &c, 1) != -1 || errno != EAGAIN)
		die("read did not fail with EAGAIN");
	r = revents(fd, POLLIN | POLLOUT, 0);
	if (r & (POLLIN | POLLHUP | POLLERR) || !(r & POLLOUT)) {
		printf("portcheck: poll says 0x%x\n", r);
		exit(1);
	}
	close(fd);
	printf("portcheck: idle ok\n");
}

/* The host side is closed: POLLHUP, EOF, and writes that would wait. */
static void closed(int fd)
{
	char c;

	/* POLLHUP comes whatever we ask for; not POLLOUT, always there. */
	while (!(revents(fd, POLLIN, -1) & POLLHUP))
		if (read(fd, &c, 1) < 0 && errno != EAGAIN)
			die("read failed before the hangup");
	if (read(fd, &c, 1) != 0)
		die("no EOF with the host side closed");
	if (write(fd, "x", 1) != -1 || errno != EAGAIN)
		die("a nonblocking write with the host side closed did not fail with EAGAIN");
}

static void hup(const char *path, const char *mark_open, const char *mark_close)
{
	int fd = open_port(path);

	closed(fd);
	printf("portcheck: closed: POLLHUP, EOF, EAGAIN\n%s\n", mark_open);
	fflush(stdout);
	while ((revents(fd, POLLOUT, -1) & (POLLHUP | POLLOUT)) != POLLOUT)
		usleep(100000);
	close(fd);
	idle(path);
	fd = open_port(path);
	printf("%s\n", mark_close);
	fflush(stdout);
	closed(fd);
	close(fd);
	printf("portcheck: closed again\n");
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "idle"))
		idle(argv[2]);
	else if (argc == 5 && !strcmp(argv[1], "hup"))
		hup(argv[2], argv[3], argv[4]);
	else
		die("usage: portcheck idle PORT | hup PORT OPEN CLOSE");
	return 0;
}

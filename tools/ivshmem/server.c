// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * ivshmem-server: hands shared memory and doorbell eventfds to the peers
 * of an ivshmem group (QEMU's ivshmem-doorbell devices and host programs),
 * speaking QEMU's protocol version 0 (see protocol.h).
 *
 * One thread, one poll loop. The server only ever sends; a peer is gone
 * when its socket reads EOF or fails. Sends never block: what a peer's
 * socket does not take waits in that peer's bounded queue, and a peer
 * whose queue overflows is dropped.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <uapi/virtbus/ivshmem.h>

#include "libivshmem.h"
#include "protocol.h"
#include "util.h"

#define DEFAULT_SHM_NAME	"ivshmem"
#define DEFAULT_SIZE		(4ull << 20)
#define DEFAULT_VECTORS		1
#define DEFAULT_QUEUE		4096
#define NPEER_IDS		(VIRTBUS_IVSHMEM_PEER_MAX + 1)

/* An eventfd with the references held by its peer and by queued sends. */
struct efd {
	int fd;
	unsigned int refs;
};

struct qmsg {
	int64_t val;
	int fd;			/* -1: none */
	struct efd *ref;	/* dropped once sent */
};

struct peer {
	int id;
	int sock;
	struct efd **vec;	/* nvectors */
	struct qmsg *q;		/* ring buffer */
	size_t qhead, qlen, qcap, qlimit;
	unsigned int qoff;	/* bytes of the head message already sent */
	bool dead;
	bool announced;		/* the others were told about it */
	char why[64];		/* why it is dead */
};

static struct {
	const char *sock_path;
	const char *shm_name;
	const char *shm_dir;
	const char *pidfile;
	uint64_t size;
	int nvectors;
	size_t queue;
	bool foreground;
	bool verbose;

	bool daemon;		/* log to syslog */
	int listen_fd;
	int shm_fd;
	bool sock_created, shm_created, pid_created;
	struct peer **peers;	/* in join order */
	size_t npeers, peers_cap;
	struct peer *by_id[NPEER_IDS];
	int next_id;
} srv = {
	.listen_fd = -1,
	.shm_fd = -1,
};

static volatile sig_atomic_t quit_signal;

static const char *progname = "ivshmem-server";

static void vlog(int prio, const char *fmt, va_list ap)
{
	if (srv.daemon) {
		vsyslog(prio, fmt, ap);
		return;
	}
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void __attribute__((format(printf, 2, 3)))
logmsg(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio == LOG_DEBUG && !srv.verbose)
		return;
	va_start(ap, fmt);
	vlog(prio, fmt, ap);
	va_end(ap);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see %s -h)\n", progname);
	exit(2);
}

static void usage(void)
{
	printf(
"NAME\n"
"    ivshmem-server - shared memory and doorbells for ivshmem peers\n"
"\n"
"SYNOPSIS\n"
"    ivshmem-server [-S SOCKET] [-M SHM_NAME | -m DIRECTORY] [-l SIZE]\n"
"                   [-n VECTORS] [-Q QUEUE] [-F] [-p PIDFILE] [-v]\n"
"    ivshmem-server -h\n"
"\n"
"DESCRIPTION\n"
"    Serves one ivshmem group: QEMU guests with an ivshmem-doorbell device\n"
"    and host programs using libivshmem (or the ivshmem tool) connect to\n"
"    SOCKET and receive, in QEMU's protocol version 0, the shared memory\n"
"    and one eventfd per vector of every peer. Peers join and leave at any\n"
"    time; the others are told. Start it before QEMU: QEMU reads the\n"
"    setup when it creates the device.\n"
"\n"
"    Peer IDs are 0..65535, handed out round-robin: a new peer gets the\n"
"    lowest free ID above the one handed out last, wrapping at 65535, so\n"
"    a leaving peer's ID is not reused at once (a doorbell still in\n"
"    flight does not reach a stranger).\n"
"\n"
"OPTIONS\n"
"    -S SOCKET     the UNIX socket to listen on (default %s). A stale\n"
"                  socket nobody listens on is replaced.\n"
"    -M SHM_NAME   POSIX shared memory object to use (shm_open); created\n"
"                  if missing, resized to SIZE, removed on shutdown. This\n"
"                  is the default, with the name \"%s\".\n"
"    -m DIRECTORY  create the memory as an unlinked file in DIRECTORY\n"
"                  instead (e.g. a hugetlbfs mount). Not with -M.\n"
"    -l SIZE       size of the shared memory in bytes, a power of two of\n"
"                  at least 4096; K, M and G suffixes multiply by 1024,\n"
"                  1024^2, 1024^3 (default 4M).\n"
"    -n VECTORS    interrupt vectors per peer, 1..%d (default %d). QEMU's\n"
"                  vectors= property must say the same. QEMU 7.2 rings\n"
"                  only vectors 0..255 from a guest.\n"
"    -Q QUEUE      messages that may wait for a slow peer beyond its\n"
"                  setup (default %d); a peer that falls further behind\n"
"                  is dropped.\n"
"    -F            stay in the foreground and log to standard error;\n"
"                  without it the server detaches and logs to syslog\n"
"                  once the socket is ready.\n"
"    -p PIDFILE    write the server's process ID to PIDFILE (removed on\n"
"                  shutdown).\n"
"    -v            verbose: log every peer joining and leaving.\n"
"    -h            show this help and exit.\n"
"\n"
"SIGNALS\n"
"    SIGTERM, SIGINT and SIGHUP shut the server down cleanly: the peers'\n"
"    connections close, the socket, the -M object and the pidfile are\n"
"    removed.\n"
"\n"
"EXIT STATUS\n"
"    0 after a clean shutdown, 1 if the server could not start or failed,\n"
"    2 for a usage error.\n"
"\n"
"EXAMPLES\n"
"    ivshmem-server -F -v -S /tmp/ivshmem_socket -M ivshmem -l 16M -n 4\n"
"    qemu-system-x86_64 ... -chardev socket,path=/tmp/ivshmem_socket,id=iv \\\n"
"        -device ivshmem-doorbell,chardev=iv,vectors=4\n"
"    ivshmem -d /tmp/ivshmem_socket info\n",
	IVSHMEM_DEFAULT_SOCKET, DEFAULT_SHM_NAME, IVSHMEM_VECTORS_MAX,
	DEFAULT_VECTORS, DEFAULT_QUEUE);
}

/* ---- eventfd references ---------------------------------------------- */

static struct efd *efd_new(void)
{
	struct efd *e = malloc(sizeof(*e));

	if (!e)
		return NULL;
	e->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (e->fd < 0) {
		free(e);
		return NULL;
	}
	e->refs = 1;
	return e;
}

static void efd_put(struct efd *e)
{
	if (e && !--e->refs) {
		close(e->fd);
		free(e);
	}
}

/* ---- sending ---------------------------------------------------------- */

static void peer_kill(struct peer *p, const char *why)
{
	if (!p->dead) {
		p->dead = true;
		snprintf(p->why, sizeof(p->why), "%s", why);
	}
}

/*
 * Try to send message @m (from byte p->qoff on). Returns 1 when it went
 * out whole, 0 if the socket is full, -1 if the peer is gone.
 */
static int send_one(struct peer *p, const struct qmsg *m, unsigned int off)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} cbuf;
	unsigned char b[IVSHMEM_MSG_SIZE];
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	ssize_t n;

	proto_encode(m->val, b);
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = b + off;
	iov.iov_len = IVSHMEM_MSG_SIZE - off;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (m->fd >= 0 && off == 0) {
		memset(&cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = sizeof(cbuf.buf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &m->fd, sizeof(int));
	}
	do
		n = sendmsg(p->sock, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		peer_kill(p, errno == EPIPE || errno == ECONNRESET ?
			  "disconnected" : strerror(errno));
		return -1;
	}
	p->qoff = off + (unsigned int)n;
	if (p->qoff < IVSHMEM_MSG_SIZE)
		return 0;
	p->qoff = 0;
	return 1;
}

/* Send what the peer's queue holds, until its socket is full. */
static void peer_flush(struct peer *p)
{
	struct qmsg *m;
	int r;

	while (p->qlen && !p->dead) {
		m = &p->q[p->qhead];
		r = send_one(p, m, p->qoff);
		if (r <= 0)
			return;
		efd_put(m->ref);
		p->qhead = (p->qhead + 1) % p->qcap;
		p->qlen--;
	}
}

static int queue_grow(struct peer *p)
{
	size_t cap = p->qcap ? p->qcap * 2 : 64, i;
	struct qmsg *nq = malloc(sizeof(*nq) * cap);

	if (!nq)
		return -1;
	for (i = 0; i < p->qlen; i++)
		nq[i] = p->q[(p->qhead + i) % p->qcap];
	free(p->q);
	p->q = nq;
	p->qcap = cap;
	p->qhead = 0;
	return 0;
}

/* Queue (or send at once) one message; @ref is the eventfd it carries. */
static void peer_send(struct peer *p, int64_t val, int fd, struct efd *ref)
{
	struct qmsg m = { .val = val, .fd = fd, .ref = ref };

	if (p->dead)
		return;
	if (!p->qlen && !p->qoff) {
		int r = send_one(p, &m, 0);

		if (r)	/* sent, or the peer is gone */
			return;
		/* the socket is full, or took only part: queue the rest */
	}
	if (p->qlen >= p->qlimit) {
		peer_kill(p, "too slow: its send queue overflowed");
		return;
	}
	if (p->qlen == p->qcap && queue_grow(p) < 0) {
		peer_kill(p, "out of memory");
		return;
	}
	if (ref)
		ref->refs++;
	p->q[(p->qhead + p->qlen) % p->qcap] = m;
	p->qlen++;
}

/* ---- peers ------------------------------------------------------------ */

static int alloc_id(void)
{
	int i, id;

	for (i = 0; i < NPEER_IDS; i++) {
		id = (srv.next_id + i) % NPEER_IDS;
		if (!srv.by_id[id]) {
			srv.next_id = (id + 1) % NPEER_IDS;
			return id;
		}
	}
	return -1;
}

static void peer_free(struct peer *p)
{
	int v;

	if (p->sock >= 0)
		close(p->sock);
	while (p->qlen) {
		efd_put(p->q[p->qhead].ref);
		p->qhead = (p->qhead + 1) % p->qcap;
		p->qlen--;
	}
	free(p->q);
	if (p->vec)
		for (v = 0; v < srv.nvectors; v++)
			efd_put(p->vec[v]);
	free(p->vec);
	if (p->id >= 0 && srv.by_id[p->id] == p)
		srv.by_id[p->id] = NULL;
	free(p);
}

/* Remove dead peers, telling the others; that may kill more. */
static void reap(void)
{
	struct peer *p;
	size_t i, j;
	bool again = true;

	while (again) {
		again = false;
		for (i = 0; i < srv.npeers; i++) {
			p = srv.peers[i];
			if (!p->dead)
				continue;
			memmove(&srv.peers[i], &srv.peers[i + 1],
				sizeof(*srv.peers) * (srv.npeers - i - 1));
			srv.npeers--;
			if (strcmp(p->why, "disconnected"))
				logmsg(LOG_WARNING, "peer %d dropped: %s",
				       p->id, p->why);
			else
				logmsg(LOG_DEBUG, "peer %d left", p->id);
			if (p->announced) {
				for (j = 0; j < srv.npeers; j++)
					peer_send(srv.peers[j], p->id, -1,
						  NULL);
			}
			peer_free(p);
			again = true;
			break;
		}
	}
}

static void peer_join(int sock)
{
	struct peer *p, *o, **np;
	size_t i;
	int v, id;

	id = alloc_id();
	if (id < 0) {
		logmsg(LOG_WARNING, "no free peer ID: refusing a connection");
		close(sock);
		return;
	}
	if (srv.npeers == srv.peers_cap) {
		size_t cap = srv.peers_cap ? srv.peers_cap * 2 : 16;

		np = realloc(srv.peers, sizeof(*np) * cap);
		if (!np) {
			logmsg(LOG_ERR, "out of memory: refusing a connection");
			close(sock);
			return;
		}
		srv.peers = np;
		srv.peers_cap = cap;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		close(sock);
		return;
	}
	p->id = id;
	p->sock = sock;
	p->vec = calloc((size_t)srv.nvectors, sizeof(*p->vec));
	if (!p->vec)
		goto fail;
	for (v = 0; v < srv.nvectors; v++) {
		p->vec[v] = efd_new();
		if (!p->vec[v]) {
			logmsg(LOG_WARNING,
			       "cannot create eventfds for a new peer: %s",
			       strerror(errno));
			goto fail;
		}
	}
	/* its setup may be queued whole, then it gets the usual slack */
	p->qlimit = 3 + (srv.npeers + 1) * (size_t)srv.nvectors + srv.queue;
	srv.by_id[id] = p;

	peer_send(p, IVSHMEM_PROTOCOL_VERSION, -1, NULL);
	peer_send(p, id, -1, NULL);
	peer_send(p, IVSHMEM_MSG_SHM, srv.shm_fd, NULL);
	/*
	 * Every peer the others know of, even one dying right now: its
	 * leave message follows when it is reaped, to everybody.
	 */
	for (i = 0; i < srv.npeers; i++) {
		o = srv.peers[i];
		if (!o->announced)
			continue;
		for (v = 0; v < srv.nvectors; v++)
			peer_send(p, o->id, o->vec[v]->fd, o->vec[v]);
	}
	for (v = 0; v < srv.nvectors; v++)
		peer_send(p, id, p->vec[v]->fd, p->vec[v]);
	srv.peers[srv.npeers++] = p;
	if (p->dead) {
		logmsg(LOG_DEBUG, "peer %d failed during its setup: %s", id,
		       p->why);
		return;		/* reaped silently: nobody heard of it */
	}
	for (i = 0; i < srv.npeers; i++) {
		o = srv.peers[i];
		if (o == p)
			continue;
		for (v = 0; v < srv.nvectors; v++)
			peer_send(o, id, p->vec[v]->fd, p->vec[v]);
	}
	p->announced = true;
	logmsg(LOG_DEBUG, "peer %d joined (%zu peers)", id, srv.npeers);
	return;
fail:
	p->id = -1;
	peer_free(p);
}

/* A peer never talks; read and drop whatever it sends, notice EOF. */
static void peer_input(struct peer *p)
{
	char buf[256];
	ssize_t n;

	for (;;) {
		n = recv(p->sock, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0)
			continue;
		if (n == 0) {
			peer_kill(p, "disconnected");
			return;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			peer_kill(p, errno == ECONNRESET ? "disconnected" :
				  strerror(errno));
		return;
	}
}

/* ---- setup and teardown ----------------------------------------------- */

static void cleanup(void)
{
	while (srv.npeers) {
		srv.npeers--;
		peer_free(srv.peers[srv.npeers]);
	}
	free(srv.peers);
	srv.peers = NULL;
	if (srv.listen_fd >= 0)
		close(srv.listen_fd);
	srv.listen_fd = -1;
	if (srv.sock_created)
		unlink(srv.sock_path);
	srv.sock_created = false;
	if (srv.shm_fd >= 0)
		close(srv.shm_fd);
	srv.shm_fd = -1;
	if (srv.shm_created)
		shm_unlink(srv.shm_name);
	srv.shm_created = false;
	if (srv.pid_created)
		unlink(srv.pidfile);
	srv.pid_created = false;
}

static int open_socket(void)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(srv.sock_path) >= sizeof(sa.sun_path)) {
		logmsg(LOG_ERR, "-S %s: socket path too long (at most %zu bytes)",
		       srv.sock_path, sizeof(sa.sun_path) - 1);
		return -2;
	}
	strcpy(sa.sun_path, srv.sock_path);

	if (lstat(srv.sock_path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			logmsg(LOG_ERR, "-S %s: exists and is not a socket",
			       srv.sock_path);
			return -2;
		}
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			goto err;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(fd);
			logmsg(LOG_ERR, "-S %s: another server is listening there",
			       srv.sock_path);
			return -1;
		}
		close(fd);
		if (errno != ECONNREFUSED) {
			logmsg(LOG_ERR, "%s: %s", srv.sock_path,
			       strerror(errno));
			return -1;
		}
		logmsg(LOG_DEBUG, "%s: replacing a stale socket",
		       srv.sock_path);
		if (unlink(srv.sock_path) < 0)
			goto err;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		goto err;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		logmsg(LOG_ERR, "-S %s: cannot create the socket: %s",
		       srv.sock_path, strerror(e));
		return e == ENOENT || e == ENOTDIR ? -2 : -1;
	}
	srv.sock_created = true;
	if (listen(fd, 64) < 0) {
		close(fd);
		goto err;
	}
	srv.listen_fd = fd;
	return 0;
err:
	logmsg(LOG_ERR, "-S %s: %s", srv.sock_path, strerror(errno));
	return -1;
}

static int open_shm(void)
{
	struct stat st;
	char *path = NULL;
	int fd;

	if (srv.shm_dir) {
		if (asprintf(&path, "%s/ivshmem.XXXXXX", srv.shm_dir) < 0)
			return -1;
		fd = mkostemp(path, O_CLOEXEC);
		if (fd < 0) {
			int e = errno;

			logmsg(LOG_ERR, "-m %s: cannot create a file there: %s",
			       srv.shm_dir, strerror(e));
			free(path);
			return e == ENOENT || e == ENOTDIR ? -2 : -1;
		}
		unlink(path);
		free(path);
	} else {
		fd = shm_open(srv.shm_name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0) {
			int e = errno;

			logmsg(LOG_ERR, "-M %s: cannot open the shared memory object: %s",
			       srv.shm_name, strerror(e));
			return e == EINVAL || e == ENAMETOOLONG ? -2 : -1;
		}
		srv.shm_created = true;
	}
	srv.shm_fd = fd;
	if (fstat(fd, &st) < 0)
		goto err;
	if ((uint64_t)st.st_size != srv.size &&
	    ftruncate(fd, (off_t)srv.size) < 0)
		goto err;
	return 0;
err:
	logmsg(LOG_ERR, "%s: cannot size the memory to %llu bytes: %s",
	       srv.shm_dir ? srv.shm_dir : srv.shm_name,
	       (unsigned long long)srv.size, strerror(errno));
	return -1;
}

static int write_pidfile(void)
{
	char buf[32];
	int fd, len;

	fd = open(srv.pidfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		goto err;
	srv.pid_created = true;
	len = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (write(fd, buf, (size_t)len) != len) {
		close(fd);
		goto err;
	}
	if (close(fd) < 0)
		goto err;
	return 0;
err:
	logmsg(LOG_ERR, "pidfile %s: %s", srv.pidfile, strerror(errno));
	return -1;
}

/*
 * Detach; the original process exits 0 once the daemon is ready (pidfile
 * written), 1 if it failed.
 */
static int daemonize(void)
{
	int pfd[2], devnull;
	char ok = 0;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(pfd[1]);
		while (read(pfd[0], &ok, 1) < 0 && errno == EINTR)
			;
		_exit(ok == 'k' ? 0 : 1);
	}
	close(pfd[0]);
	setsid();
	pid = fork();
	if (pid < 0)
		_exit(1);
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		return -1;
	openlog(progname, LOG_PID, LOG_DAEMON);
	srv.daemon = true;
	devnull = open("/dev/null", O_RDWR);
	if (devnull >= 0) {
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(devnull, 2);
		if (devnull > 2)
			close(devnull);
	}
	if (srv.pidfile && write_pidfile() < 0)
		return -1;
	ok = 'k';
	if (write(pfd[1], &ok, 1) != 1)
		return -1;
	close(pfd[1]);
	return 0;
}

static void on_signal(int sig)
{
	quit_signal = sig;
}

/* ---- the loop ------------------------------------------------------------ */

static void accept_peers(bool *paused)
{
	int fd;

	for (;;) {
		fd = accept4(srv.listen_fd, NULL, NULL,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			peer_join(fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM) {
			logmsg(LOG_WARNING,
			       "cannot accept a peer: %s; retrying shortly",
			       strerror(errno));
			*paused = true;
		}
		return;
	}
}

static int run(void)
{
	struct pollfd *pfd = NULL;
	struct peer **polled = NULL;
	size_t cap = 0, n, i;
	sigset_t block, orig;
	struct timespec pause_ts = { 0, 100 * 1000000 };
	bool paused = false;
	int r;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &orig);

	while (!quit_signal) {
		if (cap < srv.npeers + 1) {
			cap = (srv.npeers + 1) * 2;
			free(pfd);
			free(polled);
			pfd = malloc(sizeof(*pfd) * cap);
			polled = malloc(sizeof(*polled) * cap);
			if (!pfd || !polled) {
				logmsg(LOG_ERR, "out of memory");
				r = 1;
				goto out;
			}
		}
		n = 0;
		pfd[n].fd = paused ? -1 : srv.listen_fd;
		pfd[n].events = POLLIN;
		polled[n++] = NULL;
		for (i = 0; i < srv.npeers; i++) {
			pfd[n].fd = srv.peers[i]->sock;
			pfd[n].events = POLLIN |
					(srv.peers[i]->qlen ? POLLOUT : 0);
			polled[n++] = srv.peers[i];
		}
		r = ppoll(pfd, n, paused ? &pause_ts : NULL, &orig);
		paused = false;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			logmsg(LOG_ERR, "poll: %s", strerror(errno));
			r = 1;
			goto out;
		}
		for (i = 1; i < n; i++) {
			struct peer *p = polled[i];

			if (p->dead || !pfd[i].revents)
				continue;
			if (pfd[i].revents & POLLOUT)
				peer_flush(p);
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				peer_input(p);
			if ((pfd[i].revents & (POLLHUP | POLLERR)) &&
			    !(pfd[i].revents & POLLIN))
				peer_kill(p, "disconnected");
		}
		reap();
		if (pfd[0].revents & POLLIN)
			accept_peers(&paused);
		reap();
	}
	logmsg(LOG_DEBUG, "signal %d: shutting down", (int)quit_signal);
	r = 0;
out:
	free(pfd);
	free(polled);
	return r;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct rlimit rl;
	uint64_t u;
	long l;
	int c, r;

	srv.sock_path = IVSHMEM_DEFAULT_SOCKET;
	srv.size = DEFAULT_SIZE;
	srv.nvectors = DEFAULT_VECTORS;
	srv.queue = DEFAULT_QUEUE;

	opterr = 0;
	while ((c = getopt(argc, argv, ":S:M:m:l:n:Q:Fp:vh")) != -1) {
		switch (c) {
		case 'S':
			if (!*optarg)
				usage_error("-S: empty socket path");
			srv.sock_path = optarg;
			break;
		case 'M':
			if (!*optarg)
				usage_error("-M: empty shared memory name");
			srv.shm_name = optarg;
			break;
		case 'm':
			if (!*optarg)
				usage_error("-m: empty directory");
			srv.shm_dir = optarg;
			break;
		case 'l':
			if (util_parse_u64(optarg, &u, 1) < 0)
				usage_error("-l %s: not a size (e.g. 4096, 64K, 16M, 1G)",
					    optarg);
			if (u < 4096 || (u & (u - 1)) ||
			    u > ((uint64_t)1 << 46))
				usage_error("-l %s: the size must be a power of two between 4K and 64T",
					    optarg);
			srv.size = u;
			break;
		case 'n':
			if (util_parse_long(optarg, 1, IVSHMEM_VECTORS_MAX,
					    &l) < 0)
				usage_error("-n %s: vectors must be a number from 1 to %d",
					    optarg, IVSHMEM_VECTORS_MAX);
			srv.nvectors = (int)l;
			break;
		case 'Q':
			if (util_parse_long(optarg, 1, 1 << 24, &l) < 0)
				usage_error("-Q %s: the queue must be a number from 1 to %d",
					    optarg, 1 << 24);
			srv.queue = (size_t)l;
			break;
		case 'F':
			srv.foreground = true;
			break;
		case 'p':
			if (!*optarg)
				usage_error("-p: empty pidfile name");
			srv.pidfile = optarg;
			break;
		case 'v':
			srv.verbose = true;
			break;
		case 'h':
			usage();
			return 0;
		case ':':
			usage_error("option -%c needs an argument", optopt);
		default:
			usage_error("unknown option -%c", optopt);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (srv.shm_name && srv.shm_dir)
		usage_error("-M and -m exclude each other");
	if (!srv.shm_name && !srv.shm_dir)
		srv.shm_name = DEFAULT_SHM_NAME;

	/* every peer costs N eventfds and a socket: take what we may */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	r = open_socket();
	if (!r)
		r = open_shm();
	if (r < 0) {
		cleanup();
		return r == -2 ? 2 : 1;
	}
	if (!srv.foreground) {
		if (daemonize() < 0) {
			logmsg(LOG_ERR, "cannot detach: %s", strerror(errno));
			cleanup();
			return 1;
		}
	} else if (srv.pidfile && write_pidfile() < 0) {
		cleanup();
		return 1;
	}
	{
		char sz[32];

		logmsg(LOG_DEBUG,
		       "listening on %s: %s of shared memory (%s%s), %d vector%s per peer",
		       srv.sock_path, util_size_str(srv.size, sz, sizeof(sz)),
		       srv.shm_dir ? "file in " : "shm ",
		       srv.shm_dir ? srv.shm_dir : srv.shm_name, srv.nvectors,
		       srv.nvectors == 1 ? "" : "s");
	}
	r = run();
	cleanup();
	return r;
}

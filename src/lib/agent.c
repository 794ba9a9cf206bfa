/*
 * agent.c -- the unlock agent (see dealbook/agent.h).
 *
 * Protocol, one request per connection, all ASCII lines but the key:
 *   "dbk-agent-1 KEY <32 hex store id>\n"  -> "K" || 32-byte key, or "E"
 *   "dbk-agent-1 LOCK\n"                   -> "L", then the agent ends
 *   "dbk-agent-1 STATUS\n"                 -> "S <seconds left>\n"
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define PROTO "dbk-agent-1 "
#define REQ_MAX 128
#define IO_TIMEOUT_MS 2000

struct dbk_agent {
	int fd;
	char *sock;
	uint8_t *blob; /* sodium_malloc: store id (16) || key (32) */
};

int
dbk_parse_duration(const char *s, int64_t *secs)
{
	int64_t v, mul = 1;
	size_t n = s ? strlen(s) : 0;
	char num[24];

	if (n == 0 || n >= sizeof num)
		return DBK_EINVAL;
	memcpy(num, s, n + 1);
	switch (num[n - 1]) {
	case 's': mul = 1; num[n - 1] = '\0'; break;
	case 'm': mul = 60; num[n - 1] = '\0'; break;
	case 'h': mul = 3600; num[n - 1] = '\0'; break;
	case 'd': mul = 86400; num[n - 1] = '\0'; break;
	default: break;
	}
	if (dbk_parse_int(num, 1, INT64_C(30) * 86400, &v) != 0 ||
	    v * mul > INT64_C(30) * 86400)
		return DBK_EINVAL;
	*secs = v * mul;
	return 0;
}

/* A private directory for sockets: $XDG_RUNTIME_DIR/dealbook, else
 * /tmp/dealbook-<uid>; must be ours and 0700. */
static char *
socket_dir(struct dbk_error *err)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char *dir = NULL;
	struct stat st;

	if (xdg != NULL && xdg[0] == '/') {
		if (asprintf(&dir, "%s/dealbook", xdg) < 0)
			dir = NULL;
	} else if (asprintf(&dir, "/tmp/dealbook-%lu",
	    (unsigned long)geteuid()) < 0) {
		dir = NULL;
	}
	if (dir == NULL) {
		dbki_error_set(err, DBK_ENOMEM, "out of memory");
		return NULL;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		dbki_error_errno(err, DBK_EIO, "creating", dir);
		free(dir);
		return NULL;
	}
	/* Someone else's directory, or one others can enter, is refused:
	 * in /tmp it could have been planted. */
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		dbki_error_set(err, DBK_EIO, "the agent directory '%s' is not a "
		    "private directory of this user", dir);
		free(dir);
		return NULL;
	}
	return dir;
}

char *
dbk_agent_socket_path(const char *store_path, struct dbk_error *err)
{
	char *real = realpath(store_path, NULL), *dir, *out = NULL;
	uint8_t h[8];
	char hex[17];

	if (real == NULL) {
		dbki_error_errno(err, DBK_ENOTFOUND, "resolving", store_path);
		return NULL;
	}
	if ((dir = socket_dir(err)) == NULL) {
		free(real);
		return NULL;
	}
	/* One agent per store, named by a hash of its real path. */
	crypto_generichash(h, sizeof h, (const uint8_t *)real, strlen(real),
	    NULL, 0);
	dbki_hex(hex, h, sizeof h);
	if (asprintf(&out, "%s/agent-%s.sock", dir, hex) < 0)
		out = NULL;
	free(dir);
	free(real);
	if (out == NULL)
		dbki_error_set(err, DBK_ENOMEM, "out of memory");
	return out;
}

static int
sock_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sa->sun_path)
		return -1;
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return 0;
}

/* Connect to the agent; -1 when nobody answers. */
static int
agent_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	if (sock_addr(&sa, path) != 0)
		return -1;
	/* Non-blocking: a stopped agent with a full backlog must not hang
	 * the command, which then falls back to the passphrase. */
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n > 0) {
		ssize_t w = send(fd, b, n, MSG_NOSIGNAL);
		if (w < 0 && (errno == EINTR || errno == EAGAIN)) {
			struct pollfd pf = { fd, POLLOUT, 0 };
			if (errno == EAGAIN && poll(&pf, 1, IO_TIMEOUT_MS) <= 0)
				return -1;
			continue;
		}
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read up to n bytes (until EOF or n), with a timeout. */
static ssize_t
read_some(int fd, void *p, size_t n)
{
	uint8_t *b = p;
	size_t got = 0;
	struct timespec t0, t1;

	/* One deadline for the whole answer, however it trickles in. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (got < n) {
		struct pollfd pf = { fd, POLLIN, 0 };
		ssize_t r;
		int64_t spent;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		spent = (int64_t)(t1.tv_sec - t0.tv_sec) * 1000 +
		    (t1.tv_nsec - t0.tv_nsec) / 1000000;
		if (spent >= IO_TIMEOUT_MS ||
		    poll(&pf, 1, (int)(IO_TIMEOUT_MS - spent)) <= 0)
			break;
		r = read(fd, b + got, n - got);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		if (memchr(b, '\n', got) != NULL && b[0] != 'K')
			break;
	}
	return (ssize_t)got;
}

/* One request and its answer; the answer is written into ans. */
static ssize_t
agent_request(const char *sock, const char *req, uint8_t *ans, size_t cap)
{
	int fd = agent_connect(sock);
	ssize_t n;

	if (fd < 0)
		return -1;
	if (write_all(fd, req, strlen(req)) != 0) {
		close(fd);
		return -1;
	}
	n = read_some(fd, ans, cap);
	close(fd);
	return n;
}

int
dbki_agent_fetch(const char *sock, const uint8_t id[16], uint8_t dek[32],
    struct dbk_error *err)
{
	char req[80], hex[33];
	uint8_t *ans = sodium_malloc(33);
	ssize_t n;

	if (ans == NULL)
		return dbki_error_set(err, DBK_ENOMEM, "out of secure memory");
	dbki_hex(hex, id, 16);
	snprintf(req, sizeof req, PROTO "KEY %s\n", hex);
	n = agent_request(sock, req, ans, 33);
	if (n != 33 || ans[0] != 'K') {
		sodium_free(ans);
		return dbki_error_set(err, DBK_ENOTFOUND,
		    "no unlock agent serves this store");
	}
	memcpy(dek, ans + 1, 32);
	sodium_free(ans);
	return 0;
}

int
dbk_store_open_agent(const char *path, struct dbk_store **out,
    struct dbk_error *err)
{
	char *sock;
	struct stat st;
	int rc;

	*out = NULL;
	if (!dbk_store_exists(path))
		return dbki_error_set(err, DBK_ENOTFOUND, "no store at '%s'", path);
	if ((sock = dbk_agent_socket_path(path, err)) == NULL)
		return DBK_ENOTFOUND;
	if (stat(sock, &st) != 0) {
		free(sock);
		return dbki_error_set(err, DBK_ENOTFOUND, "no unlock agent");
	}
	rc = dbki_store_open(path, NULL, 0, sock, out, err);
	free(sock);
	return rc;
}

int
dbk_agent_lock(const char *store_path, struct dbk_error *err)
{
	char *sock = dbk_agent_socket_path(store_path, err);
	uint8_t ans[4];
	ssize_t n;

	if (sock == NULL)
		return DBK_ENOTFOUND;
	n = agent_request(sock, PROTO "LOCK\n", ans, 1);
	if (n != 1 || ans[0] != 'L') {
		struct stat st;
		int fd;
		/* No socket, or nobody listening on it: nothing to lock.  A
		 * socket that accepts but does not answer is an agent we could
		 * not stop: say so. */
		if (stat(sock, &st) != 0 || (fd = agent_connect(sock)) < 0) {
			free(sock);
			return dbki_error_set(err, DBK_ENOTFOUND,
			    "no unlock agent runs for this store");
		}
		close(fd);
		dbki_error_set(err, DBK_EIO, "the unlock agent at '%s' does not "
		    "answer: end it with 'kill' (it holds the key until then)",
		    sock);
		free(sock);
		return DBK_EIO;
	}
	/* The agent answers, then wipes its key and exits: wait (up to two
	 * seconds) until nothing listens, so an unlock right after this
	 * does not find the old agent still there. */
	for (int i = 0; i < 200; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		int fd = agent_connect(sock);
		if (fd < 0)
			break;
		close(fd);
		nanosleep(&ts, NULL);
	}
	free(sock);
	return 0;
}

int
dbk_agent_status(const char *store_path, int64_t *left, struct dbk_error *err)
{
	char *sock = dbk_agent_socket_path(store_path, err);
	char ans[40];
	ssize_t n;
	int64_t v;

	if (sock == NULL)
		return DBK_ENOTFOUND;
	n = agent_request(sock, PROTO "STATUS\n", (uint8_t *)ans, sizeof ans - 1);
	free(sock);
	if (n < 3 || ans[0] != 'S' || ans[1] != ' ')
		return dbki_error_set(err, DBK_ENOTFOUND,
		    "no unlock agent runs for this store");
	ans[n] = '\0';
	ans[strcspn(ans, "\n")] = '\0';
	if (dbk_parse_int(ans + 2, 0, INT64_MAX, &v) != 0)
		return dbki_error_set(err, DBK_ENOTFOUND, "the agent's answer is malformed");
	*left = v;
	return 0;
}

int
dbk_agent_new(struct dbk_store *s, const char *sock, struct dbk_agent **out,
    struct dbk_error *err)
{
	struct dbk_agent *a = calloc(1, sizeof *a);
	struct sockaddr_un sa;
	mode_t old;
	int fd;

	*out = NULL;
	if (a == NULL)
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	a->fd = -1;
	if (sock_addr(&sa, sock) != 0) {
		free(a);
		return dbki_error_set(err, DBK_EINVAL, "the socket path '%s' is too "
		    "long", sock);
	}
	if ((fd = agent_connect(sock)) >= 0) {
		close(fd);
		free(a);
		return dbki_error_set(err, DBK_EBUSY, "an unlock agent already runs "
		    "for this store ('dealbook lock' ends it)");
	}
	(void)unlink(sock); /* a stale socket of an agent that died */
	if ((a->sock = strdup(sock)) == NULL ||
	    (a->blob = sodium_malloc(48)) == NULL) {
		dbk_agent_free(a, 0);
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	}
	dbki_store_key_blob(s, a->blob);
	if ((a->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		dbk_agent_free(a, 0);
		return dbki_error_errno(err, DBK_EIO, "creating socket", sock);
	}
	old = umask(077); /* the socket is born 0600 */
	if (bind(a->fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		umask(old);
		dbk_agent_free(a, 0);
		return dbki_error_errno(err, DBK_EIO, "binding", sock);
	}
	umask(old);
	if (chmod(sock, 0600) != 0 || listen(a->fd, 16) != 0) {
		dbk_agent_free(a, 1);
		return dbki_error_errno(err, DBK_EIO, "listening on", sock);
	}
	*out = a;
	return 0;
}

int
dbk_agent_fd(const struct dbk_agent *a)
{
	return a->fd;
}

void
dbk_agent_free(struct dbk_agent *a, int remove_socket)
{
	if (a == NULL)
		return;
	if (a->fd >= 0)
		close(a->fd);
	if (remove_socket && a->sock != NULL)
		(void)unlink(a->sock);
	sodium_free(a->blob); /* wipes */
	free(a->sock);
	free(a);
}

static int64_t
mono_now(void)
{
	struct timespec ts;

	/* BOOTTIME keeps counting while the laptop sleeps: a lid closed
	 * overnight does not extend the agent's life. */
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (int64_t)ts.tv_sec;
}

/* Serve one connection; returns 1 when asked to lock. */
static int
serve_one(struct dbk_agent *a, int cfd, int64_t left)
{
	struct ucred cred;
	socklen_t cl = sizeof cred;
	char req[REQ_MAX + 1];
	ssize_t n;

	/* Same user only, whatever the file modes say. */
	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) != 0 ||
	    cred.uid != geteuid())
		return 0;
	n = read_some(cfd, req, REQ_MAX);
	if (n <= 0)
		return 0;
	req[n] = '\0';
	if (strcmp(req, PROTO "LOCK\n") == 0) {
		(void)write_all(cfd, "L", 1);
		return 1;
	}
	if (strcmp(req, PROTO "STATUS\n") == 0) {
		char ans[32];
		snprintf(ans, sizeof ans, "S %" PRId64 "\n", left);
		(void)write_all(cfd, ans, strlen(ans));
		return 0;
	}
	if (n == (ssize_t)strlen(PROTO "KEY ") + 33 &&
	    strncmp(req, PROTO "KEY ", strlen(PROTO "KEY ")) == 0) {
		uint8_t id[16];
		char hex[33];
		memcpy(hex, req + strlen(PROTO "KEY "), 32);
		hex[32] = '\0';
		if (dbki_unhex(id, 16, hex) == 0 &&
		    sodium_memcmp(id, a->blob, 16) == 0) {
			uint8_t *ans = sodium_malloc(33);
			if (ans != NULL) {
				ans[0] = 'K';
				memcpy(ans + 1, a->blob + 16, 32);
				(void)write_all(cfd, ans, 33);
				sodium_free(ans);
			}
			return 0;
		}
	}
	(void)write_all(cfd, "E", 1);
	return 0;
}

int
dbk_agent_serve(struct dbk_agent *a, int64_t lifetime, int64_t idle)
{
	int64_t start = mono_now(), last = start;

	/* Locks are not inherited across fork: lock the key again, and keep
	 * other processes of this user (ptrace, /proc/PID/mem) out. */
	(void)sodium_mlock(a->blob, 48);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	for (;;) {
		int64_t now = mono_now(), wait;
		struct pollfd pf = { a->fd, POLLIN, 0 };
		int cfd, r;

		wait = start + lifetime - now;
		if (idle > 0 && last + idle - now < wait)
			wait = last + idle - now;
		if (wait <= 0)
			break;
		r = poll(&pf, 1, wait > 3600 ? 3600 * 1000 : (int)wait * 1000);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		if ((cfd = accept4(a->fd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		last = mono_now();
		r = serve_one(a, cfd, start + lifetime - last);
		close(cfd);
		if (r == 1)
			break;
	}
	dbk_agent_free(a, 1);
	return 0;
}

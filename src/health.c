// SPDX-License-Identifier: MIT
/*
 * health.c: the --health-addr server thread. Plain sockets and poll: a bounded number of
 * clients, each with a fixed request buffer and one deadline for its whole exchange, so that
 * a slow scraper or a hostile local process costs this thread a few file descriptors and
 * never the main loop anything: it only publishes a snapshot under the mutex once a second.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "health.h"
#include "health_http.h"
#include "log.h"
#include "tt_parse.h"

enum client_state { CL_FREE, CL_READ, CL_WRITE, CL_LINGER };

struct health_client {
	int fd;
	enum client_state st;
	uint64_t since_ns, deadline_ns; /* accepted; closed at the deadline whatever its state */
	size_t in_len, line;		/* bytes read; where the current line starts */
	bool head_done;
	char in[TT_HEALTH_MAX_REQ];
	struct tt_buf out;
	size_t out_off;
};

struct health {
	int lfd, wake;
	int port;
	pthread_t thread;
	bool started;
	uint64_t accept_after_ns; /* accept failed (out of fds): the listener rests until then */
	void (*thread_init)(void);
	pthread_mutex_t mu;
	struct health_state st; /* under mu */
	struct health_client cl[TT_HEALTH_MAX_CLIENTS];
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void client_close(struct health_client *c)
{
	if (c->st == CL_FREE)
		return;
	close(c->fd);
	tt_buf_free(&c->out);
	c->st = CL_FREE;
	c->fd = -1;
}

/* The response, from a copy of the state taken under the mutex. */
static void client_respond(struct health *h, struct health_client *c, int ret,
			   const struct health_req *r)
{
	struct health_state s;

	pthread_mutex_lock(&h->mu);
	s = h->st;
	pthread_mutex_unlock(&h->mu);
	if (health_respond(&c->out, ret, r, &s, mono_ns())) {
		client_close(c);
		return;
	}
	c->out_off = 0;
	c->st = CL_WRITE;
}

/* New bytes in[from..in_len): the head ends at an empty line (CRLF or LF), found in one pass. */
static void client_scan(struct health_client *c, size_t from)
{
	size_t i;

	for (i = from; i < c->in_len && !c->head_done; i++) {
		if (c->in[i] != '\n')
			continue;
		if (i == c->line || (i == c->line + 1 && c->in[c->line] == '\r'))
			c->head_done = true;
		c->line = i + 1;
	}
}

static void client_read(struct health *h, struct health_client *c)
{
	struct health_req r;
	ssize_t n;
	char sink[512];

	if (c->st == CL_LINGER) { /* what the client still sends, until it closes */
		n = recv(c->fd, sink, sizeof(sink), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			client_close(c);
		return;
	}
	n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) { /* closed before its head ended: nobody to answer */
		client_close(c);
		return;
	}
	c->in_len += (size_t)n;
	client_scan(c, c->in_len - (size_t)n);
	if (!c->head_done && c->in_len < sizeof(c->in))
		return;
	client_respond(h, c, health_parse_request(c->in, c->in_len, &r), &r);
}

static void client_write(struct health_client *c)
{
	ssize_t n = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off,
			 MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		client_close(c);
		return;
	}
	c->out_off += (size_t)n;
	if (c->out_off < c->out.len)
		return;
	/* closing with unread bytes would reset the connection and lose the response */
	shutdown(c->fd, SHUT_WR);
	c->st = CL_LINGER;
}

/* A free slot, or the oldest client's, closed for the new one. */
static struct health_client *client_slot(struct health *h)
{
	struct health_client *old = &h->cl[0];
	int i;

	for (i = 0; i < TT_HEALTH_MAX_CLIENTS; i++) {
		if (h->cl[i].st == CL_FREE)
			return &h->cl[i];
		if (h->cl[i].since_ns < old->since_ns)
			old = &h->cl[i];
	}
	client_close(old);
	return old;
}

static void accept_clients(struct health *h)
{
	struct health_client *c;
	int fd, i;

	for (i = 0; i < TT_HEALTH_MAX_CLIENTS; i++) {
		fd = accept4(h->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		/* out of fds, the pending connection stays readable: rest, do not spin on it */
		if (fd < 0 && errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			h->accept_after_ns = mono_ns() + 100000000ull;
		if (fd < 0)
			return;
		c = client_slot(h);
		c->fd = fd;
		c->st = CL_READ;
		c->since_ns = mono_ns();
		c->deadline_ns = c->since_ns + TT_HEALTH_TIMEOUT_MS * 1000000ull;
		c->in_len = c->line = 0;
		c->head_done = false;
		tt_buf_init(&c->out, TT_HEALTH_MAX_RESP);
	}
}

/*
 * Closes the clients past their deadline; the poll timeout (ms) until the next one, or the end
 * of the listener's rest.
 */
static int expire_clients(struct health *h)
{
	uint64_t now = mono_ns(), next = now + 1000000000ull;
	int i;

	if (h->accept_after_ns > now)
		next = h->accept_after_ns;
	for (i = 0; i < TT_HEALTH_MAX_CLIENTS; i++) {
		struct health_client *c = &h->cl[i];

		if (c->st == CL_FREE)
			continue;
		if (now >= c->deadline_ns)
			client_close(c);
		else if (c->deadline_ns < next)
			next = c->deadline_ns;
	}
	return (int)((next - now) / 1000000ull) + 1;
}

static void *health_main(void *arg)
{
	struct pollfd pf[2 + TT_HEALTH_MAX_CLIENTS];
	struct health *h = arg;
	int i, n, timeout, idx[TT_HEALTH_MAX_CLIENTS];

	pthread_setname_np(pthread_self(), "tt-health"); /* ps -L, /proc/PID/task */
	if (h->thread_init)
		h->thread_init();
	for (;;) {
		timeout = expire_clients(h);
		pf[0] = (struct pollfd){ .fd = h->wake, .events = POLLIN };
		pf[1] = (struct pollfd){ .fd = mono_ns() >= h->accept_after_ns ? h->lfd : -1,
					 .events = POLLIN };
		for (i = 0, n = 2; i < TT_HEALTH_MAX_CLIENTS; i++) {
			if (h->cl[i].st == CL_FREE)
				continue;
			idx[n - 2] = i;
			pf[n++] = (struct pollfd){
				.fd = h->cl[i].fd,
				.events = h->cl[i].st == CL_WRITE ? POLLOUT : POLLIN,
			};
		}
		if (poll(pf, (nfds_t)n, timeout) < 0 && errno != EINTR)
			break;
		if (pf[0].revents)
			break;
		for (i = 2; i < n; i++) {
			struct health_client *c = &h->cl[idx[i - 2]];

			if (!pf[i].revents)
				continue;
			if (c->st == CL_WRITE)
				client_write(c);
			else
				client_read(h, c);
		}
		if (pf[1].revents & POLLIN)
			accept_clients(h);
	}
	return NULL;
}

/* "HOST:PORT", "[V6]:PORT" or ":PORT" into host (empty: any) and port. */
static int split_addr(const char *addr, char *host, size_t hlen, char *port, size_t plen)
{
	const char *colon = strrchr(addr, ':'), *h = addr;
	size_t n;

	if (!colon || !colon[1] || strlen(colon + 1) >= plen)
		return -EINVAL;
	n = (size_t)(colon - addr);
	if (n && addr[0] == '[') {
		if (addr[n - 1] != ']')
			return -EINVAL;
		h++, n -= 2;
	}
	if (n >= hlen)
		return -EINVAL;
	memcpy(host, h, n);
	host[n] = '\0';
	strcpy(port, colon + 1);
	return 0;
}

/*
 * A listening socket on the first address of host:port that takes one: fd or -errno (*why:
 * the resolver's words when it is the one that failed).
 */
static int listen_on(const char *host, const char *port, int *out_port, const char **why)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICSERV,
	};
	struct addrinfo *res, *ai;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = -1, err, one = 1;

	err = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (err) {
		*why = err == EAI_SYSTEM ? NULL : gai_strerror(err);
		return err == EAI_SYSTEM ? -errno : -EADDRNOTAVAIL;
	}
	err = -EADDRNOTAVAIL;
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			err = -errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 64)) {
			err = -errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0)
		return err;
	if (!getsockname(fd, (struct sockaddr *)&ss, &sl))
		*out_port = ntohs(ss.ss_family == AF_INET6 ?
					  ((struct sockaddr_in6 *)&ss)->sin6_port :
					  ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

static int health_start(struct health *h)
{
	sigset_t all, old;
	int err;

	/* signals are the main loop's: this thread never takes one */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = -pthread_create(&h->thread, NULL, health_main, h);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	h->started = !err;
	return err;
}

struct health *health__new(const char *addr, void (*thread_init)(void), char *err, size_t errlen)
{
	char host[256], port[16];
	const char *why = NULL;
	struct health *h;
	int i, ret;

	if (split_addr(addr, host, sizeof(host), port, sizeof(port))) {
		snprintf(err, errlen, "invalid --health-addr '%s' (HOST:PORT)", addr);
		errno = EINVAL;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "health: out of memory");
		return NULL;
	}
	pthread_mutex_init(&h->mu, NULL);
	h->thread_init = thread_init;
	h->wake = -1;
	for (i = 0; i < TT_HEALTH_MAX_CLIENTS; i++)
		h->cl[i].fd = -1;
	h->lfd = listen_on(host, port, &h->port, &why);
	ret = h->lfd < 0 ? h->lfd : 0;
	if (!ret) {
		h->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ret = h->wake < 0 ? -errno : health_start(h);
	}
	if (ret) {
		snprintf(err, errlen, "cannot listen on %s: %s", addr, why ? why : strerror(-ret));
		health__free(h);
		errno = -ret;
		return NULL;
	}
	tt_info("health: listening on %s (port %d): /healthz, /metrics", addr, h->port);
	return h;
}

int health__port(const struct health *h)
{
	return h->port;
}

void health__publish(struct health *h, const struct tt_metrics *m, uint64_t now_ns)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->mu);
	health_state_update(&h->st, m, now_ns);
	pthread_mutex_unlock(&h->mu);
}

void health__free(struct health *h)
{
	uint64_t one = 1;
	int i;

	if (!h)
		return;
	if (h->started) {
		if (write(h->wake, &one, sizeof(one)) != sizeof(one))
			pthread_cancel(h->thread);
		pthread_join(h->thread, NULL);
	}
	for (i = 0; i < TT_HEALTH_MAX_CLIENTS; i++)
		client_close(&h->cl[i]);
	if (h->lfd >= 0)
		close(h->lfd);
	if (h->wake >= 0)
		close(h->wake);
	pthread_mutex_destroy(&h->mu);
	free(h);
}

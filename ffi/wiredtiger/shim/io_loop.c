/*
 * io_loop.c — frame I/O for the wire server on a C thread (issue 18; src/server/shim_transport.ts,
 * `[server] io = "shim"`).
 *
 * One I/O thread per loop owns the listening TCP socket and every accepted socket (epoll,
 * edge-triggered, non-blocking). It reads bytes, assembles whole wire messages (int32 little-endian
 * length prefix; a length outside [16, max_message] is refused: the connection is closed and JS is told
 * the length, so it logs the same FrameError text as src/server/frame_reader.ts and closes it), and queues events
 * for JS: ACCEPT (peer and local address), FRAME (the message bytes), CLOSED (peer left / socket error /
 * closed on request), BAD_LENGTH (the refused length).
 *
 * JS waits for events on a doorbell: a Unix stream socket it connected to at open (a Deno resource, so
 * the wait is an ordinary reactor read on the JS thread's event loop, no thread-pool hop per wake-up;
 * a nonblocking FFI wait measured ~10 µs of JS CPU per wake-up in bench/doorbell_bench.ts, but at one
 * connection Deno's pool spawned threads under it). `sct_io_arm` says "ring me": the I/O thread
 * writes one byte when it queues the next event (or arm rings at once when events are already
 * queued, so every batch costs JS one event-loop turn and timers are never starved). JS then takes
 * everything queued with one synchronous call
 * (`sct_io_take`) and hands each reply back with one synchronous call (`sct_io_send`) that queues a
 * copy for the I/O thread and wakes it (one eventfd write per batch), which does the send()s (partial
 * writes and EAGAIN wait for EPOLLOUT edges).
 *
 * One request at a time per connection (as mongod, and src/server/connection.ts): after a FRAME the
 * connection delivers nothing more until JS says it is done with that request (`SCT_IO_DONE` on a send,
 * or a send of zero bytes with that flag); bytes the client pipelines meanwhile stay in the socket.
 *
 * Large messages (more than the 4 KiB read buffer) grow their own buffer ×4 from 64 KiB as bytes arrive
 * and reserve their length from a loop-wide byte budget first; past the budget the connection stops
 * reading until a reservation is returned (when JS is done with that request).
 *
 * Memory safety: connections are owned by the I/O thread alone; JS names them by a 32-bit id (slot and
 * generation), so a command for a connection that is gone is dropped, never applied to a reused slot.
 * `sct_io_stop` joins the thread and closes every socket; `sct_io_free` (after JS's last wait returned)
 * frees the loop.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define EV_ACCEPT 1
#define EV_FRAME 2
#define EV_CLOSED 3
#define EV_BAD_LENGTH 4

#define SCT_IO_DONE 1  /* JS is done with the connection's current request: deliver the next */
#define SCT_IO_CLOSE 2 /* close the connection after sending what the socket takes now */
#define SCT_IO_CLOSE_NOW 4 /* close at once, dropping unsent bytes */

#define EV_HEADER 12 /* u32 type, u32 id, u32 payload length */
#define SMALL_BUF 4096
#define LARGE_FIRST_CHUNK (64 * 1024)
#define ID_SLOT_BITS 20
#define ID_SLOT_MASK ((1u << ID_SLOT_BITS) - 1)
#define MAX_SLOTS (1u << ID_SLOT_BITS)
/* Bytes one connection may read per turn of the loop before the others get theirs (fairness: a fast
 * sender of a 48 MB message must not hold every other connection's small request back). */
#define READ_TURN_BYTES (256 * 1024)

struct ev {
    struct ev *next;
    uint32_t type, id, len;
    uint8_t *big; /* payload when it is a large frame's own buffer (else inline) */
    uint8_t data[];
};

struct out {
    struct out *next;
    uint32_t id, flags, len, off;
    uint8_t data[];
};

struct conn {
    int fd;
    uint32_t id;
    int readable;       /* no EAGAIN since the last read */
    int inflight;       /* a frame delivered, JS not done with it */
    int close_after;    /* close once the out-queue is empty */
    int waiting_budget; /* on the budget wait list */
    struct conn *budget_next;
    uint8_t buf[SMALL_BUF];
    uint32_t start, end;
    uint8_t *big; /* a large message being assembled */
    uint32_t big_len, big_have, big_cap;
    uint32_t reserved; /* budget bytes held (large message being read or handed to JS) */
    int in_ready;      /* on the ready list: hit READ_TURN_BYTES with bytes still waiting */
    _Atomic int64_t reserved_at_ms; /* CLOCK_MONOTONIC ms a large message got its reservation; 0 none */
    _Atomic uint32_t big_have_pub;  /* its bytes received so far (for JS's slow-sender check) */
    struct out *oq_head, *oq_tail;
    _Atomic int state; /* for JS's deadline sweep: bit 0 mid-message, bit 1 waiting for the budget */
};

struct sct_io {
    int listen_fd, ep, wake_fd;
    uint32_t max_message;
    int64_t budget_left;
    pthread_t thread;
    int thread_started;
    _Atomic int stop;
    _Atomic int wake_pending;
    /* slots: conns[slot]; generation per slot. Lookups from JS (sct_io_state) hold tbl_mu. */
    pthread_mutex_t tbl_mu;
    struct conn **conns;
    uint16_t *gens;
    uint32_t nslots, cap_slots;
    uint32_t *free_slots;
    uint32_t nfree;
    struct conn *budget_head, *budget_tail;
    _Atomic int budget_waiters;
    uint32_t *ready; /* ids of connections to read again next turn */
    uint32_t n_ready, cap_ready;
    int bell_listen_fd, bell_fd; /* the doorbell: JS's Unix socket connection */
    char bell_path[108];
    /* events for JS */
    pthread_mutex_t in_mu;
    struct ev *in_head, *in_tail;
    _Atomic int in_count;
    int stopped;  /* the thread is gone (under in_mu) */
    int sleeping; /* JS armed the doorbell (under in_mu) */
    /* commands from JS */
    pthread_mutex_t cmd_mu;
    struct out *cmd_head, *cmd_tail;
};

static void close_conn(struct sct_io *io, struct conn *c, const char *reason, int tell);

static void ring(struct sct_io *io)
{
    char b = 1;
    (void)!send(io->bell_fd, &b, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void push_event(struct sct_io *io, struct ev *e)
{
    e->next = NULL;
    pthread_mutex_lock(&io->in_mu);
    if (io->in_tail)
        io->in_tail->next = e;
    else
        io->in_head = e;
    io->in_tail = e;
    atomic_fetch_add(&io->in_count, 1);
    int wake = io->sleeping;
    io->sleeping = 0;
    pthread_mutex_unlock(&io->in_mu);
    if (wake)
        ring(io);
}

static void emit(struct sct_io *io, uint32_t type, uint32_t id, const void *data, uint32_t len)
{
    struct ev *e = malloc(sizeof *e + len);
    if (!e)
        return;
    e->type = type;
    e->id = id;
    e->len = len;
    e->big = NULL;
    if (len)
        memcpy(e->data, data, len);
    push_event(io, e);
}

static void fmt_addr(const struct sockaddr_storage *sa, char *out, size_t n)
{
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (sa->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
        port = ntohs(a->sin_port);
        snprintf(out, n, "%s:%d", host, port);
    } else if (sa->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        port = ntohs(a->sin6_port);
        snprintf(out, n, "[%s]:%d", host, port);
    } else {
        snprintf(out, n, "unknown");
    }
}

static struct conn *lookup(struct sct_io *io, uint32_t id)
{
    uint32_t slot = id & ID_SLOT_MASK;
    if (slot >= io->nslots)
        return NULL;
    struct conn *c = io->conns[slot];
    return c && c->id == id ? c : NULL;
}

static void set_state(struct conn *c)
{
    int s = (c->end > c->start || c->big_have > 0) ? 1 : 0;
    if (c->waiting_budget)
        s |= 2;
    atomic_store(&c->state, s);
}

static void release_budget(struct sct_io *io, struct conn *c)
{
    io->budget_left += c->reserved;
    c->reserved = 0;
}

static void budget_unwait(struct sct_io *io, struct conn *c)
{
    if (!c->waiting_budget)
        return;
    struct conn **p = &io->budget_head, *prev = NULL;
    while (*p && *p != c) {
        prev = *p;
        p = &(*p)->budget_next;
    }
    if (*p) {
        *p = c->budget_next;
        if (io->budget_tail == c)
            io->budget_tail = prev;
    }
    c->budget_next = NULL;
    c->waiting_budget = 0;
    atomic_fetch_sub(&io->budget_waiters, 1);
}

/* Hand a whole frame to JS: from the small buffer (copied) or the large buffer (moved). */
static void deliver_small(struct sct_io *io, struct conn *c, uint32_t len)
{
    emit(io, EV_FRAME, c->id, c->buf + c->start, len);
    c->start += len;
    if (c->start == c->end)
        c->start = c->end = 0;
    c->inflight = 1;
}

static void deliver_big(struct sct_io *io, struct conn *c)
{
    struct ev *e = malloc(sizeof *e);
    if (!e) {
        close_conn(io, c, "out of memory", 1);
        return;
    }
    e->type = EV_FRAME;
    e->id = c->id;
    e->len = c->big_len;
    e->big = c->big;
    c->big = NULL;
    c->big_len = c->big_have = c->big_cap = 0;
    c->inflight = 1;
    atomic_store(&c->reserved_at_ms, 0);
    atomic_store(&c->big_have_pub, 0);
    push_event(io, e);
}

static int try_read(struct sct_io *io, struct conn *c);

/* Start a large message of `len` bytes whose first bytes are in the small buffer. 0: go on reading. */
static int start_big(struct sct_io *io, struct conn *c, uint32_t len)
{
    if (io->budget_left < (int64_t)len) {
        if (!c->waiting_budget) {
            c->waiting_budget = 1;
            atomic_fetch_add(&io->budget_waiters, 1);
            c->budget_next = NULL;
            if (io->budget_tail)
                io->budget_tail->budget_next = c;
            else
                io->budget_head = c;
            io->budget_tail = c;
        }
        return -1;
    }
    io->budget_left -= len;
    c->reserved = len;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    atomic_store(&c->reserved_at_ms, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + 1);
    uint32_t have = c->end - c->start;
    uint32_t cap = have > LARGE_FIRST_CHUNK ? have : LARGE_FIRST_CHUNK;
    if (cap > len)
        cap = len;
    c->big = malloc(cap);
    if (!c->big) {
        close_conn(io, c, "out of memory", 1);
        return -2;
    }
    memcpy(c->big, c->buf + c->start, have);
    c->big_len = len;
    c->big_have = have;
    c->big_cap = cap;
    c->start = c->end = 0;
    return 0;
}

/* Read and deliver while the connection may take a frame. Returns -1 when the connection closed. */
static void mark_ready(struct sct_io *io, struct conn *c)
{
    if (c->in_ready)
        return;
    if (io->n_ready == io->cap_ready) {
        uint32_t ncap = io->cap_ready ? io->cap_ready * 2 : 64;
        uint32_t *nr = realloc(io->ready, ncap * sizeof *nr);
        if (!nr)
            return; /* its next epoll edge, or the peer's next bytes, resume it */
        io->ready = nr;
        io->cap_ready = ncap;
    }
    io->ready[io->n_ready++] = c->id;
    c->in_ready = 1;
}

static int try_read(struct sct_io *io, struct conn *c)
{
    uint32_t turn = 0;
    while (!c->inflight && !c->close_after) {
        if (turn >= READ_TURN_BYTES && c->readable) {
            mark_ready(io, c); /* the others first; read on next turn */
            break;
        }
        if (c->big) {
            if (c->big_have == c->big_len) {
                deliver_big(io, c);
                break;
            }
            if (c->big_have == c->big_cap) {
                uint64_t ncap = (uint64_t)c->big_cap * 4;
                if (ncap > c->big_len)
                    ncap = c->big_len;
                uint8_t *nb = realloc(c->big, ncap);
                if (!nb) {
                    close_conn(io, c, "out of memory", 1);
                    return -1;
                }
                c->big = nb;
                c->big_cap = (uint32_t)ncap;
            }
            if (!c->readable)
                break;
            ssize_t n = recv(c->fd, c->big + c->big_have, c->big_cap - c->big_have, 0);
            if (n > 0) {
                c->big_have += (uint32_t)n;
                atomic_store(&c->big_have_pub, c->big_have);
                turn += (uint32_t)n;
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                c->readable = 0;
                break;
            }
            if (n < 0 && errno == EINTR)
                continue;
            close_conn(io, c, n == 0 ? "peer closed mid-message" : strerror(errno), 1);
            return -1;
        }
        uint32_t have = c->end - c->start;
        if (have >= 4) {
            int32_t len;
            memcpy(&len, c->buf + c->start, 4);
            if (len < 16 || (uint32_t)len > io->max_message) {
                /* JS logs the refusal, then closes (so the log line precedes the peer's EOF) */
                emit(io, EV_BAD_LENGTH, c->id, &len, 4);
                c->inflight = 1;
                c->start = c->end = 0;
                break;
            }
            if ((uint32_t)len <= have) {
                deliver_small(io, c, (uint32_t)len);
                break;
            }
            if ((uint32_t)len > SMALL_BUF) {
                int r = start_big(io, c, (uint32_t)len);
                if (r == -2)
                    return -1;
                if (r < 0)
                    break; /* waits for the budget */
                continue;
            }
        }
        if (!c->readable)
            break;
        if (c->end == SMALL_BUF) { /* a small message's tail does not fit after it: compact */
            memmove(c->buf, c->buf + c->start, have);
            c->start = 0;
            c->end = have;
        }
        ssize_t n = recv(c->fd, c->buf + c->end, SMALL_BUF - c->end, 0);
        if (n > 0) {
            c->end += (uint32_t)n;
            turn += (uint32_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            c->readable = 0;
            break;
        }
        if (n < 0 && errno == EINTR)
            continue;
        close_conn(io, c, n == 0 ? (have > 0 ? "peer closed mid-message" : "peer closed") : strerror(errno),
          1);
        return -1;
    }
    set_state(c);
    return 0;
}

static void retry_budget_waiters(struct sct_io *io)
{
    if (atomic_load(&io->stop))
        return;
    while (io->budget_head) {
        struct conn *c = io->budget_head;
        uint32_t len;
        memcpy(&len, c->buf + c->start, 4);
        if (io->budget_left < (int64_t)len)
            break;
        budget_unwait(io, c);
        try_read(io, c);
    }
}

/* Send what the out-queue holds. -1 when the connection closed. */
static int flush(struct sct_io *io, struct conn *c)
{
    while (c->oq_head) {
        struct out *o = c->oq_head;
        while (o->off < o->len) {
            ssize_t n = send(c->fd, o->data + o->off, o->len - o->off, MSG_NOSIGNAL);
            if (n > 0) {
                o->off += (uint32_t)n;
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                return 0; /* EPOLLOUT edge resumes */
            close_conn(io, c, n < 0 ? strerror(errno) : "send failed", 1);
            return -1;
        }
        c->oq_head = o->next;
        if (!c->oq_head)
            c->oq_tail = NULL;
        free(o);
    }
    if (c->close_after) {
        close_conn(io, c, NULL, 0);
        return -1;
    }
    return 0;
}

static void close_conn(struct sct_io *io, struct conn *c, const char *reason, int tell)
{
    uint32_t slot = c->id & ID_SLOT_MASK;
    close(c->fd); /* also leaves the epoll set */
    budget_unwait(io, c);
    release_budget(io, c);
    free(c->big);
    for (struct out *o = c->oq_head, *n; o; o = n) {
        n = o->next;
        free(o);
    }
    pthread_mutex_lock(&io->tbl_mu);
    io->conns[slot] = NULL;
    io->gens[slot]++;
    io->free_slots[io->nfree++] = slot;
    pthread_mutex_unlock(&io->tbl_mu);
    if (tell)
        emit(io, EV_CLOSED, c->id, reason ? reason : "", reason ? (uint32_t)strlen(reason) : 0);
    free(c);
    retry_budget_waiters(io);
}

static void do_accept(struct sct_io *io)
{
    for (;;) {
        struct sockaddr_storage peer;
        socklen_t plen = sizeof peer;
        int fd = accept4(io->listen_fd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return; /* EAGAIN, or EMFILE & co.: the next edge retries */
        }
        uint32_t slot;
        pthread_mutex_lock(&io->tbl_mu);
        if (io->nfree > 0) {
            slot = io->free_slots[--io->nfree];
        } else if (io->nslots < io->cap_slots) {
            slot = io->nslots++;
        } else if (io->cap_slots < MAX_SLOTS) {
            uint32_t ncap = io->cap_slots * 2;
            struct conn **nc = realloc(io->conns, ncap * sizeof *nc);
            if (nc)
                io->conns = nc;
            uint16_t *ng = nc ? realloc(io->gens, ncap * sizeof *ng) : NULL;
            if (ng)
                io->gens = ng;
            uint32_t *nf = ng ? realloc(io->free_slots, ncap * sizeof *nf) : NULL;
            if (nf)
                io->free_slots = nf;
            if (!nf) {
                pthread_mutex_unlock(&io->tbl_mu);
                close(fd);
                continue;
            }
            memset(io->conns + io->cap_slots, 0, (ncap - io->cap_slots) * sizeof *nc);
            memset(io->gens + io->cap_slots, 0, (ncap - io->cap_slots) * sizeof *ng);
            io->cap_slots = ncap;
            slot = io->nslots++;
        } else {
            pthread_mutex_unlock(&io->tbl_mu);
            close(fd);
            continue;
        }
        struct conn *c = calloc(1, sizeof *c);
        if (!c) {
            io->free_slots[io->nfree++] = slot;
            pthread_mutex_unlock(&io->tbl_mu);
            close(fd);
            continue;
        }
        c->fd = fd;
        c->id = slot | ((uint32_t)(io->gens[slot] & 0x7ff) << ID_SLOT_BITS);
        if (c->id == 0)
            c->id = slot | (1u << ID_SLOT_BITS), io->gens[slot] = 1;
        io->conns[slot] = c;
        pthread_mutex_unlock(&io->tbl_mu);
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.u64 = c->id};
        struct sockaddr_storage local;
        socklen_t llen = sizeof local;
        char addrs[2 * (INET6_ADDRSTRLEN + 16)];
        fmt_addr(&peer, addrs, INET6_ADDRSTRLEN + 16);
        size_t n1 = strlen(addrs);
        if (getsockname(fd, (struct sockaddr *)&local, &llen) == 0)
            fmt_addr(&local, addrs + n1 + 1, INET6_ADDRSTRLEN + 16);
        else
            strcpy(addrs + n1 + 1, "unknown");
        emit(io, EV_ACCEPT, c->id, addrs, (uint32_t)(n1 + 1 + strlen(addrs + n1 + 1)));
        if (epoll_ctl(io->ep, EPOLL_CTL_ADD, fd, &ev) != 0)
            close_conn(io, c, strerror(errno), 1);
    }
}

static void run_commands(struct sct_io *io)
{
    pthread_mutex_lock(&io->cmd_mu);
    struct out *o = io->cmd_head;
    io->cmd_head = io->cmd_tail = NULL;
    pthread_mutex_unlock(&io->cmd_mu);
    while (o) {
        struct out *next = o->next;
        o->next = NULL;
        if (o->id == 0) { /* stop listening */
            if (io->listen_fd >= 0) {
                close(io->listen_fd);
                io->listen_fd = -1;
            }
            free(o);
            o = next;
            continue;
        }
        struct conn *c = lookup(io, o->id);
        if (!c) {
            free(o);
            o = next;
            continue;
        }
        uint32_t flags = o->flags;
        if (flags & SCT_IO_CLOSE_NOW) {
            free(o);
            close_conn(io, c, NULL, 0);
            o = next;
            continue;
        }
        if (o->len > 0) {
            o->off = 0;
            if (c->oq_tail)
                c->oq_tail->next = o;
            else
                c->oq_head = o;
            c->oq_tail = o;
        } else {
            free(o);
        }
        if (flags & SCT_IO_CLOSE) { /* what the socket takes now goes out; the rest is dropped */
            if (flush(io, c) == 0)
                close_conn(io, c, NULL, 0);
            o = next;
            continue;
        }
        if (flush(io, c) < 0) {
            o = next;
            continue;
        }
        if (flags & SCT_IO_DONE) {
            c->inflight = 0;
            release_budget(io, c);
            if (try_read(io, c) == 0)
                retry_budget_waiters(io);
        }
        o = next;
    }
}

static void *io_main(void *arg)
{
    struct sct_io *io = arg;
    struct epoll_event evs[128];
    while (!atomic_load(&io->stop)) {
        if (io->n_ready > 0) { /* connections that used their turn: read on (after new events) */
            uint32_t nr = io->n_ready;
            uint32_t *ids = malloc(nr * sizeof *ids);
            if (ids) {
                memcpy(ids, io->ready, nr * sizeof *ids);
                io->n_ready = 0;
                for (uint32_t i = 0; i < nr; i++) {
                    struct conn *c = lookup(io, ids[i]);
                    if (c) {
                        c->in_ready = 0;
                        try_read(io, c);
                    }
                }
                free(ids);
            }
        }
        int n = epoll_wait(io->ep, evs, 128, io->n_ready > 0 ? 0 : -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < n; i++) {
            uint64_t tag = evs[i].data.u64;
            if (tag == 0) { /* wake-up: commands from JS */
                uint64_t v;
                /* Read, then clear the flag, then take the commands: a command queued after the take
                 * sees the flag clear and writes the eventfd again (a new edge); one queued before it
                 * is taken. Clearing before the read could strand a command forever. */
                (void)!read(io->wake_fd, &v, sizeof v);
                atomic_store(&io->wake_pending, 0);
                run_commands(io);
                continue;
            }
            if (tag == UINT64_MAX) {
                if (io->listen_fd >= 0)
                    do_accept(io);
                continue;
            }
            struct conn *c = lookup(io, (uint32_t)tag);
            if (!c)
                continue;
            uint32_t e = evs[i].events;
            if (e & EPOLLOUT) {
                if (flush(io, c) < 0)
                    continue;
            }
            if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
                c->readable = 1;
                try_read(io, c); /* a peer gone mid-request is noticed once JS is done with it */
            }
        }
    }
    /* stop: close everything */
    for (uint32_t s = 0; s < io->nslots; s++)
        if (io->conns[s])
            close_conn(io, io->conns[s], NULL, 0);
    if (io->listen_fd >= 0) {
        close(io->listen_fd);
        io->listen_fd = -1;
    }
    return NULL;
}

static int listen_on(const char *host, int port, int *out_port)
{
    struct addrinfo hints = {0}, *res = NULL;
    char ports[16];
    snprintf(ports, sizeof ports, "%d", port);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int rc = getaddrinfo(host && *host ? host : NULL, ports, &hints, &res);
    if (rc != 0)
        return -EADDRNOTAVAIL;
    int err = EADDRNOTAVAIL;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, 4096) == 0) {
            struct sockaddr_storage sa;
            socklen_t len = sizeof sa;
            getsockname(fd, (struct sockaddr *)&sa, &len);
            *out_port = sa.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&sa)->sin6_port)
                                                 : ntohs(((struct sockaddr_in *)&sa)->sin_port);
            freeaddrinfo(res);
            return fd;
        }
        err = errno;
        close(fd);
    }
    freeaddrinfo(res);
    return -err;
}

/*
 * Listen on host:port and start the I/O thread. meta[0] = the loop (pointer), meta[1] = the bound port.
 * Returns 0, or a positive errno (EADDRINUSE, …).
 */
int sct_io_open(const char *host, int port, int max_message, int64_t budget, const char *bell_path,
  int64_t *meta)
{
    struct sct_io *io = calloc(1, sizeof *io);
    if (!io)
        return ENOMEM;
    io->bell_fd = -1;
    struct sockaddr_un ua = {.sun_family = AF_UNIX};
    if (strlen(bell_path) >= sizeof ua.sun_path) {
        free(io);
        return ENAMETOOLONG;
    }
    strcpy(ua.sun_path, bell_path);
    strcpy(io->bell_path, bell_path);
    io->bell_listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (io->bell_listen_fd < 0 || bind(io->bell_listen_fd, (struct sockaddr *)&ua, sizeof ua) != 0 ||
      listen(io->bell_listen_fd, 1) != 0) {
        int e = errno;
        if (io->bell_listen_fd >= 0)
            close(io->bell_listen_fd);
        free(io);
        return e;
    }
    int bound = 0;
    int fd = listen_on(host, port, &bound);
    if (fd < 0) {
        close(io->bell_listen_fd);
        unlink(bell_path);
        free(io);
        return -fd;
    }
    io->listen_fd = fd;
    io->max_message = (uint32_t)max_message;
    io->budget_left = budget;
    io->cap_slots = 64;
    io->conns = calloc(io->cap_slots, sizeof *io->conns);
    io->gens = calloc(io->cap_slots, sizeof *io->gens);
    io->free_slots = calloc(io->cap_slots, sizeof *io->free_slots);
    io->ep = epoll_create1(EPOLL_CLOEXEC);
    io->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    pthread_mutex_init(&io->tbl_mu, NULL);
    pthread_mutex_init(&io->in_mu, NULL);
    pthread_mutex_init(&io->cmd_mu, NULL);
    struct epoll_event lev = {.events = EPOLLIN | EPOLLET, .data.u64 = UINT64_MAX};
    struct epoll_event wev = {.events = EPOLLIN | EPOLLET, .data.u64 = 0};
    if (!io->conns || !io->gens || !io->free_slots || io->ep < 0 || io->wake_fd < 0 ||
      epoll_ctl(io->ep, EPOLL_CTL_ADD, fd, &lev) != 0 || epoll_ctl(io->ep, EPOLL_CTL_ADD, io->wake_fd, &wev) != 0 ||
      pthread_create(&io->thread, NULL, io_main, io) != 0) {
        int e = errno ? errno : ENOMEM;
        close(fd);
        close(io->bell_listen_fd);
        unlink(bell_path);
        if (io->ep >= 0)
            close(io->ep);
        if (io->wake_fd >= 0)
            close(io->wake_fd);
        free(io->conns);
        free(io->gens);
        free(io->free_slots);
        free(io);
        return e;
    }
    io->thread_started = 1;
    meta[0] = (int64_t)(intptr_t)io;
    meta[1] = bound;
    return 0;
}

/* After JS connected to the doorbell path: accept it (blocking; it is in the backlog) and unlink the path. */
int sct_io_bell_accept(struct sct_io *io)
{
    int fd = accept4(io->bell_listen_fd, NULL, NULL, SOCK_CLOEXEC);
    int e = errno;
    close(io->bell_listen_fd);
    io->bell_listen_fd = -1;
    unlink(io->bell_path);
    if (fd < 0)
        return e;
    io->bell_fd = fd;
    return 0;
}

/*
 * JS is about to wait on the doorbell: ring at the next event, or now when events are queued or the
 * loop stopped (returns 1 then).
 */
int sct_io_arm(struct sct_io *io)
{
    pthread_mutex_lock(&io->in_mu);
    int now = io->in_head != NULL || io->stopped;
    io->sleeping = !now;
    pthread_mutex_unlock(&io->in_mu);
    if (now)
        ring(io);
    return now;
}

/* Events queued for JS right now (a hint: frames are waiting). */
int sct_io_queued(struct sct_io *io)
{
    return atomic_load(&io->in_count);
}

/*
 * Copy queued events into buf (each: u32 type, u32 id, u32 length, payload padded to 4 bytes) while
 * they fit. Returns the bytes written; when not even the first event fits, minus the bytes it needs.
 */
int sct_io_take(struct sct_io *io, uint8_t *buf, int cap)
{
    pthread_mutex_lock(&io->in_mu);
    uint32_t off = 0;
    int taken = 0;
    while (io->in_head) {
        struct ev *e = io->in_head;
        uint32_t need = EV_HEADER + ((e->len + 3) & ~3u);
        if (off + need > (uint32_t)cap) {
            if (off == 0) {
                pthread_mutex_unlock(&io->in_mu);
                return -(int)need;
            }
            break;
        }
        uint32_t h[3] = {e->type, e->id, e->len};
        memcpy(buf + off, h, EV_HEADER);
        memcpy(buf + off + EV_HEADER, e->big ? e->big : e->data, e->len);
        off += need;
        io->in_head = e->next;
        if (!io->in_head)
            io->in_tail = NULL;
        free(e->big);
        free(e);
        taken++;
    }
    atomic_fetch_sub(&io->in_count, taken);
    pthread_mutex_unlock(&io->in_mu);
    return (int)off;
}

/*
 * Queue len bytes for connection id (a copy) with SCT_IO_* flags and wake the I/O thread. id 0 with no
 * bytes: stop accepting. Returns 0 (the bytes are sent or dropped with the connection, asynchronously).
 */
int sct_io_send(struct sct_io *io, uint32_t id, const uint8_t *data, int len, int flags)
{
    struct out *o = malloc(sizeof *o + (len > 0 ? (size_t)len : 0));
    if (!o)
        return ENOMEM;
    o->next = NULL;
    o->id = id;
    o->flags = (uint32_t)flags;
    o->len = len > 0 ? (uint32_t)len : 0;
    o->off = 0;
    if (len > 0)
        memcpy(o->data, data, (size_t)len);
    pthread_mutex_lock(&io->cmd_mu);
    if (io->cmd_tail)
        io->cmd_tail->next = o;
    else
        io->cmd_head = o;
    io->cmd_tail = o;
    pthread_mutex_unlock(&io->cmd_mu);
    if (!atomic_exchange(&io->wake_pending, 1)) {
        uint64_t v = 1;
        (void)!write(io->wake_fd, &v, sizeof v);
    }
    return 0;
}

/*
 * Connection state for the deadline sweep: -1 gone, else bit 0 mid-message, bit 1 waiting for budget.
 * meta (3 slots): ms since a large message being read got its reservation (-1: none), its bytes so
 * far, and how many connections wait for the budget (JS's slow-sender check, frame_reader.ts).
 */
int sct_io_state(struct sct_io *io, uint32_t id, int64_t *meta)
{
    pthread_mutex_lock(&io->tbl_mu);
    uint32_t slot = id & ID_SLOT_MASK;
    int r = -1;
    meta[0] = -1;
    meta[1] = 0;
    meta[2] = atomic_load(&io->budget_waiters);
    if (slot < io->nslots && io->conns[slot] && io->conns[slot]->id == id) {
        struct conn *c = io->conns[slot];
        r = atomic_load(&c->state);
        int64_t at = atomic_load(&c->reserved_at_ms);
        if (at > 0) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            meta[0] = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + 1 - at;
            meta[1] = atomic_load(&c->big_have_pub);
        }
    }
    pthread_mutex_unlock(&io->tbl_mu);
    return r;
}

/* Stop the thread (closing every socket, unsent bytes dropped), join it, release JS's waiter. */
int sct_io_stop(struct sct_io *io)
{
    if (io->thread_started) {
        atomic_store(&io->stop, 1);
        uint64_t v = 1;
        (void)!write(io->wake_fd, &v, sizeof v);
        pthread_join(io->thread, NULL);
        io->thread_started = 0;
    }
    pthread_mutex_lock(&io->in_mu);
    io->stopped = 1;
    pthread_mutex_unlock(&io->in_mu);
    if (io->bell_fd >= 0)
        shutdown(io->bell_fd, SHUT_WR); /* JS's doorbell read ends */
    return 0;
}

/* Free a stopped loop (after JS's last doorbell read returned). */
void sct_io_free(struct sct_io *io)
{
    if (io->thread_started)
        sct_io_stop(io);
    for (struct ev *e = io->in_head, *n; e; e = n) {
        n = e->next;
        free(e->big);
        free(e);
    }
    for (struct out *o = io->cmd_head, *n; o; o = n) {
        n = o->next;
        free(o);
    }
    close(io->ep);
    close(io->wake_fd);
    if (io->bell_fd >= 0)
        close(io->bell_fd);
    if (io->bell_listen_fd >= 0) {
        close(io->bell_listen_fd);
        unlink(io->bell_path);
    }
    free(io->conns);
    free(io->gens);
    free(io->free_slots);
    free(io->ready);
    pthread_mutex_destroy(&io->tbl_mu);
    pthread_mutex_destroy(&io->in_mu);
    pthread_mutex_destroy(&io->cmd_mu);
    free(io);
}

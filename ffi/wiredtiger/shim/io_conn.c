/*
 * io_conn.c — the connection side of the frame I/O thread (io_loop.c has the design): accepting sockets
 * into id-named slots, reading and assembling frames (small in the connection's buffer, large in their
 * own budgeted buffer, a read turn per connection for fairness), queueing events for JS, sending the
 * out-queue, closing. Runs on the I/O thread only; the slot table is shared with JS under tbl_mu.
 */
#define _GNU_SOURCE
#include "io_loop.h"

void io_ring(struct sct_io *io)
{
    char b = 1;
    (void)!send(io->bell_fd, &b, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* Queue an event for JS (under in_mu); *wake: ring the doorbell (JS armed it). */
static void push_locked(struct sct_io *io, struct ev *e, int *wake)
{
    e->next = NULL;
    if (io->in_tail)
        io->in_tail->next = e;
    else
        io->in_head = e;
    io->in_tail = e;
    atomic_fetch_add(&io->in_count, 1);
    /* JS may be waiting for its lone connection's bytes (sct_io_reply): it stores lone_poll, then
     * loads in_count; this side stores in_count, then loads lone_poll — one of them sees the other */
    if (atomic_load(&io->lone_poll)) {
        uint64_t v = 1;
        (void)!write(io->lone_efd, &v, sizeof v);
    }
    *wake = io->sleeping;
    io->sleeping = 0;
}

static void push_event(struct sct_io *io, struct ev *e)
{
    int wake;
    pthread_mutex_lock(&io->in_mu);
    push_locked(io, e, &wake);
    pthread_mutex_unlock(&io->in_mu);
    if (wake)
        io_ring(io);
}

/* An event with a copy of data: a small one reuses a taken event (copied under in_mu, one lock). */
static void io_emit(struct sct_io *io, uint32_t type, uint32_t id, const void *data, uint32_t len)
{
    struct ev *e;
    int wake;
    if (len <= SMALL_BUF) {
        pthread_mutex_lock(&io->in_mu);
        e = io->ev_free;
        if (e) {
            io->ev_free = e->next;
            io->n_ev_free--;
            e->type = type;
            e->id = id;
            e->len = len;
            if (len)
                memcpy(e->data, data, len);
            push_locked(io, e, &wake);
            pthread_mutex_unlock(&io->in_mu);
            if (wake)
                io_ring(io);
            return;
        }
        pthread_mutex_unlock(&io->in_mu);
    }
    e = malloc(sizeof *e + (len <= SMALL_BUF ? SMALL_BUF : len));
    if (!e)
        return;
    e->type = type;
    e->id = id;
    e->len = len;
    e->cap = len <= SMALL_BUF ? SMALL_BUF : 0;
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

struct conn *io_lookup(struct sct_io *io, uint32_t id)
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

void io_release_budget(struct sct_io *io, struct conn *c)
{
    if (c->reserved == 0)
        return;
    atomic_fetch_add(io->budget, c->reserved);
    c->reserved = 0;
    /* the other loop's connections may wait for it (it retries them when woken) */
    struct sct_io *peer = atomic_load(&io->peer);
    if (peer && atomic_load(io->budget_waiters) > 0)
        io_wake(peer);
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
    atomic_fetch_sub(io->budget_waiters, 1);
}

/* Hand a whole frame to JS: from the small buffer (copied) or the large buffer (moved). */
static void deliver_small(struct sct_io *io, struct conn *c, uint32_t len)
{
    /* Every field is set before the event is queued: JS may take it, reply and clear inflight (a
     * direct DONE, which reads start/end) before io_emit returns. The bytes stay in buf until this
     * thread's next recv. */
    uint32_t at = c->start;
    c->start += len;
    if (c->start == c->end)
        c->start = c->end = 0;
    c->inflight = 1;
    io_emit(io, EV_FRAME, c->id, c->buf + at, len);
}

static void deliver_big(struct sct_io *io, struct conn *c)
{
    struct ev *e = malloc(sizeof *e);
    if (!e) {
        io_close_conn(io, c, "out of memory", 1);
        return;
    }
    e->type = EV_FRAME;
    e->id = c->id;
    e->len = c->big_len;
    e->cap = 0;
    e->big = c->big;
    c->big = NULL;
    c->big_len = c->big_have = c->big_cap = 0;
    c->inflight = 1;
    atomic_store(&c->reserved_at_ms, 0);
    atomic_store(&c->big_have_pub, 0);
    push_event(io, e);
}

/* Start a large message of `len` bytes whose first bytes are in the small buffer. 0: go on reading. */
static int start_big(struct sct_io *io, struct conn *c, uint32_t len)
{
    int64_t left = atomic_load(io->budget);
    while (left >= (int64_t)len && !atomic_compare_exchange_weak(io->budget, &left, left - (int64_t)len)) {
    }
    if (left < (int64_t)len) {
        if (!c->waiting_budget) {
            c->waiting_budget = 1;
            atomic_fetch_add(io->budget_waiters, 1);
            c->budget_next = NULL;
            if (io->budget_tail)
                io->budget_tail->budget_next = c;
            else
                io->budget_head = c;
            io->budget_tail = c;
        }
        return -1;
    }
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
        io_close_conn(io, c, "out of memory", 1);
        return -2;
    }
    memcpy(c->big, c->buf + c->start, have);
    c->big_len = len;
    c->big_have = have;
    c->big_cap = cap;
    c->start = c->end = 0;
    return 0;
}

/* Put a connection that used its read turn on the ready list: read on next turn. */
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

/*
 * One recv into dst (room bytes): 1 = *got bytes arrived, 0 = none for now (the socket is drained until
 * its next epoll edge), -1 = the connection closed (peer gone: eof_reason; an error: its text).
 */
static int recv_some(struct sct_io *io, struct conn *c, uint8_t *dst, uint32_t room, uint32_t *got,
  const char *eof_reason)
{
    for (;;) {
        ssize_t n = recv(c->fd, dst, room, 0);
        if (n > 0) {
            *got = (uint32_t)n;
            /* A short read drained the socket: with edge-triggered epoll the next bytes bring a new
             * edge, so it is not "readable" now (a direct DONE then needs no wake-up of this thread).
             * Not so once the peer's FIN was reported: its edge is spent, and end of stream waits to be
             * read (a client that sent part of a frame and closed at once was otherwise held until the
             * message timeout). */
            if ((uint32_t)n < room && !c->rdhup)
                c->readable = 0;
            return 1;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            c->readable = 0;
            return 0;
        }
        if (n == 0) { /* a half-close: the reply still being sent goes out first (as mongod) */
            pthread_mutex_lock(&c->wmu);
            int queued = c->oq_head != NULL;
            pthread_mutex_unlock(&c->wmu);
            if (queued) {
                c->close_after = 1;
                c->close_reason = eof_reason;
                c->readable = 0;
                return 0;
            }
        }
        io_close_conn(io, c, n == 0 ? eof_reason : strerror(errno), 1);
        return -1;
    }
}

/* Read and deliver while the connection may take a frame. Returns -1 when the connection closed. */
int io_try_read(struct sct_io *io, struct conn *c)
{
    uint32_t turn = 0;
    while (!c->inflight && !c->close_after) {
        if (turn >= READ_TURN_BYTES && c->readable) {
            mark_ready(io, c); /* the others first; read on next turn */
            break;
        }
        if (c->big) {
            if (c->big_have == c->big_len) {
                io->spin_until_us = 0;
                deliver_big(io, c);
                break;
            }
            if (c->big_have == c->big_cap) {
                uint64_t ncap = (uint64_t)c->big_cap * 4;
                if (ncap > c->big_len)
                    ncap = c->big_len;
                uint8_t *nb = realloc(c->big, ncap);
                if (!nb) {
                    io_close_conn(io, c, "out of memory", 1);
                    return -1;
                }
                c->big = nb;
                c->big_cap = (uint32_t)ncap;
            }
            if (!c->readable)
                break;
            uint32_t got;
            int r = recv_some(io, c, c->big + c->big_have, c->big_cap - c->big_have, &got, "peer closed mid-message");
            if (r < 0)
                return -1;
            if (r == 0)
                break;
            c->big_have += got;
            atomic_store(&c->big_have_pub, c->big_have);
            turn += got;
            continue;
        }
        uint32_t have = c->end - c->start;
        if (have >= 4) {
            int32_t len;
            memcpy(&len, c->buf + c->start, 4);
            if (len < 16 || (uint32_t)len > io->max_message) {
                /* JS logs the refusal, then closes (so the log line precedes the peer's EOF) */
                c->inflight = 1;
                c->start = c->end = 0;
                io_emit(io, EV_BAD_LENGTH, c->id, &len, 4);
                break;
            }
            if ((uint32_t)len <= have) {
                /* a point read or a ping answered here (io_fast.c): read on, JS never sees it */
                int fr = io_fast_serve(io, c, c->buf + c->start, (uint32_t)len);
                if (fr < 0)
                    return -1;
                if (fr == 2) { /* a write waiting for the clock: this request again next turn */
                    int was = c->in_ready;
                    mark_ready(io, c);
                    if (c->in_ready) {
                        if (!was)
                            io->n_clock_ready++;
                        break;
                    }
                    fr = 0; /* (out of memory for the list: JS's now) */
                }
                c->later_us = 0; /* answered or JS's, however it went (a later write waits afresh) */
                if (fr > 0) {
                    c->start += (uint32_t)len;
                    if (c->start == c->end)
                        c->start = c->end = 0;
                    turn += (uint32_t)len;
                    continue;
                }
                io->spin_until_us = 0;
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
        uint32_t got;
        int r = recv_some(io, c, c->buf + c->end, SMALL_BUF - c->end, &got,
          have > 0 ? "peer closed mid-message" : "peer closed");
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        c->end += got;
        turn += got;
        continue;
    }
    set_state(c);
    return 0;
}

void io_retry_budget_waiters(struct sct_io *io)
{
    if (atomic_load(&io->stop))
        return;
    while (io->budget_head) {
        struct conn *c = io->budget_head;
        uint32_t len;
        memcpy(&len, c->buf + c->start, 4);
        if (atomic_load(io->budget) < (int64_t)len)
            break;
        budget_unwait(io, c);
        io_try_read(io, c);
    }
}

/*
 * Send what the out-queue holds; the caller holds c->wmu. 0 emptied, 1 the socket is full (its
 * EPOLLOUT edge resumes), -1 a send error (*err its text).
 */
int io_flush_locked(struct conn *c, const char **err)
{
    while (c->oq_head) {
        struct out *o = c->oq_head;
        while (o->off < o->len) {
            ssize_t n = send(c->fd, o->data + o->off, o->len - o->off, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                o->off += (uint32_t)n;
                atomic_fetch_add(&c->sent_total, (uint64_t)n);
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                return 1;
            *err = n < 0 ? strerror(errno) : "send failed";
            return -1;
        }
        c->oq_head = o->next;
        if (!c->oq_head)
            c->oq_tail = NULL;
        free(o);
    }
    c->oq_pending = 0;
    return 0;
}

/* Append o to c's out-queue; the caller holds c->wmu. */
void io_append_out_locked(struct conn *c, struct out *o)
{
    o->next = NULL;
    o->off = 0;
    if (c->oq_tail)
        c->oq_tail->next = o;
    else
        c->oq_head = o;
    c->oq_tail = o;
    c->oq_pending = 1;
}

/* Append o to c's out-queue (under its writer lock); the caller flushes. */
void io_queue_out(struct conn *c, struct out *o)
{
    pthread_mutex_lock(&c->wmu);
    io_append_out_locked(c, o);
    pthread_mutex_unlock(&c->wmu);
}

/*
 * Send what the out-queue holds (under the connection's writer lock: JS may send directly). Once it is
 * empty: EV_DRAINED when JS asked for it (notify_drain), and a close_after connection closes. -1 when
 * the connection closed.
 */
int io_flush(struct sct_io *io, struct conn *c)
{
    if (io_fast_log_unwritten(io)) { /* nothing is sent before a write's log (io_fast_write.c) */
        uint32_t id = c->id;
        io_fast_release(io);
        if (io_lookup(io, id) != c)
            return -1; /* closed meanwhile (its held reply met a send error) */
    }
    const char *err = NULL;
    pthread_mutex_lock(&c->wmu);
    int r = io_flush_locked(c, &err);
    pthread_mutex_unlock(&c->wmu);
    if (r < 0) {
        io_close_conn(io, c, err, 1);
        return -1;
    }
    if (r == 0 && c->notify_drain) {
        c->notify_drain = 0;
        io_emit(io, EV_DRAINED, c->id, NULL, 0);
    }
    if (r == 0 && c->close_after) {
        io_close_conn(io, c, c->close_reason, c->close_reason != NULL);
        return -1;
    }
    return 0;
}

void io_close_conn(struct sct_io *io, struct conn *c, const char *reason, int tell)
{
    uint32_t slot = c->id & ID_SLOT_MASK;
    /* Out of the table first (JS finds it no more), then wait out a direct send holding the writer
     * lock, then close: JS never writes a closed (or reused) fd. */
    pthread_mutex_lock(&io->tbl_mu);
    io->conns[slot] = NULL;
    io->gens[slot]++;
    io->free_slots[io->nfree++] = slot;
    pthread_mutex_unlock(&io->tbl_mu);
    pthread_mutex_lock(&c->wmu);
    pthread_mutex_unlock(&c->wmu);
    close(c->fd); /* also leaves the epoll set */
    budget_unwait(io, c);
    io_release_budget(io, c);
    free(c->big);
    for (struct out *o = c->oq_head, *n; o; o = n) {
        n = o->next;
        free(o);
    }
    pthread_mutex_destroy(&c->wmu);
    if (tell)
        io_emit(io, EV_CLOSED, c->id, reason ? reason : "", reason ? (uint32_t)strlen(reason) : 0);
    free(c);
    io_retry_budget_waiters(io);
}

/* Take socket fd in — accepted here, or handed over by the loop that accepts (io_hand) —: a slot, its
 * connection, EV_ACCEPT for JS; closed when there is no room. */
static void io_adopt(struct sct_io *io, int fd, const struct sockaddr_storage *from)
{
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
            return;
        }
        memset(io->conns + io->cap_slots, 0, (ncap - io->cap_slots) * sizeof *nc);
        memset(io->gens + io->cap_slots, 0, (ncap - io->cap_slots) * sizeof *ng);
        io->cap_slots = ncap;
        slot = io->nslots++;
    } else {
        pthread_mutex_unlock(&io->tbl_mu);
        close(fd);
        return;
    }
    struct conn *c = calloc(1, sizeof *c);
    if (!c) {
        io->free_slots[io->nfree++] = slot;
        pthread_mutex_unlock(&io->tbl_mu);
        close(fd);
        return;
    }
    c->fd = fd;
    pthread_mutex_init(&c->wmu, NULL);
    c->id = io->id_bit | slot | ((uint32_t)(io->gens[slot] & ID_GEN_MASK) << ID_SLOT_BITS);
    if (c->id == 0)
        c->id = slot | (1u << ID_SLOT_BITS), io->gens[slot] = 1;
    io->conns[slot] = c;
    pthread_mutex_unlock(&io->tbl_mu);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    struct epoll_event ev = {.events = CONN_EVENTS, .data.u64 = c->id};
    struct sockaddr_storage local;
    socklen_t llen = sizeof local;
    char addrs[2 * (INET6_ADDRSTRLEN + 16)];
    fmt_addr(from, addrs, INET6_ADDRSTRLEN + 16);
    size_t n1 = strlen(addrs);
    if (getsockname(fd, (struct sockaddr *)&local, &llen) == 0)
        fmt_addr(&local, addrs + n1 + 1, INET6_ADDRSTRLEN + 16);
    else
        strcpy(addrs + n1 + 1, "unknown");
    io_emit(io, EV_ACCEPT, c->id, addrs, (uint32_t)(n1 + 1 + strlen(addrs + n1 + 1)));
    if (epoll_ctl(io->ep, EPOLL_CTL_ADD, fd, &ev) != 0)
        io_close_conn(io, c, strerror(errno), 1);
}

/* Hand socket fd to loop `to` (it takes it in on its next turn: io_adopt_handed). */
static void io_hand(struct sct_io *to, int fd, const struct sockaddr_storage *peer)
{
    pthread_mutex_lock(&to->hand_mu);
    if (to->n_handed == to->cap_handed) {
        uint32_t ncap = to->cap_handed ? to->cap_handed * 2 : 16;
        struct handed *nh = realloc(to->handed, ncap * sizeof *nh);
        if (!nh) {
            pthread_mutex_unlock(&to->hand_mu);
            close(fd);
            return;
        }
        to->handed = nh;
        to->cap_handed = ncap;
    }
    to->handed[to->n_handed].fd = fd;
    to->handed[to->n_handed].peer = *peer;
    to->n_handed++;
    pthread_mutex_unlock(&to->hand_mu);
    io_wake(to);
}

/* The sockets the accepting loop handed over (io_hand): taken in; with `close_them`, closed instead. */
void io_adopt_handed(struct sct_io *io, int close_them)
{
    for (;;) {
        pthread_mutex_lock(&io->hand_mu);
        if (io->n_handed == 0) {
            pthread_mutex_unlock(&io->hand_mu);
            return;
        }
        struct handed h = io->handed[--io->n_handed];
        pthread_mutex_unlock(&io->hand_mu);
        if (close_them)
            close(h.fd);
        else
            io_adopt(io, h.fd, &h.peer);
    }
}

void io_do_accept(struct sct_io *io)
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
        /* with a second loop, every other connection is its (the loops split the connections) */
        struct sct_io *to = atomic_load(&io->second);
        if (to && (io->accepted++ & 1))
            io_hand(to, fd, &peer);
        else
            io_adopt(io, fd, &peer);
    }
}

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
#include "io_loop.h"

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
        struct conn *c = io_lookup(io, o->id);
        if (!c) {
            free(o);
            o = next;
            continue;
        }
        uint32_t flags = o->flags;
        if (flags & SCT_IO_CLOSE_NOW) {
            free(o);
            io_close_conn(io, c, NULL, 0);
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
            if (io_flush(io, c) == 0)
                io_close_conn(io, c, NULL, 0);
            o = next;
            continue;
        }
        if (io_flush(io, c) < 0) {
            o = next;
            continue;
        }
        if (flags & SCT_IO_DONE) {
            c->inflight = 0;
            io_release_budget(io, c);
            if (io_try_read(io, c) == 0)
                io_retry_budget_waiters(io);
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
                    struct conn *c = io_lookup(io, ids[i]);
                    if (c) {
                        c->in_ready = 0;
                        io_try_read(io, c);
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
                    io_do_accept(io);
                continue;
            }
            struct conn *c = io_lookup(io, (uint32_t)tag);
            if (!c)
                continue;
            uint32_t e = evs[i].events;
            if (e & EPOLLOUT) {
                if (io_flush(io, c) < 0)
                    continue;
            }
            if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
                c->readable = 1;
                io_try_read(io, c); /* a peer gone mid-request is noticed once JS is done with it */
            }
        }
    }
    /* stop: close everything */
    for (uint32_t s = 0; s < io->nslots; s++)
        if (io->conns[s])
            io_close_conn(io, io->conns[s], NULL, 0);
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
        io_ring(io);
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

/*
 * io_loop.c — frame I/O for the wire server on a C thread (issue 18; src/server/shim_transport.ts,
 * `[server] io = "shim"`): the design, the thread's loop, its commands, opening and stopping. The
 * connection side is io_conn.c, JS's calls (events, replies, the lone path, state) io_reply.c.
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
 * (`sct_io_take`, which also re-arms the doorbell when it finds nothing) and hands each reply back with
 * one synchronous call (`sct_io_send`) that queues a copy for the I/O thread and wakes it (one eventfd
 * write per batch), which does the send()s (partial writes and EAGAIN wait for EPOLLOUT edges).
 *
 * A direct reply (`SCT_IO_DIRECT`, JS has no other request to serve and none is queued): JS sends on
 * its own thread, a nonblocking send() — no copy, no eventfd write, no thread switch for the reply —
 * and with SCT_IO_DONE lets the next request in itself (clears `inflight`; the I/O thread is kicked
 * only when bytes are already buffered or the socket was not drained). Who writes a socket: the
 * connection's writer lock `wmu` covers the out-queue and every send() on it, from either thread; a
 * direct send goes only when the out-queue is empty and no reply is still in the command queue
 * (`cmd_data`), so bytes never overtake; what the socket does not take joins the out-queue for the
 * I/O thread's EPOLLOUT edge. A connection leaves the slot table before its writer lock is waited
 * out and its fd closed, so JS never writes a closed or reused fd.
 *
 * A lone connection (`sct_io_reply`: JS replies directly, nothing else is being served or queued):
 * after the reply JS takes the connection's next request itself — it turns the connection's EPOLLIN
 * off (once, while the connection stays lone), reads the socket and, when no whole request is there
 * yet, waits for it in ppoll() up to a bound the caller gives (µs), also woken by lone_efd when the
 * I/O thread queues any event for JS. At one busy connection a request then wakes one thread (JS's,
 * as on Deno's sockets) instead of two (the I/O thread's, then JS's through the doorbell). Anything
 * else — a timeout, a large or bad message, end of stream, an error, another connection's event —
 * hands the connection back: inflight cleared, EPOLLIN back on (an edge at once if bytes wait), and
 * the I/O thread's ordinary read meets what is there.
 *
 * One request at a time per connection (as mongod, and src/server/connection.ts): after a FRAME the
 * connection delivers nothing more until JS says it is done with that request (`SCT_IO_DONE` on a send,
 * or a send of zero bytes with that flag); bytes the client pipelines meanwhile stay in the socket.
 *
 * Replies a client does not read: each connection counts the bytes the kernel took (`sent_total`,
 * read by JS through sct_io_state); when what JS handed over minus that passes its bound, JS sends
 * SCT_IO_NOTIFY and waits for EV_DRAINED (queued once the out-queue is empty) before producing more,
 * so the out-queue holds at most about one reply. A peer that half-closes after a whole request still
 * gets the replies queued for it: end of stream with bytes queued closes the connection only once they
 * are sent (`close_after`; JS is then told "peer closed").
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
#include <sched.h>

/* JS reads a lone connection no more: EPOLLIN back on (an edge at once when bytes are waiting). The
 * caller cleared lone and inflight first. */
void io_lone_end(struct sct_io *io, struct conn *c)
{
    struct epoll_event ev = {.events = CONN_EVENTS, .data.u64 = c->id};
    epoll_ctl(io->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void run_commands(struct sct_io *io)
{
    pthread_mutex_lock(&io->cmd_mu);
    struct out *o = io->cmd_head;
    io->cmd_head = io->cmd_tail = NULL;
    pthread_mutex_unlock(&io->cmd_mu);
    int data = 0;
    for (struct out *p = o; p; p = p->next)
        data += p->len > 0;
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
        if (flags & SCT_IO_NOTIFY) { /* JS waits for its backlog: EV_DRAINED once the queue is empty */
            free(o);
            c->notify_drain = 1;
            io_flush(io, c);
            o = next;
            continue;
        }
        if (flags & SCT_IO_KICK) { /* JS let the next request in itself: read what is buffered */
            free(o);
            if (io_try_read(io, c) == 0)
                io_retry_budget_waiters(io);
            o = next;
            continue;
        }
        if (o->len > 0) {
            io_queue_out(c, o);
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
            if (atomic_exchange(&c->lone, 0)) { /* JS read it last: this thread reads on */
                c->readable = 1;
                io_lone_end(io, c);
            }
            io_release_budget(io, c);
            if (io_try_read(io, c) == 0)
                io_retry_budget_waiters(io);
        }
        o = next;
    }
    /* every taken reply is in its out-queue (or dropped with its connection): direct sends may go */
    atomic_fetch_sub(&io->cmd_data, data);
}

/* Wake the I/O thread (its eventfd, once until it reads it): commands are queued, or the clock a write
 * there waits for is free (sct_fast_clock_unlock). */
void io_wake(struct sct_io *io)
{
    if (!atomic_exchange(&io->wake_pending, 1)) {
        uint64_t v = 1;
        (void)!write(io->wake_fd, &v, sizeof v);
    }
}

/*
 * Faults this thread's malloc arena in ahead of its requests. WiredTiger's new rows (inserts answered
 * here) come from this thread's arena, which grows from its top a page at a time, and each new page
 * faulted on the request's own store: at one inserting connection 0.47 faults per insert, ~11 % of the
 * thread's samples (issue 18). A block of `cushion` bytes taken, touched once per page and freed when the
 * thread goes idle comes from the top whenever no free chunk is as large, and its pages stay in the top
 * once freed (below the trim threshold JS sets with it: ffi/libc/malloc.ts ioCushionBytes), so the next
 * requests' allocations find them faulted; when they already are, the touch is a store per page.
 */
static void io_cushion(struct sct_io *io)
{
    size_t bytes = atomic_load_explicit(&io->cushion, memory_order_relaxed);
    if (bytes == 0)
        return;
    volatile char *p = malloc(bytes);
    if (!p)
        return;
    for (size_t at = 0; at < bytes; at += 4096)
        p[at] = 0;
    free((void *)p);
}

static void *io_main(void *arg)
{
    struct sct_io *io = arg;
    struct epoll_event evs[128];
    uint64_t seen = 0;
    while (!atomic_load(&io->stop)) {
        if (io->n_ready > 0) { /* connections that used their turn: read on (after new events) */
            uint32_t nr = io->n_ready;
            uint32_t *ids = malloc(nr * sizeof *ids);
            if (ids) {
                memcpy(ids, io->ready, nr * sizeof *ids);
                io->n_ready = 0;
                io->n_clock_ready = 0;
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
        if (io->n_held > 0 || io_fast_log_unwritten(io))
            io_fast_release(io); /* this turn's writes: one log write, then their replies */
        /* connections that used their turn: poll; ones whose write waits for the clock only: sleep until
         * JS lets the clock go (it wakes this thread: sct_fast_clock_unlock), 1 ms at most */
        int timeout = io->n_ready == 0 ? -1 : io->n_ready > io->n_clock_ready ? 0 : 1;
        /* nothing to do: after a request answered here, fault the arena's next pages in (io_cushion),
         * then poll a little before sleeping (sct_io_spin) */
        int spinning = 0;
        if (timeout < 0) {
            int64_t spin_us = atomic_load_explicit(&io->spin_us, memory_order_relaxed);
            if (io->served != seen) {
                seen = io->served;
                io_cushion(io);
                io->spin_until_us = spin_us > 0 ? io_mono_us() + spin_us : 0;
            }
            if (spin_us > 0 && io->spin_until_us != 0 && io_mono_us() < io->spin_until_us)
                timeout = 0, spinning = 1;
        }
        int n = epoll_wait(io->ep, evs, 128, timeout);
        if (n == 0 && spinning)
            sched_yield(); /* a thread waiting for this core runs first */
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
                io_adopt_handed(io, 0);
                if (atomic_load(&io->peer))
                    io_retry_budget_waiters(io); /* (the other loop may have freed budget) */
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
            if ((e & EPOLLOUT) && c->oq_pending) { /* nothing queued: no lock (JS may be sending) */
                if (io_flush(io, c) < 0)
                    continue;
            }
            if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
                c->readable = 1;
                if (e & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                    c->rdhup = 1;
                io_try_read(io, c); /* a peer gone mid-request is noticed once JS is done with it */
            }
        }
    }
    /* stop: what was answered goes out (as far as the sockets take it), then close everything */
    io_fast_release(io);
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
 * After answering a request itself, the I/O thread polls its sockets for up to `us` µs (epoll_wait with no
 * timeout, yielding the core between polls) before it sleeps in epoll_wait, so a client's next request
 * within that window does not pay for waking the thread: at one busy connection that wake-up was ~21 %
 * of the thread's samples (`perf`: the VM's `pvm_irq_enable` on the return from `epoll_wait`'s sleep),
 * and polling 60 µs raised pings and finds by `_id` ~30 % and updates ~15 % (issue 18). A request handed
 * to JS ends the window (JS needs the core then). JS's wait for its lone connection's next request
 * (io_reply.c lone_take, a block of the JS thread up to a bound anyway) polls for the same time before its
 * ppoll. 0: never poll; ignored (0) when the process may run on one CPU only. Returns the value in effect.
 */
int sct_io_spin(struct sct_io *io, int us)
{
    cpu_set_t set;
    if (us < 0 || sched_getaffinity(0, sizeof set, &set) != 0 || CPU_COUNT(&set) < 2)
        us = 0;
    atomic_store(&io->spin_us, us);
    return us;
}

/* Sets the I/O thread's idle cushion (io_cushion) to `bytes` (0 or less: none). Returns the value in effect. */
int sct_io_cushion(struct sct_io *io, int bytes)
{
    if (bytes < 0)
        bytes = 0;
    atomic_store(&io->cushion, (size_t)bytes);
    return bytes;
}

/*
 * Listen on host:port and start the I/O thread. meta[0] = the loop (pointer), meta[1] = the bound port.
 * Returns 0, or a positive errno (EADDRINUSE, …).
 */
int sct_io_open(const char *host, int port, int max_message, int64_t budget, const char *bell_path,
  int64_t *meta, int flags)
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
    int bound = port;
    /* a second loop listens nowhere: the first hands it connections (sct_io_pair) */
    int fd = (flags & SCT_IO_OPEN_SECOND) ? -1 : listen_on(host, port, &bound);
    if (fd < 0 && !(flags & SCT_IO_OPEN_SECOND)) {
        close(io->bell_listen_fd);
        unlink(bell_path);
        free(io);
        return -fd;
    }
    io->listen_fd = fd;
    io->id_bit = (flags & SCT_IO_OPEN_SECOND) ? ID_LOOP_BIT : 0;
    io->max_message = (uint32_t)max_message;
    io->budget_own = budget;
    io->budget = &io->budget_own;
    io->budget_waiters = &io->budget_waiters_own;
    io->cap_slots = 64;
    io->conns = calloc(io->cap_slots, sizeof *io->conns);
    io->gens = calloc(io->cap_slots, sizeof *io->gens);
    io->free_slots = calloc(io->cap_slots, sizeof *io->free_slots);
    io->ep = epoll_create1(EPOLL_CLOEXEC);
    io->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    io->lone_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    pthread_mutex_init(&io->tbl_mu, NULL);
    pthread_mutex_init(&io->in_mu, NULL);
    pthread_mutex_init(&io->cmd_mu, NULL);
    pthread_mutex_init(&io->hand_mu, NULL);
    struct epoll_event lev = {.events = EPOLLIN | EPOLLET, .data.u64 = UINT64_MAX};
    struct epoll_event wev = {.events = EPOLLIN | EPOLLET, .data.u64 = 0};
    if (!io->conns || !io->gens || !io->free_slots || io->ep < 0 || io->wake_fd < 0 || io->lone_efd < 0 ||
      (fd >= 0 && epoll_ctl(io->ep, EPOLL_CTL_ADD, fd, &lev) != 0) ||
      epoll_ctl(io->ep, EPOLL_CTL_ADD, io->wake_fd, &wev) != 0 ||
      pthread_create(&io->thread, NULL, io_main, io) != 0) {
        int e = errno ? errno : ENOMEM;
        if (fd >= 0)
            close(fd);
        close(io->bell_listen_fd);
        unlink(bell_path);
        if (io->ep >= 0)
            close(io->ep);
        if (io->wake_fd >= 0)
            close(io->wake_fd);
        if (io->lone_efd >= 0)
            close(io->lone_efd);
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
    atomic_store(&io->second, NULL); /* (an accepting loop: it hands nothing more over) */
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
    io_fast_free(io);
    io_adopt_handed(io, 1);
    free(io->handed);
    pthread_mutex_destroy(&io->hand_mu);
    for (struct ev *e = io->in_head, *n; e; e = n) {
        n = e->next;
        free(e->big);
        free(e);
    }
    for (struct ev *e = io->ev_free, *n; e; e = n) {
        n = e->next;
        free(e);
    }
    for (struct out *o = io->cmd_head, *n; o; o = n) {
        n = o->next;
        free(o);
    }
    close(io->ep);
    close(io->wake_fd);
    close(io->lone_efd);
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
    free(io->held);
    pthread_mutex_destroy(&io->tbl_mu);
    pthread_mutex_destroy(&io->in_mu);
    pthread_mutex_destroy(&io->cmd_mu);
    free(io);
}

/* `second` (opened with SCT_IO_OPEN_SECOND) takes every other connection `first` accepts from now on.
 * 0, or EINVAL. Undone by sct_io_stop of either. */
int sct_io_pair(struct sct_io *first, struct sct_io *second)
{
    if (!first || !second || first == second || first->listen_fd < 0 || second->listen_fd >= 0 ||
      atomic_load(&first->peer) || atomic_load(&second->peer))
        return EINVAL;
    /* one budget for both: the first's (the second has read nothing yet); both loops are halted before
     * either is freed (ffi/io/mod.ts FrameLoop.halt) */
    second->budget = first->budget;
    second->budget_waiters = first->budget_waiters;
    atomic_store(&first->peer, second);
    atomic_store(&second->peer, first);
    atomic_store(&first->second, second);
    return 0;
}

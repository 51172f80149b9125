/*
 * io_reply.c — JS's side of the frame I/O thread (io_loop.c has the design): arming the doorbell and
 * taking the queued events, replies (sent on the calling thread when nothing is queued before them, else
 * queued as a command for the I/O thread), a lone connection's next request read by JS itself, and a
 * connection's state for JS's deadline sweep.
 */
#define _GNU_SOURCE
#include "io_loop.h"
#include <poll.h>
#include <sched.h>

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
 * A call that finds nothing queued arms the doorbell, as sct_io_arm does.
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
        if (e->cap == SMALL_BUF && io->n_ev_free < EV_POOL_MAX) {
            e->next = io->ev_free;
            io->ev_free = e;
            io->n_ev_free++;
        } else {
            free(e->big);
            free(e);
        }
        taken++;
    }
    atomic_fetch_sub(&io->in_count, taken);
    /* Nothing was queued: JS waits on the doorbell next, so this is its arm (no sct_io_arm call). */
    int ring = 0;
    if (off == 0) {
        ring = io->stopped;
        io->sleeping = !ring;
    }
    pthread_mutex_unlock(&io->in_mu);
    if (ring)
        io_ring(io);
    return (int)off;
}

/* A copy of data[off, len) at the tail of c's out-queue (under its writer lock). 0, or ENOMEM. */
static int queue_rest(struct conn *c, uint32_t id, const uint8_t *data, uint32_t off, uint32_t len)
{
    struct out *o = malloc(sizeof *o + (len - off));
    if (!o)
        return ENOMEM;
    o->id = id;
    o->flags = 0;
    o->len = len - off;
    memcpy(o->data, data + off, len - off);
    io_append_out_locked(c, o);
    return 0;
}


/*
 * JS takes its lone connection's next request itself (the caller holds c->wmu; inflight is set, so the
 * I/O thread leaves buf/start/end alone). Returns its length (copied into out), 0 when the connection
 * goes back to the I/O thread for another reason, -1 when nothing whole came within wait_us.
 */
static int lone_take(struct sct_io *io, struct conn *c, uint8_t *out, int cap, int wait_us)
{
    if (!atomic_load(&c->lone)) { /* the I/O thread wakes no more for this connection's bytes */
        struct epoll_event ev = {.events = EPOLLOUT | EPOLLET, .data.u64 = c->id};
        if (epoll_ctl(io->ep, EPOLL_CTL_MOD, c->fd, &ev) != 0)
            return 0;
        atomic_store(&c->lone, 1);
    }
    int64_t deadline = -1, spin_end = 0;
    for (;;) {
        uint32_t have = c->end - c->start;
        if (have >= 4) {
            int32_t len;
            memcpy(&len, c->buf + c->start, 4);
            /* bad, large or too big for out: the I/O thread's rules apply */
            if (len < 16 || (uint32_t)len > io->max_message || len > SMALL_BUF || len > cap)
                return 0;
            if ((uint32_t)len <= have) {
                if (io_fast_wants(io, c, c->buf + c->start, (uint32_t)len))
                    return 0; /* the I/O thread answers it (io_fast.c): kicked, it reads the buffer */
                memcpy(out, c->buf + c->start, (size_t)len);
                c->start += (uint32_t)len;
                if (c->start == c->end)
                    c->start = c->end = 0;
                return len;
            }
        }
        if (c->end == SMALL_BUF) {
            memmove(c->buf, c->buf + c->start, have);
            c->start = 0;
            c->end = have;
        }
        ssize_t n = recv(c->fd, c->buf + c->end, SMALL_BUF - c->end, MSG_DONTWAIT);
        if (n > 0) {
            c->end += (uint32_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
            return 0; /* end of stream or an error: the I/O thread's read meets it and closes */
        if (atomic_load(&io->in_count) > 0)
            return 0; /* JS has other events to take */
        int64_t now = io_mono_us();
        if (deadline < 0) {
            deadline = now + wait_us;
            spin_end = now + atomic_load_explicit(&io->spin_us, memory_order_relaxed);
        }
        if (now >= deadline)
            return -1;
        if (now < spin_end) { /* the first io_spin_us of the wait polls: no wake-up of this thread */
            sched_yield();
            continue;
        }
        atomic_store(&io->lone_poll, 1);
        if (atomic_load(&io->in_count) > 0) {
            atomic_store(&io->lone_poll, 0);
            return 0;
        }
        struct pollfd p[2] = {{.fd = c->fd, .events = POLLIN}, {.fd = io->lone_efd, .events = POLLIN}};
        int64_t left = deadline - now;
        struct timespec ts = {.tv_sec = left / 1000000, .tv_nsec = (left % 1000000) * 1000};
        int r = ppoll(p, 2, &ts, NULL);
        atomic_store(&io->lone_poll, 0);
        if (r > 0 && p[1].revents) { /* an event for JS (or a stale wake-up): the check above decides */
            uint64_t v;
            (void)!read(io->lone_efd, &v, sizeof v);
        }
    }
}

/*
 * The reply on the calling (JS) thread: a nonblocking send() when nothing is queued before it, no
 * thread hand-off. What the socket does not take now goes to the out-queue, whose EPOLLOUT edge (the
 * send just got EAGAIN) has the I/O thread send it. With SCT_IO_DONE, the connection's next request is
 * let in here too (the I/O thread is only woken when bytes are already buffered or the socket was left
 * readable). Returns 0 done (or the connection is gone); 1 nothing done, queue it all; 2 the bytes are
 * handled, queue the flags alone (a send error for the I/O thread to close on, or a budget reservation
 * for it to return).
 */
static int send_direct(struct sct_io *io, uint32_t id, const uint8_t *data, uint32_t len, int flags,
  uint8_t *next, int next_cap, int wait_us, int *next_len)
{
    pthread_mutex_lock(&io->tbl_mu);
    struct conn *c = io_lookup(io, id);
    if (!c) {
        pthread_mutex_unlock(&io->tbl_mu);
        return 0; /* gone: dropped, as the I/O thread would */
    }
    pthread_mutex_lock(&c->wmu);
    pthread_mutex_unlock(&io->tbl_mu);
    /* replies queued before this one: keep the order; a write's log not written yet: nothing leaves
     * before it (the I/O thread writes it, then sends) */
    if (atomic_load(&io->cmd_data) != 0 || io_fast_log_unwritten(io)) {
        pthread_mutex_unlock(&c->wmu);
        return 1;
    }
    uint32_t off = 0;
    if (len > 0 && !c->oq_head) {
        while (off < len) {
            ssize_t n = send(c->fd, data + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                off += (uint32_t)n;
                atomic_fetch_add(&c->sent_total, (uint64_t)n);
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                break;
            /* a socket error: the I/O thread's flush meets it again and closes with its text */
            if (queue_rest(c, id, data, off, len) != 0 && off == 0) {
                pthread_mutex_unlock(&c->wmu);
                return 1;
            }
            pthread_mutex_unlock(&c->wmu);
            return 2;
        }
    }
    if (off < len) {
        if (queue_rest(c, id, data, off, len) != 0) {
            pthread_mutex_unlock(&c->wmu);
            return off == 0 ? 1 : 2; /* out of memory mid-reply: the queued path's malloc fails too */
        }
        /* oq_pending is set: an EPOLLOUT edge from now on flushes. One that came since the EAGAIN may
         * have been skipped (pending was clear), so try once more: space it freed is taken here, and
         * a new EAGAIN means a new edge. */
        const char *err = NULL;
        if (io_flush_locked(c, &err) < 0) {
            pthread_mutex_unlock(&c->wmu);
            return 2; /* the I/O thread's flush meets the error and closes */
        }
    }
    int kick = 0;
    if (flags & SCT_IO_DONE) {
        if (c->reserved) { /* a large request's budget: returned by the I/O thread */
            pthread_mutex_unlock(&c->wmu);
            return 2;
        }
        if (next && !c->oq_head) {
            int n = lone_take(io, c, next, next_cap, wait_us);
            if (n > 0) { /* JS holds the next request: inflight stays set */
                pthread_mutex_unlock(&c->wmu);
                *next_len = n;
                return 0;
            }
            *next_len = n;
        }
        /* While inflight is set the I/O thread leaves start/end alone; read them before clearing it.
         * readable vs inflight: each side stores its flag, then loads the other's (seq_cst), so an
         * EPOLLIN edge racing this is either read by the I/O thread or kicked from here. */
        int buffered = c->end > c->start;
        c->inflight = 0;
        kick = buffered || c->readable;
        if (atomic_exchange(&c->lone, 0))
            io_lone_end(io, c); /* after inflight: bytes waiting now bring the I/O thread an edge */
    }
    pthread_mutex_unlock(&c->wmu);
    return kick ? 3 : 0;
}

/* Append a command for the I/O thread and wake it (one eventfd write per batch). */
static int queue_command(struct sct_io *io, uint32_t id, const uint8_t *data, int len, int flags)
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
    if (len > 0)
        atomic_fetch_add(&io->cmd_data, 1);
    pthread_mutex_lock(&io->cmd_mu);
    if (io->cmd_tail)
        io->cmd_tail->next = o;
    else
        io->cmd_head = o;
    io->cmd_tail = o;
    pthread_mutex_unlock(&io->cmd_mu);
    io_wake(io);
    return 0;
}

/*
 * Send len bytes to connection id with SCT_IO_* flags. With SCT_IO_DIRECT (JS has nothing else to
 * run) and no request queued for JS, the bytes go out on this thread when nothing is queued before
 * them (send_direct); otherwise a copy is queued for the I/O thread, which is woken. id 0 with no
 * bytes: stop accepting. Returns 0 (the bytes are sent or dropped with the connection), or ENOMEM.
 */
int sct_io_send(struct sct_io *io, uint32_t id, const uint8_t *data, int len, int flags)
{
    if ((flags & SCT_IO_DIRECT) && id != 0 && !(flags & (SCT_IO_CLOSE | SCT_IO_CLOSE_NOW)) &&
      atomic_load(&io->in_count) == 0) {
        flags &= ~SCT_IO_DIRECT;
        int unused;
        switch (send_direct(io, id, data, len > 0 ? (uint32_t)len : 0, flags, NULL, 0, 0, &unused)) {
        case 0:
            return 0;
        case 2:
            return queue_command(io, id, NULL, 0, flags);
        case 3:
            return queue_command(io, id, NULL, 0, SCT_IO_KICK);
        default:
            break;
        }
    }
    return queue_command(io, id, data, len, flags & ~SCT_IO_DIRECT);
}

/*
 * sct_io_send with SCT_IO_DONE | SCT_IO_DIRECT for a lone connection, which then takes its own next
 * request: when the reply went out on this thread, JS reads the connection's socket itself (waiting up
 * to wait_us for a whole request; see lone_take). Returns the next request's length (its bytes in
 * next, JS holds it as if delivered), 0 when none was taken (the connection is the I/O thread's again,
 * as after sct_io_send), -1 when none came within wait_us (likewise), -ENOMEM.
 */
int sct_io_reply(struct sct_io *io, uint32_t id, const uint8_t *data, int len, int flags, uint8_t *next,
  int next_cap, int wait_us)
{
    if ((flags & SCT_IO_DIRECT) && (flags & SCT_IO_DONE) && id != 0 &&
      !(flags & (SCT_IO_CLOSE | SCT_IO_CLOSE_NOW)) && atomic_load(&io->in_count) == 0) {
        flags &= ~SCT_IO_DIRECT;
        int got = 0;
        int r = send_direct(io, id, data, len > 0 ? (uint32_t)len : 0, flags, next, next_cap, wait_us, &got);
        if (r == 0)
            return got;
        if (r == 2)
            return queue_command(io, id, NULL, 0, flags) ? -ENOMEM : 0;
        if (r == 3)
            return queue_command(io, id, NULL, 0, SCT_IO_KICK) ? -ENOMEM : got < 0 ? -1 : 0;
    }
    return queue_command(io, id, data, len, flags & ~SCT_IO_DIRECT) ? -ENOMEM : 0;
}

/*
 * Has the peer of connection `id` hung up (its FIN, a reset or an error) while JS runs one of its requests?
 * 1 yes (or the connection is gone), 0 no. A zero-timeout poll() for POLLRDHUP, as mongod's networking
 * baton watches a session whose operation is marked kill-on-disconnect (read commands; 279 ClientDisconnect).
 * JS asks only about requests that have run a while (src/server/shim_transport.ts). Safe against a close:
 * a connection leaves the slot table under tbl_mu before its fd is closed, and this holds tbl_mu.
 */
int sct_io_peer_gone(struct sct_io *io, uint32_t id)
{
    pthread_mutex_lock(&io->tbl_mu);
    int gone = 1;
    struct conn *c = io_lookup(io, id);
    if (c) {
        struct pollfd p = {.fd = c->fd, .events = POLLRDHUP};
        int r;
        do
            r = poll(&p, 1, 0);
        while (r < 0 && errno == EINTR);
        gone = r > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
    }
    pthread_mutex_unlock(&io->tbl_mu);
    return gone;
}

/*
 * Connection state for the deadline sweep: -1 gone, else bit 0 mid-message, bit 1 waiting for budget.
 * meta (4 slots): ms since a large message being read got its reservation (-1: none), its bytes so
 * far, how many connections wait for the budget (JS's slow-sender check, frame_reader.ts), the
 * reply bytes of JS's the kernel took so far (JS's output backlog), and ms since the I/O thread last
 * answered a request of the connection itself (io_fast.c; -1 never: JS's idle deadline).
 */
int sct_io_state(struct sct_io *io, uint32_t id, int64_t *meta)
{
    pthread_mutex_lock(&io->tbl_mu);
    int r = -1;
    meta[0] = -1;
    meta[1] = 0;
    meta[2] = atomic_load(io->budget_waiters);
    meta[3] = 0;
    meta[4] = -1;
    struct conn *c = io_lookup(io, id);
    if (c) {
        r = atomic_load(&c->state);
        meta[3] = (int64_t)(atomic_load(&c->sent_total) - atomic_load(&c->fast_handed));
        int64_t fast_at = atomic_load(&c->fast_at_ms);
        if (fast_at > 0)
            meta[4] = io_mono_us() / 1000 + 1 - fast_at;
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


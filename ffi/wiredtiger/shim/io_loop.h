/*
 * io_loop.h — what the frame I/O thread's files share (see io_loop.c for the design): the event and
 * out-queue records, a connection's state, the loop, and the functions io_conn.c, io_loop.c and the fast
 * path give each other and io_reply.c (hidden from the library's exported symbols).
 */
#ifndef SECANTUS_IO_LOOP_H
#define SECANTUS_IO_LOOP_H
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
#define EV_DRAINED 5 /* the connection's out-queue is empty (asked for with SCT_IO_NOTIFY) */

#define SCT_IO_DONE 1  /* JS is done with the connection's current request: deliver the next */
#define SCT_IO_CLOSE 2 /* close the connection after sending what the socket takes now */
#define SCT_IO_CLOSE_NOW 4 /* close at once, dropping unsent bytes */
#define SCT_IO_DIRECT 8    /* JS: nothing else waits — send on the calling thread when nothing is queued */
#define SCT_IO_KICK 16     /* internal: JS let the next request in itself; read what is already buffered */
#define SCT_IO_NOTIFY 32   /* queue EV_DRAINED once every byte sent before this is in the kernel */

/* A connection's epoll interest while the I/O thread reads it; while JS reads it itself (`lone`, see
 * sct_io_reply in io_loop.c) EPOLLIN is off, so the client's bytes wake JS alone. */
#define CONN_EVENTS (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET)

#define EV_HEADER 12 /* u32 type, u32 id, u32 payload length */
#define SMALL_BUF 4096
#define LARGE_FIRST_CHUNK (64 * 1024)
#define ID_SLOT_BITS 20
#define ID_SLOT_MASK ((1u << ID_SLOT_BITS) - 1)
#define MAX_SLOTS (1u << ID_SLOT_BITS)
#define ID_GEN_MASK 0x3ffu        /* a slot's generation: 10 bits above the slot */
#define ID_LOOP_BIT (1u << 30)    /* set in a second loop's ids */
#define SCT_IO_OPEN_SECOND 2      /* sct_io_open: a second loop (no socket of its own: sct_io_pair hands it connections; ids carry ID_LOOP_BIT) */
/* Bytes one connection may read per turn of the loop before the others get theirs (fairness: a fast
 * sender of a 48 MB message must not hold every other connection's small request back). */
#define READ_TURN_BYTES (256 * 1024)
#define EV_POOL_MAX 64 /* small events kept for reuse */

struct handed {
    int fd;
    struct sockaddr_storage peer;
};

struct ev {
    struct ev *next;
    uint32_t type, id, len;
    uint32_t cap; /* payload room: SMALL_BUF for a pooled event, else 0 */
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
    _Atomic int readable; /* no EAGAIN since the last read (JS reads it on a direct DONE) */
    _Atomic int inflight; /* a frame delivered, JS not done with it (JS clears it on a direct DONE) */
    /* JS reads this connection itself (sct_io_reply): EPOLLIN is off and inflight stays set, so the I/O
     * thread neither wakes for its bytes nor touches buf/start/end. Whoever clears it (with inflight)
     * turns EPOLLIN back on, which brings an edge when bytes are already waiting. */
    _Atomic int lone;
    /* close once the out-queue is empty, then tell JS close_reason: the peer half-closed after a whole
     * request whose reply was still being sent (mongod delivers that reply; so does Deno's path) */
    int close_after;
    const char *close_reason;
    int notify_drain; /* JS waits for EV_DRAINED (its reply backlog was over its bound) */
    /* epoll reported the peer's FIN (EPOLLRDHUP/HUP/ERR): no new edge will come for it, so a short read
     * no longer means "drained" — read on until recv() says end of stream */
    int rdhup;
    int waiting_budget; /* on the budget wait list */
    struct conn *budget_next;
    uint8_t buf[SMALL_BUF];
    uint32_t start, end;
    uint8_t *big; /* a large message being assembled */
    uint32_t big_len, big_have, big_cap;
    uint32_t reserved; /* budget bytes held (large message being read or handed to JS) */
    int in_ready;      /* on the ready list: hit READ_TURN_BYTES with bytes still waiting */
    int64_t later_us;  /* a write of it waits for the clock since then (io_fast_serve; 0 none) */
    int held;          /* on the held list: its out-queue has a write's reply whose log is not written yet */
    _Atomic int64_t reserved_at_ms; /* CLOCK_MONOTONIC ms a large message got its reservation; 0 none */
    _Atomic uint32_t big_have_pub;  /* its bytes received so far (for JS's slow-sender check) */
    /* The writer lock: the out-queue and every send() on fd, from the I/O thread or JS's direct send.
     * Lock order tbl_mu → wmu; the I/O thread never takes tbl_mu while holding it. */
    pthread_mutex_t wmu;
    struct out *oq_head, *oq_tail;
    /* the out-queue is non-empty (changed under wmu): the I/O thread's EPOLLOUT edges skip the lock
     * while it is clear (they came with every direct send and contended with it) */
    _Atomic int oq_pending;
    /* reply bytes the kernel took so far (both threads, under wmu): JS's backlog is what it handed over
     * minus this (shim_transport.ts waits while that is over its bound: a client that never reads) */
    _Atomic uint64_t sent_total;
    _Atomic int state; /* for JS's deadline sweep: bit 0 mid-message, bit 1 waiting for the budget */
    /* requests answered on the I/O thread (io_fast.c): their reply bytes (not JS's: its backlog is
     * sent_total minus these) and when the last one came (monotonic ms + 1; JS's idle deadline) */
    _Atomic uint64_t fast_handed;
    _Atomic int64_t fast_at_ms;
    /* with authentication on, the registrations (slots) JS granted this connection's users a find, an
     * update, a delete or an insert on (grants[action], io_fast.h GRANT_*), valid while grant_gen is the
     * fast path's generation (under its lock; io_fast.c) */
    uint32_t grant_gen;
    uint8_t grants[4][128];
    /* JS took the connection in (within max_connections; sct_fast_admit): until then, and for one it
     * refuses, every request is JS's (it closes a refused one without an answer) */
    _Atomic int admitted;
};

struct sct_io {
    int listen_fd, ep, wake_fd;
    uint32_t id_bit; /* ID_LOOP_BIT in every connection id of a second loop (ids unique across loops) */
    /* the accepting loop's second loop (sct_io_pair): every other accepted socket is handed to it */
    struct sct_io *_Atomic second;
    uint64_t accepted;
    /* sockets handed to this loop by the accepting one, not yet taken in (io_adopt_handed) */
    pthread_mutex_t hand_mu;
    struct handed *handed;
    uint32_t n_handed, cap_handed;
    /* JS waiting in sct_io_reply for its lone connection's next request (lone_poll set) is woken
     * through lone_efd when the I/O thread queues an event for it */
    int lone_efd;
    _Atomic int lone_poll;
    uint32_t max_message;
    /* the large-message byte budget: its own, or (a second loop) the first's — one budget for the
     * process, however many loops read (budget: where it is; budget_waiters likewise) */
    _Atomic int64_t budget_own;
    _Atomic int64_t *budget;
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
    _Atomic int budget_waiters_own;
    _Atomic int *budget_waiters;
    struct sct_io *_Atomic peer; /* the other loop of a pair (sct_io_pair): woken when budget comes free here */
    uint32_t *ready; /* ids of connections to read again next turn */
    uint32_t n_ready, cap_ready;
    uint32_t n_clock_ready; /* of them, those whose write waits for the clock (nothing else to read) */
    /* ids of connections holding a write's reply until the log is written (io_fast_write.c
     * io_fast_release: once per turn of the loop, before anything is sent) */
    uint32_t *held;
    uint32_t n_held, cap_held;
    int bell_listen_fd, bell_fd; /* the doorbell: JS's Unix socket connection */
    char bell_path[108];
    /* events for JS */
    pthread_mutex_t in_mu;
    struct ev *in_head, *in_tail;
    _Atomic int in_count;
    struct ev *ev_free; /* taken small events kept for reuse (under in_mu): no malloc/free pair per
                         * request across the two threads (glibc's arena lock was contended) */
    uint32_t n_ev_free;
    int stopped;  /* the thread is gone (under in_mu) */
    int sleeping; /* JS armed the doorbell (under in_mu) */
    /* commands from JS */
    pthread_mutex_t cmd_mu;
    struct out *cmd_head, *cmd_tail;
    /* reply bytes queued as commands and not yet in their connection's out-queue: while non-zero no
     * direct send (it could overtake them) */
    _Atomic int cmd_data;
    /* polling before sleeping (sct_io_spin): for spin_us µs after a request answered on this thread */
    _Atomic int64_t spin_us;
    uint64_t served;       /* requests answered on this thread (io_fast.c) */
    int64_t spin_until_us; /* poll without sleeping until then (0: a request went to JS since) */
    /* bytes malloc'd, touched and freed here when the thread goes idle after answers of its own
     * (sct_io_cushion; 0: never) */
    _Atomic size_t cushion;
    /* point reads answered on this thread (io_fast.c); NULL until JS attaches them */
    struct fast *fast;
};

#define IO_INTERNAL __attribute__((visibility("hidden")))

/* CLOCK_MONOTONIC in µs. */
static inline int64_t io_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* io_conn.c */
IO_INTERNAL void io_ring(struct sct_io *io);
IO_INTERNAL struct conn *io_lookup(struct sct_io *io, uint32_t id);
IO_INTERNAL void io_adopt_handed(struct sct_io *io, int close_them);
IO_INTERNAL void io_release_budget(struct sct_io *io, struct conn *c);
IO_INTERNAL int io_try_read(struct sct_io *io, struct conn *c);
IO_INTERNAL void io_retry_budget_waiters(struct sct_io *io);
IO_INTERNAL void io_append_out_locked(struct conn *c, struct out *o);
IO_INTERNAL void io_queue_out(struct conn *c, struct out *o);
IO_INTERNAL int io_flush(struct sct_io *io, struct conn *c);
IO_INTERNAL int io_flush_locked(struct conn *c, const char **err);
IO_INTERNAL void io_close_conn(struct sct_io *io, struct conn *c, const char *reason, int tell);
IO_INTERNAL void io_do_accept(struct sct_io *io);
/* io_loop.c */
IO_INTERNAL void io_wake(struct sct_io *io);
IO_INTERNAL void io_lone_end(struct sct_io *io, struct conn *c);
/* io_fast.c */
IO_INTERNAL int io_fast_serve(struct sct_io *io, struct conn *c, const uint8_t *msg, uint32_t len);
IO_INTERNAL int io_fast_wants(struct sct_io *io, struct conn *c, const uint8_t *msg, uint32_t len);
IO_INTERNAL void io_fast_free(struct sct_io *io);
/* io_fast_write.c */
IO_INTERNAL int io_fast_hold(struct sct_io *io, struct conn *c);
IO_INTERNAL void io_fast_release(struct sct_io *io);
IO_INTERNAL int io_fast_log_unwritten(struct sct_io *io);

#endif
